"""The tutorial's host shell: the terminal pane's prompt on the learner's machine (not the
simulated `/bin/sh` inside containers, which lives in the engine).

It runs `docker …` on the lesson's engine and the few host commands a learner needs, on the
lesson's real workspace directory, confined to it: no path leads above the workspace root and
`cd ..` at the root stays there. It knows `;`, `&&`, `||` and `>`/`>>` redirection, and says so
plainly when a line needs more of bash than that. Output is text; the UI shows it.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import posixpath
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast
from urllib.parse import urlsplit

from tutor.course.checks import CommandRecord
from tutor.course.web import engine_curl
from tutor.paths import content_dir

HOME = "/home/learner/workspace"
"""Where the workspace appears to be, for `pwd` and the prompt."""


@dataclass(frozen=True, slots=True)
class Clear:
    """The UI clears the terminal pane."""


@dataclass(frozen=True, slots=True)
class Edit:
    """The UI opens its editor on `path` (a file inside the workspace; it may not exist yet)."""

    path: Path
    shown: str
    """The file as the learner named it (for the editor's title)."""


Action = Clear | Edit


@dataclass(frozen=True, slots=True)
class ShellResult:
    output: str
    status: int
    action: Action | None = None


@dataclass(frozen=True, slots=True)
class Names:
    images: tuple[str, ...] = ()
    """`repo:tag` of local images."""
    containers: tuple[str, ...] = ()


CurlHook = Callable[[int, str], str | None]
"""`(host port, request path) → response body`, or None when nothing listens on that port; the
engine adapter answers for the ports that running containers publish."""

NamesHook = Callable[[], Names]

DockerStderrHook = Callable[[list[str]], TextIO | None]
"""`docker` arguments → the stream that command's stderr goes to while it runs (a UI streams a
build's progress this way), or None to collect it into the line's output as usual. The shell
flushes the stream when the command ends."""


@dataclass(frozen=True, slots=True)
class Pane:
    """The terminal a UI runs the shell in: the next line the learner types while a command
    runs (`read_line` blocks for it; "" at Ctrl+D; Ctrl+C raises KeyboardInterrupt), where the
    command's output so far goes before it waits for that input (`show`; a prompt such as
    `[y/N] ` is its last, unfinished line), and how many columns wide it is."""

    read_line: Callable[[], str]
    show: Callable[[str], None]
    columns: Callable[[], int]


class _Typed:
    """A docker command's stdin in the pane: before it blocks for a line, what the command
    wrote so far is shown, so the question is on screen while the answer is awaited."""

    def __init__(self, pane: Pane, record: list[tuple[int, str]]) -> None:
        self.pane, self.record = pane, record
        self.shown = 0
        """How many of `record`'s writes the pane already shows."""

    def isatty(self) -> bool:
        return True

    def read(self) -> str:
        """Everything to the end of input (Ctrl+D): `docker build -`, `--password-stdin`."""
        return "".join(iter(self.readline, ""))

    def flush(self) -> None:
        pass

    def readline(self) -> str:
        self.pane.show("".join(text for _, text in self.record[self.shown:]))
        self.shown = len(self.record)
        return self.pane.read_line()


class ShellSyntaxError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    op: bool


_OPS = ("&&", "||", ">>", ";", "|", ">", "<", "&")


def tokenize(line: str) -> list[_Token]:
    """Words and operators with bash's quoting rules for '…', "…" and backslash."""
    tokens: list[_Token] = []
    word: list[str] = []
    in_word = False
    i = 0

    def flush() -> None:
        nonlocal in_word
        if in_word:
            tokens.append(_Token("".join(word), False))
            word.clear()
            in_word = False

    while i < len(line):
        c = line[i]
        if c in " \t":
            flush()
            i += 1
        elif c == "#" and not in_word:
            break
        elif c == "\\":
            if i + 1 < len(line):
                word.append(line[i + 1])
            in_word = True
            i += 2
        elif c in "'\"":
            end = line.find(c, i + 1)
            while c == '"' and end > 0 and line[end - 1] == "\\":
                end = line.find(c, end + 1)
            if end < 0:
                raise ShellSyntaxError(f"unexpected EOF while looking for matching `{c}'")
            body = line[i + 1 : end]
            if c == '"':
                body = body.replace('\\"', '"').replace("\\\\", "\\")
            word.append(body)
            in_word = True
            i = end + 1
        elif op := next((o for o in _OPS if line.startswith(o, i)), None):
            flush()
            tokens.append(_Token(op, True))
            i += len(op)
        else:
            word.append(c)
            in_word = True
            i += 1
    flush()
    return tokens


@dataclass(frozen=True, slots=True)
class Simple:
    """One simple command of a line: its words and the files it redirects into."""

    words: tuple[str, ...]
    writes: tuple[str, ...] = ()


def simple_commands(line: str) -> list[Simple]:
    """The simple commands of a line (split at `;`, `&&`, `||`, `|`, `&`); [] for a line the
    shell could not parse."""
    try:
        tokens = tokenize(line)
    except ShellSyntaxError:
        return []
    found: list[Simple] = []
    words: list[str] = []
    writes: list[str] = []
    redirect = False
    for token in [*tokens, None]:
        if token is None or token.op and token.text in (";", "&&", "||", "|", "&"):
            if words:
                found.append(Simple(tuple(words), tuple(writes)))
            words, writes = [], []
        elif token.op:
            redirect = token.text in (">", ">>")
        elif redirect:
            writes.append(token.text)
            redirect = False
        else:
            words.append(token.text)
    return found


@dataclass
class _Run:
    out: str = ""
    err: str = ""
    status: int = 0
    action: Action | None = None
    shown: str | None = None
    """What the terminal shows, stdout and stderr in the order they were written; None when
    that is simply `out` then `err`."""

    @property
    def display(self) -> str:
        return self.shown if self.shown is not None else self.out + self.err


class _Capture(io.StringIO):
    """One of a command's two output streams, writing into a record shared with the other, so
    that what the terminal shows keeps the order in which things were written."""

    def __init__(self, record: list[tuple[int, str]], fd: int) -> None:
        super().__init__()
        self.record, self.fd = record, fd

    def write(self, text: str) -> int:
        self.record.append((self.fd, text))
        return len(text)

    def isatty(self) -> bool:
        return False


_Builtin = Callable[["HostShell", list[str]], _Run]
BUILTINS: dict[str, _Builtin] = {}


def _builtin(name: str) -> Callable[[_Builtin], _Builtin]:
    def register(fn: _Builtin) -> _Builtin:
        BUILTINS[name] = fn
        return fn

    return register


COMMAND_NAMES = (
    "docker",
    "ls",
    "cat",
    "cd",
    "pwd",
    "echo",
    "touch",
    "mkdir",
    "rm",
    "curl",
    "clear",
    "history",
    "help",
    "edit",
)


class HostShell:
    """One lesson's terminal. `run` executes a line; `complete` proposes words for Tab."""

    def __init__(
        self,
        workspace: Path,
        state: Path,
        *,
        curl: CurlHook | None = None,
        names: NamesHook | None = None,
        tty: bool = False,
        docker_stderr: DockerStderrHook | None = None,
        pane: Pane | None = None,
    ) -> None:
        self.root = workspace.resolve()
        self.state = state
        self.curl_hook = curl or engine_curl(state)
        self.names = names or Names
        self.tty = tty
        self.docker_stderr = docker_stderr
        self.pane = pane
        self.cwd = HOME
        self.history: list[CommandRecord] = []
        self._current = ""

    # -- running ------------------------------------------------------------------------------

    def run(self, line: str) -> ShellResult:
        if not line.strip():
            return ShellResult("", 0)
        self._current = line
        try:
            result = self._run_line(line)
        except ShellSyntaxError as exc:
            result = _Run(err=f"bash: {exc}\n", status=2)
        except Exception as exc:  # noqa: BLE001  (a bug of ours must not end the terminal)
            result = _Run(err=f"tutor: this terminal failed to run that line: "
                              f"{type(exc).__name__}: {exc}\n", status=1)
        self.history.append(CommandRecord(line, result.status))
        return ShellResult(result.display, result.status, result.action)

    def _run_line(self, line: str) -> _Run:
        groups: list[tuple[str, list[_Token]]] = []
        connector, command = ";", list[_Token]()
        for token in tokenize(line):
            if token.op and token.text in (";", "&&", "||"):
                if not command:
                    raise ShellSyntaxError(f"syntax error near unexpected token `{token.text}'")
                groups.append((connector, command))
                connector, command = token.text, []
            else:
                command.append(token)
        if command:
            groups.append((connector, command))
        elif connector != ";":
            raise ShellSyntaxError("syntax error: unexpected end of file")
        total = _Run(shown="")
        for connector, command in groups:
            if connector == "&&" and total.status != 0 or connector == "||" and total.status == 0:
                continue
            run = self._simple(command)
            total.out += run.out
            total.err += run.err
            total.shown = (total.shown or "") + run.display
            total.status = run.status
            total.action = run.action or total.action
        return total

    def _simple(self, tokens: list[_Token]) -> _Run:
        words: list[str] = []
        target: tuple[str, str] | None = None
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if not token.op:
                words.append(token.text)
            elif token.text in (">", ">>"):
                if i + 1 >= len(tokens) or tokens[i + 1].op:
                    raise ShellSyntaxError("syntax error near unexpected token `newline'")
                target = (token.text, tokens[i + 1].text)
                i += 1
            else:
                return _Run(
                    err=f"tutor: `{token.text}` is not available in this terminal; "
                    "it runs one command at a time (`;`, `&&`, `||`, `>` and `>>` work)\n",
                    status=2,
                )
            i += 1
        if not words:
            return _Run()
        run = self._dispatch(words)
        if target is not None:
            run = self._redirect(run, *target)
        return run

    def _dispatch(self, words: list[str]) -> _Run:
        name, args = words[0], words[1:]
        if name == "docker":
            return self._docker(args)
        builtin = BUILTINS.get(name)
        if builtin is not None:
            try:
                return builtin(self, args)
            except OSError as exc:  # what the host's file system refused, worded as a tool would
                typed = [a for a in args if exc.filename and self.resolve(a) == Path(exc.filename)]
                where = f"{typed[0]}: " if typed else ""
                return _Run(err=f"{name}: {where}{exc.strerror or exc}\n", status=1)
        message = f"bash: {name}: command not found\n"
        close = difflib.get_close_matches(name, COMMAND_NAMES, n=1, cutoff=0.6)
        if close:
            message += f"Did you mean '{close[0]}'?\n"
        return _Run(err=message, status=127)

    def _redirect(self, run: _Run, op: str, name: str) -> _Run:
        path = self.resolve(name)
        if path is None:
            return _Run(err=run.err + f"bash: {name}: Permission denied\n", status=1,
                        action=run.action)
        try:
            with path.open("a" if op == ">>" else "w", encoding="utf-8") as handle:
                handle.write(run.out)
        except OSError as exc:
            return _Run(err=run.err + f"bash: {name}: {exc.strerror}\n", status=1,
                        action=run.action)
        return _Run(err=run.err, status=run.status, action=run.action)

    def _docker(self, args: list[str]) -> _Run:
        from tutor.dockercli import main as docker

        streamed = self.docker_stderr(args) if self.docker_stderr is not None else None
        record: list[tuple[int, str]] = []
        out = _Capture(record, 1)
        err: TextIO = streamed or _Capture(record, 2)
        typed = _Typed(self.pane, record) if self.pane is not None else None
        columns = self.pane.columns() if self.pane is not None else None
        try:
            status = docker(args, state=self.state, stdout=out, stderr=err, tty=self.tty,
                            cwd=self.real_cwd, confine=self.root, confine_shown=HOME,
                            stdin=cast(TextIO, typed), width=columns)
        except Exception as exc:  # noqa: BLE001  (the terminal must survive an engine bug)
            err.write(f"tutor: the simulated engine failed: {type(exc).__name__}: {exc}\n")
            status = 1
        if streamed is not None:
            streamed.flush()
        return _Run("".join(t for fd, t in record if fd == 1),
                    "".join(t for fd, t in record if fd == 2), status,
                    shown="".join(t for _, t in record[typed.shown if typed else 0:]))

    # -- paths --------------------------------------------------------------------------------

    @property
    def real_cwd(self) -> Path:
        return self._real(self.cwd)

    def _real(self, virtual: str) -> Path:
        rel = posixpath.relpath(virtual, HOME)
        return self.root if rel == "." else self.root / rel

    def virtual(self, arg: str) -> str:
        """Where `arg` leads, as the learner sees paths; never above the workspace."""
        if arg == "~" or arg.startswith("~/"):
            arg = HOME + arg[1:]
        joined = posixpath.normpath(posixpath.join(self.cwd, arg))
        if joined == HOME or joined.startswith(HOME + "/"):
            return joined
        if HOME.startswith(joined.rstrip("/") + "/"):
            return HOME
        return joined

    def above_workspace(self, arg: str) -> bool:
        """Whether `arg` names a folder above the workspace (`/`, `..` at its top), which the
        shell's paths stop at."""
        if arg == "~" or arg.startswith("~/"):
            return False
        joined = posixpath.normpath(posixpath.join(self.cwd, arg))
        return joined != HOME and HOME.startswith(joined.rstrip("/") + "/")

    def resolve(self, arg: str) -> Path | None:
        """The real path for `arg`, or None when it is outside the workspace."""
        where = self.virtual(arg)
        if where != HOME and not where.startswith(HOME + "/"):
            return None
        real = self._real(where)
        with contextlib.suppress(OSError):
            if not real.resolve().is_relative_to(self.root):
                return None
        return real

    # -- completion ---------------------------------------------------------------------------

    def complete(self, line: str, cursor: int) -> list[str]:
        """Whole words that could replace the word before `cursor` (sorted, no duplicates)."""
        head = line[:cursor]
        for sep in (";", "&&", "||"):
            head = head.rsplit(sep, 1)[-1]
        words = head.lstrip().split(" ")
        current, before = words[-1], [w for w in words[:-1] if w]
        if not before:
            candidates = list(COMMAND_NAMES)
        elif before[0] == "docker":
            candidates = self._complete_docker(before[1:], current)
        elif before[0] in ("ls", "cat", "cd", "edit", "rm", "touch", "mkdir"):
            candidates = self._complete_path(current, dirs_only=before[0] == "cd")
        else:
            candidates = []
        return sorted({c for c in candidates if c.startswith(current)})

    def _complete_docker(self, before: list[str], current: str) -> list[str]:
        from tutor.dockercli.commands import load_all

        load_all()
        from tutor.dockercli._main import COMMANDS, GROUPS

        if not before:
            return [p for p in COMMANDS if " " not in p] + list(GROUPS)
        if before[0] in GROUPS and len(before) == 1:
            return [p.split(" ", 1)[1] for p in COMMANDS if p.startswith(before[0] + " ")]
        path = " ".join(before[:2]) if before[0] in GROUPS else before[0]
        cmd = COMMANDS.get(path)
        if cmd is None:
            return []
        if current.startswith("-"):
            flags = [f for f in cmd.flags if not f.hidden]
            return [f"--{f.long}" for f in flags] + [f"-{f.short}" for f in flags if f.short]
        last = before[-1]
        takes_value = {f"--{f.long}" for f in cmd.flags if f.kind != "bool"} | {
            f"-{f.short}" for f in cmd.flags if f.short and f.kind != "bool"
        }
        if last in takes_value:
            return self._complete_path(current, dirs_only=False) if last in ("-f", "--file") else []
        verb = path.split(" ")[-1]
        if verb == "build":
            return self._complete_path(current, dirs_only=True)
        names = self.names()
        if verb in _CONTAINER_VERBS or path.startswith("container "):
            return list(names.containers)
        if verb in _IMAGE_VERBS or path.startswith("image "):
            return list(names.images)
        return [*names.images, *names.containers]

    def _complete_path(self, current: str, *, dirs_only: bool) -> list[str]:
        folder, _, _ = current.rpartition("/")
        real = self.resolve(folder or ".")
        if real is None or not real.is_dir():
            return []
        prefix = f"{folder}/" if folder else ""
        return [
            prefix + entry.name + ("/" if entry.is_dir() else "")
            for entry in real.iterdir()
            if entry.is_dir() or not dirs_only
        ]


_CONTAINER_VERBS = {
    "rm",
    "diff",
    "commit",
    "start",
    "stop",
    "kill",
    "logs",
    "exec",
    "restart",
    "attach",
    "port",
    "top",
    "rename",
    "pause",
    "unpause",
    "wait",
    "cp",
}
_IMAGE_VERBS = {"run", "create", "rmi", "history", "pull", "push", "tag", "save"}


# ---------------------------------------------------------------------------------------------
# Host commands


def _fail(message: str, status: int = 1) -> _Run:
    return _Run(err=message + "\n", status=status)


def _split_flags(args: list[str], known: str) -> tuple[set[str], list[str], str | None]:
    flags: set[str] = set()
    rest: list[str] = []
    for arg in args:
        if arg.startswith("-") and len(arg) > 1 and not rest:
            for c in arg[1:]:
                if c not in known:
                    return flags, rest, c
                flags.add(c)
        else:
            rest.append(arg)
    return flags, rest, None


@_builtin("pwd")
def _pwd(shell: HostShell, args: list[str]) -> _Run:
    return _Run(out=shell.cwd + "\n")


@_builtin("cd")
def _cd(shell: HostShell, args: list[str]) -> _Run:
    if len(args) > 1:
        return _fail("bash: cd: too many arguments")
    target = args[0] if args else "~"
    path = shell.resolve(target)
    if path is None or not path.exists():
        return _fail(f"bash: cd: {target}: No such file or directory")
    if not path.is_dir():
        return _fail(f"bash: cd: {target}: Not a directory")
    shell.cwd = shell.virtual(target)
    return _Run()


def _ls_long(path: Path, name: str) -> str:
    info = path.lstat()
    when = time.strftime("%b %e %H:%M", time.localtime(info.st_mtime))
    return f"{stat.filemode(info.st_mode)} 1 learner learner {info.st_size:>6} {when} {name}"


@_builtin("ls")
def _ls(shell: HostShell, args: list[str]) -> _Run:
    flags, targets, bad = _split_flags(args, "alA1h")
    if bad:
        return _fail(f"ls: invalid option -- '{bad}'\nTry 'ls --help' for more information.", 2)
    run = _Run()
    targets = targets or ["."]
    for n, target in enumerate(targets):
        path = shell.resolve(target)
        if shell.above_workspace(target):
            # The learner's machine is the workspace alone; say so rather than list it as `/`.
            run.err += (f"ls: cannot open directory '{target}': Permission denied\n"
                        f"tutor: this terminal reaches only your workspace, {HOME}\n")
            run.status = 2
            continue
        if path is None or not path.exists():
            run.err += f"ls: cannot access '{target}': No such file or directory\n"
            run.status = 2
            continue
        if path.is_dir():
            names = sorted(os.listdir(path), key=lambda s: s.lstrip(".").lower())
            if "a" in flags:
                names = [".", "..", *names]
            elif "A" not in flags:
                names = [s for s in names if not s.startswith(".")]
            entries = [(path / s if s not in (".", "..") else path, s) for s in names]
            if len(targets) > 1:
                run.out += ("\n" if n else "") + f"{target}:\n"
        else:
            entries = [(path, target)]
        if "l" in flags:
            if path.is_dir():
                blocks = sum(p.lstat().st_blocks for p, _ in entries) // 2
                run.out += f"total {blocks}\n"
            run.out += "".join(_ls_long(p, s) + "\n" for p, s in entries)
        elif entries:
            sep = "\n" if "1" in flags else "  "
            run.out += sep.join(s for _, s in entries) + "\n"
    return run


@_builtin("cat")
def _cat(shell: HostShell, args: list[str]) -> _Run:
    run = _Run()
    for target in args:
        path = shell.resolve(target)
        if path is not None and path.is_dir():
            run.err += f"cat: {target}: Is a directory\n"
            run.status = 1
        elif path is None or not path.is_file():
            run.err += f"cat: {target}: No such file or directory\n"
            run.status = 1
        else:
            run.out += path.read_text(encoding="utf-8", errors="replace")
    return run


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "r": "\r", "e": "\x1b", "0": "\0"}


