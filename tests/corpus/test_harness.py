"""The corpus harness reads Dockerfiles and build logs as BuildKit writes them."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.corpus import harness
from tests.corpus.harness import (
    Case,
    build_steps,
    built_stages,
    first_cause,
    first_copy_of,
    layer_bounds,
    load_cases,
    parse_stages,
)

DOCKERFILE = """# syntax=docker/dockerfile:1.4
ARG BASE=golang:1.22
FROM --platform=$BUILDPLATFORM ${BASE} AS builder
WORKDIR /code
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \\
    go mod download
COPY . .
RUN go build -o /bin/app .

FROM builder as dev-envs
RUN <<EOF
apt-get update
apt-get install -y git
EOF
COPY --from=gloursdocker/docker / /

FROM scratch
COPY --from=builder /bin/app /app
COPY config/*.yaml /etc/app/
"""


def test_stages_steps_and_sources() -> None:
    stages = parse_stages(DOCKERFILE)
    assert [(s.name, s.base) for s in stages] == [
        ("builder", "golang:1.22"), ("dev-envs", "builder"), ("2", "scratch")]
    assert [s.keyword for s in stages[0].steps] == ["WORKDIR", "COPY", "RUN", "COPY", "RUN"]
    assert stages[0].steps[1].sources == ["go.mod", "go.sum"]
    assert stages[1].steps[0].text.startswith("RUN <<EOF")
    assert stages[1].steps[1].sources == []  # --from copies nothing from the context
    assert stages[2].steps[1].sources == ["config/*.yaml"]


def test_built_stages_follow_the_target_and_from_references() -> None:
    stages = parse_stages(DOCKERFILE)
    assert [s.name for s in built_stages(stages, "")] == ["builder", "2"]
    assert [s.name for s in built_stages(stages, "builder")] == ["builder"]
    assert [s.name for s in built_stages(stages, "DEV-ENVS")] == ["builder", "dev-envs"]
    assert built_stages(stages, "nope") == []


def test_first_copy_that_selects_a_file() -> None:
    stages = built_stages(parse_stages(DOCKERFILE), "")
    copy = first_copy_of(stages, "go.sum")
    assert copy is not None and copy.text == "COPY go.mod go.sum ./"
    main = first_copy_of(stages, "cmd/main.go")
    assert main is not None and main.text == "COPY . ."
    only_final = built_stages(parse_stages("FROM alpine\nCOPY config/*.yaml /etc/\n"), "")
    assert first_copy_of(only_final, "config/a.yaml") is not None
    assert first_copy_of(only_final, "config/a.json") is None


def test_layer_bounds_count_copies_exactly_and_runs_at_most() -> None:
    stages = parse_stages(DOCKERFILE)
    assert layer_bounds(stages, "") == ("scratch", 2, 2)
    assert layer_bounds(stages, "builder") == ("golang:1.22", 2, 5)
    assert layer_bounds(stages, "dev-envs") == ("golang:1.22", 3, 7)


def test_build_steps_read_plain_progress() -> None:
    log = ("#5 [builder 2/5] WORKDIR /code\n#5 CACHED\n\n#6 [builder 3/5] COPY go.mod go.sum ./\n"
           "#6 DONE 0.1s\n#7 [internal] load build context\n#8 [2/2] RUN make\n#8 CACHED\n")
    steps = build_steps(log)
    assert [(s.label, s.index, s.text, s.cached) for s in steps] == [
        ("builder", 2, "WORKDIR /code", True), ("builder", 3, "COPY go.mod go.sum ./", False),
        ("", 2, "RUN make", True)]


@pytest.mark.parametrize(("err", "group", "line"), [
    ("ERROR: failed to build: failed to solve: node:9: failed to resolve source metadata for "
     "docker.io/library/node:9: not found\n", "base-image",
     "no base image node:9 in the catalogue"),
    ("#9 0.05 npm error code EUSAGE\n#9 0.05 npm error The `npm ci` command can only install\n",
     "other", "npm error code EUSAGE The `npm ci` command can only install"),
    ("#5 0.1 ERROR: unable to select packages:\n#5 0.1   wrk (no such package):\n", "package",
     "ERROR: unable to select packages: wrk (no such package):"),
    ("#5 0.2 /bin/sh: make: not found\n#5 ERROR: exit code: 127\n", "program",
     "/bin/sh: make: not found"),
    ("#5 0.2 wget: bad address 'nginx.org'\n", "other", "wget: bad address 'nginx.org'"),
    ("#5 0.1 + apk add icecast\n#5 0.2 (1/18) Installing libgpg-error (1.51-r0)\n"
     "#5 0.3 + icecast --version\n#5 0.4 icecast: this program cannot run in the simulated "
     "engine\n#5 ERROR: exit code: 126\n", "program",
     "icecast: this program cannot run in the simulated engine"),
])
def test_first_cause_groups(err: str, group: str, line: str) -> None:
    assert first_cause(err) == (group, line)


def test_materialise_expands_compressed_lock_files(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    case_dir = tmp_path / "corpus" / "src" / "app"
    case_dir.mkdir(parents=True)
    (case_dir / "Dockerfile").write_text("FROM alpine\n")
    (case_dir / "package-lock.json.gz").write_bytes(gzip.compress(b'{"lockfileVersion": 3}'))
    monkeypatch.setattr(harness, "HERE", tmp_path / "corpus")
    case = Case("src/app", "x/y", "Dockerfile", "0" * 40, "builds")
    out = harness.materialise(case, tmp_path / "ctx")
    assert (out / "package-lock.json").read_bytes() == b'{"lockfileVersion": 3}'
    assert not (out / "package-lock.json.gz").exists()


def test_manifest_cases_exist_and_are_explained() -> None:
    cases = load_cases()
    assert len(cases) >= 60
    assert len({c.name for c in cases}) == len(cases)
    for c in cases:
        assert (c.folder / "Dockerfile").is_file(), c.name
        assert f"github.com/{c.source} " in (c.folder / "Dockerfile").read_text(), c.name
        assert c.real in ("builds", "fails") and c.engine in ("builds", "xfail")
        assert c.real == "builds" or c.real_error
        assert c.engine == "builds" or (c.reason and c.cause in (
            "base-image", "package", "program", "other")), c.name


def test_corpus_stays_small() -> None:
    total = sum(p.stat().st_size for p in harness.HERE.rglob("*") if p.is_file())
    assert total < 2_000_000
