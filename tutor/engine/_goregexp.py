"""Go `regexp` syntax translated to Python's `re`, for the expressions patternmatcher builds.

moby's patternmatcher turns a `.dockerignore` line into a Go regular expression almost verbatim:
`[`, `]`, `^` and `\\x` escapes pass through untouched, so a line such as `a\\d*` or `[[:digit:]]`
means what Go's regexp makes of it, not what a shell glob would. This module parses that Go syntax
(classes, POSIX and Perl classes, escapes, `\\Q…\\E`) and emits an equivalent Python pattern, or
reports that Go would have refused to compile it.
"""

from __future__ import annotations

import re

_MAX_RUNE = 0x10FFFF
Ranges = list[tuple[int, int]]

_PERL: dict[str, Ranges] = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
}

_POSIX: dict[str, Ranges] = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}

_CONTROL = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"


class _Invalid(Exception):
    """Go's regexp.Compile would return an error for this expression."""


def compile_go(expr: str) -> re.Pattern[str] | None:
    """The Python equivalent of Go's `regexp.Compile(expr)`, or None where Go reports an error.

    Unicode classes (`\\pL`) are the one Go feature without a stdlib equivalent; they count as
    invalid here.
    """
    try:
        return re.compile(_Translator(expr).run(), re.ASCII)
    except (_Invalid, re.error):
        return None


def _complement(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return out


def _class(ranges: Ranges, negate: bool = False) -> str:
    if not ranges:
        return "[^\\U00000000-\\U0010ffff]" if not negate else "[\\U00000000-\\U0010ffff]"
    items = "".join(
        f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges
    )
    return f"[{'^' if negate else ''}{items}]"


class _Translator:
    def __init__(self, expr: str) -> None:
        self.s = expr
        self.i = 0
        self.out: list[str] = []

    def run(self) -> str:
        depth = 0
        operand = False  # whether a repetition operator has something to repeat
        repeated = False
        while self.i < len(self.s):
            ch = self.s[self.i]
            self.i += 1
            if ch in "*+?":
                if not operand or (repeated and ch != "?"):
                    raise _Invalid
                if repeated:  # a lazy quantifier such as `*?`; a third operator is an error
                    operand = False
                self.out.append(ch)
                repeated = True
                continue
            repeated = False
            operand = True
            if ch == "(":
                if self.s.startswith("?", self.i):
                    raise _Invalid  # flags and named groups are never generated
                depth += 1
                operand = False
                self.out.append("(?:")
            elif ch == ")":
                if depth == 0:
                    raise _Invalid
                depth -= 1
                self.out.append(")")
            elif ch == "|":
                operand = False
                self.out.append("|")
            elif ch == "^":
                self.out.append("\\A")
            elif ch == "$":
                self.out.append("\\Z")
            elif ch == ".":
                self.out.append(".")  # neither Go nor Python lets it match a newline by default
            elif ch == "[":
                self.out.append(self._parse_class())
            elif ch == "\\":
                self.out.append(self._top_escape())
            else:
                self.out.append(re.escape(ch))
        if depth:
            raise _Invalid
        return "".join(self.out)

    def _top_escape(self) -> str:
        if self.i >= len(self.s):
            raise _Invalid
        ch = self.s[self.i]
        if ch in "AzbB":
            self.i += 1
            return {"A": "\\A", "z": "\\Z", "b": "\\b", "B": "\\B"}[ch]
        if ch == "Q":
            end = self.s.find("\\E", self.i + 1)
            literal = self.s[self.i + 1 :] if end < 0 else self.s[self.i + 1 : end]
            self.i = len(self.s) if end < 0 else end + 2
            return "".join(re.escape(c) for c in literal)
        if ch.lower() in _PERL:
            self.i += 1
            return _class(_PERL[ch.lower()], negate=ch.isupper())
        return re.escape(chr(self._escape()))

    def _escape(self) -> int:
        """A rune written as an escape; `self.i` is just past the backslash."""
        if self.i >= len(self.s):
            raise _Invalid
        ch = self.s[self.i]
        self.i += 1
        if ch.isascii() and not ch.isalnum():
            return ord(ch)
        if ch in "1234567" and not (self.i < len(self.s) and self.s[self.i] in _OCTAL):
            raise _Invalid  # a back-reference, which Go does not support
        if ch in _OCTAL:
            value = int(ch)
            for _ in range(2):
                if self.i < len(self.s) and self.s[self.i] in _OCTAL:
                    value = value * 8 + int(self.s[self.i])
                    self.i += 1
            return value
        if ch == "x":
            return self._hex()
        if ch in _CONTROL:
            return _CONTROL[ch]
        raise _Invalid

    def _hex(self) -> int:
        if self.s.startswith("{", self.i):
            end = self.s.find("}", self.i + 1)
            digits = self.s[self.i + 1 : end] if end >= 0 else ""
            if not digits or any(d not in _HEX for d in digits) or int(digits, 16) > _MAX_RUNE:
                raise _Invalid
            self.i = end + 1
            return int(digits, 16)
        pair = self.s[self.i : self.i + 2]
        if len(pair) < 2 or any(d not in _HEX for d in pair):
            raise _Invalid
        self.i += 2
        return int(pair, 16)

    def _parse_class(self) -> str:
        s = self.s
        negate = s.startswith("^", self.i)
        if negate:
            self.i += 1
        ranges: Ranges = []
        first = True
        while first or self.i >= len(s) or s[self.i] != "]":
            if self.i >= len(s):
                raise _Invalid
            first = False
            if s.startswith("[:", self.i) and len(s) - self.i > 2:
                end = s.find(":]", self.i + 2)
                if end >= 0:
                    name = s[self.i + 2 : end]
                    base = name[1:] if name.startswith("^") else name
                    if base not in _POSIX:
                        raise _Invalid
                    group = _POSIX[base]
                    ranges += _complement(group) if name.startswith("^") else group
                    self.i = end + 2
                    continue
            if s.startswith("\\", self.i) and len(s) - self.i > 2 and s[self.i + 1] in "pP":
                raise _Invalid
            if s.startswith("\\", self.i) and s[self.i + 1 : self.i + 2].lower() in _PERL:
                letter = s[self.i + 1]
                group = _PERL[letter.lower()]
                ranges += _complement(group) if letter.isupper() else group
                self.i += 2
                continue
            lo = self._class_char()
            hi = lo
            if s.startswith("-", self.i) and self.i + 1 < len(s) and s[self.i + 1] != "]":
                self.i += 1
                hi = self._class_char()
                if hi < lo:
                    raise _Invalid
            ranges.append((lo, hi))
        self.i += 1
        return _class(ranges, negate)

    def _class_char(self) -> int:
        if self.i >= len(self.s):
            raise _Invalid
        ch = self.s[self.i]
        self.i += 1
        if ch == "\\":
            return self._escape()
        return ord(ch)
