"""Variable substitution and word splitting, exactly as BuildKit's shell lexer does them.

BuildKit never runs a shell for Dockerfile arguments: its own small lexer (`frontend/dockerfile/
shell/lex.go`) expands `$VAR`, `${VAR}`, the `${VAR:-word}` family, the `#`/`%` trims and `/`
replacement, honours quotes and the escape token, and reports which variables it looked up. The
build cache and the UndefinedVar check rely on those lookups, and learners see its error texts, so
every branch here follows that file, including its quirks (an unterminated `${X` is an
"unsupported modifier (\ufffd)" error; a nested `${X:-…}` in word-splitting mode drops the letters
that preceded it in the same word).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tutor.engine.dockerfile._go import go_is_digit, go_is_letter
from tutor.engine.dockerfile._gotext import SPACE, quote
from tutor.engine.errors import DockerfileError

_EOF = ""
_NO_RUNE = "\ufffd"  # what Go prints for the end-of-input rune (-1)
_SPECIAL_PARAMS = frozenset("@*#?-$!0")


class _LexError(Exception):
    pass


def _rune(ch: str) -> str:
    return ch if ch else _NO_RUNE


class _Scanner:
    """Go's `text/scanner` as the lexer uses it: one character at a time, a leading BOM dropped."""

    __slots__ = ("_pos", "_text")

    def __init__(self, text: str) -> None:
        self._text = text[1:] if text.startswith("\ufeff") else text
        self._pos = 0

    def peek(self) -> str:
        return self._text[self._pos] if self._pos < len(self._text) else _EOF

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self._pos += 1
        return ch


class _Words:
    """Word splitting state; the character buffer is shared by nested scans, as in Go."""

    __slots__ = ("_buf", "in_word", "words")

    def __init__(self, buf: list[str]) -> None:
        self._buf = buf
        self.words: list[str] = []
        self.in_word = False

    def _has_text(self) -> bool:
        # Go tests the buffer's length: an empty quoted piece ('') adds nothing to it.
        return any(self._buf)

    def add_char(self, ch: str) -> None:
        if ch in SPACE:
            if self.in_word and self._has_text():
                self.words.append("".join(self._buf))
                self._buf.clear()
                self.in_word = False
        else:
            self.add_raw(ch)

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw(self, text: str) -> None:
        self._buf.append(text)
        self.in_word = True

    def finish(self) -> list[str]:
        if self._has_text():
            self.words.append("".join(self._buf))
            self._buf.clear()
            self.in_word = False
        return self.words


@dataclass(frozen=True, slots=True)
class Expansion:
    """One processed word: the text, its split words and the variables it looked up."""

    result: str
    words: tuple[str, ...]
    matched: tuple[str, ...]
    """Variables found in the environment, in first-use order."""
    unmatched: tuple[str, ...]
    """Variables looked up but not set, in first-use order."""


@dataclass(frozen=True, slots=True)
class Lexer:
    """BuildKit's `shell.Lex`: the escape token plus the switches its callers set."""

    escape: str = "\\"
    raw_quotes: bool = False
    """Keep quote characters in the output (progress names, heredoc detection)."""
    raw_escapes: bool = False
    """Keep escape characters in the output."""
    skip_process_quotes: bool = False
    """Treat quotes as ordinary characters (heredoc bodies)."""
    skip_unset_env: bool = False
    """Leave references to unset variables as written instead of expanding them to ''."""

    def process_word(self, word: str, env: Mapping[str, str]) -> Expansion:
        """Expand `word` as one word (ProcessWord / ProcessWordWithMatches).

        Raises `DockerfileError` (line 0) with BuildKit's `failed to process "…": …` text.
        """
        return _ShellWord(self, env, capture=True).process(word)

    def process_words(self, word: str, env: Mapping[str, str]) -> tuple[str, ...]:
        """Expand `word` and split the result into words (ProcessWords)."""
        return _ShellWord(self, env, capture=False).process(word).words


