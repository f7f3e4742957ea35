"""The learner's quiz progress (answers, review cards, exam reports) in one JSON file.

Written atomically through `tutor.engine.statefile`; a file that cannot be understood (bad JSON or
an unexpected shape) is set aside next to it and reported, and the learner starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tutor.course.quiz.exam import Report
from tutor.course.quiz.review import Card, after_answer
from tutor.engine.statefile import read_json, set_aside, write_json

FILE_NAME = "quiz-progress.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Attempt:
    question_id: str
    correct: bool
    at: datetime
    mode: str
    """`practice`, `exam` or `review`."""


@dataclass(frozen=True, slots=True)
class Progress:
    attempts: tuple[Attempt, ...] = ()
    cards: dict[str, Card] = field(default_factory=dict)
    exams: tuple[dict[str, Any], ...] = ()
    """Exam reports as saved: date, score, and tallies by topic and objective."""


def record(progress: Progress, attempt: Attempt) -> Progress:
    cards = after_answer(progress.cards, attempt.question_id, attempt.correct, attempt.at.date())
    return Progress((*progress.attempts, attempt), cards, progress.exams)


def record_exam(progress: Progress, report: Report, at: datetime) -> Progress:
    entry = {
        "at": at.isoformat(),
        "right": report.right,
        "total": report.total,
        "timed_out": report.timed_out,
        "by_topic": {k: [t.right, t.total] for k, t in report.by_topic.items()},
        "by_objective": {k: [t.right, t.total] for k, t in report.by_objective.items()},
    }
    return Progress(progress.attempts, progress.cards, (*progress.exams, entry))


def _to_json(progress: Progress) -> dict[str, Any]:
    return {
        "version": VERSION,
        "attempts": [
            {"q": a.question_id, "ok": a.correct, "at": a.at.isoformat(), "mode": a.mode}
            for a in progress.attempts
        ],
        "review": {
            qid: {
                "box": c.box,
                "due": c.due.isoformat(),
                "last_right": c.last_right.isoformat() if c.last_right else None,
            }
            for qid, c in sorted(progress.cards.items())
        },
        "exams": list(progress.exams),
    }


def _from_json(data: Any) -> Progress:
    """Raises KeyError/TypeError/ValueError on any shape it does not recognise."""
    if data["version"] != VERSION:
        raise ValueError(f"unknown version {data['version']!r}")
    attempts = tuple(
        Attempt(str(a["q"]), bool(a["ok"]), datetime.fromisoformat(a["at"]), str(a["mode"]))
        for a in data["attempts"]
    )
    cards = {
        str(qid): Card(
            int(c["box"]),
            date.fromisoformat(c["due"]),
            date.fromisoformat(c["last_right"]) if c["last_right"] else None,
        )
        for qid, c in data["review"].items()
    }
    exams = tuple(dict(e) for e in data["exams"])
    return Progress(attempts, cards, exams)


def load_progress(state: Path, problems: list[str]) -> Progress:
    """The saved progress; problems found (a file set aside) are appended to `problems`."""
    path = state / FILE_NAME
    data = read_json(path, None, problems)
    if data is None:
        return Progress()
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        kept = set_aside(path)
        problems.append(f"{path.name} was not understood and has been set aside as {kept.name}")
        return Progress()


def save_progress(state: Path, progress: Progress) -> None:
    write_json(state / FILE_NAME, _to_json(progress))
