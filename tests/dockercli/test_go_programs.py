"""Programs the simulated `go build` wrote run in containers: they print, serve HTTP, and a
dynamically linked one fails in an image without its loader (the multi-stage lesson)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tutor.course.web import engine_curl

GOMOD = "module example.com/app\n\ngo 1.22\n"
SERVER = """package main

import (
\t"fmt"
\t"net/http"
)

func main() {
\tfmt.Println("listening on :8080")
\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
\t\tfmt.Fprintln(w, "Hello from Go")
\t})
\thttp.ListenAndServe(":8080", nil)
}
"""
HELLO = """package main

import "fmt"

func main() {
\tfmt.Println("hello, world")
}
"""


def build(docker: Docker, root: Path, source: str, *, runtime: str, cgo: str = "") -> None:
    env = f"ENV CGO_ENABLED={cgo}\n" if cgo else ""
    write(root, {
        "go.mod": GOMOD,
        "main.go": source,
        "Dockerfile": "FROM golang:1.22 AS build\nWORKDIR /src\n" + env
                      + "COPY go.mod main.go ./\nRUN go build -o /app .\n"
                      f"FROM {runtime}\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
    })
    built = docker("build", "-q", "-t", "goapp", str(root))
    assert built.status == 0, built.err


@pytest.mark.parametrize("runtime", ["scratch", "alpine:3.21"])
def test_a_static_program_prints_and_exits(docker: Docker, tmp_path: Path, runtime: str) -> None:
    build(docker, tmp_path, HELLO, runtime=runtime, cgo="0")
    ran = docker("run", "--name", "hi", "goapp")
    assert (ran.status, ran.out, ran.err) == (0, "hello, world\n", "")
    assert docker("ps", "-a", "--format", "{{.Status}}").out.startswith("Exited (0)")
    assert docker("logs", "hi").out == "hello, world\n"


def test_a_static_server_stays_up_and_answers(docker: Docker, tmp_path: Path,
                                              isolated_state: Path) -> None:
    build(docker, tmp_path, SERVER, runtime="scratch", cgo="0")
    started = docker("run", "-d", "--name", "web", "-p", "8080:8080", "goapp")
    assert started.status == 0, started.err
    docker("logs", "web")
    assert docker("logs", "web").out == "listening on :8080\n"
    assert docker("ps", "--format", "{{.Names}} {{.State}}").out == "web running\n"
    curl = engine_curl(isolated_state)
    assert curl(8080, "/") == "Hello from Go\n"
    assert curl(8080, "/anything") == "Hello from Go\n"
    assert docker("stop", "web").status == 0
    assert docker("ps", "-a", "--format", "{{.Status}}").out.startswith("Exited (2)")
    assert curl(8080, "/") is None


@pytest.mark.parametrize("runtime", ["scratch", "alpine:3.21"])
def test_a_cgo_build_needs_its_loader(docker: Docker, tmp_path: Path, runtime: str) -> None:
    build(docker, tmp_path, SERVER, runtime=runtime)
    ran = docker("run", "--name", "broken", "-p", "8080:8080", "goapp")
    assert (ran.status, ran.out, ran.err) == (1, "", "exec /app: no such file or directory\n")
    assert docker("ps", "-a", "--format", "{{.Status}}").out.startswith("Exited (1)")
    assert docker("logs", "broken").err == "exec /app: no such file or directory\n"


def test_a_cgo_build_runs_where_its_loader_is(docker: Docker, tmp_path: Path,
                                              isolated_state: Path) -> None:
    build(docker, tmp_path, SERVER, runtime="debian:bookworm-slim")
    started = docker("run", "-d", "-p", "8080:8080", "goapp")
    assert started.status == 0, started.err
    assert engine_curl(isolated_state)(8080, "/") == "Hello from Go\n"
