"""The open-world catalogue: generated-library images resolve after the hand-written ones, with
trees, sizes, configs and histories derived by the documented rules (tutor.engine.library)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.catalogue_images import read, tree
from tests.engine.library_fixture import (
    ASSETS,
    FILES,
    MEMCACHED_REPOINFO,
    NODE_OFFICIAL,
    NODE_REPOINFO,
    write_library,
)
from tutor.engine import catalogue as catalogue_module
from tutor.engine.catalogue import Catalogue, load_catalogue, normalize_repository
from tutor.engine.fs import FsError
from tutor.engine.library import data
from tutor.engine.library.config import merge_config
from tutor.engine.library.platforms import platforms_of
from tutor.engine.library.suggest import closest_tags, suggestion

REAL_LIBRARY = ASSETS / "library"


@pytest.fixture(scope="session")
def fixture_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library(tmp_path_factory.mktemp("library"))


@pytest.fixture
def cat(fixture_library: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalogue]:
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: fixture_library)
    yield load_catalogue(ASSETS)


def spec(cat: Catalogue, ref: str, platform: str = "linux/amd64") -> catalogue_module.BaseImageSpec:
    name, _, tag = ref.rpartition(":")
    found = cat.resolve(normalize_repository(name), tag, platform)
    assert found is not None, ref
    return found


def exists(image: catalogue_module.BaseImageSpec, path: str) -> bool:
    try:
        tree(image).lookup(path)
    except FsError:
        return False
    return True


# -- resolution order ---------------------------------------------------------------------------

def test_hand_written_tags_win_over_the_library(cat: Catalogue) -> None:
    # the fixture's official data also says node:lts (22.17.1); the TOML image (20.18.3) wins
    assert "NODE_VERSION=20.18.3" in spec(cat, "node:lts").config["Env"]
    assert spec(cat, "alpine:3.21").layers[0].key.startswith("docker.io/library/alpine:3.21")


def test_repo_info_wins_over_official_for_the_same_tag(
        fixture_library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    official = json.loads(json.dumps(NODE_OFFICIAL))
    official["images"][0]["tags"].append("22-alpine3.21")
    root = write_library(tmp_path / "lib")
    (root / "official" / "node.json.gz").write_bytes(gzip.compress(json.dumps(official).encode()))
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: root)
    image = spec(load_catalogue(ASSETS), "node:22-alpine3.21")
    assert "NODE_VERSION=22.17.1" in image.config["Env"]  # repo-info's, not 18-alpine's
    assert image.size == NODE_REPOINFO["images"][0]["size"]  # type: ignore[index]


def test_unknown_tags_and_repositories_resolve_to_nothing(cat: Catalogue) -> None:
    assert cat.resolve("docker.io/library/node", "99") is None
    assert cat.resolve("docker.io/library/pyhton", "3.12") is None
    assert cat.platforms("docker.io/library/node", "99") == ()


def test_tags_and_repositories_include_the_library(cat: Catalogue) -> None:
    tags = cat.tags("docker.io/library/node")
    assert {"20-alpine", "18-alpine", "22-alpine3.21", "24"} <= set(tags)
    assert "docker.io/library/maven" in cat.repositories
    assert "gcr.io/distroless/static-debian12" in cat.repositories
    assert cat.repositories["docker.io/library/node"].official  # the hand-written entry
    assert cat.repositories["docker.io/library/maven"].name == "maven"


def test_the_library_is_read_lazily_one_repository_at_a_time(
        cat: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    read_files: list[str] = []
    real = data._read

    def spy(path: Path, source: str) -> data.RepositoryRecord | None:
        read_files.append(path.name)
        return real(path, source)

    monkeypatch.setattr(data, "_read", spy)
    spec(cat, "alpine:3.21")
    cat.tags("docker.io/library/alpine")  # a tag listing reads only that repository
    assert read_files == ["alpine.json.gz", "alpine.json.gz"]  # repo-info (absent), official
    spec(cat, "golang:1.18-alpine")
    assert set(read_files) == {"alpine.json.gz", "golang.json.gz"}


def test_a_broken_data_file_makes_its_tags_unknown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_library(tmp_path / "lib")
    (root / "official" / "golang.json.gz").write_bytes(b"not gzip")
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: root)
    cat = load_catalogue(ASSETS)
    assert cat.resolve("docker.io/library/golang", "1.18-alpine") is None
    assert cat.resolve("docker.io/library/golang", "1.22") is not None  # hand-written


# -- config and history -------------------------------------------------------------------------

def test_config_merges_the_base_and_history_is_base_plus_own(cat: Catalogue) -> None:
    image = spec(cat, "node:18-alpine")
    base = spec(cat, "alpine:3.21")
    assert image.config["Env"] == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "NODE_VERSION=18.20.8", "YARN_VERSION=1.22.22"]
    assert image.config["Entrypoint"] == ["docker-entrypoint.sh"]
    assert image.config["Cmd"] == ["node"]
    own = NODE_OFFICIAL["images"][0]["history"]  # type: ignore[index]
    assert image.history[:len(base.history)] == base.history
    assert [h.created_by for h in image.history[len(base.history):]] == [
        h["created_by"] for h in own]
    assert all(h.comment == "buildkit.dockerfile.v0" for h in image.history[len(base.history):])
    assert image.created == "2025-03-27T17:06:59Z"


def test_a_new_entrypoint_resets_the_inherited_cmd() -> None:
    merged = merge_config({"Env": ["PATH=/bin", "A=1"], "Cmd": ["bash"]},
                          {"Env": ["A=2", "B=3"], "Entrypoint": ["/e.sh"]})
    assert merged == {"Env": ["PATH=/bin", "A=2", "B=3"], "Entrypoint": ["/e.sh"]}
    kept = merge_config({"Cmd": ["bash"], "ExposedPorts": {"1/tcp": {}}},
                        {"ExposedPorts": {"2/tcp": {}}})
    assert kept == {"Cmd": ["bash"], "ExposedPorts": {"1/tcp": {}, "2/tcp": {}}}


@pytest.mark.parametrize("name", sorted(FILES))
def test_layer_counts_equal_the_data(cat: Catalogue, name: str) -> None:
    doc = FILES[name]
    for record in doc["images"]:  # type: ignore[attr-defined]
        image = spec(cat, f"{doc['repository']}:{record['tags'][0]}")
        base_layers = 0
        if record.get("from") not in (None, "scratch"):
            base_name, _, base_tag = record["from"].partition(":")
            base_layers = len(spec(cat, f"{base_name}:{base_tag}").layers) if cat.resolve(
                normalize_repository(base_name), base_tag) else len(image.layers) - sum(
                not h["empty_layer"] for h in record["history"][record.get("base_history") or 0:])
        own = record["history"][record.get("base_history") or 0:]
        assert len(image.layers) - base_layers == sum(not h["empty_layer"] for h in own)


# -- base layers ----------------------------------------------------------------------------------

def test_from_chains_share_the_base_layer_objects(cat: Catalogue) -> None:
    alpine = spec(cat, "alpine:3.21")
    node18 = spec(cat, "node:18-alpine")
    node22 = spec(cat, "node:22-alpine3.21")
    assert node18.layers[0] is alpine.layers[0] and node22.layers[0] is alpine.layers[0]
    maven = spec(cat, "maven:3.9-eclipse-temurin-17")
    temurin = spec(cat, "eclipse-temurin:17-jdk")
    assert maven.layers[:len(temurin.layers)] == temurin.layers


def test_aliases_share_one_spec(cat: Catalogue) -> None:
    assert spec(cat, "node:18-alpine") is spec(cat, "node:hydrogen-alpine")


def test_an_alpine_release_without_a_recipe_is_the_nearest_recipe_renamed(
        cat: Catalogue) -> None:
    image = spec(cat, "alpine:3.19")
    assert read(image, "/etc/alpine-release") == "3.19.8\n"
    assert "/alpine/v3.19/main" in read(image, "/etc/apk/repositories")
    assert "VERSION_ID=3.19.8" in read(image, "/etc/os-release")
    assert exists(image, "/bin/busybox") and exists(image, "/sbin/apk")
    assert image.history[0].created_by == "ADD alpine-minirootfs-3.19.8-x86_64.tar.gz / # buildkit"


def test_an_os_release_older_than_any_recipe_still_builds(cat: Catalogue) -> None:
    image = spec(cat, "golang:1.18-alpine")  # FROM alpine:3.17: no recipe, no data
    assert read(image, "/etc/alpine-release") == "3.17.0\n"
    assert image.history[0].created_by.startswith("ADD alpine-minirootfs-3.17.0-x86_64")


def test_debian_suites_by_rule(cat: Catalogue) -> None:
    trixie = spec(cat, "debian:trixie")
    os_release = read(trixie, "/etc/os-release")
    assert 'VERSION_CODENAME=trixie' in os_release and 'VERSION_ID="13"' in os_release
    assert read(trixie, "/etc/debian_version") == "13.0\n"
    assert "Suites: trixie trixie-updates" in read(trixie, "/etc/apt/sources.list.d/debian.sources")
    bullseye = spec(cat, "python:3.11-slim-bullseye")
    assert "bullseye" in read(bullseye, "/etc/os-release")
    assert read(bullseye, "/etc/debian_version") == "11.11\n"
    assert exists(bullseye, "/etc/dpkg/dpkg.cfg.d/docker")  # the slim recipe


# -- the image's own layers -------------------------------------------------------------------

def test_node_reuses_the_node_recipe_with_its_versions(cat: Catalogue) -> None:
    image = spec(cat, "node:18-alpine")
    files = tree(image)
    for path in ("/usr/local/bin/node", "/usr/local/bin/npm", "/usr/local/bin/yarn",
                 "/opt/yarn-v1.22.22/bin/yarn"):
        files.lookup(path)
    assert "exec \"$@\"" in read(image, "/usr/local/bin/docker-entrypoint.sh")
    assert "node:x:1000:1000" in read(image, "/etc/passwd")


def test_python_programs_follow_the_release(cat: Catalogue) -> None:
    image = spec(cat, "python:3.11-slim")
    paths = {p for layer in image.layers for p, _ in layer.entries}
    assert {"/usr/local/bin/python3.11", "/usr/local/bin/python3", "/usr/local/bin/python",
            "/usr/local/bin/pip"} <= paths
    assert not any("python3.12" in p for p in paths)


def test_programs_the_repository_implies_are_on_its_path(cat: Catalogue) -> None:
    maven = spec(cat, "maven:3.9-eclipse-temurin-17")
    for path in ("/usr/share/maven/bin/mvn", "/usr/bin/mvn", "/opt/java/openjdk/bin/java",
                 "/opt/java/openjdk/bin/javac"):
        _, node = tree(maven).lookup(path)
        assert node.type == "file" and node.mode & 0o111, path
    golang = spec(cat, "golang:1.18-alpine")
    assert exists(golang, "/usr/local/go/bin/go")
    _, gopath = tree(golang).lookup("/go/src")
    assert gopath.type == "dir"


def test_steps_create_users_directories_links_and_scripts(cat: Catalogue) -> None:
    image = spec(cat, "memcached:1.6-alpine3.21")
    assert "memcache:x:11211:11211::/home/memcache:/bin/sh\n" in read(image, "/etc/passwd")
    assert "memcache:x:11211:\n" in read(image, "/etc/group")
    script = read(image, "/usr/local/bin/docker-entrypoint.sh")
    assert script.startswith("#!/bin/sh") and 'exec "$@"' in script
    assert read(image, "/entrypoint.sh") == script  # `ln -s usr/local/bin/… /entrypoint.sh`
    assert exists(image, "/usr/local/bin/memcached")  # CMD and the programs table


def test_the_data_packages_enter_the_package_database(cat: Catalogue) -> None:
    db = read(spec(cat, "memcached:1.6-alpine3.21"), "/lib/apk/db/installed")
    assert "P:libevent\nV:2.1.12-r7\n" in db and "P:libsasl\nV:2.1.28-r8\n" in db
    assert db.count("P:musl\n") == 1  # already in the base: not added twice


def test_distroless_by_rule(cat: Catalogue) -> None:
    static = spec(cat, "gcr.io/distroless/static-debian12:nonroot")
    assert static.config["User"] == "65532"
    assert static.config["WorkingDir"] == "/home/nonroot"
    assert "nonroot:x:65532:65532" in read(static, "/etc/passwd")
    assert not exists(static, "/bin/sh")
    debug = spec(cat, "gcr.io/distroless/base-debian12:debug")
    assert debug.config["Entrypoint"] == ["/busybox/sh"] and exists(debug, "/busybox/sh")
    java = spec(cat, "gcr.io/distroless/java17-debian12:latest")
    assert java.config["Entrypoint"] == ["/usr/bin/java", "-jar"] and exists(java, "/usr/bin/java")
    assert java.layers[:2] == spec(cat, "gcr.io/distroless/base-debian12:latest").layers


def test_dotnet_images_by_rule(cat: Catalogue) -> None:
    sdk = spec(cat, "mcr.microsoft.com/dotnet/sdk:8.0")
    aspnet = spec(cat, "mcr.microsoft.com/dotnet/aspnet:8.0")
    assert sdk.layers[:len(aspnet.layers)] == aspnet.layers
    assert "DOTNET_SDK_VERSION=8.0.412" in sdk.config["Env"]
    assert exists(sdk, "/usr/share/dotnet/dotnet") and exists(sdk, "/usr/bin/dotnet")
    assert "app:x:1654:1654" in read(sdk, "/etc/passwd")


# -- sizes -----------------------------------------------------------------------------------------

def _sized_records() -> list[tuple[bool, str, str, int]]:
    """Every (shipped?, repository, tag, size) the repo-info data publishes: the fixture's, and
    the shipped library's when it is present."""
    found = []
    for doc in (NODE_REPOINFO, MEMCACHED_REPOINFO):
        for record in doc["images"]:  # type: ignore[attr-defined]
            found.append((False, str(doc["repository"]), record["tags"][0], int(record["size"])))
    for path in sorted((REAL_LIBRARY / "repo-info").glob("*.json.gz")):
        doc = json.loads(gzip.decompress(path.read_bytes()))
        for record in doc.get("images", ()):
            if record.get("size") and "amd64" in record.get("architectures", ["amd64"]):
                found.append((True, doc["repository"], record["tags"][0], int(record["size"])))
    return found


