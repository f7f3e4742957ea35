FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod main.go ./
RUN go build -o /server .

FROM scratch
COPY --from=build /server /server
EXPOSE 8080
CMD ["/server"]
