"""What the shell adds to the program contract: flavour, clock and a way to run other commands.

Programs written against `_api.Process` keep working; the utilities here check for `ShProcess` to
word their messages as busybox or GNU coreutils would, and to start child commands (xargs, env,
find -exec, sh -c).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from tutor.engine.fs import Data, FileTree, FsError, Node, normalize
from tutor.engine.readonly import writable
from tutor.engine.sh._api import Process
from tutor.engine.sh._io import Input

Tools = Literal["busybox", "gnu"]
ShellKind = Literal["ash", "dash", "bash"]

TICK = 0.002
"""Simulated seconds every command takes, so that time moves even for trivial scripts."""

STEP_BUDGET = 100_000

MEMORY_LIMIT = 256 * 1024 * 1024
"""Memory a container may use when `docker run --memory` does not say (a real container may use
all of the host's; the simulation keeps its own memory bounded). Every string and buffer a
process builds (a variable, an expansion, a pipe's or a command substitution's unread output,
a program's formatted output) is checked against it before it is made."""

Runner = Callable[["ShProcess", list[str]], int]
"""Runs argv as a child of the given process (its fds, env, cwd); returns the exit status."""


@dataclass
class ShProcess(Process):
    tools: Tools = "gnu"
    shell: ShellKind = "dash"
    epoch: int = 0
    """Seconds since 1970 at the start of the script: file times and `date` derive from it."""
    umask: int = 0o022
    runner: Runner | None = field(default=None, repr=False)
    builtin: bool = False
    """Run as a shell builtin (echo, printf, test): behaves as the shell's own, not /bin's."""
    shell_name: str = "/bin/sh"
    line: int = 1
    budget: list[int] = field(default_factory=lambda: [STEP_BUDGET], repr=False)
    """Commands left for the whole run, shared by every process it starts (fork bombs, endless
    loops): when it runs out, `Exhausted` ends the run."""
    memory: Memory = field(default_factory=lambda: Memory(MEMORY_LIMIT), repr=False)
    """The container's memory limit, shared by every process of the run."""
    stdin_source: Input | None = field(default=None, repr=False)
    """Where `stdin` comes from when it is read lazily (a pipe): a program that never reads its
    standard input never drains it, and one that reads a little (`head`) takes only that."""

    @property
    def now(self) -> int:
        return self.epoch + int(self.seconds)


def _lazy_stdin(self: ShProcess) -> bytes:
    source = self.__dict__.get("stdin_source")
    if source is not None:
        self.__dict__["stdin_source"] = None
        self.__dict__["_stdin"] = source.rest()
    data: bytes = self.__dict__.get("_stdin", b"")
    return data


def _set_stdin(self: ShProcess, data: bytes) -> None:
    self.__dict__["_stdin"] = data


# `stdin` stays the plain bytes of the program contract; a pipe is drained on first use only.
ShProcess.stdin = property(_lazy_stdin, _set_stdin)  # type: ignore[assignment]


def stdin_prefix(proc: Process, *, lines: int | None = None, size: int | None = None) -> bytes:
    """The first `lines` lines (or `size` bytes) of standard input, reading no more than that
    from a pipe, as `head` does; the rest stays unread, and the writer sees the pipe close."""
    source = proc.stdin_source if isinstance(proc, ShProcess) else None
    return (source or Input(proc.stdin)).read_prefix(lines=lines, size=size)


def stdin_chunks(proc: Process) -> Iterator[bytes]:
    """Standard input a piece at a time, for a program that passes it on as it reads (`cat`):
    a pipe is never held whole."""
    if not isinstance(proc, ShProcess) or proc.stdin_source is None:
        yield proc.stdin
        return
    source, proc.stdin_source = proc.stdin_source, None
    while (chunk := source.read_some(PIPE_READ)) is not None:
        yield chunk


PIPE_READ = 64 * 1024


@dataclass
class Memory:
    limit: int

    def need(self, size: int) -> None:
        """Account for a buffer of `size` bytes before it is made."""
        if size > self.limit:
            raise OutOfMemory


def need_memory(proc: Process, size: int) -> None:
    """What a program calls before building `size` bytes of output or data."""
    if isinstance(proc, ShProcess):
        proc.memory.need(size)


class OutOfMemory(Exception):
    """A process needed more memory than its container may use: the kernel's OOM killer ends
    the container's processes with SIGKILL (status 137) and Docker records `OOMKilled`."""


def as_shell_process(proc: Process) -> ShProcess:
    """`proc` as the shell sees it: a program called without a shell (as tests and the package
    managers' direct callers do) gets the shell's defaults but keeps its fds, env and clock."""
    if isinstance(proc, ShProcess):
        return proc
    return ShProcess(
        argv=proc.argv,
        fs=proc.fs,
        env=proc.env,
        cwd=proc.cwd,
        uid=proc.uid,
        gid=proc.gid,
        stdin=proc.stdin,
        stdout=proc.stdout,
        stderr=proc.stderr,
        world=proc.world,
        seconds=proc.seconds,
    )


class Exhausted(Exception):
    """The run used up its step budget; it ends as if the kernel had killed it."""


EXHAUSTED_NOTE = "tutor: the simulation stopped this command: it ran too many commands\n"
"""What the learner reads when `Exhausted` ends a run or an interactive line."""


def spend_step(proc: Process) -> None:
    """Count one step of a program's own long work (a chunk of output) against the budget."""
    if isinstance(proc, ShProcess):
        proc.budget[0] -= 1
        if proc.budget[0] < 0:
            raise Exhausted


def tools_of(proc: Process) -> Tools:
    return proc.tools if isinstance(proc, ShProcess) else "gnu"


def now_of(proc: Process) -> int:
    return proc.now if isinstance(proc, ShProcess) else 0


def umask_of(proc: Process) -> int:
    return proc.umask if isinstance(proc, ShProcess) else 0o022


def run_child(proc: Process, argv: list[str]) -> int:
    """Run `argv` as a child command; without a shell runner, report what a missing one would."""
    if isinstance(proc, ShProcess) and proc.runner is not None:
        return proc.runner(proc, argv)
    proc.err(f"{argv[0]}: not found\n")
    return 127


class AccessError(FsError):
    """A permission failure; the tree itself knows no permissions, the processes do."""

    STRERROR = {
        **FsError.STRERROR,
        "EACCES": "Permission denied",
        "EPERM": "Operation not permitted",
    }


READ, WRITE, EXECUTE = 4, 2, 1


def allowed(proc: Process, node: Node, bits: int) -> bool:
    """Whether the process may access `node` for `bits`, by owner, group or other permissions
    (root may do anything; supplementary groups are not considered)."""
    if proc.uid == 0:
        return True
    shift = 6 if node.uid == proc.uid else 3 if node.gid == proc.gid else 0
    return (node.mode >> shift) & bits == bits


def check_writable_fs(proc: Process, real: str, shown: str) -> None:
    """A read-only file system refuses changes before any permission is looked at (EROFS wins
    over EACCES, as in the kernel)."""
    if not writable(proc.fs, real):
        raise FsError("EROFS", shown)


def check_create(proc: Process, real: str, shown: str) -> None:
    """Creating or removing an entry needs write permission on its directory."""
    check_writable_fs(proc, real, shown)
    parent = proc.fs.get(real.rsplit("/", 1)[0] or "/")
    if parent is not None and not allowed(proc, parent, WRITE | EXECUTE):
        raise AccessError("EACCES", shown)


def abspath(proc: Process, path: str) -> str:
    return normalize(path, proc.cwd)


def read_bytes(proc: Process, path: str) -> bytes:
    """Bytes of a file named as a user would (relative to cwd, symlinks followed); `-` is stdin."""
    if path == "-":
        return proc.stdin
    if abspath(proc, path) in ("/dev/null", "/dev/zero"):
        return b""
    _, node = proc.fs.lookup(path, proc.cwd)
    if node.type == "dir":
        raise FsError("EISDIR", path)
    if not allowed(proc, node, READ):
        raise AccessError("EACCES", path)
    return node.content.read() if node.content is not None else b""


def new_node(proc: Process, kind: Literal["file", "dir"], data: bytes = b"") -> Node:
    """A node as the process would create it: its uid/gid, umask applied, the current time."""
    base = 0o777 if kind == "dir" else 0o666
    return Node(
        kind,
        base & ~umask_of(proc),
        uid=proc.uid,
        gid=proc.gid,
        mtime=now_of(proc),
        content=Data(data) if kind == "file" else None,
    )


def write_bytes(proc: Process, path: str, data: bytes, append: bool = False) -> None:
    """Create or overwrite (or append to) a regular file, keeping an existing file's metadata."""
    fs: FileTree = proc.fs
    real = fs.resolve(path, proc.cwd)
    node = fs.get(real)
    if real in ("/dev/null", "/dev/zero"):
        return
    if node is None:
        check_create(proc, real, path)
        fs.put(real, new_node(proc, "file", data))
        return
    if node.type == "dir":
        raise FsError("EISDIR", path)
    check_writable_fs(proc, real, path)
    if not allowed(proc, node, WRITE):
        raise AccessError("EACCES", path)
    old = node.content.read() if append and node.content is not None else b""
    fs.put(real, replace(node, content=Data(old + data), mtime=now_of(proc)))


def who(proc: Process) -> str:
    """How the program names itself in messages: builtins speak with the shell's prefix."""
    if isinstance(proc, ShProcess) and proc.builtin:
        name = proc.argv[0]
        if proc.shell == "dash":
            return f"{proc.shell_name}: {proc.line}: {name}"
        if proc.shell == "bash":
            return f"{proc.shell_name}: line {proc.line}: {name}"
        return f"{proc.shell_name}: {name}"
    # GNU tools name themselves by argv[0] as invoked (`/usr/bin/env: …`); busybox by applet.
    return proc.argv[0].rsplit("/", 1)[-1] if tools_of(proc) == "busybox" else proc.argv[0]


def complain(proc: Process, busybox: str, gnu: str, status: int = 1) -> int:
    """Print the busybox or GNU wording of an error (without the program-name prefix)."""
    proc.err(f"{who(proc)}: {busybox if tools_of(proc) == 'busybox' else gnu}\n")
    return status


def split_flags(
    args: list[str], with_value: str = ""
) -> tuple[set[str], dict[str, str], list[str]]:
    """Short options (bundled, `--` ends them) → (flags, option values, operands).

    Options in `with_value` take an argument (`-m 755`, `-m755`). Operands may come before
    options, as GNU getopt allows.
    """
    flags: set[str] = set()
    values: dict[str, str] = {}
    operands: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            operands.extend(args[i + 1 :])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            flags.add("--" + name)
            if eq:
                values["--" + name] = value
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                ch = arg[j]
                if ch in with_value:
                    if j + 1 < len(arg):
                        values[ch] = arg[j + 1 :]
                    elif i + 1 < len(args):
                        i += 1
                        values[ch] = args[i]
                    break
                flags.add(ch)
                j += 1
        else:
            operands.append(arg)
        i += 1
    return flags, values, operands


def usage_error(proc: Process, busybox: str, gnu: str, status: int = 1) -> int:
    """A bad invocation: GNU tools add a pointer to `--help` after the message."""
    complain(proc, busybox, gnu, status)
    if tools_of(proc) == "gnu":
        proc.err(f"Try '{who(proc)} --help' for more information.\n")
    return status
