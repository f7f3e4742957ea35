"""`docker info`: Docker 28.5's layout with counts from the sandbox, and `--format`."""

from __future__ import annotations

import json

import pytest

from tests.dockercli.conftest import Docker

pytestmark = pytest.mark.docker_profile("28")


def test_counts_come_from_the_sandbox(docker: Docker) -> None:
    docker("pull", "-q", "alpine:3.20")
    docker("run", "alpine:3.20", "true")
    docker("run", "-d", "alpine:3.20", "sleep", "300")
    out = docker("info").out
    assert " Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: 1\n" in out


def test_layout_follows_the_cli(docker: Docker) -> None:
    lines = docker("info").out.split("\n")
    assert lines[:3] == ["Client: Docker Engine - Community", " Version:    28.5.1",
                         " Context:    default"]
    assert lines[lines.index(" Plugins:") + 1:][:3] == [
        "  buildx: Docker Buildx (Docker Inc.)", "    Version:  v0.29.1",
        "    Path:     /usr/libexec/docker/cli-plugins/docker-buildx"]
    for line in (" Server Version: 28.5.1", " Storage Driver: overlay2",
                 "  Backing Filesystem: extfs", " Logging Driver: json-file",
                 " Cgroup Driver: systemd", " Cgroup Version: 2", " Swarm: inactive",
                 " Default Runtime: runc", " OSType: linux", " Architecture: x86_64",
                 " CPUs: 2", " Docker Root Dir: /var/lib/docker", " Experimental: false",
                 "  ::1/128", "  127.0.0.0/8", " Live Restore Enabled: false"):
        assert line in lines, line
    assert lines.index("Server:") < lines.index(" Containers: 0")
    assert lines[-3:] == [" Live Restore Enabled: false", "", ""]


@pytest.mark.parametrize(("fmt", "expected"), [
    ("{{.Driver}}", "overlay2\n"),
    ("{{.ServerVersion}} {{.Swarm.LocalNodeState}}", "28.5.1 inactive\n"),
    ("{{.ClientInfo.Context}}", "default\n"),
    ("{{json .Plugins.Volume}}", '["local"]\n'),
], ids=["driver", "nested", "client", "json-field"])
def test_format_runs_on_the_info_struct(docker: Docker, fmt: str, expected: str) -> None:
    result = docker("info", "--format", fmt)
    assert (result.status, result.out) == (0, expected)


@pytest.mark.parametrize("fmt", ["{{json .}}", "json"])
def test_json_keeps_the_struct_order(docker: Docker, fmt: str) -> None:
    doc = json.loads(docker("info", "-f", fmt).out)
    assert list(doc)[:3] == ["ID", "Containers", "ContainersRunning"]
    assert doc["Driver"] == "overlay2" and doc["ClientInfo"]["Version"] == "28.5.1"


def test_template_errors_as_the_cli_reports_them(docker: Docker) -> None:
    parse = docker("info", "-f", "{{.Driver")
    assert (parse.status, parse.err) == (
        64, "template parsing error: template: :1: unclosed action\n")
    run = docker("info", "-f", "x{{.Nope}}")
    assert (run.status, run.out) == (1, "x\n")
    assert run.err == ('template: :1:3: executing "" at <.Nope>: can\'t evaluate field Nope '
                       "in type system.dockerInfo\n")


def test_containers_of_any_distribution_report_the_hosts_kernel(docker: Docker) -> None:
    kernel = docker("info", "-f", "{{.KernelVersion}}").out
    for image in ("alpine:3.20", "debian:bookworm-slim"):
        docker("pull", "-q", image)
        assert docker("run", "--rm", image, "uname", "-r").out == kernel, image
    assert docker("version", "-f", "{{.Server.KernelVersion}}").out == kernel
