"""A student's progress file: what `tutor progress export` writes is what `tutor class import`
restores, quiz answers already journalled in the class are replaced, never counted twice, and a
file that is not one is refused with a reason."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tutor.course.progress import Progress, load_progress, save_progress
from tutor.course.quiz import progress as quiz
from tutor.course.transfer import export_document, import_exported, read_document

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def answered(home: Path, *answers: tuple[str, bool]) -> None:
    progress = quiz.load_progress(home, [])
    for qid, right in answers:
        progress = quiz.record(progress, quiz.Attempt(qid, right, AT, "practice"))
    quiz.save_progress(home, progress)


def exported_file(tmp_path: Path, name: str = "Ann") -> Path:
    laptop = tmp_path / "laptop"
    save_progress(laptop, Progress().began("02-layers", AT).advanced("02-layers", 7, AT))
    answered(laptop, ("q1", True), ("q2", False))
    path = tmp_path / "ann.json"
    path.write_text(json.dumps(export_document(laptop, name, [])))
    return path


def test_round_trip_replaces_journalled_answers(tmp_path: Path) -> None:
    root = tmp_path / "root"
    from tutor.course.classroom import student_dir

    home = student_dir(root, "default", "Ann")
    answered(home, ("q9", True))  # answered in class before the file arrived: in the journal
    assert (home / quiz.JOURNAL_NAME).exists()
    assert import_exported(root, "default", read_document(exported_file(tmp_path))) == home
    assert load_progress(home, []).of("02-layers").step == 1
    assert load_progress(home, []).of("02-layers").step_began == AT
    progress = quiz.load_progress(home, [])
    assert [(a.question_id, a.correct) for a in progress.attempts] == [("q1", True), ("q2", False)]


def test_a_replace_killed_before_the_journal_is_removed_counts_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "student"
    answered(home, ("q9", True))
    new = quiz.from_document(quiz.to_document(quiz.record(
        quiz.Progress(), quiz.Attempt("q1", True, AT, "exam"))))

    def killed(self: Path, missing_ok: bool = False) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "unlink", killed)
    with pytest.raises(KeyboardInterrupt):
        quiz.replace_progress(home, new)
    monkeypatch.undo()
    assert (home / quiz.JOURNAL_NAME).exists()  # the kill left it behind
    assert [a.question_id for a in quiz.load_progress(home, []).attempts] == ["q1"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "is not a progress file (not JSON)"),
        ('{"format": "something-else"}', "is not a progress file written by"),
        ('{"format": "image-tutor-progress", "version": 7}', "another version of Image Tutor"),
        ('{"format": "image-tutor-progress", "version": 1}', "names no student"),
        ('{"format": "image-tutor-progress", "version": 1, "name": "A", "lessons": []}',
         "lesson progress that is not understood"),
        ('{"format": "image-tutor-progress", "version": 1, "name": "A", '
         '"lessons": {"version": 1, "lessons": {}}, "quiz": {"version": 1}}', "not quiz progress"),
    ],
)
def test_what_is_not_a_progress_file_is_refused(tmp_path: Path, content: str,
                                                reason: str) -> None:
    path = tmp_path / "f.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(reason)):
        read_document(path)
