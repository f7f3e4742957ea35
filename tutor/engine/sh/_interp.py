"""The shell interpreter: walks the syntax tree, expands words, runs builtins and programs.

One `Shell` is one shell process. Subshells, pipeline members and command substitutions run in a
copy that shares the file tree and the clock but not variables or the working directory, as a
forked process would.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.engine.fs import Data, FileTree, FsError, Node, normalize
from tutor.engine.sh import _ast as A
from tutor.engine.sh._api import PROGRAMS, Program
from tutor.engine.sh._arith import ArithError, evaluate
from tutor.engine.sh._glob import glob, has_magic, match, strip, unescape
from tutor.engine.sh._io import (
    Capture,
    FileSink,
    Input,
    Null,
    Sink,
    Stream,
    close_opened,
    open_for_write,
)
from tutor.engine.sh._parser import ParseError, parse
from tutor.engine.sh._pipeline import SIGPIPE_STATUS, BrokenPipe, PipeInput, Scheduler
from tutor.engine.sh._proc import (
    READ,
    TICK,
    WRITE,
    AccessError,
    Exhausted,
    ShellKind,
    ShProcess,
    Tools,
    allowed,
    check_create,
)

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SPECIAL_BUILTINS = {
    ":",
    ".",
    "break",
    "continue",
    "eval",
    "exec",
    "exit",
    "export",
    "readonly",
    "return",
    "set",
    "shift",
    "trap",
    "unset",
}
PROGRAM_BUILTINS = {"echo", "printf", "test", "[", "true", "false", "pwd", "kill"}
SHELL_BUILTINS = {
    "cd",
    "read",
    "command",
    "type",
    "umask",
    "wait",
    "hash",
    "alias",
    "unalias",
    "local",
    "source",
    "getopts",
    "ulimit",
    "times",
}
BUILTINS = SPECIAL_BUILTINS | PROGRAM_BUILTINS | SHELL_BUILTINS
SAFE_QUOTE = re.compile(r"[A-Za-z0-9_./=:,+@%^-]+")
MAX_DEPTH = 200
"""Nesting of functions and subshells a script may reach before the shell gives up."""


class ExitShell(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class LoopControl(Exception):
    def __init__(self, kind: str, levels: int) -> None:
        self.kind = kind
        self.levels = levels


class ReturnFromFunction(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class ShellError(Exception):
    """An error that makes a non-interactive shell give up (bad substitution, `set -u`, …)."""

    def __init__(self, message: str, code: int = 2) -> None:
        self.text = message
        self.code = code


@dataclass
class Clock:
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Found:
    """A command resolved in the tree: the path the shell used and the real file behind it."""

    path: str
    real: str
    node: Node


def shell_quote(arg: str) -> str:
    if SAFE_QUOTE.fullmatch(arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


@dataclass
class Shell:
    proc: ShProcess
    """The process this shell runs as: tree, identity, world, epoch."""
    kind: ShellKind
    name: str
    """`$0`, the prefix of every diagnostic."""
    vars: dict[str, str]
    exported: set[str]
    cwd: str
    fds: dict[int, Sink]
    stdin: Input
    clock: Clock
    positional: list[str] = field(default_factory=list)
    opts: set[str] = field(default_factory=set)
    functions: dict[str, A.Node] = field(default_factory=dict)
    status: int = 0
    line: int = 1
    from_file: bool = False
    umask: int = 0o022
    suppress_errexit: int = 0
    depth: int = 0
    sub_status: int = 0

    # -- entry points -----------------------------------------------------------------------

    def run_text(self, script: str) -> int:
        """Parse and run a whole script; syntax errors are reported before anything runs."""
        try:
            tree = parse(script)
        except ParseError as e:
            self.syntax_error(e, script)
            return 2
        except RecursionError:
            self.diag("Syntax error: nesting too deep", self.line)
            return 2
        return self.run_toplevel(tree)

    def run_toplevel(self, tree: A.Node) -> int:
        try:
            return self._run_toplevel(tree)
        finally:
            close_opened(self.fds, {})  # what `exec >file` opened closes as the shell exits

    def _run_toplevel(self, tree: A.Node) -> int:
        try:
            self.run(tree)
        except ExitShell as e:
            self.status = e.code
        except ShellError as e:
            self.diag(e.text, self.line)
            self.status = e.code
        except (LoopControl, ReturnFromFunction):
            pass
        except RecursionError:
            self.diag("recursion too deep", self.line)
            self.status = 2
        return self.status

    # -- diagnostics ------------------------------------------------------------------------

    def prefix(self, line: int) -> str:
        if self.kind == "dash":
            return f"{self.name}: {line}: "
        if self.kind == "bash":
            return f"{self.name}: line {line}: "
        return f"{self.name}: line {line}: " if self.from_file else f"{self.name}: "

    def diag(self, message: str, line: int) -> None:
        self.fds[2].write((self.prefix(line) + message + "\n").encode())

    def builtin_error(self, command: str, message: str) -> None:
        """An error from a builtin: busybox ash names the builtin before the line number."""
        if self.kind == "ash":
            text = f"{self.name}: {command}: line {self.line}: {message}\n"
        else:
            text = f"{self.prefix(self.line)}{command}: {message}\n"
        self.fds[2].write(text.encode())

    def syntax_error(self, e: ParseError, script: str) -> None:
        token = e.token
        if self.kind == "bash":
            if e.kind == "quote":
                msg = "unexpected EOF while looking for matching quote"
            elif e.kind == "subst":
                msg = "bad substitution"
            elif token is None:
                msg = "syntax error: unexpected end of file"
            else:
                msg = f"syntax error near unexpected token `{token}'"
            where = "-c: " if not self.from_file else ""
            lines = script.split("\n")
            text = f"{self.name}: {where}line {e.line}: {msg}\n"
            if token is not None and e.line <= len(lines) and e.kind == "token":
                text += f"{self.name}: {where}line {e.line}: `{lines[e.line - 1]}'\n"
            self.fds[2].write(text.encode())
            return
        expecting = f' (expecting "{e.expecting}")' if e.expecting else ""
        if self.kind == "dash":
            if e.kind == "quote":
                msg = "Syntax error: Unterminated quoted string"
            elif e.kind == "subst":
                msg = "Syntax error: Bad substitution"
            elif token is None:
                msg = f"Syntax error: end of file unexpected{expecting}"
            elif token == "newline":
                msg = "Syntax error: newline unexpected"
            else:
                msg = f'Syntax error: "{token}" unexpected{expecting}'
        elif e.kind == "quote":
            msg = "syntax error: unterminated quoted string"
        elif e.kind == "subst":
            msg = "syntax error: bad substitution"
        elif token is None:
            msg = f"syntax error: unexpected end of file{expecting}"
        elif token == "newline":
            msg = "syntax error: unexpected newline"
        else:
            msg = f'syntax error: unexpected "{token}"{expecting}'
        self.diag(msg, e.line)

    # -- state ------------------------------------------------------------------------------

    def child(self) -> Shell:
        if self.depth > MAX_DEPTH:
            raise ShellError("recursion too deep")
        return Shell(
            proc=self.proc,
            kind=self.kind,
            name=self.name,
            vars=dict(self.vars),
            exported=set(self.exported),
            cwd=self.cwd,
            fds=dict(self.fds),
            stdin=self.stdin,
            clock=self.clock,
            positional=list(self.positional),
            opts=set(self.opts),
            functions=dict(self.functions),
            status=self.status,
            line=self.line,
            from_file=self.from_file,
            umask=self.umask,
            depth=self.depth + 1,
        )

    def environ(self, extra: list[tuple[str, str]] = ()) -> dict[str, str]:  # type: ignore[assignment]
        env = {k: self.vars[k] for k in sorted(self.exported) if k in self.vars}
        env.update(extra)
        return env

    def setvar(self, name: str, value: str) -> None:
        self.vars[name] = value
        if "a" in self.opts:
            self.exported.add(name)

    @property
    def now(self) -> int:
        return self.proc.epoch + int(self.clock.seconds)

    # -- execution --------------------------------------------------------------------------

    def run(self, node: A.Node) -> int:
        method: Callable[[A.Node], int] = getattr(self, "_run_" + type(node).__name__)
        self.status = method(node)
        return self.status

    def _errexit(self, status: int) -> None:
        if status != 0 and "e" in self.opts and self.suppress_errexit == 0:
            raise ExitShell(status)

    def _run_Seq(self, node: A.Seq) -> int:
        status = 0
        for item in node.items:
            status = self.run(item)
        return status

    def _run_AndOr(self, node: A.AndOr) -> int:
        self.suppress_errexit += 1
        try:
            status = self.run(node.first)
            for i, (op, item) in enumerate(node.rest):
                if (op == "&&") != (status == 0):
                    continue
                if i == len(node.rest) - 1:
                    self.suppress_errexit -= 1
                    try:
                        status = self.run(item)
                    finally:
                        self.suppress_errexit += 1
                else:
                    status = self.run(item)
        finally:
            self.suppress_errexit -= 1
        return status

    def _run_Pipeline(self, node: A.Pipeline) -> int:
        if node.negate:
            self.suppress_errexit += 1
        try:
            statuses: list[int] = []
            if len(node.cmds) == 1:
                statuses.append(self.run(node.cmds[0]))
            else:
                statuses = self._run_members(node.cmds)
        finally:
            if node.negate:
                self.suppress_errexit -= 1
        status = statuses[-1]
        if "pipefail" in self.opts:
            status = next((s for s in reversed(statuses) if s), 0)
        if node.negate:
            return int(status == 0)
        self._errexit(status)
        return status

    def _run_members(self, cmds: tuple[A.Node, ...]) -> list[int]:
        scheduler = Scheduler(len(cmds))
        pipes = scheduler.connect(self.proc.memory)
        bodies: list[Callable[[], int]] = []
        for i, cmd in enumerate(cmds):
            sub = self.child()
            if i > 0:
                sub.stdin = PipeInput(pipes[i - 1])
            if i < len(cmds) - 1:
                sub.fds[1] = pipes[i]
            bodies.append(functools.partial(sub.run_toplevel, cmd))
        return scheduler.run(bodies)

    def _run_Subshell(self, node: A.Subshell) -> int:
        fds = self.redirect(node.redirs)
        if fds is None:
            return self.redirect_failed
        sub = self.child()
        sub.fds = fds
        try:
            status = sub.run_toplevel(node.body)
        finally:
            close_opened(fds, self.fds)
        self._errexit(status)
        return status

    def _with_redirs(self, redirs: tuple[A.Redir, ...], body: Callable[[], int]) -> int:
        if not redirs:
            return body()
        fds = self.redirect(redirs)
        if fds is None:
            return self.redirect_failed
        saved, saved_in = self.fds, self.stdin
        self.fds = fds
        self.stdin = self._stdin_from(fds)
        try:
            return body()
        finally:
            close_opened(self.fds, saved)
            close_opened(fds, saved)
            self.fds, self.stdin = saved, saved_in

    def _run_Group(self, node: A.Group) -> int:
        return self._with_redirs(node.redirs, lambda: self.run(node.body))

    def _condition(self, node: A.Node) -> int:
        self.suppress_errexit += 1
        try:
            return self.run(node)
        finally:
            self.suppress_errexit -= 1

    def _run_If(self, node: A.If) -> int:
        def body() -> int:
            for cond, then in node.branches:
                if self._condition(cond) == 0:
                    return self.run(then)
            return self.run(node.else_) if node.else_ is not None else 0

        return self._with_redirs(node.redirs, body)

    def _loop_body(self, body: A.Node) -> str:
        """Runs one iteration; returns "break"/"continue"/"" for the enclosing loop."""
        try:
            self.run(body)
        except LoopControl as ctl:
            if ctl.levels > 1:
                raise LoopControl(ctl.kind, ctl.levels - 1) from None
            return ctl.kind
        return ""

    def _run_For(self, node: A.For) -> int:
        def body() -> int:
            if node.words is None:
                items = list(self.positional)
            else:
                items = [f for w in node.words for f in self.expand(w)]
            status = 0
            for item in items:
                self.setvar(node.var, item)
                if self._loop_body(node.body) == "break":
                    break
                status = self.status
            return status

        return self._with_redirs(node.redirs, body)

    def _run_While(self, node: A.While) -> int:
        def body() -> int:
            status = 0
            while True:
                if (self._condition(node.cond) == 0) == node.until:
                    break
                if self._loop_body(node.body) == "break":
                    break
                status = self.status
            return status

        return self._with_redirs(node.redirs, body)

    def _run_Case(self, node: A.Case) -> int:
        def body() -> int:
            subject = self.expand_single(node.word)
            for patterns, item in node.items:
                if any(match(self.expand_pattern(p), subject) for p in patterns):
                    return self.run(item)
            return 0

        return self._with_redirs(node.redirs, body)

    def _run_FuncDef(self, node: A.FuncDef) -> int:
        self.functions[node.name] = node.body
        return 0

    def _run_Simple(self, node: A.Simple) -> int:
        self.line = node.line
        budget = self.proc.budget
        budget[0] -= 1
        if budget[0] < 0:
            raise Exhausted
        self.sub_status = 0
        argv = [f for w in node.words for f in self.expand(w)]
        assigns = [(name, self.expand_single(w, assignment=True)) for name, w in node.assigns]
        if "x" in self.opts and (argv or assigns):
            shown = [f"{n}={shell_quote(v)}" for n, v in assigns] + [shell_quote(a) for a in argv]
            self.fds[2].write(("+ " + " ".join(shown) + "\n").encode())
        if not argv:
            for name, value in assigns:
                self.setvar(name, value)
            failed = node.redirs and self.redirect(node.redirs) is None
            status = self.redirect_failed if failed else self.sub_status
            self._errexit(status)
            return status
        if argv[0] == "exec" and len(argv) == 1:
            fds = self.redirect(node.redirs)
            if fds is None:
                return self.redirect_failed
            close_opened(self.fds, fds)
            self.fds = fds
            self.stdin = self._stdin_from(fds)
            return 0
        fds = self.redirect(node.redirs) if node.redirs else self.fds
        if fds is None:
            self._errexit(self.redirect_failed)
            return self.redirect_failed
        saved, saved_in = self.fds, self.stdin
        self.fds = fds
        self.stdin = self._stdin_from(fds) if node.redirs else self.stdin
        try:
            status = self.invoke(argv, assigns)
        finally:
            close_opened(self.fds, saved)
            close_opened(fds, saved)
            self.fds, self.stdin = saved, saved_in
        self._errexit(status)
        return status

    def _stdin_from(self, fds: dict[int, Sink]) -> Input:
        source = fds.get(0)
        return source if isinstance(source, Input) else self.stdin

    # -- redirections -----------------------------------------------------------------------

    def redirect(self, redirs: tuple[A.Redir, ...]) -> dict[int, Sink] | None:
        """The fd table after `redirs`, or None after reporting why one could not be opened."""
        fds = dict(self.fds)
        fds[0] = self.stdin
        for r in redirs:
            if r.op in ("<<", "<<-"):
                fds[r.fd] = Input(self.expand_single(r.target).encode())
                continue
            target = self.expand_single(r.target)
            if r.op in (">&", "<&"):
                if target == "-":
                    fds[r.fd] = Null()
                elif target.isdigit() and int(target) in fds:
                    fds[r.fd] = fds[int(target)]
                else:
                    self.diag(
                        f"{target}: bad file descriptor"
                        if self.kind != "dash"
                        else "Syntax error: Bad fd number",
                        self.line,
                    )
                    return None
                continue
            path = normalize(target, self.cwd) if target else ""
            try:
                if r.op in ("<", "<>"):
                    fds[r.fd] = Input(self._read_redirect(target, path))
                elif path in ("/dev/null", "/dev/zero"):
                    fds[r.fd] = Null()
                elif path in ("/dev/stdout", "/dev/stderr", "/dev/fd/1", "/dev/fd/2"):
                    fds[r.fd] = fds[1 if path.endswith(("out", "1")) else 2]
                else:
                    if not target:
                        raise FsError("ENOENT", target)
                    fs = self.proc.fs
                    real = fs.resolve(path)
                    proto = Node(
                        "file",
                        0o666 & ~self.umask,
                        uid=self.proc.uid,
                        gid=self.proc.gid,
                        mtime=self.now,
                        content=Data(b""),
                    )
                    existing = fs.get(real)
                    if existing is None:
                        check_create(self.proc, real, target)
                    elif existing.type == "file" and not allowed(self.proc, existing, WRITE):
                        raise AccessError("EACCES", target)
                    open_for_write(fs, real, r.op == ">>", proto)
                    fds[r.fd] = FileSink(fs, real, self.now)
            except FsError as e:
                self._redirect_error(target, e, r.op in ("<", "<>"))
                return None
        return fds

    def _read_redirect(self, target: str, path: str) -> bytes:
        if path in ("/dev/null", "/dev/zero"):
            return b""
        _, node = self.proc.fs.lookup(path)
        if node.type == "dir":
            return b""
        if not allowed(self.proc, node, READ):
            raise AccessError("EACCES", target)
        return node.content.read() if node.content is not None else b""

    def _redirect_error(self, target: str, e: FsError, reading: bool) -> None:
        missing = e.code in ("ENOENT", "ENOTDIR")
        if self.kind == "bash":
            self.diag(f"{target}: {e.strerror}", self.line)
        elif self.kind == "dash":
            if reading:
                self.diag(
                    f"cannot open {target}: {'No such file' if missing else e.strerror}", self.line
                )
            else:
                why = "Directory nonexistent" if missing else e.strerror
                self.diag(f"cannot create {target}: {why}", self.line)
        elif reading:
            self.diag(
                f"can't open {target}: {'no such file' if missing else e.strerror}", self.line
            )
        else:
            why = "nonexistent directory" if missing else e.strerror
            self.diag(f"can't create {target}: {why}", self.line)

    @property
    def redirect_failed(self) -> int:
        """Exit status of a command whose redirection failed (ash/dash: 2, bash: 1)."""
        return 1 if self.kind == "bash" else 2

    # -- expansion --------------------------------------------------------------------------

    def expand(self, word: A.Word) -> list[str]:
        """Fields of `word` after parameter/command expansion, field splitting and globbing."""
        fields: list[tuple[str, str]] = []  # (text, glob pattern)
        text: list[str] = []
        pattern: list[str] = []
        started = False
        ifs = self.vars.get("IFS", " \t\n")

        def finish() -> None:
            nonlocal started
            if started:
                fields.append((self._joined(text), self._joined(pattern)))
            text.clear()
            pattern.clear()
            started = False

        for seg, quoted, split in self._segments(word):
            if seg is None:
                finish()
                continue
            if quoted or not split:
                started = started or quoted or bool(seg)
                text.append(seg)
                pattern.append(_escape_glob(seg) if quoted else seg)
                continue
            for ch in seg:
                if ch in ifs:
                    if ch in " \t\n":
                        finish()
                    else:
                        started = True
                        finish()
                else:
                    started = True
                    text.append(ch)
                    pattern.append(ch)
        finish()
        result: list[str] = []
        for value, pat in fields:
            if "f" not in self.opts and has_magic(pat):
                matches = glob(self.proc.fs, pat, self.cwd)
                if matches:
                    result.extend(matches)
                    continue
                value = unescape(pat) if pat != value else value
            result.append(value)
        return result

    def expand_single(self, word: A.Word, assignment: bool = False) -> str:
        return self._joined([seg for seg, _, _ in self._segments(word) if seg is not None])

    def _joined(self, pieces: list[str]) -> str:
        """The pieces as one string, made only if the container's memory can hold it."""
        if len(pieces) > 1:
            self.proc.memory.need(sum(map(len, pieces)))
        return "".join(pieces)

    def expand_pattern(self, word: A.Word) -> str:
        return "".join(
            (_escape_glob(seg) if quoted else seg)
            for seg, quoted, _ in self._segments(word)
            if seg is not None
        )

    def _segments(self, word: A.Word) -> list[tuple[str | None, bool, bool]]:
        """(text, quoted, splittable) pieces; a None text separates the fields of "$@"."""
        out: list[tuple[str | None, bool, bool]] = []
        for part in word.parts:
            if isinstance(part, A.Lit):
                out.append((part.text, part.quoted, False))
            elif isinstance(part, A.Tilde):
                out.append((self._tilde(part.user), True, False))
            elif isinstance(part, A.Param):
                if part.name == "@" and part.quoted and not part.op:
                    for i, arg in enumerate(self.positional):
                        if i:
                            out.append((None, True, False))
                        out.append((arg, True, False))
                    continue
                out.append((self._param(part), part.quoted, not part.quoted))
            elif isinstance(part, A.CmdSub):
                out.append((self._command_sub(part.body), part.quoted, not part.quoted))
            else:
                expr = self.expand_single(part.expr)
                try:
                    value = str(evaluate(expr, lambda n: self.vars.get(n, "")))
                except ArithError as e:
                    raise ShellError(str(e)) from None
                except RecursionError:
                    raise ShellError("arithmetic expression: nesting too deep") from None
                out.append((value, part.quoted, not part.quoted))
        return out

    def _tilde(self, user: str) -> str:
        if not user:
            return self.vars.get("HOME", "/")
        try:
            data = self.proc.fs.lookup("/etc/passwd")[1]
            lines = data.content.read().decode(errors="replace") if data.content else ""
        except FsError:
            return "~" + user
        for line in lines.splitlines():
            fields = line.split(":")
            if len(fields) >= 6 and fields[0] == user:
                return fields[5]
        return "~" + user

    def _get(self, name: str) -> str | None:
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.name
            return self.positional[index - 1] if index <= len(self.positional) else None
        if name == "#":
            return str(len(self.positional))
        if name == "?":
            return str(self.status)
        if name == "@":
            return " ".join(self.positional)
        if name == "*":
            return (self.vars.get("IFS", " ")[:1] or "").join(self.positional)
        if name == "$":
            return "1"  # the shell of a RUN step or container is PID 1
        if name == "!":
            return ""
        if name == "-":
            return "".join(sorted(o for o in self.opts if len(o) == 1))
        return self.vars.get(name)

    def _param(self, part: A.Param) -> str:
        value = self._get(part.name)
        op = part.op
        if op == "#len":
            if value is None and "u" in self.opts:
                raise self._unset(part.name)
            return str(len(value or ""))
        if op in (":-", "-", ":=", "=", ":+", "+", ":?", "?"):
            unset = value is None or (op.startswith(":") and value == "")
            arg = self.expand_single(part.arg) if part.arg is not None else ""
            base = op.lstrip(":")
            if base == "-":
                return arg if unset else value or ""
            if base == "=":
                if unset:
                    self.setvar(part.name, arg)
                    return arg
                return value or ""
            if base == "+":
                return "" if unset else arg
            if unset:
                raise ShellError(f"{part.name}: {arg or 'parameter null or not set'}")
            return value or ""
        if value is None:
            if "u" in self.opts and part.name not in ("@", "*"):
                raise self._unset(part.name)
            value = ""
        if op in ("#", "##", "%", "%%"):
            pat = self.expand_pattern(part.arg) if part.arg is not None else ""
            return strip(value, pat, op)
        if op in ("/", "//"):
            raw = self.expand_single(part.arg) if part.arg is not None else ""
            old, _, new = raw.partition("/")
            return value.replace(old, new) if op == "//" else value.replace(old, new, 1)
        return value

    def _unset(self, name: str) -> ShellError:
        if self.kind == "bash":
            return ShellError(f"{name}: unbound variable", 1)
        return ShellError(f"{name}: parameter not set", 2)

    def _command_sub(self, body: A.Node) -> str:
        sub = self.child()
        capture = Capture(self.proc.memory)
        sub.fds[1] = capture
        self.sub_status = sub.run_toplevel(body)
        return bytes(capture.data).decode(errors="replace").rstrip("\n")

    # -- commands ---------------------------------------------------------------------------

    def invoke(self, argv: list[str], assigns: list[tuple[str, str]]) -> int:
        name = argv[0]
        if name in SPECIAL_BUILTINS:
            for var, value in assigns:
                self.setvar(var, value)
            return self.special_builtin(argv)
        if name in self.functions:
            return self.call_function(name, argv[1:], assigns)
        if name in SHELL_BUILTINS:
            return self.shell_builtin(argv)
        if name in PROGRAM_BUILTINS:
            return self.run_program(PROGRAMS[name], argv, self.environ(assigns), builtin=True)
        return self.run_external(argv, self.environ(assigns))

    def call_function(self, name: str, args: list[str], assigns: list[tuple[str, str]]) -> int:
        if self.depth > MAX_DEPTH:
            raise ShellError(f"{name}: function nesting too deep")
        for var, value in assigns:
            self.setvar(var, value)
        saved = self.positional
        self.positional = args
        self.depth += 1
        try:
            return self.run(self.functions[name])
        except ReturnFromFunction as r:
            return r.code
        finally:
            self.positional = saved
            self.depth -= 1

    def find(self, name: str, path_var: str | None = None) -> Found | str:
        """Resolve a command name as execvp would: the file found, or "ENOENT"/"EACCES"."""
        fs = self.proc.fs
        if "/" in name:
            candidates = [normalize(name, self.cwd)]
        else:
            search = path_var if path_var is not None else self.vars.get("PATH", DEFAULT_PATH)
            candidates = [
                normalize(posixpath.join(d or ".", name), self.cwd) for d in search.split(":")
            ]
        denied = False
        for cand in candidates:
            try:
                real, node = fs.lookup(cand)
            except FsError:
                continue
            if node.type == "dir":
                denied = denied or "/" in name
                continue
            if not self._executable(node):
                denied = True
                continue
            return Found(name if "/" in name else cand, real, node)
        return "EACCES" if denied else "ENOENT"

    def _executable(self, node: Node) -> bool:
        if self.proc.uid == 0:
            return bool(node.mode & 0o111)
        if node.uid == self.proc.uid:
            return bool(node.mode & 0o100)
        if node.gid == self.proc.gid:
            return bool(node.mode & 0o010)
        return bool(node.mode & 0o001)

    def run_external(self, argv: list[str], env: dict[str, str]) -> int:
        found = self.find(argv[0], env.get("PATH"))
        if isinstance(found, str):
            return self.exec_failed(argv[0], found)
        return self.exec_found(found, argv, env)

    def exec_failed(self, name: str, code: str) -> int:
        if code == "EACCES":
            self.diag(f"{name}: Permission denied", self.line)
            return 126
        self.diag(
            f"{name}: command not found" if self.kind == "bash" else f"{name}: not found", self.line
        )
        return 127

    def exec_found(self, found: Found, argv: list[str], env: dict[str, str], hops: int = 0) -> int:
        """Run the file `found` with `argv`, as execve would: busybox applets, `#!` interpreters,
        simulated programs by name, and plain text files as shell scripts."""
        real_name = posixpath.basename(found.real)
        content = found.node.content
        if real_name == "busybox":
            applet = posixpath.basename(argv[0])
            if applet == "busybox":
                if len(argv) < 2:
                    self.fds[2].write(b"BusyBox v1.36.1 multi-call binary.\n")
                    return 0
                argv = argv[1:]
                applet = posixpath.basename(argv[0])
            prog = PROGRAMS.get(applet)
            if prog is None:
                self.fds[2].write(f"{applet}: applet not found\n".encode())
                return 127
            return self.run_program(prog, argv, env, tools="busybox")
        line = shebang(found.node)
        if line is not None and hops < 4:
            interp, arg = line
            interp_found = self.find(interp) if interp.startswith("/") else "ENOENT"
            if isinstance(interp_found, str):
                return self.exec_failed(argv[0], "ENOENT")
            new_argv = [interp] + ([arg] if arg else []) + [found.path] + argv[1:]
            return self.exec_found(interp_found, new_argv, env, hops + 1)
        manifest = go_manifest(found.node)
        if manifest is not None:
            return self.run_go(argv[0], manifest)
        for candidate in (real_name, posixpath.basename(argv[0])):
            prog = PROGRAMS.get(candidate)
            if prog is not None:
                return self.run_program(prog, argv, env)
        if isinstance(content, Data) and is_text(content.data[:256]):
            # execve fails with ENOEXEC; the shell then runs the file as a script itself.
            sub = self.child()
            sub.name = argv[0]
            sub.positional = argv[1:]
            sub.from_file = True
            sub.vars = dict(env)
            sub.exported = set(env)
            return sub.run_text(content.read().decode(errors="replace"))
        # A real binary we have no simulation for: say so rather than pretend it ran.
        self.fds[2].write(f"{argv[0]}: this program cannot run in the simulated engine\n".encode())
        return 126

    def run_go(self, name: str, manifest: dict[str, object]) -> int:
        """Play a program `go build` wrote: it prints what `main` prints and ends.

        One that listens would serve until killed, and a RUN step running it would never finish;
        the simulation lets it start and stop at once (status 0, nothing more printed) so a
        learner's build does not hang. `docker run` plays servers properly (`servers.py`).
        """
        if not loader_present(self.proc.fs, manifest):
            return self.loader_missing(name)
        stdout = manifest.get("stdout")
        if isinstance(stdout, str):
            self.fds[1].write(stdout.encode())
        return 0

    def loader_missing(self, name: str) -> int:
        """execve's ENOENT for a file that exists but whose ELF interpreter does not: dash and
        ash word it as any ENOENT; bash (5.1+) sees the file is there and says so."""
        if self.kind == "bash":
            self.diag(f"{name}: cannot execute: required file not found", self.line)
        else:
            self.diag(f"{name}: not found", self.line)
        return 127

    def run_program(
        self,
        prog: Program,
        argv: list[str],
        env: dict[str, str],
        tools: Tools = "gnu",
        builtin: bool = False,
    ) -> int:
        proc = ShProcess(
            argv=list(argv),
            fs=self.proc.fs,
            env=env,
            cwd=self.cwd,
            uid=self.proc.uid,
            gid=self.proc.gid,
            stdin=b"" if self.stdin.lazy else self.stdin.rest(),
            stdin_source=self.stdin if self.stdin.lazy else None,
            stdout=Stream(self.fds[1]),
            stderr=Stream(self.fds[2]),
            world=self.proc.world,
            seconds=self.clock.seconds,
            tools=tools,
            shell=self.kind,
            epoch=self.proc.epoch,
            umask=self.umask,
            runner=_child_runner,
            builtin=builtin,
            shell_name=self.name,
            line=self.line,
            budget=self.proc.budget,
            memory=self.proc.memory,
        )
        try:
            status = prog(proc)
        except BrokenPipe:
            if builtin:
                raise  # the shell itself wrote: SIGPIPE ends the shell
            status = SIGPIPE_STATUS
        except FsError as e:
            proc.err(f"{argv[0]}: {e.message}\n")
            status = 1
        except (ValueError, IndexError, KeyError, OverflowError) as e:
            # A usage our simulation of the program does not cover; fail as a tool does on
            # arguments it cannot parse instead of breaking the whole build.
            proc.err(f"{argv[0]}: unsupported or invalid arguments ({type(e).__name__})\n")
            status = 2
        self.clock.seconds = max(self.clock.seconds, proc.seconds) + TICK
        if builtin and argv[0] == "pwd":
            return status
        return status & 0xFF

    # -- builtins ---------------------------------------------------------------------------

    def _int_arg(self, cmd: str, args: list[str], default: int) -> int:
        if not args:
            return default
        if re.fullmatch(r"-?\d+", args[0]):
            return int(args[0])
        if self.kind == "bash":
            self.builtin_error(cmd, f"{args[0]}: numeric argument required")
        else:
            self.builtin_error(cmd, f"Illegal number: {args[0]}")
        raise ExitShell(2)

    def special_builtin(self, argv: list[str]) -> int:
        name, args = argv[0], argv[1:]
        if name == ":":
            return 0
        if name == "exit":
            raise ExitShell(self._int_arg(name, args, self.status) & 0xFF)
        if name == "return":
            raise ReturnFromFunction(self._int_arg(name, args, self.status) & 0xFF)
        if name in ("break", "continue"):
            raise LoopControl(name, max(1, self._int_arg(name, args, 1)))
        if name in ("export", "readonly"):
            if not args or args == ["-p"]:
                for key in sorted(self.exported if name == "export" else self.vars):
                    if key in self.vars:
                        self.fds[1].write(self._show_var(name, key).encode())
                return 0
            for arg in args:
                var, eq, value = arg.partition("=")
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
                    if self.kind == "bash":
                        self.builtin_error(name, f"`{arg}': not a valid identifier")
                        return 1
                    self.builtin_error(name, f"{var}: bad variable name")
                    raise ExitShell(2)
                if eq:
                    self.setvar(var, value)
                if name == "export":
                    self.exported.add(var)
            return 0
        if name == "unset":
            functions = "-f" in args
            for var in (a for a in args if not a.startswith("-")):
                if functions:
                    self.functions.pop(var, None)
                else:
                    self.vars.pop(var, None)
                    self.exported.discard(var)
            return 0
        if name == "set":
            return self._set(args)
        if name == "shift":
            n = self._int_arg(name, args, 1)
            if n > len(self.positional):
                self.builtin_error("shift", "can't shift that many")
                return 2 if self.kind != "bash" else 1
            self.positional = self.positional[n:]
            return 0
        if name == "eval":
            return self._source_text(" ".join(args))
        if name == ".":
            return self._dot(args)
        if name == "exec":
            if not args:
                return 0
            raise ExitShell(self.run_external(args, self.environ()))
        return 0  # trap: no signals arrive in the simulation

    def _show_var(self, builtin: str, key: str) -> str:
        value = self.vars[key]
        if self.kind == "bash":
            quoted = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
            return f'declare -{"x" if builtin == "export" else "r"} {key}="{quoted}"\n'
        return f"{builtin} {key}={shell_quote(value) if value else chr(39) * 2}\n"

    def _set(self, args: list[str]) -> int:
        if not args:
            for key in sorted(self.vars):
                self.fds[1].write(f"{key}={shell_quote(self.vars[key])}\n".encode())
            return 0
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                self.positional = args[i + 1 :]
                return 0
            if arg[:1] not in ("-", "+") or arg in ("-", "+"):
                self.positional = args[i:]
                return 0
            on = arg[0] == "-"
            if arg[1:] == "o":
                if i + 1 >= len(args):
                    return 0
                opt = args[i + 1]
                names = {
                    "errexit": "e",
                    "xtrace": "x",
                    "nounset": "u",
                    "noglob": "f",
                    "allexport": "a",
                    "pipefail": "pipefail",
                }
                if opt not in names or (opt == "pipefail" and self.kind == "dash"):
                    self.builtin_error(
                        "set",
                        f"Illegal option -o {opt}"
                        if self.kind != "bash"
                        else f"{opt}: invalid option name",
                    )
                    if self.kind == "bash":
                        return 2
                    raise ExitShell(2)
                self._flag(names[opt], on)
                i += 2
                continue
            for ch in arg[1:]:
                if ch not in "euxfavnC":
                    self.builtin_error(
                        "set",
                        f"Illegal option {arg[0]}{ch}"
                        if self.kind != "bash"
                        else f"{arg[0]}{ch}: invalid option",
                    )
                    if self.kind == "bash":
                        return 2
                    raise ExitShell(2)
                self._flag(ch, on)
            i += 1
        return 0

    def _flag(self, opt: str, on: bool) -> None:
        if on:
            self.opts.add(opt)
        else:
            self.opts.discard(opt)

    def _source_text(self, text: str) -> int:
        try:
            tree = parse(text)
        except ParseError as e:
            self.syntax_error(e, text)
            raise ExitShell(2) from None
        return self.run(tree)

    def _dot(self, args: list[str]) -> int:
        if not args:
            return 0
        target = args[0]
        found: Found | str = self.find(target) if "/" not in target else "ENOENT"
        path = found.real if isinstance(found, Found) else normalize(target, self.cwd)
        try:
            _, node = self.proc.fs.lookup(path)
        except FsError:
            self.builtin_error(
                ".",
                f"cannot open {target}: No such file"
                if self.kind == "dash"
                else f"{target}: No such file or directory"
                if self.kind == "bash"
                else f"can't open '{target}': No such file or directory",
            )
            raise ExitShell(2 if self.kind != "bash" else 1) from None
        text = node.content.read().decode(errors="replace") if node.content else ""
        return self._source_text(text)

    def shell_builtin(self, argv: list[str]) -> int:
        name, args = argv[0], argv[1:]
        if name == "source":
            return self._dot(args)
        if name == "cd":
            return self._cd(args)
        if name == "read":
            return self._read(args)
        if name == "command":
            return self._command(args)
        if name == "type":
            status = 0
            for arg in args:
                where = self._describe(arg)
                if where is None:
                    self.fds[2 if self.kind == "bash" else 1].write(
                        (
                            f"{self.prefix(self.line)}type: {arg}: not found\n"
                            if self.kind == "bash"
                            else f"{arg}: not found\n"
                        ).encode()
                    )
                    status = 1 if self.kind == "bash" else 127
                else:
                    self.fds[1].write(f"{arg} is {where}\n".encode())
            return status
        if name == "umask":
            if not args:
                self.fds[1].write(f"{self.umask:04o}\n".encode())
            elif re.fullmatch(r"[0-7]{1,4}", args[0]):
                self.umask = int(args[0], 8)
            return 0
        if name == "local":
            for arg in args:
                var, eq, value = arg.partition("=")
                self.setvar(var, value if eq else self.vars.get(var, ""))
            return 0
        return 0

    def _describe(self, name: str) -> str | None:
        if name in ("if", "then", "else", "elif", "fi", "for", "while", "do", "done", "case"):
            return "a shell keyword"
        if name in self.functions:
            return "a shell function"
        if name in SPECIAL_BUILTINS:
            return "a special shell builtin"
        if name in BUILTINS:
            return "a shell builtin"
        found = self.find(name)
        return found.path if isinstance(found, Found) else None

    def _command(self, args: list[str]) -> int:
        if args[:1] in (["-v"], ["-V"]):
            status = 0
            for name in args[1:]:
                if name in BUILTINS or name in self.functions:
                    self.fds[1].write(f"{name}\n".encode())
                    continue
                found = self.find(name)
                if isinstance(found, Found):
                    self.fds[1].write(f"{found.path}\n".encode())
                else:
                    status = 127 if self.kind == "bash" else 127
            return status if self.kind != "ash" else (1 if status else 0)
        if not args:
            return 0
        if args[0] in SPECIAL_BUILTINS:
            return self.special_builtin(args)
        if args[0] in SHELL_BUILTINS:
            return self.shell_builtin(args)
        if args[0] in PROGRAM_BUILTINS:
            return self.run_program(PROGRAMS[args[0]], args, self.environ(), builtin=True)
        return self.run_external(args, self.environ())

    def _cd(self, args: list[str]) -> int:
        args = [a for a in args if a not in ("-L", "-P")]
        if not args:
            target = self.vars.get("HOME", "/")
        elif args[0] == "-":
            target = self.vars.get("OLDPWD", self.cwd)
            self.fds[1].write(f"{target}\n".encode())
        else:
            target = args[0]
        path = normalize(target, self.cwd)
        try:
            _, node = self.proc.fs.lookup(path)
            if node.type != "dir":
                raise FsError("ENOTDIR", target)
        except FsError as e:
            if self.kind == "dash":
                self.builtin_error("cd", f"can't cd to {target}")
            elif self.kind == "bash":
                self.builtin_error("cd", f"{target}: {e.strerror}")
            else:
                self.builtin_error("cd", f"can't cd to {target}: {e.strerror}")
            return 1 if self.kind == "bash" else 2
        self.vars["OLDPWD"] = self.cwd
        self.cwd = path
        self.vars["PWD"] = path
        return 0

    def _read(self, args: list[str]) -> int:
        raw = "-r" in args
        names = [a for a in args if not a.startswith("-")] or ["REPLY"]
        line = self.stdin.readline()
        if line is None:
            for name in names:
                self.setvar(name, "")
            return 1
        text = line.decode(errors="replace")
        complete = text.endswith("\n")
        text = text.rstrip("\n")
        if not raw:
            text = re.sub(r"\\(.)", r"\1", text)
        ifs = self.vars.get("IFS", " \t\n")
        if names == ["REPLY"] and len(names) == 1 and not args:
            values = [text.strip(ifs)]
        else:
            values = []
            rest = text.lstrip(ifs)
            for _ in names[:-1]:
                piece = re.split("[" + re.escape(ifs) + "]+", rest, maxsplit=1) if ifs else [rest]
                values.append(piece[0])
                rest = piece[1] if len(piece) > 1 else ""
            values.append(rest.rstrip(ifs))
        for name, value in zip(names, values, strict=False):
            self.setvar(name, value)
        return 0 if complete else 1


