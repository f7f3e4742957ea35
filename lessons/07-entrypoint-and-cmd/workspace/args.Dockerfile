FROM alpine:3.21
ARG GREETING=Hello
ENV NAME=world
RUN echo "$GREETING" > /greeting
CMD echo "$(cat /greeting), $NAME. GREETING=$GREETING"
