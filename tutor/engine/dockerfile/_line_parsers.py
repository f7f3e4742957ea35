"""Splitting one logical Dockerfile line into keyword, flags and arguments, as BuildKit does.

Each instruction has its own argument rules (BuildKit's `line_parsers.go`): exec-form JSON or a
single shell string (RUN, CMD…), JSON or whitespace-split words (COPY, ADD, VOLUME), key=value
pairs (ENV, LABEL), shell-like words (ARG), the raw rest (USER, WORKDIR…), and unknown
instructions, whose arguments are dropped. Flag extraction walks UTF-8 bytes like BuildKit does,
so non-ASCII flag values come out as BuildKit's Latin-1 mojibake.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

from tutor.engine.dockerfile import _gotext
from tutor.engine.dockerfile._gotext import BYTE_SPACE, SPACE

Values = tuple[str, ...]
Parsed = tuple[Values, bool, bool]
"""(arguments, exec form?, legacy `KEY value` form?)"""

NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"

# BuildKit's reWhitespace: ASCII only, and no newline.
_WS = re.compile(r"[\t\v\f\r ]+")
_GO_MAX_JSON_DEPTH = 10000


class LineError(Exception):
    """An instruction BuildKit's parser refuses; the caller adds the lines."""


def _words_pattern(escape: str, *, at_end: bool) -> re.Pattern[str]:
    """A word of parseWords; with `at_end`, groups mark an escape token ending the text."""
    esc = re.escape(escape)
    space = re.escape(SPACE)
    tail, quoted_tail = (f"|(?P<tail>{esc}\\Z)", f"|(?P<qtail>{esc}\\Z)") if at_end else ("", "")
    return re.compile(
        rf"(?:[^{space}'\"{esc}]+|{esc}[\s\S]{tail}|'[^']*'?"
        rf"|\"(?:[^\"{esc}]+|{esc}[\s\S]{quoted_tail})*\"?)+"
    )


_WORDS = {e: _words_pattern(e, at_end=False) for e in ("\\", "`")}
_WORDS_AT_END = {e: _words_pattern(e, at_end=True) for e in ("\\", "`")}


def parse_words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: split on whitespace outside quotes; quotes and escapes are kept.

    An escape token at the very end of the text is dropped, as BuildKit does.
    """
    if rest[-1:] != escape:
        words: list[str] = _WORDS[escape].findall(rest)
    else:
        words = []
        for match in _WORDS_AT_END[escape].finditer(rest):
            word = match.group()
            if match.group("tail") is not None or match.group("qtail") is not None:
                word = word[:-1]
                if not word:
                    continue
            words.append(word)
    if not rest.isascii():
        words = [_gotext.replace_invalid(word) for word in words]
    return words


# Leading flags without quotes, escapes, control or non-ASCII characters, each followed by blanks
# or the end: the common case, where the byte loop below would only split on blanks.
_PLAIN_FLAGS = re.compile(r"(?:--[^\x00-\x20'\"\\`\x7f-\U0010ffff]*(?:[\t\n\v\f\r ]+|\Z))+")


def _extract_flags(line: str, escape: str) -> tuple[str, list[str]]:
    """BuildKit's extractBuilderFlags: leading `--flag` words; returns (rest, flags).

    Go walks bytes here and turns each byte into a rune, so it runs on a bytes view.
    """
    plain = _PLAIN_FLAGS.match(line)
    if plain is not None and not line.startswith("--", plain.end()):
        plain_words = plain.group().split()
        if "--" not in plain_words:
            return line[plain.end() :], plain_words
    ascii_only = line.isascii()
    view = line if ascii_only else _gotext.to_bytes_view(line)
    end = len(view)
    words: list[str] = []
    buf: list[str] = []
    in_word = in_quote = blank_ok = False
    quote = ""
    pos = 0
    while True:
        if not in_word and not in_quote:
            if pos == end:
                return "", words
            char = view[pos]
            if char in BYTE_SPACE:
                pos += 1
                continue
            if char != "-" or pos + 1 == end or view[pos + 1] != "-":
                rest = view[pos:]
                return (rest if ascii_only else _gotext.from_bytes_view(rest)), words
            in_word = True
        if pos == end:
            word = "".join(buf)
            if word != "--" and (blank_ok or word):
                words.append(word)
            return "", words
        char = view[pos]
        pos += 1
        if in_word:
            if char in BYTE_SPACE:
                word = "".join(buf)
                in_word = False
                if word == "--":
                    rest = view[pos - 1 :]
                    return (rest if ascii_only else _gotext.from_bytes_view(rest)), words
                if blank_ok or word:
                    words.append(word)
                buf = []
                blank_ok = False
                continue
            if char == "'" or char == '"':
                quote = char
                blank_ok = True
                in_word, in_quote = False, True
                continue
        elif char == quote:
            in_word, in_quote = True, False
            continue
        if char == escape:
            if pos == end:
                if in_quote:
                    in_word, in_quote = True, False
                continue
            char = view[pos]
            pos += 1
        buf.append(char)


def split_command(line: str, escape: str) -> tuple[str, tuple[str, ...], str]:
    """BuildKit's splitCommand: (keyword as written, flags, trimmed arguments)."""
    text = line.strip(SPACE)
    gap = _WS.search(text)
    if gap is None:
        return text, (), ""
    rest = text[gap.end() :]
    if rest.startswith("--"):
        args, flags = _extract_flags(rest, escape)
        return text[: gap.start()], tuple(flags), args.strip(SPACE)
    return text[: gap.start()], (), rest.lstrip(SPACE)


