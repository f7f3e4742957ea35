"""The tutorial's terminal is confined to the workspace, docker commands included (issue 14).

Drives the host shell as the tutorial does. Outside the workspace lie a sentinel file and a
directory; inside it, symlinks lead out to them. Every docker command that takes a host path
is tried with an absolute path, a `..` path and a symlink out; each must be refused, and
afterwards nothing outside has changed (same names, bytes and mtimes) and the sentinel's content
appears in no output and nowhere in the engine's state.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from tutor.course.hostshell import HOME, HostShell

SECRET = b"SENTINEL-7f3a9c-never-to-be-read\n"
REFUSED = "outside your workspace"


def _snapshot(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry under `root`: its bytes (or link target) and mtime, links not followed."""
    found: dict[str, tuple[bytes | str, int]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            body: bytes | str = os.readlink(path) if path.is_symlink() else (
                b"" if path.is_dir() else path.read_bytes())
            found[str(path.relative_to(root))] = (body, info.st_mtime_ns)
    return found


@pytest.fixture
def world(tmp_path: Path) -> tuple[HostShell, Path, Path]:
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "sentinel").write_bytes(SECRET)
    (outside / "dir" / "keep").write_bytes(b"keep\n")
    ws = tmp_path / "ws"
    (ws / "app").mkdir(parents=True)
    (ws / "app" / "Dockerfile").write_text("FROM alpine\nCOPY . /app\n")
    (ws / "data").mkdir()
    (ws / "linkdir").symlink_to(outside / "dir")
    (ws / "linkfile").symlink_to(outside / "sentinel")
    (ws / "data" / "out").symlink_to(outside / "dir")
    (ws / "data" / "secret").symlink_to(outside / "sentinel")
    shell = HostShell(ws, tmp_path / "state")
    for line in ("docker pull -q alpine", "docker run -d --name web alpine sleep 1000"):
        result = shell.run(line)
        assert result.status == 0, result.output
    return shell, ws, outside


def _escapes(outside: Path) -> list[str]:
    out = str(outside)
    return [
        f"docker save -o {out}/x.tar alpine",
        "docker save -o ../outside/x.tar alpine",
        "docker save -o linkdir/x.tar alpine",
        f"docker export -o {out}/x.tar web",
        "docker export -o ../outside/x.tar web",
        "docker export -o linkdir/x.tar web",
        f"docker cp web:/etc/hostname {out}/copied",
        "docker cp web:/etc/hostname ../outside/copied",
        "docker cp web:/etc/ linkdir",
        "docker cp web:/etc/hostname linkdir/copied",
        f"docker cp {out}/sentinel web:/x",
        "docker cp ../outside/sentinel web:/x",
        "docker cp -L linkfile web:/x",
        "docker cp linkdir/keep web:/x",
        f"docker run --rm -v {out}:/o alpine touch /o/new",
        "docker run --rm -v ../outside:/o alpine touch /o/new",
        "docker run --rm -v ./linkdir:/o alpine touch /o/new",
        f"docker run --rm --mount type=bind,source={out},target=/o alpine touch /o/new",
        f"docker run --rm --env-file {out}/sentinel alpine env",
        "docker run --rm --env-file ../outside/sentinel alpine env",
        "docker run --rm --env-file linkfile alpine env",
        f"docker build -f {out}/sentinel app",
        f"docker build {out}",
        "docker build linkdir",
        f"docker load -i {out}/sentinel",
        "docker load -i ../../outside/sentinel",
        "docker load -i linkfile",
    ]


def _state_holds_secret(state: Path) -> bool:
    encoded = base64.b64encode(SECRET)
    for folder, _, files in os.walk(state):
        for name in files:
            data = Path(folder, name).read_bytes()
            if SECRET.strip() in data or encoded in data:
                return True
    return False


def test_docker_host_paths_outside_the_workspace_are_refused(
        world: tuple[HostShell, Path, Path], tmp_path: Path) -> None:
    shell, _, outside = world
    before = _snapshot(outside)
    for line in _escapes(outside):
        result = shell.run(line)
        assert result.status != 0, line
        assert REFUSED in result.output, (line, result.output)
        assert SECRET.strip().decode() not in result.output, line
    assert _snapshot(outside) == before
    assert not _state_holds_secret(tmp_path / "state")


def test_links_inside_a_bind_mount_stay_links_and_writes_stay_inside(
        world: tuple[HostShell, Path, Path], tmp_path: Path) -> None:
    shell, ws, outside = world
    before = _snapshot(outside)
    result = shell.run("docker run --rm -v ./data:/d alpine sh -c "
                       "'readlink /d/out; cat /d/secret; echo pwned > /d/out/new; "
                       "echo x > /d/secret; echo ok > /d/inside'")
    assert f"{outside}/dir" in result.output  # the link, as it is on the host
    assert SECRET.strip().decode() not in result.output
    assert (ws / "data" / "inside").read_text() == "ok\n"
    assert (ws / "data" / "secret").is_symlink()
    assert _snapshot(outside) == before
    assert not _state_holds_secret(tmp_path / "state")


def test_a_symlinked_dockerfile_is_resolved_inside_the_context(
        world: tuple[HostShell, Path, Path], tmp_path: Path) -> None:
    shell, ws, outside = world
    (ws / "app" / "Dockerfile").unlink()
    (ws / "app" / "Dockerfile").symlink_to(outside / "sentinel")
    for line in ("docker build app", "docker build -f linkfile app"):
        result = shell.run(line)
        assert result.status != 0, line
        assert "failed to read dockerfile" in result.output, line
        assert SECRET.strip().decode() not in result.output
    assert not _state_holds_secret(tmp_path / "state")


def test_host_paths_inside_the_workspace_work(world: tuple[HostShell, Path, Path]) -> None:
    shell, ws, _ = world
    for line in ("docker save -o img.tar alpine", f"docker save -o {HOME}/img2.tar alpine",
                 "docker export -o app/rootfs.tar web",
                 "docker cp web:/etc/hostname app/hostname",
                 "docker cp app/Dockerfile web:/Dockerfile",
                 "docker cp linkfile web:/link",  # the link itself, not what it points at
                 "docker load -i img.tar",
                 "docker build -q -t built app",
                 "docker run --rm -v ./data:/d alpine touch /d/made"):
        result = shell.run(line)
        assert result.status == 0, (line, result.output)
        assert REFUSED not in result.output
    assert (ws / "img.tar").stat().st_size > 0
    assert (ws / "img2.tar").stat().st_size > 0
    assert (ws / "app" / "hostname").exists()
    assert (ws / "data" / "made").exists()
    result = shell.run("docker cp web:/etc/hostname app/copied")
    assert f"to {HOME}/app/copied" in result.output  # the path as the learner knows it


def test_tutor_docker_in_the_learners_own_shell_keeps_dockers_reach(tmp_path: Path) -> None:
    """Without `confine` (as `tutor docker` runs) host paths anywhere work as with Docker."""
    import io

    from tutor.dockercli import main

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out, err = io.StringIO(), io.StringIO()
    state = tmp_path / "state"
    assert main(["pull", "-q", "alpine"], state=state, stdout=out, stderr=err, cwd=cwd) == 0
    status = main(["save", "-o", "../elsewhere/img.tar", "alpine"], state=state, stdout=out,
                  stderr=err, cwd=cwd)
    assert status == 0, err.getvalue()
    assert (elsewhere / "img.tar").stat().st_size > 0
