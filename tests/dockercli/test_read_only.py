"""`docker run --read-only` and `:ro` mounts: the kernel refuses writes with EROFS, and each tool
says so in its own words; `--disable-content-trust` is accepted and changes nothing."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write


@pytest.mark.parametrize(
    ("flags", "image", "command", "status", "err"),
    [
        (["--read-only"], "alpine", "touch /x", 1, "touch: /x: Read-only file system\n"),
        (["--read-only"], "ubuntu", "touch /x", 1,
         "touch: cannot touch '/x': Read-only file system\n"),
        (["--read-only"], "alpine", "rm /etc/motd", 1,
         "rm: can't remove '/etc/motd': Read-only file system\n"),
        (["--read-only"], "alpine", "mkdir /d", 1,
         "mkdir: can't create directory '/d': Read-only file system\n"),
        (["--read-only"], "alpine", "sh -c 'echo hi > /tmp/x'", 2,
         "sh: can't create /tmp/x: Read-only file system\n"),
        (["--read-only", "-u", "1000"], "alpine", "touch /x", 1,
         "touch: /x: Read-only file system\n"),
        (["-v", "data:/data:ro"], "alpine", "touch /data/x", 1,
         "touch: /data/x: Read-only file system\n"),
    ],
    ids=["busybox", "gnu", "remove", "mkdir", "redirect", "non-root-erofs-first", "ro-volume"],
)
def test_writes_fail_with_erofs(
    docker: Docker, flags: list[str], image: str, command: str, status: int, err: str
) -> None:
    assert docker("pull", "-q", image).status == 0
    result = docker("run", "--rm", *flags, image, *shlex.split(command))
    assert (result.status, result.err) == (status, err)


def test_reads_and_writable_mounts_still_work(docker: Docker) -> None:
    result = docker("run", "--rm", "--read-only", "-v", "data:/data", "alpine", "sh", "-c",
                    "cat /etc/alpine-release && touch /data/x && ls /data")
    assert result.status == 0 and result.out.endswith("x\n")
    listed = docker("run", "--rm", "-v", "data:/data", "alpine", "ls", "/data")
    assert listed.out == "x\n"


def test_read_only_container_keeps_no_changes_and_inspect_shows_it(docker: Docker) -> None:
    docker("run", "--read-only", "--name", "ro", "-d", "alpine", "sleep", "infinity")
    assert docker("exec", "ro", "touch", "/x").err == "touch: /x: Read-only file system\n"
    assert docker("diff", "ro").out == ""
    shown = docker("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", "ro")
    assert shown.out == "true\n"
    docker("run", "--name", "rw", "alpine", "true")
    assert docker("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", "rw").out == "false\n"


def test_cp_into_read_only_rootfs_is_refused(docker: Docker, tmp_path: Path) -> None:
    write(tmp_path, {"f": "hello"})
    docker("run", "--read-only", "-v", "data:/data", "--name", "ro", "-d", "alpine", "sleep",
           "infinity")
    refused = docker("cp", "f", "ro:/f", cwd=tmp_path)
    assert (refused.status, refused.err) == (
        1, "Error response from daemon: container rootfs is marked read-only\n")
    assert docker("cp", "f", "ro:/data/f", cwd=tmp_path).status == 0


@pytest.mark.parametrize("path", ["run", "create"])
def test_disable_content_trust_is_accepted(docker: Docker, path: str) -> None:
    result = docker(path, "--disable-content-trust", "alpine", "true")
    assert result.status == 0, result.err
