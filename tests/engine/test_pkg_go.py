"""`go build`/`go mod`/`go get` against the shipped module proxy, directly and in golang:1.22."""

from __future__ import annotations

import pytest

from tests.engine.catalogue_images import image_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.golang import go, read_manifest, version_key

ENV = {"PATH": "/go/bin:/usr/local/go/bin:/usr/bin:/bin", "HOME": "/root", "GOPATH": "/go",
       "GOTOOLCHAIN": "local"}
GOMOD = "module example.com/app\n\ngo 1.22\n"
HELLO_HTTP = """package main

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
HELLO_FMT = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n'
GIN = """package main

import "github.com/gin-gonic/gin"

func main() {
\tr := gin.Default()
\tr.GET("/", func(c *gin.Context) { c.String(200, "pong") })
\tr.Run(":3000")
}
"""


def _project(files: dict[str, str]) -> FileTree:
    fs = FileTree()
    for path, text in files.items():
        write_text(fs, f"/app/{path}", text)
    return fs


def _go(fs: FileTree, *args: str, env: dict[str, str] | None = None,
        world: object = "default") -> Process:
    proc = Process(["go", *args], fs, {**ENV, **(env or {})}, cwd="/app",
                   world=FakeWorld() if world == "default" else world)  # type: ignore[arg-type]
    proc.returncode = go(proc)  # type: ignore[attr-defined]
    return proc


def _binary(fs: FileTree, path: str) -> bytes:
    node = fs.get(path)
    assert node is not None and node.content is not None
    return node.content.read()



@pytest.mark.parametrize(
    ("a", "b"),
    [("v1.10.0", "v1.9.1"), ("v0.0.0", "v0.0.0-20220715151400-c0bba94af5f8"),
     ("v0.21.1-0.20240508182429-e35e4ccd0d2d", "v0.21.0"), ("v10.20.0", "v9.0.0")],
    ids=["minor", "pseudo-before-release", "pseudo-after-base", "numeric"],
)
def test_version_order(a: str, b: str) -> None:
    assert version_key(a) > version_key(b)


@pytest.mark.parametrize(
    ("files", "args", "env", "stderr"),
    [
        ({"main.go": HELLO_FMT}, ["build"], {},
         "go: go.mod file not found in current directory or any parent directory; "
         "see 'go help modules'\n"),
        ({"go.mod": GOMOD}, ["build"], {}, "no Go files in /app\n"),
        ({"go.mod": GOMOD, "main.go": HELLO_FMT}, ["build", "./cmd/api"], {},
         "stat /app/cmd/api: directory not found\n"),
        ({"go.mod": GOMOD, "main.go": 'package main\n\nimport "fmtt"\n\nfunc main() {}\n'},
         ["build"], {}, "main.go:3:8: package fmtt is not in std (/usr/local/go/src/fmtt)\n"),
        ({"go.mod": GOMOD, "main.go": GIN}, ["build"], {},
         "main.go:3:8: no required module provides package github.com/gin-gonic/gin; "
         "to add it:\n\tgo get github.com/gin-gonic/gin\n"),
        ({"go.mod": GOMOD + "\nrequire github.com/gin-gonic/gin v1.10.0\n", "main.go": GIN},
         ["build"], {},
         "main.go:3:8: missing go.sum entry for module providing package "
         "github.com/gin-gonic/gin (imported by example.com/app); to add:\n"
         "\tgo get example.com/app\n"),
        ({"go.mod": "module example.com/app\n\ngo 1.23.4\n", "main.go": HELLO_FMT}, ["build"],
         {}, "go: go.mod requires go >= 1.23.4 (running go 1.22.12; GOTOOLCHAIN=local)\n"),
        ({"go.mod": GOMOD, "main.go": HELLO_FMT, "b.go": "package app\n"}, ["build"], {},
         "found packages app (b.go) and main (main.go) in /app\n"),
        ({"go.mod": GOMOD + "\nrequire github.com/gin-gonic/gin v1.99.0\n", "main.go": HELLO_FMT},
         ["mod", "download"], {},
         "go: github.com/gin-gonic/gin@v1.99.0: reading https://proxy.golang.org/github.com/"
         "gin-gonic/gin/@v/v1.99.0.mod: 404 Not Found\n\tserver response: not found: "
         "github.com/gin-gonic/gin@v1.99.0: invalid version: unknown revision v1.99.0\n"),
    ],
    ids=["no-go-mod", "no-go-files", "missing-dir", "not-in-std", "no-required-module",
         "missing-go-sum", "newer-go-directive", "two-packages", "newer-than-the-proxy-has"],
)
def test_errors(files: dict[str, str], args: list[str], env: dict[str, str],
                stderr: str) -> None:
    proc = _go(_project(files), *args, env=env)
    assert (proc.returncode, proc.stderr.decode(), proc.stdout) == (1, stderr, b"")


@pytest.mark.parametrize(
    ("args", "code", "out", "err"),
    [
        (["version"], 0, "go version go1.22.12 linux/amd64\n", ""),
        (["env", "GOPATH", "GOMODCACHE"], 0, "/go\n/go/pkg/mod\n", ""),
        (["frob"], 2, "", "go frob: unknown command\nRun 'go help' for usage.\n"),
    ],
    ids=["version", "env", "unknown-command"],
)
def test_simple_commands(args: list[str], code: int, out: str, err: str) -> None:
    proc = _go(_project({}), *args)
    assert (proc.returncode, proc.stdout.decode(), proc.stderr.decode()) == (code, out, err)


@pytest.mark.parametrize(
    ("source", "low", "high", "manifest"),
    [
        (HELLO_FMT, 1_900_000, 2_400_000,
         {"listen": None, "response": None, "stdout": "hi\n"}),
        (HELLO_HTTP, 6_500_000, 7_800_000,
         {"listen": ":8080", "response": "Hello from Go\n", "stdout": "listening on :8080\n"}),
        (HELLO_HTTP.replace('fmt.Fprintln(w, "Hello from Go")', 'w.Write([]byte("ok"))')
         .replace('":8080"', "addr").replace("func main() {", 'const addr = ":9000"\n\nfunc '
                                                              "main() {"),
         6_500_000, 7_800_000, {"listen": ":9000", "response": "ok"}),
    ],
    ids=["fmt-only", "net-http", "write-bytes-and-named-address"],
)
def test_build_writes_elf_with_manifest(source: str, low: int, high: int,
                                        manifest: dict[str, object]) -> None:
    fs = _project({"go.mod": GOMOD, "main.go": source})
    proc = _go(fs, "build", "-o", "/server", ".")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    data = _binary(fs, "/server")
    assert data.startswith(b"\x7fELF\x02\x01\x01") and b"\xff Go buildinf:" in data
    assert low < len(data) < high
    assert fs.nodes["/server"].mode == 0o755
    found = read_manifest(data)
    assert found is not None
    assert {k: found[k] for k in manifest} == manifest
    assert (found["module"], found["goarch"], found["static"]) == ("example.com/app", "amd64",
                                                                   True)
    cached = [p for p in fs.paths() if p.startswith("/root/.cache/go-build/")]
    assert "/root/.cache/go-build/README" in cached and len(cached) > 4
    assert proc.seconds > 1


def test_build_is_deterministic_and_follows_inputs() -> None:
    def build(source: str, *args: str, env: dict[str, str] | None = None) -> bytes:
        fs = _project({"go.mod": GOMOD, "main.go": source})
        assert _go(fs, "build", *args, "-o", "out", env=env).returncode == 0
        return _binary(fs, "/app/out")

    first = build(HELLO_HTTP)
    assert build(HELLO_HTTP) == first
    assert build(HELLO_HTTP.replace("Hello", "Howdy")) != first
    assert build(HELLO_HTTP, "-ldflags", "-X main.version=1") != first
    stripped = build(HELLO_HTTP, "-ldflags=-s -w")
    assert len(stripped) < len(first) * 0.8
    arm = build(HELLO_HTTP, env={"GOARCH": "arm64"})
    assert arm != first and arm[18] == 0xB7 and read_manifest(arm)["goarch"] == "arm64"  # type: ignore[index]
    assert read_manifest(b"#!/bin/sh\n") is None


def test_output_names() -> None:
    fs = _project({"go.mod": GOMOD, "main.go": HELLO_FMT,
                   "cmd/worker/main.go": HELLO_FMT, "lib/lib.go": "package lib\n"})
    assert _go(fs, "build").returncode == 0
    assert read_manifest(_binary(fs, "/app/app")) is not None
    fs.makedirs("/out")
    assert _go(fs, "build", "-o", "/out", "./...").returncode == 0
    assert sorted(fs.listdir("/out")) == ["app", "worker"]
    assert _go(fs, "build", "-o", "/lib.a", "./lib").returncode == 0
    assert _binary(fs, "/lib.a").startswith(b"!<arch>\n")
    many = _go(fs, "build", "-o", "/x", "./...")
    assert many.stderr.decode() == "go: cannot write multiple packages to non-directory /x\n"
    before = set(fs.paths())
    assert _go(fs, "build", "./...").returncode == 0
    assert {p for p in set(fs.paths()) - before if p.startswith("/app")} == set()


def test_tidy_then_build_gin_downloads_modules() -> None:
    fs = _project({"go.mod": GOMOD, "main.go": GIN})
    tidy = _go(fs, "mod", "tidy")
    err = tidy.stderr.decode().splitlines()
    assert tidy.returncode == 0
    assert err[:3] == ["go: finding module for package github.com/gin-gonic/gin",
                       "go: downloading github.com/gin-gonic/gin v1.10.0",
                       "go: found github.com/gin-gonic/gin in github.com/gin-gonic/gin v1.10.0"]
    gomod = read_text(fs, "/app/go.mod") or ""
    assert "\nrequire github.com/gin-gonic/gin v1.10.0\n" in gomod
    assert "\tgolang.org/x/net v0.25.0 // indirect\n" in gomod
    assert "\tgithub.com/bytedance/sonic v1.11.6 // indirect\n" in gomod
    assert "testify" not in gomod
    assert "github.com/gin-gonic/gin v1.10.0 h1:" in (read_text(fs, "/app/go.sum") or "")
    assert "/go/pkg/mod/github.com/gin-gonic/gin@v1.10.0/gin.go" in fs
    assert fs.nodes["/go/pkg/mod/github.com/gin-gonic/gin@v1.10.0/gin.go"].mode == 0o444
    assert "/go/pkg/mod/cache/download/github.com/gin-gonic/gin/@v/v1.10.0.zip" in fs
    built = _go(fs, "build", "-o", "/srv", ".")
    assert (built.returncode, built.stderr) == (0, b"")  # everything is in the module cache
    manifest = read_manifest(_binary(fs, "/srv"))
    assert manifest is not None and (manifest["listen"], manifest["response"]) == (":3000",
                                                                                   "pong")
    assert len(_binary(fs, "/srv")) > 10_000_000


def test_mod_download_is_silent_and_build_then_downloads_nothing() -> None:
    fs = _project({"go.mod": GOMOD, "main.go": GIN})
    _go(fs, "mod", "tidy")
    fresh = _project({"go.mod": read_text(fs, "/app/go.mod") or "",
                      "go.sum": read_text(fs, "/app/go.sum") or "", "main.go": GIN})
    download = _go(fresh, "mod", "download")
    assert (download.returncode, download.stdout, download.stderr) == (0, b"", b"")
    zips = [p for p in fresh.paths() if p.endswith(".zip")]
    assert len(zips) == 27
    mod_cache = sum(fresh.nodes[p].size for p in fresh.paths() if p.startswith("/go/pkg/mod/"))
    assert mod_cache > 50_000_000
    assert _go(fresh, "build", ".").stderr == b""


def test_build_downloads_when_cache_is_cold() -> None:
    fs = _project({"go.mod": GOMOD, "main.go": GIN})
    _go(fs, "mod", "tidy")
    fresh = _project({p: read_text(fs, f"/app/{p}") or "" for p in ("go.mod", "go.sum",
                                                                      "main.go")})
    proc = _go(fresh, "build", "-o", "/srv")
    lines = proc.stderr.decode().splitlines()
    assert lines[0] == "go: downloading github.com/gin-gonic/gin v1.10.0"
    assert "go: downloading golang.org/x/net v0.25.0" in lines
    assert "go: downloading github.com/bytedance/sonic v1.11.6" not in lines  # build tag only
    offline = _go(_project({p: read_text(fs, f"/app/{p}") or "" for p in ("go.mod", "go.sum",
                                                                          "main.go")}),
                  "build", world=None)
    assert offline.returncode == 1
    assert "dial tcp: lookup proxy.golang.org" in offline.stderr.decode()


def test_get_and_init() -> None:
    fs = _project({"main.go": HELLO_FMT})
    init = _go(fs, "mod", "init", "example.com/tool")
    assert init.stderr.decode() == "go: creating new go.mod: module example.com/tool\n"
    assert read_text(fs, "/app/go.mod") == "module example.com/tool\n\ngo 1.22.12\n"
    got = _go(fs, "get", "github.com/google/uuid")
    assert got.stderr.decode() == ("go: downloading github.com/google/uuid v1.6.0\n"
                                   "go: added github.com/google/uuid v1.6.0\n")
    assert "require github.com/google/uuid v1.6.0\n" in (read_text(fs, "/app/go.mod") or "")


@pytest.mark.parametrize(
    ("tag", "env", "interpreter"),
    [("1.22", {}, "/lib64/ld-linux-x86-64.so.2"), ("1.22", {"CGO_ENABLED": "0"}, None),
     ("1.22-alpine", {}, None)],
    ids=["bookworm-cgo-dynamic", "cgo-disabled", "alpine-no-gcc"],
)
def test_in_the_golang_image(tag: str, env: dict[str, str], interpreter: str | None) -> None:
    fs = image_tree(f"golang:{tag}")
    write_text(fs, "/src/go.mod", GOMOD)
    write_text(fs, "/src/main.go", HELLO_HTTP)
    exports = "".join(f"export {k}={v}; " for k, v in env.items())
    result = run_script(f"{exports}go version && go build -o /bin/server .", fs=fs,
                        env={"PATH": "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:"
                             "/usr/sbin:/usr/bin:/sbin:/bin", "GOPATH": "/go", "HOME": "/root",
                             "GOTOOLCHAIN": "local"},
                        cwd="/src", world=FakeWorld())  # type: ignore[arg-type]
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"go version go1.22.12 linux/amd64\n"
    manifest = read_manifest(_binary(fs, fs.resolve("/bin/server")))
    assert manifest is not None and manifest["interpreter"] == interpreter
    assert manifest["static"] is (interpreter is None)


def test_build_output_directories_are_created() -> None:
    fs = _project({"go.mod": GOMOD, "main.go": HELLO_FMT})
    proc = _go(fs, "build", "-o", "/out/bin/hello", ".")
    assert proc.returncode == 0, proc.stderr.decode()  # type: ignore[attr-defined]
    assert read_manifest(_binary(fs, "/out/bin/hello")) is not None
