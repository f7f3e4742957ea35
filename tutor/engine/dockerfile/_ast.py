"""What the Dockerfile parser produces: BuildKit's parse tree, one record per instruction.

The fields mirror BuildKit's `parser.Node` as its own Python binding (PyPI `dockerfile`) exposes it,
so that the two can be compared field by field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Heredoc:
    """One here-document attached to an instruction (`RUN <<EOF … EOF`)."""

    name: str
    """The delimiter word, without quotes or the `-` of `<<-`."""
    content: str
    """The body exactly as written, each line with its newline (leading tabs are still there
    for `<<-`: BuildKit strips them later, when the instruction is built)."""
    file_descriptor: int = 0
    """The fd written before `<<` (`RUN 3<<EOF`), 0 when none."""
    expand: bool = True
    """False when the delimiter was quoted: the body is then not variable-expanded."""
    chomp: bool = False
    """True for `<<-`: leading tabs are removed from each body line."""


@dataclass(frozen=True, slots=True)
class Instruction:
    """One Dockerfile instruction as BuildKit's parser sees it, before any semantic checks."""

    keyword: str
    """As written (`run`, `RUN`); compare case-insensitively."""
    sub_cmd: str | None
    """The instruction after ONBUILD (`ONBUILD RUN x` → `RUN`), else None."""
    json: bool
    """True when the arguments were a JSON array (exec form)."""
    original: str
    """The instruction's source text, continuations joined (and heredoc bodies appended)."""
    start_line: int
    """1-based line of the keyword."""
    end_line: int
    """1-based last line, continuations and heredoc bodies included."""
    flags: tuple[str, ...]
    """`--name=value` flags as written, e.g. `('--from=build',)`."""
    value: tuple[str, ...]
    """The arguments, split as BuildKit splits them for this instruction."""
    heredocs: tuple[Heredoc, ...] = ()
    legacy_key_value: bool = False
    """ENV/LABEL written in the legacy `KEY value` form rather than `KEY=value` (BuildKit marks
    this with an empty separator node; the LegacyKeyValueFormat check warns about it)."""
