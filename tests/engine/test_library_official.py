"""The generated Official Images library (`assets/library/official/`) and the script that writes it.

The data tests check the committed files against the format (docs in the script) and against
what the library itself says; the fixture tests run a small library file and Dockerfiles through
the script and compare the history with what `tutor docker build` records for the same file.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.dockercli.conftest import Docker, Result, _cwd, write
from tutor.dockercli import main as docker_main

LIBRARY = Path(__file__).resolve().parents[2] / "assets" / "library"
OFFICIAL = LIBRARY / "official"
CONFIG_KEYS = {"Env", "Entrypoint", "Cmd", "WorkingDir", "ExposedPorts", "User", "StopSignal",
               "Volumes", "Labels", "Shell", "Healthcheck", "OnBuild"}
ARCHS = {"amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386", "mips64le", "ppc64le",
         "riscv64", "s390x", "windows-amd64"}


@cache
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_official",
                                                  LIBRARY / "refresh_official.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["refresh_official"] = module
    spec.loader.exec_module(module)
    return module


@cache
def documents() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(OFFICIAL.glob("*.json.gz")):
        with gzip.open(path) as raw:
            doc: dict[str, Any] = json.load(raw)
            out[path.name.removesuffix(".json.gz")] = doc
    return out


def image_tagged(repository: str, tag: str) -> dict[str, Any]:
    doc = documents()[repository.replace("/", "__")]
    found = [im for im in doc["images"] if tag in im["tags"]]
    assert len(found) == 1, f"{repository}:{tag}"
    image: dict[str, Any] = found[0]
    return image


@pytest.fixture
def docker(isolated_state: Path, tmp_path: Path) -> Docker:
    """`tutor docker …` in-process on an isolated state, as the CLI tests drive it."""
    def run(*argv: str, cwd: Path | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        with _cwd(cwd or tmp_path):
            status = docker_main(list(argv), state=isolated_state, stdout=out, stderr=err,
                                 tty=False, stdin=io.TextIOWrapper(io.BytesIO(b"")))
        return Result(status, out.getvalue(), err.getvalue())

    return run


# -- the committed data ---------------------------------------------------------------------------


def test_every_library_repository_has_a_file() -> None:
    docs = documents()
    assert len([n for n in docs if "__" not in n]) >= 140
    for name in ("node", "python", "nginx", "golang", "alpine", "debian", "ubuntu", "busybox",
                 "redis", "postgres", "mcr.microsoft.com__dotnet__sdk",
                 "mcr.microsoft.com__dotnet__aspnet"):
        assert name in docs
    assert docs["mcr.microsoft.com__dotnet__sdk"]["repository"] == "mcr.microsoft.com/dotnet/sdk"
    assert docs["node"]["repository"] == "node"


def test_documents_match_the_format() -> None:
    for name, doc in documents().items():
        assert doc["repository"].replace("/", "__") == name
        assert doc["source"]["name"] == ("dotnet/dotnet-docker" if name.startswith("mcr.")
                                         else "docker-library/official-images")
        assert re.fullmatch(r"[0-9a-f]{40}", doc["source"]["commit"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", doc["source"]["date"])
        seen: set[str] = set()
        for image in doc["images"]:
            assert image["tags"], name
            assert image["architectures"] and set(image["architectures"]) <= ARCHS, name
            repeated = seen & set(image["tags"])
            assert not repeated, f"{name}: {repeated} twice"
            seen.update(image["tags"])
            assert set(image["config"]) <= CONFIG_KEYS, name
            if "created" in image:
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", image["created"])
            for entry in image["history"]:
                assert isinstance(entry["created_by"], str) and entry["created_by"]
                assert isinstance(entry["empty_layer"], bool)
                if entry["created_by"].startswith(("RUN ", "COPY ", "ADD ")):
                    assert entry["created_by"].endswith(" # buildkit") or (
                        image["from"] == "scratch"), entry  # OCI imports keep their own words
            if image["history"]:
                assert image["from"] is not None


def test_files_are_deterministic_gzip() -> None:
    for path in OFFICIAL.glob("*.json.gz"):
        head = path.read_bytes()[:10]
        assert head[4:8] == b"\0\0\0\0", f"{path.name}: gzip mtime must be 0"
        text = gzip.decompress(path.read_bytes()).decode()
        assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False)


def test_the_library_stays_small() -> None:
    total = sum(p.stat().st_size for p in OFFICIAL.glob("*.json.gz"))
    assert total < 3_000_000


UPSTREAM_STALE = {"python:3.13-alpine3.22"}
"""Bases the library's own Dockerfiles name but the library no longer lists (satosa's alpine
variant, at the library commit the data was generated from)."""


@pytest.mark.parametrize("tag", ["lts", "latest"])
def test_node_tags_resolve_to_the_version_the_library_gives(tag: str) -> None:
    image = image_tagged("node", tag)
    versions = [t for t in image["tags"] if re.fullmatch(r"\d+\.\d+\.\d+", t)]
    assert len(versions) == 1
    env = dict(e.split("=", 1) for e in image["config"]["Env"])
    assert env["NODE_VERSION"] == versions[0]
    assert image["config"]["Cmd"] == ["node"]
    assert image["from"].startswith("buildpack-deps:")


def test_lts_and_latest_are_different_node_lines() -> None:
    lts, latest = image_tagged("node", "lts"), image_tagged("node", "latest")
    major = {t for t in lts["tags"] if t.isdigit()} | {t for t in latest["tags"] if t.isdigit()}
    assert len(major) == 2


def test_every_base_is_in_the_library_or_outside_docker_hub_library() -> None:
    """`from` names a tag of the library, scratch, or an image of another namespace/registry
    (reported as external); a plain `name:tag` missing from the library is a stale Dockerfile,
    tolerated only for groups read at another commit than the library's (`dockerfile_commit`)."""
    known = {f"{doc['repository']}:{tag}" for doc in documents().values()
             for image in doc["images"] for tag in image["tags"]}
    missing = []
    for doc in documents().values():
        for image in doc["images"]:
            base = image["from"]
            if base is None or base == "scratch":
                continue
            name = base.partition("@")[0]
            if name in known or "/" in name.split(":")[0] and not name.startswith(
                    "mcr.microsoft.com/dotnet/"):
                continue
            if "dockerfile_commit" not in image and name not in UPSTREAM_STALE:
                missing.append(f"{doc['repository']}:{image['tags'][0]} FROM {base}")
    assert not missing