class _ShellWord:
    def __init__(self, lexer: Lexer, env: Mapping[str, str], *, capture: bool) -> None:
        self._lex = lexer
        self._env = env
        self._capture = capture
        self._raw_escapes = lexer.raw_escapes
        self._words_buffer: list[str] = []
        self._matched: dict[str, None] = {}
        self._unmatched: dict[str, None] = {}
        self._scanner = _Scanner("")

    def process(self, source: str) -> Expansion:
        self._scanner = _Scanner(source)
        try:
            result, words = self._process_stop_on(_EOF, self._raw_escapes)
        except _LexError as err:
            raise DockerfileError(f"failed to process {quote(source)}: {err}") from None
        except RecursionError:
            # Go's stacks grow; Python's do not. Hundreds of nested ${…} are refused here only.
            raise DockerfileError(f"failed to process {quote(source)}: nesting too deep") from None
        return Expansion(result, tuple(words), tuple(self._matched), tuple(self._unmatched))

    def _process_stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        saved, self._raw_escapes = self._raw_escapes, raw_escapes
        try:
            return self._scan_until(stop)
        finally:
            self._raw_escapes = saved

    def _scan_until(self, stop: str) -> tuple[str, list[str]]:
        scanner = self._scanner
        result: list[str] = []
        self._words_buffer.clear()
        words = _Words(self._words_buffer)
        quotes = not self._lex.skip_process_quotes
        while (ch := scanner.peek()) != _EOF:
            if stop and ch == stop:
                scanner.next()
                return "".join(result), words.finish()
            if ch == "$":
                text = self._process_dollar()
                result.append(text)
                words.add_string(text)
            elif ch == "<":
                text = self._process_possible_heredoc()
                result.append(text)
                words.add_raw(text)
            elif quotes and ch in "'\"":
                text = self._process_single_quote() if ch == "'" else self._process_double_quote()
                result.append(text)
                words.add_raw(text)
            else:
                ch = scanner.next()
                if ch == self._lex.escape:
                    if self._raw_escapes:
                        words.add_raw(ch)
                        result.append(ch)
                    ch = scanner.next()
                    if ch == _EOF:
                        break
                    words.add_raw(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise _LexError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.finish()

    def _process_single_quote(self) -> str:
        scanner = self._scanner
        out = []
        quote = scanner.next()
        if self._lex.raw_quotes:
            out.append(quote)
        while True:
            ch = scanner.next()
            if ch == _EOF:
                raise _LexError("unexpected end of statement while looking for matching "
                                "single-quote")
            if ch == "'":
                if self._lex.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def _process_double_quote(self) -> str:
        scanner = self._scanner
        escape = self._lex.escape
        out = []
        quote = scanner.next()
        if self._lex.raw_quotes:
            out.append(quote)
        while True:
            peeked = scanner.peek()
            if peeked == _EOF:
                raise _LexError("unexpected end of statement while looking for matching "
                                "double-quote")
            if peeked == '"':
                scanner.next()
                if self._lex.raw_quotes:
                    out.append(peeked)
                return "".join(out)
            if peeked == "$":
                out.append(self._process_dollar())
                continue
            ch = scanner.next()
            if ch == escape:
                if self._raw_escapes:
                    out.append(ch)
                following = scanner.peek()
                if following == _EOF:
                    continue  # a trailing escape is dropped
                if following in ('"', "$", escape):
                    ch = scanner.next()
            out.append(ch)

    def _process_possible_heredoc(self) -> str:
        scanner = self._scanner
        scanner.next()
        if scanner.peek() != "<":
            return "<"
        scanner.next()
        spaces = []
        while scanner.peek() in ("\t", "\r", " "):
            spaces.append(scanner.next())
        return "<<" + "".join(spaces)

    def _process_name(self) -> str:
        scanner = self._scanner
        name: list[str] = []
        while (ch := scanner.peek()) != _EOF:
            if not name and go_is_digit(ch):
                while (digit := scanner.peek()) != _EOF and go_is_digit(digit):
                    name.append(scanner.next())
                return "".join(name)
            if not name and ch in _SPECIAL_PARAMS:
                return scanner.next()
            if not (go_is_letter(ch) or go_is_digit(ch) or ch == "_"):
                break
            name.append(scanner.next())
        return "".join(name)

    def _get_env(self, name: str) -> tuple[str, bool]:
        if name in self._env:
            if self._capture:
                self._matched[name] = None
            return self._env[name], True
        if self._capture:
            self._unmatched[name] = None
        return "", False

    def _process_dollar(self) -> str:
        scanner = self._scanner
        skip_unset = self._lex.skip_unset_env
        scanner.next()
        if scanner.peek() != "{":
            name = self._process_name()
            if not name:
                return "$"
            value, found = self._get_env(name)
            return "$" + name if not found and skip_unset else value

        scanner.next()
        peeked = scanner.peek()
        if peeked == _EOF:
            raise _LexError("syntax error: missing '}'")
        if peeked in ("{", "}", ":"):
            raise _LexError("syntax error: bad substitution")
        name = self._process_name()
        ch = scanner.next()
        modifier = _rune(ch)
        if ch == "}":
            value, found = self._get_env(name)
            return "${" + name + "}" if not found and skip_unset else value
        if ch == "/":
            return self._process_replacement(name)
        if ch not in (":", "+", "-", "?", "#", "%"):
            raise _LexError(f"unsupported modifier ({modifier}) in substitution")

        null_is_unset = ch == ":"
        if null_is_unset:
            ch = scanner.next()
            modifier += _rune(ch)
        trims = ch in ("#", "%")
        if null_is_unset and trims:
            raise _LexError(f"unsupported modifier ({modifier}) in substitution")
        try:
            word, _ = self._process_stop_on("}", trims)
        except _LexError:
            if scanner.peek() == _EOF:
                raise _LexError("syntax error: missing '}'") from None
            raise
        value, is_set = self._get_env(name)
        if skip_unset and not is_set:
            return "${" + name + modifier + word + "}"
        empty = not is_set or (null_is_unset and value == "")
        if ch == "-":
            return word if empty else value
        if ch == "+":
            return "" if empty else word
        if ch == "?":
            if not is_set:
                raise _LexError(f"{name}: {word or 'is not allowed to be unset'}")
            if empty:
                raise _LexError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch in ("#", "%"):
            greedy = word.startswith(ch)
            if greedy:
                word = word[1:]
            return _trim_suffix(word, value, greedy) if ch == "%" else _trim_prefix(
                word, value, greedy)
        raise _LexError(f"unsupported modifier ({modifier}) in substitution")

    def _process_replacement(self, name: str) -> str:
        scanner = self._scanner
        replace_all = scanner.peek() == "/"
        if replace_all:
            scanner.next()
        try:
            pattern, _ = self._process_stop_on("/", True)
        except _LexError:
            if scanner.peek() == _EOF:
                raise _LexError("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement, _ = self._process_stop_on("}", True)
        except _LexError:
            if scanner.peek() == _EOF:
                raise _LexError("syntax error: missing '}'") from None
            raise
        value, is_set = self._get_env(name)
        if self._lex.skip_unset_env and not is_set:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        regex = _shell_pattern(pattern, greedy=True, anchored=False)
        if replace_all:
            return _go_replace_all(regex, value, replacement)
        found = regex.search(value)
        if found is None:
            return value
        return value[:found.start()] + replacement + value[found.end():]


_REGEX_SPECIAL = frozenset("[]{}.+()|^$")


def _shell_pattern(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    """A `${VAR#pattern}` glob (`*`, `?`, backslash escapes, no brackets) as a regex."""
    scanner = _Scanner(pattern)
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    while (tok := scanner.next()) != _EOF:
        if tok == "*":
            out.append(star)
            continue
        if tok == "?":
            out.append(".")
            continue
        if tok == "\\":
            if scanner.peek() in ("}", "/"):
                continue  # escaped only to get past the ${} syntax
            out.append("\\")
            tok = scanner.next()
            if tok not in ("*", "?", "\\"):
                raise _LexError(f"invalid pattern ({pattern}) in substitution: "
                                f"invalid escape '\\{_rune(tok)}'")
        elif tok in _REGEX_SPECIAL:
            out.append("\\")
        out.append(tok)
    return re.compile("".join(out))


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    found = _shell_pattern(pattern, greedy=greedy, anchored=True).search(value)
    return value if found is None else value[found.end():]


def _reverse_pattern(pattern: str) -> str:
    # Reverse the glob while keeping each `\x` escape pair in order.
    out = [""] * len(pattern)
    last, i = len(pattern) - 1, 0
    while i <= last:
        if pattern[i] == "\\" and i != last:
            out[last - i - 1] = "\\"
            out[last - i] = pattern[i + 1]
            i += 2
        else:
            out[last - i] = pattern[i]
            i += 1
    return "".join(out)


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    # The shortest rightmost match is the shortest leftmost match of the reversed pattern.
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def _go_replace_all(regex: re.Pattern[str], src: str, template: str) -> str:
    """Go's `Regexp.ReplaceAllString`: `$0`/`${0}` is the match, other `$name`s are empty."""
    out: list[str] = []
    last_end = search = 0
    while search <= len(src):
        found = regex.search(src, search)
        if found is None:
            break
        start, end = found.span()
        out.append(src[last_end:start])
        if end > last_end or start == 0:
            out.append(_go_expand(template, found.group(0)))
        last_end = end
        search = search + 1 if search + 1 > end else end
    out.append(src[last_end:])
    return "".join(out)


_TEMPLATE_REF = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))", re.UNICODE)


