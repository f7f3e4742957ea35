"""Getting a sandbox ready for a question's "try it" command.

A question's command often needs something a fresh sandbox lacks (an image pulled, a container to
inspect, a Dockerfile to build), so the question carries its own preparation: files written into
the workspace, then setup commands run without showing their output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tutor.course.quiz.model import Question


def write_try_files(question: Question, workspace: Path) -> None:
    """Write the question's files into `workspace`, replacing files of the same name."""
    for name, content in question.try_files:
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def prepare_try_it(question: Question, workspace: Path, run: Callable[[str], int]) -> str:
    """Write the files, run each setup command through `run` (the whole `docker …` line, run
    with `workspace` as its working directory) and return the command to offer the learner.

    A setup command that fails does not stop the others: in a sandbox the learner has used, it
    usually fails because what it creates is already there (a container name in use)."""
    write_try_files(question, workspace)
    for command in question.try_setup:
        run(command)
    return question.try_it
