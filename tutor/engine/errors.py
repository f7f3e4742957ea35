"""The engine's error types.

Every failure the engine reports to a learner is an `EngineError` whose message is what real Docker
prints for the same mistake (without the CLI's own prefixes such as `ERROR: failed to build:`), so
that the front doors can show it as it is.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on bad input; nothing else escapes it."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class DockerfileError(EngineError):
    """A Dockerfile that BuildKit would refuse, with the 1-based line(s) it points at.

    `start_line`/`end_line` are 0 when the error belongs to no line (an empty file, say).
    """

    def __init__(self, message: str, start_line: int = 0, end_line: int | None = None) -> None:
        super().__init__(message)
        self.start_line = start_line
        self.end_line = start_line if end_line is None else end_line


class ContextError(EngineError):
    """A build context that cannot be read as Docker would read it."""
