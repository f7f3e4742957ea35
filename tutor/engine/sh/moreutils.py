"""More of the small utilities Dockerfiles and entrypoint scripts call, GNU or busybox worded.

rmdir, realpath, base64, getent, timeout, expr, tac, rev, yes, sync, arch, groups, unlink,
link, truncate, nohup, nice, setsid, stdbuf, paste, nl, comm, cmp, diff, envsubst, tty,
logname, nologin, update-alternatives, run-parts and su. The tree has no processes beyond the
one command, so the process wrappers (`timeout`, `nohup`, `nice`, `setsid`, `stdbuf`) simply
run their command.
"""

from __future__ import annotations

import base64 as b64
import binascii
import difflib
import posixpath
import re
import time
from dataclasses import replace

from tutor.engine.fs import FsError, Node, normalize
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    complain,
    need_memory,
    now_of,
    read_bytes,
    run_child,
    spend_step,
    split_flags,
    tools_of,
    usage_error,
    write_bytes,
)
from tutor.engine.sh.users import _table, group_name, groups_of, lookup_user


def _read(proc: Process, name: str) -> bytes | None:
    try:
        return read_bytes(proc, name)
    except FsError as e:
        complain(proc, f"can't open '{name}': {e.strerror}", f"{name}: {e.strerror}")
        return None


