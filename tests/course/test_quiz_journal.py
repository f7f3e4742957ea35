"""Quiz progress is appended per answer, not rewritten whole, and stays bounded (issue 14)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from tutor.course.quiz.exam import Report
from tutor.course.quiz.progress import (
    FILE_NAME,
    FOLD_AT,
    FOLDING_NAME,
    JOURNAL_NAME,
    KEEP_ATTEMPTS,
    Attempt,
    Progress,
    _to_json,
    load_progress,
    record,
    record_exam,
    save_progress,
    tally,
)

AT = datetime(2025, 3, 10, 9, 30)


def _answer(progress: Progress, n: int) -> Progress:
    return record(progress, Attempt(f"q{n % 7}", n % 3 == 0, AT + timedelta(minutes=n),
                                    "practice"))


def test_each_answer_appends_one_line_and_the_snapshot_is_not_rewritten(tmp_path: Path) -> None:
    progress = Progress()
    for n in range(3):
        progress = _answer(progress, n)
        save_progress(tmp_path, progress)
    assert not (tmp_path / FILE_NAME).exists()
    journal = (tmp_path / JOURNAL_NAME).read_bytes()
    assert len([line for line in journal.splitlines() if line]) == 1 + 3  # its id, 3 answers
    save_progress(tmp_path, progress)  # nothing new: nothing written
    assert (tmp_path / JOURNAL_NAME).read_bytes() == journal
    assert load_progress(tmp_path, []) == progress


def test_a_reloaded_progress_appends_only_what_is_new(tmp_path: Path) -> None:
    progress = _answer(Progress(), 1)
    save_progress(tmp_path, progress)
    again = _answer(load_progress(tmp_path, []), 2)
    save_progress(tmp_path, again)
    assert len(load_progress(tmp_path, []).attempts) == 2


def test_progress_stays_bounded_and_keeps_every_tally(tmp_path: Path) -> None:
    progress = Progress()
    answers = KEEP_ATTEMPTS * 3
    for n in range(answers):
        progress = _answer(progress, n)
        save_progress(tmp_path, progress)
    report = Report(right=1, total=2, timed_out=False, by_topic={}, by_objective={}, wrong=())
    save_progress(tmp_path, record_exam(progress, report, AT))
    loaded = load_progress(tmp_path, [])
    assert len(loaded.attempts) <= KEEP_ATTEMPTS
    assert len(loaded.exams) == 1
    everything = {f"q{i}" for i in range(7)}
    assert tally(loaded, everything) == (sum(1 for n in range(answers) if n % 3 == 0), answers)
    assert tally(loaded, everything) == tally(progress, everything)
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size < 200 * KEEP_ATTEMPTS  # about the kept attempts, not every answer ever given


def test_a_torn_journal_line_is_skipped(tmp_path: Path) -> None:
    progress = _answer(_answer(Progress(), 1), 2)
    save_progress(tmp_path, progress)
    with (tmp_path / JOURNAL_NAME).open("ab") as handle:
        handle.write(b'\n{"n": 3, "attempt": {"q": "q1", "o')  # killed mid-write
    later = _answer(load_progress(tmp_path, []), 4)
    save_progress(tmp_path, later)
    loaded = load_progress(tmp_path, [])
    assert [a.question_id for a in loaded.attempts] == ["q1", "q2", "q4"]


def test_two_writers_lose_nothing_of_each_other_across_folds(tmp_path: Path) -> None:
    """The tutorial's quiz and `tutor quiz` in a shell, answering in turns: each one's
    answers survive the folds the other one makes."""
    first, second = load_progress(tmp_path, []), load_progress(tmp_path, [])
    rounds = FOLD_AT + 7
    for n in range(rounds):
        first = _answer(first, n)
        save_progress(tmp_path, first)
        second = _answer(second, n + 1)
        save_progress(tmp_path, second)
    loaded = load_progress(tmp_path, [])
    assert tally(loaded, {f"q{i}" for i in range(7)})[1] == 2 * rounds


def test_a_fold_killed_after_its_snapshot_counts_nothing_twice(tmp_path: Path) -> None:
    progress = Progress()
    for n in range(5):
        progress = _answer(progress, n)
        save_progress(tmp_path, progress)
    journal = (tmp_path / JOURNAL_NAME).read_bytes()
    ident = json.loads(journal.splitlines()[0])["journal"]
    # the snapshot was written, naming the journal, but the journal was not yet removed
    (tmp_path / JOURNAL_NAME).rename(tmp_path / FOLDING_NAME)
    snapshot = _to_json(load_progress(tmp_path, []), [ident])
    (tmp_path / FILE_NAME).write_text(json.dumps(snapshot))
    assert len(load_progress(tmp_path, []).attempts) == 5
