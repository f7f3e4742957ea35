"""Progress survives restarts; a damaged file is reported and kept, never silently lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor.course.progress import (
    PROGRESS_FILE,
    LessonProgress,
    Progress,
    load_progress,
    save_progress,
)


def test_round_trip(tmp_path: Path) -> None:
    progress = (
        Progress()
        .advanced("01-a", 3)
        .advanced("01-a", 3)
        .used_hint("01-a", "pull")
        .used_solution("01-a", "list")
        .advanced("02-b", 1)
    )
    save_progress(tmp_path, progress)
    problems: list[str] = []
    loaded = load_progress(tmp_path, problems)
    assert problems == []
    assert loaded.of("01-a") == LessonProgress(2, False, frozenset({"pull"}), frozenset({"list"}))
    assert loaded.of("02-b") == LessonProgress(1, True)
    assert loaded.of("never") == LessonProgress()


def test_finishing_and_restarting(tmp_path: Path) -> None:
    done = Progress().advanced("l", 2).advanced("l", 2).advanced("l", 2)
    assert done.of("l") == LessonProgress(2, True)
    again = done.restarted("l")
    assert again.of("l") == LessonProgress(0, True)


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
    ],
    ids=["syntax", "binary", "wrong-shape", "future-version", "negative-step", "bad-hints"],
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
