"""`awk`: a small POSIX awk interpreter (busybox awk on Alpine, mawk on Debian and Ubuntu).

Programs are parsed by `_awkparse` and walked here. Values follow POSIX: numbers, strings, and
"strnums" (fields, `-v` values, split pieces, ENVIRON) that compare as numbers when they look like
one; an unset variable is both "" and 0. Output goes to stdout, to files (`print > "f"`, kept
open for the run as awk does) or to a command (`print | "sort"`, run when closed or at exit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._awkparse import AwkSyntaxError, Node, Program, parse
from tutor.engine.sh._proc import need_memory, read_bytes, run_child, tools_of, write_bytes


class StrNum(str):
    """A string from input: numeric in comparisons when it looks like a number."""


class Uninit(StrNum):
    """The value of a variable never assigned: "" and 0 at once."""


UNINIT = Uninit("")
Value = float | str
_NUM_PREFIX = re.compile(r"[ \t\n]*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")
_NUMERIC = re.compile(
    r"[ \t\n]*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[ \t\n]*\Z")


class AwkError(Exception):
    """A fatal run-time error (division by zero, an unreadable file): awk stops with status 2.

    mawk words most as "run time error" followed by where it happened; `plain` ones (a file it
    cannot open) it prints as they are."""

    def __init__(self, message: str, plain: bool = False) -> None:
        super().__init__(message)
        self.plain = plain


class _Next(Exception):
    pass


class _NextFile(Exception):
    pass


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Return(Exception):
    def __init__(self, value: Value) -> None:
        super().__init__()
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def to_int(x: float) -> int:
    """C's conversion of a double to an integer, without Python's overflow on inf/nan."""
    if math.isnan(x):
        return 0
    if math.isinf(x):
        return (1 << 63) - 1 if x > 0 else -(1 << 63)
    return int(x)


def to_num(v: Value) -> float:
    if isinstance(v, float):
        return v
    m = _NUM_PREFIX.match(v)
    return float(m.group(0)) if m else 0.0


def looks_numeric(v: Value) -> bool:
    if isinstance(v, (float, Uninit)):
        return True
    return isinstance(v, StrNum) and bool(_NUMERIC.match(v))


def fmt_num(v: float, fmt: str) -> str:
    if math.isnan(v):
        return "nan" if math.copysign(1, v) > 0 else "-nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e16:
        return str(int(v))
    return sprintf(fmt, [v])


def ere_to_python(pattern: str) -> str:
    """A POSIX ERE as Python's `re` reads it: bracket classes, and no Python-only syntax."""
    classes = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
               "lower": "a-z", "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "punct":
               "!-/:-@\\[-`{-~", "xdigit": "0-9A-Fa-f", "cntrl": "\\x00-\\x1f\\x7f",
               "print": " -~", "graph": "!-~"}
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            out.append({"/": "/", '"': '"', "y": "\\b", "B": "\\\\B"}.get(nxt, "\\" + nxt))
            i += 2
        elif c == "[":
            j = i + 1
            part = ["["]
            if j < n and pattern[j] == "^":
                part.append("^")
                j += 1
            if j < n and pattern[j] == "]":
                part.append("\\]")
                j += 1
            while j < n and pattern[j] != "]":
                if pattern.startswith("[:", j):
                    end = pattern.find(":]", j)
                    if end > 0 and pattern[j + 2:end] in classes:
                        part.append(classes[pattern[j + 2:end]])
                        j = end + 2
                        continue
                ch = pattern[j]
                if ch == "\\" and j + 1 < n:
                    part.append(pattern[j:j + 2])
                    j += 2
                    continue
                part.append("\\" + ch if ch in "[&~|" else ch)
                j += 1
            part.append("]")
            out.append("".join(part))
            i = j + 1
        elif c == "{" and not re.match(r"\{\d+(,\d*)?\}", pattern[i:]):
            out.append("\\{")
            i += 1
        elif c == "}" and not (out and re.search(r"\{\d+(,\d*)?$", "".join(out))):
            out.append("\\}")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def compile_ere(pattern: str) -> re.Pattern[str]:
    found = _REGEX_CACHE.get(pattern)
    if found is None:
        try:
            found = re.compile(ere_to_python(pattern))
        except re.error as exc:
            raise AwkError(f"regular expression compile failed (missing operand)\n{pattern}") \
                from exc
        _REGEX_CACHE[pattern] = found
    return found


_SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


