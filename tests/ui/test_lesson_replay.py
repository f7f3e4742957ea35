"""Every lesson, followed as its text shows it, at the sizes learners use: each step's command
blocks are read off the screen (so a clipped block fails), sent to the prompt with Enter on the
block ("type this for me"), run with Enter, and the step must pass.

Generic over whatever lessons exist: a lesson is replayed from its rendered text, never from its
solution list.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.course.test_lessons_solvable import LESSONS, missing_commands
from tests.ui.helpers import open_lesson, read_code_block, settle, type_code_line
from tutor.course.lessons import Lesson
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.step_text import StepText

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((100, 30), id="100x30"),
         pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_replay_lesson_as_shown(
    lesson: Lesson, size: tuple[int, int], make_app: Callable[[], TutorApp]
) -> None:
    missing = missing_commands(lesson)
    if missing:
        pytest.xfail(f"docker commands not implemented yet: {', '.join(missing)}")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_lesson(pilot, lesson.id)
        assert screen.narrow == (size[0] < 120)
        for n, step in enumerate(lesson.steps):
            assert screen.index == n
            if screen.terminal_only:
                await pilot.press("f9")
                await settle(pilot)
            typed: list[str] = []
            try:
                await replay_step(pilot, screen, typed)
            except AssertionError as failed:
                raise AssertionError(f"{step.id} after {typed}: {failed}") from failed
            status = str(screen.query_one("#step-status").render())
            assert screen.frontier == n + 1, (step.id, status, typed)
            await pilot.press("ctrl+n")
            await settle(pilot)
        assert app.session.progress.of(lesson.id).done


async def replay_step(pilot: Pilot[None], screen: LessonScreen, typed: list[str]) -> None:
    """Send every line of every command block the step shows, adding each to `typed`."""
    for block in screen.query_one("#step-text", StepText).code_blocks:
        if screen.terminal_only:
            await pilot.press("f9")
            await settle(pilot)
        shown = await read_code_block(pilot, block)
        if not block.commands:
            continue
        for at, line in enumerate(shown):
            if not line.strip():
                continue
            if screen.terminal_only:
                await pilot.press("f9")
                await settle(pilot)
            on_prompt = await type_code_line(pilot, block, at)
            assert on_prompt == line
            assert screen.terminal.input.has_focus
            assert not screen.narrow or screen.terminal_only
            typed.append(line)
            await pilot.press("enter")
            await settle(pilot)
