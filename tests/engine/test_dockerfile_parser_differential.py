"""Our Dockerfile parser against BuildKit's own, compiled, through the PyPI `dockerfile` binding.

The binding pins BuildKit v0.12.5, older than the BuildKit in Docker 28 that we follow. Inputs
that touch a parser change made since then are left out (see `_version_delta`), as are inputs
the binding itself cannot take: NUL (it passes C strings) and results that are not valid UTF-8
(Go keeps the bytes, the binding fails to decode them). ONBUILD's heredocs, which the binding
reads from the wrong node, are compared as the binding shows them. Everything else must match
field by field, errors included.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import dockerfile  # type: ignore[import-not-found]
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tutor.engine.dockerfile._gotext import SPACE
from tutor.engine.dockerfile._line_parsers import parse_words, split_command
from tutor.engine.dockerfile._parser import ParsedDockerfile, parse_dockerfile
from tutor.engine.errors import DockerfileError

# DOCKERFILE_FUZZ_EXAMPLES=50000 runs a long hunt locally; CI keeps the default.
_SCALE = int(os.environ.get("DOCKERFILE_FUZZ_EXAMPLES", "0"))


def _settings(examples: int) -> settings:
    return settings(
        max_examples=_SCALE or examples,
        deadline=None,
        derandomize=not _SCALE,
        database=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )


Outcome = tuple[str, str] | list[tuple[Any, ...]]


def _oracle(text: str) -> Outcome:
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as err:
        return ("error", str(err))
    return [
        (
            c.cmd or "",
            c.sub_cmd,
            c.json,
            c.original or "",
            c.start_line,
            c.end_line,
            c.flags,
            c.value,
            tuple((h.name, h.file_descriptor, h.content) for h in c.heredocs),
        )
        for c in commands
    ]


def _signed(fd: int) -> int:
    # The binding hands Go's uint to C's long.
    return fd - 2**64 if fd >= 2**63 else fd


def _ours(parsed: ParsedDockerfile | DockerfileError) -> Outcome:
    if isinstance(parsed, DockerfileError):
        return ("error", parsed.message)
    out = []
    for i in parsed.instructions:
        original, heredocs = i.original, i.heredocs
        if i.sub_cmd is not None:
            # BuildKit keeps ONBUILD's heredocs on the ONBUILD node (its ONBUILD instruction
            # reads them there); the binding looks for them on the sub-instruction instead.
            original, heredocs = original.split("\n", 1)[0], ()
        out.append(
            (
                i.keyword,
                i.sub_cmd,
                i.json,
                original,
                i.start_line,
                i.end_line,
                i.flags,
                i.value,
                tuple((h.name, _signed(h.file_descriptor), h.content) for h in heredocs),
            )
        )
    return out


def _logical_lines(parsed: ParsedDockerfile) -> list[tuple[str, str, str]]:
    """(lower-cased keyword, arguments, line) of every instruction and ONBUILD sub-instruction."""
    out = []
    for instruction in parsed.instructions:
        line = instruction.original.split("\n", 1)[0]
        keyword, _, args = split_command(line, parsed.escape_token)
        out.append((keyword.lower(), args, line))
        if keyword.lower() == "onbuild" and args:
            sub_keyword, _, sub_args = split_command(args, parsed.escape_token)
            out.append((sub_keyword.lower(), sub_args, args))
    return out


def _trailing_after_json(args: str) -> bool:
    text = args.lstrip(SPACE)
    if not text.startswith("["):
        return False
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return False
    return text[end:].strip(" \t\n\r") != ""


def _version_delta(text: str, parsed: ParsedDockerfile | DockerfileError) -> bool:
    """Whether `text` meets a parser change between BuildKit v0.12.5 and Docker 28's BuildKit."""
    if isinstance(parsed, DockerfileError):
        # No instructions to inspect: judge the raw text.
        return _text_has_delta_trigger(text)
    if any(d.name == "check" for d in parsed.directives):
        return True  # `# check=` is a directive since v0.14
    for keyword, args, line in _logical_lines(parsed):
        # v0.12.5 took a JSON array followed by anything as exec form (fixed in v0.15).
        _, _, after_first = args.partition(" ")
        if _trailing_after_json(args) or _trailing_after_json(after_first):
            return True
        # `<< EOF` heredocs (v0.22) and ${...} lexing changes (v0.15).
        heredoc_capable = keyword in ("add", "copy", "run", "onbuild") and "<<" in args
        if heredoc_capable and (re.search(r"<<[\t\r ]", args) or "${" in args):
            return True
        if parsed.escape_token == "`" and "--" in line and ("\\" in line or "`" in line):
            return True  # flags honour the escape token since v0.21
    return False


