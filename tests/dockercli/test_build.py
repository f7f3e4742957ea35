"""`docker build` end to end: output, cache decisions, layers and errors as BuildKit gives them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write

ALPINE_APP = {
    "Dockerfile": (
        "FROM alpine:3.21\n"
        "WORKDIR /app\n"
        "COPY app.sh .\n"
        "RUN chmod +x app.sh && echo built\n"
        'CMD ["./app.sh"]\n'
    ),
    "app.sh": "echo hello\n",
}


def steps(err: str) -> dict[str, str]:
    """Plain progress → {step name: 'CACHED' | 'DONE' | 'ERROR'} for the `[i/n]` steps
    after FROM."""
    names: dict[str, str] = {}
    result: dict[str, str] = {}
    for line in err.splitlines():
        m = re.match(r"#(\d+) (\[.*\] .*)$", line)
        if m and "[internal]" not in m.group(2) and "] FROM " not in m.group(2):
            names[m.group(1)] = m.group(2)
        m = re.match(r"#(\d+) (CACHED|DONE|ERROR)", line)
        if m and m.group(1) in names:
            result[names[m.group(1)]] = m.group(2)
    return result


def image_id(docker: Docker, ref: str) -> str:
    result = docker("image", "inspect", "--format", "{{.Id}}", ref)
    assert result.status == 0, result.err
    return result.out.strip()


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write(tmp_path / "app", ALPINE_APP)


@pytest.mark.docker_profile("28")  # classic-store image identity
def test_first_build_prints_buildkit_plain_progress(docker: Docker, app: Path) -> None:
    result = docker("build", "-t", "app:1", ".", cwd=app)
    assert result.status == 0, result.err
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0] == '#0 building with "default" instance using docker driver'
    assert "#1 [internal] load build definition from Dockerfile" in lines
    size = len(ALPINE_APP["Dockerfile"].encode())
    # the client's file-sync packets: the file's bytes plus its stat record
    sent = re.search(r"^#1 transferring dockerfile: (\d+)B done$", result.err, re.M)
    assert sent and size < int(sent.group(1)) < size + 100
    assert "#2 [internal] load metadata for docker.io/library/alpine:3.21" in lines
    assert any(re.fullmatch(
        r"#\d+ \[1/4\] FROM docker\.io/library/alpine:3\.21@sha256:[0-9a-f]{64}", line
    ) for line in lines)
    assert steps(result.err) == {
        "[2/4] WORKDIR /app": "DONE",
        "[3/4] COPY app.sh .": "DONE",
        "[4/4] RUN chmod +x app.sh && echo built": "DONE",
    }
    assert re.search(r"^#\d+ \d\.\d{3} built$", result.err, re.M)
    assert "naming to docker.io/library/app:1 done" in result.err
    written = re.search(r"writing image (sha256:[0-9a-f]{64}) done", result.err)
    assert written and written.group(1) == image_id(docker, "app:1")


@pytest.mark.docker_profile("28")  # classic-store image identity
def test_rebuild_is_all_cached_and_gives_the_same_image(docker: Docker, app: Path) -> None:
    first = docker("build", "-t", "app:1", ".", cwd=app)
    second = docker("build", "-t", "app:1", ".", cwd=app)
    assert second.status == 0
    assert set(steps(second.err).values()) == {"CACHED"}
    assert re.search(r"^#\d+ \[1/4\] FROM docker\.io/library/alpine:3\.21$", second.err, re.M)
    ids = [re.search(r"writing image (sha256:\w+)", r.err).group(1)  # type: ignore[union-attr]
           for r in (first, second)]
    assert ids[0] == ids[1]


def test_editing_a_copied_file_rebuilds_from_that_copy(docker: Docker, app: Path) -> None:
    docker("build", "-t", "app:1", ".", cwd=app)
    (app / "app.sh").write_text("echo changed\n")
    result = docker("build", "-t", "app:1", ".", cwd=app)
    assert steps(result.err) == {
        "[2/4] WORKDIR /app": "CACHED",
        "[3/4] COPY app.sh .": "DONE",
        "[4/4] RUN chmod +x app.sh && echo built": "DONE",
    }


def test_touch_keeps_the_cache_but_chmod_does_not(docker: Docker, app: Path) -> None:
    import os

    docker("build", "-t", "app:1", ".", cwd=app)
    os.utime(app / "app.sh", (1_000_000_000, 1_000_000_000))
    touched = docker("build", "-t", "app:1", ".", cwd=app)
    assert steps(touched.err)["[3/4] COPY app.sh ."] == "CACHED"
    (app / "app.sh").chmod(0o755)
    chmodded = docker("build", "-t", "app:1", ".", cwd=app)
    assert steps(chmodded.err)["[3/4] COPY app.sh ."] == "DONE"


def test_metadata_changes_keep_later_steps_cached_but_change_the_id(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "meta", {
        "Dockerfile": "FROM alpine:3.21\nLABEL v=1\nRUN echo one\nCMD [\"sh\"]\n",
    })
    docker("build", "-t", "m:1", ".", cwd=ctx)
    first = image_id(docker, "m:1")
    (ctx / "Dockerfile").write_text("FROM alpine:3.21\nLABEL v=2\nRUN echo one\nCMD [\"sh\"]\n")
    result = docker("build", "-t", "m:1", ".", cwd=ctx)
    assert steps(result.err)["[2/2] RUN echo one"] == "CACHED"
    assert image_id(docker, "m:1") != first


def test_env_change_reaches_later_runs(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "env", {"Dockerfile": "FROM alpine:3.21\nENV A=1\nRUN echo $A\n"})
    docker("build", ".", cwd=ctx)
    (ctx / "Dockerfile").write_text("FROM alpine:3.21\nENV A=2\nRUN echo $A\n")
    result = docker("build", ".", cwd=ctx)
    # BuildKit shows the step with the variables it knows expanded
    assert steps(result.err)["[2/2] RUN echo 2"] == "DONE"
    assert re.search(r"^#\d+ \d\.\d{3} 2$", result.err, re.M)


def test_build_arg_change_invalidates_every_run_after_the_arg(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "arg", {
        "Dockerfile": "FROM alpine:3.21\nRUN echo before\nARG V\nRUN echo hello\n",
    })
    docker("build", "--build-arg", "V=1", ".", cwd=ctx)
    result = docker("build", "--build-arg", "V=2", ".", cwd=ctx)
    assert steps(result.err) == {
        "[2/3] RUN echo before": "CACHED",
        "[3/3] RUN echo hello": "DONE",
    }


@pytest.mark.docker_profile("28")  # classic-store layer sizes
def test_history_shows_buildkit_rows(docker: Docker, app: Path) -> None:
    docker("build", "-t", "app:1", ".", cwd=app)
    result = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "app:1")
    rows = result.out.splitlines()
    script = len(ALPINE_APP["app.sh"])
    assert rows[:4] == [
        'CMD ["./app.sh"]|0B',
        # chmod copies the file up into the RUN's layer: it is stored a second time
        f"RUN /bin/sh -c chmod +x app.sh && echo built # buildkit|{script}B",
        f"COPY app.sh . # buildkit|{script}B",
        "WORKDIR /app|0B",
    ]


@pytest.mark.docker_profile("28")  # classic-store sizes / API 1.51 shape
def test_deleting_a_file_in_a_later_layer_does_not_shrink_the_image(
    docker: Docker, tmp_path: Path
) -> None:
    big = "x" * 300_000
    ctx = write(tmp_path / "wh", {
        "Dockerfile": "FROM alpine:3.21\nCOPY big.txt /big.txt\nRUN rm /big.txt\n",
        "big.txt": big,
    })
    assert docker("build", "-t", "wh:1", ".", cwd=ctx).status == 0
    base = int(docker("image", "inspect", "-f", "{{.Size}}", "alpine:3.21").out)
    size = int(docker("image", "inspect", "-f", "{{.Size}}", "wh:1").out)
    assert size == base + len(big)


def test_run_failure_is_reported_as_buildkit_does(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "fail", {"Dockerfile": "FROM alpine:3.21\nRUN echo hi && exit 3\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    tail = result.err[result.err.index("ERROR: process"):]
    expected = (
        'ERROR: process "/bin/sh -c echo hi && exit 3" did not complete successfully: '
        "exit code: 3\n"
        "------\n"
        " > [2/2] RUN echo hi && exit 3:\n"
    )
    assert tail.startswith(expected.split("#")[-1][len(""):]) or expected in result.err
    assert re.search(r"^\d\.\d{3} hi$", result.err, re.M)
    assert result.err.endswith(
        "Dockerfile:2\n"
        "--------------------\n"
        "   1 |     FROM alpine:3.21\n"
        "   2 | >>> RUN echo hi && exit 3\n"
        "   3 |     \n"
        "--------------------\n"
        'ERROR: failed to build: failed to solve: process "/bin/sh -c echo hi && exit 3" '
        "did not complete successfully: exit code: 3\n"
    )


def test_unknown_command_fails_like_sh(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "nf", {"Dockerfile": "FROM alpine:3.21\nRUN curl example.com\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert re.search(r"^#\d+ \d\.\d{3} /bin/sh: curl: not found$", result.err, re.M)
    assert "did not complete successfully: exit code: 127" in result.err


def test_unknown_instruction_suggests_and_points_at_the_line(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "typo", {"Dockerfile": "FROM alpine:3.21\nRUNN echo hi\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert ">>> RUNN echo hi" in result.err
    assert result.err.endswith(
        "ERROR: failed to build: failed to solve: dockerfile parse error on line 2: "
        "unknown instruction: RUNN (did you mean RUN?)\n"
    )


def test_copy_of_a_missing_file_fails_with_not_found(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "missing", {"Dockerfile": "FROM alpine:3.21\nCOPY nope.txt /\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert re.search(
        r'ERROR: failed to build: failed to solve: failed to compute cache key: failed to '
        r'calculate checksum of ref [a-z0-9]{25}::[a-z0-9]{25}: "/nope.txt": not found\n$',
        result.err,
    )


def test_unknown_base_image(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "base", {"Dockerfile": "FROM alpine:nope\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    # BuildKit's error line unchanged, then the tutor's one line naming tags that exist
    error, hint = result.err.rstrip("\n").split("\n")[-2:]
    assert error == (
        "ERROR: failed to build: failed to solve: alpine:nope: failed to resolve source "
        "metadata for docker.io/library/alpine:nope: docker.io/library/alpine:nope: "
        "not found"
    )
    assert hint.startswith("tutor: no such tag; closest that exist: alpine:")


def test_dockerignored_files_never_invalidate(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "ign", {
        "Dockerfile": "FROM alpine:3.21\nCOPY . /src\n",
        ".dockerignore": "*.log\n",
        "a.txt": "a",
        "debug.log": "1",
    })
    docker("build", ".", cwd=ctx)
    (ctx / "debug.log").write_text("2")
    result = docker("build", ".", cwd=ctx)
    assert steps(result.err)["[2/2] COPY . /src"] == "CACHED"


def test_no_cache_rebuilds_every_step(docker: Docker, app: Path) -> None:
    docker("build", "-t", "app:1", ".", cwd=app)
    result = docker("build", "--no-cache", "-t", "app:1", ".", cwd=app)
    assert set(steps(result.err).values()) == {"DONE"}


def test_quiet_prints_only_the_image_id(docker: Docker, app: Path) -> None:
    result = docker("build", "-q", "-t", "app:1", ".", cwd=app)
    assert result.status == 0
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", result.out)
    assert result.err == ""


def test_multi_stage_builds_only_what_the_target_needs(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "ms", {
        "Dockerfile": (
            "FROM alpine:3.21 AS build\n"
            "RUN mkdir /out && echo artifact > /out/app\n"
            "FROM alpine:3.21 AS unused\n"
            "RUN echo never\n"
            "FROM alpine:3.21\n"
            "COPY --from=build /out/app /app\n"
        ),
    })
    result = docker("build", "-t", "ms:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "never" not in result.err
    assert "[build 2/2] RUN mkdir /out" in result.err
    assert "[stage-2 2/2] COPY --from=build /out/app /app" in result.err
    history = docker("history", "--format", "{{.CreatedBy}}", "ms:1").out
    assert "mkdir /out" not in history
    target = docker("build", "--target", "build", "-t", "ms:build", ".", cwd=ctx)
    assert target.status == 0
    assert "COPY --from=build" not in target.err


@pytest.mark.docker_profile("28")  # classic-store image identity
def test_fresh_sandboxes_build_identical_images(
    docker: Docker, app: Path, tmp_path: Path
) -> None:
    first = docker("build", "-q", ".", cwd=app, state=tmp_path / "s1").out
    second = docker("build", "-q", ".", cwd=app, state=tmp_path / "s2").out
    assert first == second


def test_wrong_argument_count_is_buildx_usage_error(docker: Docker, tmp_path: Path) -> None:
    result = docker("build", cwd=tmp_path)
    assert result.status == 1
    assert result.err.startswith(
        'ERROR: "docker buildx build" requires exactly 1 argument.\n'
        "See 'docker buildx build --help'.\n\n"
        "Usage:  docker buildx build [OPTIONS] PATH | URL | -\n\nStart a build\n"
    )


def _tree_of(isolated_state: Path, ref: str):  # type: ignore[no-untyped-def]
    from tutor.engine import Engine
    from tutor.paths import content_dir

    engine = Engine.open(isolated_state, content_dir("assets"))
    return engine.tree(engine.images.resolve(ref).diff_ids)


def test_add_downloads_urls_without_unpacking_and_unpacks_local_tars(
    docker: Docker, tmp_path: Path, isolated_state: Path
) -> None:
    import io
    import tarfile

    ctx = tmp_path / "add"
    ctx.mkdir()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("pkg/file.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    (ctx / "local.tar.gz").write_bytes(buf.getvalue())
    (ctx / "Dockerfile").write_text(
        "FROM alpine:3.21\n"
        "ADD https://example.com/tool-1.0.tar.gz /dl/\n"
        "ADD local.tar.gz /opt/\n"
    )
    assert docker("build", "-t", "add:1", ".", cwd=ctx).status == 0
    tree = _tree_of(isolated_state, "add:1")
    downloaded = tree.get("/dl/tool-1.0.tar.gz")
    assert downloaded is not None and downloaded.mode == 0o600
    assert tree.get("/opt/pkg/file.txt") is not None
    assert tree.get("/opt/local.tar.gz") is None


def test_add_from_an_unknown_host(docker: Docker, tmp_path: Path) -> None:
    dockerfile = "FROM alpine:3.21\nADD https://nope.test/x /\n"
    ctx = write(tmp_path / "nohost", {"Dockerfile": dockerfile})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert result.err.endswith(
        'ERROR: failed to build: failed to solve: failed to load cache key: Get '
        '"https://nope.test/x": dial tcp: lookup nope.test on 127.0.0.11:53: no such host\n'
    )


def test_copy_chown_chmod_and_user(docker: Docker, tmp_path: Path, isolated_state: Path) -> None:
    ctx = write(tmp_path / "own", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "RUN adduser -D -u 1001 app\n"
            "COPY --chown=app:app --chmod=640 conf.txt /etc/app/conf.txt\n"
            "USER app\n"
            "WORKDIR /home/app/work\n"
            "RUN id && touch mine\n"
        ),
        "conf.txt": "x=1\n",
    })
    result = docker("build", "-t", "own:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert re.search(r"uid=1001\(app\) gid=1001\(app\)", result.err)
    tree = _tree_of(isolated_state, "own:1")
    conf = tree.get("/etc/app/conf.txt")
    assert conf is not None and (conf.uid, conf.gid, conf.mode) == (1001, 1001, 0o640)
    mine = tree.get("/home/app/work/mine")
    assert mine is not None and mine.uid == 1001
    assert docker("image", "inspect", "-f", "{{.Config.User}}", "own:1").out == "app\n"


def test_unknown_user_fails_the_run(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "nouser", {"Dockerfile": "FROM alpine:3.21\nUSER ghost\nRUN true\n"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert result.err.endswith(
        "ERROR: failed to build: failed to solve: unable to find user ghost: "
        "no matching entries in passwd file\n"
    )


def test_heredoc_run_and_copy(docker: Docker, tmp_path: Path, isolated_state: Path) -> None:
    ctx = write(tmp_path / "heredoc", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "COPY <<EOF /etc/motd\n"
            "hello there\n"
            "EOF\n"
            "RUN <<EOF\n"
            "echo first > /one\n"
            "echo second > /two\n"
            "EOF\n"
        ),
    })
    result = docker("build", "-t", "hd:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    tree = _tree_of(isolated_state, "hd:1")
    for path, text in (("/etc/motd", b"hello there\n"), ("/one", b"first\n"),
                       ("/two", b"second\n")):
        node = tree.get(path)
        assert node is not None and node.content is not None
        assert node.content.read() == text


def test_onbuild_triggers_run_in_the_child_build(docker: Docker, tmp_path: Path) -> None:
    parent = write(tmp_path / "parent", {
        "Dockerfile": "FROM alpine:3.21\nONBUILD RUN echo triggered > /flag\n",
    })
    assert docker("build", "-t", "parent:1", ".", cwd=parent).status == 0
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "parent:1").out
    assert "ONBUILD" not in history  # BuildKit records no history entry for ONBUILD
    onbuild = docker("image", "inspect", "-f", "{{json .Config.OnBuild}}", "parent:1").out
    assert onbuild.strip() == '["RUN echo triggered > /flag"]'
    child = write(tmp_path / "child", {"Dockerfile": "FROM parent:1\nRUN cat /flag\n"})
    result = docker("build", ".", cwd=child)
    assert result.status == 0, result.err
    assert "ONBUILD RUN echo triggered > /flag" in result.err
    assert re.search(r"^#\d+ \d\.\d{3} triggered$", result.err, re.M)


def test_copy_from_an_image(docker: Docker, tmp_path: Path, isolated_state: Path) -> None:
    ctx = write(tmp_path / "fromimg", {
        "Dockerfile": "FROM alpine:3.21\nCOPY --from=busybox:latest /bin/busybox /bb\n",
    })
    result = docker("build", "-t", "ci:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "load metadata for docker.io/library/busybox:latest" in result.err
    node = _tree_of(isolated_state, "ci:1").get("/bb")
    assert node is not None and node.size > 500_000


def _reasons(isolated_state: Path) -> dict[str, str]:
    from tutor.engine import Engine
    from tutor.paths import content_dir

    steps = Engine.open(isolated_state, content_dir("assets")).last_build()
    assert steps is not None
    return {s.name.split("] ", 1)[1]: s.reason for s in steps if "] " in s.name}


def test_the_builder_explains_each_miss(
    docker: Docker, tmp_path: Path, isolated_state: Path
) -> None:
    ctx = write(tmp_path / "why", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "WORKDIR /app\n"
            "COPY deps.txt .\n"
            "RUN cat deps.txt\n"
            "COPY . .\n"
            "RUN ls\n"
        ),
        "deps.txt": "a\n",
        "main.sh": "echo 1\n",
    })
    docker("build", ".", cwd=ctx)
    first = _reasons(isolated_state)
    assert first["COPY deps.txt ."].startswith("not in the cache yet")
    (ctx / "main.sh").write_text("echo 2\n")
    docker("build", ".", cwd=ctx)
    second = _reasons(isolated_state)
    assert second["COPY deps.txt ."] == ""
    assert second["RUN cat deps.txt"] == ""
    assert second["COPY . ."] == "changed files: /main.sh"
    assert second["RUN ls"].startswith("an earlier step was rebuilt")
    (ctx / "Dockerfile").write_text((ctx / "Dockerfile").read_text().replace(
        "RUN cat deps.txt", "RUN cat deps.txt && echo ok"))
    docker("build", ".", cwd=ctx)
    third = _reasons(isolated_state)
    assert third["RUN cat deps.txt && echo ok"] == "instruction changed (was: RUN cat deps.txt)"


def test_builder_prune_empties_the_cache(docker: Docker, app: Path) -> None:
    docker("build", "-t", "app:1", ".", cwd=app)
    result = docker("builder", "prune", "-f")
    assert result.status == 0
    assert re.fullmatch(r"(ID\s+RECLAIMABLE\s+SIZE\s+LAST ACCESSED\n(.+\n)+)?"
                        r"Total:\s+\S+\n", result.out), result.out
    again = docker("build", "-t", "app:1", ".", cwd=app)
    assert steps(again.err)["[3/4] COPY app.sh ."] == "DONE"


def test_copy_rules_follow_buildkit(docker: Docker, tmp_path: Path, isolated_state: Path) -> None:
    ctx = write(tmp_path / "rules", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "COPY src/ /dst/\n"          # a directory's contents, not the directory
            "COPY *.md /docs/\n"          # a wildcard into a directory
            "COPY *.nomatch /none/\n"     # a wildcard matching nothing is no error
            "COPY one.txt /renamed.txt\n" # a single file may be renamed
            "COPY ../one.txt /up.txt\n"   # ../ is cleaned inside the context
        ),
        "src/a/b.txt": "b",
        "src/c.txt": "c",
        "README.md": "r",
        "NOTES.md": "n",
        "one.txt": "1",
    })
    result = docker("build", "-t", "rules:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    tree = _tree_of(isolated_state, "rules:1")
    for path in ("/dst/a/b.txt", "/dst/c.txt", "/docs/README.md", "/docs/NOTES.md",
                 "/renamed.txt", "/up.txt"):
        assert tree.get(path) is not None, path
    assert tree.get("/dst/src") is None


def test_a_symlink_leaving_the_context_is_not_found(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s")
    ctx = write(tmp_path / "link", {"Dockerfile": "FROM alpine:3.21\nCOPY leak.txt /\n"})
    (ctx / "leak.txt").symlink_to("../secret.txt")
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert result.err.rstrip().endswith('"/leak.txt": not found')


def test_dockerfile_specific_ignore_file_wins(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "specific", {
        "app.Dockerfile": "FROM alpine:3.21\nCOPY . /src\n",
        "app.Dockerfile.dockerignore": "secret*\n",
        ".dockerignore": "",
        "secret.txt": "s",
        "ok.txt": "o",
    })
    result = docker("build", "-f", "app.Dockerfile", "-t", "spec:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "[internal] load .dockerignore" not in result.err
    assert "load build definition from app.Dockerfile" in result.err


NODE_APP = {
    "package.json": '{"name": "app", "version": "1.0.0", '
                    '"dependencies": {"express": "^4.21.2"}}\n',
    "server.js": "const express = require('express');\n"
                 "const app = express();\n"
                 "app.get('/', (req, res) => res.send('v1'));\n"
                 "app.listen(3000);\n",
}
GOOD_ORDER = ("FROM node:20-alpine\nWORKDIR /app\nCOPY package.json .\nRUN npm install\n"
              "COPY . .\nCMD [\"node\", \"server.js\"]\n")
BAD_ORDER = ("FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\n"
             "CMD [\"node\", \"server.js\"]\n")


@pytest.mark.parametrize(("dockerfile", "install_cached"), [(GOOD_ORDER, True),
                                                            (BAD_ORDER, False)],
                         ids=["package-json-first", "everything-first"])
def test_code_edit_and_the_dependency_install(
    docker: Docker, tmp_path: Path, dockerfile: str, install_cached: bool
) -> None:
    ctx = write(tmp_path / "node", {**NODE_APP, "Dockerfile": dockerfile})
    first = docker("build", "-t", "node-app:1", ".", cwd=ctx)
    assert first.status == 0, first.err
    assert re.search(r"added \d+ packages", first.err)
    (ctx / "server.js").write_text(NODE_APP["server.js"].replace("v1", "v2"))
    second = docker("build", "-t", "node-app:1", ".", cwd=ctx)
    install = next(v for k, v in steps(second.err).items() if k.endswith("RUN npm install"))
    assert install == ("CACHED" if install_cached else "DONE")


@pytest.mark.docker_profile("28")  # classic-store sizes / API 1.51 shape
def test_multi_stage_final_image_carries_only_what_it_copies(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "slim", {
        "Dockerfile": (
            "FROM alpine:3.21 AS build\n"
            "RUN apk add --no-cache build-base && mkdir /out && echo bin > /out/app\n"
            "FROM alpine:3.21\n"
            "COPY --from=build /out/app /usr/local/bin/app\n"
        ),
    })
    result = docker("build", "-t", "slim:1", "--target", "build", ".", cwd=ctx)
    assert result.status == 0, result.err
    fat = int(docker("image", "inspect", "-f", "{{.Size}}", "slim:1").out)
    assert docker("build", "-t", "slim:2", ".", cwd=ctx).status == 0
    slim = int(docker("image", "inspect", "-f", "{{.Size}}", "slim:2").out)
    base = int(docker("image", "inspect", "-f", "{{.Size}}", "alpine:3.21").out)
    assert slim == base + len("bin\n")
    assert fat > base + 10_000_000  # the toolchain stays in the build stage


def test_metadata_history_is_worded_as_buildkit_writes_it(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "meta-history", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "ENV A=1 B=two\n"
            "ARG V=3\n"
            "LABEL team=edu\n"
            "EXPOSE 80 53/udp\n"
            "VOLUME /data\n"
            "USER nobody\n"
            "STOPSIGNAL SIGQUIT\n"
            'SHELL ["/bin/sh", "-eu", "-c"]\n'
            "HEALTHCHECK --interval=30s --timeout=3s CMD wget -q -O- localhost || exit 1\n"
            "ENTRYPOINT top -b\n"
        ),
    })
    assert docker("build", "-t", "mh:1", ".", cwd=ctx).status == 0
    rows = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "mh:1").out
    assert rows.splitlines()[:10] == [
        'ENTRYPOINT ["/bin/sh" "-eu" "-c" "top -b"]',
        "HEALTHCHECK {Test:[CMD-SHELL wget -q -O- localhost || exit 1] Interval:30s "
        "Timeout:3s StartPeriod:0s StartInterval:0s Retries:0}",
        "SHELL [/bin/sh -eu -c]",
        "STOPSIGNAL SIGQUIT",
        "USER nobody",
        "VOLUME [/data]",
        "EXPOSE [53/udp 80/tcp]",  # BuildKit sorts EXPOSE's words as it parses them
        "LABEL team=edu",
        "ARG V=3",
        "ENV A=1 B=two",
    ]
    # ENTRYPOINT drops the CMD inherited from alpine
    assert docker("image", "inspect", "-f", "{{json .Config.Cmd}}", "mh:1").out.strip() in (
        "null", "")


def test_copy_link_survives_a_base_image_change(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "link", {"Dockerfile": "FROM alpine:3.21\nCOPY --link app.txt /\n",
                                    "app.txt": "x"})
    assert docker("build", ".", cwd=ctx).status == 0
    (ctx / "Dockerfile").write_text("FROM alpine:3.20\nCOPY --link app.txt /\n")
    rebased = docker("build", ".", cwd=ctx)
    assert steps(rebased.err)["[2/2] COPY --link app.txt /"] == "CACHED"
    (ctx / "Dockerfile").write_text("FROM alpine:3.21\nCOPY app.txt /\n")
    docker("build", ".", cwd=ctx)
    (ctx / "Dockerfile").write_text("FROM alpine:3.20\nCOPY app.txt /\n")
    plain = docker("build", ".", cwd=ctx)
    assert steps(plain.err)["[2/2] COPY app.txt /"] == "DONE"


def test_target_resolves_only_the_images_it_needs(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "tgt", {
        "Dockerfile": "FROM busybox AS tools\nRUN true\nFROM alpine:3.21\nRUN true\n",
    })
    result = docker("build", "--target", "tools", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "load metadata for docker.io/library/busybox:latest" in result.err
    assert "alpine" not in result.err


@pytest.mark.parametrize("argv", [["build", "-t", "stdin:1", "-"],
                                  ["build", "-t", "stdin:1", "-f", "-", "."]],
                         ids=["no-context", "dockerfile-on-stdin"])
def test_dockerfile_from_stdin(docker: Docker, tmp_path: Path, argv: list[str]) -> None:
    text = "FROM alpine:3.21\nRUN echo from-stdin\n"
    result = docker(*argv, cwd=tmp_path, stdin=text)
    assert result.status == 0, result.err
    assert re.search(r"^#\d+ \d\.\d{3} from-stdin$", result.err, re.M)


def test_no_context_means_copy_finds_nothing(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "here.txt").write_text("x")
    result = docker("build", "-", cwd=tmp_path, stdin="FROM alpine:3.21\nCOPY here.txt /\n")
    assert result.status == 1
    assert result.err.rstrip().endswith('"/here.txt": not found')


def test_save_to_stdout_and_load_from_stdin(docker: Docker, tmp_path: Path) -> None:
    import subprocess
    import sys

    env_state = tmp_path / "a"
    tutor = [sys.executable, "-m", "tutor", "--state", str(env_state), "docker"]
    subprocess.run([*tutor, "pull", "alpine:3.21"], check=True, capture_output=True)
    archive = subprocess.run([*tutor, "save", "alpine:3.21"], check=True,
                             capture_output=True).stdout
    other = [sys.executable, "-m", "tutor", "--state", str(tmp_path / "b"), "docker"]
    loaded = subprocess.run([*other, "load"], input=archive, capture_output=True)
    assert (loaded.returncode, loaded.stdout) == (0, b"Loaded image: alpine:3.21\n")
    empty = subprocess.run([*other, "load"], input=b"", capture_output=True)
    assert (empty.returncode, empty.stderr) == (
        1, b"requested load from stdin, but stdin is empty\n")


def test_a_later_invalid_instruction_fails_before_any_step_runs(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "late", {
        "Dockerfile": "FROM alpine:3.21\nRUN echo ran-anyway\nEXPOSE 80/xyz\n",
    })
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert not re.search(r"^#\d+ \d\.\d{3} ran-anyway$", result.err, re.M)  # no RUN ran
    assert "RUN echo ran-anyway\n#" not in result.err
    assert ">>> EXPOSE 80/xyz" in result.err
    assert result.err.endswith(
        'ERROR: failed to build: failed to solve: invalid port: "80/xyz": invalid proto: xyz\n')


def test_a_stage_built_from_a_stage_keeps_its_history_times_and_args(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "chain", {"Dockerfile": (
        "FROM alpine:3.21 AS base\nARG V=1\nRUN echo a > /a\nFROM base\nRUN echo b > /b\n")})
    assert docker("build", "-t", "chain:1", ".", cwd=ctx).status == 0
    rows = docker("history", "--no-trunc", "--format", "{{.CreatedAt}}|{{.CreatedBy}}",
                  "chain:1").out.splitlines()
    assert not any(row.startswith("1970-") for row in rows), rows
    assert rows[0].endswith("|RUN |1 V=1 /bin/sh -c echo b > /b # buildkit")


def test_workdir_and_copy_create_every_missing_parent(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "deep", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "WORKDIR /usr/src/app\n"
            "WORKDIR /w/a/b\n"
            "COPY a.txt /dst/new/deep/\n"
            "COPY a.txt /single/missing/parents/b.txt\n"
            "RUN pwd && cat /dst/new/deep/a.txt /single/missing/parents/b.txt\n"
        ),
        "a.txt": "copied\n",
    })
    result = docker("build", "--progress=plain", "-t", "deep:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "/w/a/b\n" in result.err and result.err.count("copied") == 2
    listing = docker("run", "--rm", "deep:1", "ls", "-ld", "/usr/src/app", "/w/a", "/dst/new")
    assert listing.status == 0, listing.err
    assert [line[0] for line in listing.out.splitlines()] == ["d", "d", "d"]


def test_workdir_through_a_file_fails_with_the_step_and_its_lines(
    docker: Docker, tmp_path: Path
) -> None:
    ctx = write(tmp_path / "bad", {"Dockerfile": "FROM alpine:3.21\nWORKDIR /etc/passwd/x\n"})
    result = docker("build", "--progress=plain", ".", cwd=ctx)
    assert result.status == 1
    assert " > [2/2] WORKDIR /etc/passwd/x:" in result.err
    assert "   2 | >>> WORKDIR /etc/passwd/x" in result.err
    assert result.err.rstrip().endswith(
        "ERROR: failed to build: failed to solve: mkdir /etc/passwd/x: not a directory")
