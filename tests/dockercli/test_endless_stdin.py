"""`docker load` and `docker build -` from a standard input that never ends: Docker's error as
soon as the bytes cannot be an archive or a Dockerfile, after reading only that far."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tutor.dockercli import main

BOUND = 1024 * 1024
"""Far more than any of these needs to read before it can tell."""


class Endless(io.RawIOBase):
    """`yes`, `/dev/zero` and the like: the pattern again and again, counting what was read."""

    def __init__(self, pattern: bytes, first: bytes = b"") -> None:
        self.pattern = pattern
        self.first = first
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.consumed > 64 * BOUND:
            raise AssertionError("read far past any bound")
        if self.consumed < len(self.first):
            n = min(len(buffer), len(self.first) - self.consumed)
            buffer[:n] = self.first[self.consumed : self.consumed + n]
            self.consumed += n
            return n
        n = len(buffer)
        start = (self.consumed - len(self.first)) % len(self.pattern)
        repeated = (self.pattern * (n // len(self.pattern) + 2))[start : start + n]
        buffer[:n] = repeated
        self.consumed += n
        return n


def run(argv: list[str], source: Endless, state: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BufferedReader(source))
    status = main(argv, state=state, stdout=out, stderr=err, tty=False, stdin=stdin)
    return status, err.getvalue()


@pytest.mark.parametrize(("pattern", "message"), [
    (b"y\n", "Error response from daemon: unexpected EOF\n"),
    (b"\0", "Error response from daemon: invalid archive: does not contain a manifest.json\n"),
])
def test_load_stops_at_the_first_block_that_is_no_archive(
        isolated_state: Path, pattern: bytes, message: str) -> None:
    source = Endless(pattern)
    status, err = run(["load"], source, isolated_state)
    assert (status, err) == (1, message)
    assert source.consumed < BOUND


def test_build_stops_at_an_unknown_first_instruction(isolated_state: Path) -> None:
    source = Endless(b"y\n")
    status, err = run(["build", "-"], source, isolated_state)
    assert status == 1
    assert err.endswith("ERROR: failed to build: failed to solve: dockerfile parse error on line "
                        "1: unknown instruction: y\n")
    assert source.consumed < BOUND


def test_build_stops_at_a_line_longer_than_buildkit_reads(isolated_state: Path) -> None:
    source = Endless(b"x", first=b"FROM alpine:3.21\nRUN echo ")
    status, err = run(["build", "-"], source, isolated_state)
    assert status == 1
    assert "dockerfile line greater than max allowed size of 65535" in err
    assert source.consumed < BOUND


def test_an_endless_valid_dockerfile_stops_at_the_simulation_ceiling(
        isolated_state: Path) -> None:
    source = Endless(b"RUN true\n")
    status, err = run(["build", "-"], source, isolated_state)
    assert status == 1
    assert "the simulated engine reads at most 16 MiB of Dockerfile from standard input" in err


def test_a_finite_archive_followed_by_more_bytes_loads(isolated_state: Path, tmp_path: Path,
                                                      ) -> None:
    out, err = io.StringIO(), io.StringIO()
    saved = tmp_path / "a.tar"
    for argv in (["pull", "-q", "alpine:3.21"], ["save", "-o", str(saved), "alpine:3.21"],
                 ["rmi", "alpine:3.21"]):
        assert main(argv, state=isolated_state, stdout=out, stderr=err, tty=False) == 0
    source = Endless(b"\0", first=saved.read_bytes())
    status, err_text = run(["load"], source, isolated_state)
    assert (status, err_text) == (0, "")
    assert source.consumed < saved.stat().st_size + BOUND
