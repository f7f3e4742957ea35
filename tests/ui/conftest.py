"""Determinism for UI tests: state in tmp_path, no build pacing, no cursor blink, fixed sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.ui.app import TutorApp


@pytest.fixture
def make_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(state: Path | None = None) -> TutorApp:
        return TutorApp(state=state or tmp_path / "state", pace=0.0, cursor_blink=False)

    return make


@pytest.fixture
def fixed_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sandbox gets one fixed host identity, so the container IDs a snapshot shows are
    the same on every run (a real sandbox draws its own at random)."""
    monkeypatch.setattr("tutor.engine.store.new_host", lambda: "0" * 32)