def test_a_rootfs_image_starts_from_scratch() -> None:
    alpine = image_tagged("alpine", "latest")
    assert alpine["from"] == "scratch"
    assert alpine["history"][0]["created_by"].startswith("ADD alpine-minirootfs-")
    assert alpine["history"][-1] == {"created_by": 'CMD ["/bin/sh"]', "empty_layer": True}
    assert alpine["config"] == {"Cmd": ["/bin/sh"]}


# -- the script, on a fixture ---------------------------------------------------------------------

DOCKERFILE = """\
ARG BASE=alpine:3.20
FROM ${BASE} AS build
RUN echo built > /out
FROM $BASE
ARG VERSION=1.2
ENV APP_VERSION=$VERSION
COPY --from=build /out /out
COPY docker-entrypoint.sh /usr/local/bin/
WORKDIR /srv
RUN echo "$APP_VERSION" > /srv/version
EXPOSE 8080
LABEL org.example.name=app
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["app"]
"""

INLINED = """\
FROM alpine:3.20 AS base
ENV A=1
RUN echo hi > /hi
CMD ["echo"]
FROM base
ENTRYPOINT ["/bin/sh"]
"""

LIBRARY_FILE = """\
Maintainers: Someone <someone@example.com> (@someone)
GitRepo: https://github.com/example/docker-app.git

Tags: 1.2.0, 1.2, latest
SharedTags: shared
Architectures: amd64, arm64v8
GitCommit: {commit}
Directory: app

Tags: inlined
GitCommit: {commit}
Directory: inlined

Tags: windows
SharedTags: shared
Architectures: windows-amd64
GitCommit: {commit}
Directory: app
"""


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_COMMITTER_DATE": "2026-08-20T18:03:11+02:00",
           "GIT_AUTHOR_DATE": "2026-08-20T18:03:11+02:00", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


@pytest.fixture
def fixture_library(tmp_path: Path) -> tuple[Path, Path]:
    repos = tmp_path / "repos"
    app = repos / "example" / "docker-app"
    write(app, {"app/Dockerfile": DOCKERFILE, "app/docker-entrypoint.sh": "#!/bin/sh\n",
                "inlined/Dockerfile": INLINED})
    _git(app, "init", "-q")
    _git(app, "add", ".")
    _git(app, "commit", "-qm", "app")
    commit = _git(app, "rev-parse", "HEAD")
    official = tmp_path / "official-images"
    write(official, {"library/app": LIBRARY_FILE.format(commit=commit)})
    _git(official, "init", "-q")
    _git(official, "add", ".")
    _git(official, "commit", "-qm", "library")
    return official, repos


def test_the_library_file_parser_applies_header_fields() -> None:
    groups = script().parse_library(LIBRARY_FILE.format(commit="c0ffee"))
    assert [g.tags for g in groups] == [["1.2.0", "1.2", "latest"], ["inlined"], ["windows"]]
    assert groups[0].architectures == ["amd64", "arm64v8"]
    assert groups[1].architectures == ["amd64"]  # bashbrew's default
    assert groups[1].fields["GitRepo"] == "https://github.com/example/docker-app.git"
    assert groups[0].shared_tags == ["shared"]


