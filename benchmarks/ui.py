"""UI timings: `tutor` start to the first screen, and keystroke-to-screen latency in the terminal
pane while a build runs (aims: under 1 s, under 50 ms).

Run standalone: `python benchmarks/ui.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str, float, str], None]


async def _measure(report: Report, state: Path) -> None:
    started = time.perf_counter()
    from tutor.ui.app import TutorApp
    from tutor.ui.messages import OpenLesson
    from tutor.ui.screens.lesson import LessonScreen

    app = TutorApp(state=state, pace=0.08, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        report("ui.start_to_first_screen", time.perf_counter() - started, "s")
        app.post_message(OpenLesson("03-build-cache"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.terminal.run_line("docker build -t bench:1 .")
        await pilot.pause()
        latencies = []
        for key in "docker images" * 2:
            if not screen.terminal.busy:
                break
            before = time.perf_counter()
            await pilot.press(key if key != " " else "space")
            latencies.append(time.perf_counter() - before)
        await app.workers.wait_for_complete()
        if latencies:
            report("ui.keystroke_latency_during_build.median", statistics.median(latencies) * 1e3,
                   "ms")
            report("ui.keystroke_latency_during_build.max", max(latencies) * 1e3, "ms")


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_measure(report, Path(tmp)))


if __name__ == "__main__":
    run(lambda name, value, unit: print(f"{name}: {value:.3f} {unit}"))