def sprintf(fmt: str, args: list[Value], need: Callable[[int], None] = lambda _: None) -> str:
    """awk's sprintf; `need` is told the size of each field before it is made."""
    out: list[str] = []
    pos = 0
    arg_i = 0

    def next_arg() -> Value:
        nonlocal arg_i
        if arg_i < len(args):
            arg_i += 1
            return args[arg_i - 1]
        return UNINIT

    for m in _SPEC.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, conv = m.groups()
        if conv == "%":
            out.append("%")
            continue
        if width == "*":
            w = to_int(to_num(next_arg()))
            if w < 0:
                flags, w = flags + "-", -w
            width = str(w)
        if prec == "*":
            prec = str(max(to_int(to_num(next_arg())), 0))
        need(int(width or 0) + int(prec or 0))
        spec = "%" + flags + (width or "") + ("." + prec if prec is not None else "")
        value = next_arg()
        if conv in "di":
            num = to_num(value)
            out.append((spec + "d") % to_int(num))
        elif conv in "oxXu":
            num = to_int(to_num(value))
            if num < 0:
                num &= (1 << 64) - 1
            out.append((spec + ("d" if conv == "u" else conv)) % num)
        elif conv in "eEfFgG":
            out.append((spec + conv) % to_num(value))
        elif conv == "c":
            if isinstance(value, float):
                ch = chr(to_int(value) % 0x110000) if value >= 0 else ""
            else:
                ch = value[:1]
            out.append((spec.replace("0", "") + "s") % ch)
        elif conv == "s":
            out.append((spec + "s") % to_str(value, "%.6g"))
        else:
            out.append(m.group(0))
    out.append(fmt[pos:])
    return "".join(out)


def to_str(v: Value, convfmt: str) -> str:
    return fmt_num(v, convfmt) if isinstance(v, float) else str(v)


@dataclass
class Frame:
    scalars: dict[str, Value] = field(default_factory=dict)
    arrays: dict[str, dict[str, Value]] = field(default_factory=dict)


