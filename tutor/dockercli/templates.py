"""The subset of Go's text/template that `docker … --format` accepts, with the CLI's functions.

Error messages are Go's own (`template: :1:2: executing "" at <.Nope>: …`), because a learner
who mistypes a format should see what real Docker shows.

Data model (Python value -> Go value it stands for):
- `str`, `bool`, `int`, `float`, `None` (a nil interface) behave as in Go;
- `list`/`tuple` are slices and `dict`s are `map[string]interface {}`: a missing key prints
  `<no value>` (or is an error with `missing_key_error`, as `docker inspect`'s fallback runs);
- `Struct` is a Go struct (or formatter context): a field it lacks is an execution error;
- `JSONNumber` is `json.Number`, what `docker inspect` decodes numbers into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tutor.dockercli.format import go_format_float, go_json, go_quote, tabwrite
from tutor.engine.errors import EngineError


class TemplateError(EngineError):
    """A format Go's text/template refuses to parse or fails to execute (Go's wording)."""

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial  # what Go had written before it stopped


@dataclass(frozen=True, slots=True)
class Struct:
    """A Go struct value. `type_name` is how Go names it in errors (`*formatter.imageContext`).

    `sorted_json` marks the CLI's formatter contexts, which marshal through a map: `{{json .}}`
    then sorts keys and HTML-escapes (`"\\u003cnone\\u003e"`), unlike plain structs.
    Callable fields are methods and receive the template's arguments.
    """

    type_name: str
    fields: Mapping[str, object]
    sorted_json: bool = False


class NilMap(dict[str, object]):
    """A typed struct's nil map field: empty to the template (prints `map[]`), `null` in JSON.

    The CLI runs inspect templates on the typed response first, where a nil map or slice is a
    value of its type rather than the missing `<no value>` of the decoded-JSON fallback."""

    __slots__ = ()


class NilSlice(tuple[object, ...]):
    """A typed struct's nil slice field: prints `[]`, `null` in JSON."""

    __slots__ = ()


class JSONNumber(str):
    """`json.Number`: prints and encodes as the literal number text."""

    __slots__ = ()


class _Invalid:
    """Go's invalid `reflect.Value`: a missing map key; prints `<no value>`."""

    __slots__ = ()


class _NilPointer:
    """A struct field holding a nil pointer: prints `<nil>`, unlike a nil map value."""

    __slots__ = ()


_INVALID = _Invalid()
_NIL_POINTER = _NilPointer()
_MISSING = object()  # no value piped in from a previous command

# ---------------------------------------------------------------------------------------------
# Lexer

_SPACE = " \t\r\n"
_KEYWORDS = {
    "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with",
}


@dataclass(frozen=True, slots=True)
class _Item:
    kind: str  # text, left, right, space, field, ident, dot, var, string, raw, number, bool,
    # nil, char, pipe, lparen, rparen, declare, assign, keyword, error, eof
    val: str
    pos: int
    line: int

    def __str__(self) -> str:
        if self.kind == "eof":
            return "EOF"
        if self.kind == "error":
            return self.val
        if self.kind == "keyword":
            return f"<{self.val}>"
        if len(self.val) > 10:
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdigit()


def _lex(text: str) -> list[_Item]:
    items: list[_Item] = []
    pos = 0
    line = 1
    trim_next = False

    def emit(kind: str, start: int, end: int) -> None:
        items.append(_Item(kind, text[start:end], start, line))

    while True:
        start = pos
        if trim_next:
            while pos < len(text) and text[pos] in _SPACE:
                pos += 1
            line += text.count("\n", start, pos)
            start = pos
            trim_next = False
        delim = text.find("{{", pos)
        if delim < 0:
            if start < len(text):
                emit("text", start, len(text))
                line += text.count("\n", start)
            items.append(_Item("eof", "", len(text), line))
            return items
        end = delim
        left_trim = text.startswith("-", delim + 2) and delim + 3 < len(text) and (
            text[delim + 3] in _SPACE
        )
        if left_trim:
            while end > start and text[end - 1] in _SPACE:
                end -= 1
        if end > start:
            emit("text", start, end)
        line += text.count("\n", start, delim)
        pos = delim + 2
        emit("left", delim, pos)
        if left_trim:
            pos += 2
        if text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0:
                items.append(_Item("error", "unclosed comment", pos, line))
                return items
            line += text.count("\n", pos, close)
            pos = close + 2
            if text.startswith(" -}}", pos):
                pos += 4
                trim_next = True
            elif text.startswith("}}", pos):
                pos += 2
            else:
                items.append(_Item("error", "comment ends before closing delimiter", pos, line))
                return items
            items.pop()  # comments produce no items
            continue
        result = _lex_action(text, pos, line, items)
        if result is None:
            return items
        pos, line, trim_next = result


