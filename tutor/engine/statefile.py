"""Reading and writing the engine's state files so that no crash or kill can lose or corrupt them.

Every write goes to a temporary file in the same directory and is renamed over the old one, so a
reader sees either the old state or the new one. A file that cannot be read is moved aside (kept,
never deleted) and the caller starts from its default.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:200]}.", suffix=".tmp")
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
    """The JSON in `path`, or `default` when it is missing; a corrupt file is set aside and
    reported in `problems` (when given) instead of raising."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return default
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        kept = set_aside(path)
        if problems is not None:
            problems.append(f"{path.name} was unreadable and has been set aside as {kept.name}")
        return default
