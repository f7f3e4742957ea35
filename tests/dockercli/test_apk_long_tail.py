"""apk names past the hand-written catalogue install from the release's aports data; unknown names
still fail."""

from __future__ import annotations

from pathlib import Path

from tests.dockercli.conftest import Docker, write


def test_common_tools_outside_the_alpine_data_install(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "tools", {"Dockerfile": (
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache strace xz gnupg\n"
        "RUN apk info | grep -x -e strace -e xz -e gnupg && ls /usr/bin/strace /usr/bin/xz\n"
    )})
    result = docker("build", "--progress=plain", "-t", "tools:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "Installing xz (" in result.err and "-r0)" in result.err
    sizes = docker("history", "--format", "{{.Size}}", "tools:1").out.split()
    assert sizes[1] != "0B"  # the apk layer weighs what Debian says the packages weigh


def test_a_name_neither_distribution_has_still_fails_as_apk_does(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "bad", {"Dockerfile": (
        "FROM alpine:3.21\nRUN apk add --no-cache nosuchpkgzz\n")})
    result = docker("build", "--progress=plain", ".", cwd=ctx)
    assert result.status == 1
    assert "  nosuchpkgzz (no such package):\n" in result.err