def _lex_action(
    text: str, pos: int, line: int, items: list[_Item]
) -> tuple[int, int, bool] | None:
    """Lex one action up to and including its right delimiter; None after an error item."""
    depth = 0

    def error(message: str) -> None:
        items.append(_Item("error", message, pos, line))

    while True:
        trim = text.startswith(" -}}", pos) or text.startswith("\t-}}", pos) or (
            text.startswith("\n-}}", pos) or text.startswith("\r-}}", pos)
        )
        if trim or text.startswith("}}", pos):
            if depth:
                error("unclosed left paren")
                return None
            if trim:
                pos += 2
            items.append(_Item("right", "}}", pos, line))
            return pos + 2, line, trim
        if pos >= len(text):
            error("unclosed action")
            return None
        ch = text[pos]
        start = pos
        if ch in _SPACE:
            while pos < len(text) and text[pos] in _SPACE and not text.startswith("-}}", pos + 1):
                pos += 1
            if pos == start:
                pos += 1
            items.append(_Item("space", text[start:pos], start, line))
            line += text.count("\n", start, pos)
            continue
        if ch == "=":
            items.append(_Item("assign", "=", pos, line))
            pos += 1
        elif ch == ":":
            if not text.startswith(":=", pos):
                error("expected :=")
                return None
            items.append(_Item("declare", ":=", pos, line))
            pos += 2
        elif ch == "|":
            items.append(_Item("pipe", "|", pos, line))
            pos += 1
        elif ch == '"':
            pos += 1
            while pos < len(text) and text[pos] != '"':
                if text[pos] == "\\" and pos + 1 < len(text) and text[pos + 1] != "\n":
                    pos += 1
                elif text[pos] == "\n":
                    break
                pos += 1
            if pos >= len(text) or text[pos] != '"':
                error("unterminated quoted string")
                return None
            pos += 1
            items.append(_Item("string", text[start:pos], start, line))
        elif ch == "`":
            close = text.find("`", pos + 1)
            if close < 0:
                error("unterminated raw quoted string")
                return None
            pos = close + 1
            items.append(_Item("raw", text[start:pos], start, line))
            line += text.count("\n", start, pos)
        elif ch in "$.":
            if ch == "." and pos + 1 < len(text) and text[pos + 1].isdigit():
                pos = _lex_number(text, pos, line, items)
                if pos < 0:
                    return None
                continue
            pos += 1
            while pos < len(text) and _is_alnum(text[pos]):
                pos += 1
            kind = "var" if ch == "$" else ("dot" if pos == start + 1 else "field")
            if not _terminates(text, pos):
                error(f"bad character {_go_u(text[pos])}")
                return None
            items.append(_Item(kind, text[start:pos], start, line))
        elif ch in "+-" or ch.isdigit():
            pos = _lex_number(text, pos, line, items)
            if pos < 0:
                return None
        elif _is_alnum(ch):
            while pos < len(text) and _is_alnum(text[pos]):
                pos += 1
            word = text[start:pos]
            if not _terminates(text, pos):
                error(f"bad character {_go_u(text[pos])}")
                return None
            if word in _KEYWORDS:
                kind = "keyword"
            elif word in ("true", "false"):
                kind = "bool"
            elif word == "nil":
                kind = "nil"
            else:
                kind = "ident"
            items.append(_Item(kind, word, start, line))
        elif ch == "(":
            depth += 1
            items.append(_Item("lparen", "(", pos, line))
            pos += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                error("unexpected right paren")
                return None
            items.append(_Item("rparen", ")", pos, line))
            pos += 1
        elif ch.isascii() and ch.isprintable():
            items.append(_Item("char", ch, pos, line))
            pos += 1
        else:
            error(f"unrecognized character in action: {_go_u(ch)}")
            return None


def _terminates(text: str, pos: int) -> bool:
    """Go accepts a word only when what follows cannot continue it."""
    if pos >= len(text) or text[pos] in _SPACE or text[pos] in ".,|:()":
        return True
    return text.startswith("}}", pos)


def _lex_number(text: str, pos: int, line: int, items: list[_Item]) -> int:
    start = pos
    if text[pos] in "+-":
        pos += 1
    digits = "0123456789_"
    if text.startswith(("0x", "0X"), pos):
        pos += 2
        digits = "0123456789abcdefABCDEF_"
    while pos < len(text) and text[pos] in digits:
        pos += 1
    if pos < len(text) and text[pos] == ".":
        pos += 1
        while pos < len(text) and text[pos] in digits:
            pos += 1
    if digits == "0123456789_" and pos < len(text) and text[pos] in "eE":
        pos += 1
        if pos < len(text) and text[pos] in "+-":
            pos += 1
        while pos < len(text) and text[pos].isdigit():
            pos += 1
    if pos < len(text) and _is_alnum(text[pos]):
        while pos < len(text) and _is_alnum(text[pos]):
            pos += 1
        items.append(_Item("error", f"bad number syntax: {go_quote(text[start:pos])}", start, line))
        return -1
    items.append(_Item("number", text[start:pos], start, line))
    return pos


def _go_u(ch: str) -> str:
    """fmt's `%#U`: `U+0041 'A'`."""
    code = ord(ch)
    return f"U+{code:04X} '{ch}'" if ch.isprintable() else f"U+{code:04X}"


# ---------------------------------------------------------------------------------------------
# Parse tree


@dataclass(slots=True)
class _Node:
    pos: int

    def __str__(self) -> str:  # pragma: no cover - every node type overrides it
        raise NotImplementedError


@dataclass(slots=True)
class _Text(_Node):
    text: str

    def __str__(self) -> str:
        return go_quote(self.text)


@dataclass(slots=True)
class _Field(_Node):
    idents: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.idents)


@dataclass(slots=True)
class _Variable(_Node):
    idents: list[str]

    def __str__(self) -> str:
        return ".".join(self.idents)


