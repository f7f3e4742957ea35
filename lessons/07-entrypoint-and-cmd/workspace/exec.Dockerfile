FROM alpine:3.21
ENV NAME=world
CMD ["echo", "Hello, $NAME"]
