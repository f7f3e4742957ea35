"""A recursive-descent parser for the POSIX shell language (the subset RUN lines use).

Lexing is done on demand by the parser because the shell's grammar is context-sensitive: reserved
words only count at the start of a command, and here-document bodies start at the next newline.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from tutor.engine.sh._ast import (
    AndOr,
    Arith,
    Case,
    CmdSub,
    For,
    FuncDef,
    Group,
    If,
    Lit,
    Node,
    Param,
    Part,
    Pipeline,
    Redir,
    Seq,
    Simple,
    Subshell,
    Tilde,
    While,
    Word,
)

META = set(" \t\n;&|()<>")
OPERATORS = ("&&", "||", ";;", ";", "&", "|", "(", ")")
REDIR_OPS = ("<<-", "<<", ">>", ">&", "<&", ">|", "<>", ">", "<")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SPECIAL_PARAMS = set("?#@*$!-0123456789")
PARAM_OPS = (":-", ":=", ":+", ":?", "##", "%%", "//", "-", "=", "+", "?", "#", "%", "/")
STOPPERS = {"then", "else", "elif", "fi", "do", "done", "esac", "}"}


class ParseError(Exception):
    """A syntax error; the interpreter words it as the running shell flavour does.

    `kind` is "token" (an unexpected `token`, None meaning end of file, with what was
    `expecting`), "quote" (unterminated quoted string) or "subst" (bad substitution).
    """

    def __init__(self, kind: str, line: int, token: str | None = None, expecting: str = ""):
        super().__init__(kind, token, expecting)
        self.kind = kind
        self.line = line
        self.token = token
        self.expecting = expecting


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """word, op, redir, nl or eof."""
    text: str
    pos: int
    word: Word | None = None
    fd: int = -1


_FD_PREFIX = re.compile(r"\d+(?=[<>])")
_TILDE = re.compile(r"~([A-Za-z0-9_.-]*)(?=/|$|[\s;&|()<>])")


class Parser:
    def __init__(self, text: str, pos: int = 0, newlines: list[int] | None = None) -> None:
        self.text = text
        self.pos = pos
        self.newlines = (
            newlines if newlines is not None else [i for i, c in enumerate(text) if c == "\n"]
        )
        self._peeked: Token | None = None
        self._heredoc_jump: tuple[int, int] | None = None

    def line_at(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    # -- tokens -----------------------------------------------------------------------------

    def peek(self) -> Token:
        if self._peeked is None:
            self._peeked = self._lex()
        return self._peeked

    def next(self) -> Token:
        tok = self.peek()
        self._peeked = None
        return tok

    def _lex(self) -> Token:
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos] in " \t":
                self.pos += 1
            if text.startswith("\\\n", self.pos):
                self.pos += 2
                continue
            if self.pos < len(text) and text[self.pos] == "#":
                while self.pos < len(text) and text[self.pos] != "\n":
                    self.pos += 1
            break
        start = self.pos
        if start >= len(text):
            return Token("eof", "", start)
        c = text[start]
        if c == "\n":
            self.pos += 1
            if self._heredoc_jump is not None and self._heredoc_jump[0] == start:
                self.pos = self._heredoc_jump[1]
                self._heredoc_jump = None
            return Token("nl", "\n", start)
        # Matched in place: slicing the rest of the script for every token made parsing
        # quadratic in its length.
        digits = _FD_PREFIX.match(text, start)
        if digits:
            fd = int(digits.group())
            rest = start + len(digits.group())
            for op in REDIR_OPS:
                if text.startswith(op, rest):
                    self.pos = rest + len(op)
                    return Token("redir", op, start, fd=fd)
        for op in REDIR_OPS:
            if text.startswith(op, start):
                self.pos = start + len(op)
                return Token("redir", op, start, fd=0 if op[0] == "<" and op != "<>" else 1)
        for op in OPERATORS:
            if text.startswith(op, start):
                self.pos = start + len(op)
                return Token("op", op, start)
        word = self._word()
        return Token("word", text[start : self.pos], start, word=word)

    # -- words ------------------------------------------------------------------------------

    def _word(self) -> Word:
        parts: list[Part] = []
        text = self.text
        if text.startswith("~", self.pos):
            m = _TILDE.match(text, self.pos)
            if m:
                parts.append(Tilde(m.group(1)))
                self.pos += len(m.group())
        while self.pos < len(text) and text[self.pos] not in META:
            c = text[self.pos]
            if c == "'":
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise ParseError("quote", self.line_at(self.pos))
                parts.append(Lit(text[self.pos + 1 : end], True))
                self.pos = end + 1
            elif c == '"':
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "\\":
                if text.startswith("\\\n", self.pos):
                    self.pos += 2
                    continue
                if self.pos + 1 < len(text):
                    parts.append(Lit(text[self.pos + 1], True))
                self.pos += 2
            elif c == "$":
                parts.append(self._dollar(quoted=False))
            elif c == "`":
                parts.append(self._backtick(quoted=False))
            else:
                parts.append(Lit(c))
                self.pos += 1
        return Word(_merge(parts))

    def _double_quoted(self) -> list[Part]:
        parts: list[Part] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise ParseError("quote", self.line_at(self.pos))
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                # An empty "" still makes a (quoted) word.
                return parts or [Lit("", True)]
            if c == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in '$`"\\\n':
                if text[self.pos + 1] != "\n":
                    parts.append(Lit(text[self.pos + 1], True))
                self.pos += 2
            elif c == "$":
                parts.append(self._dollar(quoted=True))
            elif c == "`":
                parts.append(self._backtick(quoted=True))
            else:
                parts.append(Lit(c, True))
                self.pos += 1

    def _dollar(self, quoted: bool) -> Part:
        text = self.text
        start = self.pos
        self.pos += 1
        if text.startswith("((", self.pos):
            end = _find_arith_end(text, self.pos + 2)
            if end >= 0:
                inner = Parser(text[self.pos + 2 : end])
                expr = Word(_merge(inner._heredoc_parts(quoted=True)))
                self.pos = end + 2
                return Arith(expr, quoted)
        if text.startswith("(", self.pos):
            sub = Parser(text, self.pos + 1, self.newlines)
            body = sub.parse_list(stop_ops={")"})
            tok = sub.next()
            if tok.kind != "op" or tok.text != ")":
                raise sub.unexpected(tok, ")")
            self.pos = sub.pos
            return CmdSub(body, quoted)
        if text.startswith("{", self.pos):
            return self._braced(quoted, start)
        m = NAME.match(text, self.pos)
        if m:
            self.pos = m.end()
            return Param(m.group(), quoted)
        if self.pos < len(text) and text[self.pos] in SPECIAL_PARAMS:
            self.pos += 1
            return Param(text[self.pos - 1], quoted)
        return Lit("$", quoted)

    def _braced(self, quoted: bool, start: int) -> Part:
        text = self.text
        self.pos += 1
        length = False
        if text.startswith("#", self.pos) and not text.startswith("#}", self.pos):
            length = True
            self.pos += 1
        m = NAME.match(text, self.pos)
        if m:
            name = m.group()
            self.pos = m.end()
        elif self.pos < len(text) and text[self.pos] in SPECIAL_PARAMS:
            name = text[self.pos]
            self.pos += 1
            while name.isdigit() and self.pos < len(text) and text[self.pos].isdigit():
                name += text[self.pos]
                self.pos += 1
        else:
            raise ParseError("subst", self.line_at(start))
        if length:
            if not text.startswith("}", self.pos):
                raise ParseError("subst", self.line_at(start))
            self.pos += 1
            return Param(name, quoted, "#len")
        if text.startswith("}", self.pos):
            self.pos += 1
            return Param(name, quoted)
        for op in PARAM_OPS:
            if text.startswith(op, self.pos):
                self.pos += len(op)
                arg = self._brace_arg(quoted)
                return Param(name, quoted, op, arg)
        raise ParseError("subst", self.line_at(start))

    def _brace_arg(self, quoted: bool) -> Word:
        parts: list[Part] = []
        text = self.text
        depth = 0
        while True:
            if self.pos >= len(text):
                raise ParseError("token", self.line_at(self.pos), None, "}")
            c = text[self.pos]
            if c == "}" and depth == 0:
                self.pos += 1
                return Word(_merge(parts))
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            if c == "'" and not quoted:
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise ParseError("quote", self.line_at(self.pos))
                parts.append(Lit(text[self.pos + 1 : end], True))
                self.pos = end + 1
            elif c == '"':
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "\\" and self.pos + 1 < len(text):
                parts.append(Lit(text[self.pos + 1], True))
                self.pos += 2
            elif c == "$":
                parts.append(self._dollar(quoted))
            elif c == "`":
                parts.append(self._backtick(quoted))
            else:
                parts.append(Lit(c, quoted))
                self.pos += 1

    def _backtick(self, quoted: bool) -> Part:
        text = self.text
        start = self.pos
        self.pos += 1
        inner: list[str] = []
        while True:
            if self.pos >= len(text):
                raise ParseError("quote", self.line_at(start))
            c = text[self.pos]
            if c == "`":
                self.pos += 1
                break
            if c == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in "$`\\":
                inner.append(text[self.pos + 1])
                self.pos += 2
                continue
            inner.append(c)
            self.pos += 1
        sub = Parser("".join(inner))
        return CmdSub(sub.parse_program(), quoted)

    def _heredoc_parts(self, quoted: bool) -> list[Part]:
        """Parts of a here-document body (or `$((…))` text): only `$`, backquotes and a few
        backslash escapes are special; nothing is split or globbed."""
        parts: list[Part] = []
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in "$`\\\n":
                if text[self.pos + 1] != "\n":
                    parts.append(Lit(text[self.pos + 1], quoted))
                self.pos += 2
            elif c == "$":
                parts.append(self._dollar(quoted))
            elif c == "`":
                parts.append(self._backtick(quoted))
            else:
                parts.append(Lit(c, quoted))
                self.pos += 1
        return parts

    def _heredoc(self, delim_word: Word, raw: str, strip_tabs: bool) -> Word:
        delim = "".join(p.text for p in delim_word.parts if isinstance(p, Lit))
        literal = any(q in raw for q in "'\"\\")
        text = self.text
        if self._heredoc_jump is not None:
            nl, start = self._heredoc_jump
        else:
            nl = text.find("\n", self.pos)
            if nl < 0:
                nl = len(text)
            start = nl + 1
        lines: list[str] = []
        pos = start
        while pos < len(text):
            end = text.find("\n", pos)
            line = text[pos:] if end < 0 else text[pos:end]
            pos = len(text) if end < 0 else end + 1
            if strip_tabs:
                line = line.lstrip("\t")
            if line == delim:
                break
            lines.append(line + "\n")
        self._heredoc_jump = (nl, max(pos, start))
        body = "".join(lines)
        if literal:
            return Word((Lit(body, True),))
        return Word(_merge(Parser(body)._heredoc_parts(quoted=True)) or (Lit("", True),))

    # -- grammar ----------------------------------------------------------------------------

    def unexpected(self, tok: Token, expecting: str = "") -> ParseError:
        text = None if tok.kind == "eof" else ("newline" if tok.kind == "nl" else tok.text)
        return ParseError("token", self.line_at(tok.pos), text, expecting)

    def parse_program(self) -> Node:
        body = self.parse_list(stop_ops=set())
        tok = self.peek()
        if tok.kind != "eof":
            raise self.unexpected(tok)
        return body

    def _skip_newlines(self) -> None:
        while self.peek().kind == "nl":
            self.next()

    def _at_stop(self, stop_ops: set[str], stop_words: set[str]) -> bool:
        tok = self.peek()
        if tok.kind == "eof":
            return True
        if tok.kind == "op" and (tok.text in stop_ops or tok.text in (")", ";;")):
            return True
        return tok.kind == "word" and tok.word is not None and tok.word.literal in stop_words

    def parse_list(self, stop_ops: set[str], stop_words: frozenset[str] = frozenset()) -> Seq:
        items: list[Node] = []
        self._skip_newlines()
        while not self._at_stop(stop_ops, set(stop_words)):
            items.append(self._and_or())
            tok = self.peek()
            if tok.kind == "op" and tok.text in (";", "&"):
                self.next()
            elif tok.kind != "nl":
                break
            self._skip_newlines()
        return Seq(tuple(items))

    def _body(self, expecting: str, stop_words: frozenset[str]) -> Seq:
        body = self.parse_list(stop_ops=set(), stop_words=stop_words)
        if not body.items:
            raise self.unexpected(self.peek(), expecting)
        return body

    def _and_or(self) -> Node:
        first = self._pipeline()
        rest: list[tuple[str, Node]] = []
        while self.peek().kind == "op" and self.peek().text in ("&&", "||"):
            op = self.next().text
            self._skip_newlines()
            rest.append((op, self._pipeline()))
        return AndOr(first, tuple(rest)) if rest else first

    def _pipeline(self) -> Node:
        negate = False
        tok = self.peek()
        if tok.kind == "word" and tok.word is not None and tok.word.literal == "!":
            self.next()
            negate = True
        cmds = [self._command()]
        while self.peek().kind == "op" and self.peek().text == "|":
            self.next()
            self._skip_newlines()
            cmds.append(self._command())
        if len(cmds) == 1 and not negate:
            return cmds[0]
        return Pipeline(tuple(cmds), negate)

    def _expect_word(self, word: str) -> None:
        tok = self.next()
        if not (tok.kind == "word" and tok.word is not None and tok.word.literal == word):
            raise self.unexpected(tok, word)

    def _redirs(self) -> tuple[Redir, ...]:
        redirs: list[Redir] = []
        while self.peek().kind == "redir":
            redirs.append(self._redir())
        return tuple(redirs)

    def _redir(self) -> Redir:
        tok = self.next()
        target = self.next()
        if target.kind != "word" or target.word is None:
            raise self.unexpected(target)
        word = target.word
        if tok.text in ("<<", "<<-"):
            word = self._heredoc(word, target.text, tok.text == "<<-")
        return Redir(tok.fd, tok.text, word)

    def _command(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "(":
            self.next()
            body = self.parse_list(stop_ops={")"})
            if not body.items:
                raise self.unexpected(self.peek())
            close = self.next()
            if close.kind != "op" or close.text != ")":
                raise self.unexpected(close, ")")
            return Subshell(body, self._redirs())
        if tok.kind == "word" and tok.word is not None:
            word = tok.word.literal
            if word == "{":
                self.next()
                body = self._body("}", frozenset({"}"}))
                self._expect_word("}")
                return Group(body, self._redirs())
            if word == "if":
                return self._if()
            if word in ("while", "until"):
                self.next()
                cond = self._body("do", frozenset({"do"}))
                self._expect_word("do")
                body = self._body("done", frozenset({"done"}))
                self._expect_word("done")
                return While(cond, body, word == "until", self._redirs())
            if word == "for":
                return self._for()
            if word == "case":
                return self._case()
            if word in STOPPERS:
                raise self.unexpected(tok)
        return self._simple()

    def _if(self) -> Node:
        self.next()
        branches: list[tuple[Node, Node]] = []
        else_: Node | None = None
        while True:
            cond = self._body("then", frozenset({"then"}))
            self._expect_word("then")
            body = self._body("fi", frozenset({"elif", "else", "fi"}))
            branches.append((cond, body))
            tok = self.next()
            if tok.word is not None and tok.word.literal == "elif":
                continue
            if tok.word is not None and tok.word.literal == "else":
                else_ = self._body("fi", frozenset({"fi"}))
                self._expect_word("fi")
            elif not (tok.word is not None and tok.word.literal == "fi"):
                raise self.unexpected(tok, "fi")
            return If(tuple(branches), else_, self._redirs())

    def _for(self) -> Node:
        self.next()
        name_tok = self.next()
        if name_tok.word is None or not NAME.fullmatch(name_tok.word.literal or ""):
            raise self.unexpected(name_tok)
        var = name_tok.text
        words: tuple[Word, ...] | None = None
        self._skip_newlines()
        tok = self.peek()
        if tok.word is not None and tok.word.literal == "in":
            self.next()
            collected: list[Word] = []
            while self.peek().kind == "word":
                w = self.next().word
                assert w is not None
                collected.append(w)
            words = tuple(collected)
            sep = self.next()
            if sep.kind not in ("nl",) and not (sep.kind == "op" and sep.text == ";"):
                raise self.unexpected(sep, "do")
        elif tok.kind == "op" and tok.text == ";":
            self.next()
        self._skip_newlines()
        self._expect_word("do")
        body = self._body("done", frozenset({"done"}))
        self._expect_word("done")
        return For(var, words, body, self._redirs())

    def _case(self) -> Node:
        self.next()
        subject = self.next()
        if subject.word is None:
            raise self.unexpected(subject)
        self._skip_newlines()
        self._expect_word("in")
        items: list[tuple[tuple[Word, ...], Node]] = []
        while True:
            self._skip_newlines()
            tok = self.peek()
            if tok.word is not None and tok.word.literal == "esac":
                self.next()
                break
            if tok.kind == "op" and tok.text == "(":
                self.next()
            patterns: list[Word] = []
            while True:
                pat = self.next()
                if pat.word is None:
                    raise self.unexpected(pat)
                patterns.append(pat.word)
                sep = self.next()
                if sep.kind == "op" and sep.text == ")":
                    break
                if not (sep.kind == "op" and sep.text == "|"):
                    raise self.unexpected(sep, ")")
            body = self.parse_list(stop_ops={";;"}, stop_words=frozenset({"esac"}))
            items.append((tuple(patterns), body))
            end = self.peek()
            if end.kind == "op" and end.text == ";;":
                self.next()
            elif not (end.word is not None and end.word.literal == "esac"):
                raise self.unexpected(end, "esac")
        return Case(subject.word, tuple(items), self._redirs())

    def _simple(self) -> Node:
        first = self.peek()
        line = self.line_at(first.pos)
        assigns: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirs: list[Redir] = []
        while True:
            tok = self.peek()
            if tok.kind == "redir":
                redirs.append(self._redir())
            elif tok.kind == "word" and tok.word is not None:
                self.next()
                assign = None if words else _assignment(tok.word)
                if assign is not None:
                    assigns.append(assign)
                else:
                    words.append(tok.word)
                if len(words) == 1 and not assigns and not redirs:
                    nxt = self.peek()
                    if nxt.kind == "op" and nxt.text == "(" and NAME.fullmatch(tok.text):
                        return self._funcdef(tok.text)
            else:
                break
        if not (assigns or words or redirs):
            raise self.unexpected(self.peek())
        return Simple(tuple(assigns), tuple(words), tuple(redirs), line)

    def _funcdef(self, name: str) -> Node:
        self.next()
        close = self.next()
        if close.kind != "op" or close.text != ")":
            raise self.unexpected(close, ")")
        self._skip_newlines()
        return FuncDef(name, self._command())


def _assignment(word: Word) -> tuple[str, Word] | None:
    first = word.parts[0] if word.parts else None
    if not isinstance(first, Lit) or first.quoted:
        return None
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)=", first.text)
    if not m:
        return None
    rest = first.text[m.end() :]
    parts: tuple[Part, ...] = ((Lit(rest),) if rest else ()) + word.parts[1:]
    return m.group(1), Word(parts)


def _merge(parts: list[Part]) -> tuple[Part, ...]:
    merged: list[Part] = []
    for part in parts:
        last = merged[-1] if merged else None
        if isinstance(part, Lit) and isinstance(last, Lit) and last.quoted == part.quoted:
            merged[-1] = Lit(last.text + part.text, part.quoted)
        else:
            merged.append(part)
    return tuple(merged)


def _find_arith_end(text: str, pos: int) -> int:
    depth = 0
    while pos < len(text):
        c = text[pos]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return pos if text.startswith("))", pos) else -1
            depth -= 1
        pos += 1
    return -1


def parse(script: str) -> Node:
    """The syntax tree of `script`; raises `ParseError` on a syntax error."""
    return Parser(script).parse_program()
