"""Snapshots of the quiz at 80×24, the smallest terminal it supports: the home, a DOMC question
and an exam report. A small bank of its own (the shipped one grows), a fixed seed, day and exam
clock, so nothing but the screens' own layout can change them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tutor.paths import content_dir
from tutor.ui.app import TutorApp
from tutor.ui.screens.quiz import QuizScreen
from tutor.ui.screens.quiz_practice import PracticeScreen

SIZE = (80, 24)
Snap = Callable[..., bool]
IMAGES = "Image Creation, Management, and Registry"
TOPICS = {
    "tags": f"""
[topic]
title = "Tags"
domain = "{IMAGES}"
objective = "Describe and demonstrate how to tag an image."

[[question]]
id = "tag-default"
stem = "Which tag does `docker pull nginx` pull?"
try_it = "docker pull nginx"
[[question.option]]
text = "latest"
correct = true
why = "Without a tag, docker uses the tag latest."
[[question.option]]
text = "stable"
why = "stable is an ordinary tag some images publish; it is never implied."
[[question.option]]
text = "The newest version pushed"
why = "latest is only a name: it points wherever it was last pushed."

[[question]]
id = "tag-many"
stem = "Which statements about tags are true?"
[[question.option]]
text = "One image can have several tags"
correct = true
why = "docker tag adds a name without copying anything."
[[question.option]]
text = "A tag names exactly one image in a repository at a time"
correct = true
why = "Tagging another image moves the tag."
[[question.option]]
text = "Removing a tag always deletes the image"
why = "docker rmi of one tag only untags while other tags remain."
""",
    "layers": f"""
[topic]
title = "Layers"
domain = "{IMAGES}"
objective = "Describe and demonstrate how to display layers of a Docker image."

[[question]]
id = "layers-history"
stem = "Which command lists the layers an image was built from?"
[[question.option]]
text = "docker image history"
correct = true
why = "It shows one row per build step, with the size of the layer it made."
[[question.option]]
text = "docker ps"
why = "docker ps lists containers, not layers."
[[question.option]]
text = "docker logs"
why = "docker logs prints a container's output."
""",
}


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    root = tmp_path / "bank"
    shutil.copytree(content_dir("assets") / "questions" / "_schema", root / "_schema")
    for name, text in TOPICS.items():
        (root / f"{name}.toml").write_text(text, encoding="utf-8")
    return root


def quiz_screen(app: TutorApp) -> QuizScreen:
    # `make_app` keeps the state in tmp_path/state and the `bank` fixture writes tmp_path/bank.
    return QuizScreen(app.session.state, questions_dir=app.session.state.parent / "bank",
                      seed=3, now=lambda: datetime(2025, 3, 3, 9, 30), clock=lambda: 1000.0)


async def _home(pilot: Pilot[Any]) -> None:
    assert isinstance(pilot.app, TutorApp)
    await pilot.app.push_screen(quiz_screen(pilot.app))
    await pilot.pause()


async def _domc(pilot: Pilot[Any]) -> None:
    assert isinstance(pilot.app, TutorApp)
    quiz = quiz_screen(pilot.app)
    await pilot.app.push_screen(quiz)
    assert quiz.quiz is not None
    question = quiz.quiz.bank.by_id()["tag-many"]
    await pilot.app.push_screen(PracticeScreen(quiz.quiz, [question], "domc", "practice",
                                               "Tags"))
    await pilot.pause()


async def _report(pilot: Pilot[Any]) -> None:
    await _home(pilot)
    pilot.app.screen.query_one("#exam-size").value = "3"  # type: ignore[attr-defined]
    await pilot.press("e", "y", "ctrl+e", "y")
    await pilot.pause()


def test_quiz_home(
    snap_compare: Snap, make_app: Callable[[], TutorApp],
    bank: Path,
) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_home)


def test_domc_question(
    snap_compare: Snap, make_app: Callable[[], TutorApp],
    bank: Path,
) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_domc)


def test_exam_report(
    snap_compare: Snap, make_app: Callable[[], TutorApp],
    bank: Path,
) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_report)
