"""The key screen of each lesson of the full curriculum (6-10) at the 80×24 design size, reached by
typing every reference solution up to that step, as a learner would.

Determinism as in test_snapshots.py: simulated clock, no build pacing, no cursor blink, and the
workspace's mtimes fixed before anything is built from it (COPY keeps them in the layers).
Regenerate with `--snapshot-update`, then read the text of every changed SVG.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import open_lesson, settle, type_line
from tutor.ui.app import TutorApp

pytestmark = pytest.mark.usefixtures("fixed_host")

KEY_STEPS = {
    "06-what-an-image-is": "one-kernel",
    "07-entrypoint-and-cmd": "override-entrypoint",
    "08-inspect-and-clean-up": "ps",
    "09-save-load-export-import": "fat",
    "10-storage-and-copy-on-write": "copy-up",
}


def walk_to(lesson_id: str, step_id: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, TutorApp)
        screen = await open_lesson(pilot, lesson_id)
        lesson = app.session.lesson(lesson_id)
        assert lesson is not None
        workspace = app.session.sandbox(lesson).workspace
        for path in sorted(workspace.rglob("*"), reverse=True):
            os.utime(path, (1_700_000_000, 1_700_000_000), follow_symlinks=False)
        ids = [step.id for step in lesson.steps]
        for n, step in enumerate(lesson.steps[:ids.index(step_id) + 1]):
            if n:
                await pilot.press("ctrl+n")
                await settle(pilot)
            for line in step.solution:
                await type_line(pilot, line)
            assert screen.frontier == n + 1, step.id
        app.clear_notifications()
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("lesson_id", list(KEY_STEPS))
def test_key_screen(lesson_id: str, tmp_path: Path, snap_compare: Any) -> None:
    app = TutorApp(state=tmp_path / "state", pace=0.0, cursor_blink=False)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=walk_to(lesson_id, KEY_STEPS[lesson_id]))
