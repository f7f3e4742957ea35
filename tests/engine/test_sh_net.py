"""curl, wget and ping against the simulated web: output and exit codes as the real tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.sh_trees import ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, file
from tutor.engine.sh import run_script
from tutor.engine.world import SimulatedWorld

WORLD = SimulatedWorld(Path(__file__).resolve().parents[2] / "assets")


def _with_curl(tree: FileTree) -> FileTree:
    tree.put("/usr/bin/curl", file(b"\x7fELF curl", 0o755))
    return tree


def run(tree: FileTree, script: str) -> tuple[int, str, str]:
    result = run_script(script, fs=tree, env=dict(ENV), world=WORLD, epoch=EPOCH)
    return result.exit_code, result.stdout.decode(), result.stderr.decode()


HELLO = "Hello from a file downloaded by ADD or curl.\n"


@pytest.mark.parametrize(("script", "status", "stdout", "stderr_has"), [
    ("curl -s https://example.com/hello.txt", 0, HELLO, ""),
    ("curl -fsSL https://example.com/missing", 22, "",
     "curl: (22) The requested URL returned error: 404"),
    ("curl -fs https://example.com/missing", 22, "", ""),
    ("curl https://nope.example/", 6, "", "curl: (6) Could not resolve host: nope.example"),
    ("curl https://example.com/hello.txt", 0, HELLO, "% Total    % Received"),
    ("curl --bogus x", 2, "", "curl: option --bogus: is unknown"),
], ids=["silent", "fail-404", "fail-silent", "no-host", "meter", "bad-option"])
def test_curl(script: str, status: int, stdout: str, stderr_has: str) -> None:
    code, out, err = run(_with_curl(busybox_tree()), script)
    assert (code, out) == (status, stdout)
    assert stderr_has in err
    if not stderr_has:
        assert err == ""


def test_curl_saves_files() -> None:
    tree = _with_curl(busybox_tree())
    code, _, _ = run(tree, "cd /tmp && curl -sO https://example.com/hello.txt && "
                           "curl -so /h.txt https://example.com/hello.txt")
    assert code == 0
    for path in ("/tmp/hello.txt", "/h.txt"):
        node = tree.get(path)
        assert node is not None and node.content is not None
        assert node.content.read().decode() == HELLO


def test_busybox_wget() -> None:
    tree = busybox_tree()
    code, _, err = run(tree, "cd /tmp && wget https://example.com/hello.txt")
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("Connecting to example.com (")
    assert lines[1:] and lines[1] == "saving to 'hello.txt'"
    assert lines[-1] == "'hello.txt' saved"
    assert tree.get("/tmp/hello.txt") is not None
    assert run(tree, "wget -q -O - https://example.com/hello.txt")[1] == HELLO
    assert run(tree, "wget http://nope.example/")[0::2] == (1, "wget: bad address 'nope.example'\n")


def test_gnu_wget_names_failures_as_gnu() -> None:
    tree = debian_tree()
    tree.put("/usr/bin/wget", file(b"\x7fELF wget", 0o755))
    code, _, err = run(tree, "wget http://nope.example/")
    assert code == 4
    assert err.endswith("wget: unable to resolve host address 'nope.example'\n")


def test_ping_reaches_only_loopback() -> None:
    code, out, _ = run(busybox_tree(), "ping -c 2 localhost")
    assert code == 0
    assert "2 packets transmitted, 2 packets received, 0% packet loss" in out
    code, _, err = run(busybox_tree(), "ping -c 1 example.com")
    assert (code, err) == (1, "ping: bad address 'example.com'\n")
