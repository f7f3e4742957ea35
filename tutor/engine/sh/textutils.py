"""Text filters: head, tail, wc, sort, uniq, tr, cut, grep, sed, tee, xargs."""

from __future__ import annotations

import re
import shlex

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    complain,
    read_bytes,
    run_child,
    split_flags,
    stdin_prefix,
    tools_of,
    usage_error,
    write_bytes,
)


def _inputs(
    proc: Process, names: list[str], bb_verb: str, gnu: str
) -> tuple[list[tuple[str, bytes]], int]:
    """(name, bytes) of each operand (stdin when none); errors worded per `bb_verb`/`gnu`, where
    `{}` stands for the file name."""
    out: list[tuple[str, bytes]] = []
    status = 0
    for name in names or ["-"]:
        try:
            out.append((name, read_bytes(proc, name)))
        except FsError as e:
            complain(
                proc, f"{bb_verb.format(name)}: {e.strerror}", f"{gnu.format(name)}: {e.strerror}"
            )
            status = 1
    return out, status


def _lines(data: bytes) -> list[bytes]:
    """The lines as the text tools read them: ended by a newline only (a lone `\r`, as in
    progress output, is part of its line; bytes.splitlines would end a line there)."""
    lines = data.split(b"\n")
    last = lines.pop()
    return [line + b"\n" for line in lines] + ([last] if last else [])


def _count_arg(args: list[str]) -> tuple[str, list[str]]:
    """`-n 5`, `-n5`, `-5`, `-n +2` → the count text and the remaining args."""
    count = "10"
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-n" and i + 1 < len(args):
            count = args[i + 1]
            i += 2
            continue
        if re.fullmatch(r"-n[+-]?\d+", a):
            count = a[2:]
        elif re.fullmatch(r"-\d+", a):
            count = a[1:]
        elif a not in ("-q", "-v"):
            rest.append(a)
        i += 1
    return count, rest


def _byte_count(args: list[str]) -> tuple[int | None, list[str]]:
    """`-c N` / `-cN`: a byte count instead of lines."""
    for i, a in enumerate(args):
        if a == "-c" and i + 1 < len(args) and args[i + 1].isdigit():
            return int(args[i + 1]), args[:i] + args[i + 2 :]
        if re.fullmatch(r"-c\d+", a):
            return int(a[2:]), args[:i] + args[i + 1 :]
    return None, args


@program("head")
def head(proc: Process) -> int:
    nbytes, args = _byte_count(proc.argv[1:])
    if nbytes is not None:
        if args in ([], ["-"]):
            proc.stdout += stdin_prefix(proc, size=nbytes)
            return 0
        inputs, status = _inputs(proc, args, "{}", "cannot open '{}' for reading")
        for _, data in inputs:
            proc.stdout += data[:nbytes]
        return status
    count, names = _count_arg(args)
    if not re.fullmatch(r"[-+]?\d+", count):
        return complain(proc, f"invalid number '{count}'", f"invalid number of lines: '{count}'")
    n = int(count)
    if names in ([], ["-"]) and n >= 0:
        proc.stdout += stdin_prefix(proc, lines=n)
        return 0
    inputs, status = _inputs(proc, names, "{}", "cannot open '{}' for reading")
    for i, (name, data) in enumerate(inputs):
        if len(inputs) > 1:
            proc.out(f"{'' if i == 0 else chr(10)}==> {name} <==\n")
        lines = _lines(data)
        proc.stdout += b"".join(lines[:n] if n >= 0 else lines[:n])
    return status


@program("tail")
def tail(proc: Process) -> int:
    nbytes, args = _byte_count(proc.argv[1:])
    if nbytes is not None:
        inputs, status = _inputs(proc, args, "can't open '{}'", "cannot open '{}' for reading")
        for _, data in inputs:
            proc.stdout += data[-nbytes:] if nbytes else b""
        return status
    count, names = _count_arg(args)
    if not re.fullmatch(r"[-+]?\d+", count):
        return complain(proc, f"invalid number '{count}'", f"invalid number of lines: '{count}'")
    inputs, status = _inputs(proc, names, "can't open '{}'", "cannot open '{}' for reading")
    for i, (name, data) in enumerate(inputs):
        if len(inputs) > 1:
            proc.out(f"{'' if i == 0 else chr(10)}==> {name} <==\n")
        lines = _lines(data)
        if count.startswith("+"):
            proc.stdout += b"".join(lines[max(0, int(count[1:]) - 1) :])
        else:
            n = int(count.lstrip("-") or 10)
            proc.stdout += b"".join(lines[-n:] if n else [])
    return status


