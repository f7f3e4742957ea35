FROM alpine:3.21 AS build
RUN apk add --no-cache python3
RUN python3 --version > /built-with.txt

FROM alpine:3.21
COPY --from=build /built-with.txt /
CMD ["cat", "/built-with.txt"]
