"""Reading and writing the engine's state files so that no crash or kill can lose or corrupt them.

Every write goes to a temporary file in the same directory and is renamed over the old one, so a
reader sees either the old state or the new one. A file that cannot be read is moved aside (kept,
never deleted) and the caller starts from its default.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's pid is in the name, so a later sweep can tell a dead writer's leftovers
    # from a file another process is writing right now.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:180]}.{os.getpid()}.",
                               suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


TEMP_SUFFIX = ".tmp"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours to signal
        return True
    return True


_TEMP_NAME = re.compile(r"\..+\.([0-9]+)\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
"""`atomic_write`'s temporary names: `.<file>.<pid>.<8 random characters>.tmp`."""
_NOT_STATE = frozenset({"sandboxes", "workspace"})
"""Folders below a state directory that hold other sandboxes or a learner's files."""


def sweep_temp_files(root: Path) -> int:
    """Remove the temporary files `atomic_write` calls killed mid-write left under `root`
    (those whose writer is no longer running); returns how many. Other sandboxes and learners'
    workspaces below `root` are not entered."""
    removed = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _NOT_STATE]
        for name in files:
            found = _TEMP_NAME.fullmatch(name)
            if found is None or _alive(int(found.group(1))):
                continue
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
                removed += 1
    return removed


def write_json(path: Path, value: Any) -> None:
    atomic_write(path, json.dumps(value, indent=1, sort_keys=True).encode())


def set_aside(path: Path) -> Path:
    """Move an unreadable file out of the way, keeping it for inspection; returns where it went."""
    n = 1
    while True:
        target = path.with_name(f"{path.name}.corrupt-{n}")
        if not target.exists():
            os.replace(path, target)
            return target
        n += 1


def read_json(path: Path, default: Any, problems: list[str] | None = None) -> Any:
    """The JSON in `path`, or `default` when it is missing; a corrupt file, or one holding
    another kind of JSON value than `default` (a list where an object belongs), is set aside
    and reported in `problems` (when given) instead of raising."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return default
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        value = _UNREADABLE
    if value is not _UNREADABLE and (default is None or isinstance(value, type(default))):
        return value
    kept = set_aside(path)
    if problems is not None:
        problems.append(f"{path.name} was unreadable and has been set aside as {kept.name}")
    return default


_UNREADABLE = object()
