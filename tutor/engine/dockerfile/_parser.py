"""The Dockerfile parser: text to instructions, exactly as BuildKit's parser does it.

This is the parse step only (BuildKit's `frontend/dockerfile/parser`): it joins continuation
lines, drops comments and blank lines, reads parser directives, splits each instruction into
keyword, flags and arguments, and collects heredoc bodies. It does not judge instructions:
unknown keywords, missing arguments and the like are the instruction layer's business, because
BuildKit reports those later, with other messages.

The behaviour is that of the BuildKit vendored by Docker 28 (v0.22 and later): directives
`syntax`, `escape` and `check`; exec form only when the whole argument is one JSON array;
flags honour the escape token; `<< EOF` (with blanks) opens a heredoc.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.engine.dockerfile import _gotext
from tutor.engine.dockerfile._ast import Heredoc, Instruction
from tutor.engine.dockerfile._directives import (
    DEFAULT_ESCAPE,
    Directive,
    DirectiveError,
    parse_directive,
)
from tutor.engine.dockerfile._heredoc import heredocs_in_line
from tutor.engine.dockerfile._line_parsers import LineError, parse_arguments, split_command
from tutor.engine.errors import DockerfileError

__all__ = ["ParseWarning", "ParsedDockerfile", "parse", "parse_dockerfile"]

_SPACE = _gotext.SPACE
# bufio.Scanner's default token limit: a line plus its newline must fit in 65536 bytes.
_MAX_LINE_BYTES = 65536
_HEREDOC_KEYWORDS = frozenset({"add", "copy", "run"})
# Last characters that may end a continued line: either escape token, or a blank after it.
_CONTINUATION_TAIL = frozenset("\\` \t")

EMPTY_CONTINUATION_DETAIL = "Empty continuation lines will become errors in a future release"
EMPTY_CONTINUATION_URL = "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/"


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """A warning BuildKit's parser raises (today only for empty continuation lines)."""

    message: str
    """BuildKit's short text, e.g. `Empty continuation line found in: RUN a b`."""
    detail: str
    url: str
    line: int
    """1-based line BuildKit attaches: the last line of the instruction."""


@dataclass(frozen=True, slots=True)
class ParsedDockerfile:
    """Everything BuildKit's parser returns for one Dockerfile."""

    instructions: tuple[Instruction, ...]
    escape_token: str
    """`\\` unless an `# escape=` directive chose `` ` ``."""
    directives: tuple[Directive, ...]
    """The parser directives found at the top, in order."""
    warnings: tuple[ParseWarning, ...]


def parse(text: str) -> tuple[Instruction, ...]:
    """The instructions of a Dockerfile; raises DockerfileError where BuildKit's parser fails."""
    return parse_dockerfile(text).instructions


def _first_overlong_line(lines: list[str]) -> int | None:
    """Index of the first line bufio.Scanner refuses as too long, if any."""
    if max(map(len, lines), default=0) * 4 < _MAX_LINE_BYTES:
        return None
    for index, line in enumerate(lines):
        # With or without its newline, a line fails from 65536 bytes of its own on. A character
        # is at most 4 bytes, so only long lines need encoding.
        if (
            len(line) * 4 >= _MAX_LINE_BYTES
            and len(line.encode("utf-8", "surrogatepass")) >= _MAX_LINE_BYTES
        ):
            return index
    return None


def _is_continued(line: str, escape: str) -> bool:
    """BuildKit's line-continuation regex: the escape token ends the line (blanks allowed after)
    and is not itself escaped."""
    stripped = line.rstrip(" \t")
    return stripped[-1:] == escape and stripped[-2:-1] != escape


def _join_continued(lines: list[str], index: int, first: str, escape: str) -> tuple[str, int, bool]:
    """Join `first` (a continued line) with the lines that follow it.

    Returns the logical line, the index after its last line, and whether empty lines were
    skipped on the way (BuildKit warns about those; comment lines it skips silently).
    """
    parts = [first.rstrip(" \t")[:-1]]
    empty_seen = False
    count = len(lines)
    while index < count:
        raw = lines[index].rstrip("\r")
        index += 1
        content = raw.lstrip(_SPACE)
        if not content:
            empty_seen = True
        elif content[0] != "#":
            if not _is_continued(raw, escape):
                parts.append(raw)
                break
            parts.append(raw.rstrip(" \t")[:-1])
    return "".join(parts), index, empty_seen


def _read_heredocs(
    lines: list[str], index: int, line: str, bare_last: int, start: int
) -> tuple[tuple[Heredoc, ...], int]:
    """The heredocs `line` opens, with their bodies read from `lines[index:]`."""
    try:
        found = heredocs_in_line(line)
    except DockerfileError as err:
        raise DockerfileError(err.message, start, index) from None
    heredocs = []
    count = len(lines)
    for heredoc in found:
        body: list[str] = []
        while index < count:
            raw = lines[index]
            candidate = raw.rstrip("\r")
            if heredoc.chomp:
                candidate = candidate.lstrip("\t")
            index += 1
            if candidate == heredoc.name:
                break
            body.append(raw if index - 1 == bare_last else raw + "\n")
        else:
            raise DockerfileError("unterminated heredoc", start, index)
        heredocs.append(
            Heredoc(
                heredoc.name, "".join(body), heredoc.file_descriptor, heredoc.expand, heredoc.chomp
            )
        )
    return tuple(heredocs), index


