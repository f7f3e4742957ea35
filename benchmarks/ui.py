"""UI timings: `tutor` start to the first screen, and keystroke-to-screen latency in the terminal
pane while a build runs (aims: under 1 s, under 50 ms).

Both are measured to the moment a frame is composed (`App._display`, which the headless driver
calls as a real terminal's would, only without writing the bytes out):
- start: from launching a fresh interpreter (imports included) to the home screen's first frame;
- keystroke: from the key reaching the app to the first frame showing it at the prompt. Pilot's
  `press` is not used for this: it waits until the whole *process* is idle, which never happens
  while the build thread works, so it measures the build, not the screen.

Run standalone: `python benchmarks/ui.py`.

Where the keystroke's time went (profiled with cProfile on the UI thread, layouts counted by the
widget that asked for one): Textual lays out the whole screen when a widget's `virtual_size`
changes, and the prompt (an Input) sets it to the typed text's width on every key, so each key
costs a layout of the lesson screen (Markdown, views, footer) — with the build thread holding the
GIL between its writes, that is the 120-200 ms worst case on a loaded 2-core machine. A build's
progress asks for more layouts: the scrollback's growing virtual size, the timeline view's
`Static.update` (even while its tab is hidden) and the footer's keys resizing after each.
Tried: giving the prompt a `virtual_size` reactive without layout cut the median from ~35 ms to
~12 ms, but Pilot then never saw the app idle while a command waited for input; not landed.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str, float, str], None]

_FIRST_SCREEN = """
import asyncio, sys
from pathlib import Path
from tutor.ui.app import TutorApp

async def main() -> None:
    app = TutorApp(state=Path(sys.argv[1]), cursor_blink=False)
    shown = asyncio.Event()
    display = app._display
    def spy(screen, update):
        display(screen, update)
        if type(screen).__name__ == "HomeScreen" and update is not None:
            shown.set()
    app._display = spy
    async with app.run_test(size=(120, 40)):
        await shown.wait()
        print("shown", flush=True)

asyncio.run(main())
"""


def start_to_first_screen(state: Path) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _FIRST_SCREEN, str(state)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait()
    assert line.strip() == "shown", line
    return elapsed


async def keystroke_latencies(state: Path) -> list[float]:
    from textual import events

    from tutor.ui.app import TutorApp
    from tutor.ui.messages import OpenLesson
    from tutor.ui.screens.lesson import LessonScreen

    app = TutorApp(state=state, pace=0.08, cursor_blink=False)
    frames: list[float] = []
    display = app._display

    def spy(screen: object, update: object) -> None:
        display(screen, update)  # type: ignore[arg-type]
        if update is not None:
            frames.append(time.perf_counter())

    app._display = spy  # type: ignore[method-assign, assignment]
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(OpenLesson("03-build-cache"))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        prompt = screen.terminal.input
        screen.terminal.run_line("docker build --no-cache -t bench:1 .")
        await asyncio.sleep(0.05)
        for char in "docker images " * 8:
            if not screen.terminal.busy:
                break
            expected = prompt.value + char
            before = time.perf_counter()
            key = events.Key("space" if char == " " else char, char)
            assert app._driver is not None
            app._driver.send_message(key)
            while prompt.value != expected:
                await asyncio.sleep(0.0005)
            while not frames or frames[-1] < before:
                await asyncio.sleep(0.0005)
            latencies.append(frames[-1] - before)
            await asyncio.sleep(0.03)
        await app.workers.wait_for_complete()
    return latencies


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report("ui.start_to_first_screen", start_to_first_screen(Path(tmp) / "a"), "s")
        latencies = asyncio.run(keystroke_latencies(Path(tmp) / "b"))
    if latencies:
        report("ui.keystroke_latency_during_build.median", statistics.median(latencies) * 1e3, "ms")
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        report("ui.keystroke_latency_during_build.p99", p99 * 1e3, "ms")
        report("ui.keystroke_latency_during_build.max", max(latencies) * 1e3, "ms")
        report("ui.keystroke_latency_during_build.keys", len(latencies), "")


if __name__ == "__main__":
    run(lambda name, value, unit: print(f"{name}: {value:.3f} {unit}"))
