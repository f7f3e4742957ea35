"""Small utilities that also exist as shell builtins, and the system-information tools."""

from __future__ import annotations

import dataclasses
import re
import time

from tutor.engine.fs import FsError, normalize
from tutor.engine.kernel import KERNEL_BUILD, KERNEL_RELEASE, MACHINE
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    ShProcess,
    as_shell_process,
    complain,
    need_memory,
    now_of,
    read_bytes,
    run_child,
    spend_step,
    split_flags,
    tools_of,
    usage_error,
    who,
)

ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "e": "\x1b",
}


def unescape(text: str, octal_needs_zero: bool = True) -> tuple[str, bool]:
    """Backslash escapes as `echo -e`/`printf %b` read them; True when `\\c` stopped output."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 == len(text):
            out.append(c)
            i += 1
            continue
        n = text[i + 1]
        if n == "c":
            return "".join(out), True
        if n in ESCAPES:
            out.append(ESCAPES[n])
            i += 2
        elif n == "0" or (n in "1234567" and not octal_needs_zero):
            m = re.match(r"0?[0-7]{0,3}" if n == "0" else r"[0-7]{1,3}", text[i + 1 :])
            digits = m.group() if m else ""
            out.append(chr(int(digits or "0", 8) & 0xFF))
            i += 1 + len(digits)
        elif n == "x" and re.match(r"[0-9a-fA-F]", text[i + 2 : i + 3]):
            m = re.match(r"[0-9a-fA-F]{1,2}", text[i + 2 :])
            assert m is not None
            out.append(chr(int(m.group(), 16)))
            i += 2 + len(m.group())
        else:
            out.append("\\" + n)
            i += 2
    return "".join(out), False


@program("echo")
def echo(proc: Process) -> int:
    args = proc.argv[1:]
    newline = True
    escapes = isinstance(proc, ShProcess) and proc.builtin and proc.shell == "dash"
    if escapes:
        if args[:1] == ["-n"]:
            newline = False
            args = args[1:]
    else:
        while args and re.fullmatch(r"-[neE]+", args[0]):
            for ch in args[0][1:]:
                newline = newline and ch != "n"
                escapes = (escapes or ch == "e") and ch != "E"
            args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = unescape(text)
        newline = newline and not stop
    proc.stdout += (text + ("\n" if newline else "")).encode("utf-8", "surrogateescape")
    return 0


FORMAT = re.compile(r"%([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([diouxXcsbfeEgG%])|\\.|[^%\\]+|%|\\")


@program("printf")
def printf(proc: Process) -> int:
    if len(proc.argv) < 2:
        proc.err(f"{who(proc)}: usage: printf format [arg ...]\n")
        return 2 if tools_of(proc) == "gnu" else 1
    fmt, args = proc.argv[1], proc.argv[2:]
    out: list[str] = []
    status = 0
    while True:
        used = 0
        for m in FORMAT.finditer(fmt):
            token = m.group()
            if token.startswith("\\"):
                text, stop = unescape(token, octal_needs_zero=False)
                out.append(text)
                if stop:
                    break
                continue
            conv = m.group(4)
            if not conv:
                out.append(token)
                continue
            if conv == "%":
                out.append("%")
                continue
            width = m.group(2) or ""
            if width == "*":
                width = args[used] if used < len(args) else "0"
                used += 1
            # A field is as wide as asked: the bytes are made before they are printed.
            need_memory(proc, sum(map(_field_size, (width, m.group(3) or ""))))
            arg = args[used] if used < len(args) else None
            used += 1
            spec = "%" + m.group(1) + width + (f".{m.group(3)}" if m.group(3) else "")
            if conv in "sb":
                value = arg or ""
                if conv == "b":
                    value, _ = unescape(value)
                out.append((spec + "s") % value)
            elif conv == "c":
                out.append((spec + "s") % (arg or "")[:1])
            elif conv in "feEgG":
                try:
                    out.append((spec + conv) % float(arg or "0"))
                except ValueError:
                    proc.err(f"{who(proc)}: {arg}: invalid number\n")
                    status = 1
                    out.append((spec + conv) % 0.0)
            else:
                number = _printf_int(proc, arg)
                if number is None:
                    status = 1
                    number = 0
                out.append((spec + ("d" if conv in "iu" else conv)) % number)
        if used == 0 or used >= len(args):
            break
        args = args[used:]
    proc.stdout += "".join(out).encode("utf-8", "surrogateescape")
    return status


def _field_size(number: str) -> int:
    """Bytes a printf width or precision asks for (0 when it is no number: printf complains)."""
    digits = number.lstrip("-+")
    return int(digits) if digits.isdigit() and len(digits) < 20 else 0


def _printf_int(proc: Process, arg: str | None) -> int | None:
    if arg is None or arg == "":
        return 0
    if arg[:1] in "'\"" and len(arg) > 1:
        return ord(arg[1])
    try:
        return int(arg, 0) if not re.fullmatch(r"[-+]?0\d+", arg) else int(arg, 8)
    except ValueError:
        if tools_of(proc) == "gnu":
            proc.err(f"{who(proc)}: {arg}: invalid number\n")
        elif isinstance(proc, ShProcess) and proc.builtin:
            proc.err(f"{who(proc)}: {arg}: expected numeric value\n")
        else:
            proc.err(f"{who(proc)}: invalid number '{arg}'\n")
        return None


class TestError(Exception):
    pass


def _file_test(proc: Process, op: str, path: str) -> bool:
    try:
        real, node = proc.fs.lookup(path, proc.cwd, follow=op not in ("-h", "-L"))
    except FsError:
        return False
    if op in ("-h", "-L"):
        return node.type == "symlink"
    mode = node.mode
    checks = {
        "-e": True,
        "-f": node.type == "file",
        "-d": node.type == "dir",
        "-s": node.size > 0,
        "-r": proc.uid == 0 or bool(mode & 0o444),
        "-w": proc.uid == 0 or bool(mode & 0o222),
        "-x": bool(mode & 0o111) if proc.uid == 0 else bool(mode & 0o111),
        "-b": False,
        "-c": real in ("/dev/null", "/dev/zero"),
        "-p": False,
        "-S": False,
        "-u": bool(mode & 0o4000),
        "-g": bool(mode & 0o2000),
        "-k": bool(mode & 0o1000),
    }
    return checks[op]


UNARY = {
    "-e",
    "-f",
    "-d",
    "-s",
    "-r",
    "-w",
    "-x",
    "-h",
    "-L",
    "-b",
    "-c",
    "-p",
    "-S",
    "-u",
    "-g",
    "-k",
    "-z",
    "-n",
    "-t",
}
INT_OPS = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}


def _test_int(proc: Process, text: str) -> int:
    if re.fullmatch(r"\s*[-+]?\d+\s*", text):
        return int(text)
    if isinstance(proc, ShProcess) and proc.builtin:
        shell = proc.shell
    else:
        shell = "ash" if tools_of(proc) == "busybox" else "bash"
    if shell == "dash":
        raise TestError(f"Illegal number: {text}")
    if shell == "bash":
        raise TestError(f"{text}: integer expression expected")
    raise TestError(f"invalid number '{text}'")


def _evaluate(proc: Process, args: list[str]) -> bool:
    pos = 0

    def primary() -> bool:
        nonlocal pos
        rest = args[pos:]
        if not rest:
            raise TestError("argument expected")
        if rest[0] == "!" and len(rest) > 1:
            pos += 1
            return not primary()
        if rest[0] == "(" and len(rest) > 2:
            pos += 1
            value = disjunction()
            if pos >= len(args) or args[pos] != ")":
                raise TestError("closing paren expected")
            pos += 1
            return value
        if len(rest) >= 3 and rest[1] in {"=", "==", "!=", "<", ">", "-nt", "-ot"} | INT_OPS:
            a, op, b = rest[0], rest[1], rest[2]
            pos += 3
            if op in ("=", "=="):
                return a == b
            if op == "!=":
                return a != b
            if op == "<":
                return a < b
            if op == ">":
                return a > b
            if op in ("-nt", "-ot"):
                return _newer(proc, a, b) if op == "-nt" else _newer(proc, b, a)
            x, y = _test_int(proc, a), _test_int(proc, b)
            return {
                "-eq": x == y,
                "-ne": x != y,
                "-lt": x < y,
                "-le": x <= y,
                "-gt": x > y,
                "-ge": x >= y,
            }[op]
        if rest[0] in UNARY and len(rest) >= 2:
            op, operand = rest[0], rest[1]
            pos += 2
            if op == "-z":
                return operand == ""
            if op == "-n":
                return operand != ""
            if op == "-t":
                return False
            return _file_test(proc, op, operand)
        pos += 1
        return rest[0] != ""

    def conjunction() -> bool:
        nonlocal pos
        value = primary()
        while pos < len(args) and args[pos] == "-a":
            pos += 1
            value = primary() and value
        return value

    def disjunction() -> bool:
        nonlocal pos
        value = conjunction()
        while pos < len(args) and args[pos] == "-o":
            pos += 1
            value = conjunction() or value
        return value

    if not args:
        return False
    result = disjunction()
    if pos != len(args):
        raise TestError(
            f"{args[pos]}: unexpected operator" if tools_of(proc) != "busybox" else "syntax error"
        )
    return result


def _newer(proc: Process, a: str, b: str) -> bool:
    try:
        _, na = proc.fs.lookup(a, proc.cwd)
    except FsError:
        return False
    try:
        _, nb = proc.fs.lookup(b, proc.cwd)
    except FsError:
        return True
    return na.mtime > nb.mtime


@program("test", "[")
def test(proc: Process) -> int:
    args = proc.argv[1:]
    if proc.argv[0].endswith("["):
        if not args or args[-1] != "]":
            bash = isinstance(proc, ShProcess) and proc.builtin and proc.shell == "bash"
            proc.err(f"{who(proc)}: missing {'`]' + chr(39) if bash else ']'}\n")
            return 2
        args = args[:-1]
    try:
        return 0 if _evaluate(proc, args) else 1
    except TestError as e:
        proc.err(f"{who(proc)}: {e}\n")
        return 2


@program("true")
def true(proc: Process) -> int:
    return 0


@program("false")
def false(proc: Process) -> int:
    return 1


@program("pwd")
def pwd(proc: Process) -> int:
    proc.out(proc.cwd + "\n")
    return 0


@program("kill")
def kill(proc: Process) -> int:
    return complain(proc, "can't kill pid: No such process", "No such process")


@program("basename")
def basename(proc: Process) -> int:
    args = proc.argv[1:]
    if not args:
        return usage_error(proc, "missing operand", "missing operand", 1)
    name = args[0].rstrip("/").rsplit("/", 1)[-1] or ("/" if args[0] else "")
    if len(args) > 1 and name.endswith(args[1]) and name != args[1]:
        name = name[: -len(args[1])]
    proc.out(name + "\n")
    return 0


@program("dirname")
def dirname(proc: Process) -> int:
    args = proc.argv[1:]
    if not args:
        return usage_error(proc, "missing operand", "missing operand", 1)
    path = args[0].rstrip("/")
    if "/" not in path:
        proc.out(("/" if args[0].startswith("/") else ".") + "\n")
        return 0
    head = path.rsplit("/", 1)[0].rstrip("/")
    proc.out((head or "/") + "\n")
    return 0


@program("env")
def env(proc: Process) -> int:
    args = proc.argv[1:]
    environ = dict(proc.env)
    while args and (args[0].startswith("-") or "=" in args[0]):
        arg = args.pop(0)
        if arg in ("-i", "-"):
            environ = {}
        elif arg == "-u" and args:
            environ.pop(args.pop(0), None)
        elif "=" in arg and not arg.startswith("-"):
            key, _, value = arg.partition("=")
            environ[key] = value
    if not args:
        proc.out("".join(f"{k}={v}\n" for k, v in environ.items()))
        return 0
    child = dataclasses.replace(as_shell_process(proc), argv=args, env=environ, builtin=False)
    status = run_child(child, args)
    proc.seconds = child.seconds
    if status in (126, 127):
        code = "Permission denied" if status == 126 else "No such file or directory"
        return complain(proc, f"can't execute '{args[0]}': {code}", f"'{args[0]}': {code}", status)
    return status


@program("printenv")
def printenv(proc: Process) -> int:
    names = proc.argv[1:]
    if not names:
        proc.out("".join(f"{k}={v}\n" for k, v in proc.env.items()))
        return 0
    status = 0
    for name in names:
        if name in proc.env:
            proc.out(proc.env[name] + "\n")
        else:
            status = 1
    return status


@program("hostname")
def hostname(proc: Process) -> int:
    try:
        name = read_bytes(proc, "/etc/hostname").decode().strip()
    except FsError:
        name = ""
    proc.out((proc.env.get("HOSTNAME") or name or "localhost") + "\n")
    return 0


@program("uname")
def uname(proc: Process) -> int:
    flags, _, _ = split_flags(proc.argv[1:])
    host = proc.env.get("HOSTNAME", "buildkitsandbox")
    fields = {
        "s": "Linux",
        "n": host,
        "r": KERNEL_RELEASE,
        "v": KERNEL_BUILD,
        "m": MACHINE,
    }
    if "a" in flags:
        parts = [fields[k] for k in "snrvm"] + ([] if tools_of(proc) == "busybox" else [])
        parts.append("GNU/Linux" if tools_of(proc) == "gnu" else "Linux")
        if tools_of(proc) == "busybox":
            parts = parts[:-1] + ["Linux"]
        proc.out(" ".join(parts) + "\n")
        return 0
    chosen = [fields[k] for k in "snrvm" if k in flags] or [fields["s"]]
    if "o" in flags:
        chosen.append("GNU/Linux" if tools_of(proc) == "gnu" else "Linux")
    proc.out(" ".join(chosen) + "\n")
    return 0


@program("date")
def date(proc: Process) -> int:
    flags, values, operands = split_flags(proc.argv[1:], with_value="d")
    stamp = time.gmtime(now_of(proc))
    fmt = next((o[1:] for o in operands if o.startswith("+")), None)
    if fmt is None:
        fmt = "%a %b %e %H:%M:%S UTC %Y"
    proc.out(time.strftime(fmt.replace("%N", "000000000"), stamp) + "\n")
    return 0


@program("sleep")
def sleep(proc: Process) -> int:
    total = 0.0
    for arg in proc.argv[1:]:
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", arg)
        if not m:
            return usage_error(proc, f"invalid number '{arg}'", f"invalid time interval '{arg}'")
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if not proc.argv[1:]:
        return usage_error(proc, "missing operand", "missing operand")
    proc.spend(total)
    return 0


@program("which")
def which(proc: Process) -> int:
    status = 0
    for name in proc.argv[1:]:
        candidates = (
            [name]
            if "/" in name
            else [f"{d}/{name}" for d in proc.env.get("PATH", "").split(":") if d]
        )
        for cand in candidates:
            try:
                _, node = proc.fs.lookup(cand, proc.cwd)
            except FsError:
                continue
            if node.type == "file" and node.mode & 0o111:
                proc.out(normalize(cand, proc.cwd) if "/" in name else cand)
                proc.out("\n")
                break
        else:
            status = 1
    return status


@program("seq")
def seq(proc: Process) -> int:
    args = [a for a in proc.argv[1:]]
    try:
        nums = [int(a) for a in args]
    except ValueError:
        return complain(
            proc, f"invalid number '{args[0]}'", f"invalid floating point argument: '{args[0]}'"
        )
    if not nums or len(nums) > 3:
        return usage_error(
            proc,
            "missing operand" if not nums else "extra operand",
            "missing operand" if not nums else f"extra operand '{args[3]}'",
        )
    first, step, last = (
        (1, 1, nums[0])
        if len(nums) == 1
        else ((nums[0], 1, nums[1]) if len(nums) == 2 else (nums[0], nums[1], nums[2]))
    )
    if step == 0:
        return complain(proc, "invalid increment", "invalid Zero increment value: '0'")
    values = range(first, last + (1 if step > 0 else -1), step)
    # Written a chunk at a time, as the real one does: a reader that stops early (`| head`)
    # stops it with SIGPIPE, and a long run costs the run's step budget like a loop would.
    for start in range(0, len(values), SEQ_CHUNK):
        spend_step(proc)
        proc.out("".join(f"{v}\n" for v in values[start : start + SEQ_CHUNK]))
    return 0


SEQ_CHUNK = 100


@program("id")
def id_(proc: Process) -> int:
    from tutor.engine.sh.users import group_name, groups_of, user_name

    flags, _, operands = split_flags(proc.argv[1:])
    uid, gid = proc.uid, proc.gid
    if operands:
        from tutor.engine.sh.users import lookup_user

        entry = lookup_user(proc, operands[0])
        if entry is None:
            return complain(proc, f"unknown user {operands[0]}", f"'{operands[0]}': no such user")
        uid, gid = entry
    if "u" in flags:
        proc.out((user_name(proc, uid) if "n" in flags else str(uid)) + "\n")
        return 0
    if "g" in flags:
        proc.out((group_name(proc, gid) if "n" in flags else str(gid)) + "\n")
        return 0
    uname_ = user_name(proc, uid)
    if "G" in flags:  # every group, primary first: numbers, or names with -n
        ids = groups_of(proc, uname_, gid)
        proc.out(" ".join(group_name(proc, g) if "n" in flags else str(g) for g in ids) + "\n")
        return 0
    line = f"uid={uid}({uname_}) gid={gid}({group_name(proc, gid)})"
    extra = groups_of(proc, uname_, gid)
    if extra:
        line += " groups=" + ",".join(f"{g}({group_name(proc, g)})" for g in extra)
    proc.out(line + "\n")
    return 0


@program("whoami")
def whoami(proc: Process) -> int:
    from tutor.engine.sh.users import user_name

    name = user_name(proc, proc.uid)
    if name == str(proc.uid):
        return complain(proc, f"unknown uid {proc.uid}", f"cannot find name for user ID {proc.uid}")
    proc.out(name + "\n")
    return 0
