"""What a RUN step's sandbox sees beyond the Dockerfile: the predefined proxy build-args,
BUILDKIT_SANDBOX_HOSTNAME, and the `# syntax=` directive (moby/buildkit @ v0.26.0:
`frontend/dockerfile/dockerfile2llb/convert.go` proxy args, `executor/oci/hosts.go`,
`frontend/dockerfile/builder/build.go` forwardGateway; dockerfile_test.go testProxyEnv-style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write


@pytest.mark.parametrize("name", ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                  "ftp_proxy", "FTP_PROXY", "no_proxy", "NO_PROXY",
                                  "all_proxy", "ALL_PROXY"])
def test_proxy_args_reach_run_without_being_declared_or_keyed(
        docker: Docker, tmp_path: Path, name: str) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": f"FROM busybox\nRUN echo \"v=${name}\"\n"})
    first = docker("build", "--progress", "plain", "--build-arg", f"{name}=one", ".", cwd=ctx)
    assert first.status == 0, first.err
    assert "v=one" in first.err
    # a proxy is how the build reaches the network, not what it builds: not in the cache key
    again = docker("build", "--progress", "plain", "--build-arg", f"{name}=two", ".", cwd=ctx)
    assert re.search(r"RUN echo .*\n#\d+ CACHED", again.err)
    # and never in the image
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}",
                     docker("build", "-q", "--build-arg", f"{name}=x", ".", cwd=ctx).out.strip())
    assert f"{name}=x" not in history.out and history.status == 0


def test_sandbox_hostname(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM busybox\nRUN hostname > /h && "
                                               "grep -c buildkit /etc/hosts > /n || true\n"})
    assert docker("build", "-t", "h1", ".", cwd=ctx).status == 0
    assert docker("run", "--rm", "h1", "cat", "/h").out == "buildkitsandbox\n"
    assert docker("build", "-t", "h2", "--build-arg", "BUILDKIT_SANDBOX_HOSTNAME=box", ".",
                  cwd=ctx).status == 0
    assert docker("run", "--rm", "h2", "cat", "/h").out == "box\n"
    # the sandbox's /etc/hostname and /etc/hosts are mounts, not layer content
    diff = docker("run", "--rm", "h2", "cat", "/etc/hostname")
    assert "box" not in diff.out


def test_invalid_syntax_directive_fails_at_line_1(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "# syntax=foo:bar:baz\nFROM busybox\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert "   1 | >>> # syntax=foo:bar:baz\n" in result.err
    assert result.err.endswith("ERROR: failed to build: failed to solve: invalid reference "
                               "format\n")
    ok = write(tmp_path / "ok", {"Dockerfile": "# syntax=docker/dockerfile:1\nFROM busybox\n"})
    assert docker("build", ".", cwd=ok).status == 0
