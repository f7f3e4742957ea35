"""Bad input to `docker run` and `docker volume`: Docker's own refusal, never a hang or a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker

RUN_HELP = "\n\nRun 'docker run --help' for more information\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["-w", "app"], "docker: Error response from daemon: the working directory 'app' is "
                    "invalid, it needs to be an absolute path"),
    (["-v", "data:relative"],
     "docker: Error response from daemon: invalid volume specification: 'data:relative': "
     "invalid mount config for type \"volume\": invalid mount path: 'relative' mount path "
     "must be absolute"),
    (["-v", "/tmp:rel"],
     "docker: Error response from daemon: invalid volume specification: '/tmp:rel': invalid "
     "mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"),
    (["-v", "::"], "docker: Error response from daemon: invalid volume specification: '::'"),
    (["-v", "a::/x"], "docker: invalid spec: a::/x: empty section between colons"),
    (["-v", "~nope:/z"],
     'docker: Error response from daemon: create ~nope: "~nope" includes invalid characters '
     'for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended '
     "to pass a host directory, use absolute path"),
])
def test_run_refuses_bad_paths_as_docker_does(docker: Docker, argv: list[str],
                                              message: str) -> None:
    result = docker("run", *argv, "alpine:3.21", "true")
    assert result.status == 125
    assert result.err.endswith(message + RUN_HELP)
    assert docker("ps", "-aq").out == ""


def test_workdir_is_cleaned_as_the_daemon_cleans_it(docker: Docker) -> None:
    for workdir, shown in (("//", "/"), ("/a/../b//", "/b")):
        result = docker("run", "--rm", "-w", workdir, "alpine:3.21", "pwd")
        assert (result.status, result.out) == (0, shown + "\n"), result.err


def test_volume_names_up_to_the_file_name_limit(docker: Docker) -> None:
    longest = "v" * 255
    assert docker("volume", "create", longest).out == longest + "\n"
    assert longest in docker("volume", "ls", "-q").out.split()
    assert docker("run", "--rm", "-v", f"{longest}:/data", "alpine:3.21", "true").status == 0
    too_long = "w" * 256
    result = docker("volume", "create", too_long)
    assert result.status == 1
    assert result.err.endswith(f"mkdir /var/lib/docker/volumes/{too_long}: file name too long\n")


def test_a_damaged_volume_file_is_set_aside_and_reported(docker: Docker,
                                                         isolated_state: Path) -> None:
    assert docker("run", "--rm", "-v", "notes:/n", "alpine:3.21",
                  "sh", "-c", "echo kept > /n/a").status == 0
    (isolated_state / "volumes" / "notes.json").write_text("{not json")
    result = docker("volume", "inspect", "notes")
    assert result.status == 1
    assert "volume notes was damaged in this sandbox" in result.err
    assert (isolated_state / "volumes" / "notes.json.corrupt-1").read_text() == "{not json"
    assert docker("volume", "create", "notes").status == 0


def test_a_process_that_would_outlive_the_clock_runs_until_stopped(docker: Docker) -> None:
    assert docker("run", "--rm", "--name", "forever", "alpine:3.21",
                  "sleep", "999999999999").status == 0
    assert "Up " in docker("ps", "--filter", "name=forever", "--format", "{{.Status}}").out
    year = docker("run", "--rm", "alpine:3.21", "date", "+%Y")
    assert (year.status, year.out) == (0, "2026\n"), year.err
    assert docker("stop", "forever").status == 0
    assert docker("ps", "-aq").out == ""  # --rm removed it once it stopped
    docker("run", "-d", "--name", "later", "alpine:3.21", "sleep", "5")
    assert docker("inspect", "-f", "{{.State.StartedAt}}", "later").out.startswith("2026-")


def test_the_clock_never_passes_what_timestamps_can_show() -> None:
    from tutor.engine.clock import LATEST, SimulatedClock, rfc3339

    clock = SimulatedClock()
    clock.advance(1e15)
    assert clock.now() == LATEST
    assert rfc3339(clock.now() + 10**6).startswith("9000-")
    assert SimulatedClock(1e15).now() == LATEST


def test_cp_to_dash_streams_a_tar_on_stdout(docker: Docker, tmp_path: Path,
                                           isolated_state: Path) -> None:
    import io
    import tarfile

    from tutor.dockercli import main

    assert docker("run", "-d", "--name", "box", "alpine:3.21", "sleep", "100").status == 0
    out = io.TextIOWrapper(io.BytesIO())
    err = io.StringIO()
    status = main(["cp", "box:/etc/apk", "-"], state=isolated_state, stdout=out,
                  stderr=err, tty=False, cwd=tmp_path)
    assert status == 0, err.getvalue()
    out.flush()
    raw = out.buffer.getvalue()  # type: ignore[attr-defined]
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        names = archive.getnames()
    assert "apk/arch" in names and all(n.startswith("apk") for n in names)
    assert not (tmp_path / "-").exists() and err.getvalue() == ""


def test_an_env_file_that_is_not_text_is_refused_as_the_cli_refuses_it(
    docker: Docker, tmp_path: Path
) -> None:
    (tmp_path / "bin.env").write_bytes(b"\xef\xbb\xbfA=1\n# note\n\x00\xffB\n")
    result = docker("run", "--rm", "--env-file", "bin.env", "alpine:3.21", "env")
    assert result.status == 125
    assert result.err.startswith(
        "docker: env file bin.env contains invalid utf8 bytes at line 3: [0 255 66]")
    (tmp_path / "ok.env").write_bytes(b"\xef\xbb\xbfA=1\n  # note\n B=2 \n")
    result = docker("run", "--rm", "--env-file", "ok.env", "alpine:3.21", "env")
    assert "A=1\n" in result.out and "B=2\n" in result.out


def test_a_thousand_deep_context_builds_and_runs(docker: Docker, tmp_path: Path) -> None:
    import os

    ctx = tmp_path / "deep"
    ctx.mkdir()
    levels = [ctx]
    for _ in range(1000):  # deeper than Python's recursion limit
        levels.append(levels[-1] / "d")
        os.mkdir(levels[-1])
    (levels[-1] / "f").write_text("bottom\n")
    (ctx / "Dockerfile").write_text("FROM alpine:3.21\nCOPY . /ctx\nRUN find /ctx | wc -l\n")
    try:
        result = docker("build", "--progress=plain", "-t", "deep:1", ".", cwd=ctx)
    finally:
        # pytest removes tmp_path with a recursive rmtree, which this depth would break
        (levels[-1] / "f").unlink()
        for level in reversed(levels[1:]):
            level.rmdir()
    assert result.status == 0, result.err[-2000:]
    assert " 1003\n" in result.err  # /ctx, 1000 directories, f and the Dockerfile
    made = docker("run", "--name", "deeper", "deep:1", "sh", "-c",
                  "mkdir -p /a/$(printf 'x/%.0s' $(seq 1 1100)) && echo made")
    assert (made.status, made.out) == (0, "made\n"), made.err
    assert len(docker("diff", "deeper").out.splitlines()) == 1101
    assert docker("rm", "deeper").status == 0


def test_run_rm_whose_start_fails_leaves_no_container(docker: Docker) -> None:
    # moby daemon/start.go: a failed start of an AutoRemove container removes it
    assert docker("run", "--rm", "alpine:3.21", "nosuchcmd").status == 127
    assert docker("ps", "-aq").out == ""
    assert docker("run", "alpine:3.21", "nosuchcmd").status == 127
    assert len(docker("ps", "-aq").out.split()) == 1  # without --rm it stays, Created
