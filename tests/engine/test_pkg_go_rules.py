"""go beyond the hand-written proxy catalogue: modules by rule, `go build file.go` with and
without a module, semantic import versioning (docs/package-simulation.md)."""

from __future__ import annotations

import pytest

from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.golang import go, module_of, read_manifest, version_problem

ENV = {"PATH": "/go/bin:/usr/local/go/bin:/usr/bin:/bin", "HOME": "/root", "GOPATH": "/go",
       "GOTOOLCHAIN": "local"}
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, world")\n}\n'
API = """package main

import (
\t"database/sql"
\t"net/http"

\t_ "github.com/go-sql-driver/mysql"
\t"github.com/gorilla/mux"
\t"github.com/google/uuid"
)

func main() {
\t_ = uuid.New()
\tsql.Open("mysql", "")
\tr := mux.NewRouter()
\thttp.ListenAndServe(":8000", r)
}
"""
GOMOD = """module github.com/docker/example-api

go 1.21

require (
\tgithub.com/go-sql-driver/mysql v1.7.1
\tgithub.com/google/uuid v1.6.0
\tgithub.com/gorilla/mux v1.8.1
)

require filippo.io/edwards25519 v1.1.0 // indirect
"""
GOSUM = "".join(
    f"{m} {v} h1:abc=\n{m} {v}/go.mod h1:def=\n" for m, v in (
        ("filippo.io/edwards25519", "v1.1.0"), ("github.com/go-sql-driver/mysql", "v1.7.1"),
        ("github.com/google/uuid", "v1.6.0"), ("github.com/gorilla/mux", "v1.8.1")))


def _project(files: dict[str, str]) -> FileTree:
    fs = FileTree()
    for path, text in files.items():
        write_text(fs, f"/app/{path}", text)
    return fs


def _go(fs: FileTree, *args: str, env: dict[str, str] | None = None) -> Process:
    proc = Process(["go", *args], fs, {**ENV, **(env or {})}, cwd="/app", world=FakeWorld())
    proc.returncode = go(proc)  # type: ignore[attr-defined]
    return proc


def test_module_with_go_sum_downloads_and_builds_static() -> None:
    fs = _project({"go.mod": GOMOD, "go.sum": GOSUM, "main.go": API})
    download = _go(fs, "mod", "download")
    assert (download.returncode, download.stderr) == (0, b"")
    for module in ("github.com/gorilla/mux@v1.8.1", "filippo.io/edwards25519@v1.1.0",
                   "github.com/go-sql-driver/mysql@v1.7.1"):
        assert f"/go/pkg/mod/{module}/go.mod" in fs
    assert "/go/pkg/mod/cache/download/github.com/google/uuid/@v/v1.6.0.zip" in fs
    build = _go(fs, "build", "-o", "/server", ".", env={"CGO_ENABLED": "0", "GOOS": "linux"})
    assert (build.returncode, build.stderr) == (0, b""), build.stderr
    node = fs.get("/server")
    assert node is not None and node.content is not None
    data = node.content.read()
    manifest = read_manifest(data)
    assert manifest is not None
    assert (manifest["module"], manifest["static"], manifest["listen"]) == (
        "github.com/docker/example-api", True, ":8000")
    assert b"dep\tgithub.com/gorilla/mux\tv1.8.1\t" in data
    assert len(data) > 2_000_000


def test_cold_build_announces_downloads() -> None:
    fs = _project({"go.mod": GOMOD, "go.sum": GOSUM, "main.go": API})
    build = _go(fs, "build", "-o", "app")
    assert build.returncode == 0
    assert build.stderr.decode().splitlines() == [
        "go: downloading github.com/go-sql-driver/mysql v1.7.1",
        "go: downloading github.com/gorilla/mux v1.8.1",
        "go: downloading github.com/google/uuid v1.6.0"]


