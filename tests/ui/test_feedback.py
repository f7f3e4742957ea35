"""Feedback in the lesson screen: a misconception hint's line in the terminal, and the goal
beside the learner's state under a step's hint."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Markdown

from tests.ui.helpers import open_lesson, settle, type_line
from tutor.ui.app import TutorApp
from tutor.ui.widgets.terminal import Terminal

LAYERS = "02-layers"


def scrollback_words(app: TutorApp) -> str:
    """The terminal's text as written (not folded at the pane's width), spaces collapsed."""
    return " ".join(app.screen.query_one(Terminal).plain.split())


async def test_a_later_rm_gets_a_hint_line(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lesson(pilot, LAYERS)
        await type_line(pilot, "docker build -t cleanup-demo demo")
        assert "tutor: " not in scrollback_words(app)
        await type_line(pilot, "docker history cleanup-demo")
        text = scrollback_words(app)
        assert "tutor: cleanup-demo still carries /data/big.txt" in text
        assert "(lesson 02-layers, step delete-later)" in text
        # once per build: a second look says nothing new
        await type_line(pilot, "docker history cleanup-demo")
        assert scrollback_words(app).count("tutor: cleanup-demo") == 1


async def test_the_hint_shows_the_goal_and_the_learners_state(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, LAYERS)
        await type_line(pilot, "cat Dockerfile")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.index == 1
        await pilot.press("f2")
        await settle(pilot)
        help_text = screen.query_one("#step-help", Markdown).source
        assert help_text.startswith(f"**Hint:** {screen.steps[1].hint}")
        assert "**Goal:** an image my-app:1.0  \n**Yours:** no such image yet" in help_text
        await type_line(pilot, "docker build -t my-app:1.0 .")
        await pilot.press("ctrl+b", "ctrl+n", "f2")  # a step already done shows no goal-diff
        await settle(pilot)
        assert "**Goal:**" not in screen.query_one("#step-help", Markdown).source


async def test_ctrl_z_undoes_the_last_docker_command(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, LAYERS)
        await type_line(pilot, "docker tag node:20-alpine mine:1")
        await type_line(pilot, "docker rmi node:20-alpine")
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "tutor: the engine is back as it was before `docker rmi node:20-alpine`" in \
            scrollback_words(app)
        await type_line(pilot, "docker images --format '{{.Repository}}:{{.Tag}}'")
        listed = scrollback_words(app).rsplit("docker images", 1)[1]
        assert "node:20-alpine" in listed and "mine:1" in listed
        await pilot.press("ctrl+z", "ctrl+z")
        await settle(pilot)
        assert "tutor: nothing to undo" in scrollback_words(app)
        assert screen.terminal.undo.depth == 0
