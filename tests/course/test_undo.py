"""Undo: a copy of the engine state before each command that changed it, restored by one call,
at most UNDO_DEPTH deep; the workspace's files are not touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tutor.course.hostshell import HostShell
from tutor.course.undo import UNDO_DEPTH, UndoStack


@pytest.fixture
def shell(tmp_path: Path) -> HostShell:
    ws = tmp_path / "sandbox" / "workspace"
    ws.mkdir(parents=True)
    (ws / "Dockerfile").write_text("FROM alpine:3.21\nRUN echo hi > /hi.txt\n")
    sh = HostShell(ws, tmp_path / "sandbox" / "engine")
    assert sh.run("docker pull alpine:3.21").status == 0
    return sh


def run(shell: HostShell, stack: UndoStack, line: str) -> int:
    pending = stack.before(line)
    status = shell.run(line).status
    stack.after(pending)
    return status


def images(shell: HostShell) -> str:
    return shell.run("docker images --format '{{.Repository}}:{{.Tag}}'").output


def test_undo_steps_back_one_command_at_a_time(shell: HostShell) -> None:
    stack = UndoStack(shell.state)
    assert run(shell, stack, "docker build -t app:1 .") == 0
    assert run(shell, stack, "docker tag app:1 app:2") == 0
    assert run(shell, stack, "docker run --name box alpine:3.21 true") == 0
    assert stack.depth == 3
    assert stack.undo() == "docker run --name box alpine:3.21 true"
    assert "box" not in shell.run("docker ps -a").output
    assert "app:2" in images(shell)
    assert stack.undo() == "docker tag app:1 app:2"
    assert "app:2" not in images(shell) and "app:1" in images(shell)
    assert stack.undo() == "docker build -t app:1 ."
    assert images(shell) == "alpine:3.21\n"
    assert stack.undo() is None
    # the engine still works on the restored state, and the workspace was never touched
    assert run(shell, stack, "docker build -t app:1 .") == 0
    assert (shell.root / "Dockerfile").read_text().startswith("FROM alpine:3.21")


def test_a_command_that_changes_nothing_leaves_nothing_to_undo(shell: HostShell) -> None:
    stack = UndoStack(shell.state)
    for line in ("docker images", "ls", "docker image inspect alpine:3.21", "docker rmi nope"):
        run(shell, stack, line)
    assert stack.depth == 0


def test_only_the_last_few_are_kept(shell: HostShell) -> None:
    stack = UndoStack(shell.state)
    for n in range(UNDO_DEPTH + 2):
        assert run(shell, stack, f"docker tag alpine:3.21 copy:{n}") == 0
    assert stack.depth == UNDO_DEPTH
    lines = [stack.undo() for _ in range(UNDO_DEPTH)]
    assert lines[0] == f"docker tag alpine:3.21 copy:{UNDO_DEPTH + 1}"
    assert lines[-1] == "docker tag alpine:3.21 copy:2"
    assert stack.undo() is None
    assert "copy:1" in images(shell) and "copy:2" not in images(shell)


def test_an_undo_interrupted_between_its_renames_is_finished(shell: HostShell) -> None:
    stack = UndoStack(shell.state)
    assert run(shell, stack, "docker tag alpine:3.21 again:1") == 0
    # killed right after moving the current state aside
    os.replace(shell.state, shell.state.parent / ".engine.undone")
    stack.recover()
    assert "again:1" in images(shell)
    assert stack.undo() == "docker tag alpine:3.21 again:1"
    assert "again:1" not in images(shell)
