"""The engine as lesson checks see it: a read-only adapter from `tutor.engine` to `EngineView`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from tutor.course.checks import BuildRecord, BuildStep, ContainerView, EngineView
from tutor.engine import Engine, EngineError
from tutor.paths import content_dir

_STEP_PREFIX = "] "


class _View:
    """Opens the sandbox afresh for every query: commands run in between change it on disk."""

    def __init__(self, state: Path) -> None:
        self.state = state

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        # closed after each query: an open engine holds the sandbox (engine/statelock.py)
        engine = Engine.open(self.state, content_dir("assets"))
        try:
            yield engine
        finally:
            engine.close()

    def image_layers(self, ref: str) -> tuple[str, ...] | None:
        try:
            with self.engine() as engine:
                image = engine.images.find(ref)
        except EngineError:
            return None
        return None if image is None else tuple(image.diff_ids)

    def last_build(self, ref: str) -> BuildRecord | None:
        try:
            with self.engine() as engine:
                steps = engine.last_build(ref)
        except EngineError:
            return None
        if steps is None:
            return None
        return BuildRecord(tuple(
            BuildStep(s.name.split(_STEP_PREFIX, 1)[1] if _STEP_PREFIX in s.name else s.name,
                      s.cached)
            for s in steps
        ))

    def containers(self) -> Sequence[ContainerView]:
        with self.engine() as engine:
            # a ContainerSummary has every field a ContainerView reads
            return cast("tuple[ContainerView, ...]", tuple(engine.container_views()))


def open_view(state: Path) -> EngineView:
    """A view of the sandbox in `state`."""
    return _View(state)
