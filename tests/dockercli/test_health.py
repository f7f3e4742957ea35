"""HEALTHCHECK: `(health: starting)`, then `(healthy)` or `(unhealthy)` as checks run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write


def _status(docker: Docker) -> str:
    return docker("ps", "--format", "{{.Status}}").out.strip()


def _wait(docker: Docker, seconds: int) -> None:
    for _ in range(seconds):  # every docker command moves the simulated clock a second
        docker("ps", "-q")


@pytest.mark.parametrize(("check", "final"), [
    ("wget -q -O /dev/null http://localhost/ || exit 1", "healthy"),
    ("wget -q -O /dev/null http://localhost:8080/ || exit 1", "unhealthy"),
], ids=["serving", "wrong-port"])
def test_nginx_health(docker: Docker, tmp_path: Path, check: str, final: str) -> None:
    ctx = write(tmp_path / "web", {"Dockerfile": (
        "FROM nginx:alpine\n"
        f"HEALTHCHECK --interval=5s --retries=2 CMD {check}\n")})
    assert docker("build", "-t", "web:1", ".", cwd=ctx).status == 0
    assert docker("run", "-d", "--name", "web", "web:1").status == 0
    assert _status(docker).endswith("(health: starting)")
    _wait(docker, 12)
    assert _status(docker).endswith(f"({final})")
    health = json.loads(docker("inspect", "-f", "{{json .State.Health}}", "web").out)
    assert health["Status"] == final
    assert (health["FailingStreak"] > 0) == (final == "unhealthy")


def test_no_healthcheck_no_suffix(docker: Docker) -> None:
    assert docker("run", "-d", "--name", "plain", "nginx:alpine").status == 0
    _wait(docker, 40)
    assert _status(docker).startswith("Up ") and "health" not in _status(docker)
