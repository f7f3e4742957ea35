"""The learner's quiz progress (answers, review cards, exam reports).

Kept as a snapshot (`quiz-progress.json`, written atomically through `tutor.engine.statefile`)
plus a journal (`quiz-progress.jsonl`) that each answer or exam appends one line to, so an answer
costs one small append instead of rewriting everything. Loading replays the journal over the
snapshot and, once the journal is long, folds it into a new snapshot; folding also bounds the
file: only the latest attempts and exams are kept one by one, older attempts survive as
per-question tallies. Every journal line carries its sequence number and the snapshot the number
it covers, so a fold interrupted between writing the snapshot and removing the journal counts
nothing twice. A snapshot that cannot be understood (bad JSON or an unexpected shape) is set
aside next to it and reported, and the learner starts afresh; a torn last journal line (a killed
write) is skipped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tutor.course.quiz.exam import Report
from tutor.course.quiz.review import Card, after_answer
from tutor.engine.statefile import read_json, set_aside, write_json

FILE_NAME = "quiz-progress.json"
JOURNAL_NAME = "quiz-progress.jsonl"
VERSION = 1
FOLD_AT = 200
"""Journal lines that make the next load fold the journal into the snapshot."""
KEEP_ATTEMPTS = 1000
"""Attempts kept one by one; older ones live on as per-question tallies."""
KEEP_EXAMS = 100


@dataclass(frozen=True, slots=True)
class Attempt:
    question_id: str
    correct: bool
    at: datetime
    mode: str
    """`practice`, `exam` or `review`."""


@dataclass(slots=True)
class _Saved:
    """How much of a progress (and of the versions `record` makes from it) is on disk."""

    attempts: int = 0
    exams: int = 0
    sequence: int = 0
    """The sequence number of the last event on disk."""
    journal: int = 0
    """Lines in the journal since the snapshot."""


@dataclass(frozen=True, slots=True)
class Progress:
    attempts: tuple[Attempt, ...] = ()
    cards: dict[str, Card] = field(default_factory=dict)
    exams: tuple[dict[str, Any], ...] = ()
    """Exam reports as saved: date, score, and tallies by topic and objective."""
    tallies: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(right, answered) per question for attempts no longer kept one by one."""
    saved: _Saved = field(default_factory=_Saved, compare=False, repr=False)


def record(progress: Progress, attempt: Attempt) -> Progress:
    cards = after_answer(progress.cards, attempt.question_id, attempt.correct, attempt.at.date())
    return Progress((*progress.attempts, attempt), cards, progress.exams, progress.tallies,
                    progress.saved)


def tally(progress: Progress, question_ids: set[str]) -> tuple[int, int]:
    """(right, answered) over every attempt ever made at these questions, in any mode."""
    right = total = 0
    for qid in question_ids & progress.tallies.keys():
        r, t = progress.tallies[qid]
        right, total = right + r, total + t
    tried = [a.correct for a in progress.attempts if a.question_id in question_ids]
    return right + sum(tried), total + len(tried)


def record_exam(progress: Progress, report: Report, at: datetime) -> Progress:
    entry = {
        "at": at.isoformat(),
        "right": report.right,
        "total": report.total,
        "timed_out": report.timed_out,
        "by_topic": {k: [t.right, t.total] for k, t in report.by_topic.items()},
        "by_objective": {k: [t.right, t.total] for k, t in report.by_objective.items()},
    }
    return Progress(progress.attempts, progress.cards, (*progress.exams, entry), progress.tallies,
                    progress.saved)


def _attempt_json(a: Attempt) -> dict[str, Any]:
    return {"q": a.question_id, "ok": a.correct, "at": a.at.isoformat(), "mode": a.mode}


def _attempt(a: Any) -> Attempt:
    return Attempt(str(a["q"]), bool(a["ok"]), datetime.fromisoformat(a["at"]), str(a["mode"]))