@program("wc")
def wc(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    chosen = [f for f in "lwc" if f in flags] or (["l", "w", "c"])
    if "m" in flags:
        chosen = ["c"]
    inputs, status = _inputs(proc, names, "{}", "{}")
    rows = []
    for name, data in inputs:
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        rows.append(([counts[f] for f in chosen], name if names else ""))
    if len(rows) > 1:
        rows.append(([sum(r[0][i] for r in rows) for i in range(len(chosen))], "total"))
    from_stdin = not names or "-" in names
    if tools_of(proc) == "busybox":
        # busybox: "%9u" columns, except a single count read from stdin.
        width = 0 if from_stdin and len(chosen) == 1 else 9
    elif len(chosen) == 1 and len(inputs) == 1:
        width = 0
    else:
        # GNU sizes columns from the files' total size, or 7 when a pipe is involved.
        width = 7 if from_stdin else len(str(sum(len(d) for _, d in inputs)))
    for values, name in rows:
        proc.out(" ".join(f"{v:>{width}}" for v in values) + (f" {name}" if name else "") + "\n")
    return status


@program("sort")
def sort(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="tko")
    inputs, status = _inputs(proc, names, "can't open '{}'", "cannot read: {}")
    lines = [ln.rstrip(b"\n") for _, data in inputs for ln in _lines(data)]

    key_field = re.match(r"\d+", values.get("k", ""))
    index = int(key_field.group()) - 1 if key_field else 0

    def key(line: bytes) -> tuple[float, bytes]:
        field = line
        if "k" in values:
            sep = values.get("t")
            parts = line.split(sep.encode()) if sep else line.split()
            field = parts[index] if index < len(parts) else b""
        if "n" in flags:
            m = re.match(rb"\s*-?\d+(\.\d+)?", field)
            return (float(m.group()) if m else 0.0, line)
        return (0.0, field.lower() if "f" in flags else field)

    lines.sort(key=key, reverse="r" in flags)
    if "u" in flags:
        seen: list[bytes] = []
        for line in lines:
            if not seen or key(seen[-1]) != key(line):
                seen.append(line)
        lines = seen
    out = b"".join(ln + b"\n" for ln in lines)
    if "o" in values:
        write_bytes(proc, values["o"], out)
    else:
        proc.stdout += out
    return status


@program("uniq")
def uniq(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    inputs, status = _inputs(proc, names[:1], "can't open '{}'", "{}")
    groups: list[tuple[bytes, int]] = []
    for _, data in inputs:
        for line in _lines(data):
            line = line.rstrip(b"\n")
            if groups and groups[-1][0] == line:
                groups[-1] = (line, groups[-1][1] + 1)
            else:
                groups.append((line, 1))
    for line, n in groups:
        if ("d" in flags and n < 2) or ("u" in flags and n > 1):
            continue
        proc.stdout += (f"{n:>7} ".encode() if "c" in flags else b"") + line + b"\n"
    return status


def _tr_set(spec: str) -> str:
    classes = {
        "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
        "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:digit:]": "0123456789",
        "[:space:]": " \t\n\r\f\v",
        "[:blank:]": " \t",
        "[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:alnum:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    }
    for name, chars in classes.items():
        spec = spec.replace(name, chars)
    spec = spec.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace("\\\\", "\\")
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


@program("tr")
def tr(proc: Process) -> int:
    flags, _, sets = split_flags(proc.argv[1:])
    text = proc.stdin.decode("latin-1")
    if not sets:
        return usage_error(proc, "missing operand", "missing operand")
    first = _tr_set(sets[0])
    if "d" in flags:
        if "c" in flags:
            text = "".join(c for c in text if c in first)
        else:
            text = "".join(c for c in text if c not in first)
    elif len(sets) > 1:
        second = _tr_set(sets[1])
        if not second and first:
            return complain(
                proc,
                "set2 must be non-empty",
                "when not truncating set1, string2 must be non-empty",
            )
        second = second + second[-1:] * (len(first) - len(second))
        text = text.translate(str.maketrans(first, second[: len(first)]))
    if "s" in flags:
        squeeze = _tr_set(sets[-1])
        text = re.sub("([" + re.escape(squeeze) + "])\\1+", r"\1", text) if squeeze else text
    proc.stdout += text.encode("latin-1")
    return 0


@program("cut")
def cut(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="dfc")
    inputs, status = _inputs(proc, names, "can't open '{}'", "{}")
    spec = values.get("f") or values.get("c") or ""
    wanted: set[int] = set()
    open_from = None
    for piece in spec.split(","):
        m = re.fullmatch(r"(\d*)-(\d*)|(\d+)", piece)
        if not m:
            return complain(
                proc,
                "invalid list",
                "fields are numbered from 1"
                if piece
                else "you must specify a list of bytes, characters, or fields",
            )
        if m.group(3):
            wanted.add(int(m.group(3)))
        else:
            lo = int(m.group(1) or 1)
            if m.group(2):
                wanted.update(range(lo, int(m.group(2)) + 1))
            else:
                open_from = lo if open_from is None else min(open_from, lo)
    delim = values.get("d", "\t")
    for _, data in inputs:
        for raw in _lines(data):
            line = raw.decode(errors="replace").rstrip("\n")
            if "c" in values:
                chars = [
                    c
                    for i, c in enumerate(line, 1)
                    if i in wanted or (open_from is not None and i >= open_from)
                ]
                proc.out("".join(chars) + "\n")
                continue
            if delim not in line:
                if "s" not in flags:
                    proc.out(line + "\n")
                continue
            fields = line.split(delim)
            chosen = [
                f
                for i, f in enumerate(fields, 1)
                if i in wanted or (open_from is not None and i >= open_from)
            ]
            proc.out(delim.join(chosen) + "\n")
    return status


def _bre_to_python(pattern: str, extended: bool) -> str:
    """POSIX BRE/ERE → Python regex (the common subset)."""
    if extended:
        return pattern.replace("[[:space:]]", r"\s").replace("[[:digit:]]", r"\d")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out.append(n if n in "(){}|+?" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "(){}|+?" else c)
        i += 1
    text = "".join(out)
    for cls, rep in (
        ("[:space:]", r"\s"),
        ("[:digit:]", r"\d"),
        ("[:alpha:]", "a-zA-Z"),
        ("[:alnum:]", "a-zA-Z0-9"),
        ("[:upper:]", "A-Z"),
        ("[:lower:]", "a-z"),
    ):
        text = text.replace(cls, rep)
    return text


@program("grep", "egrep", "fgrep")
def grep(proc: Process) -> int:
    flags, values, args = split_flags(proc.argv[1:], with_value="em")
    if "e" in values:
        pattern = values["e"]
    elif args:
        pattern = args.pop(0)
    else:
        proc.err("Usage: grep [OPTION]... PATTERNS [FILE]...\n")
        return 2
    extended = "E" in flags or proc.argv[0].endswith("egrep")
    fixed = "F" in flags or proc.argv[0].endswith("fgrep")
    try:
        rx = re.compile(
            re.escape(pattern) if fixed else _bre_to_python(pattern, extended),
            re.IGNORECASE if "i" in flags else 0,
        )
    except re.error:
        return complain(proc, "bad regex", "Unmatched ( or \\(", 2)
    files: list[str] = []
    recursive = bool(flags & {"r", "R"})
    for name in args or (["."] if recursive else []):
        if recursive:
            try:
                real, node = proc.fs.lookup(name, proc.cwd)
            except FsError as e:
                complain(proc, f"{name}: {e.strerror}", f"{name}: {e.strerror}")
                continue
            if node.is_dir:
                files.extend(
                    name.rstrip("/") + p[len(real) :] if real != "/" else p
                    for p in proc.fs.walk(real)
                    if proc.fs.nodes[p].type == "file"
                )
                continue
        files.append(name)
    inputs, status = _inputs(proc, files, "{}", "{}") if files or not args else ([], 2)
    status = 2 if status else 1
    matched = False
    show_name = len(files) > 1 or recursive
    for name, data in inputs:
        count = 0
        for number, raw in enumerate(_lines(data), 1):
            line = raw.decode(errors="replace").rstrip("\n")
            hit = bool(rx.search(line))
            if "x" in flags:
                hit = bool(rx.fullmatch(line))
            if "w" in flags and hit:
                hit = bool(re.search(r"\b(?:" + rx.pattern + r")\b", line, rx.flags))
            if hit == ("v" in flags):
                continue
            matched = True
            count += 1
            if "q" in flags:
                return 0
            if "l" in flags:
                proc.out(f"{name}\n")
                break
            if "c" in flags:
                continue
            prefix = (f"{name}:" if show_name else "") + (f"{number}:" if "n" in flags else "")
            text = "\n".join(m.group() for m in rx.finditer(line)) if "o" in flags else line
            proc.out(prefix + text + "\n")
        if "c" in flags:
            proc.out((f"{name}:" if show_name else "") + f"{count}\n")
    if status == 2 and "s" in flags:
        status = 1
    return 0 if matched and status != 2 else status


def _sed_script(script: str) -> list[tuple[str | None, str, list[str]]] | None:
    """Parse the common sed commands: [addr]s/re/rep/flags, [addr]d, [addr]p, q, a/i text."""
    commands: list[tuple[str | None, str, list[str]]] = []
    i = 0
    while i < len(script):
        while i < len(script) and script[i] in " ;\n":
            i += 1
        if i >= len(script):
            break
        addr = None
        m = re.match(r"(\d+|\$|/(?:[^/\\]|\\.)*/)", script[i:])
        if m:
            addr = m.group()
            i += len(addr)
        if i >= len(script):
            return None
        cmd = script[i]
        if cmd == "s":
            if i + 1 >= len(script):
                return None
            sep = script[i + 1]
            parts: list[str] = []
            j = i + 2
            buf = ""
            while j < len(script) and len(parts) < 2:
                c = script[j]
                if c == "\\" and j + 1 < len(script) and script[j + 1] == sep:
                    buf += sep
                    j += 2
                    continue
                if c == "\\" and j + 1 < len(script):
                    buf += script[j : j + 2]
                    j += 2
                    continue
                if c == sep:
                    parts.append(buf)
                    buf = ""
                else:
                    buf += c
                j += 1
            if len(parts) < 2:
                return None
            m2 = re.match(r"[gpI0-9]*", script[j:])
            opts = m2.group() if m2 else ""
            commands.append((addr, "s", [parts[0], parts[1], opts]))
            i = j + len(opts)
        elif cmd in "dpqN=":
            commands.append((addr, cmd, []))
            i += 1
        elif cmd in "aic":
            text = script[i + 1 :].lstrip()
            text = text[1:] if text.startswith("\\") else text
            end = text.find("\n")
            commands.append((addr, cmd, [text if end < 0 else text[:end]]))
            i = len(script) if end < 0 else script.find(text[:end], i) + end
        else:
            return None
    return commands


def _sed_replacement(rep: str) -> str:
    out = []
    i = 0
    while i < len(rep):
        c = rep[i]
        if c == "\\" and i + 1 < len(rep):
            n = rep[i + 1]
            out.append(
                "\\" + n if n.isdigit() else {"n": "\n", "t": "\t"}.get(n, n.replace("\\", "\\\\"))
            )
            i += 2
        elif c == "&":
            out.append("\\g<0>")
            i += 1
        else:
            out.append(c.replace("\\", "\\\\"))
            i += 1
    return "".join(out)


SedCommand = tuple[str | None, str, list[str], re.Pattern[str] | None]
"""(address, command letter, parameters, compiled regex of an `s` command)."""


@program("sed")
def sed(proc: Process) -> int:
    args = proc.argv[1:]
    scripts: list[str] = []
    in_place = False
    quiet = False
    extended = False
    files: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-e" and i + 1 < len(args):
            scripts.append(args[i + 1])
            i += 2
            continue
        if a.startswith("-i") or a == "--in-place":
            in_place = True
        elif a == "-n":
            quiet = True
        elif a in ("-E", "-r"):
            extended = True
        elif a.startswith("-") and len(a) > 1 and all(ch in "nEr" for ch in a[1:]):
            quiet = quiet or "n" in a
            extended = extended or "E" in a or "r" in a
        elif not scripts and not a.startswith("-"):
            scripts.append(a)
        else:
            files.append(a)
        i += 1
    commands = _sed_script("\n".join(scripts))
    if commands is None or not scripts:
        return complain(
            proc,
            "bad command",
            f"-e expression #1, char {len(scripts[0]) if scripts else 0}: unknown command",
            1,
        )
    compiled: list[SedCommand] = []
    for addr, cmd, params in commands:
        if cmd == "s":
            flags_ = params[2]
            try:
                rx = re.compile(
                    _bre_to_python(params[0], extended), re.IGNORECASE if "I" in flags_ else 0
                )
            except re.error:
                return complain(proc, "bad regex", "-e expression #1: invalid regex", 1)
            params = [params[0], _sed_replacement(params[1]), flags_]
            compiled.append((addr, cmd, params, rx))
        else:
            compiled.append((addr, cmd, params, None))
    targets = files or ["-"]
    inputs, status = _inputs(proc, targets, "{}", "can't read {}")
    if status and not in_place:
        status = 2
    for name, data in inputs:
        out = _sed_run(compiled, data.decode("utf-8", "surrogateescape"), quiet, extended)
        encoded = out.encode("utf-8", "surrogateescape")
        if in_place and name != "-":
            write_bytes(proc, name, encoded)
        else:
            proc.stdout += encoded
    return status


def _sed_run(compiled: list[SedCommand], text: str, quiet: bool, extended: bool) -> str:
    lines = text.split("\n")
    trailing = text.endswith("\n")
    if trailing:
        lines.pop()
    out: list[str] = []
    for number, line in enumerate(lines, 1):
        deleted = False
        printed: list[str] = []
        after: list[str] = []
        for addr, cmd, params, rx in compiled:
            if addr is not None:
                if addr == "$":
                    if number != len(lines):
                        continue
                elif addr.isdigit():
                    if number != int(addr):
                        continue
                elif not re.search(_bre_to_python(addr[1:-1], extended), line):
                    continue
            if cmd == "s":
                flags_ = params[2]
                count = 0 if "g" in flags_ else 1
                assert rx is not None
                new, n = rx.subn(params[1], line, count=count)
                line = new
                if n and "p" in flags_:
                    printed.append(line)
            elif cmd == "d":
                deleted = True
                break
            elif cmd == "p":
                printed.append(line)
            elif cmd == "a":
                after.append(params[0])
            elif cmd == "i":
                out.append(params[0])
            elif cmd == "=":
                out.append(str(number))
        out.extend(printed)
        if not deleted and not quiet:
            out.append(line)
        out.extend(after)
    return "".join(x + "\n" for x in out[:-1]) + (
        out[-1] + ("\n" if trailing else "") if out else ""
    )


@program("tee")
def tee(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    status = 0
    for name in names:
        try:
            write_bytes(proc, name, proc.stdin, append="a" in flags)
        except FsError as e:
            complain(proc, f"{name}: {e.strerror}", f"{name}: {e.strerror}")
            status = 1
    proc.stdout += proc.stdin
    return status


@program("xargs")
def xargs(proc: Process) -> int:
    flags, values, command = split_flags(proc.argv[1:], with_value="nIL")
    try:
        items = (
            shlex.split(proc.stdin.decode(errors="replace"))
            if "0" not in flags
            else [x for x in proc.stdin.decode(errors="replace").split("\0") if x]
        )
    except ValueError:
        return complain(proc, "unmatched quote", "unmatched double quote", 1)
    count = values.get("n", "0")
    if not count.isdigit():
        return complain(
            proc, f"invalid number '{count}'", f'invalid number "{count}" for -n option'
        )
    command = command or ["echo"]
    batches: list[list[str]]
    if "I" in values:
        batches = [[a.replace(values["I"], item) for a in command] for item in items]
    else:
        size = int(count) or max(1, len(items))
        batches = [command + items[i : i + size] for i in range(0, len(items), size)] or (
            [command] if "r" not in flags else []
        )
    status = 0
    for argv in batches:
        code = run_child(proc, argv)
        if code in (126, 127):
            what = "Permission denied" if code == 126 else "No such file or directory"
            return complain(proc, f"{argv[0]}: {what}", f"{argv[0]}: {what}", code)
        if code:
            status = 123
    return status