@_builtin("echo")
def _echo(shell: HostShell, args: list[str]) -> _Run:
    newline, escapes = True, False
    while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    if escapes:
        out, i = [], 0
        while i < len(text):
            if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
                out.append(_ESCAPES[text[i + 1]])
                i += 2
            else:
                out.append(text[i])
                i += 1
        text = "".join(out)
    return _Run(out=text + ("\n" if newline else ""))


@_builtin("touch")
def _touch(shell: HostShell, args: list[str]) -> _Run:
    if not args:
        return _fail("touch: missing file operand\nTry 'touch --help' for more information.")
    run = _Run()
    for target in args:
        path = shell.resolve(target)
        try:
            if path is None or not path.parent.is_dir():
                raise FileNotFoundError(2, "No such file or directory")
            path.touch()
        except OSError as exc:
            run.err += f"touch: cannot touch '{target}': {exc.strerror}\n"
            run.status = 1
    return run


@_builtin("mkdir")
def _mkdir(shell: HostShell, args: list[str]) -> _Run:
    flags, targets, bad = _split_flags(args, "p")
    if bad or not targets:
        return _fail("mkdir: missing operand\nTry 'mkdir --help' for more information.")
    run = _Run()
    for target in targets:
        path = shell.resolve(target)
        try:
            if path is None:
                raise FileNotFoundError
            path.mkdir(parents="p" in flags, exist_ok="p" in flags)
        except FileExistsError:
            run.err += f"mkdir: cannot create directory '{target}': File exists\n"
            run.status = 1
        except FileNotFoundError:
            run.err += f"mkdir: cannot create directory '{target}': No such file or directory\n"
            run.status = 1
        except OSError as exc:
            run.err += f"mkdir: cannot create directory '{target}': {exc.strerror}\n"
            run.status = 1
    return run


