"""Pipelines whose members run side by side, joined by pipes of a kernel's capacity.

A real pipeline's members run at once: a writer blocks when the pipe holds 64 KiB nobody has read,
and dies of SIGPIPE when it writes after its reader has exited, which is how `seq 1 1000000000 |
head -1` ends at once. Each member here runs in a thread of its own, but only one thread runs at a
time and the scheduler always resumes the leftmost member that can go on, so a pipeline behaves
the same on every run (a writer whose output fits the pipe still finishes before its reader
starts, as the simulation always had it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tutor.engine.sh._io import Input, Memory

PIPE_CAPACITY = 64 * 1024
"""Linux's default pipe size: what a writer may get ahead of its reader."""

SIGPIPE_STATUS = 128 + 13


class BrokenPipe(BaseException):
    """A write to a pipe whose reader has gone: SIGPIPE ends the writing process.

    A BaseException so that no program's own error handling swallows the signal."""


class _Killed(BaseException):
    """A member woken only to end, because the pipeline is being torn down."""


_current = threading.local()


def _own_semaphore() -> threading.Semaphore:
    """The semaphore that resumes the calling thread."""
    sem: threading.Semaphore | None = getattr(_current, "sem", None)
    if sem is None:
        sem = threading.Semaphore(0)
        _current.sem = sem
    return sem


@dataclass
class _Member:
    wake: threading.Semaphore
    """Resumes whichever thread of this member is waiting (a nested pipeline's member may be)."""
    ready: Callable[[], bool] | None = None
    """None while runnable; else what must hold before it can go on."""
    done: bool = False
    status: int = 0
    error: BaseException | None = None


@dataclass
class Pipe:
    """One pipe: its writer's sink, its reader's standard input, and the bytes in between."""

    scheduler: Scheduler
    writer: int
    reader: int
    memory: Memory
    buffer: bytearray = field(default_factory=bytearray)
    write_closed: bool = False
    read_closed: bool = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.read_closed:
                raise BrokenPipe
            room = PIPE_CAPACITY - len(self.buffer)
            if room <= 0:
                self.scheduler.wait(
                    self.writer, lambda: self.read_closed or len(self.buffer) < PIPE_CAPACITY)
                continue
            self.buffer += view[:room]
            view = view[room:]

    def take(self, most: int | None = None, until_newline: bool = False) -> bytes | None:
        """Bytes from the pipe once there are any (None at end of input)."""
        self.scheduler.wait(self.reader, lambda: bool(self.buffer) or self.write_closed)
        if not self.buffer:
            return None
        end = len(self.buffer) if most is None else min(most, len(self.buffer))
        if until_newline:
            newline = self.buffer.find(b"\n", 0, end)
            end = end if newline < 0 else newline + 1
        chunk = bytes(self.buffer[:end])
        del self.buffer[:end]
        return chunk


class PipeInput(Input):
    """The reading end of a pipe as a member's standard input."""

    def __init__(self, pipe: Pipe) -> None:
        super().__init__()
        self.pipe = pipe

    @property
    def lazy(self) -> bool:
        return True

    def rest(self) -> bytes:
        """Everything until the writer closes the pipe: held in the reader's memory."""
        out = bytearray()
        while (chunk := self.pipe.take()) is not None:
            self.pipe.memory.need(len(out) + len(chunk))
            out += chunk
        return bytes(out)

    def readline(self) -> bytes | None:
        parts: list[bytes] = []
        while (chunk := self.pipe.take(until_newline=True)) is not None:
            parts.append(chunk)
            if chunk.endswith(b"\n"):
                break
            self.pipe.memory.need(sum(map(len, parts)))
        return b"".join(parts) if parts else None

    def read_some(self, most: int) -> bytes | None:
        return self.pipe.take(most)


class Scheduler:
    """Runs the members of one pipeline, one thread at a time."""

    def __init__(self, count: int) -> None:
        self.members = [_Member(threading.Semaphore(0)) for _ in range(count)]
        self.driver = threading.Semaphore(0)
        self.aborting = False
        self.pipes: list[Pipe] = []

    def connect(self, memory: Memory) -> list[Pipe]:
        self.pipes = [Pipe(self, i, i + 1, memory) for i in range(len(self.members) - 1)]
        return self.pipes

    def wait(self, index: int, ready: Callable[[], bool]) -> None:
        """Block member `index` until `ready()` holds, letting the others run meanwhile."""
        if self.aborting:
            raise _Killed
        if ready():
            return
        member = self.members[index]
        own = _own_semaphore()
        member.ready, member.wake = ready, own
        self.driver.release()
        own.acquire()
        if self.aborting:
            raise _Killed

    def run(self, bodies: Sequence[Callable[[], int]]) -> list[int]:
        """Each member's exit status; an error that ends the whole run (the step budget, the
        memory limit) is raised again here once every member has stopped."""
        threads = [
            threading.Thread(target=self._member, args=(i, body), daemon=True)
            for i, body in enumerate(bodies)
        ]
        for thread in threads:
            thread.start()
        failure: BaseException | None = None
        while True:
            member = next(
                (m for m in self.members if not m.done and (m.ready is None or m.ready())),
                None,
            )
            if member is None:
                break
            member.ready = None
            member.wake.release()
            self.driver.acquire()
            if member.error is not None and failure is None:
                failure = member.error
                self._abort()
                break
        for thread in threads:
            thread.join()
        if failure is not None:
            raise failure
        return [m.status for m in self.members]

    def _abort(self) -> None:
        self.aborting = True
        for member in self.members:
            if not member.done:
                member.wake.release()
                self.driver.acquire()

    def _member(self, index: int, body: Callable[[], int]) -> None:
        member = self.members[index]
        _current.sem = member.wake
        member.wake.acquire()
        try:
            if self.aborting:
                raise _Killed
            member.status = body()
        except BrokenPipe:
            member.status = SIGPIPE_STATUS
        except _Killed as killed:
            if not self.aborting:  # an enclosing pipeline is being torn down: pass it on
                member.error = killed
            member.status = 128 + 9
        except BaseException as error:  # noqa: BLE001  (handed to the pipeline's caller)
            member.error = error
        finally:
            member.done = True
            # A process that exits closes its ends of the pipes.
            if index < len(self.pipes):
                self.pipes[index].write_closed = True
            if index > 0:
                self.pipes[index - 1].read_closed = True
            self.driver.release()
