"""The learner's quiz progress (answers, review cards, exam reports).

Kept as a snapshot (`quiz-progress.json`, written atomically through `tutor.engine.statefile`)
plus a journal (`quiz-progress.jsonl`) that each answer or exam appends one line to, so an answer
costs one small append instead of rewriting everything. Loading replays the journal over the
snapshot and, once the journal is long, folds it into a new snapshot; folding also bounds the
file: only the latest attempts and exams are kept one by one, older attempts survive as
per-question tallies. Each journal starts with a random id and the snapshot names the journals
folded into it, so a fold killed between writing the snapshot and removing the journal counts
nothing twice. Appends and folds hold a `flock`, so a quiz in the tutorial and one in a shell
lose nothing of each other's. A snapshot that cannot be understood (bad JSON or an unexpected
shape) is set aside next to it and reported, and the learner starts afresh; a journal line torn
by a killed write is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tutor.course.quiz.exam import Report
from tutor.course.quiz.review import Card, after_answer
from tutor.engine.statefile import read_json, set_aside, write_json

try:
    import fcntl
except ImportError:  # pragma: no cover - no flock (Windows): one quiz at a time, unchecked
    fcntl = None  # type: ignore[assignment]

FILE_NAME = "quiz-progress.json"
JOURNAL_NAME = "quiz-progress.jsonl"
FOLDING_NAME = "quiz-progress.folding.jsonl"
LOCK_NAME = "quiz-progress.lock"
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


def _to_json(progress: Progress, folded: list[str]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "folded": folded,
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


def _from_json(data: Any) -> tuple[Progress, tuple[str, ...]]:
    """The snapshot and the journals already folded into it; raises KeyError/TypeError/
    ValueError on any shape it does not recognise."""
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
    folded = tuple(str(j) for j in data.get("folded", ()))
    return Progress(attempts, cards, exams, tallies), folded


def _snapshot(state: Path, problems: list[str]) -> tuple[Progress, tuple[str, ...]]:
    path = state / FILE_NAME
    data = read_json(path, None, problems)
    if data is None:
        return Progress(), ()
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        kept = set_aside(path)
        problems.append(f"{path.name} was not understood and has been set aside as {kept.name}")
        return Progress(), ()


def _journal(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """A journal's id (its first line) and its events; ("", []) when there is none."""
    try:
        raw = path.read_bytes()
    except OSError:
        return "", []
    ident, events = "", []
    for line in raw.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line torn by a kill
        if not isinstance(event, dict):
            continue
        if "journal" in event and not ident:
            ident = str(event["journal"])
        elif "attempt" in event or "exam" in event:
            events.append(event)
    return ident, events


@contextmanager
def _locked(state: Path) -> Iterator[None]:
    """The quiz files to this process alone: the tutorial and a `tutor quiz` in a shell may
    answer at once, and a fold must not drop what the other one just appended."""
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing lets go of the flock


def _replay(state: Path, problems: list[str]) -> tuple[Progress, tuple[str, ...], int]:
    """Snapshot plus journals not yet folded into it: (progress, folded ids, journal lines)."""
    progress, folded = _snapshot(state, problems)
    lines = 0
    for name in (FOLDING_NAME, JOURNAL_NAME):  # an interrupted fold's journal comes first
        ident, events = _journal(state / name)
        if ident and ident in folded:
            continue
        lines += len(events)
        for event in events:
            try:
                if "attempt" in event:
                    progress = record(progress, _attempt(event["attempt"]))
                else:
                    progress = Progress(progress.attempts, progress.cards,
                                        (*progress.exams, dict(event["exam"])),
                                        progress.tallies)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
    return progress, folded, lines


def load_progress(state: Path, problems: list[str]) -> Progress:
    """The saved progress; problems found (a file set aside) are appended to `problems`."""
    if not (state / FILE_NAME).exists() and not (state / JOURNAL_NAME).exists() \
            and not (state / FOLDING_NAME).exists():
        return Progress()
    with _locked(state):
        progress, folded, lines = _replay(state, problems)
        if lines >= FOLD_AT:
            progress = _fold(state, progress, folded)
            lines = 0
    return Progress(progress.attempts, progress.cards, progress.exams, progress.tallies,
                    _Saved(len(progress.attempts), len(progress.exams), lines))


def _fold(state: Path, progress: Progress, folded: tuple[str, ...]) -> Progress:
    """Write `progress` (everything on disk) as a new, bounded snapshot and drop the journals
    it holds. Called with the lock held. The journal is renamed first and named in the
    snapshot, so a fold killed half-way is finished, not counted twice, by the next load."""
    journal, folding = state / JOURNAL_NAME, state / FOLDING_NAME
    if journal.exists() and not folding.exists():
        os.replace(journal, folding)
    ids = [i for i in (_journal(folding)[0], _journal(journal)[0]) if i]
    progress = _bounded(progress)
    write_json(state / FILE_NAME, _to_json(progress, [*folded, *ids][-8:]))
    folding.unlink(missing_ok=True)
    if journal.exists() and _journal(journal)[0] in ids:
        journal.unlink()
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
    lines = [{"attempt": _attempt_json(a)} for a in progress.attempts[saved.attempts:]]
    lines += [{"exam": e} for e in progress.exams[saved.exams:]]
    if not lines:
        return
    # each line starts with a newline, so one torn by a killed write never swallows the next
    data = b"".join(b"\n" + json.dumps(line, separators=(",", ":")).encode() for line in lines)
    with _locked(state):
        path = state / JOURNAL_NAME
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            header = json.dumps({"journal": secrets.token_hex(8)}).encode()
            data = header + data
        except FileExistsError:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        saved.attempts, saved.exams = len(progress.attempts), len(progress.exams)
        saved.journal += len(lines)
        if saved.journal >= FOLD_AT:  # a long session folds too, not only the next start
            on_disk, folded, _ = _replay(state, [])
            _fold(state, on_disk, folded)
            saved.journal = 0


def to_document(progress: Progress) -> dict[str, Any]:
    """All of `progress` as one JSON document, for a file a student hands to an instructor."""
    return _to_json(_bounded(progress), [])


def from_document(document: Any) -> Progress:
    """The progress in a document `to_document` made; raises ValueError when it is not one."""
    try:
        return _from_json(document)[0]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValueError(f"not quiz progress ({type(exc).__name__}: {exc})") from None


def replace_progress(state: Path, progress: Progress) -> None:
    """Make `progress` the whole quiz progress kept in `state`. The journals already there are
    named as folded in the new snapshot before they are removed, so a kill half-way counts
    nothing twice."""
    with _locked(state):
        journals = (state / FOLDING_NAME, state / JOURNAL_NAME)
        ids = [ident for ident in (_journal(path)[0] for path in journals) if ident]
        write_json(state / FILE_NAME, _to_json(progress, ids))
        for path in journals:
            path.unlink(missing_ok=True)