@pytest.mark.parametrize(("shipped", "repository", "tag", "size"), _sized_records())
def test_sizes_within_a_quarter_of_what_repo_info_publishes(
        fixture_library: Path, monkeypatch: pytest.MonkeyPatch, shipped: bool, repository: str,
        tag: str, size: int) -> None:
    library = REAL_LIBRARY if shipped else fixture_library
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: library)
    image = load_catalogue(ASSETS).resolve(normalize_repository(repository), tag, "linux/amd64")
    assert image is not None
    assert abs(image.size - size) <= size // 4, (image.size, size)


def test_a_sibling_tag_lends_its_layer_sizes(cat: Catalogue) -> None:
    node18 = spec(cat, "node:18-alpine")
    published = [la["size"] for la in NODE_REPOINFO["images"][0]["layers"]]  # type: ignore[index]
    assert [la.expected_size for la in node18.layers[1:]] == published[1:]


def test_a_total_size_is_spread_by_compressed_size(cat: Catalogue) -> None:
    image = spec(cat, "memcached:1.6-alpine3.21")
    own = [la.expected_size for la in image.layers[1:]]
    assert sum(own) == pytest.approx(13_100_000 - image.layers[0].expected_size, abs=10)
    assert max(own) == own[2]  # the largest compressed layer (the build) is the largest


