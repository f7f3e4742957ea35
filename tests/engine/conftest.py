"""Fixtures shared by the engine's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.engine import Engine
from tutor.paths import content_dir


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """An engine of its own with `alpine:3.21` pulled (a module may define its own `engine`)."""
    e = Engine.open(tmp_path / "state", content_dir("assets"))
    e.local_or_pull("alpine:3.21")
    return e
