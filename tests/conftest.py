"""Shared fixtures: every test gets its own state directory, never the learner's.

Tests run on the default profile (Docker 29, containerd store) unless their module pins the one
they were written for: `pytestmark = pytest.mark.docker_profile("28")` (any `TUTOR_DOCKER_PROFILE`
spelling: `28`, `29/classic`, …). `TUTOR_TEST_PROFILE=28 pytest …` runs the unpinned tests on
another profile (tests written for the default then fail where Docker differs, as they should)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.engine.profile import PROFILE_ENV


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "docker_profile(spec): run the test on that Docker profile (e.g. '28')"
    )


@pytest.fixture(autouse=True)
def isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("TUTOR_HOME", str(state))
    marker = request.node.get_closest_marker("docker_profile")
    chosen = str(marker.args[0]) if marker is not None else os.environ.get("TUTOR_TEST_PROFILE")
    if chosen:
        monkeypatch.setenv(PROFILE_ENV, chosen)
    else:  # the developer's own pin must not change what the tests see
        monkeypatch.delenv(PROFILE_ENV, raising=False)
    yield state
