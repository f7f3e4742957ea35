"""Finding here-documents (`<<EOF`) in an instruction line, the way BuildKit's parser does.

BuildKit splits the line into shell words with its shell lexer (quotes and escapes kept raw,
unset variables kept as written, errors ignored) and takes every word shaped like `[fd]<<[-]WORD`.
The delimiter WORD is lexed again, with and without quotes, to learn its name and whether the body
is expanded. The lexer's quirks decide what counts as a heredoc: a `${X:-…}` wipes the `<<` before
it in the same word, for instance.
"""

from __future__ import annotations

from tutor.engine.dockerfile._lex import HeredocWord, Lexer, parse_heredoc_word
from tutor.engine.errors import DockerfileError

_LINE_LEXER = Lexer(raw_quotes=True, raw_escapes=True, skip_unset_env=True)


def heredocs_in_line(line: str) -> list[HeredocWord]:
    """The heredocs an ADD/COPY/RUN line opens, in order; DockerfileError where BuildKit fails."""
    try:
        words = _LINE_LEXER.process_words(line, {})
    except DockerfileError:
        return []
    found = []
    for word in words:
        heredoc = parse_heredoc_word(word, strict=True)
        if heredoc is not None:
            found.append(heredoc)
    return found
