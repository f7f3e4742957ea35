"""The simulated registries and the daemon's pull/push logic, at the engine level."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.engine import Engine
from tutor.engine.catalogue import Platform
from tutor.engine.distribution import InvalidPlatform, PushDone, PushProgress, parse_platform
from tutor.engine.errors import EngineError
from tutor.engine.image import MEDIA_INDEX, digest
from tutor.engine.reference import parse_docker_ref
from tutor.engine.registry import AccessDenied, Registry, Unreachable
from tutor.paths import content_dir


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return Engine.open(tmp_path / "state", content_dir("assets"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", Platform("linux", "amd64")),
        ("linux/arm64", Platform("linux", "arm64")),
        ("linux/arm64/v8", Platform("linux", "arm64")),
        ("linux/arm/v7", Platform("linux", "arm", "v7")),
        ("linux/aarch64", Platform("linux", "arm64")),
        ("arm64", Platform("linux", "arm64")),
        ("linux", Platform("linux", "amd64")),
    ],
    ids=["amd64", "arm64", "arm64-v8", "armv7", "aarch64", "arch-only", "os-only"],
)
def test_parse_platform(text: str, expected: Platform) -> None:
    assert parse_platform(text) == expected


@pytest.mark.parametrize("text", ["foo", "linux/foo", "a/b/c/d", "linux//"],
                         ids=["word", "arch", "too-long", "empty-part"])
def test_parse_platform_errors(text: str) -> None:
    with pytest.raises(InvalidPlatform, match="unknown operating system or architecture"):
        parse_platform(text)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("localhost:5000", 'Get "http://localhost:5000/v2/": dial tcp 127.0.0.1:5000: connect: '
         "connection refused"),
        ("ghcr.io", 'Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io: no such host'),
        ("my.registry:8443", 'Get "https://my.registry:8443/v2/": dial tcp: lookup my.registry: '
         "no such host"),
    ],
    ids=["loopback", "remote", "remote-port"],
)
def test_unreachable_messages(host: str, message: str) -> None:
    assert Unreachable(host).message == message


def serve(engine: Engine, port: int = 5000, key: str = "c1") -> None:
    """Stand in for a running `registry:2` container publishing `port`."""
    engine.registries.serving = lambda asked: key if asked == port else None


def test_local_registries_exist_only_while_served(engine: Engine) -> None:
    assert engine.registry_at("localhost:5000") is None
    serve(engine)
    found = engine.registry_at("127.0.0.1:5000")
    assert isinstance(found, Registry)
    assert engine.registry_at("localhost:5001") is None
    engine.registries.serving = lambda asked: None
    assert engine.registry_at("localhost:5000") is None


def test_hub_serves_multi_platform_indexes_with_real_digests(engine: Engine) -> None:
    hub = engine.registries.hub
    index = hub.manifest("library/alpine", "3.21")
    assert index is not None and index.doc["mediaType"] == MEDIA_INDEX
    archs = [m["platform"]["architecture"] for m in index.doc["manifests"]]
    assert archs == ["amd64", "arm64"]
    for entry in index.doc["manifests"]:
        child = hub.manifest("library/alpine", entry["digest"])
        assert child is not None
        assert digest(child.data) == entry["digest"] and len(child.data) == entry["size"]
    assert hub.manifest("library/alpine", index.digest) == index
    assert hub.manifest("library/alpine", "nope") is None
    assert hub.manifest("library/alpine", "sha256:" + "1" * 64) is None


@pytest.mark.docker_profile("28")  # classic-store image identity (ID = config digest)
def test_tags_move_digests_stay(engine: Engine) -> None:
    serve(engine)
    engine.pull(parse_docker_ref("alpine:3.21"))
    engine.pull(parse_docker_ref("alpine:3.20"))
    ref = parse_docker_ref("localhost:5000/app:latest")
    first = engine.images.resolve("alpine:3.21")
    engine.images.tag(first.id, ref)
    one = [e for e in engine.push(ref) if isinstance(e, PushDone)][0]
    engine.images.tag(engine.images.resolve("alpine:3.20").id, ref)
    two = [e for e in engine.push(ref) if isinstance(e, PushDone)][0]
    assert one.digest != two.digest
    registry = engine.registry_at("localhost:5000")
    assert registry is not None
    latest = registry.manifest("app", "latest")
    assert latest is not None and latest.digest == two.digest
    old = registry.manifest("app", one.digest)
    assert old is not None and old.doc["config"]["digest"] == first.id
    pulled = engine.pull(parse_docker_ref(f"localhost:5000/app@{one.digest}"))
    assert pulled.image.id == first.id
    assert f"docker.io/library/alpine@{pulled.digest}" not in pulled.image.record.repo_digests
    assert f"localhost:5000/app@{one.digest}" in pulled.image.record.repo_digests


def test_push_statuses_follow_the_layer_metadata(engine: Engine) -> None:
    """The containerd store's push names blobs by digest and prints no `Preparing` (moby
    daemon/containerd/progress.go pushProgress)."""
    serve(engine)
    engine.pull(parse_docker_ref("tutorbot/hello-app:1.0"))
    image = engine.images.resolve("tutorbot/hello-app:1.0")
    a, b = parse_docker_ref("localhost:5000/a:1"), parse_docker_ref("localhost:5000/b:1")
    engine.images.tag(image.id, a)
    engine.images.tag(image.id, b)
    first = [e for e in engine.push(a) if isinstance(e, PushProgress)]
    assert [e.status for e in first] == ["Pushed", "Pushed"]
    blobs = {la.gzip_digest[7:19] for la in engine.images.layers(image)}
    assert {e.id for e in first} == blobs
    again = [e.status for e in engine.push(a) if isinstance(e, PushProgress)]
    assert again == ["Layer already exists", "Layer already exists"]
    other = [e.status for e in engine.push(b) if isinstance(e, PushProgress)]
    assert other == ["Mounted from a", "Mounted from a"]


@pytest.mark.docker_profile("28")
def test_classic_push_compresses_into_a_schema2_manifest(engine: Engine) -> None:
    """The classic store shows diffIDs, prepares every layer first, and pushes a Docker
    schema2 manifest listing the gzip blobs (moby distribution/push_v2.go)."""
    serve(engine)
    engine.pull(parse_docker_ref("tutorbot/hello-app:1.0"))
    image = engine.images.resolve("tutorbot/hello-app:1.0")
    ref = parse_docker_ref("localhost:5000/a:1")
    engine.images.tag(image.id, ref)
    events = list(engine.push(ref))
    progress = [e for e in events if isinstance(e, PushProgress)]
    layers = engine.images.layers(image)
    assert [e.status for e in progress] == ["Preparing", "Preparing", "Pushed", "Pushed"]
    assert [e.id for e in progress[:2]] == [la.diff_id[7:19] for la in reversed(layers)]
    done = [e for e in events if isinstance(e, PushDone)][0]
    registry = engine.registry_at("localhost:5000")
    assert registry is not None
    manifest = registry.manifest("a", done.digest)
    assert manifest is not None and len(manifest.data) == done.size
    assert manifest.data.startswith(b'{\n   "schemaVersion": 2,\n   "mediaType": '
                                    b'"application/vnd.docker.distribution.manifest.v2+json"')
    assert manifest.doc["config"] == {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": len(image.record.config), "digest": image.id}
    assert manifest.doc["layers"] == [
        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": la.gzip_size, "digest": la.gzip_digest} for la in layers]
    pulled = engine.pull(parse_docker_ref(f"localhost:5000/a@{done.digest}"))
    assert pulled.image.id == image.id
    assert [la.digest for la in pulled.layers] == [la.gzip_digest for la in layers]


def test_hub_push_needs_the_owner(engine: Engine) -> None:
    engine.pull(parse_docker_ref("alpine:3.21"))
    ref = parse_docker_ref("learner/app:1")
    engine.images.tag(engine.images.resolve("alpine:3.21").id, ref)
    with pytest.raises(AccessDenied):
        list(engine.push(ref))
    engine.logins.login(None, "learner", "learn-docker")
    statuses = [e.status for e in engine.push(ref) if isinstance(e, PushProgress)]
    assert statuses == ["Mounted from library/alpine"]
    with pytest.raises(EngineError, match="incorrect username or password"):
        engine.logins.login(None, "learner", "wrong")