@dataclass(slots=True)
class _Ident(_Node):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class _Dot(_Node):
    def __str__(self) -> str:
        return "."


@dataclass(slots=True)
class _Nil(_Node):
    def __str__(self) -> str:
        return "nil"


@dataclass(slots=True)
class _Bool(_Node):
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(slots=True)
class _Number(_Node):
    text: str
    value: int | float

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class _String(_Node):
    quoted: str
    value: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(slots=True)
class _Chain(_Node):
    node: _Node
    fields: list[str]

    def __str__(self) -> str:
        inner = f"({self.node})" if isinstance(self.node, _Pipe) else str(self.node)
        return inner + "".join("." + f for f in self.fields)


@dataclass(slots=True)
class _Command(_Node):
    args: list[_Node]

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, _Pipe) else str(a) for a in self.args)


@dataclass(slots=True)
class _Pipe(_Node):
    line: int
    decls: list[str] = field(default_factory=list)
    is_assign: bool = False
    cmds: list[_Command] = field(default_factory=list)

    def __str__(self) -> str:
        head = ", ".join(self.decls) + (" = " if self.is_assign else " := ") if self.decls else ""
        return head + " | ".join(str(c) for c in self.cmds)


@dataclass(slots=True)
class _Action(_Node):
    pipe: _Pipe

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(slots=True)
class _List(_Node):
    nodes: list[_Node]

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass(slots=True)
class _Branch(_Node):
    keyword: str  # if, range, with
    pipe: _Pipe
    body: _List
    else_body: _List | None

    def __str__(self) -> str:
        text = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.body)
        if self.else_body is not None:
            text += "{{else}}" + str(self.else_body)
        return text + "{{end}}"


@dataclass(slots=True)
class _End(_Node):
    keyword: str  # end, else

    def __str__(self) -> str:
        return "{{" + self.keyword + "}}"


_Value = object
_Func = Callable[..., object]


@dataclass(frozen=True, slots=True)
class _Signature:
    params: tuple[str, ...]  # "string", "int", "any"
    variadic: str | None = None  # element type of a trailing ...param
    lazy: bool = False  # and/or evaluate arguments one by one


