"""The awk language: tokens and a recursive-descent parser to a small tuple tree.

The grammar is POSIX awk's (the one mawk and busybox awk implement): pattern-action items,
BEGIN/END, ranges, functions, the statement forms, and the operator table with its quirks
(concatenation by juxtaposition, `>` meaning redirection inside an unparenthesised `print`,
`/re/` versus division decided by the token before it, newlines that end statements except
after `{`, `,`, `&&`, `||`, `do`, `else` and a closing `)` of `if`/`for`/`while`).

Nodes are tuples whose first item names the kind; `awk.py` evaluates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Node = tuple[Any, ...]

KEYWORDS = {
    "BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break",
    "continue", "next", "nextfile", "exit", "return", "delete", "in", "getline", "print",
    "printf",
}
BUILTINS = {
    "length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "sin", "cos",
    "atan2", "exp", "log", "sqrt", "int", "rand", "srand", "tolower", "toupper", "system",
    "close", "fflush",
}
# Tokens after which `/` divides (an operand just ended); anywhere else it starts a regex.
_OPERAND_END = {"NUMBER", "STRING", "ERE", "NAME", "FUNC_NAME", ")", "]", "$", "INCR", "DECR",
                "BUILTIN"}
_PUNCT = [
    "+=", "-=", "*=", "/=", "%=", "^=", "**=", "||", "&&", "==", "<=", ">=", "!=", "++", "--",
    ">>", "!~", "**", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/", "%", "^",
    "!", ">", "<", "|", "?", ":", "~", "$", "=",
]


class AwkSyntaxError(Exception):
    """The program text is not awk; `near` is the token the parser stopped at ('' at the end)."""

    def __init__(self, line: int, near: str, eof: bool = False, missing: str = "",
                 unexpected: bool = False) -> None:
        super().__init__(near)
        self.line = line
        self.near = near
        self.eof = eof
        self.missing = missing
        """`)` or `}` when the parser stopped where one was still open (mawk says so)."""
        self.unexpected = unexpected
        """A character that starts no token at all."""


@dataclass
class Token:
    kind: str
    value: Any
    line: int


def _escape(text: str, i: int) -> tuple[str, int]:
    """The character a backslash escape in a string stands for, and the index after it."""
    c = text[i]
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "/": "/", "a": "\a",
              "b": "\b", "f": "\f", "v": "\v"}
    if c in simple:
        return simple[c], i + 1
    if c in "01234567":
        j = i
        while j < len(text) and j < i + 3 and text[j] in "01234567":
            j += 1
        return chr(int(text[i:j], 8)), j
    return "\\" + c, i + 1


def tokenize(src: str) -> list[Token]:
    toks: list[Token] = []
    i, line, n = 0, 1, len(src)

    def prev() -> str:
        return toks[-1].kind if toks else ""

    while i < n:
        c = src[i]
        if c in " \t\r":
            i += 1
        elif c == "\\" and i + 1 < n and src[i + 1] == "\n":
            i, line = i + 2, line + 1
        elif c == "#":
            while i < n and src[i] != "\n":
                i += 1
        elif c == "\n":
            toks.append(Token("NEWLINE", "\n", line))
            i, line = i + 1, line + 1
        elif c == '"':
            j = i + 1
            out: list[str] = []
            while j < n and src[j] != '"':
                if src[j] == "\n":
                    raise AwkSyntaxError(line, "runaway string constant \"" + "".join(out))
                if src[j] == "\\" and j + 1 < n:
                    if src[j + 1] == "\n":
                        j += 2
                        continue
                    ch, j = _escape(src, j + 1)
                    out.append(ch)
                else:
                    out.append(src[j])
                    j += 1
            if j >= n:
                raise AwkSyntaxError(line, "runaway string constant \"" + "".join(out))
            toks.append(Token("STRING", "".join(out), line))
            i = j + 1
        elif c == "/" and prev() not in _OPERAND_END:
            j = i + 1
            out = []
            in_bracket = False
            while j < n and (src[j] != "/" or in_bracket):
                if src[j] == "\n":
                    raise AwkSyntaxError(line, "runaway regular expression /" + "".join(out))
                if src[j] == "\\" and j + 1 < n:
                    out.append("/" if src[j + 1] == "/" else src[j:j + 2])
                    j += 2
                    continue
                if src[j] == "[" and not in_bracket:
                    in_bracket = True
                    out.append("[")
                    j += 1
                    if j < n and src[j] == "^":
                        out.append("^")
                        j += 1
                    if j < n and src[j] == "]":
                        out.append("]")
                        j += 1
                    continue
                if src[j] == "]" and in_bracket:
                    in_bracket = False
                out.append(src[j])
                j += 1
            if j >= n:
                raise AwkSyntaxError(line, "runaway regular expression /" + "".join(out))
            toks.append(Token("ERE", "".join(out), line))
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i
            while j < n and (src[j].isdigit() or src[j] == "."):
                j += 1
            if j < n and src[j] in "eE":
                k = j + 1
                if k < n and src[k] in "+-":
                    k += 1
                if k < n and src[k].isdigit():
                    j = k
                    while j < n and src[j].isdigit():
                        j += 1
            text = src[i:j]
            try:
                value = float(text.rstrip(".") if text.count(".") <= 1 else text)
            except ValueError as exc:
                raise AwkSyntaxError(line, text) from exc
            toks.append(Token("NUMBER", value, line))
            i = j
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            word = src[i:j]
            if word in KEYWORDS:
                toks.append(Token(word, word, line))
            elif word in BUILTINS:
                toks.append(Token("BUILTIN", word, line))
            elif j < n and src[j] == "(":
                toks.append(Token("FUNC_NAME", word, line))
            else:
                toks.append(Token("NAME", word, line))
            i = j
        else:
            for p in _PUNCT:
                if src.startswith(p, i):
                    kind = {"++": "INCR", "--": "DECR", "**": "^", "**=": "^="}.get(p, p)
                    toks.append(Token(kind, p, line))
                    i += len(p)
                    break
            else:
                raise AwkSyntaxError(line, c, unexpected=True)
    toks.append(Token("EOF", "", line))
    return toks


@dataclass
class Program:
    begin: list[Node]
    items: list[tuple[Node | None, Node | None, Node | None]]
    """(pattern, range end pattern, action) — a missing action prints the record."""
    end: list[Node]
    functions: dict[str, tuple[list[str], Node]]


class Parser:
    def __init__(self, src: str) -> None:
        self.toks = tokenize(src)
        self.pos = 0
        self.no_in = 0  # inside `for (` init: `in` is for-in, not the operator
        self.no_gt = 0  # inside an unparenthesised print list: `>` is redirection

    # -- token helpers -------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def at(self, *kinds: str) -> bool:
        return self.tok.kind in kinds

    def take(self) -> Token:
        t = self.tok
        self.pos += 1
        return t

    def error(self) -> AwkSyntaxError:
        t = self.tok
        seen = [x.kind for x in self.toks[: self.pos]]
        parens = seen.count("(") - seen.count(")")
        braces = seen.count("{") - seen.count("}")
        missing = ""
        if parens > 0 and t.kind in ("EOF", "NEWLINE", ";", "}"):
            missing = ")"
        elif braces > 0 and t.kind in ("EOF", "BEGIN", "END"):
            missing = "}"
        if t.kind == "EOF":
            return AwkSyntaxError(t.line, "end of file", eof=True, missing=missing)
        near = {"NEWLINE": "end of line", "ERE": f"/{t.value}/"}.get(t.kind)
        if near is None:
            near = _fmt_number(t.value) if t.kind == "NUMBER" else str(t.value)
        return AwkSyntaxError(t.line, near, missing=missing)

    def expect(self, kind: str) -> Token:
        if not self.at(kind):
            raise self.error()
        return self.take()

    def nl(self) -> None:
        while self.at("NEWLINE"):
            self.take()

    def terminators(self) -> None:
        while self.at("NEWLINE", ";"):
            self.take()

    # -- program -------------------------------------------------------------------------------
    def program(self) -> Program:
        prog = Program([], [], [], {})
        self.terminators()
        while not self.at("EOF"):
            if self.at("BEGIN"):
                self.take()
                prog.begin.append(self.action())
            elif self.at("END"):
                self.take()
                prog.end.append(self.action())
            elif self.at("function", "func"):
                self.take()
                name_tok = self.take()
                if name_tok.kind not in ("NAME", "FUNC_NAME"):
                    raise AwkSyntaxError(name_tok.line, str(name_tok.value))
                self.expect("(")
                params: list[str] = []
                while not self.at(")"):
                    params.append(self.expect("NAME").value)
                    if self.at(","):
                        self.take()
                        self.nl()
                self.expect(")")
                self.nl()
                prog.functions[name_tok.value] = (params, self.action())
            else:
                pattern: Node | None = None
                end: Node | None = None
                if not self.at("{"):
                    pattern = self.expr()
                    if self.at(","):
                        self.take()
                        self.nl()
                        end = self.expr()
                action = self.action() if self.at("{") else None
                prog.items.append((pattern, end, action))
            self.terminators()
        return prog

    def action(self) -> Node:
        self.expect("{")
        body = self.statements()
        self.expect("}")
        return ("block", body)

    def statements(self) -> list[Node]:
        out: list[Node] = []
        self.terminators()
        while not self.at("}", "EOF"):
            out.append(self.statement())
            self.terminators()
        if self.at("EOF"):
            raise self.error()
        return out

    def simple_end(self) -> None:
        """A simple statement ends at `;`, a newline, or before `}`."""
        if self.at(";", "NEWLINE"):
            self.take()
        elif not self.at("}", "EOF"):
            raise self.error()

    def body(self) -> Node:
        self.nl()
        if self.at(";"):
            self.take()
            return ("block", [])
        return self.statement()

    def statement(self) -> Node:
        t = self.tok.kind
        if t == "{":
            return self.action()
        if t == "if":
            self.take()
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            then = self.body()
            save = self.pos
            self.terminators()
            if self.at("else"):
                self.take()
                return ("if", cond, then, self.body())
            self.pos = save
            return ("if", cond, then, None)
        if t == "while":
            self.take()
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            if self.at(";"):
                self.take()
                return ("while", cond, ("block", []))
            return ("while", cond, self.body())
        if t == "do":
            self.take()
            stmt = self.body()
            self.terminators()
            self.expect("while")
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            self.simple_end()
            return ("do", stmt, cond)
        if t == "for":
            return self.for_statement()
        if t == ";":
            self.take()
            return ("block", [])
        node = self.simple_statement()
        self.simple_end()
        return node

    def for_statement(self) -> Node:
        self.take()
        self.expect("(")
        if self.at("NAME") and self.toks[self.pos + 1].kind == "in":
            save = self.pos
            var = self.take().value
            self.take()
            if self.at("NAME") and self.toks[self.pos + 1].kind == ")":
                arr = self.take().value
                self.take()
                return ("forin", var, arr, self.body())
            self.pos = save
        init = None if self.at(";") else self.simple_statement()
        self.expect(";")
        self.nl()
        cond = None if self.at(";") else self.expr()
        self.expect(";")
        self.nl()
        step = None if self.at(")") else self.simple_statement()
        self.expect(")")
        if self.at(";"):
            self.take()
            return ("for", init, cond, step, ("block", []))
        return ("for", init, cond, step, self.body())

    def simple_statement(self) -> Node:
        t = self.tok.kind
        if t in ("print", "printf"):
            return self.print_statement()
        if t in ("next", "nextfile", "break", "continue"):
            self.take()
            return (t,)
        if t in ("exit", "return"):
            self.take()
            value = None if self.at(";", "NEWLINE", "}", "EOF") else self.expr()
            return (t, value)
        if t == "delete":
            self.take()
            name = self.expect("NAME").value
            if self.at("["):
                self.take()
                subs = self.expr_list()
                self.expect("]")
                return ("delete", name, subs)
            return ("delete", name, None)
        return ("expr", self.expr())

    def print_statement(self) -> Node:
        kind = self.take().kind
        args: list[Node] = []
        if not self.at(";", "NEWLINE", "}", ">", ">>", "|", "EOF"):
            self.no_gt += 1
            try:
                if self.at("("):
                    # `print (a, b) > f` — a parenthesised list, or an expression beginning
                    # with a parenthesised one: try the list first.
                    save = self.pos
                    self.take()
                    self.no_gt -= 1
                    try:
                        inner = self.expr_list()
                    finally:
                        self.no_gt += 1
                    if self.at(")") and self.toks[self.pos + 1].kind in (
                        ";", "NEWLINE", "}", ">", ">>", "|", "EOF"
                    ):
                        self.take()
                        args = [("group", e) for e in inner]
                    else:
                        self.pos = save
                        args = self.expr_list()
                else:
                    args = self.expr_list()
            finally:
                self.no_gt -= 1
        redirect: str | None = None
        target: Node | None = None
        if self.at(">", ">>", "|"):
            redirect = self.take().kind
            target = self.concat_expr()
        if kind == "printf" and not args:
            raise self.error()
        return (kind, args, redirect, target)

    def expr_list(self) -> list[Node]:
        out = [self.expr()]
        while self.at(","):
            self.take()
            self.nl()
            out.append(self.expr())
        return out

    # -- expressions ---------------------------------------------------------------------------
    def expr(self) -> Node:
        left = self.ternary()
        if self.at("=", "+=", "-=", "*=", "/=", "%=", "^="):
            if left[0] not in ("var", "field", "index"):
                raise self.error()
            op = self.take().kind
            self.nl()
            return ("assign", op, left, self.expr())
        return left

    def ternary(self) -> Node:
        cond = self.or_expr()
        if self.at("?"):
            self.take()
            self.nl()
            a = self.expr()
            self.nl()
            self.expect(":")
            self.nl()
            b = self.expr()
            return ("cond", cond, a, b)
        return cond

    def or_expr(self) -> Node:
        left = self.and_expr()
        while self.at("||"):
            self.take()
            self.nl()
            left = ("or", left, self.and_expr())
        return left

    def and_expr(self) -> Node:
        left = self.in_expr()
        while self.at("&&"):
            self.take()
            self.nl()
            left = ("and", left, self.in_expr())
        return left

    def in_expr(self) -> Node:
        left = self.match_expr()
        while self.at("in") and not self.no_in:
            self.take()
            name = self.expect("NAME").value
            left = ("in", [left], name)
        return left

    def match_expr(self) -> Node:
        left = self.rel_expr()
        while self.at("~", "!~"):
            neg = self.take().kind == "!~"
            left = ("match", neg, left, self.rel_expr())
        return left

    def rel_expr(self) -> Node:
        left = self.concat_expr()
        ops = ("<", "<=", "!=", "==", ">=") if self.no_gt else ("<", "<=", "!=", "==", ">", ">=")
        if self.at(*ops):
            op = self.take().kind
            left = ("cmp", op, left, self.concat_expr())
        return left

    def starts_operand(self) -> bool:
        t = self.tok.kind
        if t == "in" and self.no_in:
            return False
        return t in ("NUMBER", "STRING", "ERE", "NAME", "FUNC_NAME", "BUILTIN", "$", "!", "(",
                     "-", "+", "INCR", "DECR")

    def concat_expr(self) -> Node:
        left = self.additive()
        while self.starts_operand() and self.tok.kind not in ("-", "+", "!"):
            left = ("concat", left, self.additive())
        # `cmd | getline [var]`
        while self.at("|") and self.toks[self.pos + 1].kind == "getline":
            self.take()
            self.take()
            target = self.opt_lvalue()
            left = ("getline", "cmd", target, left)
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.at("+", "-"):
            op = self.take().kind
            left = ("bin", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.take().kind
            left = ("bin", op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.at("!"):
            self.take()
            return ("not", self.unary())
        if self.at("-"):
            self.take()
            return ("neg", self.unary())
        if self.at("+"):
            self.take()
            return ("pos", self.unary())
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.at("^"):
            self.take()
            # right-associative, and binds tighter than unary minus on its left only
            exponent = self.unary() if self.at("-", "+", "!") else self.power()
            return ("bin", "^", base, exponent)
        return base

    def postfix(self) -> Node:
        if self.at("INCR", "DECR"):
            op = self.take().kind
            target = self.postfix()
            if target[0] not in ("var", "field", "index"):
                raise self.error()
            return ("preinc", op, target)
        node = self.primary()
        if self.at("INCR", "DECR") and node[0] in ("var", "field", "index"):
            return ("postinc", self.take().kind, node)
        return node

    def opt_lvalue(self) -> Node | None:
        if self.at("$"):
            self.take()
            return ("field", self.postfix_field())
        if self.at("NAME"):
            name = self.take().value
            if self.at("["):
                self.take()
                subs = self.expr_list()
                self.expect("]")
                return ("index", name, subs)
            return ("var", name)
        return None

    def postfix_field(self) -> Node:
        if self.at("INCR", "DECR"):
            op = self.take().kind
            return ("preinc", op, self.primary())
        if self.at("-"):
            self.take()
            return ("neg", self.primary())
        return self.primary()

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "NUMBER":
            self.take()
            return ("num", t.value)
        if t.kind == "STRING":
            self.take()
            return ("str", t.value)
        if t.kind == "ERE":
            self.take()
            return ("regex", t.value)
        if t.kind == "$":
            self.take()
            return ("field", self.postfix_field())
        if t.kind == "(":
            self.take()
            save_gt, save_in = self.no_gt, self.no_in
            self.no_gt = self.no_in = 0
            first = self.expr()
            if self.at(","):
                # `(a, b) in arr`
                subs = [first]
                while self.at(","):
                    self.take()
                    subs.append(self.expr())
                self.expect(")")
                self.no_gt, self.no_in = save_gt, save_in
                self.expect("in")
                return ("in", subs, self.expect("NAME").value)
            self.expect(")")
            self.no_gt, self.no_in = save_gt, save_in
            return ("group", first)
        if t.kind == "getline":
            self.take()
            target = self.opt_lvalue()
            if self.at("<"):
                self.take()
                return ("getline", "file", target, self.primary_no_concat())
            return ("getline", "main", target, None)
        if t.kind == "BUILTIN":
            self.take()
            name = t.value
            if self.at("("):
                self.take()
                self.nl()
                args = [] if self.at(")") else self.call_args()
                self.expect(")")
                return ("builtin", name, args)
            if name == "length":
                return ("builtin", name, [])
            raise self.error()
        if t.kind == "FUNC_NAME":
            self.take()
            self.expect("(")
            self.nl()
            args = [] if self.at(")") else self.call_args()
            self.expect(")")
            return ("call", t.value, args)
        if t.kind == "NAME":
            self.take()
            if self.at("["):
                self.take()
                subs = self.expr_list()
                self.expect("]")
                return ("index", t.value, subs)
            return ("var", t.value)
        if t.kind in ("-", "+", "!"):
            return self.unary()
        raise self.error()

    def primary_no_concat(self) -> Node:
        if self.at("$"):
            self.take()
            return ("field", self.postfix_field())
        return self.primary()

    def call_args(self) -> list[Node]:
        save_gt, save_in = self.no_gt, self.no_in
        self.no_gt = self.no_in = 0
        try:
            out = [self.expr()]
            while self.at(","):
                self.take()
                self.nl()
                out.append(self.expr())
            self.nl()
            return out
        finally:
            self.no_gt, self.no_in = save_gt, save_in


def _fmt_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def parse(src: str) -> Program:
    return Parser(src).program()
