"""The contract between the simulated `/bin/sh` and the programs it runs.

A program is a plain function `(proc: Process) -> int` registered under its name; it reads its
arguments, environment and standard input from the `Process`, changes `proc.fs`, writes to
`proc.stdout`/`proc.stderr`, adds the simulated time its work would take with `proc.spend()`, and
returns its exit status. Programs never touch the host: the network and package repositories they
may reach are in `proc.world`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from tutor.engine.fs import FileTree


class World(Protocol):
    """What lies outside the container: the simulated network and package mirrors.

    Implemented by the engine; programs only read from it.
    """

    def fetch_url(self, url: str) -> bytes | None:
        """The body served at `url` in the simulated internet, or None (host unreachable/404)."""
        ...


@dataclass
class Process:
    """One running program inside the simulated container or build step."""

    argv: list[str]
    fs: FileTree
    env: dict[str, str]
    cwd: str = "/"
    uid: int = 0
    gid: int = 0
    stdin: bytes = b""
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    world: World | None = None
    seconds: float = 0.0
    """Simulated wall-clock time consumed so far (downloads, installs, compiles)."""

    def spend(self, seconds: float) -> None:
        self.seconds += seconds

    def out(self, text: str) -> None:
        self.stdout += text.encode()

    def err(self, text: str) -> None:
        self.stderr += text.encode()


Program = Callable[[Process], int]

PROGRAMS: dict[str, Program] = {}
"""Registry of simulated programs by name, filled by `@program(...)` at import time."""


def program(*names: str) -> Callable[[Program], Program]:
    """Register a simulated program under one or more names (`@program("apt-get", "apt")`)."""

    def register(fn: Program) -> Program:
        for name in names:
            PROGRAMS[name] = fn
        return fn

    return register