def _text_has_delta_trigger(text: str) -> bool:
    # Continuation lines joined, roughly: blank and comment lines in between dropped.
    joined = re.sub(r"[\\`][ \t]*\r?\n(?:[ \t\r]*(?:#[^\n]*)?\n)*", "", text)
    return bool(
        re.search(r"(?im)^\ufeff?\s*#\s*check\s*=", text)
        or re.search(r"\][ \t]*[^\s\]]", joined)
        or re.search(r"<<[\t\r ]", joined)
        or "${" in joined
        or ("`" in text and "--" in text)
    )


def _ours_parsed(text: str) -> ParsedDockerfile | DockerfileError:
    try:
        return parse_dockerfile(text)
    except DockerfileError as err:
        return err


def _compare(text: str) -> None:
    """Hypothesis check: equal to BuildKit, or the input is one the binding cannot judge."""
    assume("\x00" not in text)
    try:
        expected = _oracle(text)
    except UnicodeDecodeError:
        assume(False)
        return
    parsed = _ours_parsed(text)
    actual = _ours(parsed)
    if actual != expected:
        assume(not _version_delta(text, parsed))
    assert actual == expected, text


# --- strategies -------------------------------------------------------------------------------

_KEYWORDS = [
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
    "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    "RUNN", "FOO", "COPPY", "ONBUILD", "RUN", "COPY",
]  # fmt: skip


@st.composite
def _casing(draw: st.DrawFn, word: str) -> str:
    style = draw(st.sampled_from(["upper", "lower", "mixed"]))
    if style == "upper":
        return word
    if style == "lower":
        return word.lower()
    return "".join(c.lower() if draw(st.booleans()) else c for c in word)


_ATOMS = st.sampled_from(
    [
        "a", "b", "echo", "hello", "/app", ".", "x=1", "k=v", "$HOME", "${VAR}", "${A:-b}",
        "'q'", '"dq"', '"a b"', "'", '"', "\\", "\\\\", "`", "\\ ", "=", "[", "]", "{", "}",
        "#", "# c", "&&", "|", ";", "--", "-x", "--flag=1", "<<EOF", "<<-EOF", "<", "<<", "3<<E",
        "é", "\u00a0", "\u2003", "\t", "\r", "\v", "\f", ",", ":", "*", "?", "~", "1", "0",
        "<<''", '<<""', "${", "$", "'a b'", "${A:+x y}", "${A#b}", "\\\"", "<<E\\", "\ufeff",
        "\\\u00a0", "\x1c", "\u3000", "\x85",
    ]
)  # fmt: skip


@st.composite
def _shell_text(draw: st.DrawFn) -> str:
    atoms = draw(st.lists(_ATOMS, max_size=8))
    seps = draw(st.lists(st.sampled_from([" ", "", "  ", "\t"]), min_size=len(atoms)))
    return "".join(a + s for a, s in zip(atoms, seps, strict=False)).strip(" ")


_JSON_STRINGS = st.lists(
    st.one_of(
        st.sampled_from(["sh", "-c", "echo hi", "a b", "", "\\", '"', "é", "\t", "<<EOF"]),
        st.text(max_size=5),
    ),
    max_size=4,
)


