"""`docker build` is `docker buildx build`: its help and the buildx flags, end to end.

Expected texts from docker/buildx `commands/build.go` and `docs/reference/buildx_build.md`
@ v0.36.0 (the buildx Docker 29.7.2 ships), and moby/buildkit `frontend/dockerui` @ v0.26.0."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write

SIMPLE = {"Dockerfile": "FROM busybox\nRUN echo hi > /hi\n"}


def test_build_help_is_buildx_build_help(docker: Docker) -> None:
    result = docker("build", "--help")
    assert result.status == 0
    lines = result.out.splitlines()
    assert lines[:8] == [
        "Usage:  docker buildx build [OPTIONS] PATH | URL | -", "", "Start a build", "",
        "Aliases:",
        "  docker build, docker builder build, docker image build, docker buildx b", "",
        "Options:",
    ]
    # pflag's layout: type names (`strings` for a string slice), sorted, defaults appended
    assert "      --add-host strings              Add a custom host-to-IP mapping " \
           '(format: "host:ip")' in lines
    assert "  -o, --output stringArray            Output destination " \
           '(format: "type=local,dest=path")' in lines
    assert any(line.startswith("      --call string") and line.endswith('(default "build")')
               for line in lines)
    assert any(line.startswith("      --check  ") for line in lines)
    assert lines[-1].startswith("      --ulimit ulimit") and lines[-1].endswith("(default [])")
    assert docker("image", "build", "--help").out == result.out


def test_naming_adds_latest(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", SIMPLE)
    result = docker("build", "--progress", "plain", "-t", "app", ".", cwd=ctx)
    assert "naming to docker.io/library/app:latest done" in result.err


def test_iidfile_and_metadata_file(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", SIMPLE)
    result = docker("build", "-q", "-t", "app", "--iidfile", "id.txt", "--metadata-file",
                    "meta.json", ".", cwd=ctx)
    assert result.status == 0, result.err
    image_id = result.out.strip()
    assert (ctx / "id.txt").read_text() == image_id
    meta = json.loads((ctx / "meta.json").read_text())
    assert meta["containerimage.config.digest"] == image_id
    assert meta["image.name"] == "docker.io/library/app:latest"


def test_check_lints_without_building(docker: Docker, tmp_path: Path) -> None:
    ok = write(tmp_path / "ok", SIMPLE)
    result = docker("build", "--check", ".", cwd=ok)
    assert (result.status, result.out) == (0, "Check complete, no warnings found.\n")
    bad = write(tmp_path / "bad", {"Dockerfile": "from busybox as Base\nRUN true\n"})
    result = docker("build", "--call=check", ".", cwd=bad)
    assert result.status == 1
    assert result.out.startswith("Check complete, 2 warnings have been found!\n")
    assert "\nWARNING: StageNameCasing - https://docs.docker.com/go/dockerfile/rule/" \
           "stage-name-casing/\nStage name 'Base' should be lowercase\n" in result.out
    assert "Dockerfile:1\n--------------------\n   1 | >>> from busybox as Base\n" in result.out
    assert docker("images", "-q").out == ""


def test_no_cache_filter_rebuilds_only_that_stage(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox AS base\nRUN echo a > /a\n"
        "FROM base AS final\nRUN echo b > /b\n")})
    docker("build", ".", cwd=ctx)
    result = docker("build", "--progress", "plain", "--no-cache-filter", "final", ".", cwd=ctx)
    assert result.status == 0, result.err
    lines = result.err.splitlines()
    base = lines.index(next(x for x in lines if "[base 2/2] RUN echo a" in x))
    final = lines.index(next(x for x in lines if "[final 1/1] RUN echo b" in x))
    assert lines[base + 1].endswith("CACHED")
    assert not lines[final + 1].endswith("CACHED")


def test_lowercase_dockerfile_is_used_when_Dockerfile_is_absent(
        docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"dockerfile": "FROM busybox\nRUN echo lower > /l\n"})
    result = docker("build", "-t", "low", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert docker("run", "--rm", "low", "cat", "/l").out == "lower\n"


def test_scratch_stage_has_workdir_root(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM scratch\nCOPY f /f\n", "f": "x"})
    assert docker("build", "-t", "scr", ".", cwd=ctx).status == 0
    assert docker("image", "inspect", "--format", "{{.Config.WorkingDir}}", "scr").out == "/\n"


def test_output_dash_is_a_tar_on_stdout(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM scratch\nCOPY f /f\n", "f": "x"})
    result = docker("build", "-o", "-", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "ustar" in result.out
    assert docker("images", "-q").out == ""


def test_bad_secret_flag(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", SIMPLE)
    result = docker("build", "--secret", "id=x,bogus=1", ".", cwd=ctx)
    assert result.status == 1
    assert result.err == "ERROR: unexpected key 'bogus' in 'bogus=1'\n"


def test_build_context_directory_and_docker_image(docker: Docker, tmp_path: Path) -> None:
    # buildx `--build-context` (docs/reference/buildx_build.md#build-context): a directory is
    # read by COPY --from and mount from; docker-image:// stands in for an image
    write(tmp_path / "extra", {"e.txt": "hi\n"})
    ctx = write(tmp_path / "app", {"Dockerfile": (
        "FROM alpine\nCOPY --from=extra e.txt /e.txt\n"
        "RUN --mount=from=extra,target=/x cat /x/e.txt > /m && cat /etc/alpine-release > /r\n")})
    result = docker("build", "--progress", "plain", "-t", "named", "--build-context",
                    "extra=../extra", "--build-context", "alpine=docker-image://alpine:3.20",
                    ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "load metadata for docker.io/library/alpine:3.20" in result.err
    assert "[context extra] load from client" in result.err
    assert docker("run", "--rm", "named", "cat", "/e.txt", "/m").out == "hi\nhi\n"
    assert docker("run", "--rm", "named", "cat", "/r").out.startswith("3.20.")


def test_push_sends_the_built_image(docker: Docker, tmp_path: Path) -> None:
    started = docker("run", "-d", "-p", "5000:5000", "registry:2")
    assert started.status == 0, started.err
    ctx = write(tmp_path / "c", SIMPLE)
    result = docker("build", "--push", "-t", "localhost:5000/app:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    docker("rmi", "localhost:5000/app:1")
    assert docker("pull", "localhost:5000/app:1").status == 0


def test_ssh_with_an_id(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=ssh,id=gh,required ls /run/buildkit > /l\n")})
    missing = docker("build", ".", cwd=ctx)
    assert 'no SSH key "gh" forwarded from the client' in missing.err
    assert docker("build", "-t", "ssh1", "--ssh", "gh=/tmp/agent.sock", ".",
                  cwd=ctx).status == 0
    assert docker("run", "--rm", "ssh1", "cat", "/l").out == "ssh_agent.0\n"


def test_builder_prune_lists_cache_mounts(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\nRUN --mount=type=cache,target=/c seq 1 1000 > /c/blob\n")})
    assert docker("build", ".", cwd=ctx).status == 0
    result = docker("builder", "prune", "-f")
    assert result.status == 0
    rows = result.out.splitlines()
    assert rows[0].split() == ["ID", "RECLAIMABLE", "SIZE", "LAST", "ACCESSED"]
    # the cache mount's content (3893 bytes of `seq 1 1000`) is reclaimed with it
    assert any(r.split()[2] == "3.893kB" for r in rows[1:-1]), result.out


def test_cache_to_and_from_a_local_directory(docker: Docker, tmp_path: Path) -> None:
    # buildx docs "Local cache" (type=local,dest / type=local,src): after `builder prune`
    # the imported cache makes the steps CACHED again
    ctx = write(tmp_path / "c", SIMPLE)
    first = docker("build", "--progress", "plain", "--cache-to", "type=local,dest=cache", ".",
                   cwd=ctx)
    assert first.status == 0, first.err
    assert "exporting cache to client directory" in first.err
    index = json.loads((ctx / "cache" / "index.json").read_text())
    assert index["manifests"][0]["mediaType"] == "application/vnd.oci.image.index.v1+json"
    blobs = ctx / "cache" / "blobs" / "sha256"
    listing = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    layers = [m for m in listing["manifests"] if m["mediaType"].startswith(
        "application/vnd.oci.image.layer")]
    assert layers and {m["mediaType"] for m in layers} == {
        "application/vnd.oci.image.layer.v1.tar+gzip"}  # compressed, as BuildKit exports
    for m in layers:
        assert gzip.decompress((blobs / m["digest"][7:]).read_bytes())[:1] != b""
    assert docker("builder", "prune", "-f").status == 0
    cold = docker("build", "--progress", "plain", ".", cwd=ctx)
    assert not re.search(r"RUN echo hi > /hi\n#\d+ CACHED", cold.err)
    docker("builder", "prune", "-f")
    warm = docker("build", "--progress", "plain", "--cache-from", "type=local,src=cache", ".",
                  cwd=ctx)
    assert warm.status == 0, warm.err
    assert re.search(r"RUN echo hi > /hi\n#\d+ CACHED", warm.err)


def test_registry_cache_backend_is_out_of_reach(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", SIMPLE)
    result = docker("build", "--cache-to", "user/app:cache", ".", cwd=ctx)
    assert result.status == 1
    assert "no registry cache backend" in result.err


@pytest.mark.docker_profile("29/classic")
def test_classic_store_refuses_cache_export_and_attestations(
        docker: Docker, tmp_path: Path) -> None:
    # buildx build/opt.go + build/utils.go notSupported @ v0.36.0: the docker driver has the
    # CacheExport and MultiPlatform features only on the containerd image store
    ctx = write(tmp_path / "c", SIMPLE)
    cache = docker("build", "--cache-to", "type=local,dest=c", ".", cwd=ctx)
    assert cache.err == (
        "ERROR: failed to build: Cache export is not supported for the docker driver.\n"
        "Switch to a different driver, or turn on the containerd image store, and try again.\n"
        "Learn more at https://docs.docker.com/go/build-cache-backends/\n")
    attest = docker("build", "--provenance=true", ".", cwd=ctx)
    assert attest.status == 1 and "Attestation is not supported" in attest.err
    assert docker("build", "--provenance=false", ".", cwd=ctx).status == 0
