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

What the learner types while a command runs reaches it through a `Keyboard`: the answer to a
`[y/N]` question, the lines of a shell inside a container, Ctrl+D (end of input) and Ctrl+C,
which interrupts the command where it next reads input or writes progress.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, cast

from tutor.course.hostshell import CurlHook, HostShell, NamesHook, Pane
from tutor.ui.build_log import is_build

_DONE = re.compile(r"#\d+ DONE (\d+(?:\.\d+)?)s")
MAX_STEP_PAUSE = 0.6
"""Real seconds at most for one step, so a 40-second simulated `npm install` stays watchable."""
BATCH_SECONDS = 0.04
"""Progress lines written within this long of each other reach the screen as one message."""


class Abandoned(BaseException):
    """The UI has gone away while a command waited for input: the command ends at once (a
    BaseException, so that nothing on the way treats it as Ctrl+C or as a failure to report)."""


class Keyboard:
    """Lines typed for the running command, handed from the UI thread to the shell's worker.
    `abandoned`, asked from the worker while it waits, says the UI has gone away (the app quits
    while a command waits for input); the command then ends with `Abandoned`."""

    def __init__(self, abandoned: Callable[[], bool] = lambda: False) -> None:
        self.abandoned = abandoned
        self._ready = threading.Condition()
        self._lines: deque[str] = deque()
        self._ended = False
        self._interrupted = False

    def type_line(self, line: str) -> None:
        with self._ready:
            self._lines.append(line + "\n")
            self._ready.notify_all()

    def end_input(self) -> None:
        """Ctrl+D: the reader gets "" (end of file) once."""
        with self._ready:
            self._ended = True
            self._ready.notify_all()

    def interrupt(self) -> None:
        """Ctrl+C: the command gets KeyboardInterrupt where it next reads or writes progress."""
        with self._ready:
            self._interrupted = True
            self._ready.notify_all()

    def abandon(self) -> None:
        """The pane is going away: a command waiting for input ends now, with `Abandoned`."""
        with self._ready:
            self.abandoned = lambda: True
            self._ready.notify_all()

    def reset(self) -> None:
        """A new command starts: nothing typed for the last one carries over."""
        with self._ready:
            self._lines.clear()
            self._ended = self._interrupted = False

    def pause(self, seconds: float) -> None:
        """Sleep, cut short by Ctrl+C (which then raises KeyboardInterrupt)."""
        with self._ready:
            self._ready.wait_for(lambda: self._interrupted, timeout=seconds)
            self.check_interrupt()

    def check_interrupt(self) -> None:
        with self._ready:
            if self._interrupted:
                self._interrupted = False
                raise KeyboardInterrupt

    def read_line(self) -> str:
        """The next line typed (with its newline); "" at Ctrl+D. Blocks until one of them."""
        with self._ready:
            while not self._ready.wait_for(
                    lambda: self._lines or self._ended or self._interrupted, timeout=0.2):
                if self.abandoned():
                    raise Abandoned
            if self.abandoned():
                raise Abandoned
            self.check_interrupt()
            if self._lines:
                return self._lines.popleft()
            self._ended = False
            return ""


class ProgressStream(io.TextIOBase):
    """A write-only text stream that forwards whole lines in batches, pausing after each step."""

    def __init__(self, sink: Callable[[str], None], pace: float,
                 clock: Callable[[], float] = time.monotonic,
                 keyboard: Keyboard | None = None) -> None:
        self.sink = sink
        self.pace = pace
        self.keyboard = keyboard
        self.clock = clock
        self.partial = ""
        self.lines: list[str] = []
        self.since = clock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.keyboard is not None:
            self.keyboard.check_interrupt()
        self.partial += text
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            if self.pace and (m := _DONE.match(line)):
                # The step runs (is shown running) for its time, then says DONE; Ctrl+C meanwhile
                # cancels it before it is done.
                self._send()
                pause = min(float(m.group(1)) * self.pace, MAX_STEP_PAUSE)
                if self.keyboard is not None:
                    self.keyboard.pause(pause)
                else:
                    time.sleep(pause)
            self.lines.append(line + "\n")
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
    pane: Pane | None = None,
    keyboard: Keyboard | None = None,
) -> HostShell:
    """A host shell whose builds send their progress to `on_progress(text)` as they run; `pace`
    is the real seconds a simulated second of build time lasts (0: no pauses); Ctrl+C on
    `keyboard` stops a build."""

    def stderr_for(args: list[str]) -> TextIO | None:
        if not is_build(args):
            return None
        return cast(TextIO, ProgressStream(on_progress, pace, keyboard=keyboard))

    return HostShell(workspace, state, curl=curl, names=names, tty=False, docker_stderr=stderr_for,
                     pane=pane)
