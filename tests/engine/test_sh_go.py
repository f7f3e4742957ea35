"""Programs `go build` wrote, run through the shell (RUN, `docker exec`, scripts) and exec form."""

from __future__ import annotations

import pytest

from tests.engine.sh_trees import ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, file
from tutor.engine.sh import run_argv, run_script
from tutor.engine.sh.pkg.golang import render_binary

LOADER = "/lib64/ld-linux-x86-64.so.2"
TREES = {"ash": busybox_tree, "dash": debian_tree, "bash": debian_tree}


def _program(fs: FileTree, *, stdout: str = "", listen: str | None = None,
             interpreter: str | None = None, path: str = "/out/app") -> FileTree:
    manifest = {"go": "go1.22.12", "module": "example.com/app", "package": "example.com/app",
                "goos": "linux", "goarch": "amd64", "static": interpreter is None,
                "interpreter": interpreter, "listen": listen,
                "response": "Hello\n" if listen else None, "stdout": stdout}
    fs.makedirs(path.rsplit("/", 1)[0])
    fs.put(path, file(render_binary(8192, path, "amd64", "path\texample.com/app\n", manifest),
                      0o755))
    return fs


def _sh(flavour: str, script: str, fs: FileTree) -> tuple[int, bytes, bytes]:
    argv = ["/bin/bash", "-c"] if flavour == "bash" else ["/bin/sh", "-c"]
    result = run_script(script, fs=fs, env=dict(ENV), epoch=EPOCH, shell_argv=argv)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("flavour", ["ash", "dash", "bash"])
def test_a_program_prints_its_lines_and_exits_0(flavour: str) -> None:
    fs = _program(TREES[flavour](), stdout="hello, world\nsecond line\n")
    assert _sh(flavour, "/out/app; echo rc=$?", fs) == (
        0, b"hello, world\nsecond line\nrc=0\n", b"")


def test_a_program_found_on_path_ignores_a_simulated_program_of_the_same_name() -> None:
    fs = _program(debian_tree(), stdout="mine\n", path="/usr/local/bin/hello")
    assert _sh("dash", "hello", fs) == (0, b"mine\n", b"")


def test_a_server_started_by_a_step_prints_its_banner_and_lets_the_step_finish() -> None:
    fs = _program(debian_tree(), stdout="listening on :8080\n", listen=":8080")
    assert _sh("dash", "/out/app && echo after", fs) == (
        0, b"listening on :8080\nafter\n", b"")


@pytest.mark.parametrize(
    ("flavour", "stderr"),
    [("ash", b"/bin/sh: /out/app: not found\n"),
     ("dash", b"/bin/sh: 1: /out/app: not found\n"),
     ("bash", b"/bin/bash: line 1: /out/app: cannot execute: required file not found\n")],
    ids=["ash", "dash", "bash"],
)
def test_a_missing_loader_fails_as_the_shell_reports_enoent(flavour: str, stderr: bytes) -> None:
    fs = _program(TREES[flavour](), stdout="never\n", interpreter=LOADER)
    assert _sh(flavour, "/out/app; echo rc=$?", fs) == (0, b"rc=127\n", stderr)


def test_a_present_loader_lets_a_dynamic_program_run() -> None:
    fs = _program(debian_tree(), stdout="dynamic\n", interpreter=LOADER)
    fs.makedirs("/lib64")
    fs.put(LOADER, file(b"\x7fELF\x02loader", 0o755))
    assert _sh("bash", "/out/app", fs) == (0, b"dynamic\n", b"")


def test_exec_form_runs_the_program() -> None:
    fs = _program(busybox_tree(), stdout="exec form\n")
    result = run_argv(["/out/app", "--flag"], fs=fs, env=dict(ENV))
    assert (result.exec_error, result.exit_code, result.stdout) == (None, 0, b"exec form\n")


def test_exec_form_without_its_loader_fails_as_runc_reports_it() -> None:
    fs = _program(FileTree(), stdout="never\n", interpreter=LOADER)
    result = run_argv(["/out/app"], fs=fs, env=dict(ENV))
    assert result.exec_error is not None
    assert result.exec_error.message == "exec /out/app: no such file or directory"
    assert result.stdout == b""


def test_a_program_called_from_a_script_and_by_env() -> None:
    fs = _program(debian_tree(), stdout="from go\n")
    fs.put("/run.sh", file(b"#!/bin/sh\n/out/app\nenv /out/app\n", 0o755))
    fs.put("/usr/bin/env", file(b"\x7fELF\x02env", 0o755))
    assert _sh("dash", "/run.sh", fs) == (0, b"from go\nfrom go\n", b"")
