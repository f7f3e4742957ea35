"""Per-lesson sandboxes: a reset brings back the lesson's setup, and lessons never share state."""

from __future__ import annotations

from pathlib import Path

from tutor.course.lessons import load_lesson
from tutor.course.sandbox import Sandbox

LESSON = """\
title = "T"
summary = "S"
minutes = 5
objectives = ["o"]

[[steps]]
id = "one"
title = "One"
text = "01.md"
hint = "h"
solution = ["ls"]
[[steps.check]]
kind = "command"
matches = "ls"
"""


def make_lesson(folder: Path, images: str = "") -> Path:
    (folder / "workspace" / "src").mkdir(parents=True)
    (folder / "workspace" / "src" / "app.js").write_text("v1\n")
    (folder / "workspace" / "Dockerfile").write_text("FROM alpine:3.21\n")
    (folder / "lesson.toml").write_text(
        LESSON + (f"[setup]\nimages = [{images}]\n" if images else "")
    )
    (folder / "01.md").write_text("# One\n")
    return folder


def test_reset_recreates_the_workspace(tmp_path: Path) -> None:
    sandbox = Sandbox(load_lesson(make_lesson(tmp_path / "01-a")), tmp_path / "root")
    assert not sandbox.ready
    assert sandbox.ensure().ok and sandbox.ready
    assert (sandbox.workspace / "src" / "app.js").read_text() == "v1\n"
    assert sandbox.state.is_dir()
    (sandbox.workspace / "src" / "app.js").write_text("broken\n")
    (sandbox.workspace / "junk").write_text("x")
    (sandbox.state / "something").write_text("x")
    assert sandbox.ensure().ok
    assert (sandbox.workspace / "junk").exists(), "ensure keeps the learner's work"
    assert sandbox.reset().ok
    assert (sandbox.workspace / "src" / "app.js").read_text() == "v1\n"
    assert not (sandbox.workspace / "junk").exists()
    assert list(sandbox.state.iterdir()) == []


def test_lessons_get_separate_sandboxes(tmp_path: Path) -> None:
    a = Sandbox(load_lesson(make_lesson(tmp_path / "01-a")), tmp_path / "root")
    b = Sandbox(load_lesson(make_lesson(tmp_path / "02-b")), tmp_path / "root")
    assert a.state != b.state and a.workspace != b.workspace
    a.ensure()
    b.ensure()
    (a.workspace / "Dockerfile").write_text("changed\n")
    assert (b.workspace / "Dockerfile").read_text() == "FROM alpine:3.21\n"


def test_an_interrupted_setup_is_done_again(tmp_path: Path) -> None:
    sandbox = Sandbox(load_lesson(make_lesson(tmp_path / "01-a")), tmp_path / "root")
    sandbox.workspace.mkdir(parents=True)
    (sandbox.workspace / "half").write_text("x")
    assert sandbox.ensure().ok
    assert not (sandbox.workspace / "half").exists()
    assert (sandbox.workspace / "Dockerfile").exists()


def test_setup_pulls_through_the_docker_command_line(tmp_path: Path) -> None:
    sandbox = Sandbox(
        load_lesson(make_lesson(tmp_path / "01-a", images='"alpine:3.21"')), tmp_path / "root"
    )
    result = sandbox.reset()
    # Whatever `docker pull` answers is reported; a failed pull leaves the sandbox not ready.
    assert result.ok == sandbox.ready
    if not result.ok:
        assert result.output


def test_a_pinned_lesson_sets_its_sandbox_profile(tmp_path: Path) -> None:
    from tutor.engine.profile import Profile, load_profile

    folder = make_lesson(tmp_path / "01-a")
    (folder / "lesson.toml").write_text('docker = "28"\n' + LESSON)
    sandbox = Sandbox(load_lesson(folder), tmp_path / "root")
    assert sandbox.reset().ok
    assert load_profile(sandbox.state) == Profile(28, "classic")
    free = Sandbox(load_lesson(make_lesson(tmp_path / "02-b")), tmp_path / "root")
    assert free.reset().ok and load_profile(free.state) == Profile(29, "containerd")


def test_a_ready_sandbox_follows_a_new_pin(tmp_path: Path) -> None:
    from tutor.engine.profile import Profile, load_profile

    folder = make_lesson(tmp_path / "01-a")
    sandbox = Sandbox(load_lesson(folder), tmp_path / "root")
    assert sandbox.ensure().ok and load_profile(sandbox.state) == Profile(29, "containerd")
    (folder / "lesson.toml").write_text('docker = "29/classic"\n' + LESSON)
    pinned = Sandbox(load_lesson(folder), tmp_path / "root")
    assert pinned.ensure().ok and load_profile(pinned.state) == Profile(29, "classic")
