"""Each lesson, start to finish, typed into the terminal pane as a learner would: every step's
check passes after its commands and Next opens; the last step completes the lesson."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.course.test_lessons_solvable import LESSONS, missing_commands
from tests.ui.helpers import open_lesson, type_line
from tutor.course.lessons import Lesson
from tutor.ui.app import TutorApp


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_walk_lesson(lesson: Lesson, make_app: Callable[[], TutorApp]) -> None:
    missing = missing_commands(lesson)
    if missing:
        pytest.xfail(f"docker commands not implemented yet: {', '.join(missing)}")
    typed_newline = [line for step in lesson.steps for line in step.solution if "\n" in line]
    assert not typed_newline, "a solution line holds a newline a learner cannot type"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot, lesson.id)
        for n, step in enumerate(lesson.steps):
            assert screen.index == n
            assert not screen.check_action("next_step", ())
            for line in step.solution:
                await type_line(pilot, line)
            assert screen.frontier == n + 1, (step.id, str(screen.query_one("#step-status")
                                                           .render()))
            await pilot.press("ctrl+n")
        assert app.session.progress.of(lesson.id).done
