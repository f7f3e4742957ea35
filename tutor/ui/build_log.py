"""The build timeline, read from the plain BuildKit progress the terminal pane shows.

The terminal runs `docker build` through the docker command line, so what reaches the UI is the
progress text itself; reading the timeline from it means the view shows exactly what the learner
saw scroll by. Pure: text in, steps out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

_STEP = re.compile(r"#(\d+) \[(?:(\S+) )?(\d+)/(\d+)\] (.*)")
_CACHED = re.compile(r"#(\d+) CACHED\Z")
_DONE = re.compile(r"#(\d+) DONE (\d+(?:\.\d+)?)s\Z")
_ERROR = re.compile(r"#(\d+) ERROR: (.*)")
_NAMING = re.compile(r"#\d+ naming to (\S+)")
_PINNED = re.compile(r"@sha256:[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class TimelineStep:
    vertex: int
    stage: str
    position: str
    """`2/5`, as BuildKit numbers the step within its stage."""
    instruction: str
    """The step as named after `[n/m] ` (a FROM's pinned digest left out)."""
    cached: bool = False
    seconds: float | None = None
    """None while the step runs."""
    error: str = ""
    reason: str = ""
    """Why it was rebuilt, when the engine tells (empty otherwise)."""


@dataclass(frozen=True, slots=True)
class Timeline:
    steps: tuple[TimelineStep, ...] = ()
    tags: tuple[str, ...] = ()
    """What the build named, as `naming to …` printed it (`docker.io/library/app:1`)."""
    finished: bool = False


def parse_line(timeline: Timeline, line: str) -> Timeline:
    """The timeline after one more progress line."""
    line = line.rstrip()
    if m := _STEP.match(line):
        vertex = int(m.group(1))
        if any(s.vertex == vertex for s in timeline.steps):
            return timeline
        step = TimelineStep(
            vertex, m.group(2) or "", f"{m.group(3)}/{m.group(4)}", _PINNED.sub("", m.group(5))
        )
        return replace(timeline, steps=(*timeline.steps, step))
    if m := _NAMING.match(line):
        return replace(timeline, tags=(*timeline.tags, m.group(1)))
    changes: tuple[tuple[re.Pattern[str], Callable[[TimelineStep, re.Match[str]], TimelineStep]],
                   ...] = (
        (_CACHED, lambda s, m: replace(s, cached=True, seconds=0.0)),
        (_DONE, lambda s, m: replace(s, seconds=float(m.group(2)))),
        (_ERROR, lambda s, m: replace(s, error=m.group(2))),
    )
    for pattern, change in changes:
        if m := pattern.match(line):
            vertex = int(m.group(1))
            steps = tuple(change(s, m) if s.vertex == vertex else s for s in timeline.steps)
            return replace(timeline, steps=steps)
    return timeline


def parse(text: str) -> Timeline:
    timeline = Timeline()
    for line in text.splitlines():
        timeline = parse_line(timeline, line)
    return replace(timeline, finished=True)


def is_build(words: list[str]) -> bool:
    """Whether a docker command line (after `docker`) is a build."""
    head = [w for w in words if not w.startswith("-")][:2]
    return head[:1] == ["build"] or head in (["image", "build"], ["buildx", "build"])
