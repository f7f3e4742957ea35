"""Snapshots of the terminal pane, each reviewed by eye before it was accepted: output folded at
the pane's width, a question waiting for its answer, and a shell inside a container.

Regenerate with `pytest tests/ui/test_terminal_snapshots.py --snapshot-update`, then look at
every changed SVG.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.helpers import settle, type_line
from tutor.ui.app import TutorApp

pytestmark = pytest.mark.usefixtures("fixed_host")


def in_sandbox(*lines: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        await settle(pilot)
        for line in lines:
            await type_line(pilot, line)
        pilot.app.clear_notifications()
        await settle(pilot)

    return run_before


SCREENS = {
    "wrapped": in_sandbox("docker pull alpine",
                          "docker image inspect -f '{{.Id}} {{.RepoDigests}}' alpine"),
    "question": in_sandbox("docker pull alpine", "docker image prune -a"),
    "container-shell": in_sandbox("docker run -it --name box alpine sh", "cd /tmp",
                                  "echo hello > note; ls -l note"),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_terminal(screen: str, tmp_path: Path, snap_compare: Any) -> None:
    app = TutorApp(state=tmp_path / "state", pace=0.0, cursor_blink=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=SCREENS[screen])
