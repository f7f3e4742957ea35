"""`docker build`: the builder, what it is asked and how it ended."""

from tutor.engine.build.builder import Builder
from tutor.engine.build.request import BuildFailure, BuildOutcome, BuildRequest, StepRecord

__all__ = ["BuildFailure", "BuildOutcome", "BuildRequest", "Builder", "StepRecord"]
