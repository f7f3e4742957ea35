"""Finding here-documents (`<<EOF`) in an instruction line, the way BuildKit's parser does.

BuildKit splits the line into shell words with its shell lexer (quotes and escapes kept raw,
unset variables kept as written, errors ignored) and takes every word shaped like `[fd]<<[-]WORD`.
The delimiter WORD is lexed again, with and without quotes, to learn its name and whether the body
is expanded. The lexer's quirks decide what counts as a heredoc: a `${X:-…}` wipes the `<<` before
it in the same word, for instance.
"""

from __future__ import annotations

import re

from tutor.engine.dockerfile._lex import HeredocWord, Lexer
from tutor.engine.errors import DockerfileError

_HEREDOC_WORD = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z")
_MAX_FD = 2**64 - 1
_LINE_LEXER = Lexer(raw_quotes=True, raw_escapes=True, skip_unset_env=True)
_NAME_LEXER = Lexer(skip_unset_env=True)
_RAW_NAME_LEXER = Lexer(raw_quotes=True, skip_unset_env=True)


def _heredoc_from_word(word: str) -> HeredocWord | None:
    """BuildKit's ParseHeredoc; raises DockerfileError (no line yet) where it fails."""
    match = _HEREDOC_WORD.match(word)
    if match is None:
        return None
    digits, dash, rest = match.groups()
    if not rest:
        return None
    words = _NAME_LEXER.process_words(rest, {})
    if len(words) != 1:
        return None
    raw_words = _RAW_NAME_LEXER.process_words(rest, {})
    if len(raw_words) != 1:
        raise DockerfileError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    name, raw = words[0], raw_words[0]
    expand = name.count("'") + name.count('"') == raw.count("'") + raw.count('"')
    # strconv.ParseUint, errors ignored: "" gives 0, an overflow the largest uint64. (Python's
    # int() refuses thousands of digits, so long ones are judged by their length.)
    significant = digits.lstrip("0") or "0"
    fd = min(int(significant), _MAX_FD) if len(significant) <= 20 else _MAX_FD
    return HeredocWord(name, fd, dash == "-", expand)


def heredocs_in_line(line: str) -> list[HeredocWord]:
    """The heredocs an ADD/COPY/RUN line opens, in order; DockerfileError where BuildKit fails."""
    try:
        words = _LINE_LEXER.process_words(line, {})
    except DockerfileError:
        return []
    found = []
    for word in words:
        heredoc = _heredoc_from_word(word)
        if heredoc is not None:
            found.append(heredoc)
    return found
