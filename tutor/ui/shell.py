"""The terminal pane's shell: the course's `HostShell`, with a build's progress streamed as docker
writes it instead of handed back when the command ends.

`HostShell` collects a command's output in memory, which is right for tests and checks but would
leave the pane silent for the length of a build. Through its `docker_stderr` hook, a build's stderr
(BuildKit's progress) goes to a `ProgressStream` that hands it on in batches and paces the build by
its simulated step durations, so the learner sees the steps go by. It runs in a worker thread;
`sink` must be thread-safe (the terminal widget posts a message).

Batching is what keeps the screen responsive: one message per line would queue hundreds of
redraws behind a keystroke during an `npm install`; one per `BATCH_SECONDS` of output keeps the
queue short whatever the build prints.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, cast

from tutor.course.hostshell import CurlHook, HostShell, NamesHook
from tutor.ui.build_log import is_build

_DONE = re.compile(r"#\d+ DONE (\d+(?:\.\d+)?)s")
MAX_STEP_PAUSE = 0.6
"""Real seconds at most for one step, so a 40-second simulated `npm install` stays watchable."""
BATCH_SECONDS = 0.04
"""Progress lines written within this long of each other reach the screen as one message."""


class ProgressStream(io.TextIOBase):
    """A write-only text stream that forwards whole lines in batches, pausing after each step."""

    def __init__(self, sink: Callable[[str], None], pace: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.pace = pace
        self.clock = clock
        self.partial = ""
        self.lines: list[str] = []
        self.since = clock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.partial += text
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            self.lines.append(line + "\n")
            if self.pace and (m := _DONE.match(line)):
                self._send()
                time.sleep(min(float(m.group(1)) * self.pace, MAX_STEP_PAUSE))
        if self.lines and self.clock() - self.since >= BATCH_SECONDS:
            self._send()
        # The engine is pure Python: give the UI thread the interpreter between writes.
        time.sleep(0)
        return len(text)

    def _send(self) -> None:
        if self.lines:
            self.sink("".join(self.lines))
            self.lines.clear()
        self.since = self.clock()

    def flush(self) -> None:
        if self.partial:
            self.lines.append(self.partial)
            self.partial = ""
        self._send()


def streaming_shell(
    workspace: Path,
    state: Path,
    *,
    on_progress: Callable[[str], None],
    pace: float = 0.0,
    curl: CurlHook | None = None,
    names: NamesHook | None = None,
) -> HostShell:
    """A host shell whose builds send their progress to `on_progress(text)` as they run; `pace`
    is the real seconds a simulated second of build time lasts (0: no pauses)."""

    def stderr_for(args: list[str]) -> TextIO | None:
        return cast(TextIO, ProgressStream(on_progress, pace)) if is_build(args) else None

    return HostShell(workspace, state, curl=curl, names=names, tty=False, docker_stderr=stderr_for)
