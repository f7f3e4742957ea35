"""The simulated `/bin/sh`: runs RUN steps and container commands against an in-memory tree.

No real process ever runs. `run_script` is the shell form (`/bin/sh -c '…'`, or the image's SHELL);
`run_argv` is the exec form, where a missing executable fails the way runc reports it. Which shell
answers (busybox ash, dash or bash) and how utilities word their errors (busybox or GNU) follow
from what the tree holds, as they would in the real image.

Which program runs for a command found in the tree: a busybox applet (by the name it was called
by), the interpreter named by a `#!` line, a program `go build` wrote (played from the manifest it
embeds), the simulated program registered under the file's name (or the name it was called by),
or — for a text file without `#!` — the shell itself, as execve's ENOEXEC fallback does. A binary
with no simulation is never treated as a silent success: it fails with status 126 and says that
it cannot run in the simulated engine.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tutor.engine.fs import Data, FileTree, FsError
from tutor.engine.sh import (  # noqa: F401  (importing registers the programs)
    adduser_debian,
    archive,
    awk,
    coreutils,
    dpkg,
    fileutils,
    find,
    gpg,
    hello,
    make,
    moreutils,
    net,
    shadow,
    shells,
    sysutils,
    textutils,
    toolchain,
    users,
)
from tutor.engine.sh._api import PROGRAMS, World
from tutor.engine.sh._interp import (
    DEFAULT_PATH,
    Found,
    Shell,
    go_manifest,
    is_text,
    loader_present,
    shebang,
    shell_for,
)
from tutor.engine.sh._io import Log, Stream, Terminal
from tutor.engine.sh._proc import (
    EXHAUSTED_NOTE,
    MEMORY_LIMIT,
    Exhausted,
    Memory,
    OutOfMemory,
    ShProcess,
)

ExecFailureKind = Literal[
    "not-found",
    "no-such-file",
    "permission-denied",
    "is-a-directory",
    "exec-format",
    "bad-interpreter",
]


@dataclass(frozen=True, slots=True)
class ExecFailure:
    """The exec-form command could not be started at all (runc fails before the program runs).

    `message` is the innermost error as runc words it; the caller wraps it as BuildKit or the
    daemon does for RUN and `docker run`.
    """

    kind: ExecFailureKind
    path: str

    @property
    def message(self) -> str:
        p = self.path
        return {
            "not-found": f'exec: "{p}": executable file not found in $PATH',
            "no-such-file": f'exec: "{p}": stat {p}: no such file or directory',
            "permission-denied": f'exec: "{p}": permission denied',
            "is-a-directory": f'exec: "{p}": is a directory',
            "exec-format": f"exec {p}: exec format error",
            "bad-interpreter": f"exec {p}: no such file or directory",
        }[self.kind]


@dataclass(frozen=True, slots=True)
class Result:
    exit_code: int
    stdout: bytes
    stderr: bytes
    seconds: float
    """Simulated wall-clock time the command took."""
    output: bytes = b""
    """stdout and stderr interleaved as a terminal (or the build log) shows them."""
    exec_error: ExecFailure | None = None
    oom_killed: bool = False
    """The run needed more memory than its limit and the OOM killer ended it (status 137)."""


def run_script(
    script: str,
    *,
    fs: FileTree,
    env: dict[str, str],
    cwd: str = "/",
    uid: int = 0,
    gid: int = 0,
    world: World | None = None,
    shell_argv: Sequence[str] = ("/bin/sh", "-c"),
    epoch: int = 0,
    stdin: bytes = b"",
    memory: int | None = None,
) -> Result:
    """Run `script` through the image's shell (`SHELL`, `/bin/sh -c` by default).

    `epoch` is the clock at the start (seconds since 1970): new files get it as mtime, `date`
    reads it, and it advances by the simulated time commands take.
    """
    return run_argv(
        [*shell_argv, script],
        fs=fs,
        env=env,
        cwd=cwd,
        uid=uid,
        gid=gid,
        world=world,
        epoch=epoch,
        stdin=stdin,
        memory=memory,
    )


def run_argv(
    argv: Sequence[str],
    *,
    fs: FileTree,
    env: dict[str, str],
    cwd: str = "/",
    uid: int = 0,
    gid: int = 0,
    world: World | None = None,
    epoch: int = 0,
    stdin: bytes = b"",
    memory: int | None = None,
) -> Result:
    """Run `argv` directly (exec form): no shell parses it, and `$VAR` stays as written.

    `memory` is the container's memory limit in bytes (`docker run --memory`), `MEMORY_LIMIT`
    when none was set."""
    log = Log()
    proc = ShProcess(
        argv=list(argv),
        fs=fs,
        env=dict(env),
        cwd=cwd,
        uid=uid,
        gid=gid,
        stdin=stdin,
        stdout=Stream(Terminal(log, 1)),
        stderr=Stream(Terminal(log, 2)),
        world=world,
        epoch=epoch,
        memory=Memory(memory or MEMORY_LIMIT),
    )
    if not argv or not argv[0]:
        return _result(log, 0, 0.0, ExecFailure("not-found", ""))
    shell = shell_for(proc, "dash", argv[0])
    name = argv[0]
    found = shell.find(name, env.get("PATH", DEFAULT_PATH))
    failure = _exec_failure(shell, name, found)
    if failure is not None or not isinstance(found, Found):
        return _result(log, 0, 0.0, failure or ExecFailure("not-found", name))
    oom_killed = False
    try:
        status = shell.exec_found(found, list(argv), dict(env))
    except (Exhausted, RecursionError):
        # What a learner's fork bomb or endless loop gets: killed, as the OOM killer would.
        proc.err(EXHAUSTED_NOTE)
        status = 137
    except OutOfMemory:
        # SIGKILL from the kernel: the process prints nothing more; Docker records OOMKilled.
        status, oom_killed = 137, True
    if log.dropped:
        # Written directly: the log is full, and this line must still reach the learner.
        note = f"tutor: {log.dropped} more bytes of output were not kept\n".encode()
        log.stderr.extend(note)
        log.combined.extend(note)
    result = _result(log, status, max(shell.clock.seconds, proc.seconds), None)
    return replace(result, oom_killed=oom_killed)


def _exec_failure(shell: Shell, name: str, found: Found | str) -> ExecFailure | None:
    if isinstance(found, str):
        if "/" not in name:
            return ExecFailure("not-found", name)
        try:
            _, node = shell.proc.fs.lookup(name, shell.cwd)
        except FsError:
            return ExecFailure("no-such-file", name)
        if node.type == "dir":
            return ExecFailure("is-a-directory", name)
        return ExecFailure("permission-denied", name)
    content = found.node.content
    if posixpath.basename(found.real) == "busybox":
        return None
    line = shebang(found.node)
    if line is not None:
        if isinstance(shell.find(line[0]) if line[0].startswith("/") else "ENOENT", str):
            return ExecFailure("bad-interpreter", found.path)
        return None
    manifest = go_manifest(found.node)
    if manifest is not None:
        return None if loader_present(shell.proc.fs, manifest) else ExecFailure(
            "bad-interpreter", found.path)
    names = (posixpath.basename(found.real), posixpath.basename(name))
    if any(n in PROGRAMS for n in names):
        return None
    if isinstance(content, Data) and is_text(content.data[:256]):
        return ExecFailure("exec-format", found.path)
    return None


def _result(log: Log, status: int, seconds: float, failure: ExecFailure | None) -> Result:
    return Result(
        status & 0xFF if failure is None else 0,
        bytes(log.stdout),
        bytes(log.stderr),
        round(seconds, 3),
        bytes(log.combined),
        failure,
    )