def test_go_build_file_without_a_module() -> None:
    fs = _project({"main.go": HELLO})
    proc = _go(fs, "build", "main.go")
    assert (proc.returncode, proc.stderr) == (0, b"")
    node = fs.get("/app/main")
    assert node is not None and node.content is not None
    data = node.content.read()
    manifest = read_manifest(data)
    assert manifest is not None and manifest["stdout"] == "hello, world\n"
    assert b"path\tcommand-line-arguments\n" in data and b"mod\t" not in data
    out = _go(fs, "build", "-o", "/usr/local/bin/hello", "main.go")
    assert out.returncode == 0 and "/usr/local/bin/hello" in fs


def test_go_build_file_importing_a_module_without_go_mod() -> None:
    fs = _project({"main.go": API})
    proc = _go(fs, "build", "main.go")
    assert proc.returncode == 1
    assert proc.stderr.decode() == (
        "main.go:7:4: no required module provides package github.com/go-sql-driver/mysql: "
        "go.mod file not found in current directory or any parent directory; see 'go help "
        "modules'\n")
    dot = _go(fs, "build", ".")
    assert dot.stderr.decode() == ("go: go.mod file not found in current directory or any "
                                   "parent directory; see 'go help modules'\n")


def test_go_build_file_inside_a_module() -> None:
    fs = _project({"go.mod": GOMOD, "go.sum": GOSUM, "cmd/server.go": API})
    proc = _go(fs, "build", "-o", "bin/", "cmd/server.go")
    assert proc.returncode == 0, proc.stderr
    assert "/app/bin/server" in fs


def test_go_get_and_tidy_resolve_unknown_modules_by_rule() -> None:
    fs = _project({"go.mod": "module example.com/cli\n\ngo 1.22\n",
                   "main.go": 'package main\n\nimport "github.com/urfave/cli/v2"\n\n'
                              "func main() { _ = cli.App{} }\n"})
    tidy = _go(fs, "mod", "tidy")
    assert tidy.returncode == 0, tidy.stderr
    err = tidy.stderr.decode().splitlines()
    assert err[0] == "go: finding module for package github.com/urfave/cli/v2"
    assert err[-1].startswith("go: found github.com/urfave/cli/v2 in github.com/urfave/cli/v2 v2.")
    gomod = read_text(fs, "/app/go.mod") or ""
    assert "\nrequire github.com/urfave/cli/v2 v" in gomod
    got = _go(fs, "get", "github.com/redis/go-redis/v9@latest")
    assert got.returncode == 0, got.stderr
    assert "go: added github.com/redis/go-redis/v9 v9." in got.stderr.decode()
    assert "github.com/redis/go-redis/v9 v9." in (read_text(fs, "/app/go.sum") or "")
    assert _go(fs, "build").returncode == 0


@pytest.mark.parametrize(
    ("path", "version", "problem"),
    [("github.com/a/b", "v1.2.3", ""), ("github.com/a/b", "v2.0.0",
                                        "should be v0 or v1, not v2"),
     ("github.com/a/b/v3", "v2.1.0", "should be v3, not v2"),
     ("github.com/a/b", "v2.0.0+incompatible", ""), ("gopkg.in/yaml.v3", "v3.0.1", ""),
     ("github.com/a/b", "latest", "unknown revision latest")],
)
def test_semantic_import_versioning(path: str, version: str, problem: str) -> None:
    assert version_problem(path, version) == problem


def test_wrong_major_in_go_mod_is_reported() -> None:
    fs = _project({"go.mod": "module m\n\ngo 1.22\n\nrequire github.com/a/b v2.0.0\n",
                   "main.go": HELLO})
    proc = _go(fs, "mod", "download")
    assert proc.stderr.decode() == ("go: github.com/a/b@v2.0.0: invalid version: should be v0 "
                                    "or v1, not v2\n")


@pytest.mark.parametrize(
    ("package", "module"),
    [("github.com/gorilla/mux", "github.com/gorilla/mux"),
     ("github.com/jackc/pgx/v5/pgxpool", "github.com/jackc/pgx/v5"),
     ("golang.org/x/sync/errgroup", "golang.org/x/sync"), ("gopkg.in/yaml.v3", "gopkg.in/yaml.v3"),
     ("fmt", None)],
)
def test_module_of_package_paths(package: str, module: str | None) -> None:
    from tutor.engine.sh.pkg.catalogue import Index

    assert module_of(Index({}), package) == module
