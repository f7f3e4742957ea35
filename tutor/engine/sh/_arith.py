"""`$(( … ))`: integer arithmetic as POSIX shells evaluate it (64-bit, C operators)."""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN = re.compile(r"\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|<<|>>|<=|>=|==|!=|&&|\|\||.)")
BINARY: list[set[str]] = [
    {"||"},
    {"&&"},
    {"|"},
    {"^"},
    {"&"},
    {"==", "!="},
    {"<", ">", "<=", ">="},
    {"<<", ">>"},
    {"+", "-"},
    {"*", "/", "%"},
]


class ArithError(Exception):
    """Bad arithmetic; the message is what follows the shell's prefix."""


def _wrap(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >> 63 else value


def evaluate(expr: str, lookup: Callable[[str], str]) -> int:
    tokens: list[str] = [t for t in TOKEN.findall(expr) if t.strip()]
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def value_of(name: str) -> int:
        raw = lookup(name).strip() or "0"
        try:
            return int(raw, 0) if not raw.lstrip("-").isdigit() else int(raw)
        except ValueError:
            raise ArithError(f"Illegal number: {raw}") from None

    def unary() -> int:
        tok = take() if pos < len(tokens) else ""
        if tok == "(":
            v = binary(0)
            if peek() != ")":
                raise ArithError("arithmetic expression: expecting ')'")
            take()
            return v
        if tok in ("-", "+", "!", "~"):
            v = unary()
            return {"-": -v, "+": v, "!": int(not v), "~": ~v}[tok]
        if tok[:1].isdigit():
            return int(tok, 16) if tok[:2].lower() == "0x" else int(tok, 8 if tok[0] == "0" else 10)
        if tok[:1].isalpha() or tok[:1] == "_":
            return value_of(tok)
        raise ArithError(f'arithmetic expression: expecting primary: "{expr}"')

    def binary(level: int) -> int:
        if level == len(BINARY):
            return unary()
        left = binary(level + 1)
        while peek() in BINARY[level]:
            op = take()
            right = binary(level + 1)
            if op in ("/", "%") and right == 0:
                raise ArithError("arithmetic expression: division by zero")
            left = _apply(op, left, right)
        return left

    result = binary(0) if tokens else 0
    if pos != len(tokens):
        raise ArithError(f'arithmetic expression: expecting EOF: "{expr}"')
    return _wrap(result)


def _apply(op: str, a: int, b: int) -> int:
    if op == "/":
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    if op == "%":
        return a - b * _apply("/", a, b)
    ops: dict[str, Callable[[int, int], int]] = {
        "||": lambda x, y: int(bool(x or y)),
        "&&": lambda x, y: int(bool(x and y)),
        "|": lambda x, y: x | y,
        "^": lambda x, y: x ^ y,
        "&": lambda x, y: x & y,
        "==": lambda x, y: int(x == y),
        "!=": lambda x, y: int(x != y),
        "<": lambda x, y: int(x < y),
        ">": lambda x, y: int(x > y),
        "<=": lambda x, y: int(x <= y),
        ">=": lambda x, y: int(x >= y),
        "<<": lambda x, y: x << min(y, 64),
        ">>": lambda x, y: x >> min(y, 64),
        "+": lambda x, y: x + y,
        "-": lambda x, y: x - y,
        "*": lambda x, y: x * y,
    }
    return _wrap(ops[op](a, b))
