"""`docker build`: the builder, what it is asked and how it ended.

The builder pulls in the Dockerfile front end and the simulated shell; it is imported on first
use so that commands which never build stay quick to start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.engine.build.request import BuildFailure, BuildOutcome, BuildRequest, StepRecord

if TYPE_CHECKING:
    from tutor.engine.build.builder import Builder

__all__ = ["BuildFailure", "BuildOutcome", "BuildRequest", "Builder", "StepRecord"]


def __getattr__(name: str) -> Any:
    if name == "Builder":
        from tutor.engine.build.builder import Builder

        return Builder
    raise AttributeError(name)
