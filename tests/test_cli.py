"""The `tutor` command end to end, as a learner runs it from a shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor import __version__


def tutor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_version() -> None:
    result = tutor("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tutor {__version__}"


def test_help_mentions_the_docker_front_door() -> None:
    result = tutor("--help")
    assert result.returncode == 0
    assert "docker ARGS" in result.stdout
    assert "--state DIR" in result.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "tutor"
    assert script.exists()
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == f"tutor {__version__}"


@pytest.mark.parametrize(
    ("argv", "status", "stderr"),
    [
        (
            ["docker", "buidl"],
            1,
            "docker: unknown command: docker buidl\n\nRun 'docker --help' for more information\n",
        ),
        (
            ["docker", "image", "lss"],
            1,
            "docker: unknown command: docker image lss\n\nUsage:  docker image COMMAND\n\n"
            "Run 'docker image --help' for more information\n",
        ),
        (
            ["docker", "version", "--foo"],
            125,
            "unknown flag: --foo\n\nUsage:  docker version [OPTIONS]\n\n"
            "Run 'docker version --help' for more information\n",
        ),
        (
            ["docker", "version", "extra"],
            1,
            "docker: 'docker version' accepts no arguments\n\nUsage:  docker version [OPTIONS]\n\n"
            "Run 'docker version --help' for more information\n",
        ),
    ],
    ids=["unknown-command", "unknown-subcommand", "unknown-flag", "extra-argument"],
)
def test_docker_usage_errors(argv: list[str], status: int, stderr: str) -> None:
    result = tutor(*argv)
    assert (result.returncode, result.stderr, result.stdout) == (status, stderr, "")


@pytest.mark.docker_profile("28")
def test_docker_version_flag() -> None:
    result = tutor("docker", "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("Docker version 28.")


def test_state_dir_from_flag_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.paths import state_dir

    assert state_dir(tmp_path / "a") == (tmp_path / "a").resolve()
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "b"))
    assert state_dir() == (tmp_path / "b").resolve()
    assert state_dir(tmp_path / "a") == (tmp_path / "a").resolve(), "--state wins over the env"


def test_state_dir_default_is_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_data_dir

    from tutor.paths import state_dir

    monkeypatch.delenv("TUTOR_HOME")
    assert state_dir() == Path(user_data_dir("image-tutor", appauthor=False))


def test_a_state_directory_that_is_a_file_is_refused_plainly(tmp_path: Path) -> None:
    blocker = tmp_path / "state-file"
    blocker.write_text("not a directory\n")
    for argv, env in ((["--state", str(blocker / "sub")], {}), ([], {"TUTOR_HOME": str(blocker)})):
        result = subprocess.run([sys.executable, "-m", "tutor", *argv, "docker", "ps"],
                                capture_output=True, text=True, env={**os.environ, **env},
                                timeout=120)
        assert result.returncode == 1
        assert "as the state directory: Not a directory" in result.stderr
        assert "Traceback" not in result.stderr
