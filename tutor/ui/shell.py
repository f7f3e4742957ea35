"""The terminal pane's shell: the course's `HostShell`, with docker's progress streamed as it is
written instead of handed back when the command ends.

`HostShell` collects a docker command's output in memory, which is right for tests and checks but
would leave the pane silent for the length of a build. This subclass hands every chunk docker writes
to stderr (BuildKit progress, errors) to `on_progress` as it is written, and paces a build by its
simulated step durations so the learner sees the steps go by. It runs in a worker thread;
`on_progress` must be thread-safe (the terminal widget passes `post_message`).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

from tutor.course.hostshell import CurlHook, HostShell, NamesHook, _Run
from tutor.ui.build_log import is_build

_DONE = re.compile(r"#\d+ DONE (\d+(?:\.\d+)?)s")
MAX_STEP_PAUSE = 0.6
"""Real seconds at most for one step, so a 40-second simulated `npm install` stays watchable."""


class _Stream(io.TextIOBase):
    """A write-only text stream that forwards whole lines, pausing after each finished step."""

    def __init__(self, sink: Callable[[str], None], pace: float) -> None:
        self.sink = sink
        self.pace = pace
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.sink(line + "\n")
            if self.pace and (m := _DONE.match(line)):
                time.sleep(min(float(m.group(1)) * self.pace, MAX_STEP_PAUSE))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.sink(self.pending)
            self.pending = ""


class StreamingShell(HostShell):
    def __init__(
        self,
        workspace: Path,
        state: Path,
        *,
        on_progress: Callable[[str, bool], None],
        pace: float = 0.0,
        curl: CurlHook | None = None,
        names: NamesHook | None = None,
    ) -> None:
        """`on_progress(text, is_build)` receives docker's stderr as it is written; `pace` is the
        real seconds a simulated second of build time lasts (0: no pauses)."""
        super().__init__(workspace, state, curl=curl, names=names, tty=False)
        self.on_progress = on_progress
        self.pace = pace

    def _docker(self, args: list[str]) -> _Run:
        from tutor.dockercli import main as docker

        building = is_build(args)
        out = io.StringIO()
        err = _Stream(lambda text: self.on_progress(text, building), self.pace if building else 0)
        try:
            status = docker(args, state=self.state, stdout=out, stderr=err, tty=False,
                            cwd=self.real_cwd)
        except Exception as exc:  # noqa: BLE001  (the terminal must survive an engine bug)
            err.write(f"tutor: the simulated engine failed: {type(exc).__name__}: {exc}\n")
            status = 1
        err.flush()
        return _Run(out.getvalue(), "", status)
