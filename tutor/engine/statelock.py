"""One writer at a time on a state directory, across processes.

The tutorial's terminal, a learner's own shell and the web view may all open the same sandbox.
Every piece of state an engine keeps in memory (clock, counters, tags, the build cache) is read
when it opens and written back while it works or when it closes, so two engines open at once
would each write back what they read and one's changes would be lost. An engine therefore holds
an exclusive `flock` on `<state>/.lock` from `Engine.open` to `Engine.close`: the whole docker
command is one transaction. Commands are short (no simulated program waits on real time or
on the terminal), so this costs a waiting command at most the length of the one before it.

Inside one process the lock is counted, not re-taken: an engine opened while another one is
open on the same directory (a check reading state during a command) shares it instead of
deadlocking against its own process. Threads of one process are not kept apart by it; the UI
serialises its own threads around the engine.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - no flock (Windows): one process at a time, unchecked
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


@dataclass
class _Held:
    mutex: threading.Lock = field(default_factory=threading.Lock)
    fd: int = -1
    depth: int = 0
    unclean: bool = False


_registry: dict[str, _Held] = {}
_registry_guard = threading.Lock()


def _entry(state: Path) -> _Held:
    key = os.path.realpath(state)
    with _registry_guard:
        return _registry.setdefault(key, _Held())


class StateLock:
    """The hold one open engine has on its state directory; `release` is idempotent."""

    def __init__(self, state: Path) -> None:
        self._entry = _entry(state)
        self._held = False
        entry = self._entry
        with entry.mutex:
            if entry.depth == 0:
                entry.fd, entry.unclean = _take(state)
            entry.depth += 1
        self._held = True
        self.unclean = entry.unclean
        """Whether a process was killed while it held the lock since it was last let go."""

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        entry = self._entry
        with entry.mutex:
            entry.depth -= 1
            if entry.depth == 0 and entry.fd >= 0:
                fd, entry.fd = entry.fd, -1
                try:
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, 0)
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)


def _take(state: Path) -> tuple[int, bool]:
    """Open and lock `<state>/.lock`: (its descriptor, whether its last holder was killed).
    A state directory this user may only read is locked through a read-only descriptor, or
    not at all when it has no lock file (nothing can be written there anyway)."""
    path = state / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return -1, False
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        # The holder writes its pid in the file and empties it when it lets go: a pid found
        # here means the last holder was killed while it held the lock, and may have left
        # temporary files behind.
        unclean = bool(os.pread(fd, 32, 0))
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd, unclean
