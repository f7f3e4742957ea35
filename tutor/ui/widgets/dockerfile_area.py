"""A TextArea that highlights Dockerfiles.

Textual's tree-sitter grammars include no Dockerfile, and the Dockerfile's surface is regular
enough (instruction keyword, flags, `$VARS`, strings, comments, parser directives) that a few
patterns per line colour it the way editors do, without another native dependency.
"""

from __future__ import annotations

import re

from textual.widgets import TextArea

INSTRUCTIONS = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
)
_KEYWORD = re.compile(rf"^(\s*)({'|'.join(INSTRUCTIONS)})\b", re.IGNORECASE)
_AS = re.compile(r"\s(AS)\s+\S+\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"^\s*#.*$")
_DIRECTIVE = re.compile(r"^\s*#\s*(syntax|escape|check)\s*=.*$", re.IGNORECASE)
_FLAG = re.compile(r"(?<=\s)--[a-z-]+(=\S*)?")
_VARIABLE = re.compile(r"\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")
_STRING = re.compile(r"\"(\\.|[^\"\\])*\"|'[^']*'")


def highlights(line: str) -> list[tuple[int, int, str]]:
    """`(start, end, name)` in characters, named as Textual's syntax themes name captures."""
    if _DIRECTIVE.match(line):
        return [(0, len(line), "keyword")]
    if _COMMENT.match(line):
        return [(0, len(line), "comment")]
    spans: list[tuple[int, int, str]] = []
    if m := _KEYWORD.match(line):
        spans.append((m.start(2), m.end(2), "keyword"))
        if m.group(2).upper() == "FROM" and (a := _AS.search(line)):
            spans.append((a.start(1), a.end(1), "keyword"))
    spans += [(m.start(), m.end(), "string") for m in _STRING.finditer(line)]
    spans += [(m.start(), m.end(), "variable") for m in _VARIABLE.finditer(line)]
    spans += [(m.start(), m.end(), "attribute") for m in _FLAG.finditer(line)]
    return spans


def _byte_offset(line: str, column: int) -> int:
    return len(line[:column].encode("utf-8"))


class DockerfileArea(TextArea):
    """A code editor that colours Dockerfile syntax (other files are shown plain)."""

    def __init__(self, text: str, *, dockerfile: bool, id: str | None = None) -> None:  # noqa: A002
        self.dockerfile = dockerfile  # before TextArea's init, which builds the highlights
        super().__init__(text, id=id, show_line_numbers=True, tab_behavior="indent",
                         soft_wrap=False)

    def _build_highlight_map(self) -> None:
        # Textual keeps per-line highlights as byte ranges; tree-sitter would fill them, we do.
        if not self.dockerfile:
            super()._build_highlight_map()
            return
        self._line_cache.clear()
        self._highlights.clear()
        for row in range(self.document.line_count):
            line = self.document.get_line(row)
            for start, end, name in highlights(line):
                self._highlights[row].append(
                    (_byte_offset(line, start), _byte_offset(line, end), name)
                )