class Interp:
    def need(self, size: int) -> None:
        """Account for a string of `size` characters before it is made (the memory limit)."""
        need_memory(self.proc, size)

    def __init__(self, proc: Process, prog: Program, busybox: bool) -> None:
        self.proc = proc
        self.prog = prog
        self.busybox = busybox
        self.globals = Frame()
        self.frames: list[Frame] = []
        g = self.globals.scalars
        g.update(FS=" ", OFS=" ", ORS="\n", RS="\n", NR=0.0, NF=0.0, FNR=0.0, SUBSEP="\x1c",
                 RSTART=0.0, RLENGTH=-1.0, CONVFMT="%.6g", OFMT="%.6g", FILENAME="")
        self.globals.arrays["ENVIRON"] = {k: StrNum(v) for k, v in proc.env.items()}
        self.record = ""
        self.fields: list[str] | None = []
        self.files: dict[str, str] = {}  # open output files: name → real path
        self.pipes: dict[str, bytearray] = {}
        self.readers: dict[str, list[str]] = {}
        self.inputs: list[str] = []
        self.input_index = 0
        self.opened = False
        self.current: list[str] = []
        self.range_active: dict[int, bool] = {}
        self.seed = 0.0
        self.rand_state = 0

    # -- variables -----------------------------------------------------------------------------
    def frame_for(self, name: str) -> Frame:
        if self.frames:
            top = self.frames[-1]
            if name in top.scalars or name in top.arrays:
                return top
        return self.globals

    def get_var(self, name: str) -> Value:
        if name == "NF":
            self.split_record()
            return float(len(self.fields or []))
        frame = self.frame_for(name)
        if name in frame.arrays:
            raise AwkError(f"can't use array {name} in scalar context")
        return frame.scalars.get(name, UNINIT)

    def set_var(self, name: str, value: Value) -> None:
        if name == "NF":
            self.split_record()
            fields = self.fields or []
            count = max(to_int(to_num(value)), 0)
            self.fields = (fields + [""] * count)[:count]
            self.rebuild()
            return
        frame = self.frame_for(name)
        frame.scalars[name] = value

    def array(self, name: str) -> dict[str, Value]:
        frame = self.frame_for(name)
        if name in frame.scalars and not isinstance(frame.scalars[name], Uninit):
            raise AwkError(f"can't use scalar {name} as array")
        if name in frame.scalars:
            # An unused local becomes an array the first time it is used as one.
            del frame.scalars[name]
        return frame.arrays.setdefault(name, {})

    def s(self, v: Value) -> str:
        return to_str(v, str(self.globals.scalars["CONVFMT"]))

    def subscript(self, subs: list[Node]) -> str:
        sep = self.s(self.get_var("SUBSEP"))
        return sep.join(self.s(self.eval(e)) for e in subs)

    # -- records and fields --------------------------------------------------------------------
    def set_record(self, text: str) -> None:
        self.record = text
        self.fields = None

    def split_record(self) -> None:
        if self.fields is None:
            self.fields = self.split(self.record, self.s(self.globals.scalars["FS"]))

    def split(self, text: str, fs: str) -> list[str]:
        if fs == " ":
            return text.split()
        if text == "":
            return []
        if fs == "":
            return list(text)  # an empty separator splits into characters (mawk, busybox)
        if len(fs) == 1 and fs != "\\":
            return text.split(fs)
        return compile_ere(fs).split(text)

    def rebuild(self) -> None:
        ofs = self.s(self.globals.scalars["OFS"])
        self.record = ofs.join(self.fields or [])

    def get_field(self, i: int) -> Value:
        if i < 0:
            raise AwkError(f"negative field index ${i}")
        if i == 0:
            return StrNum(self.record)
        self.split_record()
        fields = self.fields or []
        return StrNum(fields[i - 1]) if i <= len(fields) else UNINIT

    def set_field(self, i: int, value: Value) -> None:
        if i < 0:
            raise AwkError(f"negative field index ${i}")
        text = self.s(value)
        if i == 0:
            self.set_record(text)
            return
        self.split_record()
        fields = self.fields or []
        while len(fields) < i:
            fields.append("")
        fields[i - 1] = text
        self.fields = fields
        self.rebuild()

    # -- input ---------------------------------------------------------------------------------
    def records(self, data: str) -> list[str]:
        rs = self.s(self.globals.scalars["RS"])
        if rs == "\n":
            lines = data.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            return lines
        if rs == "":
            return [p.strip("\n") for p in re.split(r"\n\n+", data.strip("\n")) if p.strip("\n")]
        parts = data.split(rs) if len(rs) == 1 else compile_ere(rs).split(data)
        if parts and parts[-1] in ("", "\n"):
            parts.pop()
        return parts

    def open_next_input(self) -> bool:
        """Move to the next input operand (assignments are done as they are reached)."""
        while self.input_index < len(self.inputs):
            name = self.inputs[self.input_index]
            self.input_index += 1
            eq = name.find("=")
            if eq > 0 and re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", name[:eq]):
                self.set_var(name[:eq], StrNum(_unescape(name[eq + 1:])))
                if self.input_index == len(self.inputs) and not self.opened:
                    # Only assignments: standard input is read after them.
                    self.inputs.append("-")
                continue
            self.opened = True
            try:
                data = read_bytes(self.proc, name).decode(errors="replace")
            except FsError as exc:
                if self.busybox:
                    raise AwkError(f"{name}: {exc.strerror}") from exc
                raise AwkError(f"cannot open {name} ({exc.strerror})", plain=True) from exc
            self.globals.scalars["FILENAME"] = "" if name == "-" else name
            self.globals.scalars["FNR"] = 0.0
            self.current = self.records(data)
            self.current.reverse()
            return True
        return False

    def next_main_record(self) -> str | None:
        while not self.current:
            if not self.open_next_input():
                return None
        g = self.globals.scalars
        g["NR"] = to_num(g["NR"]) + 1
        g["FNR"] = to_num(g["FNR"]) + 1
        return self.current.pop()

    # -- running -------------------------------------------------------------------------------
    def run(self, operands: list[str]) -> int:
        operands_read = list(operands) if operands else ["-"]
        self.inputs = operands_read
        argv = self.globals.arrays.setdefault("ARGV", {})
        argv["0"] = "awk"
        for i, arg in enumerate(operands, 1):
            argv[str(i)] = StrNum(arg)
        self.globals.scalars["ARGC"] = float(len(operands) + 1)
        status = 0
        try:
            try:
                for block in self.prog.begin:
                    self.exec(block)
                if self.prog.items or self.prog.end:
                    self.main_loop()
            except _Exit as e:
                status = e.status
                # exit in BEGIN or the main loop still runs END (an exit there ends it)
            try:
                for block in self.prog.end:
                    self.exec(block)
            except _Exit as e:
                status = e.status
        finally:
            self.close_all()
        return status

    def main_loop(self) -> None:
        while True:
            text = self.next_main_record()
            if text is None:
                return
            self.set_record(text)
            try:
                self.run_items()
            except _Next:
                continue
            except _NextFile:
                self.current = []

    def run_items(self) -> None:
        for index, (pattern, end, action) in enumerate(self.prog.items):
            if end is not None:
                if not self.range_active.get(index):
                    if not self.truth(self.eval(pattern)) if pattern else False:
                        continue
                    self.range_active[index] = True
                if self.truth(self.eval(end)):
                    self.range_active[index] = False
            elif pattern is not None and not self.truth(self.eval(pattern)):
                continue
            if action is None:
                self.write_out(None, None, self.record + self.s(self.globals.scalars["ORS"]))
            else:
                self.exec(action)

    # -- statements ----------------------------------------------------------------------------
    def exec(self, node: Node) -> None:
        kind = node[0]
        if kind == "block":
            for stmt in node[1]:
                self.exec(stmt)
        elif kind == "expr":
            self.eval(node[1])
        elif kind == "print":
            _, args, redirect, target = node
            if not args:
                text = self.record
            else:
                ofmt = self.s(self.globals.scalars["OFMT"])
                text = self.s(self.globals.scalars["OFS"]).join(
                    fmt_num(v, ofmt) if isinstance(v, float) else str(v)
                    for v in (self.eval(a) for a in args))
            self.write_out(redirect, target, text + self.s(self.globals.scalars["ORS"]))
        elif kind == "printf":
            _, args, redirect, target = node
            values = [self.eval(a) for a in args]
            self.write_out(redirect, target, sprintf(self.s(values[0]), values[1:], self.need))
        elif kind == "if":
            if self.truth(self.eval(node[1])):
                self.exec(node[2])
            elif node[3] is not None:
                self.exec(node[3])
        elif kind == "while":
            while self.truth(self.eval(node[1])):
                if self.loop_body(node[2]):
                    break
        elif kind == "do":
            while True:
                if self.loop_body(node[1]) or not self.truth(self.eval(node[2])):
                    break
        elif kind == "for":
            _, init, cond, step, body = node
            if init is not None:
                self.exec(init)
            while cond is None or self.truth(self.eval(cond)):
                if self.loop_body(body):
                    break
                if step is not None:
                    self.exec(step)
        elif kind == "forin":
            _, var, arr, body = node
            for key in list(self.array(arr)):
                self.set_var(var, StrNum(key))
                if self.loop_body(body):
                    break
        elif kind == "next":
            raise _Next()
        elif kind == "nextfile":
            raise _NextFile()
        elif kind == "exit":
            raise _Exit(to_int(to_num(self.eval(node[1]))) & 0xFF if node[1] is not None else 0)
        elif kind == "return":
            raise _Return(self.eval(node[1]) if node[1] is not None else UNINIT)
        elif kind == "break":
            raise _Break()
        elif kind == "continue":
            raise _Continue()
        elif kind == "delete":
            arr = self.array(node[1])
            if node[2] is None:
                arr.clear()
            else:
                arr.pop(self.subscript(node[2]), None)

    def tick(self) -> None:
        budget = getattr(self.proc, "budget", None)
        if budget is not None:
            budget[0] -= 1
            if budget[0] <= 0:
                from tutor.engine.sh._proc import Exhausted

                raise Exhausted()

    def loop_body(self, body: Node) -> bool:
        """Run one iteration; True when `break` ended the loop. Iterations count against the
        run's step budget, so an endless loop ends as an endless shell loop does; records do
        not, so a long input file is no problem."""
        self.tick()
        try:
            self.exec(body)
        except _Break:
            return True
        except _Continue:
            pass
        return False

    # -- output --------------------------------------------------------------------------------
    def write_out(self, redirect: str | None, target: Node | None, text: str) -> None:
        data = text.encode()
        if redirect is None or target is None:
            self.proc.stdout += data
            return
        name = self.s(self.eval(target))
        if redirect == "|":
            self.pipes.setdefault(name, bytearray()).extend(data)
            return
        if name in ("/dev/stdout", "-"):
            self.proc.stdout += data
            return
        if name == "/dev/stderr":
            self.proc.stderr += data
            return
        try:
            if name not in self.files:
                self.files[name] = name
                write_bytes(self.proc, name, data, append=redirect == ">>")
            else:
                write_bytes(self.proc, name, data, append=True)
        except FsError as exc:
            raise AwkError(f'cannot open "{name}" for output') from exc

    def close(self, name: str) -> int:
        if name in self.pipes:
            return self.run_pipe(name, bytes(self.pipes.pop(name)))
        if name in self.files:
            del self.files[name]
            return 0
        if name in self.readers:
            del self.readers[name]
            return 0
        return -1

    def run_pipe(self, command: str, data: bytes) -> int:
        child = replace(self.proc, stdin=data)
        status = run_child(child, ["sh", "-c", command])
        self.proc.seconds = max(self.proc.seconds, child.seconds)
        return status

    def close_all(self) -> None:
        for name in list(self.pipes):
            self.close(name)

    def capture(self, command: str) -> str:
        child = replace(self.proc, stdout=bytearray(), stdin=b"")
        run_child(child, ["sh", "-c", command])
        self.proc.seconds = max(self.proc.seconds, child.seconds)
        return bytes(child.stdout).decode(errors="replace")

    # -- expressions ---------------------------------------------------------------------------
    def truth(self, v: Value) -> bool:
        if isinstance(v, float):
            return v != 0
        if isinstance(v, StrNum) and looks_numeric(v):
            return to_num(v) != 0
        return v != ""

    def match_regex(self, node: Node, text: str) -> re.Match[str] | None:
        if node[0] == "regex":
            return compile_ere(node[1]).search(text)
        return compile_ere(self.s(self.eval(node))).search(text)

    def assign(self, target: Node, value: Value) -> Value:
        kind = target[0]
        if kind == "var":
            self.set_var(target[1], value)
        elif kind == "field":
            self.set_field(to_int(to_num(self.eval(target[1]))), value)
        else:
            self.array(target[1])[self.subscript(target[2])] = value
        return value

    def eval(self, node: Node) -> Value:  # noqa: C901  (one dispatch over the node kinds)
        kind = node[0]
        if kind == "num":
            return float(node[1])
        if kind == "str":
            return str(node[1])
        if kind == "group":
            return self.eval(node[1])
        if kind == "regex":
            return 1.0 if compile_ere(node[1]).search(self.record) else 0.0
        if kind == "var":
            return self.get_var(node[1])
        if kind == "field":
            return self.get_field(to_int(to_num(self.eval(node[1]))))
        if kind == "index":
            arr = self.array(node[1])
            key = self.subscript(node[2])
            if key not in arr:
                arr[key] = UNINIT
            return arr[key]
        if kind == "assign":
            _, op, target, expr = node
            value = self.eval(expr)
            if op != "=":
                value = self.arith(op[0], to_num(self.eval(target)), to_num(value))
            elif isinstance(value, Uninit):
                value = UNINIT
            return self.assign(target, value)
        if kind == "cond":
            return self.eval(node[2]) if self.truth(self.eval(node[1])) else self.eval(node[3])
        if kind == "or":
            return 1.0 if self.truth(self.eval(node[1])) or self.truth(self.eval(node[2])) \
                else 0.0
        if kind == "and":
            return 1.0 if self.truth(self.eval(node[1])) and self.truth(self.eval(node[2])) \
                else 0.0
        if kind == "in":
            return 1.0 if self.subscript(node[1]) in self.array(node[2]) else 0.0
        if kind == "match":
            found = self.match_regex(node[3], self.s(self.eval(node[2]))) is not None
            return 1.0 if found != node[1] else 0.0
        if kind == "cmp":
            return 1.0 if self.compare(node[1], self.eval(node[2]), self.eval(node[3])) else 0.0
        if kind == "concat":
            left, right = self.s(self.eval(node[1])), self.s(self.eval(node[2]))
            self.need(len(left) + len(right))
            return left + right
        if kind == "bin":
            return self.arith(node[1], to_num(self.eval(node[2])), to_num(self.eval(node[3])))
        if kind == "neg":
            return -to_num(self.eval(node[1]))
        if kind == "pos":
            return to_num(self.eval(node[1]))
        if kind == "not":
            return 0.0 if self.truth(self.eval(node[1])) else 1.0
        if kind in ("preinc", "postinc"):
            old = to_num(self.eval(node[2]))
            new = old + (1 if node[1] == "INCR" else -1)
            self.assign(node[2], new)
            return new if kind == "preinc" else old
        if kind == "builtin":
            return self.builtin(node[1], node[2])
        if kind == "call":
            return self.call(node[1], node[2])
        if kind == "getline":
            return self.getline(node[1], node[2], node[3])
        raise AwkError(f"unknown node {kind}")

    def arith(self, op: str, a: float, b: float) -> float:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op in "/%":
            if b == 0:
                raise AwkError("division by zero" + (" in %" if op == "%" and
                                                      not self.busybox else ""))
            return a / b if op == "/" else math.fmod(a, b)
        try:
            return float(a**b)
        except (OverflowError, ZeroDivisionError):
            return math.inf
        except TypeError:
            return math.nan

    def compare(self, op: str, a: Value, b: Value) -> bool:
        if looks_numeric(a) and looks_numeric(b):
            x: Any = to_num(a)
            y: Any = to_num(b)
        else:
            x, y = self.s(a), self.s(b)
        return bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y,
                     "!=": x != y}[op])

    def call(self, name: str, args: list[Node]) -> Value:
        if name not in self.prog.functions:
            raise AwkError(f"function {name} never defined")
        params, body = self.prog.functions[name]
        if len(args) > len(params):
            raise AwkError(f"too many arguments in call to {name}")
        frame = Frame()
        for i, param in enumerate(params):
            if i < len(args):
                arg = args[i]
                if arg[0] == "var" and self.is_array(arg[1]):
                    frame.arrays[param] = self.array(arg[1])
                    continue
                if arg[0] == "var" and self.get_var_raw(arg[1]) is UNINIT and \
                        self.used_as_array(body, param):
                    frame.arrays[param] = self.array(arg[1])
                    continue
                frame.scalars[param] = self.eval(arg)
            else:
                frame.scalars[param] = UNINIT
        if len(self.frames) > 1000:
            raise AwkError("function call nesting too deep")
        self.frames.append(frame)
        try:
            self.exec(body)
        except _Return as r:
            return r.value
        finally:
            self.frames.pop()
        return UNINIT

    def is_array(self, name: str) -> bool:
        return name in self.frame_for(name).arrays

    def get_var_raw(self, name: str) -> Value:
        return self.frame_for(name).scalars.get(name, UNINIT)

    def used_as_array(self, body: Node, name: str) -> bool:
        """Whether a function body indexes its parameter (so an unset argument is an array)."""
        stack: list[Any] = [body]
        while stack:
            item = stack.pop()
            if isinstance(item, tuple):
                if item and item[0] in ("index", "delete") and item[1] == name:
                    return True
                if item and item[0] == "in" and item[2] == name:
                    return True
                if item and item[0] == "forin" and item[2] == name:
                    return True
                if item and item[0] == "builtin" and item[1] == "split" and len(item[2]) > 1 \
                        and item[2][1] == ("var", name):
                    return True
                stack.extend(item)
            elif isinstance(item, list):
                stack.extend(item)
        return False

    def getline(self, kind: str, target: Node | None, source: Node | None) -> Value:
        if kind == "main":
            text = self.next_main_record()
            if text is None:
                return 0.0
        else:
            name = self.s(self.eval(source)) if source is not None else "-"
            if name not in self.readers:
                if kind == "cmd":
                    data = self.capture(name)
                else:
                    try:
                        data = read_bytes(self.proc, name).decode(errors="replace")
                    except FsError:
                        return -1.0
                queue = self.records(data)
                queue.reverse()
                self.readers[name] = queue
            queue = self.readers[name]
            if not queue:
                return 0.0
            text = queue.pop()
            if kind == "cmd":
                g = self.globals.scalars
                g["NR"] = to_num(g["NR"]) + 1
        if target is None:
            self.set_record(text)
        else:
            self.assign(target, StrNum(text))
        return 1.0

    def builtin(self, name: str, args: list[Node]) -> Value:  # noqa: C901
        def arg(i: int) -> Value:
            return self.eval(args[i])

        def need(count: int) -> None:
            if len(args) < count:
                raise AwkError(f"not enough arguments passed to {name}(")

        if name == "length":
            if not args:
                return float(len(self.record))
            if args[0][0] == "var" and self.is_array(args[0][1]):
                return float(len(self.array(args[0][1])))
            return float(len(self.s(arg(0))))
        if name == "substr":
            need(2)
            text = self.s(arg(0))
            start = _round(to_num(arg(1)))
            length = _round(to_num(arg(2))) if len(args) > 2 else math.inf
            end = start + length
            first = max(start, 1)
            last = min(end, len(text) + 1)
            if last <= first:
                return ""
            return text[to_int(first) - 1:to_int(last) - 1]
        if name == "index":
            need(2)
            return float(self.s(arg(0)).find(self.s(arg(1))) + 1)
        if name == "split":
            need(2)
            text = self.s(arg(0))
            target = args[1]
            if target[0] != "var":
                raise AwkError("split: second argument is not an array")
            if len(args) > 2:
                sep_node = args[2]
                if sep_node[0] == "regex":
                    pieces = compile_ere(sep_node[1]).split(text) if text else []
                else:
                    pieces = self.split(text, self.s(self.eval(sep_node)))
            else:
                pieces = self.split(text, self.s(self.globals.scalars["FS"]))
            arr = self.array(target[1])
            arr.clear()
            for i, piece in enumerate(pieces, 1):
                arr[str(i)] = StrNum(piece)
            return float(len(pieces))
        if name in ("sub", "gsub"):
            need(2)
            target = args[2] if len(args) > 2 else ("field", ("num", 0.0))
            text = self.s(self.eval(target))
            regex = compile_ere(args[0][1] if args[0][0] == "regex" else self.s(arg(0)))
            repl = self.s(arg(1))
            count = 0
            out: list[str] = []
            pos = 0
            while pos <= len(text):
                m = regex.search(text, pos)
                if m is None:
                    break
                out.append(text[pos:m.start()])
                out.append(_replacement(repl, m.group(0)))
                count += 1
                if m.end() == m.start():
                    if m.start() < len(text):
                        out.append(text[m.start()])
                    pos = m.end() + 1
                else:
                    pos = m.end()
                if name == "sub":
                    break
            if count:
                out.append(text[pos:])
                if target[0] in ("var", "field", "index"):
                    self.assign(target, "".join(out))
            return float(count)
        if name == "match":
            need(2)
            m = self.match_regex(args[1], self.s(arg(0)))
            g = self.globals.scalars
            g["RSTART"] = float(m.start() + 1) if m else 0.0
            g["RLENGTH"] = float(m.end() - m.start()) if m else -1.0
            return g["RSTART"]
        if name == "sprintf":
            need(1)
            values = [self.eval(a) for a in args]
            return sprintf(self.s(values[0]), values[1:], self.need)
        if name == "tolower":
            return self.s(arg(0)).lower() if args else ""
        if name == "toupper":
            return self.s(arg(0)).upper() if args else ""
        if name == "int":
            need(1)
            x = to_num(arg(0))
            return x if math.isinf(x) or math.isnan(x) else float(math.trunc(x))
        if name in ("sin", "cos", "exp", "log", "sqrt"):
            need(1)
            x = to_num(arg(0))
            try:
                return float(getattr(math, name)(x))
            except (ValueError, OverflowError):
                # glibc's results: -nan for a negative log/sqrt, inf for a too large exp
                return float("-nan") if name != "exp" else math.inf
        if name == "atan2":
            need(2)
            return math.atan2(to_num(arg(0)), to_num(arg(1)))
        if name == "rand":
            # A fixed linear congruential sequence: the same on every run, as awk without srand.
            self.rand_state = (self.rand_state * 1103515245 + 12345 + to_int(self.seed)) % (2**31)
            return self.rand_state / 2**31
        if name == "srand":
            old = self.seed
            self.seed = to_num(arg(0)) if args else float(getattr(self.proc, "now", 0))
            self.rand_state = to_int(self.seed) % (2**31)
            return old
        if name == "system":
            need(1)
            return float(run_child(self.proc, ["sh", "-c", self.s(arg(0))]))
        if name == "close":
            need(1)
            return float(self.close(self.s(arg(0))))
        if name == "fflush":
            return 0.0
        raise AwkError(f"function {name} never defined")