@program("rmdir")
def rmdir(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    if not names:
        return usage_error(proc, "missing operand", "missing operand")
    status = 0
    for name in names:
        targets = [name]
        if "p" in flags or "--parents" in flags:
            path = name.rstrip("/")
            while "/" in path.strip("/"):
                path = posixpath.dirname(path)
                targets.append(path)
        for target in targets:
            try:
                real = proc.fs.resolve(target, proc.cwd, follow=False)
                node = proc.fs.get(real)
                if node is None:
                    raise FsError("ENOENT", target)
                if node.type != "dir":
                    raise FsError("ENOTDIR", target)
                if proc.fs.listdir(real):
                    raise FsError("ENOTEMPTY", target)
                proc.fs.remove(real)
            except FsError as e:
                reason = "Directory not empty" if e.code == "ENOTEMPTY" else e.strerror
                complain(proc, f"'{target}': {reason}",
                         f"failed to remove '{target}': {reason}")
                status = 1
                break
    return status


@program("realpath")
def realpath(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    if not names:
        return usage_error(proc, "missing operand", "missing operand")
    status = 0
    missing_ok = "m" in flags or "--canonicalize-missing" in flags
    for name in names:
        try:
            real = proc.fs.resolve(name, proc.cwd)
            if proc.fs.get(real) is None and not missing_ok and ("e" in flags or tools_of(
                    proc) == "busybox" or proc.fs.get(posixpath.dirname(real) or "/") is None):
                raise FsError("ENOENT", name)
        except FsError as e:
            if missing_ok:
                proc.out(normalize(name, proc.cwd) + "\n")
                continue
            complain(proc, f"{name}: {e.strerror}", f"{name}: {e.strerror}")
            status = 1
            continue
        proc.out(real + "\n")
    return status


@program("base64", "base32")
def base64(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="w")
    thirty_two = proc.argv[0].endswith("base32")
    data = _read(proc, names[0] if names else "-")
    if data is None:
        return 1
    if "d" in flags or "--decode" in flags:
        text = b"".join(data.split())
        try:
            out = b64.b32decode(text) if thirty_two else b64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            proc.err(f"{proc.argv[0].rsplit('/', 1)[-1]}: invalid input\n")
            return 1
        proc.stdout += out
        return 0
    encoded = (b64.b32encode(data) if thirty_two else b64.b64encode(data)).decode()
    width = int(values.get("w", values.get("--wrap", "76")) or 76)
    if width <= 0:
        proc.out(encoded + ("\n" if encoded else ""))
        return 0
    proc.out("".join(encoded[i:i + width] + "\n" for i in range(0, len(encoded), width)))
    return 0


@program("getent")
def getent(proc: Process) -> int:
    args = proc.argv[1:]
    if not args:
        proc.err("Usage: getent [OPTION...] database [key ...]\n")
        return 1
    database, keys = args[0], args[1:]
    files = {"passwd": "/etc/passwd", "group": "/etc/group", "shadow": "/etc/shadow",
             "gshadow": "/etc/gshadow", "services": "/etc/services", "protocols":
             "/etc/protocols"}
    if database in ("hosts", "ahosts", "ahostsv4"):
        rows = [line.split() for line in _text(proc, "/etc/hosts").splitlines()
                if line.strip() and not line.startswith("#")]
        if not keys:
            proc.out("".join(" ".join(r) + "\n" for r in rows))
            return 0
        status = 0
        for key in keys:
            hit = next((r for r in rows if key in r[1:] or key == r[0]), None)
            if hit is None:
                status = 2
                continue
            proc.out(f"{hit[0]:<15} {' '.join(hit[1:])}\n")
        return status
    path = files.get(database)
    if path is None:
        proc.err(f"Unknown database: {database}\nTry `getent --help' or `getent --usage' for "
                 "more information.\n")
        return 1
    rows = _table(proc, path)
    if not keys:
        proc.out("".join(":".join(r) + "\n" for r in rows))
        return 0
    status = 0
    for key in keys:
        numeric = database in ("passwd", "group") and key.isdigit()
        hit = next((r for r in rows if (r[2] == key if numeric and len(r) > 2 else r[0] == key)),
                   None)
        if hit is None:
            status = 2
            continue
        proc.out(":".join(hit) + "\n")
    return status


def _text(proc: Process, path: str) -> str:
    try:
        return read_bytes(proc, path).decode(errors="replace")
    except FsError:
        return ""


def _run_rest(proc: Process, argv: list[str], name: str) -> int:
    if not argv:
        return usage_error(proc, "missing operand", "missing operand", 125)
    status = run_child(proc, argv)
    if status == 127:
        proc.err(f"{name}: failed to run command '{argv[0]}': No such file or directory\n")
    return status


@program("timeout")
def timeout(proc: Process) -> int:
    args = proc.argv[1:]
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-s", "-k", "--signal", "--kill-after") and args:
            args.pop(0)
    if not args:
        return usage_error(proc, "missing operand", "missing operand", 125)
    if not re.fullmatch(r"\d+(\.\d+)?[smhd]?", args[0]):
        return usage_error(proc, f"invalid time interval '{args[0]}'",
                           f"invalid time interval '{args[0]}'", 125)
    return _run_rest(proc, args[1:], "timeout")


@program("nohup", "nice", "setsid", "stdbuf", "chrt", "ionice", "taskset")
def wrapper(proc: Process) -> int:
    me = proc.argv[0].rsplit("/", 1)[-1]
    args = proc.argv[1:]
    with_value = {"nice": ("-n", "--adjustment"), "stdbuf": ("-i", "-o", "-e"),
                  "ionice": ("-c", "-n", "-t"), "chrt": (), "taskset": ()}.get(me, ())
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in with_value and args:
            args.pop(0)
    if me == "taskset" and args:
        args.pop(0)  # the CPU mask
    if me == "chrt" and args and args[0].isdigit():
        args.pop(0)
    if me == "nohup" and not args:
        return usage_error(proc, "missing operand", "missing operand", 125)
    if me == "nice" and not args:
        proc.out("0\n")
        return 0
    if me == "nohup":
        proc.err("nohup: ignoring input\n")
    return _run_rest(proc, args, me)


@program("expr")
def expr(proc: Process) -> int:
    args = proc.argv[1:]
    try:
        value, rest = _expr_or(args)
        if rest:
            raise ValueError(f"syntax error: unexpected argument '{rest[0]}'")
    except ValueError as e:
        proc.err(f"expr: {e}\n")
        return 2
    except ZeroDivisionError:
        proc.err("expr: division by zero\n")
        return 2
    proc.out(f"{value}\n")
    return 1 if value in ("", "0") else 0


def _expr_or(a: list[str]) -> tuple[str, list[str]]:
    left, a = _expr_and(a)
    while a and a[0] == "|":
        right, a = _expr_and(a[1:])
        left = left if left not in ("", "0") else (right if right not in ("", "0") else "0")
    return left, a


def _expr_and(a: list[str]) -> tuple[str, list[str]]:
    left, a = _expr_cmp(a)
    while a and a[0] == "&":
        right, a = _expr_cmp(a[1:])
        left = left if left not in ("", "0") and right not in ("", "0") else "0"
    return left, a


def _num(v: str) -> int | None:
    return int(v) if re.fullmatch(r"-?\d+", v) else None


def _expr_cmp(a: list[str]) -> tuple[str, list[str]]:
    left, a = _expr_add(a)
    while a and a[0] in ("<", "<=", "=", "==", "!=", ">=", ">"):
        op = a[0]
        right, a = _expr_add(a[1:])
        x, y = _num(left), _num(right)
        if x is not None and y is not None:
            result = _relation(op, x, y)
        else:
            result = _relation(op, left, right)
        left = "1" if result else "0"
    return left, a


def _relation(op: str, p: int | str, q: int | str) -> bool:
    if isinstance(p, int) and isinstance(q, int):
        return {"<": p < q, "<=": p <= q, "=": p == q, "==": p == q, "!=": p != q,
                ">=": p >= q, ">": p > q}[op]
    a, b = str(p), str(q)
    return {"<": a < b, "<=": a <= b, "=": a == b, "==": a == b, "!=": a != b,
            ">=": a >= b, ">": a > b}[op]


def _expr_add(a: list[str]) -> tuple[str, list[str]]:
    left, a = _expr_mul(a)
    while a and a[0] in ("+", "-"):
        op = a[0]
        right, a = _expr_mul(a[1:])
        x, y = _num(left), _num(right)
        if x is None or y is None:
            raise ValueError("non-integer argument")
        left = str(x + y if op == "+" else x - y)
    return left, a


def _expr_mul(a: list[str]) -> tuple[str, list[str]]:
    left, a = _expr_match(a)
    while a and a[0] in ("*", "/", "%"):
        op = a[0]
        right, a = _expr_match(a[1:])
        x, y = _num(left), _num(right)
        if x is None or y is None:
            raise ValueError("non-integer argument")
        if op == "*":
            left = str(x * y)
        else:
            if y == 0:
                raise ZeroDivisionError
            q = abs(x) // abs(y) * (1 if (x >= 0) == (y >= 0) else -1)
            left = str(q if op == "/" else x - q * y)
    return left, a


def _expr_match(a: list[str]) -> tuple[str, list[str]]:
    left, a = _expr_atom(a)
    while a and a[0] == ":":
        pattern, a = _expr_atom(a[1:])
        from tutor.engine.sh.textutils import _bre_to_python

        m = re.match(_bre_to_python(pattern, False), left)
        if m is None:
            left = "" if re.compile(_bre_to_python(pattern, False)).groups else "0"
        else:
            left = m.group(1) if m.re.groups else str(m.end())
    return left, a


def _expr_atom(a: list[str]) -> tuple[str, list[str]]:
    if not a:
        raise ValueError("syntax error: missing argument after")
    tok = a[0]
    if tok == "(":
        value, rest = _expr_or(a[1:])
        if not rest or rest[0] != ")":
            raise ValueError("syntax error: expecting ')'")
        return value, rest[1:]
    if tok == "length" and len(a) > 1:
        return str(len(a[1])), a[2:]
    if tok == "substr" and len(a) > 3:
        s, pos, n = a[1], _num(a[2]) or 0, _num(a[3]) or 0
        return (s[pos - 1:pos - 1 + n] if pos > 0 and n > 0 else ""), a[4:]
    if tok == "index" and len(a) > 2:
        found = [i + 1 for i, c in enumerate(a[1]) if c in a[2]]
        return str(found[0] if found else 0), a[3:]
    if tok == "match" and len(a) > 2:
        return _expr_match([a[1], ":", a[2]] + a[3:])
    return tok, a[1:]


@program("tac")
def tac(proc: Process) -> int:
    _, _, names = split_flags(proc.argv[1:])
    status = 0
    for name in names or ["-"]:
        data = _read(proc, name)
        if data is None:
            status = 1
            continue
        lines = data.splitlines(keepends=True)
        if lines and not lines[-1].endswith(b"\n"):
            lines[-1] += b""
        proc.stdout += b"".join(reversed(lines))
    return status


@program("rev")
def rev(proc: Process) -> int:
    _, _, names = split_flags(proc.argv[1:])
    for name in names or ["-"]:
        data = _read(proc, name)
        if data is None:
            return 1
        for line in data.decode(errors="replace").splitlines(keepends=True):
            end = "\n" if line.endswith("\n") else ""
            proc.out(line.rstrip("\n")[::-1] + end)
    return 0


@program("yes")
def yes(proc: Process) -> int:
    # Endless, as the real one: its reader's exit stops it (SIGPIPE), or the run's step budget.
    line = ((" ".join(proc.argv[1:]) or "y") + "\n").encode()
    need_memory(proc, len(line))
    chunk = line * max(1, YES_CHUNK // len(line))
    while True:
        spend_step(proc)
        proc.stdout += chunk


YES_CHUNK = 8192


@program("sync", "fsync")
def sync(proc: Process) -> int:
    return 0


@program("arch")
def arch(proc: Process) -> int:
    proc.out("x86_64\n")
    return 0


@program("groups")
def groups(proc: Process) -> int:
    names = proc.argv[1:]
    if not names:
        from tutor.engine.sh.users import user_name

        names_ids: list[tuple[str | None, list[int]]] = [
            (None, groups_of(proc, user_name(proc, proc.uid), proc.gid))]
    else:
        names_ids = []
        for name in names:
            found = lookup_user(proc, name)
            if found is None:
                proc.err(f"groups: '{name}': no such user\n")
                return 1
            names_ids.append((name, groups_of(proc, name, found[1])))
    for shown, ids in names_ids:
        text = " ".join(group_name(proc, g) for g in ids)
        proc.out(f"{shown} : {text}\n" if shown else f"{text}\n")
    return 0


@program("unlink")
def unlink(proc: Process) -> int:
    args = proc.argv[1:]
    if len(args) != 1:
        return usage_error(proc, "missing operand" if not args else "extra operand",
                           "missing operand" if not args else f"extra operand '{args[1]}'")
    try:
        real = proc.fs.resolve(args[0], proc.cwd, follow=False)
        node = proc.fs.get(real)
        if node is None:
            raise FsError("ENOENT", args[0])
        if node.type == "dir":
            raise FsError("EISDIR", args[0])
        proc.fs.remove(real)
    except FsError as e:
        return complain(proc, f"{args[0]}: {e.strerror}",
                        f"cannot unlink '{args[0]}': {e.strerror}")
    return 0


@program("link")
def link(proc: Process) -> int:
    args = proc.argv[1:]
    if len(args) != 2:
        return usage_error(proc, "missing operand", "missing operand")
    try:
        _, node = proc.fs.lookup(args[0], proc.cwd)
        target = proc.fs.resolve(args[1], proc.cwd)
        if proc.fs.get(target) is not None:
            raise FsError("EEXIST", args[1])
        proc.fs.put(target, node)
    except FsError as e:
        return complain(proc, f"{e.strerror}", f"cannot create link '{args[1]}' to "
                        f"'{args[0]}': {e.strerror}")
    return 0


@program("truncate")
def truncate(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="s")
    spec = values.get("s") or values.get("--size")
    if spec is None or not names:
        return usage_error(proc, "you must specify either '--size' or '--reference'",
                           "you must specify either '--size' or '--reference'")
    m = re.fullmatch(r"([+-]?)(\d+)([KMG]?)", spec)
    if m is None:
        return complain(proc, f"invalid number '{spec}'", f"Invalid number: '{spec}'")
    amount = int(m.group(2)) * {"": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30}[m.group(3)]
    for name in names:
        try:
            data = read_bytes(proc, name)
        except FsError:
            if "c" in flags:
                continue
            data = b""
        size = len(data) + amount if m.group(1) == "+" else max(
            0, len(data) - amount) if m.group(1) == "-" else amount
        write_bytes(proc, name, data[:size] + b"\0" * max(0, size - len(data)))
    return 0


@program("paste")
def paste(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="d")
    delims = values.get("d", "\t").replace("\\n", "\n").replace("\\t", "\t") or "\t"
    columns = []
    for name in names or ["-"]:
        data = _read(proc, name)
        if data is None:
            return 1
        columns.append(data.decode(errors="replace").splitlines())
    if "s" in flags:
        for col in columns:
            out = ""
            for i, cell in enumerate(col):
                out += (delims[(i - 1) % len(delims)] if i else "") + cell
            proc.out(out + "\n")
        return 0
    for row in range(max((len(c) for c in columns), default=0)):
        cells = [c[row] if row < len(c) else "" for c in columns]
        out = cells[0]
        for i, cell in enumerate(cells[1:]):
            out += delims[i % len(delims)] + cell
        proc.out(out + "\n")
    return 0


@program("nl")
def nl(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="bwsv")
    style = values.get("b", "t")
    sep = values.get("s", "\t")
    for key in ("w", "v"):
        if not re.fullmatch(r"-?\d+", values.get(key, "1")):
            what = "line number field width" if key == "w" else "starting line number"
            return usage_error(proc, f"invalid number '{values[key]}'",
                               f"invalid {what}: '{values[key]}'")
    width = int(values.get("w", "6"))
    number = int(values.get("v", "1"))
    for name in names or ["-"]:
        data = _read(proc, name)
        if data is None:
            return 1
        for line in data.decode(errors="replace").splitlines():
            if style == "a" or (style == "t" and line.strip()):
                proc.out(f"{number:>{width}}{sep}{line}\n")
                number += 1
            else:
                proc.out(f"{'':>{width}}{'' if not line else sep}{line}\n" if line
                         else "\n" if tools_of(proc) == "gnu" else f"{'':>{width}} \n")
    return 0


@program("comm")
def comm(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    if len(names) != 2:
        return usage_error(proc, "missing operand", "missing operand")
    files = [_read(proc, n) for n in names]
    if files[0] is None or files[1] is None:
        return 1
    a = files[0].decode(errors="replace").splitlines()
    b = files[1].decode(errors="replace").splitlines()
    i = j = 0
    hide = {c for c in "123" if c in flags}

    def emit(col: str, text: str) -> None:
        if col in hide:
            return
        indent = sum(1 for c in "123" if c < col and c not in hide)
        proc.out("\t" * indent + text + "\n")

    while i < len(a) or j < len(b):
        if j >= len(b) or (i < len(a) and a[i] < b[j]):
            emit("1", a[i])
            i += 1
        elif i >= len(a) or b[j] < a[i]:
            emit("2", b[j])
            j += 1
        else:
            emit("3", a[i])
            i += 1
            j += 1
    return 0


@program("cmp")
def cmp(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    if len(names) < 2:
        return usage_error(proc, "missing operand", f"missing operand after '{names[0]}'"
                           if names else "missing operand", 2)
    try:
        a, b = read_bytes(proc, names[0]), read_bytes(proc, names[1])
    except FsError as e:
        proc.err(f"cmp: {e.path}: {e.strerror}\n")
        return 2
    if a == b:
        return 0
    if "s" in flags or "--quiet" in flags or "--silent" in flags:
        return 1
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            line = a[:i].count(b"\n") + 1
            unit = "char" if tools_of(proc) == "busybox" else "byte"
            proc.out(f"{names[0]} {names[1]} differ: {unit} {i + 1}, line {line}\n")
            return 1
    shorter = names[0] if len(a) < len(b) else names[1]
    lines = min(a, b, key=len).count(b"\n")
    proc.err(f"cmp: EOF on {shorter} after byte {min(len(a), len(b))}, line {lines}\n"
             if tools_of(proc) == "gnu" else f"cmp: EOF on {shorter}\n")
    return 1


@program("diff")
def diff(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:], with_value="U")
    if len(names) != 2:
        proc.err("diff: missing operand after '" + (names[0] if names else "diff") +
                 "'\ndiff: Try 'diff --help' for more information.\n")
        return 2
    try:
        a = read_bytes(proc, names[0]).decode(errors="replace").splitlines(keepends=True)
        b = read_bytes(proc, names[1]).decode(errors="replace").splitlines(keepends=True)
    except FsError as e:
        proc.err(f"diff: {e.path}: {e.strerror}\n")
        return 2
    if a == b:
        return 0
    if "q" in flags or "--brief" in flags:
        proc.out(f"Files {names[0]} and {names[1]} differ\n")
        return 1
    if "u" in flags or "U" in flags or tools_of(proc) == "busybox":
        stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000000 +0000", time.gmtime(now_of(proc)))
        lines = list(difflib.unified_diff(a, b, names[0], names[1], stamp, stamp,
                                          n=int(_flag_value(proc.argv, "U") or 3)))
        proc.out("".join(line if line.endswith("\n") else line + "\n\\ No newline at end of "
                         "file\n" for line in lines))
        return 1
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue

        def span(lo: int, hi: int) -> str:
            return f"{lo + 1},{hi}" if hi - lo > 1 else str(hi if hi > lo else lo)

        letter = {"replace": "c", "delete": "d", "insert": "a"}[tag]
        proc.out(f"{span(i1, i2)}{letter}{span(j1, j2)}\n")
        for line in a[i1:i2]:
            proc.out("< " + line + ("" if line.endswith("\n") else "\n"))
        if tag == "replace":
            proc.out("---\n")
        for line in b[j1:j2]:
            proc.out("> " + line + ("" if line.endswith("\n") else "\n"))
    return 1


def _flag_value(argv: list[str], letter: str) -> str | None:
    for i, a in enumerate(argv):
        if a == f"-{letter}" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(f"-{letter}") and len(a) > 2:
            return a[2:]
    return None


@program("envsubst")
def envsubst(proc: Process) -> int:
    """gettext's envsubst: $VAR and ${VAR} from the environment (unset ones become empty);
    with a SHELL-FORMAT argument only the variables it names are replaced."""
    args = [a for a in proc.argv[1:] if not a.startswith("-")]
    if "--variables" in proc.argv[1:] or "-v" in proc.argv[1:]:
        for name in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", " ".join(args)):
            proc.out(name + "\n")
        return 0
    only = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", args[0])) if args else None
    text = proc.stdin.decode(errors="replace")

    def value(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if only is not None and name not in only:
            return m.group(0)
        return proc.env.get(name, "")

    proc.out(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value, text))
    return 0


@program("tty")
def tty(proc: Process) -> int:
    if "-s" not in proc.argv[1:]:
        proc.out("not a tty\n")
    return 1


@program("logname")
def logname(proc: Process) -> int:
    proc.err("logname: no login name\n")
    return 1


@program("nologin")
def nologin(proc: Process) -> int:
    proc.out("This account is currently not available.\n")
    return 1


@program("hostid")
def hostid(proc: Process) -> int:
    proc.out("007f0101\n")
    return 0


@program("update-alternatives")
def update_alternatives(proc: Process) -> int:
    """The alternatives system: /etc/alternatives/<name> links to the chosen path and the
    generic link (`/usr/bin/<name>`) to it."""
    args = proc.argv[1:]
    rest = [a for a in args if a not in ("--quiet", "--force", "--verbose")]
    if not rest:
        proc.err("update-alternatives: error: need --display, --query, --list, --get-selections, "
                 "--config, --set, --set-selections, --install, --remove, --all, --remove-all "
                 "or --auto\n")
        return 2
    action = rest[0]
    if action == "--install" and len(rest) >= 5:
        link_path, name, path = rest[1], rest[2], rest[3]
        return _alternative(proc, link_path, name, path)
    if action == "--set" and len(rest) >= 3:
        name, path = rest[1], rest[2]
        admin = _text(proc, f"/var/lib/dpkg/alternatives/{name}").splitlines()
        link_path = admin[1] if len(admin) > 1 else f"/usr/bin/{name}"
        return _alternative(proc, link_path, name, path, announce=True)
    if action in ("--query", "--display", "--list") and len(rest) >= 2:
        name = rest[1]
        node = proc.fs.get(f"/etc/alternatives/{name}")
        if node is None or node.type != "symlink":
            proc.err(f"update-alternatives: error: no alternatives for {name}\n")
            return 2
        if action == "--list":
            proc.out(f"{node.target}\n")
        else:
            proc.out(f"{name} - auto mode\n  link currently points to {node.target}\n")
        return 0
    if action in ("--remove", "--remove-all", "--auto", "--get-selections", "--config",
                  "--all", "--set-selections"):
        return 0
    proc.err(f"update-alternatives: error: unknown argument '{action}'\n")
    return 2


def _alternative(proc: Process, link_path: str, name: str, path: str,
                 announce: bool = False) -> int:
    try:
        proc.fs.lookup(path, proc.cwd)
    except FsError:
        proc.err(f"update-alternatives: error: alternative path {path} doesn't exist\n")
        return 2
    proc.fs.makedirs("/etc/alternatives")
    current = proc.fs.get(f"/etc/alternatives/{name}")
    proc.fs.put(f"/etc/alternatives/{name}",
                Node("symlink", 0o777, 0, 0, now_of(proc), target=path))
    real_link = normalize(link_path, "/")
    proc.fs.makedirs(posixpath.dirname(real_link))
    existing = proc.fs.get(real_link)
    if existing is None or existing.type == "symlink":
        proc.fs.put(real_link, Node("symlink", 0o777, 0, 0, now_of(proc),
                                    target=f"/etc/alternatives/{name}"))
    proc.fs.makedirs("/var/lib/dpkg/alternatives")
    write_bytes(proc, f"/var/lib/dpkg/alternatives/{name}",
                f"auto\n{link_path}\n\n{path}\n".encode())
    if announce or current is None or current.target != path:
        mode = "manual" if announce else "auto"
        proc.out(f"update-alternatives: using {path} to provide {link_path} ({name}) in "
                 f"{mode} mode\n")
    return 0


@program("run-parts")
def run_parts(proc: Process) -> int:
    args = proc.argv[1:]
    test = "--test" in args
    folders = [a for a in args if not a.startswith("-")]
    if len(folders) != 1:
        proc.err("run-parts: missing operand\nUsage: run-parts [OPTION]... DIRECTORY\n")
        return 1
    folder = folders[0]
    try:
        names = sorted(proc.fs.listdir(proc.fs.resolve(folder, proc.cwd)))
    except FsError as e:
        proc.err(f"run-parts: failed to open directory {folder}: {e.strerror}\n")
        return 1
    status = 0
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            continue
        path = posixpath.join(folder, name)
        node = proc.fs.get(proc.fs.resolve(path, proc.cwd))
        if node is None or node.type != "file" or not node.mode & 0o111:
            continue
        if test:
            proc.out(path + "\n")
            continue
        code = run_child(proc, [path])
        if code:
            proc.err(f"run-parts: {path} exited with return code {code}\n")
            status = 1
    return status


@program("su")
def su(proc: Process) -> int:
    args = proc.argv[1:]
    command: str | None = None
    shell: str | None = None
    user = "root"
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-c", "--command") and i + 1 < len(args):
            command = args[i + 1]
            i += 1
        elif a in ("-s", "--shell") and i + 1 < len(args):
            shell = args[i + 1]
            i += 1
        elif a in ("-", "-l", "--login", "-m", "-p", "--preserve-environment"):
            pass
        elif not a.startswith("-"):
            user = a
        i += 1
    row = next((r for r in _table(proc, "/etc/passwd") if r[0] == user and len(r) >= 7), None)
    if row is None:
        proc.err(f"su: user {user} does not exist or the user entry does not contain all the "
                 "required fields\n" if tools_of(proc) == "gnu" else f"su: unknown user {user}\n")
        return 1
    if proc.uid != 0:
        proc.err("Password: su: Authentication failure\n")
        return 1
    login_shell = shell or row[6] or "/bin/sh"
    if login_shell.endswith(("nologin", "false")) and shell is None:
        proc.out("This account is currently not available.\n")
        return 1
    argv = [login_shell, "-c", command] if command is not None else [login_shell]
    env = dict(proc.env, HOME=row[5], USER=user, LOGNAME=user, SHELL=login_shell)
    child = replace(proc, uid=int(row[2]), gid=int(row[3]), env=env, argv=argv)
    status = run_child(child, argv)
    proc.seconds = max(proc.seconds, child.seconds)
    return status