def _go_expand(template: str, match: str) -> str:
    def ref(found: re.Match[str]) -> str:
        if found.group(0) == "$$":
            return "$"
        name = found.group(1) or found.group(2)
        return match if name == "0" else ""

    return _TEMPLATE_REF.sub(ref, template)


@dataclass(frozen=True, slots=True)
class HeredocWord:
    """A `<<EOF` word as BuildKit reads it from an instruction's arguments."""

    name: str
    file_descriptor: int
    chomp: bool
    """`<<-`: leading tabs are stripped from the body."""
    expand: bool
    """False when any part of the delimiter was quoted."""


_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)


def chomp_heredoc(body: str) -> str:
    """A `<<-` heredoc body: leading tabs removed from every line."""
    return _LEADING_TABS.sub("", body)


_HEREDOC = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z")
_MAX_FD = 2**64 - 1
_NAME_LEXER = Lexer(skip_unset_env=True)
_RAW_NAME_LEXER = Lexer(raw_quotes=True, skip_unset_env=True)


def parse_heredoc_word(word: str, *, strict: bool = False) -> HeredocWord | None:
    """The heredoc a word such as `<<EOF`, `<<-"EOT"` or `3<<X` opens, None when it opens none
    (BuildKit's ParseHeredoc). With `strict`, the lexing errors BuildKit's parser reports are
    raised (as `DockerfileError` without a line) instead of meaning "no heredoc"."""
    found = _HEREDOC.match(word)
    if found is None or not found.group(3):
        return None
    digits, dash, rest = found.groups()
    try:
        words = _NAME_LEXER.process_words(rest, {})
        if len(words) != 1:
            return None
        raw = _RAW_NAME_LEXER.process_words(rest, {})
        if len(raw) != 1:
            raise DockerfileError(
                f"internal lexing of heredoc produced inconsistent results: {rest}")
    except DockerfileError:
        if strict:
            raise
        return None
    name = words[0]
    expand = name.count("'") + name.count('"') == raw[0].count("'") + raw[0].count('"')
    # strconv.ParseUint, errors ignored: "" gives 0, an overflow the largest uint64. (Python's
    # int() refuses thousands of digits, so long ones are judged by their length.)
    significant = digits.lstrip("0") or "0"
    fd = min(int(significant), _MAX_FD) if len(significant) <= 20 else _MAX_FD
    return HeredocWord(name=name, file_descriptor=fd, chomp=dash == "-", expand=expand)
