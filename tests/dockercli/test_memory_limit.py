"""A container's memory limit: `--memory`, the OOM kill Docker reports, and pipes that close."""

from __future__ import annotations

import json
from pathlib import Path

from tests.dockercli.conftest import Docker, write

DOUBLING = "x=a; while :; do x=$x$x; done"


def test_a_container_over_its_limit_is_oom_killed(docker: Docker) -> None:
    result = docker("run", "--name", "hog", "-m", "8m", "alpine:3.21", "sh", "-c", DOUBLING)
    assert result.status == 137
    state = docker("inspect", "-f", "{{json .State}}", "hog")
    doc = json.loads(state.out)
    assert (doc["OOMKilled"], doc["ExitCode"], doc["Status"]) == (True, 137, "exited")
    assert docker("inspect", "-f", "{{.HostConfig.Memory}}", "hog").out == "8388608\n"
    assert docker("ps", "-a", "--format", "{{.Status}}").out.startswith("Exited (137)")


def test_a_container_within_its_limit_is_not(docker: Docker) -> None:
    result = docker("run", "--name", "calm", "--memory=1g", "alpine:3.21",
                    "sh", "-c", "seq 1 1000000000 | head -n 2")
    assert (result.status, result.out) == (0, "1\n2\n")
    assert docker("inspect", "-f", "{{.State.OOMKilled}} {{.HostConfig.Memory}}",
                  "calm").out == "false 1073741824\n"


def test_without_memory_the_default_limit_still_bounds_it(docker: Docker) -> None:
    result = docker("run", "--name", "pf", "alpine:3.21", "printf", "%*d", "2000000000", "1")
    assert result.status == 137
    assert docker("inspect", "-f", "{{.State.OOMKilled}} {{.HostConfig.Memory}}",
                  "pf").out == "true 0\n"


def test_memory_below_the_daemon_minimum_is_refused(docker: Docker) -> None:
    result = docker("run", "-m", "4k", "alpine:3.21", "true")
    assert result.status == 125
    assert result.err.endswith(
        "docker: Error response from daemon: Minimum memory limit allowed is 6MB\n\n"
        "Run 'docker run --help' for more information\n")
    assert docker("ps", "-aq").out == ""


def test_a_memory_size_that_is_no_size_is_a_flag_error(docker: Docker) -> None:
    result = docker("run", "-m", "lots", "alpine:3.21", "true")
    assert result.status == 125
    assert result.err.startswith(
        "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'\n")


def test_a_build_step_over_the_limit_fails_with_status_137(docker: Docker,
                                                           tmp_path: Path) -> None:
    app = write(tmp_path / "app", {"Dockerfile": f"FROM alpine:3.21\nRUN {DOUBLING}\n"})
    result = docker("build", "--progress=plain", ".", cwd=app)
    assert result.status == 1
    assert (f'ERROR: failed to build: failed to solve: process "/bin/sh -c {DOUBLING}" did not '
            "complete successfully: exit code: 137") in result.err