def _read_directives(lines: list[str]) -> tuple[list[Directive], int]:
    """The leading directives and the index of the first line that is not one."""
    found: list[Directive] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line[:1] != "#" and line.lstrip(_SPACE)[:1] != "#":
            return found, index
        try:
            directive = parse_directive(line.rstrip("\r").lstrip(_SPACE), index + 1, seen)
        except DirectiveError as err:
            # BuildKit reports the 0-based index of the line here.
            raise DockerfileError(str(err), index, index) from None
        if directive is None:
            return found, index
        found.append(directive)
    return found, len(lines)


def parse_dockerfile(text: str) -> ParsedDockerfile:
    """Parse `text` as BuildKit does; raises DockerfileError where BuildKit's parser fails."""
    lines = text.split("\n")
    ends_with_newline = lines[-1] == ""
    if ends_with_newline:
        lines.pop()
    overlong = _first_overlong_line(lines) if len(text) * 4 >= _MAX_LINE_BYTES else None
    if overlong is not None:
        del lines[overlong:]
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    # The last line has no newline of its own unless the text ended with one.
    bare_last = -1 if ends_with_newline or overlong is not None else len(lines) - 1

    directives, index = _read_directives(lines)
    escape = DEFAULT_ESCAPE
    for directive in directives:
        if directive.name == "escape":
            escape = directive.value

    instructions: list[Instruction] = []
    warnings: list[ParseWarning] = []
    count = len(lines)
    while index < count:
        line = lines[index].rstrip("\r").lstrip(_SPACE)
        index += 1
        start = index
        if not line or line[0] == "#":
            continue
        if line[-1] in _CONTINUATION_TAIL and _is_continued(line, escape):
            line, index, empty_seen = _join_continued(lines, index, line, escape)
            if empty_seen:
                warnings.append(
                    ParseWarning(
                        "Empty continuation line found in: " + line,
                        EMPTY_CONTINUATION_DETAIL,
                        EMPTY_CONTINUATION_URL,
                        index,
                    )
                )

        try:
            keyword, flags, values, is_json, legacy, sub_keyword, heredoc_key = _node(line, escape)
        except LineError as err:
            raise DockerfileError(str(err), start, index) from None

        heredocs: tuple[Heredoc, ...] = ()
        original = line
        if heredoc_key in _HEREDOC_KEYWORDS and not is_json and "<<" in line:
            heredocs, index = _read_heredocs(lines, index, line, bare_last, start)
            if heredocs:
                original = line + "\n" + "".join(h.content + h.name + "\n" for h in heredocs)

        instructions.append(
            Instruction(
                keyword,
                sub_keyword,
                is_json,
                original,
                start,
                index,
                flags,
                values,
                heredocs,
                legacy,
            )
        )

    if not instructions:
        raise DockerfileError("file with no instructions", index, index)
    if overlong is not None:
        raise DockerfileError(
            f"dockerfile line greater than max allowed size of {_MAX_LINE_BYTES - 1}",
            index,
            index,
        )
    return ParsedDockerfile(tuple(instructions), escape, tuple(directives), tuple(warnings))


def _node(
    line: str, escape: str
) -> tuple[str, tuple[str, ...], tuple[str, ...], bool, bool, str | None, str]:
    """(keyword, flags, values, json, legacy form, ONBUILD's sub-keyword, heredoc keyword).

    For ONBUILD the values are its sub-instruction's (one level down, as the binding reads
    them); deeper ONBUILDs are still parsed because their errors stop the parse.
    """
    keyword, flags, rest = split_command(line, escape)
    key = keyword.lower() if keyword.isascii() else _gotext.lower(keyword)
    if key != "onbuild":
        values, is_json, legacy = parse_arguments(key, rest, escape)
        return keyword, flags, values, is_json, legacy, None, key
    if not rest:
        return keyword, flags, (), False, False, None, key
    sub_keyword, _, sub_rest = split_command(rest, escape)
    sub_key = _gotext.lower(sub_keyword)
    if sub_key != "onbuild":
        values, is_json, legacy = parse_arguments(sub_key, sub_rest, escape)
        return keyword, flags, values, is_json, legacy, sub_keyword, sub_key
    deeper = sub_rest
    while deeper:
        deeper_keyword, _, deeper_rest = split_command(deeper, escape)
        deeper_key = _gotext.lower(deeper_keyword)
        if deeper_key != "onbuild":
            parse_arguments(deeper_key, deeper_rest, escape)
            break
        deeper = deeper_rest
    return keyword, flags, (("",) if sub_rest else ()), False, False, sub_keyword, sub_key
