"""Driving the tutorial the way a learner does: keys into the terminal's prompt."""

from __future__ import annotations

from textual.app import App
from textual.containers import VerticalScroll
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import RichLog
from textual.worker import Worker

from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.step_text import CodeBlock, unfold


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no shell line or sandbox preparation is running, every log shows its last
    line, and nothing on screen changed over a full round of messages."""
    app = pilot.app
    before: object = None
    for _ in range(400):
        pending = _settling(app)
        if pending:  # (an empty list would mean every worker to wait_for_complete)
            await app.workers.wait_for_complete(pending)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        screen = app.screen
        idle = not isinstance(screen, LessonScreen) or (
            screen.ready and (not screen.terminal.busy or screen.terminal.waiting is not None)
            and not _settling(app)
        )
        now = _logs_state(app)
        if idle and now is not None and now == before:
            return
        before = now
    logs = [(log.id, log.size, log.scroll_y, log.max_scroll_y, len(log._deferred_renders))
            for log in app.screen.query(RichLog)]
    raise AssertionError(f"the UI did not settle: {app.screen}, logs {logs}")


def _settling(app: App[None]) -> list[Worker[object]]:
    """The workers still to wait for: all but a shell line waiting for the learner's input."""
    screen = app.screen
    waiting = isinstance(screen, LessonScreen) and screen.terminal.waiting is not None
    return [w for w in app.workers if not (waiting and w.group == "shell") and not w.is_finished]


def _logs_state(app: App[None]) -> object:
    """What the logs show, or None while one has not yet scrolled to its last line: a log
    scrolls on the refresh after a write, which a loaded machine can delay past the work."""
    state = []
    for log in app.screen.query(RichLog):
        if not log.size.area:
            continue  # hidden (the narrow layout shows one pane): it renders once shown
        if log.auto_scroll and (log._deferred_renders or log.scroll_y < log.max_scroll_y):
            return None
        state.append((len(log.lines), log.scroll_y, log.max_scroll_y, log.size))
    return (app.screen, tuple(state))


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
    screen = app_screen(pilot.app)
    if screen.narrow and not screen.terminal_only:
        await pilot.press("f9")  # the narrow layout shows the lesson: switch to the terminal
    if not screen.terminal.input.has_focus:
        await pilot.press("f4")
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


async def read_code_block(pilot: Pilot[None], block: CodeBlock) -> list[str]:
    """The lines a code block shows, read from the screen itself after scrolling it into view;
    fails if the block does not fit its pane or shows anything other than its whole lines."""
    block.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    scroll = block.query_ancestor(VerticalScroll)
    region = block.content_region
    assert scroll.scrollable_content_region.contains_region(region), (
        f"code block {block.lines!r} at {region} does not fit its pane "
        f"{scroll.scrollable_content_region}")
    screen = pilot.app.screen._compositor.render_strips()
    rows = [screen[y].crop(region.x, region.right).text for y in range(region.y, region.bottom)]
    shown = unfold(rows)
    assert shown == [line.rstrip() for line in block.lines], (
        f"a code block is clipped: the screen shows {rows!r}")
    return shown


async def type_code_line(pilot: Pilot[None], block: CodeBlock, line: int) -> str:
    """Select line `line` of a command block with the keys a learner uses and press Enter on
    it ("type this for me"); returns what landed on the terminal's prompt."""
    block.focus()
    await pilot.pause()
    typeable = [n for n, text in enumerate(block.lines) if text.strip()]
    await pilot.press(*["up"] * len(typeable), *["down"] * typeable.index(line), "enter")
    await pilot.pause()
    return app_screen(pilot.app).terminal.input.value