class _Parser:
    def __init__(self, text: str, funcs: Mapping[str, object]) -> None:
        self.items = _lex(text)
        self.index = 0
        self.furthest = 0
        self.funcs = funcs
        self.vars = ["$"]

    # token stream --------------------------------------------------------------------------
    def next(self) -> _Item:
        item = self.items[min(self.index, len(self.items) - 1)]
        self.index += 1
        self.furthest = max(self.furthest, self.index - 1)
        return item

    def backup(self, n: int = 1) -> None:
        self.index -= n

    def peek(self) -> _Item:
        item = self.next()
        self.backup()
        return item

    def next_non_space(self) -> _Item:
        item = self.next()
        while item.kind == "space":
            item = self.next()
        return item

    def peek_non_space(self) -> _Item:
        item = self.next_non_space()
        self.backup()
        return item

    def errorf(self, message: str) -> TemplateError:
        line = self.items[min(self.furthest, len(self.items) - 1)].line
        return TemplateError(f"template: :{line}: {message}")

    def unexpected(self, item: _Item, context: str) -> TemplateError:
        return self.errorf(f"unexpected {item} in {context}")

    # grammar -----------------------------------------------------------------------------
    def parse(self) -> _List:
        root = _List(0, [])
        while self.peek().kind != "eof":
            node = self.text_or_action()
            if isinstance(node, _End):
                raise self.errorf(f"unexpected {node}")
            root.nodes.append(node)
        return root

    def item_list(self) -> tuple[_List, _End]:
        nodes = _List(self.peek_non_space().pos, [])
        while self.peek_non_space().kind != "eof":
            node = self.text_or_action()
            if isinstance(node, _End):
                return nodes, node
            nodes.nodes.append(node)
        raise self.errorf("unexpected EOF")

    def text_or_action(self) -> _Node:
        item = self.next_non_space()
        if item.kind == "text":
            return _Text(item.pos, item.val)
        if item.kind == "left":
            return self.action()
        raise self.unexpected(item, "input")

    def action(self) -> _Node:
        item = self.next_non_space()
        if item.kind == "keyword" and item.val in ("if", "range", "with"):
            return self.control(item.val)
        if item.kind == "keyword" and item.val == "end":
            return _End(self.expect("right", "end").pos, "end")
        if item.kind == "keyword" and item.val == "else":
            peek = self.peek_non_space()
            if peek.kind == "keyword" and peek.val == "if":
                return _End(peek.pos, "else")
            return _End(self.expect("right", "else").pos, "else")
        self.backup()
        start = self.peek()
        return _Action(start.pos, self.pipeline("command"))

    def expect(self, kind: str, context: str) -> _Item:
        item = self.next_non_space()
        if item.kind != kind:
            raise self.unexpected(item, context)
        return item

    def control(self, keyword: str) -> _Branch:
        mark = len(self.vars)
        pipe = self.pipeline(keyword)
        body, end = self.item_list()
        else_body = None
        if end.keyword == "else":
            peek = self.peek()
            if keyword == "if" and peek.kind == "keyword" and peek.val == "if":
                self.next()
                else_body = _List(end.pos, [self.control("if")])
            else:
                else_body, end = self.item_list()
                if end.keyword != "end":
                    raise self.errorf(f"expected end; found {end}")
        del self.vars[mark:]
        return _Branch(pipe.pos, keyword, pipe, body, else_body)

    def pipeline(self, context: str) -> _Pipe:
        first = self.peek_non_space()
        pipe = _Pipe(first.pos, first.line)
        self.declarations(pipe, context)
        while True:
            item = self.next_non_space()
            if item.kind in ("right", "rparen"):
                self.check_pipeline(pipe, context)
                if item.kind == "rparen":
                    self.backup()
                return pipe
            if item.kind in (
                "bool", "dot", "field", "ident", "number", "nil", "raw", "string", "var",
                "lparen",
            ):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(item, context)

    def declarations(self, pipe: _Pipe, context: str) -> None:
        while True:
            saved = self.index
            var = self.next_non_space()
            if var.kind != "var":
                self.index = saved
                return
            nxt = self.next_non_space()
            if nxt.kind in ("declare", "assign"):
                pipe.is_assign = nxt.kind == "assign"
                pipe.decls.append(var.val)
                self.vars.append(var.val)
                return
            if nxt.kind == "char" and nxt.val == ",":
                pipe.decls.append(var.val)
                self.vars.append(var.val)
                if context == "range" and len(pipe.decls) < 2:
                    if self.peek_non_space().kind in ("var", "right", "rparen"):
                        continue
                    raise self.errorf("range can only initialize variables")
                raise self.errorf(f"too many declarations in {context}")
            self.index = saved  # a variable used as a value, not declared
            return

    def check_pipeline(self, pipe: _Pipe, context: str) -> None:
        if not pipe.cmds:
            raise self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], (_Bool, _Dot, _Nil, _Number, _String)):
                raise self.errorf(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> _Command:
        cmd = _Command(self.peek_non_space().pos, [])
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            item = self.next()
            if item.kind == "space":
                continue
            if item.kind == "error":
                raise self.errorf(item.val)
            if item.kind in ("right", "rparen"):
                self.backup()
            elif item.kind != "pipe":
                raise self.errorf(f"unexpected {item} in operand")
            break
        if not cmd.args:
            raise self.errorf("empty command")
        return cmd

    def operand(self) -> _Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().kind == "field":
            fields: list[str] = []
            pos = self.peek().pos
            while self.peek().kind == "field":
                fields.append(self.next().val[1:])
            if isinstance(node, _Field):
                return _Field(node.pos, node.idents + fields)
            if isinstance(node, _Variable):
                return _Variable(node.pos, node.idents + fields)
            if isinstance(node, (_Bool, _String, _Number, _Nil, _Dot)):
                raise self.errorf(f"unexpected . after term {go_quote(str(node))}")
            return _Chain(pos, node, fields)
        return node

    def term(self) -> _Node | None:
        item = self.next_non_space()
        kind = item.kind
        if kind == "error":
            raise self.errorf(item.val)
        if kind == "ident":
            if item.val not in self.funcs:
                raise self.errorf(f"function {go_quote(item.val)} not defined")
            return _Ident(item.pos, item.val)
        if kind == "dot":
            return _Dot(item.pos)
        if kind == "nil":
            return _Nil(item.pos)
        if kind == "var":
            name = item.val.split(".")[0]
            if name not in self.vars:
                raise self.errorf(f"undefined variable {go_quote(name)}")
            return _Variable(item.pos, [item.val])
        if kind == "field":
            return _Field(item.pos, [item.val[1:]])
        if kind == "bool":
            return _Bool(item.pos, item.val == "true")
        if kind == "number":
            return _Number(item.pos, item.val, self.number(item.val))
        if kind == "lparen":
            pipe = self.pipeline("parenthesized pipeline")
            closing = self.next()
            if closing.kind != "rparen":
                raise self.errorf(f"unclosed right paren: unexpected {closing}")
            return pipe
        if kind in ("string", "raw"):
            value = item.val[1:-1] if kind == "raw" else _unquote(item.val)
            if value is None:
                raise self.errorf("invalid syntax")
            return _String(item.pos, item.val, value)
        self.backup()
        return None

    def number(self, text: str) -> int | float:
        clean = text.replace("_", "")
        try:
            return int(clean, 0)
        except ValueError:
            try:
                return float(clean)
            except ValueError:
                raise self.errorf(f"illegal number syntax: {go_quote(text)}") from None


def _unquote(quoted: str) -> str | None:
    """Go `strconv.Unquote` for the escapes a format string realistically holds."""
    out: list[str] = []
    body = quoted[1:-1]
    i = 0
    simple = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              "\\": "\\", '"': '"'}
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1 : i + 2]
        if esc in simple:
            out.append(simple[esc])
            i += 2
            continue
        size = {"x": 2, "u": 4, "U": 8}.get(esc)
        if size is None:
            return None
        digits = body[i + 2 : i + 2 + size]
        try:
            out.append(chr(int(digits, 16)))
        except ValueError:
            return None
        i += 2 + size
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Values


def go_type(value: object) -> str:
    """The Go type name a value stands for, as `can't evaluate field X in type T` shows it."""
    if isinstance(value, Struct):
        return value.type_name
    if isinstance(value, JSONNumber):
        return "json.Number"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, str) and not isinstance(v, JSONNumber) for v in value):
            return "[]string"
        return "[]interface {}"
    return "interface {}"