@_builtin("rm")
def _rm(shell: HostShell, args: list[str]) -> _Run:
    flags, targets, bad = _split_flags(args, "rRf")
    if bad:
        return _fail(f"rm: invalid option -- '{bad}'\nTry 'rm --help' for more information.")
    if not targets and "f" not in flags:
        return _fail("rm: missing operand\nTry 'rm --help' for more information.")
    run = _Run()
    for target in targets:
        path = shell.resolve(target)
        if path is None or path == shell.root:
            run.err += f"rm: refusing to remove '{target}'\n"
            run.status = 1
        elif not path.exists() and not path.is_symlink():
            if "f" not in flags:
                run.err += f"rm: cannot remove '{target}': No such file or directory\n"
                run.status = 1
        elif path.is_dir() and not path.is_symlink():
            if flags & {"r", "R"}:
                shutil.rmtree(path)
            else:
                run.err += f"rm: cannot remove '{target}': Is a directory\n"
                run.status = 1
        else:
            path.unlink()
    return run


@_builtin("curl")
def _curl(shell: HostShell, args: list[str]) -> _Run:
    urls = [a for a in args if not a.startswith("-")]
    if not urls:
        return _fail("curl: try 'curl --help' or 'curl --manual' for more information", 2)
    url = urls[0] if "://" in urls[0] else "http://" + urls[0]
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _fail(
            "curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535", 3
        )
    if host not in ("localhost", "127.0.0.1", "0.0.0.0", "::1"):
        # the learner's machine reaches the same simulated web as the containers do
        from tutor.engine.world import SimulatedWorld

        world = SimulatedWorld(content_dir("assets"))
        if not world.host_exists(url):
            return _fail(f"curl: (6) Could not resolve host: {host}", 6)
        page = world.fetch_url(url)
        if page is None:
            return _fail("curl: (22) The requested URL returned error: 404", 22) \
                if "-f" in args or "--fail" in args else _Run(out="404 Not Found\n")
        return _Run(out=page.decode(errors="replace"))
    body = shell.curl_hook(port, parts.path or "/")
    if body is None:
        return _fail(
            f"curl: (7) Failed to connect to {host} port {port} after 0 ms: "
            "Couldn't connect to server",
            7,
        )
    return _Run(out=body)


