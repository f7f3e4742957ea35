"""What a build reports as it runs, in BuildKit's own model: vertices that start, log, carry
sub-statuses and complete (done, cached or failed).

The engine yields these events and never prints or sleeps; each front end renders them (the CLI as
BuildKit's plain or tty progress, the tutorial as a live timeline) at the pace it chooses. Times are
simulated seconds, derived from the work a step does, so they are the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Vertex:
    """One line of BuildKit's progress: `[internal] load build context`, `[2/5] RUN …`."""

    index: int
    """Order of first appearance within the build (BuildKit's `#N`)."""
    name: str
    step: int = 0
    """1-based position among the stage's steps, 0 for internal vertices."""
    stage: str = ""


@dataclass(frozen=True, slots=True)
class VertexStarted:
    vertex: Vertex


@dataclass(frozen=True, slots=True)
class VertexLog:
    """A line a RUN step printed, `at` simulated seconds after the step started."""

    vertex: Vertex
    text: str
    at: float


def log_time(at: float) -> str:
    """A log line's time as BuildKit's plain progress prints it (`#7 0.412 hello`), also in the
    failed step's excerpt of its last lines."""
    if at < 10:
        return f"{at:.3f}"
    if at < 100:
        return f"{at:.2f}"
    return f"{at:.1f}"


@dataclass(frozen=True, slots=True)
class VertexStatus:
    """A sub-status (`transferring context: 1.02kB`, `naming to docker.io/library/app:1`)."""

    vertex: Vertex
    id: str
    current: int = 0
    total: int = 0
    seconds: float = 0.0
    done: bool = True


@dataclass(frozen=True, slots=True)
class VertexCompleted:
    vertex: Vertex
    seconds: float = 0.0
    cached: bool = False
    error: str = ""


@dataclass(frozen=True, slots=True)
class StepCacheInfo:
    """Why a step was or was not taken from the cache — for the lessons' build timeline."""

    vertex: Vertex
    cached: bool
    reason: str
    """'' for a hit; else e.g. `changed file: /server.js`, `instruction changed`,
    `previous step was rebuilt`, `--no-cache`, `first build`."""


ProgressEvent = VertexStarted | VertexLog | VertexStatus | VertexCompleted | StepCacheInfo