# -- platforms -------------------------------------------------------------------------------------

def test_official_architectures_become_platforms() -> None:
    assert [str(p) for p in platforms_of(("arm32v7", "amd64", "arm64v8", "windows-amd64",
                                          "s390x"))] == [
        "linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/s390x", "windows/amd64"]


def test_arm_images_build_even_where_the_base_recipe_has_no_arm(cat: Catalogue) -> None:
    assert [str(p) for p in cat.platforms("docker.io/library/node", "18-alpine")] == [
        "linux/amd64", "linux/arm64/v8", "linux/arm/v7"]
    arm64 = spec(cat, "node:18-alpine", "linux/arm64")
    assert arm64.platform.architecture == "arm64"
    arm = spec(cat, "node:18-alpine", "linux/arm/v7")
    assert read(arm, "/etc/apk/arch") == "armv7\n"
    assert read(arm, "/etc/alpine-release") == "3.21.3\n"


# -- suggestions -----------------------------------------------------------------------------------

def test_closest_tags_by_version_then_by_spelling() -> None:
    assert closest_tags("99", ["20", "22", "24", "lts", "22-alpine"]) == ["24", "22", "20"]
    assert closest_tags("18-alpine3.99", ["18-alpine3.21", "18-alpine3.19", "18"])[:1] == [
        "18-alpine3.21"]
    assert closest_tags("lst", ["lts", "latest", "20"])[0] == "lts"


