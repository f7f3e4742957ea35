"""Parser directives (`# syntax=`, `# escape=`, `# check=`) as BuildKit's parser reads them.

Directives count only in the leading run of lines that all look like directives: the first line
that is anything else (an instruction, a blank line, an ordinary comment, an unknown `# key=value`)
ends the run for good. Inside the run a repeated directive is an error and `escape` must be a
backslash or a backtick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Go's regexp `\s` is ASCII [\t\n\f\r ] (no \v), and its `$` without (?m) is the end of the text.
_DIRECTIVE = re.compile(
    r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z"
)
_KNOWN = frozenset({"syntax", "escape", "check"})

DEFAULT_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class Directive:
    """One parser directive found at the top of a Dockerfile."""

    name: str
    """Lower-cased key: `syntax`, `escape` or `check`."""
    value: str
    """The value as written, surrounding whitespace removed."""
    line: int
    """1-based line of the directive."""


class DirectiveError(Exception):
    """A directive BuildKit refuses; the caller adds the line BuildKit reports."""


def parse_directive(line: str, number: int, seen: set[str]) -> Directive | None:
    """Read `line` (newline and leading whitespace removed) as a directive.

    Returns None when the line is not a directive, which ends the directive run. `seen` collects
    the names met so far so that a repeat can be refused.
    """
    match = _DIRECTIVE.match(line)
    if match is None:
        return None
    name = match.group(1).lower()
    if name not in _KNOWN:
        return None
    if name in seen:
        raise DirectiveError(f"only one {name} parser directive can be used")
    seen.add(name)
    value = match.group(2)
    if name == "escape" and value not in ("`", "\\"):
        raise DirectiveError(f"invalid escape token '{value}' does not match ` or \\")
    return Directive(name, value, number)
