"""`docker build` output: BuildKit's plain and tty progress, its error summary and lint warnings.

Rendered from the engine's progress events with the rules of BuildKit's progressui (printer.go
for plain, display.go for the tty view) and buildx's error and warning printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from tutor.dockercli.format import progress_bytes
from tutor.engine.progress import (
    ProgressEvent,
    Vertex,
    VertexCompleted,
    VertexLog,
    VertexStarted,
    VertexStatus,
    log_time,
)

BUILDER_DESC = "docker:default"
PLAIN_HEADER = '#0 building with "default" instance using docker driver\n\n'


def _status_amount(status: VertexStatus) -> str:
    if status.total:
        return f"{progress_bytes(status.current)} / {progress_bytes(status.total)}"
    if status.current:
        return progress_bytes(status.current)
    return ""


@dataclass
class PlainPrinter:
    """`--progress=plain`: one block per vertex, written as events arrive."""

    out: TextIO
    _current: int = 0
    _started: bool = False

    def _switch(self, vertex: Vertex) -> None:
        if vertex.index == self._current:
            return
        if self._current:
            self.out.write(f"#{self._current} ...\n")
        self.out.write("\n" if self._started else PLAIN_HEADER)
        self._started = True
        self.out.write(f"#{vertex.index} {vertex.name}\n")
        self._current = vertex.index

    def feed(self, event: ProgressEvent) -> None:
        if isinstance(event, VertexStarted):
            self._switch(event.vertex)
        elif isinstance(event, VertexLog):
            self._switch(event.vertex)
            self.out.write(f"#{event.vertex.index} {log_time(event.at)} {event.text}\n")
        elif isinstance(event, VertexStatus):
            self._switch(event.vertex)
            amount = _status_amount(event)
            line = f"#{event.vertex.index} {event.id}"
            if amount:
                line += f" {amount}"
            if event.seconds > 0.01:
                line += f" {event.seconds:.1f}s"
            if event.done:
                line += " done"
            self.out.write(line + "\n")
        elif isinstance(event, VertexCompleted):
            self._switch(event.vertex)
            n = event.vertex.index
            if event.error:
                self.out.write(f"#{n} ERROR: {event.error}\n")
            elif event.cached:
                self.out.write(f"#{n} CACHED\n")
            else:
                self.out.write(f"#{n} DONE {event.seconds:.1f}s\n")
            self._current = 0

    def cancel(self) -> None:
        """Ctrl+C: the step that was running is marked, as BuildKit's plain printer does."""
        if self._current:
            self.out.write(f"#{self._current} CANCELED\n")
            self._current = 0

    def close(self) -> None:
        pass


@dataclass
class _Job:
    name: str
    seconds: float = 0.0
    status: str = ""
    done: bool = False
    error: bool = False


@dataclass
class TtyPrinter:
    """`--progress=tty`: BuildKit's in-place view; we draw its final frame when the build ends
    (a front end that animates uses the same jobs)."""

    out: TextIO
    width: int = 80
    color: bool = False
    _jobs: dict[int, list[_Job]] = field(default_factory=dict)
    _order: list[int] = field(default_factory=list)
    _total: float = 0.0

    def _main(self, vertex: Vertex) -> list[_Job]:
        if vertex.index not in self._jobs:
            self._jobs[vertex.index] = [_Job(vertex.name.replace("\t", " "))]
            self._order.append(vertex.index)
        return self._jobs[vertex.index]

    def feed(self, event: ProgressEvent) -> None:
        if isinstance(event, VertexStarted):
            self._main(event.vertex)
        elif isinstance(event, VertexStatus):
            jobs = self._main(event.vertex)
            jobs.append(
                _Job(f"=> {event.id}", event.seconds, _status_amount(event), event.done)
            )
        elif isinstance(event, VertexCompleted):
            job = self._main(event.vertex)[0]
            job.done, job.seconds = True, event.seconds
            if event.error:
                job.error = True
                job.name = "ERROR " + job.name
            elif event.cached:
                job.name = "CACHED " + job.name
            self._total += event.seconds

    def frame(self) -> str:
        width = self.width
        count = len(self._order)
        completed = sum(1 for i in self._order if self._jobs[i][0].done)
        finished = "FINISHED" if completed == count and count else ""
        head = f"[+] Building {self._total:.1f}s ({completed}/{count}) {finished}"
        lines = [_align(head, BUILDER_DESC, width - 1)[:width]]
        for index in self._order:
            for job in self._jobs[index]:
                line = self._job_line(job)
                if line is not None:
                    lines.append(line)
        return "\n".join(lines) + "\n"

    def _job_line(self, job: _Job) -> str | None:
        """One line as display.go lays it out: name cut to fit, the time ending at column
        `width - 1`; None when the terminal is too narrow to show it."""
        width = self.width
        prefix = " => "
        seconds = job.seconds if job.seconds >= 0.05 else 0.0
        timer = f" {seconds:3.1f}s"
        left = width - len(prefix) - (len(timer) + 1) - 1
        show_status = bool(job.status) and left + len(job.status) > 20
        if show_status:
            left -= len(job.status) + 1
        if left < 12:
            return None
        text = prefix + job.name[:left] + (" " + job.status if show_status else "")
        line = _align(text, timer, width - 1)
        if self.color and job.done:
            line = f"\x1b[{'31' if job.error else '34'}m{line}\x1b[0m"
        return line

    def cancel(self) -> None:
        """Ctrl+C: every step still running is drawn as canceled in the last frame."""
        for index in self._order:
            job = self._jobs[index][0]
            if not job.done:
                job.done, job.name = True, "CANCELED " + job.name
        self.close()

    def close(self) -> None:
        self.out.write(self.frame())


def _align(left: str, right: str, width: int) -> str:
    return f"{left:<{width - len(right) - 1}} {right}"


def snippet(dockerfile: str, start: int, end: int, name: str = "Dockerfile") -> str:
    """The source excerpt printed under a build error, `>>>` marking the failing lines
    (BuildKit's errdefs.Source.Print, padding rule included)."""
    lines = dockerfile.split("\n")
    if start < 1 or start > len(lines):
        return ""
    first, last = start, min(max(start, end), len(lines))
    marked = range(start, max(start, end) + 1)
    pad = 4 if last == first else 2
    p = 0
    while p < pad:
        if first > 1:
            first -= 1
            p += 1
        if last != len(lines):
            last += 1
            p += 1
        p += 1
    out = [f"{name}:{start}", "-" * 20]
    for n in range(first, last + 1):
        mark = ">>>" if n in marked else "   "
        out.append(f" {n:3d} | {mark} {lines[n - 1]}")
    out.append("-" * 20)
    return "\n".join(out) + "\n"


def failure_block(step_name: str, logs: list[str]) -> str:
    """The `------ > [2/2] RUN exit 3: … ------` block listing a failed step's last log lines."""
    return "\n".join([f"------\n > {step_name}:", *logs[-10:], "------"]) + "\n"


def warnings_block(warnings: list[tuple[str, str, int]]) -> str:
    """Lint warnings after a build: ` 1 warning found (use docker --debug to expand):`."""
    if not warnings:
        return ""
    count = len(warnings)
    noun = "warning" if count == 1 else "warnings"
    lines = ["", f" {count} {noun} found (use docker --debug to expand):"]
    lines += [f" - {rule}: {message} (line {line})" for rule, message, line in warnings]
    return "\n".join(lines) + "\n"
