"""Finding here-documents (`<<EOF`) in an instruction line, the way BuildKit's parser does.

BuildKit splits the line into shell words with its shell lexer (quotes and escapes kept raw,
unset variables kept as written, errors ignored) and takes every word shaped like `[fd]<<[-]WORD`.
The delimiter WORD is then lexed again, with and without quotes, to learn its name and whether the
body is expanded. The lexer's quirks decide what counts as a heredoc, so this is a faithful port
of the parts of `shell.Lex` that run with an empty environment, including its words buffer that
a nested `${...}` resets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.engine.dockerfile._gotext import SPACE, quote

_HEREDOC_WORD = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z")
_MAX_FD = 2**64 - 1
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_HEREDOC_SPACE = frozenset("\t\r ")
_ESCAPE = "\\"


class LexError(Exception):
    """The shell lexer gave up; the message is BuildKit's."""


@dataclass(frozen=True, slots=True)
class FoundHeredoc:
    name: str
    file_descriptor: int
    expand: bool
    chomp: bool


class _Words:
    """BuildKit's `wordsStruct`: its buffer is shared by every nesting level of one lexer."""

    __slots__ = ("buf", "in_word", "words")

    def __init__(self, buf: list[str]) -> None:
        self.buf = buf
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, char: str) -> None:
        if char in SPACE:
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        else:
            self.add_raw(char)

    def add_raw(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def add_string(self, text: str) -> None:
        for char in text:
            self.add_char(char)

    def result(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
            self.in_word = False
        return self.words


class _Lexer:
    """`shell.Lex` with SkipUnsetEnv and an empty environment, escape token `\\`."""

    __slots__ = ("buf", "pos", "raw_escapes", "raw_quotes", "src")

    def __init__(self, src: str, *, raw_quotes: bool, raw_escapes: bool) -> None:
        # Go's text/scanner skips a byte-order mark at the very start of its input.
        self.src = src
        self.pos = 1 if src.startswith("\ufeff") else 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.buf: list[str] = []

    def _peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def _next(self) -> str:
        char = self._peek()
        if char:
            self.pos += 1
        return char

    def words(self) -> list[str]:
        try:
            return self._stop_on("", self.raw_escapes)[1]
        except LexError as err:
            raise LexError(f"failed to process {quote(self.src)}: {err}") from None

    def _stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._stop_on_body(stop)
        finally:
            self.raw_escapes = saved

    def _stop_on_body(self, stop: str) -> tuple[str, list[str]]:
        result: list[str] = []
        self.buf.clear()
        words = _Words(self.buf)
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if stop and char == stop:
                self.pos += 1
                return "".join(result), words.result()
            if char == "$":
                text = self._dollar()
                result.append(text)
                words.add_string(text)
                continue
            if char == "<":
                text = self._possible_heredoc()
            elif char == "'":
                text = self._single_quote()
            elif char == '"':
                text = self._double_quote()
            else:
                self.pos += 1
                if char == _ESCAPE:
                    if self.raw_escapes:
                        words.add_raw(char)
                        result.append(char)
                    if self.pos >= len(src):
                        break
                    char = src[self.pos]
                    self.pos += 1
                    words.add_raw(char)
                else:
                    words.add_char(char)
                result.append(char)
                continue
            result.append(text)
            words.add_raw(text)
        if stop:
            raise LexError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.result()

    def _single_quote(self) -> str:
        out = []
        char = self._next()
        if self.raw_quotes:
            out.append(char)
        while True:
            char = self._next()
            if not char:
                raise LexError(
                    "unexpected end of statement while looking for matching single-quote"
                )
            if char == "'":
                if self.raw_quotes:
                    out.append(char)
                return "".join(out)
            out.append(char)

    def _double_quote(self) -> str:
        out = []
        char = self._next()
        if self.raw_quotes:
            out.append(char)
        while True:
            peek = self._peek()
            if not peek:
                raise LexError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            if peek == '"':
                char = self._next()
                if self.raw_quotes:
                    out.append(char)
                return "".join(out)
            if peek == "$":
                out.append(self._dollar())
                continue
            char = self._next()
            if char == _ESCAPE:
                if self.raw_escapes:
                    out.append(char)
                following = self._peek()
                if not following:
                    continue
                if following in ('"', "$", _ESCAPE):
                    char = self._next()
            out.append(char)

    def _dollar(self) -> str:
        self._next()
        if self._peek() != "{":
            name = self._name()
            return "$" + name if name else "$"
        self._next()
        peek = self._peek()
        if not peek:
            raise LexError("syntax error: missing '}'")
        if peek in "{}:":
            raise LexError("syntax error: bad substitution")
        name = self._name()
        char = self._next()
        # Go's string(rune(EOF)) is U+FFFD.
        modifier = char or "\ufffd"
        if char == "}":
            return "${" + name + "}"
        null_is_unset = False
        if char == ":":
            null_is_unset = True
            char = self._next()
            modifier += char or "\ufffd"
        elif char == "/":
            return self._substitution(name)
        elif not char or char not in "+-?#%":
            raise LexError(f"unsupported modifier ({modifier}) in substitution")
        raw_escapes = char in ("#", "%")
        if null_is_unset and raw_escapes:
            raise LexError(f"unsupported modifier ({modifier}) in substitution")
        try:
            word = self._stop_on("}", raw_escapes)[0]
        except LexError:
            if not self._peek():
                raise LexError("syntax error: missing '}'") from None
            raise
        return "${" + name + modifier + word + "}"

    def _substitution(self, name: str) -> str:
        if self._peek() == "/":
            self._next()
        try:
            pattern = self._stop_on("/", True)[0]
        except LexError:
            if not self._peek():
                raise LexError("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement = self._stop_on("}", True)[0]
        except LexError:
            if not self._peek():
                raise LexError("syntax error: missing '}'") from None
            raise
        return "${" + name + "/" + pattern + "/" + replacement + "}"

    def _name(self) -> str:
        out = []
        while True:
            char = self._peek()
            if not char:
                break
            if not out and char.isdecimal():
                while char and char.isdecimal():
                    out.append(self._next())
                    char = self._peek()
                return "".join(out)
            if not out and char in _SPECIAL_PARAMS:
                return self._next()
            if not (char.isalpha() or char.isdecimal() or char == "_"):
                break
            out.append(self._next())
        return "".join(out)

    def _possible_heredoc(self) -> str:
        self._next()
        if self._peek() != "<":
            return "<"
        self._next()
        start = self.pos
        while self._peek() in _HEREDOC_SPACE:
            self.pos += 1
        return "<<" + self.src[start : self.pos]


def _heredoc_from_word(word: str) -> FoundHeredoc | None:
    match = _HEREDOC_WORD.match(word)
    if match is None:
        return None
    digits, dash, rest = match.groups()
    if not rest:
        return None
    words = _Lexer(rest, raw_quotes=False, raw_escapes=False).words()
    if len(words) != 1:
        return None
    raw_words = _Lexer(rest, raw_quotes=True, raw_escapes=False).words()
    if len(raw_words) != 1:
        raise LexError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    name, raw = words[0], raw_words[0]
    expand = name.count("'") + name.count('"') == raw.count("'") + raw.count('"')
    # strconv.ParseUint: "" gives 0, an overflow gives the largest uint64.
    fd = min(int(digits), _MAX_FD) if digits else 0
    return FoundHeredoc(name, fd, expand, dash == "-")


def heredocs_in_line(line: str) -> list[FoundHeredoc]:
    """The heredocs an ADD/COPY/RUN line opens, in order. Raises LexError as BuildKit does."""
    try:
        words = _Lexer(line, raw_quotes=True, raw_escapes=True).words()
    except LexError:
        return []
    found = []
    for word in words:
        heredoc = _heredoc_from_word(word)
        if heredoc is not None:
            found.append(heredoc)
    return found
