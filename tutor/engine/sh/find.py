"""`find`: GNU findutils' expression language (busybox accepts the same common subset).

Operators `( )`, `!`/`-not`, `-a`/`-and` (also implied), `-o`/`-or`, `,`; tests by name, path,
regex, type, permissions, owner, size, times, emptiness and access; actions `-print`,
`-print0`, `-printf`, `-delete`, `-prune`, `-quit`, `-exec`/`-execdir`/`-ok` with `;` or `+`
(batched, as official Dockerfiles use `-exec rm -rf '{}' +`). Without an action the whole
expression prints. Entries are visited in name order (a real readdir order is arbitrary).
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.engine.fs import FsError, Node
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._glob import match as glob_match
from tutor.engine.sh._proc import (
    EXECUTE,
    READ,
    WRITE,
    allowed,
    now_of,
    run_child,
    tools_of,
)
from tutor.engine.sh.users import group_name, lookup_group_id, lookup_user, user_name


class FindError(Exception):
    pass


@dataclass
class Entry:
    path: str  # real path in the tree
    shown: str  # as find prints it
    node: Node
    depth: int
    root: str


Test = Callable[[Entry], bool]


@dataclass
class Exec:
    argv: list[str]
    batch: bool
    in_dir: bool
    pending: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass
class State:
    maxdepth: int | None = None
    mindepth: int = 0
    depth_first: bool = False
    has_action: bool = False
    quit: bool = False
    pruned: bool = False
    execs: list[Exec] = field(default_factory=list)
    status: int = 0


_GLOBAL = {"-maxdepth", "-mindepth", "-depth", "-d", "-xdev", "-mount", "-follow", "-noleaf",
           "-ignore_readdir_race", "-noignore_readdir_race", "-regextype", "-daystart",
           "-nowarn", "-warn"}


class Parser:
    def __init__(self, proc: Process, args: list[str], state: State) -> None:
        self.proc = proc
        self.args = args
        self.pos = 0
        self.state = state

    def peek(self) -> str | None:
        return self.args[self.pos] if self.pos < len(self.args) else None

    def take(self) -> str:
        arg = self.args[self.pos]
        self.pos += 1
        return arg

    def value(self, option: str) -> str:
        if self.pos >= len(self.args):
            raise FindError(f"missing argument to `{option}'")
        return self.take()

    def parse(self) -> Test:
        if self.peek() is None:
            return lambda e: True
        expr = self.comma()
        if self.peek() is not None:
            tok = self.peek()
            raise FindError("invalid expression; you have too many ')'" if tok == ")"
                            else f"paths must precede expression: `{tok}'")
        return expr

    def comma(self) -> Test:
        left = self.or_()
        while self.peek() == ",":
            self.take()
            right = self.or_()
            left = _comma(left, right)
        return left

    def or_(self) -> Test:
        left = self.and_()
        while self.peek() in ("-o", "-or"):
            self.take()
            right = self.and_()
            left = _or(left, right)
        return left

    def and_(self) -> Test:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok in ("-a", "-and"):
                self.take()
            elif tok is None or tok in (")", "-o", "-or", ","):
                return left
            right = self.unary()
            left = _and(left, right)

    def unary(self) -> Test:
        tok = self.peek()
        if tok is None:
            raise FindError("invalid expression; expected expression")
        if tok in ("!", "-not"):
            self.take()
            inner = self.unary()
            return lambda e: not inner(e)
        if tok == "(":
            self.take()
            inner = self.comma()
            if self.peek() != ")":
                raise FindError("invalid expression; I was expecting to find a ')' somewhere "
                                "but did not see one.")
            self.take()
            return inner
        return self.primary()

    def primary(self) -> Test:  # noqa: C901  (one branch per predicate)
        tok = self.take()
        proc = self.proc
        st = self.state
        if tok in _GLOBAL:
            if tok in ("-maxdepth", "-mindepth", "-regextype"):
                v = self.value(tok)
                if tok != "-regextype":
                    if not v.isdigit():
                        raise FindError(f"Expected a positive decimal integer argument to "
                                        f"{tok}, but got `{v}'")
                    if tok == "-maxdepth":
                        st.maxdepth = int(v)
                    else:
                        st.mindepth = int(v)
            if tok in ("-depth", "-d"):
                st.depth_first = True
            return lambda e: True
        if tok in ("-name", "-iname"):
            pattern = self.value(tok)
            fold = tok == "-iname"
            return lambda e: glob_match(pattern.lower() if fold else pattern,
                                        (_base(e).lower() if fold else _base(e)))
        if tok in ("-path", "-wholename", "-ipath", "-iwholename"):
            pattern = self.value(tok)
            fold = tok.startswith("-i")
            return lambda e: glob_match(pattern.lower() if fold else pattern,
                                        e.shown.lower() if fold else e.shown)
        if tok in ("-regex", "-iregex"):
            rx = re.compile(self.value(tok), re.I if tok == "-iregex" else 0)
            return lambda e: rx.fullmatch(e.shown) is not None
        if tok in ("-type", "-xtype"):
            kinds = self.value(tok).split(",")
            names = {"f": "file", "d": "dir", "l": "symlink"}
            for k in kinds:
                if k not in "fdlbcpsD" or not k:
                    raise FindError(f"Unknown argument to {tok}: {k}")
            wanted = {names.get(k, k) for k in kinds}
            if tok == "-xtype":
                return lambda e: _target_type(proc, e) in wanted
            return lambda e: e.node.type in wanted
        if tok == "-perm":
            return _perm(self.value(tok))
        if tok in ("-user", "-uid"):
            who = self.value(tok)
            found = lookup_user(proc, who)
            if found is None:
                raise FindError(f"'{who}' is not the name of a known user")
            return lambda e: e.node.uid == found[0]
        if tok in ("-group", "-gid"):
            grp = self.value(tok)
            gid = lookup_group_id(proc, grp)
            if gid is None:
                raise FindError(f"'{grp}' is not the name of an existing group")
            return lambda e: e.node.gid == gid
        if tok == "-nouser":
            return lambda e: user_name(proc, e.node.uid) == str(e.node.uid)
        if tok == "-nogroup":
            return lambda e: group_name(proc, e.node.gid) == str(e.node.gid)
        if tok == "-size":
            return _size(self.value(tok))
        if tok == "-empty":
            return lambda e: (e.node.type == "file" and e.node.size == 0) or (
                e.node.type == "dir" and not proc.fs.listdir(e.path))
        if tok in ("-executable", "-readable", "-writable"):
            bits = {"-executable": EXECUTE, "-readable": READ, "-writable": WRITE}[tok]
            # access(X_OK) holds for root only when some execute bit is set (or a directory).
            return lambda e: allowed(proc, e.node, bits) and not (
                bits == EXECUTE and e.node.type == "file" and not e.node.mode & 0o111)
        if tok in ("-newer", "-anewer", "-cnewer"):
            ref = self.value(tok)
            try:
                _, node = proc.fs.lookup(ref, proc.cwd)
            except FsError as exc:
                raise FindError(f"'{ref}': {exc.strerror}") from exc
            return lambda e: e.node.mtime > node.mtime
        if tok in ("-mtime", "-atime", "-ctime", "-mmin", "-amin", "-cmin"):
            unit = 60 if tok.endswith("min") else 86400
            return _age(self.value(tok), unit, now_of(proc))
        if tok == "-links":
            v = self.value(tok)
            if not re.fullmatch(r"[+-]?\d+", v):
                raise FindError(f"invalid argument `{v}' to `-links'")
            return lambda e: _compare_num(v, 2 if e.node.type == "dir" else 1)
        if tok in ("-true", "-false"):
            return lambda e: tok == "-true"
        if tok == "-lname":
            pattern = self.value(tok)
            return lambda e: e.node.type == "symlink" and glob_match(pattern, e.node.target or "")
        if tok in ("-print", "-print0", "-fprint"):
            st.has_action = True
            end = "\0" if tok == "-print0" else "\n"

            def show(e: Entry) -> bool:
                proc.out(e.shown + end)
                return True

            return show
        if tok == "-printf":
            st.has_action = True
            fmt = self.value(tok)

            def printf(e: Entry) -> bool:
                proc.out(_printf(proc, fmt, e))
                return True

            return printf
        if tok == "-ls":
            st.has_action = True

            def listing(e: Entry) -> bool:
                proc.out(f"{e.shown}\n")
                return True

            return listing
        if tok == "-delete":
            st.has_action = True
            st.depth_first = True

            def delete(e: Entry) -> bool:
                if e.depth == 0 and e.shown in (".", "./"):
                    return True
                try:
                    proc.fs.remove(e.path)
                except FsError as exc:
                    proc.err(f"find: cannot delete '{e.shown}': {exc.strerror}\n")
                    st.status = 1
                    return False
                return True

            return delete
        if tok == "-prune":
            def prune(e: Entry) -> bool:
                st.pruned = True
                return True

            return prune
        if tok == "-quit":
            def stop(e: Entry) -> bool:
                st.quit = True
                return True

            return stop
        if tok in ("-exec", "-execdir", "-ok", "-okdir"):
            st.has_action = True
            argv: list[str] = []
            while self.peek() is not None and self.peek() not in (";", "+"):
                argv.append(self.take())
            if self.peek() is None or not argv:
                raise FindError(f"missing argument to `{tok}'")
            end = self.take()
            batch = end == "+" and argv[-1] == "{}"
            if end == "+" and not batch:
                raise FindError(f"missing argument to `{tok}'")
            job = Exec(argv[:-1] if batch else argv, batch, tok.endswith("dir"))
            st.execs.append(job)
            return _exec(proc, job, st)
        known = tools_of(proc) == "busybox"
        raise FindError(f"unrecognized: {tok}" if known else f"unknown predicate `{tok}'")


def _base(e: Entry) -> str:
    if e.depth == 0:
        return posixpath.basename(e.shown.rstrip("/")) or e.shown
    return posixpath.basename(e.path) or "/"


def _target_type(proc: Process, e: Entry) -> str:
    if e.node.type != "symlink":
        return e.node.type
    try:
        _, node = proc.fs.lookup(e.path)
    except FsError:
        return "symlink"
    return node.type


def _and(a: Test, b: Test) -> Test:
    return lambda e: a(e) and b(e)


def _or(a: Test, b: Test) -> Test:
    return lambda e: a(e) or b(e)


def _comma(a: Test, b: Test) -> Test:
    def both(e: Entry) -> bool:
        a(e)
        return b(e)

    return both


def _compare_num(spec: str, value: int) -> bool:
    if spec.startswith("+"):
        return value > int(spec[1:])
    if spec.startswith("-"):
        return value < int(spec[1:])
    return value == int(spec)


def _perm(spec: str) -> Test:
    from tutor.engine.sh.fileutils import _parse_mode

    kind = spec[0] if spec[:1] in "-/" else ""
    raw = spec[1:] if kind else spec
    mode = _parse_mode(raw, 0, umask=0)
    if mode is None:
        raise FindError(f"invalid mode `{spec}'")
    if kind == "-":
        return lambda e: e.node.mode & mode == mode
    if kind == "/":
        return lambda e: mode == 0 or bool(e.node.mode & mode)
    return lambda e: e.node.mode & 0o7777 == mode


def _size(spec: str) -> Test:
    m = re.fullmatch(r"([+-]?)(\d+)([bckwMG]?)", spec)
    if m is None:
        raise FindError(f"invalid -size type `{spec[-1:]}'")
    sign, number, unit = m.group(1), int(m.group(2)), m.group(3) or "b"
    scale = {"b": 512, "c": 1, "k": 1024, "w": 2, "M": 1 << 20, "G": 1 << 30}[unit]

    def test(e: Entry) -> bool:
        size = -(-e.node.size // scale)  # rounded up, as find does
        return size > number if sign == "+" else size < number if sign == "-" else (
            size == number)

    return test


def _age(spec: str, unit: int, now: int) -> Test:
    if not re.fullmatch(r"[+-]?\d+", spec):
        raise FindError(f"invalid argument `{spec}' to `-mtime'")

    def test(e: Entry) -> bool:
        age = (now - e.node.mtime) // unit
        return _compare_num(spec, age)

    return test


def _printf(proc: Process, fmt: str, e: Entry) -> str:
    out: list[str] = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "\\" and i + 1 < len(fmt):
            out.append({"n": "\n", "t": "\t", "0": "\0", "\\": "\\"}.get(fmt[i + 1],
                                                                      fmt[i:i + 2]))
            i += 2
        elif c == "%" and i + 1 < len(fmt):
            d = fmt[i + 1]
            rel = e.shown[len(e.root):].lstrip("/")
            out.append({
                "p": e.shown, "f": _base(e), "h": posixpath.dirname(e.shown) or ".",
                "P": rel, "s": str(e.node.size), "m": f"{e.node.mode & 0o7777:o}",
                "u": user_name(proc, e.node.uid), "g": group_name(proc, e.node.gid),
                "U": str(e.node.uid), "G": str(e.node.gid), "d": str(e.depth),
                "y": {"file": "f", "dir": "d", "symlink": "l"}[e.node.type],
                "l": e.node.target or "", "%": "%", "T": "", "t": "",
            }.get(d, "%" + d))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _exec(proc: Process, job: Exec, st: State) -> Test:
    def run(e: Entry) -> bool:
        target = e.shown
        child = proc
        if job.in_dir:
            target = "./" + _base(e)
            from dataclasses import replace

            child = replace(proc, cwd=posixpath.dirname(e.path) or "/")
        if job.batch:
            job.pending.append(target)
            if len(job.pending) >= 5000:
                _flush(proc, job, st)
            return True
        argv = [a.replace("{}", target) for a in job.argv]
        status = run_child(child, argv)
        if child is not proc:
            proc.seconds = max(proc.seconds, child.seconds)
        if status in (126, 127) and not _exists(proc, argv[0]):
            proc.err(f"find: '{argv[0]}': No such file or directory\n")
            st.status = 1
        return status == 0

    return run


def _exists(proc: Process, name: str) -> bool:
    dirs = [""] if "/" in name else proc.env.get("PATH", "/usr/bin:/bin").split(":")
    for d in dirs:
        with contextlib.suppress(FsError):
            proc.fs.lookup(posixpath.join(d or proc.cwd, name), proc.cwd)
            return True
    return False


def _flush(proc: Process, job: Exec, st: State) -> None:
    if not job.pending:
        return
    argv = [*job.argv, *job.pending]
    job.pending = []
    status = run_child(proc, argv)
    if status:
        if status in (126, 127) and not _exists(proc, argv[0]):
            proc.err(f"find: '{argv[0]}': No such file or directory\n")
        st.status = 1


@program("find")
def find(proc: Process) -> int:
    args = list(proc.argv[1:])
    while args and args[0] in ("-L", "-H", "-P"):
        args.pop(0)
    roots: list[str] = []
    while args and not (args[0].startswith("-") and len(args[0]) > 1) and args[0] not in (
            "!", "(", ")", ","):
        roots.append(args.pop(0))
    state = State()
    try:
        expr = Parser(proc, args, state).parse()
    except (FindError, re.error) as exc:
        proc.err(f"find: {exc}\n")
        return 1
    if not state.has_action:
        inner = expr

        def expr(e: Entry) -> bool:
            if inner(e):
                proc.out(e.shown + "\n")
            return True

    status = 0
    for root in roots or ["."]:
        try:
            real, node = proc.fs.lookup(root, proc.cwd, follow=True)
            real_nofollow = proc.fs.resolve(root, proc.cwd, follow=False)
            if node.type != "dir":
                real = real_nofollow
                node = proc.fs.nodes[real]
        except FsError as e:
            proc.err(f"find: '{root}': {e.strerror}\n")
            status = 1
            continue
        _visit(proc, Entry(real, root, node, 0, root), expr, state)
        if state.quit:
            break
    for job in state.execs:
        _flush(proc, job, state)
    return status or state.status


def _visit(proc: Process, top: Entry, expr: Test, st: State) -> None:
    """Walk from `top` as find does (pre-order, or post-order with `-depth`), with an explicit
    stack: a tree may nest deeper than Python recursion goes."""
    stack: list[tuple[Entry, bool]] = [(top, False)]
    while stack and not st.quit:
        entry, settled = stack.pop()
        if settled:  # `-depth`: a directory's own test comes after its contents'
            if entry.depth >= st.mindepth and proc.fs.get(entry.path) is not None:
                expr(entry)
            continue
        # An entry removed by an earlier action (`-exec rm -rf {} ;`) is skipped, as find
        # reports nothing for entries that vanished.
        if entry is not top and proc.fs.get(entry.path) is None:
            continue
        children = _children(proc, entry, st)
        if st.depth_first:
            stack.append((entry, True))
        else:
            st.pruned = False
            if entry.depth >= st.mindepth:
                expr(entry)
            if st.pruned or st.quit:
                st.pruned = False
                continue
        stack.extend((child, False) for child in reversed(children))


def _children(proc: Process, entry: Entry, st: State) -> list[Entry]:
    children: list[Entry] = []
    if entry.node.type == "dir" and (st.maxdepth is None or entry.depth < st.maxdepth):
        try:
            names = sorted(proc.fs.listdir(entry.path))
        except FsError:
            names = []
        for name in names:
            path = posixpath.join(entry.path, name)
            node = proc.fs.nodes.get(path)
            if node is None:
                continue
            shown = entry.shown + name if entry.shown.endswith("/") else f"{entry.shown}/{name}"
            children.append(Entry(path, shown, node, entry.depth + 1, entry.root))
    return children
