"""`tutor docker run -it` from a real terminal (a pseudo-terminal) and from a pipe, end to end."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def docker(state: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor", "--state", str(state), "docker", *args],
                          input=stdin, capture_output=True, text=True, timeout=120)


class Pty:
    """`tutor docker …` with a pseudo-terminal for its stdin, stdout and stderr."""

    def __init__(self, state: Path, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the command
            os.execv(sys.executable, [sys.executable, "-m", "tutor", "--state", str(state),
                                      "docker", *args])
        self.seen = b""

    def expect(self, text: str, times: int = 1) -> None:
        """Read until `text` has appeared `times` times (the test's own timeout bounds a hang)."""
        while self.seen.count(text.encode()) < times:
            ready, _, _ = select.select([self.fd], [], [], 120)
            assert ready, f"no {text!r} in {self.seen!r}"
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the child has ended and closed its side
                chunk = b""
            assert chunk, f"no {text!r} in {self.seen!r}"
            self.seen += chunk

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\n")

    def status(self) -> int:
        while True:  # drain, so the child never blocks writing
            try:
                if not os.read(self.fd, 4096):
                    break
            except OSError:
                break
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])


@pytest.fixture
def state(tmp_path: Path) -> Path:
    assert docker(tmp_path / "state", "pull", "alpine").returncode == 0
    return tmp_path / "state"


def test_run_it_from_a_terminal_is_a_shell_in_the_container(state: Path) -> None:
    term = Pty(state, "run", "-it", "--name", "box", "alpine", "sh")
    term.expect("/ # ")
    term.type("cd /tmp && echo inside > note && cat note")
    term.expect("inside")
    term.expect("/tmp # ")
    term.type("exit 3")
    assert term.status() == 3
    listed = docker(state, "ps", "-a", "--format", "{{.Names}} {{.Status}}")
    assert listed.stdout.startswith("box Exited (3)")
    assert docker(state, "diff", "box").stdout.splitlines()[-1] == "A /tmp/note"


def test_ctrl_c_abandons_the_line_and_shows_one_caret_c(state: Path) -> None:
    term = Pty(state, "run", "-it", "--rm", "alpine", "sh")
    term.expect("/ # ")
    os.write(term.fd, b"\x03")
    term.expect("/ # ", times=2)  # the line is abandoned: a new prompt
    term.type("echo next")
    term.expect("next")
    # The terminal echoes the ^C it sends (ECHOCTL), so the session prints only the new line.
    assert term.seen.count(b"^C") == 1
    term.type("exit")
    assert term.status() == 0


def test_run_it_from_a_pipe_is_refused_as_docker_does(state: Path) -> None:
    result = docker(state, "run", "-it", "alpine", "sh", stdin="echo never\n")
    assert (result.returncode, result.stderr) == (1, "the input device is not a TTY\n")
    assert docker(state, "ps", "-aq").stdout == ""  # refused before a container was made


def test_run_i_reads_the_shell_from_the_pipe(state: Path) -> None:
    result = docker(state, "run", "-i", "--rm", "alpine", "sh",
                    stdin="X=piped\necho $X\ncd /etc\npwd\n")
    assert (result.returncode, result.stdout) == (0, "piped\n/etc\n")
    assert docker(state, "ps", "-aq").stdout == ""  # --rm took it away
