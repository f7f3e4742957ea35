"""Snapshots of every screen at 80×24 and 120×40, each reviewed by eye before it was accepted.

Determinism: the lesson's sandbox is set up and filled by real docker commands (through
`tutor.dockercli.main`) in tmp_path before the app starts, the engine's clock is simulated, the
cursor does not blink and builds are not paced. Regenerate with
`pytest tests/ui/test_snapshots.py --snapshot-update`, then look at every changed SVG.
"""

from __future__ import annotations

import io
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import open_lesson, settle, type_line
from tutor.course.progress import LessonProgress
from tutor.dockercli import main as docker
from tutor.ui.app import TutorApp
from tutor.ui.session import Session

pytestmark = pytest.mark.usefixtures("fixed_host")

CACHE = "03-build-cache"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

SETUP = (
    ["build", "-t", "my-app:1.0", "."],
    ["login", "-u", "learner", "-p", "learn-docker"],
    ["tag", "my-app:1.0", "learner/my-app:1.0"],
    ["push", "learner/my-app:1.0"],
    ["run", "-d", "--name", "web", "my-app:1.0"],
)


def prepared_app(state: Path) -> TutorApp:
    """The app on a state where lesson 3's sandbox has a built, pushed, running image."""
    app = TutorApp(state=state, pace=0.0, cursor_blink=False)
    session: Session = app.session
    lesson = session.lesson(CACHE)
    assert lesson is not None
    sandbox = session.sandbox(lesson)
    assert sandbox.ensure().ok
    # COPY keeps the files' mtimes in the layers, as Docker does; a checkout stamps them with
    # the time it was made, so fix them for IDs and digests to be the same on every machine
    for path in sorted(sandbox.workspace.rglob("*"), reverse=True):
        os.utime(path, (1_700_000_000, 1_700_000_000), follow_symlinks=False)
    for argv in SETUP:
        out, err = io.StringIO(), io.StringIO()
        status = docker(argv, state=sandbox.state, stdout=out, stderr=err, tty=False,
                        cwd=sandbox.workspace)
        assert status == 0, err.getvalue()
    return app


def in_lesson(*keys: str, line: str = "docker build -t my-app:1.0 .") -> Callable[
        [Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_lesson(pilot, CACHE)
        await type_line(pilot, line)
        await pilot.press(*keys)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def at_step(step: int) -> Callable[[Pilot[None]], Awaitable[None]]:
    """The lesson's text at step `step` (0-based), nothing typed: the narrow layout shows the
    lesson pane, its first command selected."""
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, TutorApp)
        app.session.update(app.session.progress.with_lesson(CACHE, LessonProgress(step=step)))
        await open_lesson(pilot, CACHE)
        await settle(pilot)

    return run_before


async def at_home(pilot: Pilot[None]) -> None:
    await pilot.pause()


async def help_page(pilot: Pilot[None]) -> None:
    await pilot.press("f1")
    await pilot.pause()


SCREENS = {
    "home": at_home,
    "lesson": in_lesson(),
    "step-text": at_step(0),
    "folded-command": at_step(3),
    "layers": in_lesson("f5"),
    "timeline": in_lesson("f6"),
    "registry": in_lesson("f7"),
    "editor": in_lesson(line="edit Dockerfile"),
    "help": help_page,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Any) -> None:
    app = prepared_app(tmp_path / "state")
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
