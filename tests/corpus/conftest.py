"""The corpus marker, so `pytest -m corpus` runs the corpus alone (and `-m "not corpus"` skips
it)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "corpus: builds the corpus of real Dockerfiles")