class _NumberOverflow(ValueError):
    """Go's float64 conversion fails on this JSON number, which makes it a shell-form line."""


def _go_number(text: str) -> None:
    if math.isinf(float(text)):
        raise _NumberOverflow(text)


def _not_json(text: str) -> None:
    raise ValueError(text)


_DECODER = json.JSONDecoder(parse_float=_go_number, parse_int=_go_number, parse_constant=_not_json)
_JSON_TOKEN = re.compile(
    r"[ \t\n\r]*(?:([\[\]{},:])"
    r'|"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"'
    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)|true|false|null)"
)


def _deep_json_is_array(text: str) -> bool:
    """Whether Go would decode `text` (too deeply nested for Python's json) without error.

    Validates iteratively: syntax, Go's nesting limit and float64 range of every number.
    """
    stack: list[str] = []
    expect = "value"  # value | value_or_end | key_or_end | key | colon | comma_or_end
    pos = 0
    while True:
        match = _JSON_TOKEN.match(text, pos)
        if match is None:
            return False
        pos = match.end()
        punct, number = match.group(1), match.group(2)
        if punct in ("]", "}"):
            closes = "[" if punct == "]" else "{"
            if expect not in ("comma_or_end", "value_or_end" if closes == "[" else "key_or_end"):
                return False
            if not stack or stack.pop() != closes:
                return False
            expect = "comma_or_end"
        elif punct == ",":
            if expect != "comma_or_end" or not stack:
                return False
            expect = "value" if stack[-1] == "[" else "key"
        elif punct == ":":
            if expect != "colon":
                return False
            expect = "value"
        elif expect in ("key", "key_or_end"):
            if punct is not None or number is not None or match.group().strip()[0] != '"':
                return False
            expect = "colon"
        elif expect in ("value", "value_or_end"):
            if punct in ("[", "{"):
                stack.append(punct)
                if len(stack) > _GO_MAX_JSON_DEPTH:
                    return False
                expect = "value_or_end" if punct == "[" else "key_or_end"
                continue
            if number is not None and math.isinf(float(number)):
                return False
            expect = "comma_or_end"
        else:
            return False
        if not stack and expect == "comma_or_end":
            return text[pos:].strip(" \t\n\r") == ""


def parse_json(rest: str) -> Values | None:
    """BuildKit's parseJSON: the strings of a JSON array, or None when it is not exec form.

    Raises LineError when the array is valid JSON but holds something other than strings.
    """
    rest = rest.lstrip(SPACE)
    if not rest.startswith("["):
        return None
    try:
        data = _DECODER.decode(rest)
    except ValueError:
        return None
    except RecursionError:
        if _deep_json_is_array(rest):
            raise LineError(NOT_STRING_ARRAY) from None
        return None
    for item in data:
        if type(item) is not str:
            raise LineError(NOT_STRING_ARRAY)
    if rest.isascii() and "\\u" not in rest:
        return tuple(data)
    return tuple(_gotext.replace_invalid(item) for item in data)