def test_suggestions_name_tags_and_repositories_that_exist(cat: Catalogue) -> None:
    line = suggestion(cat, "docker.io/library/node", "99")
    assert line == "tutor: no such tag; closest that exist: node:24, node:22, node:20"
    assert suggestion(cat, "docker.io/library/pyhton", "3.12") == (
        "tutor: no such repository; closest that exist: python:3.12")
    assert suggestion(cat, "docker.io/library/zzzzzzzzzzzz", "1") == ""


# -- older releases by rule ----------------------------------------------------------------------

def test_an_older_release_is_the_nearest_tag_group_with_its_version_changed(
        cat: Catalogue) -> None:
    image = spec(cat, "node:20-alpine3.19")  # the data has 18-alpine3.19 and 22-alpine…
    assert "NODE_VERSION=20.0.0" in image.config["Env"]
    assert read(image, "/etc/alpine-release") == "3.19.8\n"
    assert any("NODE_VERSION=20.0.0" in h.created_by for h in image.history)
    # below the first release line rules.toml gives for node (0.10)
    assert cat.resolve("docker.io/library/node", "0.8-alpine3.19") is None
    old_alpine = spec(cat, "alpine:3.18")
    assert read(old_alpine, "/etc/alpine-release") == "3.18.0\n"


def test_no_release_newer_than_the_data_knows(cat: Catalogue) -> None:
    assert cat.resolve("docker.io/library/node", "99") is None
    assert cat.resolve("docker.io/library/node", "18-alpine3.99") is None
    assert cat.resolve("docker.io/library/alpine", "3.99") is None
    assert cat.resolve("docker.io/library/alpine", "2.0") is None
    assert cat.resolve("docker.io/library/node", "hydrogen-slim") is None


