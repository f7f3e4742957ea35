"""Driving the tutorial the way a learner does: keys into the terminal's prompt."""

from __future__ import annotations

from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot

from tutor.ui.screens.lesson import LessonScreen


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no shell line or sandbox preparation is running, and messages are handled."""
    app = pilot.app
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if not isinstance(screen, LessonScreen) or (
            screen.ready and not screen.terminal.busy and not app.workers._workers
        ):
            return
    raise AssertionError("the UI did not settle")


async def open_lesson(pilot: Pilot[None], lesson_id: str) -> LessonScreen:
    from tutor.ui.messages import OpenLesson

    app = pilot.app
    app.post_message(OpenLesson(lesson_id))
    await pilot.pause()
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    return screen


async def type_line(pilot: Pilot[None], line: str, *, keys: bool = False) -> None:
    """Enter `line` at the prompt and press Enter: pasted (as a learner copying a command),
    or typed key by key with `keys=True` (slower; for what depends on typing itself)."""
    if keys:
        await pilot.press(*[_character_to_key(c) for c in line])
    else:
        prompt = app_screen(pilot.app).terminal.input
        prompt.insert_text_at_cursor(line)
    await pilot.press("enter")
    await settle(pilot)


def app_screen(app: App[None]) -> LessonScreen:
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    return screen
