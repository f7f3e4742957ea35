"""`docker build` with apt-get and apk over the real indexes: the RUN layer weighs what the
installed packages weigh, as `docker history` shows."""

from __future__ import annotations

import re
from pathlib import Path

from tests.dockercli.conftest import Docker, write
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.sh.pkg.debindex import suite_index

_UNITS = {"B": 1, "kB": 1000, "MB": 1000**2, "GB": 1000**3}


def _bytes(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(B|kB|MB|GB)", text)
    assert match, text
    return float(match[1]) * _UNITS[match[2]]


def _new_packages(build_output: str) -> list[str]:
    names: list[str] = []
    inside = False
    for line in build_output.splitlines():
        text = re.sub(r"^#\d+ [0-9.]+ ", "", line)
        if text == "The following NEW packages will be installed:":
            inside = True
        elif inside and text.startswith("  "):
            names += text.split()
        elif inside:
            break
    return names


def test_apt_layer_size_adds_up_in_history(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "ctx", {"Dockerfile": (
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )})
    build = docker("build", "--progress=plain", "-t", "pq:1", ".", cwd=ctx)
    assert build.status == 0, build.err
    new = _new_packages(build.err + build.out)
    assert "libpq-dev" in new and "libpq5" in new
    index = suite_index(FakeWorld().packages, "debian/bookworm")
    assert index is not None
    expected = sum(index.get(n).installed for n in new)  # type: ignore[union-attr]
    history = docker("history", "--format", "{{.CreatedBy}}|{{.Size}}", "pq:1").out.splitlines()
    created, size = history[0].split("|")
    assert created.startswith("RUN /bin/sh -c apt-get update")
    # the packages' files, plus dpkg's status and file lists: a few hundred kB at most
    assert expected <= _bytes(size) <= expected * 1.03 + 300_000


def test_apk_virtual_build_deps_leave_no_weight_behind(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "ctx", {"Dockerfile": (
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache --virtual .build-deps build-base \\\n"
        "    && apk del .build-deps\n"
        "RUN apk add --no-cache build-base\n"
    )})
    build = docker("build", "--progress=plain", "-t", "bb:1", ".", cwd=ctx)
    assert build.status == 0, build.err
    history = docker("history", "--format", "{{.Size}}", "bb:1").out.splitlines()
    kept, removed = _bytes(history[0]), _bytes(history[1])
    assert kept > 150e6  # gcc, g++, binutils, musl-dev… really installed
    assert removed < 100_000  # added and deleted in one RUN: only apk's database changes