def test_values_of_the_wrong_type_in_the_data_are_left_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_library(tmp_path / "lib")
    doc = {"repository": "odd", "images": [
        {"tags": ["1"], "architectures": ["amd64"], "from": "alpine:3.21",
         "config": {"Env": "PATH=/bin", "Cmd": ["x", 1], "Entrypoint": ["/e.sh"],
                    "ExposedPorts": ["80/tcp"], "User": "app"},
         "history": [{"created_by": "RUN /bin/sh -c true # buildkit", "empty_layer": False},
                     "not a step"],
         "layers": [{"size": -5}], "packages": ["not", "a", "map"]},
        "not an image"]}
    (root / "official" / "odd.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: root)
    image = spec(load_catalogue(ASSETS), "odd:1")
    assert image.config["User"] == "app" and image.config["Entrypoint"] == ["/e.sh"]
    assert "Cmd" not in image.config  # the bad Cmd left out, the inherited one reset
    assert len(image.layers) == 2


def test_a_tag_group_without_known_steps_still_has_a_root_and_its_programs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_library(tmp_path / "lib")
    doc = {"repository": "perl", "images": [
        {"tags": ["5.44", "5.44.0"], "architectures": ["amd64"], "from": None,
         "created": "2026-08-01T00:00:00Z", "config": {}, "history": []}]}
    (root / "official" / "perl.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    monkeypatch.setattr(catalogue_module, "library_root", lambda assets: root)
    image = spec(load_catalogue(ASSETS), "perl:5.44")
    assert [h.created_by.split(" ")[0] for h in image.history] == ["ADD", "RUN"]
    assert "no Dockerfile steps" in image.history[1].created_by
    assert image.config["Cmd"] == ["/bin/bash"]
    assert exists(image, "/bin/sh") and exists(image, "/usr/local/bin/perl")
