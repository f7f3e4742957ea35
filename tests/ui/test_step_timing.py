"""The lesson screen records, in the saved progress, when the learner reached each step: what
`tutor class status` shows as time on step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.ui.helpers import open_lesson, type_line
from tutor.course.progress import load_progress
from tutor.ui.app import TutorApp

CACHE = "03-build-cache"


async def test_opening_a_lesson_and_finishing_a_step_start_the_step_clock(
    make_app: Callable[..., TutorApp], tmp_path: Path
) -> None:
    state = tmp_path / "timed"
    app = make_app(state)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        opened = load_progress(state, []).of(CACHE).step_began
        assert opened is not None
        await type_line(pilot, "docker build -t my-app:1.0 .")
        assert screen.frontier == 1
        finished = load_progress(state, []).of(CACHE)
        assert finished.step == 1
        assert finished.step_began is not None and finished.step_began >= opened
    again = make_app(state)
    async with again.run_test(size=(100, 30)) as pilot:
        await open_lesson(pilot, CACHE)  # coming back does not restart the step's clock
        assert load_progress(state, []).of(CACHE).step_began == finished.step_began