@_builtin("clear")
def _clear(shell: HostShell, args: list[str]) -> _Run:
    return _Run(action=Clear())


@_builtin("history")
def _history(shell: HostShell, args: list[str]) -> _Run:
    lines = [r.line for r in shell.history] + [shell._current]
    return _Run(out="".join(f"{n:5d}  {line}\n" for n, line in enumerate(lines, 1)))


@_builtin("edit")
def _edit(shell: HostShell, args: list[str]) -> _Run:
    if len(args) != 1:
        return _fail("usage: edit FILE")
    path = shell.resolve(args[0])
    if path is None:
        return _fail(f"edit: {args[0]}: outside the workspace")
    if path.is_dir():
        return _fail(f"edit: {args[0]}: Is a directory")
    if not path.parent.is_dir():
        return _fail(f"edit: {args[0]}: No such file or directory")
    return _Run(action=Edit(path, args[0]))


_HELP = """\
This terminal runs on your own machine's workspace ({home}).
  docker …           the Docker command line, on this lesson's engine
  ls [-la] [PATH]    list files          cat FILE        show a file
  cd [DIR], pwd      move around         echo TEXT       print (> FILE writes, >> appends)
  touch, mkdir, rm   make/remove files   edit FILE       open FILE in the editor
  curl URL           ask a published container port (http://localhost:8080)
  history, clear     past commands, clear the screen
Tab completes commands, docker flags, image and container names.
"""


@_builtin("help")
def _help(shell: HostShell, args: list[str]) -> _Run:
    return _Run(out=_HELP.format(home=HOME))
