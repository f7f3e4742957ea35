"""A shell that reads its commands one line at a time (`docker run -it IMAGE sh`, `docker exec -it`,
`docker attach`).

Everywhere else a container's process runs to its end at once (`run_argv`). A shell whose stdin
stays open instead reads a line, runs it, and keeps its variables, directory and functions for the
next; with a terminal it prints its prompt first. Which shell answers follows from the tree as for
`run_argv`: busybox's ash, Debian's dash, or bash.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from tutor.engine.fs import FileTree
from tutor.engine.sh._api import World
from tutor.engine.sh._interp import (
    DEFAULT_PATH,
    ExitShell,
    Found,
    LoopControl,
    ReturnFromFunction,
    Shell,
    ShellError,
    shell_for,
)
from tutor.engine.sh._io import Log, Stream, Terminal
from tutor.engine.sh._parser import ParseError, parse
from tutor.engine.sh._proc import (
    EXHAUSTED_NOTE,
    MEMORY_LIMIT,
    STEP_BUDGET,
    Exhausted,
    Memory,
    OutOfMemory,
    ShellKind,
    ShProcess,
)

SHELLS = ("sh", "ash", "dash", "bash")


def is_shell(argv: Sequence[str]) -> bool:
    """Whether `argv` starts a shell that reads its commands from stdin (no `-c`, no script)."""
    return bool(argv) and posixpath.basename(argv[0]) in SHELLS and not argv[1:]


class InteractiveShell:
    """One shell session: `prompt`, then `run_line` for each line read, until `exited` is set."""

    def __init__(self, argv: Sequence[str], *, fs: FileTree, env: dict[str, str], cwd: str,
                 uid: int, gid: int, world: World | None, epoch: int, tty: bool,
                 memory: int | None = None) -> None:
        """`memory` is the container's limit in bytes, `MEMORY_LIMIT` when none was set."""
        self.log = Log()
        probe = shell_for(ShProcess(argv=list(argv), fs=fs, env=dict(env), cwd=cwd), "dash",
                          argv[0])
        found = probe.find(argv[0], env.get("PATH", DEFAULT_PATH))
        busybox = isinstance(found, Found) and posixpath.basename(found.real) == "busybox"
        self.proc = ShProcess(
            argv=list(argv), fs=fs, env=dict(env), cwd=cwd, uid=uid, gid=gid,
            stdout=Stream(Terminal(self.log, 1)), stderr=Stream(Terminal(self.log, 2)),
            world=world, epoch=epoch, tools="busybox" if busybox else "gnu",
            memory=Memory(memory or MEMORY_LIMIT),
        )
        self.kind = _kind(posixpath.basename(argv[0]), busybox)
        self.proc.shell = self.kind
        self.shell: Shell = shell_for(self.proc, self.kind, argv[0])
        self.shell.vars.setdefault("PWD", cwd)
        self.shell.exported.add("PWD")
        self.tty = tty
        self.exited: int | None = None
        """The shell's exit status once `exit` (or the end of input) ended it."""
        self.oom_killed = False
        """The OOM killer ended the shell (a line needed more memory than the limit)."""

    @property
    def seconds(self) -> float:
        """Simulated time the session's commands took so far."""
        return self.shell.clock.seconds

    @property
    def prompt(self) -> str:
        """What the shell prints before reading a line: nothing without a terminal."""
        if not self.tty:
            return ""
        sign = "#" if self.proc.uid == 0 else "$"
        if self.kind == "dash":
            return f"{sign} "
        where = self.shell.cwd
        home = self.shell.vars.get("HOME", "")
        if home and home != "/" and (where == home or where.startswith(home + "/")):
            where = "~" + where[len(home):]
        if self.kind == "bash":
            # Debian's and Ubuntu's /etc/bash.bashrc set `\u@\h:\w\$ `; bash's own is `\s-\v\$ `.
            if "/etc/bash.bashrc" not in self.proc.fs:
                return f"bash-5.2{sign} "
            user = "root" if self.proc.uid == 0 else str(self.proc.uid)
            host = self.shell.vars.get("HOSTNAME", "")
            return f"{user}@{host}:{where}{sign} "
        return f"{where} {sign} "  # busybox ash's `\w \$ `

    def run_line(self, line: str) -> bytes:
        """Run one line as typed; what it printed (stdout and stderr as a terminal shows them)."""
        start = len(self.log.combined)
        self.proc.budget[0] = STEP_BUDGET
        shell = self.shell
        try:
            tree = parse(line)
        except ParseError as e:
            shell.syntax_error(e, line)
            shell.status = 2
            return bytes(self.log.combined[start:])
        try:
            shell.run(tree)
        except ExitShell as e:
            self.exited = e.code
        except ShellError as e:  # an interactive shell reports it and reads the next line
            shell.diag(e.text, shell.line)
            shell.status = e.code
        except (LoopControl, ReturnFromFunction):
            pass
        except (Exhausted, RecursionError):
            self.proc.err(EXHAUSTED_NOTE)
            shell.status = 137
        except OutOfMemory:
            # SIGKILL: the shell itself dies, printing nothing more, as `run_argv`'s process does.
            self.exited, self.oom_killed = 137, True
        return bytes(self.log.combined[start:])

    def end_of_input(self) -> bytes:
        """Ctrl+D at the prompt: the shell ends with the last command's status; bash says so."""
        self.exited = self.shell.status
        return b"exit\n" if self.kind == "bash" and self.tty else b"\n" if self.tty else b""


def _kind(name: str, busybox: bool) -> ShellKind:
    if name in ("bash", "dash"):
        return name  # type: ignore[return-value]
    return "ash" if busybox else "dash"