@st.composite
def _json_args(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    items = draw(_JSON_STRINGS)
    items = [i.replace("\x00", "") for i in items]
    if kind <= 4:
        return json.dumps(items, ensure_ascii=draw(st.booleans()))
    if kind == 5:
        return "['" + "', '".join(items) + "']"
    if kind == 6:
        return json.dumps(items)[:-1]
    if kind == 7:
        return "[" + ", ".join(json.dumps(i) for i in items) + ", ]"
    if kind == 8:
        return draw(st.sampled_from(["[1]", "[null]", "[[]]", '["a", 2]', "[1e999]", "[NaN]"]))
    return " [ " + " , ".join(json.dumps(i) for i in items) + " ] "


@st.composite
def _flags(draw: st.DrawFn) -> str:
    flags = draw(
        st.lists(
            st.sampled_from(
                [
                    "--from=build", "--chown=1:1", '--chown="a b"', "--mount=type=cache,target=/r",
                    "--link", "--", "--x=\\ y", "--platform=$BUILDPLATFORM", "--é=ü", "--'q'=1",
                    "--interval=5s", "--network=none", "-x",
                ]
            ),
            max_size=3,
        )
    )  # fmt: skip
    return "".join(f + " " for f in flags)


@st.composite
def _heredoc_parts(draw: st.DrawFn) -> tuple[str, list[str]]:
    count = draw(st.integers(1, 2))
    words, bodies = [], []
    for n in range(count):
        name = draw(st.sampled_from(["EOF", "END", "E"])) + (str(n) if n else "")
        fd = draw(st.sampled_from(["", "", "3", "99999999999999999999"]))
        dash = draw(st.sampled_from(["", "-"]))
        quoted = draw(
            st.sampled_from(
                [name, f'"{name}"', f"'{name}'", f'E"{name[1:]}"', f"''{name}", "''", '""', "\\E"]
            )
        )
        words.append(f"{fd}<<{dash}{quoted}")
        lines = draw(
            st.lists(st.sampled_from(["echo hi", "\tindented", "", "$X", name + " "]), max_size=3)
        )
        terminator = draw(st.sampled_from([name, name, name, "\t" + name, "\t" + name, None]))
        bodies.extend(lines + ([terminator] if terminator is not None else []))
    return " ".join(words), bodies


@st.composite
def _instruction(draw: st.DrawFn) -> list[str]:
    keyword = draw(st.sampled_from(_KEYWORDS))
    written = draw(_casing(keyword))
    extra: list[str] = []
    if keyword == "ONBUILD" and draw(st.booleans()):
        inner = draw(st.sampled_from(["RUN", "COPY", "RUN", "ENV", "ONBUILD", "FROM", "CMD"]))
        written += " " + draw(_casing(inner))
        keyword = inner
    if keyword in ("ENV", "LABEL"):
        pairs = draw(
            st.lists(st.tuples(st.sampled_from(["a", "B_1", "k.x", ""]), _shell_text()), max_size=3)
        )
        blank = draw(st.sampled_from([" ", " ", "\t", "\u00a0", "\x1c", " \u2003"]))
        if draw(st.booleans()):
            args = blank.join(f"{k}={v}" for k, v in pairs)
        else:
            args = " ".join(f"{k}{blank}{v}" for k, v in pairs[:1])
    elif keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME") and draw(
        st.booleans()
    ):
        args = draw(_json_args())
    elif keyword == "HEALTHCHECK":
        args = (
            draw(st.sampled_from(["NONE", "CMD", "CMD ", ""]))
            + " "
            + draw(st.one_of(_json_args(), _shell_text()))
        )
    else:
        args = draw(_shell_text())
    if keyword in ("RUN", "COPY", "ADD") and draw(st.booleans()):
        words, extra = draw(_heredoc_parts())
        args = words + " " + args
    # An escape token left dangling once BuildKit trims the line (blanks it does not trim first).
    args += draw(st.sampled_from(["", "", "", "", "\\\u00a0", "\\\v", '"\\\x85', "`\u2003"]))
    flags = draw(_flags()) if draw(st.integers(0, 3)) == 0 else ""
    line = written + draw(st.sampled_from([" ", "  ", "\t", " \t "])) + flags + args
    return [line, *extra]


@st.composite
def _continued(draw: st.DrawFn, escape: str) -> list[str]:
    """Break a line in pieces joined by the escape token, with comments and blanks between."""
    lines = draw(_instruction())
    head, extra = lines[0], lines[1:]
    cuts = sorted(draw(st.lists(st.integers(0, len(head)), max_size=3)))
    pieces, last = [], 0
    for cut in cuts:
        pieces.append(head[last:cut])
        last = cut
    pieces.append(head[last:])
    out = []
    for piece in pieces[:-1]:
        out.append(piece + escape + draw(st.sampled_from(["", " ", "\t", "  "])))
        out.extend(
            draw(st.lists(st.sampled_from(["", "  ", "# comment \\", "  # x", "\t"]), max_size=2))
        )
    out.append(pieces[-1])
    return out + extra