def test_the_script_writes_the_expected_document(fixture_library: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    official, repos = fixture_library
    out = tmp_path / "out"
    assert script().main([str(official), str(repos), "--out", str(out)]) == 0
    first = (out / "official" / "app.json.gz").read_bytes()
    script().main([str(official), str(repos), "--out", str(out)])
    assert (out / "official" / "app.json.gz").read_bytes() == first  # deterministic
    doc = json.loads(gzip.decompress(first))
    assert doc["repository"] == "app"
    app, inlined, windows = doc["images"]
    assert app["tags"] == ["1.2.0", "1.2", "latest", "shared"]
    assert windows["tags"] == ["windows"]  # the shared tag answers with the first group
    assert app["from"] == "alpine:3.20"  # the global ARG resolved
    assert app["created"] == "2026-08-20T16:03:11Z"
    assert app["config"] == {
        "Env": ["APP_VERSION=1.2"], "ExposedPorts": {"8080/tcp": {}},
        "Labels": {"org.example.name": "app"}, "Entrypoint": ["docker-entrypoint.sh"],
        "Cmd": ["app"], "WorkingDir": "/srv",
    }
    created_by = [h["created_by"] for h in app["history"]]
    assert created_by == [
        "ARG VERSION=1.2",
        "ENV APP_VERSION=1.2",
        "COPY /out /out # buildkit",
        "COPY docker-entrypoint.sh /usr/local/bin/ # buildkit",
        "WORKDIR /srv",
        'RUN |1 VERSION=1.2 /bin/sh -c echo "$APP_VERSION" > /srv/version # buildkit',
        "EXPOSE [8080/tcp]",  # as the project's builder words it
        "LABEL org.example.name=app",
        'ENTRYPOINT ["docker-entrypoint.sh"]',
        'CMD ["app"]',
    ]
    assert app["history"][3]["files"] == ["/usr/local/bin/docker-entrypoint.sh"]
    assert [h["empty_layer"] for h in app["history"]] == [
        True, True, False, False, False, False, True, True, True, True]
    # FROM an earlier stage: that stage's steps are part of the image
    assert inlined["from"] == "alpine:3.20"
    assert [h["created_by"] for h in inlined["history"]] == [
        "ENV A=1", "RUN /bin/sh -c echo hi > /hi # buildkit", 'CMD ["echo"]',
        'ENTRYPOINT ["/bin/sh"]']
    assert inlined["config"] == {"Env": ["A=1"], "Entrypoint": ["/bin/sh"], "Cmd": []}
    sources = (out / "SOURCES.md").read_text()
    assert "github.com/example/docker-app" in sources and "<!-- official:begin -->" in sources


@pytest.mark.parametrize("dockerfile", [DOCKERFILE, INLINED], ids=["multi-stage", "inlined"])
def test_history_equals_what_docker_build_records(docker: Docker, tmp_path: Path,
                                                  dockerfile: str) -> None:
    context = write(tmp_path / "ctx", {"Dockerfile": dockerfile,
                                       "docker-entrypoint.sh": "#!/bin/sh\nexec \"$@\"\n"})
    built = docker("build", "-q", "-t", "app:test", ".", cwd=context)
    assert built.status == 0, built.err
    shown = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "app:test")
    assert shown.status == 0, shown.err
    recorded = list(reversed(shown.out.splitlines()))
    replayed = script().replay(dockerfile, context=["Dockerfile", "docker-entrypoint.sh"])
    ours = [h["created_by"] for h in replayed.history]
    assert recorded[-len(ours):] == ours
    base = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "alpine:3.20")
    assert len(recorded) == len(base.out.splitlines()) + len(ours)
    # the config the data gives, over alpine's, is the built image's config
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config}}", "app:test").out)
    for key, value in replayed.config.items():
        if key == "Env":
            assert set(value) <= set(config["Env"])
        else:
            assert (config.get(key) or type(value)()) == value, key


def test_a_file_that_is_no_dockerfile_is_refused() -> None:
    with pytest.raises(Exception) as failure:
        script().replay("RUN echo no stage\n")
    assert "no build stage" in str(failure.value)


def test_copy_lists_the_files_it_creates_only_when_they_are_knowable() -> None:
    replayed = script().replay(
        "FROM alpine:3.20\nWORKDIR /app\nCOPY .hidden ./\nCOPY conf/ /etc/conf/\n"
        "COPY a.sh /usr/bin\nCOPY a.sh /usr/bin/a.sh\nCOPY --from=alpine:3.20 /etc/os-release /\n",
        context=[".hidden", "conf/x.conf", "conf/y/z", "a.sh", "Dockerfile"])
    files = [h.get("files") for h in replayed.history]
    assert files == [
        None,  # WORKDIR
        ["/app/.hidden"],
        ["/etc/conf/x.conf", "/etc/conf/y/z"],
        None,  # /usr/bin may be a directory of the image: not knowable here
        ["/usr/bin/a.sh"],
        None,  # from another image
    ]
