"""The terminal pane as a terminal: questions that wait for their answer, Ctrl+C and Ctrl+D,
a shell inside a container, and lines wrapped at the pane's width without losing a character."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from tests.ui.helpers import app_screen, settle, type_line
from tests.ui.test_lesson_screen import scrollback
from tutor.ui import shell as ui_shell
from tutor.ui.app import TutorApp
from tutor.ui.widgets.terminal import Terminal


async def open_sandbox(pilot: Pilot[None]) -> Terminal:
    await pilot.press("s")
    await settle(pilot)
    return app_screen(pilot.app).terminal


def flat(app: TutorApp) -> str:
    """The scrollback as one string."""
    return "".join(scrollback(app).split("\n"))


def prompt_label(terminal: Terminal) -> str:
    return str(terminal.query_one("#prompt-label", Label).render())


async def test_a_question_waits_for_its_answer(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = await open_sandbox(pilot)
        await type_line(pilot, "docker pull alpine")
        await type_line(pilot, "docker image prune -a")
        assert terminal.busy
        assert terminal.waiting == "Are you sure you want to continue? [y/N] "
        assert prompt_label(terminal) == terminal.waiting
        assert "WARNING! This will remove all images without at least one container" in flat(app)
        await type_line(pilot, "N")
        assert not terminal.busy and terminal.waiting is None
        assert "Are you sure you want to continue? [y/N] N" in flat(app)
        await type_line(pilot, "docker image prune -a")
        await type_line(pilot, "y")
        assert not terminal.busy
        text = flat(app)
        assert "Are you sure you want to continue? [y/N] y" in text
        assert "Deleted Images:" in text and "Total reclaimed space:" in text
        await type_line(pilot, "docker images -q")
        assert terminal.shell.history[-1].status == 0
        assert prompt_label(terminal) == terminal.prompt_text
        assert scrollback(app).rstrip().endswith("docker images -q")


async def test_a_shell_inside_a_container(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = await open_sandbox(pilot)
        await type_line(pilot, "docker run -it --name box alpine sh")
        assert terminal.waiting == "/ # "
        await type_line(pilot, "cd /tmp")
        assert terminal.waiting == "/tmp # "
        await type_line(pilot, "echo made-inside > note; cat note")
        assert "/tmp # echo made-inside > note; cat note\nmade-inside" in scrollback(app)
        await type_line(pilot, "exit")
        assert not terminal.busy and terminal.waiting is None
        await type_line(pilot, "docker ps -a --format '{{.Names}} {{.Status}}'")
        assert re.search(r"^box Exited \(0\)", scrollback(app), re.M)
        await type_line(pilot, "docker diff box")
        assert "A /tmp/note" in scrollback(app)


async def test_ctrl_d_leaves_the_shell_and_ctrl_c_abandons_a_line(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = await open_sandbox(pilot)
        await type_line(pilot, "docker run -d --name web -i alpine sh")
        await type_line(pilot, "docker exec -it web sh")
        assert terminal.waiting == "/ # "
        terminal.input.insert_text_at_cursor("never run")
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert "/ # never run^C" in scrollback(app)
        assert terminal.waiting == "/ # "
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert not terminal.busy
        await type_line(pilot, "docker ps --format '{{.Names}} {{.State}}'")
        assert "web running" in scrollback(app)  # exec's shell ended, the container did not


async def test_ctrl_c_cancels_a_streaming_build(
    make_app: Callable[[], TutorApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each step's pause lasts until Ctrl+C cuts it short, so the key lands mid-build.
    monkeypatch.setattr(ui_shell, "MAX_STEP_PAUSE", 3600.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = await open_sandbox(pilot)
        (terminal.shell.root / "Dockerfile").write_text(
            "FROM alpine\nRUN echo one > /one\nRUN echo two > /two\n")
        terminal.shell.docker_stderr = _paced(terminal)
        await type_line(pilot, "docker pull alpine")
        terminal.input.insert_text_at_cursor("docker build -t app .")
        await pilot.press("enter")
        for _ in range(1000):
            await pilot.pause()
            if "DONE" in scrollback(app):
                break
        assert terminal.busy
        await pilot.press("ctrl+c")
        await settle(pilot)
        text = scrollback(app)
        assert "^C" in text
        canceled = re.search(r"^#(\d+) CANCELED$", text, re.M)
        assert canceled is not None and f"#{canceled.group(1)} DONE" not in text
        assert flat(app).endswith(
            "ERROR: failed to build: failed to solve: Canceled: context canceled")
        assert terminal.shell.history[-1].status == 1
        assert not terminal.busy and "Quit" not in text


def _paced(terminal: Terminal):  # type: ignore[no-untyped-def]
    """The terminal's build streams, every step that takes time paused until Ctrl+C."""
    def stderr_for(args: list[str]):  # type: ignore[no-untyped-def]
        stream = ui_shell.ProgressStream(terminal._progress, 1e6, keyboard=terminal.keyboard)
        return stream if ui_shell.is_build(args) else None

    return stderr_for


async def test_long_lines_wrap_at_the_pane_width_and_reflow(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        terminal = await open_sandbox(pilot)
        await type_line(pilot, "docker pull alpine")
        await type_line(pilot, "docker image inspect -f '{{.Id}}{{.Id}}' alpine")
        digest = re.search(r"sha256:[0-9a-f]{64}sha256:[0-9a-f]{64}", scrollback(app))
        assert digest is not None
        log = terminal.log_widget
        shown = "".join(strip.text for strip in log.lines)
        assert digest.group(0) in shown  # folded on screen, every character kept
        width = log.scrollable_content_region.width
        assert terminal.columns == width
        assert all(strip.cell_length <= width for strip in log.lines)
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        wider = log.scrollable_content_region.width
        assert wider > width and terminal.columns == wider
        assert digest.group(0) in "".join(strip.text for strip in log.lines)
