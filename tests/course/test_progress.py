"""Progress survives restarts; a damaged file is reported and kept, never silently lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutor.course.progress import (
    PROGRESS_FILE,
    LessonProgress,
    Progress,
    load_progress,
    save_progress,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_round_trip(tmp_path: Path) -> None:
    progress = (
        Progress()
        .advanced("01-a", 3, at(1))
        .advanced("01-a", 3, at(2))
        .used_hint("01-a", "pull")
        .used_solution("01-a", "list")
        .advanced("02-b", 1, at(3))
    )
    save_progress(tmp_path, progress)
    problems: list[str] = []
    loaded = load_progress(tmp_path, problems)
    assert problems == []
    assert loaded.of("01-a") == LessonProgress(
        2, False, frozenset({"pull"}), frozenset({"list"}), at(2)
    )
    assert loaded.of("02-b") == LessonProgress(1, True, step_began=at(3))
    assert loaded.of("never") == LessonProgress()


def test_finishing_and_restarting(tmp_path: Path) -> None:
    done = Progress().advanced("l", 2, at(1)).advanced("l", 2, at(2)).advanced("l", 2, at(3))
    assert done.of("l") == LessonProgress(2, True, step_began=at(3))
    again = done.restarted("l", at(4))
    assert again.of("l") == LessonProgress(0, True, step_began=at(4))


def test_opening_a_lesson_starts_its_step_clock_once() -> None:
    opened = Progress().began("l", at(0))
    assert opened.of("l") == LessonProgress(step_began=at(0))
    assert opened.began("l", at(5)) is opened  # reopening does not restart the clock
    assert opened.advanced("l", 3, at(7)).of("l").step_began == at(7)


def test_current_lesson_is_the_one_whose_step_began_last() -> None:
    progress = Progress().began("02-b", at(0)).began("01-a", at(1)).advanced("02-b", 3, at(2))
    assert progress.current() == "02-b"
    assert Progress().current() is None


def test_files_written_before_steps_were_timed_still_load(tmp_path: Path) -> None:
    old = {"version": 1, "lessons": {
        "01-a": {"step": 3, "done": True, "hints": ["pull"], "solutions": []},
        "02-b": {"step": 1, "done": False, "hints": [], "solutions": ["x"]},
    }}
    (tmp_path / PROGRESS_FILE).write_text(json.dumps(old))
    problems: list[str] = []
    loaded = load_progress(tmp_path, problems)
    assert problems == []
    assert loaded.of("01-a") == LessonProgress(3, True, frozenset({"pull"}))
    assert loaded.current() == "02-b"  # the first lesson not done
    save_progress(tmp_path, loaded.began("02-b", at(9)))
    saved = json.loads((tmp_path / PROGRESS_FILE).read_text())
    assert saved["version"] == 1  # an older tutor still reads it (and ignores the new key)
    assert saved["lessons"]["02-b"]["step_began"] == at(9).isoformat()


def test_missing_file_is_a_fresh_start(tmp_path: Path) -> None:
    problems: list[str] = []
    assert load_progress(tmp_path, problems) == Progress()
    assert problems == []


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        json.dumps({"version": 99, "lessons": {}}).encode(),
        json.dumps({"version": 1, "lessons": {"a": {"step": -1}}}).encode(),
        json.dumps({"version": 1, "lessons": {"a": {"hints": "pull"}}}).encode(),
        json.dumps({"version": 1, "lessons": {"a": {"step_began": "yesterday"}}}).encode(),
    ],
    ids=["syntax", "binary", "wrong-shape", "future-version", "negative-step", "bad-hints",
         "bad-time"],
)
def test_damaged_file_is_set_aside_and_reported(tmp_path: Path, content: bytes) -> None:
    (tmp_path / PROGRESS_FILE).write_bytes(content)
    problems: list[str] = []
    assert load_progress(tmp_path, problems) == Progress()
    assert len(problems) == 1 and "set aside as progress.json.corrupt-1" in problems[0]
    assert (tmp_path / f"{PROGRESS_FILE}.corrupt-1").read_bytes() == content
    assert not (tmp_path / PROGRESS_FILE).exists()


def test_save_is_atomic_a_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_progress(tmp_path, Progress().advanced("l", 5))
    before = (tmp_path / PROGRESS_FILE).read_bytes()

    def crash(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_progress(tmp_path, Progress().advanced("l", 5).advanced("l", 5))
    assert (tmp_path / PROGRESS_FILE).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [PROGRESS_FILE]
