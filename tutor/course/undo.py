"""Undo: the sandbox keeps a copy of its engine state from before each command that changed it,
so one key steps back to the images, containers and build cache as they were.

Copies live beside the engine state (`sandboxes/<lesson-id>/undo/<n>/`, next to `engine/`), at
most `UNDO_DEPTH` of them, the oldest dropped first; a reset wipes them with the sandbox. Only the
engine state steps back: the workspace's files stay as they are (the learner's edits are theirs).
An engine state is small (records and metadata: a few hundred kB in the lessons), so a copy per
command is cheap. A restore swaps whole directories by renaming, so an interrupted undo leaves
either the old state or the restored one, never a mix.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from tutor.engine.statelock import LOCK_FILE, StateLock

UNDO_DEPTH = 10
"""How many commands back one can step."""

_LINE = "line.txt"
"""The command line a snapshot was taken before."""


def _fingerprint(state: Path) -> str:
    """What changes when a command changes the state: every file's path and content (by
    content: the engine writes some files back unchanged after a command that only reads)."""
    digest = hashlib.sha256()
    if state.is_dir():
        for path in sorted(state.rglob("*")):
            if path.is_file() and not path.is_symlink() and path.name != LOCK_FILE:
                digest.update(f"{path.relative_to(state)}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Pending:
    """A snapshot taken before a command, kept only if the command changed the state."""

    folder: Path
    fingerprint: str


@dataclass(frozen=True, slots=True)
class UndoStack:
    state: Path
    """The engine state directory (`sandboxes/<lesson-id>/engine`)."""

    @property
    def root(self) -> Path:
        return self.state.parent / "undo"

    @property
    def _discarded(self) -> Path:
        return self.state.parent / ".engine.undone"

    def recover(self) -> None:
        """Finish an undo that was interrupted between its two renames."""
        if not self.state.exists() and self._discarded.is_dir():
            os.replace(self._discarded, self.state)

    def _snapshots(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir() if p.name.isdigit() and (p / _LINE).is_file()]
        return sorted(found, key=lambda p: int(p.name))

    def before(self, line: str) -> Pending | None:
        """Copy the state before `line` runs (None when there is no state yet)."""
        self.recover()
        if not self.state.is_dir():
            return None
        taken = self._snapshots()
        number = int(taken[-1].name) + 1 if taken else 1
        folder = self.root / str(number)
        partial = self.root / f".{number}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(self.state, partial / "engine", symlinks=True,
                        ignore=shutil.ignore_patterns(LOCK_FILE))
        (partial / _LINE).write_text(line, encoding="utf-8")
        os.replace(partial, folder)  # whole or not at all
        return Pending(folder, _fingerprint(self.state))

    def after(self, pending: Pending | None) -> None:
        """Keep the snapshot if the command changed the state, then drop the oldest beyond
        `UNDO_DEPTH`."""
        if pending is None:
            return
        if _fingerprint(self.state) == pending.fingerprint:
            shutil.rmtree(pending.folder, ignore_errors=True)
            return
        for old in self._snapshots()[:-UNDO_DEPTH]:
            shutil.rmtree(old, ignore_errors=True)

    @property
    def depth(self) -> int:
        return len(self._snapshots())

    def undo(self) -> str | None:
        """Put back the state from before the last command that changed it; returns that
        command's line, or None when there is nothing to undo."""
        self.recover()
        taken = self._snapshots()
        if not taken:
            return None
        newest = taken[-1]
        line = (newest / _LINE).read_text(encoding="utf-8")
        shutil.rmtree(self._discarded, ignore_errors=True)
        # held across the swap so that no other process is halfway through a command
        lock = StateLock(self.state)
        try:
            os.replace(self.state, self._discarded)
            os.replace(newest / "engine", self.state)
        finally:
            lock.release()
        shutil.rmtree(newest, ignore_errors=True)
        shutil.rmtree(self._discarded, ignore_errors=True)
        return line
