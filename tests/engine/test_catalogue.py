"""The base-image catalogue: every image loads, looks like the real one and shares its bases."""

from __future__ import annotations

import pytest

from tests.engine.catalogue_images import ASSETS, image, read, tree
from tutor.engine.catalogue import Catalogue, load_catalogue, scratch_image
from tutor.engine.fs import Node

IMAGES = [
    "alpine:3.20",
    "alpine:3.21",
    "busybox:latest",
    "debian:bookworm-slim",
    "debian:bookworm",
    "ubuntu:22.04",
    "ubuntu:24.04",
    "node:20-alpine",
    "node:20",
    "python:3.12-slim",
    "python:3.12",
    "nginx:latest",
    "nginx:alpine",
]

# (image, layer count, total size bounds in MB) as Docker shows them for linux/amd64.
REAL_SHAPE = [
    ("alpine:3.21", 1, 7, 9),
    ("busybox:latest", 1, 4, 5),
    ("debian:bookworm-slim", 1, 70, 80),
    ("ubuntu:24.04", 1, 70, 85),
    ("node:20-alpine", 4, 125, 145),
    ("node:20", 8, 1000, 1200),
    ("python:3.12-slim", 4, 115, 150),
    ("nginx:latest", 7, 175, 210),
    ("nginx:alpine", 8, 40, 55),
]

ALIASES = [
    ("alpine", "latest", "3.21"),
    ("ubuntu", "latest", "24.04"),
    ("ubuntu", "noble", "24.04"),
    ("ubuntu", "jammy", "22.04"),
    ("node", "lts-alpine", "20-alpine"),
    ("golang", "1.22-bookworm", "1.22"),
    ("httpd", "2.4", "latest"),
    ("redis", "7", "latest"),
    ("redis", "7.4", "latest"),
    ("registry", "latest", "2"),
]

SHARED_BASE = [
    ("node:20-alpine", "alpine:3.21"),
    ("nginx:alpine", "alpine:3.21"),
    ("python:3.12-slim", "debian:bookworm-slim"),
    ("nginx:latest", "debian:bookworm-slim"),
    ("node:20", "buildpack-deps:bookworm"),
    ("python:3.12", "buildpack-deps:bookworm"),
    ("golang:1.22", "buildpack-deps:bookworm-scm"),
    ("golang:1.22-alpine", "alpine:3.21"),
    ("httpd:latest", "debian:bookworm-slim"),
    ("redis:latest", "debian:bookworm-slim"),
    ("registry:2", "alpine:3.21"),
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ASSETS)


@pytest.mark.parametrize("ref", IMAGES)
def test_every_image_loads_with_history_matching_layers(catalogue: Catalogue, ref: str) -> None:
    spec = image(catalogue, ref)
    assert spec.layers
    assert sum(not h.empty_layer for h in spec.history) == len(spec.layers)
    assert all(h.created < "2026" and h.created_by for h in spec.history)
    assert spec.config["Env"][0].startswith("PATH=")
    tree(spec)  # parents come before children and every path is placeable


