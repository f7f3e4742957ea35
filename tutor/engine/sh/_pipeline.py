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
    started: bool = False
    thread: threading.Thread | None = None
    """Its own thread, if it got one (it runs on the pipeline's caller otherwise)."""
    done: bool = False
    status: int = 0


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
    """Runs the members of one pipeline, one thread at a time.

    Members run on the calling thread, in order, for as long as none has to wait: a pipeline
    whose writers' output fits their pipes costs no thread at all. A member that must wait (its
    pipe is full) hands over to the leftmost member that can go on, which gets a thread of its
    own if it has not started and the calling thread is busy.
    """

    def __init__(self, count: int) -> None:
        self.members = [_Member(threading.Semaphore(0)) for _ in range(count)]
        self.bodies: Sequence[Callable[[], int]] = ()
        self.owner = _own_semaphore()
        self.owner_free = False
        """The calling thread waits in `run` for the baton (it runs no member meanwhile)."""
        self.aborting = False
        self.failure: BaseException | None = None
        self.pipes: list[Pipe] = []

    def connect(self, memory: Memory) -> list[Pipe]:
        self.pipes = [Pipe(self, i, i + 1, memory) for i in range(len(self.members) - 1)]
        return self.pipes

    def _next(self) -> _Member | None:
        """The leftmost member that can go on."""
        return next(
            (m for m in self.members
             if not m.done and (not m.started or m.ready is None or m.ready())),
            None,
        )

    def _hand_over(self) -> None:
        """Give the baton to whoever should run next (called by a member that waits or ends)."""
        if self.failure is not None:
            # The owner ends the pipeline, whether it waits in `run` or in an inline member.
            self.owner.release()
            return
        member = self._next()
        if member is None or (not member.started and self.owner_free):
            if self.owner_free:
                self.owner.release()
            return
        if member.started:
            member.ready = None
            member.wake.release()
            return
        member.started = True
        index = self.members.index(member)
        thread = threading.Thread(target=self._in_thread, args=(index,), daemon=True)
        member.thread = thread
        thread.start()

    def wait(self, index: int, ready: Callable[[], bool]) -> None:
        """Block member `index` until `ready()` holds, letting the others run meanwhile."""
        if self.aborting or self.failure is not None:
            raise _Killed
        if ready():
            return
        member = self.members[index]
        own = _own_semaphore()
        member.ready, member.wake = ready, own
        self._hand_over()
        own.acquire()
        if self.aborting or self.failure is not None:
            raise _Killed

    def run(self, bodies: Sequence[Callable[[], int]]) -> list[int]:
        """Each member's exit status; an error that ends the whole run (the step budget, the
        memory limit) is raised again here once every member has stopped."""
        self.bodies = bodies
        while self.failure is None:
            member = self._next()
            if member is None:
                break
            if not member.started:
                member.started = True
                self._execute(self.members.index(member))
                continue
            member.ready = None
            self.owner_free = True
            member.wake.release()
            self.owner.acquire()
            self.owner_free = False
        if self.failure is not None:
            self._abort()
            raise self.failure
        self._join()
        return [m.status for m in self.members]

    def _abort(self) -> None:
        """Wake every member still waiting so that it ends, one at a time, as ever."""
        self.aborting = True
        for member in self.members:
            if member.started and not member.done and member.thread is not None:
                member.wake.release()
                member.thread.join()
        self._join()

    def _join(self) -> None:
        """Wait for the threads of members that have ended to finish handing over."""
        for member in self.members:
            if member.thread is not None:
                member.thread.join()

    def _execute(self, index: int) -> None:
        member = self.members[index]
        try:
            if self.aborting:
                raise _Killed
            member.status = self.bodies[index]()
        except BrokenPipe:
            member.status = SIGPIPE_STATUS
        except _Killed as killed:
            if not self.aborting and self.failure is None:
                self.failure = killed  # an enclosing pipeline is being torn down: pass it on
            member.status = 128 + 9
        except BaseException as error:  # noqa: BLE001  (handed to the pipeline's caller)
            if self.failure is None:
                self.failure = error
        finally:
            member.done = True
            # A process that exits closes its ends of the pipes.
            if index < len(self.pipes):
                self.pipes[index].write_closed = True
            if index > 0:
                self.pipes[index - 1].read_closed = True

    def _in_thread(self, index: int) -> None:
        member = self.members[index]
        _current.sem = member.wake
        self._execute(index)
        if not self.aborting:
            self._hand_over()
