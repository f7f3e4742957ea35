"""`tutor --docker 29|28 --store containerd|classic`: chosen once per state directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def tutor(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TUTOR_DOCKER_PROFILE"}
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_choice_sticks_to_the_state_directory(tmp_path: Path) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert tutor("--state", a, "--docker", "28", "docker", "--version").stdout == \
        "Docker version 28.5.1, build e180ab8\n"
    assert tutor("--state", a, "docker", "info", "-f", "{{.Driver}}").stdout == "overlay2\n"
    assert tutor("--state", b, "docker", "info", "-f", "{{.Driver}}").stdout == "overlayfs\n"
    assert tutor("--state", a, "--docker", "29", "--store", "classic", "docker", "info", "-f",
                 "{{.ServerVersion}} {{.Driver}}").stdout == "29.7.2 overlay2\n"


def test_bad_choice_is_refused(tmp_path: Path) -> None:
    result = tutor("--state", str(tmp_path), "--docker", "27", "docker", "version")
    assert result.returncode == 2
    assert "argument --docker: invalid choice: '27'" in result.stderr
    assert not (tmp_path / "profile.json").exists()
