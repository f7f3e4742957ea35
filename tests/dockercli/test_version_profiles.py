"""`docker version` and `docker info` say which Docker and which image store the sandbox
imitates, as the real ones do.

Sources: `cli/command/system/version.go` (defaultVersionTemplate, tabwriter 20/1/1) and
`cli/command/system/info.go` @ docker/cli v29.7.2 and v28.5.1; moby `daemon/config/config.go`
(MaxAPIVersion 1.55, defaultMinAPIVersion 1.40), `daemon/containerd/service.go` (`overlayfs`,
`driver-type io.containerd.snapshotter.v1`) and `daemon/libnetwork/controller_linux.go`
(firewall backend) @ docker-v29.7.2; the real `docker info` diff in docker/cli#6996."""

from __future__ import annotations

import json

import pytest

from tests.dockercli.conftest import Docker

VERSION_29 = """\
Client: Docker Engine - Community
 Version:           29.7.2
 API version:       1.55
 Go version:        go1.26.5
 Git commit:        a7dcaa6
 Built:             Wed Aug  5 17:34:15 2026
 OS/Arch:           linux/amd64
 Context:           default

Server: Docker Engine - Community
 Engine:
  Version:          29.7.2
  API version:      1.55 (minimum version 1.40)
  Go version:       go1.26.5
  Git commit:       6a43e3d
  Built:            Wed Aug  5 17:34:15 2026
  OS/Arch:          linux/amd64
  Experimental:     false
 containerd:
  Version:          v2.3.3
  GitCommit:        aad11006b869517fcd3009450b6f82da282e1a9b
 runc:
  Version:          1.4.3
  GitCommit:        v1.4.3-0-gbb14dabe
 docker-init:
  Version:          0.19.0
  GitCommit:        de40ad0
"""

VERSION_28_HEAD = """\
Client: Docker Engine - Community
 Version:           28.5.1
 API version:       1.51
 Go version:        go1.24.8
 Git commit:        e180ab8
"""


def test_version_29_is_the_default(docker: Docker) -> None:
    result = docker("version")
    assert (result.status, result.out, result.err) == (0, VERSION_29, "")


@pytest.mark.docker_profile("28")
def test_version_28(docker: Docker) -> None:
    out = docker("version").out
    assert out.startswith(VERSION_28_HEAD)
    assert "  API version:      1.51 (minimum version 1.24)\n" in out
    assert " containerd:\n  Version:          v1.7.28\n" in out


@pytest.mark.docker_profile("29/classic")
def test_version_does_not_depend_on_the_store(docker: Docker) -> None:
    assert docker("version").out == VERSION_29


@pytest.mark.parametrize(("fmt", "expected"), [
    ("{{.Server.Version}}", "29.7.2\n"),
    ("{{.Client.APIVersion}} {{.Client.DefaultAPIVersion}}", "1.55 1.55\n"),
    ("{{range .Server.Components}}{{.Name}} {{end}}", "Engine containerd runc docker-init \n"),
    ('{{index (index .Server.Components 0).Details "MinAPIVersion"}}', "1.40\n"),
    ("{{.Client.Os}}\t{{.Client.Arch}}", "linux               amd64\n"),
])
def test_version_format(docker: Docker, fmt: str, expected: str) -> None:
    result = docker("version", "--format", fmt)
    assert (result.status, result.out) == (0, expected)


def test_version_json_uses_the_json_names(docker: Docker) -> None:
    doc = json.loads(docker("version", "-f", "json").out)
    assert doc["Client"]["ApiVersion"] == "1.55" and "APIVersion" not in doc["Client"]
    assert doc["Server"]["MinAPIVersion"] == "1.40"
    assert "Experimental" not in doc["Server"], "omitempty drops false"
    assert doc["Client"]["Context"] == "default"


def test_version_template_errors(docker: Docker) -> None:
    parse = docker("version", "--format", "{{.Client")
    assert parse.status == 64 and parse.err.startswith("template parsing error: ")
    missing = docker("version", "--format", "{{.Nope}}")
    assert missing.status == 1 and "can't evaluate field Nope" in missing.err


@pytest.mark.parametrize(("profile", "first"), [
    ("29", "Docker version 29.7.2, build a7dcaa6\n"),
    ("28", "Docker version 28.5.1, build e180ab8\n"),
])
def test_dash_dash_version(docker: Docker, monkeypatch: pytest.MonkeyPatch, profile: str,
                           first: str) -> None:
    monkeypatch.setenv("TUTOR_DOCKER_PROFILE", profile)
    assert docker("--version").out == first


def test_info_containerd_store(docker: Docker) -> None:
    out = docker("info").out
    assert " Server Version: 29.7.2\n Storage Driver: overlayfs\n  driver-type: " \
           "io.containerd.snapshotter.v1\n Logging Driver: json-file\n" in out
    assert "Backing Filesystem" not in out
    assert "    Version:  v0.36.0\n" in out, "buildx of 29.7.2"
    assert " containerd version: aad11006b869517fcd3009450b6f82da282e1a9b\n" in out
    assert out.endswith(" Live Restore Enabled: false\n Firewall Backend: iptables\n"
                        "  EnableUserlandProxy: true\n\n")


@pytest.mark.docker_profile("29/classic")
def test_info_upgraded_host_keeps_overlay2(docker: Docker) -> None:
    out = docker("info").out
    assert (" Server Version: 29.7.2\n Storage Driver: overlay2\n"
            "  Backing Filesystem: extfs\n") in out


@pytest.mark.parametrize(("profile", "expected"), [
    ("29", "[[driver-type io.containerd.snapshotter.v1]]\n"),
    ("29/classic", "[[Backing Filesystem extfs] [Supports d_type true] [Using metacopy false] "
                   "[Native Overlay Diff true] [userxattr false]]\n"),
])
def test_info_driver_status_as_the_docs_check_it(
    docker: Docker, monkeypatch: pytest.MonkeyPatch, profile: str, expected: str
) -> None:
    monkeypatch.setenv("TUTOR_DOCKER_PROFILE", profile)
    assert docker("info", "-f", "{{ .DriverStatus }}").out == expected
