"""`tutor docker …` end to end with images of the generated library (fixture data in the real
format): pull, run, build FROM, images, history, inspect, search, other registries, and the
tutor's line after a reference that does not exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tests.engine.library_fixture import NODE_OFFICIAL, NODE_REPOINFO, write_library
from tutor.engine import catalogue as catalogue_module
from tutor.engine.library import data


@pytest.fixture(scope="module")
def fixture_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library(tmp_path_factory.mktemp("library"))


@pytest.fixture(autouse=True)
def _library(fixture_library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: fixture_library)


def build_output(docker: Docker, tmp_path: Path, dockerfile: str) -> str:
    ctx = write(tmp_path / "ctx", {"Dockerfile": dockerfile})
    result = docker("build", "--progress=plain", "-t", "app", ".", cwd=ctx)
    assert result.status == 0, result.err
    return "\n".join(re.sub(r"^#\d+ \d+\.\d+ ", "", line) for line in result.err.splitlines()
                     if re.match(r"^#\d+ \d+\.\d+ ", line))


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM node:18-alpine\nRUN node --version && npm --version && yarn --version\n",
     "v18.20.8\n10.8.2\n1.22.22"),
    ("FROM python:3.11-slim\nRUN python --version\n", "Python 3.11.13"),
    ("FROM golang:1.18-alpine\nRUN go version\n", "go version go1.18.10 linux/amd64"),
    ("FROM alpine:3.19\nRUN cat /etc/alpine-release\n", "3.19.8"),
    ("FROM maven:3.9-eclipse-temurin-17\nRUN which mvn java javac\n",
     "/usr/bin/mvn\n/opt/java/openjdk/bin/java\n/opt/java/openjdk/bin/javac"),
    ("FROM debian:trixie\nRUN . /etc/os-release && echo $VERSION_CODENAME\n", "trixie"),
])
def test_build_from_generated_images(docker: Docker, tmp_path: Path, dockerfile: str,
                                     expected: str) -> None:
    assert build_output(docker, tmp_path, dockerfile) == expected


def test_run_uses_the_generated_entrypoint_and_user(docker: Docker) -> None:
    result = docker("run", "--rm", "node:18-alpine", "node", "--version")
    assert result.status == 0, result.err
    assert result.out == "v18.20.8\n"
    assert "Unable to find image 'node:18-alpine' locally" in result.err
    whoami = docker("run", "--rm", "memcached:1.6-alpine3.21", "id", "-un")
    assert whoami.out == "memcache\n"


def test_pull_of_a_second_tag_on_the_same_base_says_already_exists(docker: Docker) -> None:
    first = docker("pull", "node:18-alpine")
    assert first.status == 0, first.err
    second = docker("pull", "node:22-alpine3.21")
    assert second.status == 0, second.err
    lines = second.out.splitlines()
    assert lines[0] == "22-alpine3.21: Pulling from library/node"
    assert lines[1].endswith(": Already exists")  # alpine:3.21's layer
    assert sum(line.endswith(": Already exists") for line in lines) >= 1
    assert lines[-1] == "docker.io/library/node:22-alpine3.21"


def test_history_is_the_data_lines(docker: Docker) -> None:
    docker("pull", "node:24")
    shown = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "node:24").out
    own = [h["created_by"] for h in NODE_OFFICIAL["images"][4]["history"]]  # type: ignore[index]
    assert shown.splitlines()[:len(own)] == list(reversed(own))


def test_inspect_layer_count_config_and_platform(docker: Docker) -> None:
    docker("pull", "--platform", "linux/arm64", "node:22-alpine3.21")  # amd64 only: warning
    docker("pull", "node:18-alpine")
    doc = json.loads(docker("image", "inspect", "node:18-alpine").out)[0]
    own = NODE_OFFICIAL["images"][0]["history"]  # type: ignore[index]
    assert len(doc["RootFS"]["Layers"]) == 1 + sum(not h["empty_layer"] for h in own)
    assert doc["Config"]["Entrypoint"] == ["docker-entrypoint.sh"]
    assert doc["Config"]["Cmd"] == ["node"]
    assert "NODE_VERSION=18.20.8" in doc["Config"]["Env"]
    assert doc["Architecture"] == "amd64" and doc["Os"] == "linux"
    arm = docker("pull", "--platform", "linux/arm64", "node:18-alpine")
    assert arm.status == 0, arm.err
    doc = json.loads(docker("image", "inspect", "node:18-alpine").out)[0]
    assert doc["Architecture"] == "arm64"


# The classic store's SIZE is the unpacked size repo-info publishes; the containerd store adds
# the content blobs, which the simulated registries do not yet keep compressed.
@pytest.mark.docker_profile("29/classic")
def test_images_shows_the_published_size(docker: Docker) -> None:
    docker("pull", "node:22-alpine3.21")
    size = docker("images", "--format", "{{.Size}}", "node:22-alpine3.21").out.strip()
    published = NODE_REPOINFO["images"][0]["size"] / 1e6  # type: ignore[index]
    assert size == f"{published:.0f}MB"


def test_two_sandboxes_give_the_same_image_ids(docker: Docker, tmp_path: Path) -> None:
    ids = []
    for name in ("one", "two"):
        state = tmp_path / name
        state.mkdir()
        docker("pull", "python:3.11-slim", state=state)
        ids.append(docker("images", "-q", "--no-trunc", state=state).out)
    assert ids[0] == ids[1] and ids[0].startswith("sha256:")


def test_docker_images_does_not_read_the_library(
        docker: Docker, monkeypatch: pytest.MonkeyPatch) -> None:
    docker("pull", "alpine:3.21")

    def refuse(path: Path, source: str) -> None:
        raise AssertionError(f"read {path}")

    monkeypatch.setattr(data, "_read", refuse)
    result = docker("images")
    assert result.status == 0 and "alpine" in result.out


def test_search_finds_library_repositories(docker: Docker) -> None:
    out = docker("search", "--format", "{{.Name}}\t{{.IsOfficial}}", "maven").out
    assert "maven\t[OK]" in out.splitlines()


def test_other_registries(docker: Docker, tmp_path: Path) -> None:
    pulled = docker("pull", "gcr.io/distroless/static-debian12:nonroot")
    assert pulled.status == 0, pulled.err
    assert pulled.out.splitlines()[0] == "nonroot: Pulling from distroless/static-debian12"
    user = docker("image", "inspect", "--format", "{{.Config.User}}",
                  "gcr.io/distroless/static-debian12:nonroot").out
    assert user == "65532\n"
    no_shell = docker("run", "--rm", "gcr.io/distroless/static-debian12:nonroot", "sh")
    assert no_shell.status == 127
    assert "exec: \"sh\": executable file not found in $PATH" in no_shell.err
    debug = docker("run", "--rm", "gcr.io/distroless/base-debian12:debug", "-c", "echo hi")
    assert debug.out == "hi\n"
    out = build_output(docker, tmp_path, "FROM mcr.microsoft.com/dotnet/sdk:8.0\n"
                                         "RUN ls -l /usr/bin/dotnet && echo $DOTNET_SDK_VERSION\n")
    assert out.endswith("/usr/bin/dotnet -> /usr/share/dotnet/dotnet\n8.0.412")


@pytest.mark.parametrize(("argv", "docker_line", "tutor_line"), [
    (("pull", "node:99"),
     "Error response from daemon: manifest for node:99 not found: manifest unknown: "
     "manifest unknown",
     "tutor: no such tag; closest that exist: node:24, node:22, node:20"),
    (("pull", "pyhton:3.12"),
     "Error response from daemon: pull access denied for pyhton, repository does not exist or "
     "may require 'docker login': denied: requested access to the resource is denied",
     "tutor: no such repository; closest that exist: python:3.12"),
])
def test_a_reference_that_does_not_exist(docker: Docker, argv: tuple[str, ...],
                                         docker_line: str, tutor_line: str) -> None:
    result = docker(*argv)
    assert result.status == 1
    assert result.err.splitlines() == [docker_line, tutor_line]


def test_run_and_build_of_a_missing_tag_add_the_tutor_line_last(docker: Docker,
                                                                 tmp_path: Path) -> None:
    run = docker("run", "--rm", "node:99")
    assert run.status == 125
    assert run.err.splitlines()[-3:] == [
        "", "Run 'docker run --help' for more information",
        "tutor: no such tag; closest that exist: node:24, node:22, node:20"]
    ctx = write(tmp_path / "b", {"Dockerfile": "FROM node:99\n"})
    build = docker("build", ".", cwd=ctx)
    assert build.status == 1
    assert build.err.splitlines()[-2].startswith("ERROR: failed to build: failed to solve: "
                                                 "node:99: failed to resolve source metadata")
    assert build.err.splitlines()[-1] == (
        "tutor: no such tag; closest that exist: node:24, node:22, node:20")


def test_a_windows_only_tag_has_no_manifest_for_linux(
        docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    root = write_library(tmp_path / "lib")
    doc = {"repository": "golang", "images": [
        {"tags": ["nanoserver-ltsc2025"], "architectures": ["windows-amd64"],
         "from": "mcr.microsoft.com/windows/nanoserver:ltsc2025", "config": {}, "history": []}]}
    (root / "official" / "golang.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: root)
    result = docker("pull", "golang:nanoserver-ltsc2025")
    assert result.status == 1
    assert result.err == ("Error response from daemon: no matching manifest for linux/amd64 in "
                          "the manifest list entries\n")