def go_sprint(value: object) -> str:
    """fmt.Sprint of a value, as a template action prints it."""
    if isinstance(value, _Invalid):
        return "<no value>"
    if value is None or isinstance(value, _NilPointer):
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, Struct):
        prefix = "&" if value.type_name.startswith("*") else ""
        shown = [v for v in value.fields.values() if not callable(v)]
        return prefix + "{" + " ".join(go_sprint(v) for v in shown) + "}"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_sprint(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    return str(value)


def _to_json_value(value: object) -> object:
    """Convert template data into what encoding/json would see (Go maps encode sorted)."""
    if isinstance(value, (_Invalid, _NilPointer, NilMap, NilSlice)) or value is None:
        return None
    if isinstance(value, JSONNumber):
        return _RawJSON(str(value))
    if isinstance(value, Struct):
        items = {k: v for k, v in value.fields.items() if not callable(v)}
        keys = sorted(items) if value.sorted_json else list(items)
        return {k: _to_json_value(items[k]) for k in keys}
    if isinstance(value, Mapping):
        return {str(k): _to_json_value(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_to_json_value(v) for v in value]
    return value


class _RawJSON(int):
    """Lets a json.Number pass through go_json as its literal text."""

    text: str

    def __new__(cls, text: str) -> _RawJSON:
        obj = super().__new__(cls, 0)
        obj.text = text
        return obj

    def __str__(self) -> str:
        return self.text


def _json(value: object) -> str:
    escape = isinstance(value, Struct) and value.sorted_json
    return go_json(_to_json_value(value), escape_html=escape)


def _is_true(value: object) -> bool:
    if isinstance(value, (_Invalid, _NilPointer)) or value is None:
        return False
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value) > 0
    if isinstance(value, (bool, int, float)):
        return bool(value)
    return True


# ---------------------------------------------------------------------------------------------
# Functions


class _CallError(Exception):
    """A function's own error, reported as `error calling <name>: <message>`."""


def _join(elems: object, sep: str) -> str:
    if elems is None or isinstance(elems, _Invalid):
        return ""
    if isinstance(elems, (list, tuple)):
        return sep.join(go_sprint(e) for e in elems)
    if isinstance(elems, Mapping):
        return sep.join(sorted(go_sprint(v) for v in elems.values()))
    raise _CallError(f"expected slice, got {go_type(elems)}")


def _pad(source: str, prefix: int, suffix: int) -> str:
    return " " * prefix + source + " " * suffix if source else source


def _truncate(source: str, length: int) -> str:
    data = source.encode()
    if len(data) < length:
        return source
    return data[:length].decode(errors="replace")


def _title(text: str) -> str:
    """strings.Title: upper-case letters that follow a separator (not only spaces)."""
    out: list[str] = []
    prev = " "
    for ch in text:
        separator = not (prev.isalnum() or prev == "_") and not (ord(prev) >= 0x80 and
                                                                  prev.isalpha())
        out.append(ch.upper() if separator else ch)
        prev = ch
    return "".join(out)


def _split(text: str, sep: str) -> list[str]:
    if sep == "":
        return list(text)
    return text.split(sep)


def _sprint(args: Sequence[object]) -> str:
    """fmt.Sprint: spaces only between operands when neither is a string."""
    out = ""
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out += " "
        out += go_sprint(arg)
    return out


def _printf(fmt: str, *args: object) -> str:
    out: list[str] = []
    i = 0
    n = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%" or i + 1 >= len(fmt):
            out.append(ch)
            i += 1
            continue
        verb = fmt[i + 1]
        i += 2
        if verb == "%":
            out.append("%")
            continue
        if n >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[n]
        n += 1
        if verb == "q" and isinstance(arg, str):
            out.append(go_quote(arg))
        elif verb == "d" and isinstance(arg, int) and not isinstance(arg, bool):
            out.append(str(arg))
        elif verb in "sv":
            out.append(go_sprint(arg))
        else:
            out.append(f"%!{verb}({go_type(arg)}={go_sprint(arg)})")
    if n < len(args):
        extra = ", ".join(f"{go_type(a)}={go_sprint(a)}" for a in args[n:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _index(item: object, *indexes: object) -> object:
    for key in indexes:
        if isinstance(item, Mapping):
            if not isinstance(key, str):
                raise _CallError(f"value has type {go_type(key)}; should be string")
            item = item.get(key, _INVALID) if key in item else _INVALID
        elif isinstance(item, (list, tuple, str)):
            if not isinstance(key, int) or isinstance(key, bool):
                raise _CallError(f"cannot index slice/array with type {go_type(key)}")
            if not 0 <= key < len(item):
                raise _CallError(f"index out of range: {key}")
            item = item[key].encode()[0] if isinstance(item, str) else item[key]
        elif item is None or isinstance(item, _Invalid):
            raise _CallError("index of untyped nil")
        else:
            raise _CallError(f"can't index item of type {go_type(item)}")
    return item


def _len(item: object) -> int:
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, (list, tuple, Mapping)):
        return len(item)
    raise _CallError(f"len of type {go_type(item)}")


def _basic_kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


def _eq(arg1: object, *args: object) -> bool:
    if not args:
        raise _CallError("missing argument for comparison")
    for arg in args:
        k1, k2 = _basic_kind(arg1), _basic_kind(arg)
        if k1 != k2:
            raise _CallError("incompatible types for comparison")
        if k1 == "other":
            if arg1 is None or arg is None or isinstance(arg, _Invalid):
                return arg1 is arg
            raise _CallError("non-comparable type")
        if arg1 == arg:
            return True
    return False


def _less(arg1: object, arg2: object) -> bool:
    k1, k2 = _basic_kind(arg1), _basic_kind(arg2)
    if k1 != k2:
        raise _CallError("incompatible types for comparison")
    if k1 in ("bool", "other"):
        raise _CallError("invalid type for comparison")
    return bool(arg1 < arg2)  # type: ignore[operator]


_FUNCS: dict[str, tuple[_Func, _Signature]] = {
    "json": (_json, _Signature(("any",))),
    "split": (_split, _Signature(("string", "string"))),
    "join": (_join, _Signature(("any", "string"))),
    "title": (_title, _Signature(("string",))),
    "lower": (str.lower, _Signature(("string",))),
    "upper": (str.upper, _Signature(("string",))),
    "pad": (_pad, _Signature(("string", "int", "int"))),
    "truncate": (_truncate, _Signature(("string", "int"))),
    "and": (lambda *a: a[-1], _Signature(("any",), "any", lazy=True)),
    "or": (lambda *a: a[-1], _Signature(("any",), "any", lazy=True)),
    "not": (lambda a: not _is_true(a), _Signature(("any",))),
    "len": (_len, _Signature(("any",))),
    "index": (_index, _Signature(("any",), "any")),
    "print": (lambda *a: _sprint(a), _Signature((), "any")),
    "println": (lambda *a: " ".join(go_sprint(x) for x in a) + "\n", _Signature((), "any")),
    "printf": (_printf, _Signature(("string",), "any")),
    "eq": (_eq, _Signature(("any",), "any")),
    "ne": (lambda a, b: not _eq(a, b), _Signature(("any", "any"))),
    "lt": (_less, _Signature(("any", "any"))),
    "le": (lambda a, b: _less(a, b) or _eq(a, b), _Signature(("any", "any"))),
    "gt": (lambda a, b: not (_less(a, b) or _eq(a, b)), _Signature(("any", "any"))),
    "ge": (lambda a, b: not _less(a, b), _Signature(("any", "any"))),
}

# The CLI renders table headers with these in place of the formatting functions, so that
# `{{upper .Name}}` still yields the column title (docker/cli templates.HeaderFunctions).
_HEADER_FUNCS: dict[str, tuple[_Func, _Signature]] = {
    **_FUNCS,
    "json": (lambda v: v, _Signature(("string",))),
    "split": (lambda v, _s: v, _Signature(("string", "string"))),
    "join": (lambda v, _s: v, _Signature(("string", "string"))),
    "title": (lambda v: v, _Signature(("string",))),
    "lower": (lambda v: v, _Signature(("string",))),
    "upper": (lambda v: v, _Signature(("string",))),
    "truncate": (lambda v, _n: v, _Signature(("string", "int"))),
}


# ---------------------------------------------------------------------------------------------
# Execution


class _ExecAbort(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)


_Vars = list[tuple[str, object]]


class _State:
    def __init__(
        self, text: str, funcs: Mapping[str, tuple[_Func, _Signature]], missing_key_error: bool
    ) -> None:
        self.text = text
        self.funcs = funcs
        self.missing_key_error = missing_key_error
        self.node: _Node | None = None
        self.vars: _Vars = []
        self.out: list[str] = []

    def at(self, node: _Node) -> None:
        self.node = node

    def errorf(self, message: str) -> _ExecAbort:
        if self.node is None:
            return _ExecAbort(f"template: : {message}")
        pos = self.node.pos
        before = self.text[:pos]
        nl = before.rfind("\n")
        col = len(before[nl + 1 :].encode()) if nl >= 0 else len(before.encode())
        line = before.count("\n") + 1
        return _ExecAbort(f'template: :{line}:{col}: executing "" at <{self.node}>: {message}')

    # walking -----------------------------------------------------------------------------
    def walk(self, dot: object, node: _Node) -> None:
        self.at(node)
        if isinstance(node, _Text):
            self.out.append(node.text)
        elif isinstance(node, _Action):
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decls:
                self.at(node)
                self.out.append(go_sprint(value))
        elif isinstance(node, _List):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, _Branch):
            mark = len(self.vars)
            if node.keyword == "range":
                self.walk_range(dot, node)
            else:
                value = self.eval_pipeline(dot, node.pipe)
                if _is_true(value):
                    self.walk(value if node.keyword == "with" else dot, node.body)
                elif node.else_body is not None:
                    self.walk(dot, node.else_body)
            del self.vars[mark:]

    def walk_range(self, dot: object, node: _Branch) -> None:
        value = self.eval_pipeline(dot, node.pipe)
        mark = len(self.vars)
        pairs: list[tuple[object, object]]
        if isinstance(value, (list, tuple)):
            pairs = list(enumerate(value))
        elif isinstance(value, Mapping):
            pairs = [(k, value[k]) for k in sorted(value)]
        elif value is None or isinstance(value, (_Invalid, _NilPointer)):
            pairs = []
        else:
            self.at(node)
            raise self.errorf(f"range can't iterate over {go_sprint(value)}")
        for key, elem in pairs:
            if node.pipe.decls:
                self.vars[-1] = (self.vars[-1][0], elem)
            if len(node.pipe.decls) > 1:
                self.vars[-2] = (self.vars[-2][0], key)
            self.walk(elem, node.body)
            del self.vars[mark:]
        if not pairs and node.else_body is not None:
            self.walk(dot, node.else_body)

    # evaluation --------------------------------------------------------------------------
    def eval_pipeline(self, dot: object, pipe: _Pipe) -> object:
        self.at(pipe)
        value: object = _MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:  # a nil interface{} unwraps to "no value"
                value = _INVALID
        for name in pipe.decls:
            if pipe.is_assign:
                for i in range(len(self.vars) - 1, -1, -1):
                    if self.vars[i][0] == name:
                        self.vars[i] = (name, value)
                        break
            else:
                self.vars.append((name, value))
        return value

    def not_a_function(self, args: list[_Node], final: object) -> None:
        if len(args) > 1 or final is not _MISSING:
            raise self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: object, cmd: _Command, final: object) -> object:
        first = cmd.args[0]
        if isinstance(first, _Field):
            self.at(first)
            return self.eval_chain(dot, dot, first, first.idents, cmd.args, final)
        if isinstance(first, _Chain):
            self.at(first)
            receiver = self.eval_arg(dot, "any", first.node)
            self.at(first)
            return self.eval_chain(dot, receiver, first, first.fields, cmd.args, final)
        if isinstance(first, _Ident):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, _Pipe):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, _Variable):
            return self.eval_variable(dot, first, cmd.args, final)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, _Bool):
            return first.value
        if isinstance(first, _Dot):
            return dot
        if isinstance(first, _Number):
            return first.value
        if isinstance(first, _String):
            return first.value
        raise self.errorf("nil is not a command")

    def eval_variable(
        self, dot: object, node: _Variable, args: list[_Node], final: object
    ) -> object:
        self.at(node)
        parts = node.idents[0].split(".")
        value: object = _INVALID
        for name, val in reversed(self.vars):
            if name == parts[0]:
                value = val
                break
        if len(parts) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_chain(dot, value, node, parts[1:], args, final)

    def eval_chain(
        self,
        dot: object,
        receiver: object,
        node: _Node,
        idents: list[str],
        args: list[_Node],
        final: object,
    ) -> object:
        for name in idents[:-1]:
            receiver = self.eval_field(dot, name, node, [], _MISSING, receiver)
        return self.eval_field(dot, idents[-1], node, args, final, receiver)

    def eval_field(
        self,
        dot: object,
        name: str,
        node: _Node,
        args: list[_Node],
        final: object,
        receiver: object,
    ) -> object:
        if isinstance(receiver, _Invalid):
            if self.missing_key_error:
                raise self.errorf(f"nil data; no entry for key {go_quote(name)}")
            return _INVALID
        if receiver is None or isinstance(receiver, _NilPointer):
            raise self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        has_args = len(args) > 1 or final is not _MISSING
        if isinstance(receiver, Struct) and name in receiver.fields:
            value = receiver.fields[name]
            if callable(value):
                return self.eval_call(dot, value, _method_signature(value), node, name, args,
                                      final)
            if has_args:
                if receiver.sorted_json:  # formatter contexts expose methods, not fields
                    got = len(args) - 1 + (final is not _MISSING)
                    raise self.errorf(f"wrong number of args for {name}: want 0 got {got}")
                raise self.errorf(f"{name} has arguments but cannot be invoked as function")
            return _NIL_POINTER if value is None else value
        if isinstance(receiver, Mapping) and not isinstance(receiver, Struct):
            if has_args:
                raise self.errorf(f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            if self.missing_key_error:
                raise self.errorf(f"map has no entry for key {go_quote(name)}")
            return _INVALID
        raise self.errorf(f"can't evaluate field {name} in type {go_type(receiver)}")

    def eval_function(
        self, dot: object, node: _Ident, cmd: _Node, args: list[_Node], final: object
    ) -> object:
        self.at(node)
        func, sig = self.funcs[node.name]
        return self.eval_call(dot, func, sig, cmd, node.name, args, final)

    def eval_call(
        self,
        dot: object,
        func: _Func,
        sig: _Signature,
        node: _Node,
        name: str,
        args: list[_Node],
        final: object,
    ) -> object:
        args = args[1:]
        num_in = len(args) + (final is not _MISSING)
        if sig.variadic is not None:
            if num_in < len(sig.params):
                raise self.errorf(
                    f"wrong number of args for {name}: want at least {len(sig.params)} "
                    f"got {len(args)}"
                )
        elif num_in != len(sig.params):
            raise self.errorf(f"wrong number of args for {name}: want {len(sig.params)} "
                              f"got {num_in}")

        def param(i: int) -> str:
            if i < len(sig.params):
                return sig.params[i]
            return sig.variadic or "any"

        if sig.lazy:
            return self.eval_and_or(dot, name, args, final)
        argv = [self.eval_arg(dot, param(i), arg) for i, arg in enumerate(args)]
        if final is not _MISSING:
            argv.append(self.validate(final, param(len(args))))
        try:
            return func(*argv)
        except _CallError as err:
            self.at(node)
            raise self.errorf(f"error calling {name}: {err}") from None

    def eval_and_or(self, dot: object, name: str, args: list[_Node], final: object) -> object:
        value: object = _INVALID
        values: list[object] = [self.eval_arg(dot, "any", a) for a in args[:1]]
        rest = args[1:]
        if final is not _MISSING:
            pending: list[object] = [*rest, final]
        else:
            pending = list(rest)
        value = values[0] if values else final
        for item in pending if values else []:
            truth = _is_true(value)
            if (name == "and" and not truth) or (name == "or" and truth):
                return value
            value = self.eval_arg(dot, "any", item) if isinstance(item, _Node) else item
        return value

    def eval_arg(self, dot: object, typ: str, node: _Node) -> object:
        self.at(node)
        if isinstance(node, _Dot):
            return self.validate(dot, typ)
        if isinstance(node, _Nil):
            if typ == "any":
                return None
            raise self.errorf(f"cannot assign nil to {typ}")
        if isinstance(node, _Field):
            return self.validate(
                self.eval_chain(dot, dot, node, node.idents, [node], _MISSING), typ
            )
        if isinstance(node, _Variable):
            return self.validate(self.eval_variable(dot, node, [], _MISSING), typ)
        if isinstance(node, _Pipe):
            return self.validate(self.eval_pipeline(dot, node), typ)
        if isinstance(node, _Ident):
            return self.validate(self.eval_function(dot, node, node, [node], _MISSING), typ)
        if isinstance(node, _Chain):
            receiver = self.eval_arg(dot, "any", node.node)
            self.at(node)
            return self.validate(
                self.eval_chain(dot, receiver, node, node.fields, [], _MISSING), typ
            )
        if typ == "string":
            if isinstance(node, _String):
                return node.value
            raise self.errorf(f"expected string; found {node}")
        if typ == "int":
            if isinstance(node, _Number) and isinstance(node.value, int):
                return node.value
            raise self.errorf(f"expected integer; found {node}")
        if isinstance(node, (_Bool, _Number, _String)):
            return node.value
        raise self.errorf(f"can't handle {node} for arg of type {typ}")

    def validate(self, value: object, typ: str) -> object:
        if typ == "any":
            return None if isinstance(value, (_Invalid, _NilPointer)) else value
        go_typ = "interface {}" if typ == "any" else typ
        if isinstance(value, _Invalid):
            raise self.errorf(f"invalid value; expected {go_typ}")
        wanted = {"string": str, "int": int}[typ]
        ok = isinstance(value, wanted) and not isinstance(value, (bool, JSONNumber))
        if not ok:
            raise self.errorf(f"wrong type for value; expected {go_typ}; got {go_type(value)}")
        return value


def _method_signature(func: Callable[..., object]) -> _Signature:
    code = getattr(func, "__code__", None)
    count = code.co_argcount if code is not None else 0
    return _Signature(("any",) * count)


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; `execute` renders it against one value."""

    text: str
    root: _List

    def execute(self, data: object, *, missing_key_error: bool = False) -> str:
        return _execute(self, data, _FUNCS, missing_key_error)


def _execute(
    template: Template,
    data: object,
    funcs: Mapping[str, tuple[_Func, _Signature]],
    missing_key_error: bool,
) -> str:
    state = _State(template.text, funcs, missing_key_error)
    state.vars.append(("$", data))
    try:
        state.walk(data, template.root)
    except _ExecAbort as err:
        raise TemplateError(str(err), "".join(state.out)) from None
    except RecursionError:
        raise TemplateError("template: : exceeded maximum template depth") from None
    return "".join(state.out)


def parse(text: str) -> Template:
    """Parse a format as `templates.Parse` does (with the CLI's functions available)."""
    try:
        return Template(text, _Parser(text, _FUNCS).parse())
    except RecursionError:
        raise TemplateError("template: :1: unexpected EOF") from None


def _template_string(fmt: str) -> str:
    """The CLI's `Format.templateString`: drop `table`, trim spaces, expand `\\t` and `\\n`."""
    if fmt == "table":
        return ""
    if fmt == "json":
        return "{{json .}}"
    if fmt.startswith("table"):
        fmt = fmt[len("table") :]
    return fmt.strip(" ").replace("\\t", "\t").replace("\\n", "\n")


def render_format(
    fmt: str, rows: Sequence[object], header: Mapping[str, str] | None = None
) -> str:
    """Render rows as `docker <cmd> --format FMT` prints them (the formatter's Context.Write).

    `header` maps field names to column titles (`{"ID": "IMAGE ID", …}`); a `table` format
    prints one header line rendered from it before the aligned rows.  Errors carry the CLI's
    `template parsing error: ` prefix, and nothing is printed then.
    """
    try:
        template = parse(_template_string(fmt))
    except TemplateError as err:
        raise TemplateError(f"template parsing error: {err.message}") from None
    lines: list[str] = []
    for row in rows:
        try:
            lines.append(template.execute(row) + "\n")
        except TemplateError as err:
            raise TemplateError(f"template parsing error: {err.message}") from None
    body = "".join(lines)
    if not fmt.startswith("table"):
        return body
    try:
        title = _execute(template, dict(header or {}), _HEADER_FUNCS, False)
    except TemplateError as err:
        title = err.partial  # the CLI ignores header errors and keeps what was written
    return tabwrite(title + "\n" + body)


__all__ = [
    "JSONNumber",
    "NilMap",
    "NilSlice",
    "Struct",
    "Template",
    "TemplateError",
    "go_sprint",
    "go_type",
    "parse",
    "render_format",
]