def _escape_glob(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def is_text(head: bytes) -> bool:
    """Whether a file's first bytes look like a script rather than a binary."""
    return b"\0" not in head and not head.startswith(b"\x7fELF")


def go_manifest(node: Node) -> dict[str, object] | None:
    """What a program `go build` wrote embeds about itself, None for any other file."""
    if not isinstance(node.content, Data):
        return None
    # Imported here: the package managers' package imports the shell, not the other way round.
    from tutor.engine.sh.pkg.golang import read_manifest

    return read_manifest(node.content.data)


def loader_present(fs: FileTree, manifest: dict[str, object]) -> bool:
    """Whether the dynamic loader a Go program names (if any) is in the tree it runs in."""
    interpreter = manifest.get("interpreter")
    if not isinstance(interpreter, str):
        return True
    try:
        fs.lookup(interpreter)
    except FsError:
        return False
    return True


def shebang(node: Node) -> tuple[str, str] | None:
    """The interpreter and optional argument of a `#!` line, as the kernel reads them.

    Only blanks are trimmed: a CRLF script names "/bin/sh\\r", which does not exist.
    """
    if not isinstance(node.content, Data) or not node.content.data.startswith(b"#!"):
        return None
    line = node.content.data[2:256].split(b"\n", 1)[0].decode(errors="replace").strip(" \t")
    interp, _, arg = line.partition(" ")
    return interp, arg.strip(" \t")


def _child_runner(parent: ShProcess, argv: list[str]) -> int:
    """Start `argv` from inside a program (env, xargs, find -exec): PATH search, no shell
    syntax. A missing command returns 127 silently; the calling program words the error."""
    shell = shell_for(parent, parent.shell, parent.shell_name)
    found = shell.find(argv[0], parent.env.get("PATH", DEFAULT_PATH))
    if isinstance(found, str):
        return 126 if found == "EACCES" else 127
    status = shell.exec_found(found, argv, dict(parent.env))
    parent.seconds = max(parent.seconds, shell.clock.seconds)
    return status


def shell_for(proc: ShProcess, kind: ShellKind, name: str) -> Shell:
    """A shell running as `proc`: its environment, directory, streams and clock."""
    return Shell(
        proc=proc,
        kind=kind,
        name=name,
        vars=dict(proc.env),
        exported=set(proc.env),
        cwd=proc.cwd,
        fds={1: _BufferSink(proc.stdout), 2: _BufferSink(proc.stderr)},
        stdin=proc.stdin_source or Input(proc.stdin),
        clock=Clock(proc.seconds),
        umask=proc.umask,
    )


@dataclass
class _BufferSink:
    buffer: bytearray

    def write(self, data: bytes) -> None:
        self.buffer += data