def _maybe_json(rest: str, escape: str) -> Parsed:
    if not rest:
        return (), False, False
    if rest[0] == "[" or rest.lstrip(SPACE)[:1] == "[":
        values = parse_json(rest)
        if values is not None:
            return values, True, False
    return (rest,), False, False


def _maybe_json_to_list(rest: str, escape: str) -> Parsed:
    if rest[:1] == "[" or rest.lstrip(SPACE)[:1] == "[":
        values = parse_json(rest)
        if values is not None:
            return values, True, False
    return _whitespace_delimited(rest, escape)


def _whitespace_delimited(rest: str, escape: str) -> Parsed:
    if not rest:
        return (), False, False
    return tuple(_WS.split(rest)), False, False


def _string(rest: str, escape: str) -> Parsed:
    return ((rest,) if rest else ()), False, False


def _ignore(rest: str, escape: str) -> Parsed:
    return ("",), False, False


def _name_or_name_value(rest: str, escape: str) -> Parsed:
    return tuple(parse_words(rest, escape)), False, False


def _name_value(keyword: str) -> Callable[[str, str], Parsed]:
    def parse(rest: str, escape: str) -> Parsed:
        words = parse_words(rest, escape)
        if not words:
            return (), False, False
        if "=" not in words[0]:
            parts = _WS.split(rest, 1)
            if len(parts) < 2:
                raise LineError(f"{keyword} must have two arguments")
            return (parts[0], parts[1]), False, True
        values = []
        for word in words:
            key, sep, value = word.partition("=")
            if not sep:
                raise LineError(
                    f"Syntax error - can't find = in {_gotext.quote(word)}. "
                    "Must be of the form: name=value"
                )
            values.append(key)
            values.append(value)
        return tuple(values), False, False

    return parse


_HEALTH_SEP = re.compile(f"[{re.escape(BYTE_SPACE)}]")
_HEALTH_NOT_SEP = re.compile(f"[^{re.escape(BYTE_SPACE)}]")


def _health(rest: str, escape: str) -> Parsed:
    if not rest:
        return (), False, False
    # BuildKit tests single bytes for whitespace here, hence the bytes view.
    ascii_only = rest.isascii()
    view = rest if ascii_only else _gotext.to_bytes_view(rest)
    gap = _HEALTH_SEP.search(view)
    if gap is None:
        kind, command = view, ""
    else:
        after = _HEALTH_NOT_SEP.search(view, gap.start())
        kind = view[: gap.start()]
        command = view[after.start() :] if after is not None else ""
    if not ascii_only:
        kind, command = _gotext.from_bytes_view(kind), _gotext.from_bytes_view(command)
    values, is_json, _ = _maybe_json(command, escape)
    return (kind, *values), is_json, False


PARSERS: dict[str, Callable[[str, str], Parsed]] = {
    "add": _maybe_json_to_list,
    "arg": _name_or_name_value,
    "cmd": _maybe_json,
    "copy": _maybe_json_to_list,
    "entrypoint": _maybe_json,
    "env": _name_value("ENV"),
    "expose": _whitespace_delimited,
    "from": _whitespace_delimited,
    "healthcheck": _health,
    "label": _name_value("LABEL"),
    "maintainer": _string,
    "run": _maybe_json,
    "shell": _maybe_json,
    "stopsignal": _string,
    "user": _string,
    "volume": _maybe_json_to_list,
    "workdir": _string,
}
"""Argument parser per lower-cased keyword; ONBUILD is handled by the caller, others ignored."""


def parse_arguments(keyword: str, rest: str, escape: str) -> Parsed:
    """The arguments of `keyword` (lower-cased) as BuildKit's dispatch table parses them."""
    return PARSERS.get(keyword, _ignore)(rest, escape)
