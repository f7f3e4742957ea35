"""Bind mounts read the host as the kernel shows it, lazily and without following links
(issue 14, "Confinement"): nothing hangs, exhausts memory, crashes or writes outside."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker


@pytest.fixture(autouse=True)
def _alpine(docker: Docker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTOR_DEBUG", raising=False)
    assert docker("pull", "-q", "alpine").status == 0


def test_a_fifo_is_shown_not_read(docker: Docker, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.mkfifo(data / "pipe")
    os.mkfifo(tmp_path / "lone")
    listed = docker("run", "--rm", "-v", f"{data}:/d", "alpine", "ls", "/d")
    assert listed.status == 0, listed.err
    assert listed.out == "pipe\n"
    single = docker("run", "--rm", "-v", f"{tmp_path / 'lone'}:/p", "alpine", "ls", "/p")
    assert single.status == 0, single.err


@pytest.mark.parametrize("link", [False, True])
def test_dev_zero_is_not_read(docker: Docker, tmp_path: Path, link: bool) -> None:
    source = "/dev/zero"
    if link:
        (tmp_path / "zero").symlink_to("/dev/zero")
        source = str(tmp_path / "zero")
    result = docker("run", "--rm", "-v", f"{source}:/z", "alpine", "wc", "-c", "/z")
    assert result.status == 0, result.err
    assert result.out.split()[0] == "0"


def test_a_socket_and_a_target_under_a_symlinked_directory(
        docker: Docker, tmp_path: Path) -> None:
    sock_path = tmp_path / "d.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock_path))
        result = docker("run", "--rm", "-v", f"{sock_path}:/var/run/docker.sock", "alpine",
                        "ls", "/run")
    finally:
        server.close()
    assert result.status == 0, result.err
    assert "docker.sock" in result.out.split()  # /var/run is a link to /run on alpine


def test_a_dangling_link_in_the_source_stays_a_dangling_link(
        docker: Docker, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "gone").symlink_to(tmp_path / "nowhere")
    result = docker("run", "--rm", "-v", f"{data}:/d", "alpine", "readlink", "/d/gone")
    assert result.status == 0, result.err
    assert result.out == f"{tmp_path / 'nowhere'}\n"


def test_writes_through_a_link_never_leave_the_source(docker: Docker, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("keep\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "out").symlink_to(outside)
    (data / "file").symlink_to(outside / "keep")
    script = ("echo x > /d/out/new; echo y > /d/file; rm -f /d/file; echo z > /d/file; "
              "echo ok > /d/mine; ln -s /etc /d/etc")
    result = docker("run", "--rm", "-v", f"{data}:/d", "alpine", "sh", "-c", script)
    assert result.status == 0, result.err
    assert sorted(p.name for p in outside.iterdir()) == ["keep"]
    assert (outside / "keep").read_text() == "keep\n"
    assert (data / "mine").read_text() == "ok\n"
    assert (data / "file").read_text() == "z\n" and not (data / "file").is_symlink()
    assert os.readlink(data / "etc") == "/etc"  # a link made in the container is a link


def test_the_host_root_can_be_mounted(docker: Docker) -> None:
    result = docker("run", "--rm", "-v", "/:/host:ro", "alpine", "ls", "/host")
    assert result.status == 0, result.err
    assert "proc" in result.out.split()


def test_a_read_only_bind_under_a_symlinked_directory_stays_read_only(
        docker: Docker, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    result = docker("run", "--rm", "-v", f"{data}:/var/run/x:ro", "alpine", "sh", "-c",
                    "echo a > /run/x/f")
    assert result.status != 0
    assert "Read-only file system" in result.err
    assert list(data.iterdir()) == []
