"""Which Docker the sandbox imitates: the release (29 or 28) and the image store (containerd or
classic), chosen per state directory.

Docker 29 on a fresh Linux host and on Docker Desktop uses the containerd image store; an
upgraded host keeps the classic (graphdriver, overlay2) store, and Docker 28 used it unless the
`containerd-snapshotter` feature was set (moby `daemon/image_store_choice.go` @ docker-v29.7.2,
`daemon/daemon.go` @ v28.5.2). The CLI release decides the CLI's views (`docker images`), the store
decides what the daemon keeps, so both are chosen separately.

The choice is kept in `profile.json` in the state directory. `TUTOR_DOCKER_PROFILE`
(`29`, `28`, `29/classic`, …) overrides it, so test suites and classrooms can pin one without
touching the learner's state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from tutor.engine.statefile import read_json, write_json

DockerVersion = Literal[29, 28]
StoreKind = Literal["containerd", "classic"]

PROFILE_FILE = "profile.json"
PROFILE_ENV = "TUTOR_DOCKER_PROFILE"


@dataclass(frozen=True, slots=True)
class Release:
    """What one Docker release reports about itself in `docker version` and `docker info`."""

    version: str
    cli_commit: str
    engine_commit: str
    go_version: str
    api_version: str
    """The client's and the daemon's highest API version (the same for one release)."""
    min_api_version: str
    built: str
    """`Built:` as the CLI prints it (`reformatDate`: Go's `time.ANSIC`): the release tag's
    commit time, in UTC, standing in for the packages' build time."""
    buildx: str
    compose: str
    containerd: str
    containerd_commit: str
    runc: str
    runc_commit: str
    init_version: str
    init_commit: str


RELEASES: dict[int, Release] = {
    # docker/cli tag v29.7.2 (commit a7dcaa6, Go 1.26.5 in its Dockerfile); moby tag
    # docker-v29.7.2 (commit 6a43e3d): MaxAPIVersion 1.55 and defaultMinAPIVersion 1.40 in
    # daemon/config/config.go; containerd v2.3.3 (aad11006b869…), runc v1.4.3 (bb14dabe),
    # tini v0.19.0, buildx v0.36.0 and compose v5.4.0 as its Dockerfile pins them.
    29: Release(
        version="29.7.2", cli_commit="a7dcaa6", engine_commit="6a43e3d", go_version="go1.26.5",
        api_version="1.55", min_api_version="1.40", built="Wed Aug  5 17:34:15 2026",
        buildx="v0.36.0", compose="v5.4.0",
        containerd="v2.3.3", containerd_commit="aad11006b869517fcd3009450b6f82da282e1a9b",
        runc="1.4.3", runc_commit="v1.4.3-0-gbb14dabe", init_version="0.19.0",
        init_commit="de40ad0",
    ),
    # docker/cli and moby tag v28.5.1 (commits e180ab8, f8215cc); API 1.51, minimum 1.24
    # (api/common.go); the containerd/runc the 28.5.1 packages were released with.
    28: Release(
        version="28.5.1", cli_commit="e180ab8", engine_commit="f8215cc", go_version="go1.24.8",
        api_version="1.51", min_api_version="1.24", built="Wed Oct  8 02:50:32 2025",
        buildx="v0.29.1", compose="v2.40.0",
        containerd="v1.7.28", containerd_commit="b98a3aace656320842a23f4a392a33f46af97866",
        runc="1.3.0", runc_commit="v1.3.0-0-g4ca628d1", init_version="0.19.0",
        init_commit="de40ad0",
    ),
}


@dataclass(frozen=True, slots=True)
class Profile:
    docker: DockerVersion = 29
    store: StoreKind = "containerd"

    @property
    def release(self) -> Release:
        return RELEASES[self.docker]

    @property
    def containerd_store(self) -> bool:
        return self.store == "containerd"

    def __str__(self) -> str:
        return f"{self.docker}/{self.store}"


DEFAULT = Profile()


def default_store(docker: DockerVersion) -> StoreKind:
    """The store a fresh install of that release uses on Linux."""
    return "containerd" if docker >= 29 else "classic"


class BadProfile(ValueError):
    """A profile spelled wrong (`--docker 27`, `TUTOR_DOCKER_PROFILE=x`)."""


def parse_docker(text: str) -> DockerVersion:
    for version in get_args(DockerVersion):
        if text.strip() == str(version):
            return version  # type: ignore[no-any-return]
    raise BadProfile(f"unknown Docker version {text!r} (choose 29 or 28)")


def parse_store(text: str) -> StoreKind:
    for store in get_args(StoreKind):
        if text.strip() == store:
            return store  # type: ignore[no-any-return]
    raise BadProfile(f"unknown image store {text!r} (choose containerd or classic)")


def parse_profile(text: str) -> Profile:
    """`29`, `28`, `29/classic`, `28/containerd`: a version alone takes that release's default
    store."""
    version, _, store = text.partition("/")
    docker = parse_docker(version)
    return Profile(docker, parse_store(store) if store else default_store(docker))


def load_profile(state: Path) -> Profile:
    """The sandbox's profile: the environment's pin, else the saved choice, else the default.

    A saved file that does not name a valid profile counts as no choice (the default)."""
    pinned = os.environ.get(PROFILE_ENV, "").strip()
    if pinned:
        try:
            return parse_profile(pinned)
        except BadProfile:
            pass  # a typo in the environment must not lock the learner out
    saved = read_json(state / PROFILE_FILE, {})
    if isinstance(saved, dict):
        try:
            return Profile(parse_docker(str(saved.get("docker", ""))),
                           parse_store(str(saved.get("store", ""))))
        except BadProfile:
            pass
    return DEFAULT


def save_profile(state: Path, profile: Profile) -> None:
    write_json(state / PROFILE_FILE, {"docker": profile.docker, "store": profile.store})


def choose(state: Path, docker: str | None, store: str | None) -> Profile:
    """Apply `--docker`/`--store` to the saved profile and save the result; nothing given keeps
    it. A new version without a store takes that version's default store."""
    current = load_profile(state)
    if docker is None and store is None:
        return current
    version = parse_docker(docker) if docker is not None else current.docker
    if store is not None:
        kind = parse_store(store)
    elif docker is not None:
        kind = default_store(version)
    else:
        kind = current.store
    chosen = Profile(version, kind)
    save_profile(state, chosen)
    return chosen