_DIRECTIVES = st.sampled_from(
    [
        "# syntax=docker/dockerfile:1", "# escape=`", "# escape=\\", "#escape = `",
        "# ESCAPE=`", "# escape=x", "# check=skip=all", "# foo=bar", "#  syntax =  x  ",
        "# escape=`\t", "#", "",
    ]
)  # fmt: skip

_JUNK = st.one_of(
    st.sampled_from(["", "   ", "# comment", "  # indented", "\\", "`", "\t", "\ufeff", "\r"]),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\n"),
        max_size=12,
    ),
)


@st.composite
def _dockerfiles(draw: st.DrawFn) -> str:
    directives = draw(st.one_of(st.just([]), st.lists(_DIRECTIVES, max_size=2)))
    escape = "`" if any(d.lower().replace(" ", "") == "#escape=`" for d in directives) else "\\"
    lines = list(directives)
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 9))
        if choice <= 4:
            lines.extend(draw(_instruction()))
        elif choice <= 7:
            lines.extend(draw(_continued(draw(st.sampled_from([escape, escape, "\\", "`"])))))
        else:
            lines.append(draw(_JUNK))
    indent = draw(st.sampled_from(["", "", " ", "\t"]))
    lines = [indent + line if draw(st.integers(0, 9)) == 0 else line for line in lines]
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = newline.join(lines)
    if draw(st.booleans()):
        text += newline
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return text


_INTERESTING = st.sampled_from(list("RUNFOMENVCPYLBAHKTDS \t\r\n\\`#=\"'[]{},$<-:0123é\u00a0\v\f"))


# --- tests ------------------------------------------------------------------------------------


@_settings(1500)
@given(_dockerfiles())
def test_grammar_generated_dockerfiles_match_buildkit(text: str) -> None:
    _compare(text)


@_settings(6000)
@given(st.text(alphabet=_INTERESTING, max_size=60))
def test_dockerfile_alphabet_soup_matches_buildkit(text: str) -> None:
    _compare(text)


@_settings(4000)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40))
def test_random_text_matches_buildkit(text: str) -> None:
    _compare(text)


@pytest.mark.parametrize(
    "text",
    [
        "FROM a\nRUN " + "x" * 65531,  # the longest line bufio.Scanner takes
        "FROM a\nRUN " + "x" * 65532,
        "RUN " + "é" * 32766,
        "FROM a\nRUN <<EOF\n" + "y" * 70000 + "\nEOF\n",
        "# c\n" + "z" * 70000 + "\n",
    ],
    ids=["max-line", "line-too-long", "multibyte-too-long", "long-heredoc", "long-no-instruction"],
)
def test_long_lines_match_buildkit(text: str) -> None:
    assert _ours(_ours_parsed(text)) == _oracle(text)


def _parse_words_loop(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords, transcribed loop for loop: the reference for our regex version."""
    words: list[str] = []
    buf: list[str] = []
    phase, quote, blank_ok, pos = "spaces", "", False, 0
    while pos <= len(rest):
        ch = rest[pos] if pos < len(rest) else ""
        if phase == "spaces":
            if pos == len(rest):
                break
            if ch in SPACE:
                pos += 1
                continue
            phase = "word"
        if pos == len(rest):
            if blank_ok or buf:
                words.append("".join(buf))
            break
        if phase == "word":
            if ch in SPACE:
                phase = "spaces"
                if blank_ok or buf:
                    words.append("".join(buf))
                buf, blank_ok = [], False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
            if ch == escape:
                if pos + 1 == len(rest):
                    pos += 1
                    continue
                buf.append(ch)
                pos += 1
                ch = rest[pos]
            buf.append(ch)
            pos += 1
            continue
        if ch == quote:
            phase = "word"
        if ch == escape and quote != "'":
            if pos + 1 == len(rest):
                phase = "word"
                pos += 1
                continue
            buf.append(ch)
            pos += 1
            ch = rest[pos]
        buf.append(ch)
        pos += 1
    return words


@_settings(3000)
@given(
    st.text(alphabet=st.sampled_from(list("ab= \t'\"\\`é\u00a0\x1c")), max_size=16),
    st.sampled_from(["\\", "`"]),
)
def test_parse_words_matches_buildkit_loop(rest: str, escape: str) -> None:
    assert parse_words(rest, escape) == _parse_words_loop(rest, escape)