@pytest.mark.parametrize("ref", IMAGES)
def test_layers_weigh_what_the_data_says_docker_shows(catalogue: Catalogue, ref: str) -> None:
    for layer in image(catalogue, ref).layers:
        tolerance = max(layer.expected_size // 5, 4096)
        assert abs(layer.size - layer.expected_size) <= tolerance, layer.key


@pytest.mark.parametrize(
    ("ref", "count", "low", "high"), REAL_SHAPE, ids=[r[0] for r in REAL_SHAPE]
)
def test_real_layer_count_and_size(
    catalogue: Catalogue, ref: str, count: int, low: int, high: int
) -> None:
    spec = image(catalogue, ref)
    assert len(spec.layers) == count
    assert low * 1_000_000 <= spec.size <= high * 1_000_000


@pytest.mark.parametrize(("repo", "alias", "tag"), ALIASES, ids=[f"{a[0]}:{a[1]}" for a in ALIASES])
def test_aliases_are_the_same_image(catalogue: Catalogue, repo: str, alias: str, tag: str) -> None:
    assert image(catalogue, f"{repo}:{alias}") is image(catalogue, f"{repo}:{tag}")


@pytest.mark.parametrize(("child", "base"), SHARED_BASE, ids=[s[0] for s in SHARED_BASE])
def test_images_share_their_base_layers(catalogue: Catalogue, child: str, base: str) -> None:
    child_spec, base_spec = image(catalogue, child), image(catalogue, base)
    assert child_spec.layers[: len(base_spec.layers)] == base_spec.layers
    assert child_spec.history[: len(base_spec.history)] == base_spec.history


def test_alpine_files(catalogue: Catalogue) -> None:
    spec = image(catalogue, "alpine:latest")
    assert "VERSION_ID=3.21.3\n" in read(spec, "/etc/os-release")
    assert read(spec, "/etc/alpine-release") == "3.21.3\n"
    assert "v3.21/main" in read(spec, "/etc/apk/repositories")
    files = tree(spec)
    assert files.resolve("/bin/sh") == "/bin/busybox"
    assert files.resolve("/usr/bin/wget") == "/bin/busybox"
    assert files.get("/tmp") == Node("dir", 0o1777, mtime=files.nodes["/tmp"].mtime)
    assert spec.history[0].created_by == "ADD alpine-minirootfs-3.21.3-x86_64.tar.gz / # buildkit"
    assert spec.config["Cmd"] == ["/bin/sh"]


def test_arm64_variant_differs(catalogue: Catalogue) -> None:
    amd64, arm64 = image(catalogue, "alpine:3.21"), image(catalogue, "alpine:3.21", "linux/arm64")
    assert (arm64.architecture, arm64.variant) == ("arm64", "v8")
    assert "aarch64" in arm64.history[0].created_by
    assert tree(arm64).get("/lib/ld-musl-aarch64.so.1") is not None
    assert arm64.layers[0].entries != amd64.layers[0].entries
    assert catalogue.resolve("docker.io/library/alpine", "3.21", "linux/s390x") is None


def parse_stanzas(text: str, key: str) -> dict[str, dict[str, str]]:
    packages: dict[str, dict[str, str]] = {}
    for stanza in text.strip().split("\n\n"):
        fields = dict(line.split(":", 1) for line in stanza.splitlines())
        packages[fields[key].strip()] = {k: v.strip() for k, v in fields.items()}
    return packages


def test_apk_database(catalogue: Catalogue) -> None:
    db = parse_stanzas(read(image(catalogue, "alpine:3.21"), "/lib/apk/db/installed"), "P")
    assert db["musl"]["V"] == "1.2.5-r9"
    assert db["busybox"]["V"] == "1.37.0-r12"
    assert len(db) == 15
    node_db = parse_stanzas(read(image(catalogue, "node:20-alpine"), "/lib/apk/db/installed"), "P")
    assert set(node_db) == set(db) | {"libgcc", "libstdc++"}


def test_dpkg_database(catalogue: Catalogue) -> None:
    db = parse_stanzas(
        read(image(catalogue, "debian:bookworm-slim"), "/var/lib/dpkg/status"), "Package"
    )
    assert db["libc6"]["Version"] == "2.36-9+deb12u9"
    assert db["bash"]["Essential"] == "yes"
    assert db["debconf"]["Architecture"] == "all"
    assert "gpgv | gpgv2 | gpgv1" in db["apt"]["Depends"]
    assert len(db) > 80
    nginx = parse_stanzas(read(image(catalogue, "nginx:latest"), "/var/lib/dpkg/status"), "Package")
    assert nginx["nginx"]["Version"] == "1.27.4-1~bookworm"


def test_debian_layout(catalogue: Catalogue) -> None:
    spec = image(catalogue, "debian:bookworm-slim")
    files = tree(spec)
    assert files.get("/bin") is not None and files.nodes["/bin"].target == "usr/bin"
    assert files.resolve("/bin/sh") == "/usr/bin/dash"
    assert files.get("/usr/bin/bash") is not None
    assert files.listdir("/var/lib/apt/lists") == ["partial"]
    assert read(spec, "/etc/debian_version") == "12.9\n"
    assert "VERSION_CODENAME=bookworm" in read(spec, "/etc/os-release")
    assert spec.history[0].comment == "debuerreotype 0.15"


def test_runtime_images(catalogue: Catalogue) -> None:
    node = image(catalogue, "node:20-alpine")
    assert node.config["Entrypoint"] == ["docker-entrypoint.sh"]
    assert "NODE_VERSION=20.18.3" in node.config["Env"]
    assert "node:x:1000:1000" in read(node, "/etc/passwd")
    assert read(node, "/usr/local/bin/docker-entrypoint.sh").startswith("#!/bin/sh")
    assert tree(node).resolve("/usr/local/bin/npm").endswith("npm-cli.js")
    python = image(catalogue, "python:3.12-slim")
    assert tree(python).resolve("/usr/local/bin/python") == "/usr/local/bin/python3.12"
    assert python.config["Cmd"] == ["python3"]
    nginx = image(catalogue, "nginx:latest")
    assert nginx.config["StopSignal"] == "SIGQUIT"
    assert nginx.config["ExposedPorts"] == {"80/tcp": {}}
    assert "Welcome to nginx!" in read(nginx, "/usr/share/nginx/html/index.html")
    assert "include /etc/nginx/conf.d/*.conf;" in read(nginx, "/etc/nginx/nginx.conf")
    assert tree(nginx).resolve("/var/log/nginx/access.log") == "/dev/stdout"


def test_ubuntu_is_classic_built(catalogue: Catalogue) -> None:
    spec = image(catalogue, "ubuntu:24.04")
    assert spec.config["Labels"]["org.opencontainers.image.version"] == "24.04"
    assert all(h.comment == "" for h in spec.history)
    assert 'VERSION_ID="24.04"' in read(spec, "/etc/os-release")


def test_unknown_and_scratch(catalogue: Catalogue) -> None:
    assert catalogue.resolve("docker.io/library/alpine", "2.0") is None
    assert catalogue.resolve("docker.io/nobody/nothing", "latest") is None
    scratch = scratch_image()
    assert scratch.layers == () and scratch.history == ()
    assert catalogue.repositories["docker.io/library/nginx"].official


def test_deterministic() -> None:
    """Parsing the catalogue afresh gives identical specs (its speed is measured in benchmarks)."""
    from tutor.engine import catalogue as module

    module._CACHE.clear()
    first = image(load_catalogue(ASSETS), "node:20")
    module._CACHE.clear()
    second = image(load_catalogue(ASSETS), "node:20")
    assert first == second
    for a, b in zip(first.layers[-3].entries, second.layers[-3].entries, strict=True):
        assert a == b