def _round(x: float) -> float:
    """substr's rounding of positions (round half to even, as the C library's rint)."""
    if math.isinf(x) or math.isnan(x):
        return x
    return float(round(x))


def _replacement(repl: str, matched: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(repl):
        c = repl[i]
        if c == "\\" and i + 1 < len(repl) and repl[i + 1] in "&\\":
            out.append(repl[i + 1])
            i += 2
        elif c == "&":
            out.append(matched)
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _unescape(text: str) -> str:
    """Command-line assignments (`-v x=a\\tb`) process escapes as string literals do."""
    if "\\" not in text:
        return text
    from tutor.engine.sh._awkparse import _escape

    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            ch, i = _escape(text, i + 1)
            out.append(ch)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


_USAGE_BUSYBOX = (
    "BusyBox v1.36.1 multi-call binary.\n\n"
    "Usage: awk [OPTIONS] [AWK_PROGRAM] [FILE]...\n\n"
    "\t-v VAR=VAL\tSet variable\n\t-F SEP\t\tUse SEP as field separator\n"
    "\t-f FILE\t\tRead program from FILE\n\t-e AWK_PROGRAM\n"
)
_USAGE_MAWK = (
    "usage: mawk [-F value] [-v var=value] [--] 'program text' [file ...]\n"
    "usage: mawk [-F value] [-v var=value] [-f program-file] [--] [file ...]\n"
)


@program("awk", "mawk", "gawk", "nawk")
def awk(proc: Process) -> int:
    busybox = tools_of(proc) == "busybox"
    me = proc.argv[0].rsplit("/", 1)[-1]
    args = proc.argv[1:]
    fs: str | None = None
    assigns: list[str] = []
    sources: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        opt, rest = a[1:2], a[2:]
        if opt in ("F", "v", "f", "e"):
            if not rest:
                i += 1
                if i >= len(args):
                    if busybox:
                        proc.err(f"awk: option requires an argument -- '{opt}'\n"
                                 + _USAGE_BUSYBOX)
                        return 1
                    proc.err(f"{me}: option requires an argument -- {opt}\n" + _USAGE_MAWK)
                    return 2
                rest = args[i]
            if opt == "F":
                fs = "\t" if rest == "t" else _unescape(rest)
            elif opt == "v":
                assigns.append(rest)
            elif opt == "f":
                try:
                    sources.append(read_bytes(proc, rest).decode(errors="replace"))
                except FsError as exc:
                    if busybox:
                        proc.err(f"awk: can't open '{rest}': {exc.strerror}\n")
                        return 1
                    proc.err(f"{me}: couldn't open file {rest}\n")
                    return 2
            else:
                sources.append(rest)
        elif a.startswith("--") and a[2:].split("=")[0] in ("version", "help"):
            proc.out("mawk 1.3.4 20240123\n" if not busybox else _USAGE_BUSYBOX)
            return 0
        else:
            if busybox:
                proc.err(f"awk: unrecognized option '{a}'\n" + _USAGE_BUSYBOX)
                return 1
            proc.err(f"{me}: not an option {a}\n")
            return 2
        i += 1
    operands = args[i:]
    if not sources:
        if not operands:
            proc.err(_USAGE_BUSYBOX if busybox else _USAGE_MAWK)
            return 1 if busybox else 2
        sources.append(operands.pop(0))
    source = "\n".join(sources)
    try:
        prog = parse(source)
    except AwkSyntaxError as exc:
        if busybox:
            message = "Unexpected end of string" if exc.eof else "Unexpected token"
            proc.err(f"awk: cmd. line:{exc.line}: {message}\n")
            return 1
        if exc.unexpected:
            proc.err(f"{me}: {exc.line}: unexpected character '{exc.near}'\n")
        elif exc.missing:
            proc.err(f"{me}: line {exc.line}: missing {exc.missing} near {exc.near}\n")
        elif exc.near.startswith("runaway"):
            proc.err(f"{me}: line {exc.line}: {exc.near}\n")
        else:
            proc.err(f"{me}: line {exc.line}: syntax error at or near {exc.near}\n")
        return 2
    interp = Interp(proc, prog, busybox)
    try:
        if fs is not None:
            interp.globals.scalars["FS"] = fs
        for assignment in assigns:
            name, eq, value = assignment.partition("=")
            if not eq or not re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", name):
                if busybox:
                    proc.err("awk: unexpected token\n")
                    return 1
                proc.err(f"{me}: improper assignment: -v {assignment}\n")
                return 2
            interp.set_var(name, StrNum(_unescape(value)))
        return interp.run(operands)
    except AwkError as exc:
        if busybox:
            text = str(exc)
            proc.err(f"awk: cmd. line:1: {text[:1].upper() + text[1:]}\n")
            return 1
        if exc.plain:
            proc.err(f"{me}: {exc}\n")
            return 2
        g = interp.globals.scalars
        proc.err(f"{me}: run time error: {exc}\n\tFILENAME=\"{interp.s(g['FILENAME'])}\" "
                 f"FNR={to_int(to_num(g['FNR']))} NR={to_int(to_num(g['NR']))}\n")
        return 2
    except RecursionError:
        proc.err(f"{me}: function call nesting too deep\n")
        return 2
