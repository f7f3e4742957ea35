"""The lesson screen at the sizes learners use: one pane at a time below 120 columns (F9), side
by side from 120, live on resize; code blocks that fold instead of clipping and send their
commands to the prompt; focus that never strands typing; Ctrl+N that says why; toasts off the
terminal's output; the end of a lesson leading to the next."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import RichLog, TabbedContent
from textual.widgets._toast import Toast

from tests.ui.helpers import open_lesson, read_code_block, settle, type_code_line, type_line
from tutor.course.progress import LessonProgress
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.step_text import CONTINUATION, StepText, fold, unfold

IMAGES = "01-images-and-containers"
CACHE = "03-build-cache"


def footer_keys(screen: LessonScreen) -> dict[str, str]:
    """What the Footer offers: key -> description, for the bindings it shows."""
    return {key: active.binding.description for key, active in screen.active_bindings.items()
            if active.binding.show}


@pytest.mark.parametrize(("line", "width"), [
    ("docker build -t my-app:1.0 .", 12),
    ("docker pull alpine@sha256:" + "0123456789abcdef" * 4, 30),
    ("echo -e 'FROM node:20-alpine\\nWORKDIR /app' > Dockerfile", 20),
    ("short", 40),
])
def test_fold_keeps_every_character(line: str, width: int) -> None:
    rows = fold(line, width)
    assert len(rows[0]) <= width
    assert all(len(row) <= width + 1 for row in rows[1:])
    shown = ["  " + rows[0], *(CONTINUATION + row for row in rows[1:])]
    assert unfold(shown) == [line]


async def test_narrow_shows_one_pane_and_f9_switches(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        step_pane, views = screen.query_one("#step-pane"), screen.query_one("#views")
        assert screen.narrow and not screen.terminal_only
        assert step_pane.region.width == 80 and not views.display
        assert footer_keys(screen)["f9"] == "Terminal"
        # the first command of the step has the focus, ready for Enter
        first = screen.query_one("#step-text", StepText).code_blocks[0]
        assert first.has_focus
        await pilot.press("f9")
        await settle(pilot)
        assert screen.terminal_only and not step_pane.display
        assert views.region.width == 80
        assert screen.terminal.input.has_focus
        assert footer_keys(screen)["f9"] == "Lesson"
        await pilot.press("f9")
        await settle(pilot)
        assert not screen.terminal_only and step_pane.region.width == 80
        assert not screen.terminal.input.has_focus  # keys never go to a hidden prompt


async def test_resizing_switches_layout_live(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        assert screen.narrow
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert not screen.narrow
        step_pane, scrollback = screen.query_one("#step-pane"), screen.query_one(RichLog)
        assert step_pane.display and step_pane.region.width >= 36
        assert scrollback.scrollable_content_region.width >= 78
        assert footer_keys(screen)["f9"] == "Maximize"
        await pilot.press("f9")
        await settle(pilot)
        assert not step_pane.display and scrollback.region.width > 100
        await pilot.press("f9")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert screen.narrow and not screen.query_one("#views").display


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_command_block_types_for_me(
    size: tuple[int, int], make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_lesson(pilot, CACHE)
        block = screen.query_one("#step-text", StepText).code_blocks[0]
        lines = await read_code_block(pilot, block)
        assert lines == ["cat Dockerfile", "docker build -t my-app:1.0 ."]
        assert await type_code_line(pilot, block, 1) == "docker build -t my-app:1.0 ."
        assert screen.terminal.input.has_focus
        assert not screen.terminal.busy and "my-app" not in str(app.session.progress)
        # a click on a row types that row's command
        if screen.narrow:
            await pilot.press("f9")
            await settle(pilot)
        block.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(block, offset=(4, 0))
        await pilot.pause()
        assert screen.terminal.input.value == "cat Dockerfile"


async def test_long_commands_fold_on_screen(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        for _ in range(3):  # to step 4, whose `echo -e` line is longer than the pane
            screen.session.update(screen.session.progress.advanced(CACHE, len(screen.steps)))
            await pilot.press("ctrl+n")
            await settle(pilot)
        blocks = screen.query_one("#step-text", StepText).code_blocks
        long = [b for b in blocks if any(len(line) > 76 for line in b.lines)]
        assert long, "step 4 shows a command longer than the screen"
        for block in long:
            assert await read_code_block(pilot, block) == block.lines
            assert block.size.height > len(block.lines)  # folded, not clipped


async def test_typing_after_shift_tab_reaches_the_prompt(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        assert screen.terminal.input.has_focus
        await pilot.press("shift+tab")
        assert not screen.terminal.input.has_focus
        await pilot.press("l", "s")
        assert screen.terminal.input.has_focus
        assert screen.terminal.input.value == "ls"


async def test_ctrl_n_refused_says_why(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 0
        said = [n.message for n in app._notifications]
        assert any("Step 1 is not done yet" in message for message in said), said


async def test_step_toast_leaves_the_output_visible(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_lesson(pilot, CACHE)
        await type_line(pilot, "docker build -t my-app:1.0 .")
        assert screen.frontier == 1
        toasts: list[Toast] = []
        for _ in range(50):  # the toast is mounted a few refreshes after the notification
            await pilot.pause()
            toasts = list(screen.query(Toast))
            if toasts and all(toast.region for toast in toasts):
                break
        assert toasts
        scrollback = screen.query_one(RichLog)
        for toast in toasts:
            assert not toast.region.overlaps(scrollback.region), (toast.region, scrollback.region)


async def test_end_of_lesson_leads_to_the_next(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        lessons = app.session.lessons
        first = lessons[0]
        done = LessonProgress(step=len(first.steps), done=True)
        app.session.update(app.session.progress.with_lesson(first.id, done))
        screen = await open_lesson(pilot, first.id)
        assert screen.index == len(first.steps) - 1
        assert "Next lesson" in str(screen.query_one("#next").render())
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == lessons[1].id
        # the last lesson has nowhere to go, and says so
        last = lessons[-1]
        app.session.update(app.session.progress.with_lesson(
            last.id, LessonProgress(step=len(last.steps), done=True)))
        screen = await open_lesson(pilot, last.id)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen is screen
        assert any("last lesson" in n.message for n in app._notifications)


async def test_reset_lesson_is_begun_again_and_continue_opens_it(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        lesson = app.session.lessons[0]
        app.session.update(app.session.progress.with_lesson(
            lesson.id, LessonProgress(step=len(lesson.steps), done=True)))
        screen = await open_lesson(pilot, lesson.id)
        screen.action_reset()
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert screen.index == 0 and screen.frontier == 0
        await pilot.press("escape")
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "done" not in str(home.query_one("#lesson-map").get_option(lesson.id).prompt
                                 ).replace("done before", "")
        assert app.session.resume_lesson() == lesson
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == lesson.id


async def test_f9_brings_back_the_terminal_tab(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        await pilot.press("f9", "f5")
        await settle(pilot)
        assert screen.query_one("#views", TabbedContent).active == "layers"
        await pilot.press("f9", "f9")
        await settle(pilot)
        assert screen.query_one("#views", TabbedContent).active == "terminal"
