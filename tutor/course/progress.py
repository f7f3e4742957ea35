"""The learner's progress through the lessons, kept in the state directory.

Saved with an atomic rename after every change, so a crash or a kill leaves either the previous
progress or the new one. A file that cannot be understood is set aside (kept for inspection) and
reported, never silently replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from tutor.engine.statefile import read_json, set_aside, write_json

PROGRESS_FILE = "progress.json"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class LessonProgress:
    step: int = 0
    """Index of the step the learner is on (== number of steps when the lesson is done)."""
    done: bool = False
    hints: frozenset[str] = frozenset()
    """Ids of the steps whose hint was shown."""
    solutions: frozenset[str] = frozenset()
    """Ids of the steps whose solution was shown."""
    step_began: datetime | None = None
    """When the learner reached the current step (UTC), for an instructor's "time on step";
    None in progress saved before it was recorded."""


_EMPTY: Mapping[str, LessonProgress] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Progress:
    lessons: Mapping[str, LessonProgress] = field(default_factory=lambda: _EMPTY)

    def of(self, lesson_id: str) -> LessonProgress:
        return self.lessons.get(lesson_id, LessonProgress())

    def with_lesson(self, lesson_id: str, lesson: LessonProgress) -> Progress:
        return Progress(MappingProxyType({**self.lessons, lesson_id: lesson}))

    def began(self, lesson_id: str, at: datetime | None = None) -> Progress:
        """The learner opened a lesson: the clock of its current step starts unless it runs."""
        now = self.of(lesson_id)
        if now.step_began is not None:
            return self
        return self.with_lesson(lesson_id, replace(now, step_began=at or _now()))

    def advanced(self, lesson_id: str, step_count: int, at: datetime | None = None) -> Progress:
        """The learner finished the current step of a lesson with `step_count` steps."""
        now = self.of(lesson_id)
        step = min(now.step + 1, step_count)
        return self.with_lesson(
            lesson_id,
            replace(now, step=step, done=now.done or step >= step_count, step_began=at or _now()),
        )

    def used_hint(self, lesson_id: str, step_id: str) -> Progress:
        now = self.of(lesson_id)
        return self.with_lesson(lesson_id, replace(now, hints=now.hints | {step_id}))

    def used_solution(self, lesson_id: str, step_id: str) -> Progress:
        now = self.of(lesson_id)
        return self.with_lesson(lesson_id, replace(now, solutions=now.solutions | {step_id}))

    def restarted(self, lesson_id: str, at: datetime | None = None) -> Progress:
        """Back to the first step (after a sandbox reset); a lesson once done stays done."""
        return self.with_lesson(
            lesson_id, replace(self.of(lesson_id), step=0, step_began=at or _now())
        )

    def current(self) -> str | None:
        """The lesson the learner is working on: the one whose step began last (in progress
        saved before steps were timed, the first lesson not done, else the last one)."""
        if not self.lessons:
            return None
        timed = [(lp.step_began, lesson_id) for lesson_id, lp in self.lessons.items()
                 if lp.step_began is not None]
        if timed:
            return max(timed)[1]
        ids = sorted(self.lessons)
        return next((i for i in ids if not self.lessons[i].done), ids[-1])


def _now() -> datetime:
    return datetime.now(UTC)


def to_json(progress: Progress) -> dict[str, object]:
    return {
        "version": _VERSION,
        "lessons": {
            lesson_id: {
                "step": lp.step,
                "done": lp.done,
                "hints": sorted(lp.hints),
                "solutions": sorted(lp.solutions),
                **({"step_began": lp.step_began.isoformat()} if lp.step_began else {}),
            }
            for lesson_id, lp in progress.lessons.items()
        },
    }


def _str_set(value: object) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of step ids")
    return frozenset(value)


def _moment(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError("bad step_began time")
    return moment


def from_json(data: object) -> Progress:
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        raise ValueError("not a progress file of this version")
    lessons = data.get("lessons")
    if not isinstance(lessons, dict):
        raise ValueError("no lessons table")
    parsed: dict[str, LessonProgress] = {}
    for lesson_id, raw in lessons.items():
        if not isinstance(raw, dict):
            raise ValueError(f"bad entry for {lesson_id}")
        step, done = raw.get("step", 0), raw.get("done", False)
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise ValueError(f"bad step for {lesson_id}")
        if not isinstance(done, bool):
            raise ValueError(f"bad done flag for {lesson_id}")
        parsed[lesson_id] = LessonProgress(
            step, done, _str_set(raw.get("hints", [])), _str_set(raw.get("solutions", [])),
            _moment(raw.get("step_began")),
        )
    return Progress(MappingProxyType(parsed))


def load_progress(state: Path, problems: list[str]) -> Progress:
    """The saved progress, or a fresh one; anything wrong with the file is appended to
    `problems` (for the UI to show) after the file has been set aside."""
    path = state / PROGRESS_FILE
    data = read_json(path, None, problems)
    if data is None:
        return Progress()
    try:
        return from_json(data)
    except ValueError as exc:
        kept = set_aside(path)
        problems.append(
            f"{PROGRESS_FILE} was not understood ({exc}) and has been set aside as {kept.name}"
        )
        return Progress()


def save_progress(state: Path, progress: Progress) -> None:
    write_json(state / PROGRESS_FILE, to_json(progress))