def _to_json(progress: Progress, sequence: int) -> dict[str, Any]:
    return {
        "version": VERSION,
        "sequence": sequence,
        "tallies": {q: list(t) for q, t in sorted(progress.tallies.items())},
        "attempts": [_attempt_json(a) for a in progress.attempts],
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


def _from_json(data: Any) -> tuple[Progress, int]:
    """The snapshot and the sequence number it covers; raises KeyError/TypeError/ValueError on
    any shape it does not recognise."""
    if data["version"] != VERSION:
        raise ValueError(f"unknown version {data['version']!r}")
    attempts = tuple(_attempt(a) for a in data["attempts"])
    tallies = {str(q): (int(t[0]), int(t[1])) for q, t in data.get("tallies", {}).items()}
    cards = {
        str(qid): Card(
            int(c["box"]),
            date.fromisoformat(c["due"]),
            date.fromisoformat(c["last_right"]) if c["last_right"] else None,
        )
        for qid, c in data["review"].items()
    }
    exams = tuple(dict(e) for e in data["exams"])
    return Progress(attempts, cards, exams, tallies), int(data.get("sequence", 0))


def _snapshot(state: Path, problems: list[str]) -> tuple[Progress, int]:
    path = state / FILE_NAME
    data = read_json(path, None, problems)
    if data is None:
        return Progress(), 0
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        kept = set_aside(path)
        problems.append(f"{path.name} was not understood and has been set aside as {kept.name}")
        return Progress(), 0


def _journal(state: Path) -> list[dict[str, Any]]:
    try:
        raw = (state / JOURNAL_NAME).read_bytes()
    except OSError:
        return []
    events = []
    for line in raw.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line torn by a kill
        if isinstance(event, dict) and isinstance(event.get("n"), int):
            events.append(event)
    return events


def load_progress(state: Path, problems: list[str]) -> Progress:
    """The saved progress; problems found (a file set aside) are appended to `problems`."""
    progress, sequence = _snapshot(state, problems)
    events = [e for e in _journal(state) if e["n"] > sequence]
    for event in events:
        try:
            if "attempt" in event:
                progress = record(progress, _attempt(event["attempt"]))
            elif "exam" in event:
                progress = Progress(progress.attempts, progress.cards,
                                    (*progress.exams, dict(event["exam"])), progress.tallies)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        sequence = max(sequence, event["n"])
    journal = len(events)
    if journal >= FOLD_AT:
        progress = _fold(state, progress, sequence)
        journal = 0
    return Progress(progress.attempts, progress.cards, progress.exams, progress.tallies,
                    _Saved(len(progress.attempts), len(progress.exams), sequence, journal))


def _fold(state: Path, progress: Progress, sequence: int) -> Progress:
    """Write the journal's events into a new, bounded snapshot and drop the journal."""
    progress = _bounded(progress)
    write_json(state / FILE_NAME, _to_json(progress, sequence))
    (state / JOURNAL_NAME).unlink(missing_ok=True)
    return progress


def _bounded(progress: Progress) -> Progress:
    """Only the latest attempts and exams kept one by one; older attempts as tallies."""
    old, kept = progress.attempts[:-KEEP_ATTEMPTS], progress.attempts[-KEEP_ATTEMPTS:]
    tallies = dict(progress.tallies)
    for a in old:
        right, total = tallies.get(a.question_id, (0, 0))
        tallies[a.question_id] = (right + a.correct, total + 1)
    return Progress(kept, progress.cards, progress.exams[-KEEP_EXAMS:], tallies)


def save_progress(state: Path, progress: Progress) -> None:
    """Append what is new in `progress` since it (or the progress it was recorded from) was
    loaded or saved: one journal line per answer or exam."""
    saved = progress.saved
    lines = []
    for attempt in progress.attempts[saved.attempts:]:
        saved.sequence += 1
        lines.append({"n": saved.sequence, "attempt": _attempt_json(attempt)})
    for exam in progress.exams[saved.exams:]:
        saved.sequence += 1
        lines.append({"n": saved.sequence, "exam": exam})
    if not lines:
        return
    # each line starts with a newline, so one torn by a killed write never swallows the next
    data = b"".join(b"\n" + json.dumps(line, separators=(",", ":")).encode() for line in lines)
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / JOURNAL_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, data)  # one append: lines of concurrent writers never interleave
    finally:
        os.close(fd)
    saved.attempts, saved.exams = len(progress.attempts), len(progress.exams)
    saved.journal += len(lines)
    if saved.journal >= FOLD_AT:  # a long session folds too, not only the next start
        _fold(state, progress, saved.sequence)
        saved.journal = 0
