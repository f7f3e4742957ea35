"""`RUN --mount` end to end, written from BuildKit's own tests and frontend source:
moby/buildkit `frontend/dockerfile/dockerfile_mount_test.go`, `dockerfile_runmount_test.go`,
`dockerfile2llb/convert_runmount.go`, `convert_secrets.go`, `convert_ssh.go` (tag v0.26.0)."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write


def build(docker: Docker, ctx: Path, *flags: str) -> str:
    result = docker("build", "--progress", "plain", *flags, ".", cwd=ctx)
    assert result.status == 0, result.err
    return result.err


def run_out(docker: Docker, image: str, *cmd: str) -> str:
    result = docker("run", "--rm", image, *cmd)
    assert result.status == 0, result.err
    return result.out


def test_bind_mount_of_the_context_is_seen_but_not_kept(docker: Docker, tmp_path: Path) -> None:
    # dockerfile_mount_test.go testMountContext: the context is readable at the target
    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM busybox\n"
                      "RUN --mount=target=/context [ \"$(cat /context/testfile)\" = contents0 ]"
                      " && cat /context/testfile > /seen\n",
        "testfile": "contents0",
    })
    build(docker, ctx, "-t", "m1")
    assert run_out(docker, "m1", "cat", "/seen") == "contents0"
    assert docker("run", "--rm", "m1", "ls", "/context").status != 0


def test_bind_mount_is_read_only_unless_rw_and_rw_writes_are_dropped(
        docker: Docker, tmp_path: Path) -> None:
    ro = write(tmp_path / "ro", {"Dockerfile": "FROM busybox\n"
                                               "RUN --mount=target=/ctx touch /ctx/new\n",
                                 "f": "x"})
    result = docker("build", "--progress", "plain", ".", cwd=ro)
    assert result.status == 1
    assert "Read-only file system" in result.err
    # testMountRWCache / ForceNoOutput: with rw the write works but nothing is kept
    rw = write(tmp_path / "rw", {"Dockerfile": "FROM busybox\n"
                                               "RUN --mount=target=/ctx,rw touch /ctx/new\n",
                                 "f": "x"})
    build(docker, rw, "-t", "m2")
    assert not (rw / "new").exists()
    assert docker("run", "--rm", "m2", "ls", "/ctx").status != 0


def test_bind_mount_from_a_stage_with_source(docker: Docker, tmp_path: Path) -> None:
    # testMountFromStage (from=stage, source=path)
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox AS base\n"
        "RUN mkdir -p /out && echo fromstage > /out/msg\n"
        "FROM busybox\n"
        "RUN --mount=from=base,source=/out,target=/m cat /m/msg > /copied\n")})
    build(docker, ctx, "-t", "m3")
    assert run_out(docker, "m3", "cat", "/copied") == "fromstage\n"


def test_bind_mount_content_is_part_of_the_cache_key(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM busybox\nRUN --mount=target=/s cat /s/req.txt > /r\n",
        "req.txt": "a\n"})
    build(docker, ctx)
    assert re.search(r"RUN --mount=target=/s cat /s/req.txt > /r\n#\d+ CACHED", build(docker, ctx))
    (ctx / "req.txt").write_text("b\n")
    err = build(docker, ctx, "-t", "m4")
    assert not re.search(r"RUN --mount=target=/s cat /s/req.txt > /r\n#\d+ CACHED", err)
    assert run_out(docker, "m4", "cat", "/r") == "b\n"


def test_cache_mount_persists_across_builds_but_never_in_the_image(
        docker: Docker, tmp_path: Path) -> None:
    # testCacheMountDefaultID / the cache mount's content is not part of the key
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\n"
        "ARG N=1\n"
        "RUN --mount=type=cache,target=/cache ls /cache > /before && touch /cache/run$N\n")})
    build(docker, ctx, "-t", "c1")
    assert run_out(docker, "c1", "cat", "/before") == ""
    assert docker("run", "--rm", "c1", "ls", "/cache").status != 0
    build(docker, ctx, "-t", "c2", "--build-arg", "N=2")
    assert run_out(docker, "c2", "cat", "/before") == "run1\n"
    # a cache mount's content is not in the key: an unchanged step stays cached
    err = build(docker, ctx, "--build-arg", "N=2")
    assert re.search(r"RUN --mount=type=cache.*\n#\d+ CACHED", err)
    # the same id from another target shares the cache
    other = write(tmp_path / "o", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=cache,id=/cache,target=/x ls /x > /seen\n")})
    build(docker, other, "-t", "c3")
    assert run_out(docker, "c3", "cat", "/seen") == "run1\nrun2\n"


def test_builder_prune_clears_cache_mounts(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nARG N=1\n"
        "RUN --mount=type=cache,target=/cache ls /cache > /before && echo $N > /cache/f\n")})
    build(docker, ctx)
    result = docker("builder", "prune", "-f")
    assert result.status == 0
    build(docker, ctx, "-t", "p1", "--build-arg", "N=2")
    assert run_out(docker, "p1", "cat", "/before") == ""


def test_cache_mount_uid_gid_mode(docker: Docker, tmp_path: Path) -> None:
    # testCacheMountUser / setCacheUIDGID: the cache root is made with uid, gid and mode
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\n"
        "RUN --mount=type=cache,target=/mycache,uid=1001,gid=1002,mode=0751 "
        "ls -nd /mycache > /out\n")})
    build(docker, ctx, "-t", "u1")
    out = run_out(docker, "u1", "cat", "/out")
    assert out.startswith("drwxr-x--x") and " 1001 " in out and " 1002 " in out


def test_tmpfs_mount_is_empty_and_gone(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN mkdir /t && echo old > /t/keep\n"
        "RUN --mount=type=tmpfs,target=/t ls /t > /inside && echo x > /t/new\n")})
    build(docker, ctx, "-t", "t1")
    assert run_out(docker, "t1", "cat", "/inside") == ""
    assert run_out(docker, "t1", "ls", "/t") == "keep\n"


def test_secret_mount_from_the_command_line(docker: Docker, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # testSecretFileParams, testSecretAsEnviron (convert_secrets.go)
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\n"
        "RUN --mount=type=secret,id=mysecret cat /run/secrets/mysecret > /copy && "
        "ls -l /run/secrets/mysecret > /mode\n"
        "RUN --mount=type=secret,id=tok,env=TOKEN echo \"$TOKEN\" > /env\n"),
        "s.txt": "pw"})
    monkeypatch.setenv("TOK_VALUE", "t0ken")
    build(docker, ctx, "-t", "s1", "--secret", "id=mysecret,src=s.txt",
          "--secret", "id=tok,env=TOK_VALUE")
    assert run_out(docker, "s1", "cat", "/copy") == "pw"
    assert run_out(docker, "s1", "cat", "/mode").startswith("-r--------")
    assert run_out(docker, "s1", "cat", "/env") == "t0ken\n"
    assert docker("run", "--rm", "s1", "ls", "/run/secrets/mysecret").status != 0


def test_missing_secret_is_skipped_unless_required(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=secret,id=nope ls /run/secrets/ > /l 2>&1 || true\n")})
    build(docker, ctx)
    req = write(tmp_path / "r", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=secret,id=nope,required true\n")})
    result = docker("build", ".", cwd=req)
    assert result.status == 1
    assert result.err.endswith("ERROR: failed to build: failed to solve: secret nope: not found\n")


def test_ssh_mount_with_and_without_an_agent(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=ssh echo \"$SSH_AUTH_SOCK\" > /sock\n")})
    build(docker, ctx, "-t", "h1", "--ssh", "default")
    assert run_out(docker, "h1", "cat", "/sock") == "/run/buildkit/ssh_agent.0\n"
    req = write(tmp_path / "r", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=ssh,required true\n")})
    result = docker("build", ".", cwd=req)
    assert result.status == 1
    assert 'no SSH key "default" forwarded from the client' in result.err


def test_mount_options_expand_args_and_relative_targets_use_workdir(
        docker: Docker, tmp_path: Path) -> None:
    # testMountEnvVar / convert_runmount.go joins a relative target to the working dir
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nARG SRC=data\nWORKDIR /w\n"
        "RUN --mount=source=$SRC,target=m cat m/x > /got\n"),
        "data/x": "hello"})
    build(docker, ctx, "-t", "e1")
    assert run_out(docker, "e1", "cat", "/got") == "hello"
    assert run_out(docker, "e1", "ls", "-A", "/w") == ""


def test_mount_target_root_is_refused(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM busybox\nRUN --mount=type=tmpfs,target=/ true\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert 'invalid mount target "/"' in result.err


def test_bind_mount_from_an_image(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=from=alpine:3.21,source=/etc,target=/a "
        "cat /a/alpine-release > /rel\n")})
    build(docker, ctx, "-t", "i1")
    assert run_out(docker, "i1", "cat", "/rel").startswith("3.21")


def test_output_local_and_tar(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM scratch\nCOPY a.txt /out/a.txt\n",
                                 "a.txt": "A"})
    err = build(docker, ctx, "-o", "type=local,dest=dist")
    assert (ctx / "dist" / "out" / "a.txt").read_text() == "A"
    assert "exporting to client directory" in err
    build(docker, ctx, "-o", "type=tar,dest=out.tar")
    with tarfile.open(ctx / "out.tar") as tar:
        assert "out/a.txt" in [m.name.lstrip("./") for m in tar.getmembers()]


# The scenarios of dockerfile_mount_test.go, each a Dockerfile that must build (or fail as
# there); their names are BuildKit's test functions.
MOUNT_SCENARIOS = {
    "testMountEnvVar": "FROM busybox\nENV SOME_PATH=/mycache\n"
                       "RUN --mount=type=cache,target=/mycache touch /mycache/foo\n"
                       "RUN --mount=type=cache,target=$SOME_PATH [ -f $SOME_PATH/foo ]\n",
    "testMountArg": "FROM busybox\nARG MNT_TYPE=cache\n"
                    "RUN --mount=type=$MNT_TYPE,target=/mycache2 touch /mycache2/foo\n"
                    "RUN --mount=type=cache,target=/mycache2 [ -f /mycache2/foo ]\n",
    "testMountEnvAcrossStages": "FROM busybox as stage1\nENV MNT_ID=mycache\n"
                                "ENV MNT_TYPE2=cache\n"
                                "RUN --mount=type=cache,id=mycache,target=/abcabc "
                                "touch /abcabc/foo\n"
                                "RUN --mount=type=$MNT_TYPE2,id=$MNT_ID,target=/cbacba "
                                "[ -f /cbacba/foo ]\n"
                                "FROM stage1\n"
                                "RUN --mount=type=$MNT_TYPE2,id=$MNT_ID,target=/whatever "
                                "[ -f /whatever/foo ]\n",
    "testMountMetaArg": "ARG META_PATH=/tmp/meta\nFROM busybox\nARG META_PATH\n"
                        "RUN --mount=type=cache,id=mycache,target=/tmp/meta touch /tmp/meta/foo\n"
                        "RUN --mount=type=cache,id=mycache,target=$META_PATH "
                        "[ -f /tmp/meta/foo ]\n",
}


@pytest.mark.parametrize("name", sorted(MOUNT_SCENARIOS))
def test_buildkit_mount_scenarios(docker: Docker, tmp_path: Path, name: str) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": MOUNT_SCENARIOS[name]})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 0, result.err


def test_mount_duplicate_sources(docker: Docker, tmp_path: Path) -> None:
    # testMountDuplicate (moby/buildkit#4123): the context mounted twice, once whole
    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM busybox AS base\n"
                      "RUN --mount=source=.,target=/tmp/test \\\n"
                      "  --mount=source=b.txt,target=/tmp/b.txt \\\n"
                      "  cat /tmp/test/a.txt /tmp/b.txt > /combined.txt\n"
                      "FROM scratch\nCOPY --from=base /combined.txt /\n",
        "a.txt": "a\n", "b.txt": "b\n"})
    assert docker("build", "-o", "out", ".", cwd=ctx).status == 0
    assert (ctx / "out/combined.txt").read_text() == "a\nb\n"


@pytest.mark.parametrize(("dockerfile", "expected"), [
    # testMountFromError, testMountInvalid
    ("FROM busybox as test\nRUN touch /tmp/test\nFROM busybox\nENV ttt=test\n"
     "RUN --mount=from=$ttt,type=cache,target=/tmp ls\n",
     "'from' doesn't support variable expansion, define alias stage instead"),
    ("FROM scratch\nRUN --mont=target=/mytmp,type=tmpfs /bin/true\n",
     "unknown flag: --mont (did you mean mount?)"),
    ("FROM scratch\nRUN --mount=typ=tmpfs /bin/true\n", "unexpected key 'typ'"),
    ("FROM scratch\nRUN --mount=type=tmp /bin/true\n",
     'unsupported mount type "tmp" (did you mean tmpfs?)'),
])
def test_invalid_mounts(docker: Docker, tmp_path: Path, dockerfile: str, expected: str) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": dockerfile})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert expected in result.err


def test_onbuild_trigger_with_a_cache_mount(docker: Docker, tmp_path: Path) -> None:
    # an ONBUILD RUN keeps its --mount and runs it in the child build
    base = write(tmp_path / "base", {"Dockerfile": (
        "FROM busybox\n"
        "ONBUILD RUN --mount=type=cache,target=/c ls /c > /seen && touch /c/x\n")})
    assert docker("build", "-t", "onb", ".", cwd=base).status == 0
    child = write(tmp_path / "child", {"Dockerfile": "FROM onb\nARG N=1\n"})
    assert docker("build", "-t", "ch1", ".", cwd=child).status == 0
    assert run_out(docker, "ch1", "cat", "/seen") == ""
    assert docker("build", "--no-cache", "-t", "ch2", ".", cwd=child).status == 0
    assert run_out(docker, "ch2", "cat", "/seen") == "x\n"


def test_pip_cache_mount_makes_a_rerun_fast(docker: Docker, tmp_path: Path) -> None:
    # Docker's guide "Optimize cache usage": RUN --mount=type=cache,target=/root/.cache/pip.
    # When requirements change the step runs again, but pip finds its downloads in the cache
    # mount (which is not in the image) and the step takes less time.
    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
                      "RUN --mount=type=cache,target=/root/.cache/pip "
                      "pip install -r requirements.txt\n",
        "requirements.txt": "flask\n"})

    def run_step(err: str) -> tuple[str, float]:
        number = re.search(r"#(\d+) \[\S+ 4/4\] RUN --mount", err)
        assert number is not None, err
        logs = "\n".join(x for x in err.splitlines() if x.startswith(f"#{number[1]} "))
        done = re.search(rf"#{number[1]} DONE ([0-9.]+)s", err)
        assert done is not None, err
        return logs, float(done[1])

    first_logs, first = run_step(build(docker, ctx, "-t", "py1"))
    assert "Downloading flask" in first_logs
    (ctx / "requirements.txt").write_text("flask\n# pinned later\n")
    second_logs, second = run_step(build(docker, ctx, "-t", "py2"))
    assert "Using cached flask" in second_logs and "Downloading" not in second_logs
    assert second < first
    assert docker("run", "--rm", "py2", "ls", "/root/.cache/pip").status != 0


def test_a_cached_step_does_not_need_its_secret(docker: Docker, tmp_path: Path) -> None:
    # the secret's value is not in the key; BuildKit asks the client for it only to run the step
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=secret,id=tok,required wc -c /run/secrets/tok\n"),
        "tok.txt": "abc"})
    build(docker, ctx, "--secret", "id=tok,src=tok.txt")
    err = build(docker, ctx)
    assert re.search(r"RUN --mount=type=secret.*\n#\d+ CACHED", err)


def test_secret_id_alone_reads_the_variable_or_file_of_that_name(
        docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # buildx/buildkit secretsprovider: `--secret id=X` is the environment variable X when it
    # is set, else the file named X
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=secret,id=API_KEY cat /run/secrets/API_KEY > /k\n")})
    monkeypatch.setenv("API_KEY", "from-env")
    build(docker, ctx, "-t", "k1", "--secret", "id=API_KEY")
    assert run_out(docker, "k1", "cat", "/k") == "from-env"
    monkeypatch.delenv("API_KEY")
    (ctx / "API_KEY").write_text("from-file")
    build(docker, ctx, "-t", "k2", "--no-cache", "--secret", "id=API_KEY")
    assert run_out(docker, "k2", "cat", "/k") == "from-file"


def test_a_miss_names_the_changed_bind_mounted_file(docker: Docker, tmp_path: Path,
                                                    isolated_state: Path) -> None:
    from tutor.engine import Engine
    from tutor.paths import content_dir

    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM busybox\nRUN --mount=target=/s cat /s/req.txt > /r\n",
        "req.txt": "a\n", "other.txt": "o\n"})
    build(docker, ctx)
    (ctx / "req.txt").write_text("b\n")
    build(docker, ctx)
    steps = Engine.open(isolated_state, content_dir("assets")).last_build()
    assert steps is not None
    reasons = {s.name.split("] ", 1)[1]: s.reason for s in steps if "] " in s.name}
    assert reasons["RUN --mount=target=/s cat /s/req.txt > /r"] == "changed files: /req.txt"


def test_system_df_and_prune_count_cache_mounts(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=cache,target=/c seq 1 1000 > /c/blob\n")})
    build(docker, ctx)
    df = docker("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Size}}")
    assert df.status == 0, df.err
    row = next(x for x in df.out.splitlines() if x.startswith("Build Cache"))
    assert row.split()[2] == "2"  # the RUN step and its cache mount
    pruned = docker("system", "prune", "-f")
    assert pruned.status == 0, pruned.err
    df = docker("system", "df", "--format", "{{.Type}} {{.TotalCount}}")
    assert "Build Cache 0" in df.out


def test_cache_mount_seeded_from_a_stage_and_read_only(docker: Docker, tmp_path: Path) -> None:
    # convert_runmount.go: a cache mount with `from` starts from that stage's `source`
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox AS seed\nRUN mkdir /s && echo seeded > /s/f\n"
        "FROM busybox\n"
        "RUN --mount=type=cache,id=seeded,from=seed,source=/s,target=/c cat /c/f > /got\n"
        "RUN --mount=type=cache,id=seeded,target=/c,ro touch /c/x 2>/err || true\n")})
    build(docker, ctx, "-t", "seed1")
    assert run_out(docker, "seed1", "cat", "/got") == "seeded\n"
    assert "Read-only file system" in run_out(docker, "seed1", "cat", "/err")
