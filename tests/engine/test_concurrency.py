"""Several processes on one state directory lose nothing (issue 14, "Data loss").

Each test starts real `python -m tutor docker …` processes against one `--state` at once and
checks what the sandbox holds afterwards. Counts are small and every process has a generous
timeout; nothing here measures time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.engine import Engine
from tutor.engine.reference import parse_docker_ref
from tutor.paths import content_dir

TIMEOUT = 600


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TUTOR_DEBUG", None)
    return env


def _start(state: Path, *argv: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tutor", "--state", str(state), "docker", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=_env(),
    )


def _finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT)
        results.append((proc.returncode, out, err))
    return results


def _docker(state: Path, *argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    return _finish([_start(state, *argv, cwd=cwd)])[0]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    status, _, err = _docker(state, "pull", "-q", "alpine")
    assert status == 0, err
    return state


def _context(root: Path, name: str, line: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(f"FROM alpine\nRUN echo {line} > /marker\n")
    return folder


def test_twenty_parallel_runs_make_twenty_containers(state: Path) -> None:
    procs = [_start(state, "run", "-d", "alpine", "sleep", "1000") for _ in range(20)]
    results = _finish(procs)
    assert all(status == 0 for status, _, _ in results), [err for _, _, err in results]
    ids = {out.strip() for _, out, _ in results}
    assert len(ids) == 20
    _, listing, _ = _docker(state, "ps", "-aq", "--no-trunc")
    assert set(listing.split()) == ids


def test_parallel_builds_keep_every_tag(state: Path, tmp_path: Path) -> None:
    contexts = [_context(tmp_path, f"ctx{i}", f"build-{i}") for i in range(4)]
    procs = [_start(state, "build", "-q", "-t", f"app{i}:1", str(ctx))
             for i, ctx in enumerate(contexts)]
    results = _finish(procs)
    assert all(status == 0 for status, _, _ in results), [err for _, _, err in results]
    _, listing, _ = _docker(state, "images", "--format", "{{.Repository}}:{{.Tag}}")
    assert {f"app{i}:1" for i in range(4)} <= set(listing.split())


def test_build_overlapping_runs_and_tags_loses_nothing(state: Path, tmp_path: Path) -> None:
    ctx = _context(tmp_path, "ctx", "overlap")
    procs = [_start(state, "build", "-q", "-t", "built:1", str(ctx))]
    procs += [_start(state, "run", "-d", "alpine", "sleep", "1000") for _ in range(4)]
    procs += [_start(state, "tag", "alpine", f"alias{i}:1") for i in range(3)]
    results = _finish(procs)
    assert all(status == 0 for status, _, _ in results), [err for _, _, err in results]
    # the next run must make a fifth container, not replace one the build did not see
    status, out, err = _docker(state, "run", "-d", "alpine", "sleep", "1000")
    assert status == 0, err
    ids = {o.strip() for _, o, _ in results[1:5]} | {out.strip()}
    assert len(ids) == 5
    _, listing, _ = _docker(state, "ps", "-aq", "--no-trunc")
    assert set(listing.split()) == ids
    _, images, _ = _docker(state, "images", "--format", "{{.Repository}}:{{.Tag}}")
    assert {"built:1", "alias0:1", "alias1:1", "alias2:1"} <= set(images.split())
    counters = json.loads((state / "engine.json").read_text())["counters"]
    assert counters["containers"] == 5


def test_an_open_engine_holds_off_other_processes(state: Path) -> None:
    """An engine open in this process (as the tutorial holds one while a line runs) makes a
    command of another process wait, and what it wrote is there when that command runs."""
    engine = Engine.open(state, content_dir("assets"))
    try:
        proc = _start(state, "images", "--format", "{{.Repository}}:{{.Tag}}")
        image = engine.images.resolve("alpine")
        engine.images.tag(image.id, parse_docker_ref("while-held:1"))
    finally:
        engine.close()
    status, out, err = _finish([proc])[0]
    assert status == 0, err
    assert "while-held:1" in out.split()


def test_a_killed_holder_leaves_no_temporary_files(state: Path) -> None:
    """A writer killed mid-save leaves `.….tmp` files; the next engine sweeps those whose
    writer is gone and keeps the sandbox working."""
    proc = _start(state, "run", "-d", "alpine", "sleep", "1000")
    proc.communicate(timeout=TIMEOUT)
    dead_pid = proc.pid  # finished and reaped: no process has this pid now
    stale = state / "images" / f".x.json.{dead_pid}.abc12345.tmp"
    stale.write_bytes(b"half a file")
    live = state / "images" / f".y.json.{os.getpid()}.abc12345.tmp"
    live.write_bytes(b"being written")
    learner = state / "sandboxes" / "l" / "workspace" / f".n.json.{dead_pid}.abcdefgh.tmp"
    learner.parent.mkdir(parents=True)
    learner.write_bytes(b"a learner's file")
    (state / ".lock").write_text(str(dead_pid))  # the lock as a killed holder leaves it
    status, _, err = _docker(state, "images")
    assert status == 0, err
    assert not stale.exists()
    assert live.exists()
    assert learner.exists()


def test_engines_nested_in_one_process_share_the_hold(state: Path) -> None:
    """A second engine opened in this process while one is open (a check reading the sandbox
    during a command) neither deadlocks nor lets go early."""
    outer = Engine.open(state, content_dir("assets"))
    inner = Engine.open(state, content_dir("assets"))
    inner.close()
    proc = _start(state, "tag", "alpine", "after-outer:1")
    outer.images.tag(outer.images.resolve("alpine").id, parse_docker_ref("by-outer:1"))
    outer.close()
    status, _, err = _finish([proc])[0]
    assert status == 0, err
    _, listing, _ = _docker(state, "images", "--format", "{{.Repository}}:{{.Tag}}")
    assert {"after-outer:1", "by-outer:1"} <= set(listing.split())
