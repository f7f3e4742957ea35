"""Lesson packs may not ship symbolic links: lint refuses them, loading never follows them,
and a sandbox never copies one into the learner's workspace (issue 14, "Confinement")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.course.test_lessons import GOOD, write
from tutor.course.cli import lint_main
from tutor.course.lessons import load_lessons, read_lesson

SECRET = "SENTINEL-lesson-outside\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text(SECRET)
    return folder


@pytest.mark.parametrize("where", ["workspace-file", "workspace-dir", "step-markdown",
                                   "lesson-toml", "extra-markdown"])
def test_a_link_in_a_lesson_is_refused(tmp_path: Path, outside: Path, where: str) -> None:
    folder = write(tmp_path / "lessons" / "01-x", GOOD)
    (folder / "workspace").mkdir()
    if where == "workspace-file":
        (folder / "workspace" / "notes.md").symlink_to(outside / "secret.md")
    elif where == "workspace-dir":
        (folder / "workspace" / "up").symlink_to(outside)
    elif where == "step-markdown":
        (folder / "01.md").unlink()
        (folder / "01.md").symlink_to(outside / "secret.md")
    elif where == "lesson-toml":
        (outside / "lesson.toml").write_text(GOOD)
        (folder / "lesson.toml").unlink()
        (folder / "lesson.toml").symlink_to(outside / "lesson.toml")
    else:
        (folder / "03.md").symlink_to(outside / "secret.md")
    lesson, problems = read_lesson(folder)
    assert lesson is None
    assert any("symbolic link" in p.message for p in problems)
    lessons, _ = load_lessons([tmp_path / "lessons"])
    assert lessons == ()
    out = io.StringIO()
    assert lint_main([str(tmp_path / "lessons")], out) == 1
    assert "symbolic link" in out.getvalue()
    assert SECRET.strip() not in out.getvalue()


def test_a_lesson_folder_that_is_a_link_is_not_read(tmp_path: Path, outside: Path) -> None:
    real = write(outside / "01-real", GOOD)
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "01-x").symlink_to(real)
    lesson, problems = read_lesson(tmp_path / "lessons" / "01-x")
    assert lesson is None
    assert [p.message for p in problems] == [problems[0].message]
    assert "symbolic link" in problems[0].message


def test_a_link_added_after_loading_is_not_copied_into_the_workspace(
        tmp_path: Path, outside: Path) -> None:
    from tutor.course.sandbox import Sandbox

    folder = write(tmp_path / "lessons" / "01-x", GOOD.replace('images = ["alpine:3.21"]',
                                                               "images = []"))
    (folder / "workspace").mkdir()
    (folder / "workspace" / "app.txt").write_text("hello\n")
    lesson, problems = read_lesson(folder)
    assert lesson is not None, problems
    (folder / "workspace" / "up").symlink_to(outside)
    sandbox = Sandbox(lesson, tmp_path / "home")
    sandbox.reset()
    assert (sandbox.workspace / "app.txt").read_text() == "hello\n"
    assert not (sandbox.workspace / "up").exists()
    assert not (sandbox.workspace / "up").is_symlink()
