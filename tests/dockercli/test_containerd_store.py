"""The containerd image store's image identity (the default profile, Docker 29).

An image is named by its manifest or index digest: a pulled image's ID is the `Digest:` the pull
printed (moby daemon/containerd/image_list.go `ID: target.Digest`, real output in moby#53398);
a build exports a manifest, its config, a minimal provenance attestation and an index
(`exporting manifest …`, `exporting config …`, `exporting attestation manifest …`,
`exporting manifest list …`, `naming to …`, `unpacking to …`: moby's vendored BuildKit
`exporter/containerimage/writer.go` and `export.go` @ docker-v29.7.2), so an unchanged rebuild
gets a new ID while its steps stay CACHED, and `--provenance=false` (or
BUILDX_NO_DEFAULT_ATTESTATIONS) keeps the ID stable (docker/buildx `build/opt.go`). The classic
store keeps `writing image <config digest>` and refuses attestations."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tutor.engine import Engine
from tutor.paths import content_dir

DOCKERFILE = "FROM alpine:3.21\nRUN echo hello > /hello\n"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build(docker: Docker, tmp_path: Path, *flags: str) -> tuple[str, str]:
    """(the progress on stderr, the image ID `app:1` names afterwards)."""
    write(tmp_path / "ctx", {"Dockerfile": DOCKERFILE})
    result = docker("build", "--progress=plain", "-t", "app:1", *flags, str(tmp_path / "ctx"))
    assert result.status == 0, result.err
    return result.err, docker("image", "inspect", "-f", "{{.Id}}", "app:1").out.strip()


def export_lines(progress: str) -> list[str]:
    block = progress.split("exporting to image\n", 1)[1]
    return [re.sub(r"^#\d+ ", "", line).removesuffix(" done")
            for line in block.splitlines() if not line.startswith("#") or " DONE" not in line]


def record_blobs(state: Path, image_id: str) -> dict[str, bytes]:
    engine = Engine.open(state, assets=content_dir("assets"))
    return {d: t.encode() for d, t in engine.store.get_image(image_id).blobs.items()}


def test_pulled_image_id_is_the_pull_digest(docker: Docker) -> None:
    out = docker("pull", "alpine:3.21").out
    pulled = re.search(r"^Digest: (sha256:[0-9a-f]{64})$", out, re.M)
    assert pulled
    assert docker("images", "--no-trunc", "-q").out == pulled.group(1) + "\n"
    assert docker("image", "inspect", "-f", "{{.Id}}", "alpine:3.21").out == pulled.group(1) + "\n"
    again = docker("pull", "alpine:3.21").out
    assert "Status: Image is up to date for alpine:3.21" in again


@pytest.mark.docker_profile("29/classic")
def test_classic_store_names_images_by_config(docker: Docker, isolated_state: Path) -> None:
    out = docker("pull", "alpine:3.21").out
    pulled = re.search(r"^Digest: (sha256:[0-9a-f]{64})$", out, re.M)
    assert pulled
    image_id = docker("images", "--no-trunc", "-q").out.strip()
    engine = Engine.open(isolated_state, assets=content_dir("assets"))
    assert image_id == sha(engine.store.get_image(image_id).config) != pulled.group(1)


def test_build_exports_manifest_config_attestation_and_index(
    docker: Docker, tmp_path: Path, isolated_state: Path
) -> None:
    progress, image_id = build(docker, tmp_path)
    lines = export_lines(progress)
    assert [re.sub(r"sha256:[0-9a-f]{64}", "<d>", line) for line in lines] == [
        "exporting layers", "exporting manifest <d>", "exporting config <d>",
        "exporting attestation manifest <d>", "exporting manifest list <d>",
        "naming to docker.io/library/app:1", "unpacking to docker.io/library/app:1"]
    digests = [line.rsplit(" ", 1)[1] for line in lines[1:5]]
    manifest_d, config_d, attestation_d, index_d = digests
    assert index_d == image_id, "the image is named by its index"
    blobs = record_blobs(isolated_state, image_id)
    assert all(sha(data) == d for d, data in blobs.items()), "each blob is its digest's"
    manifest = json.loads(blobs[manifest_d])
    assert manifest["config"]["digest"] == config_d
    assert blobs[index_d].startswith(b'{\n  "schemaVersion": 2,'), "MarshalIndent, 2 spaces"
    index = json.loads(blobs[index_d])
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    image_entry, attestation_entry = index["manifests"]
    assert (image_entry["digest"], image_entry["platform"]) == (
        manifest_d, {"architecture": "amd64", "os": "linux"})
    assert attestation_entry["digest"] == attestation_d
    assert attestation_entry["annotations"] == {
        "vnd.docker.reference.digest": manifest_d,
        "vnd.docker.reference.type": "attestation-manifest"}
    assert attestation_entry["platform"] == {"architecture": "unknown", "os": "unknown"}
    layer = json.loads(blobs[attestation_d])["layers"][0]
    assert layer["mediaType"] == "application/vnd.in-toto+json"
    statement = json.loads(blobs[layer["digest"]])
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"] == [{"name": "pkg:docker/app@1?platform=linux%2Famd64",
                                     "digest": {"sha256": manifest_d[7:]}}]
    deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert deps[0]["uri"] == "pkg:docker/alpine@3.21?platform=linux%2Famd64"


def test_unchanged_rebuild_gets_a_new_id_and_leaves_the_old_untagged(
    docker: Docker, tmp_path: Path
) -> None:
    _, first = build(docker, tmp_path)
    progress, second = build(docker, tmp_path)
    assert re.search(r"^#(\d+) \[2/2\] RUN echo hello > /hello\n#\1 CACHED$", progress, re.M)
    assert first != second
    assert first[7:19] not in docker("images").out
    listed = docker("images", "-a").out
    assert f"<untagged>    {first[7:19]}" in listed and f"app:1         {second[7:19]}" in listed


@pytest.mark.parametrize("how", ["flag", "env"])
def test_without_provenance_the_id_is_the_manifest_and_stable(
    docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    flags: tuple[str, ...] = ("--provenance=false",) if how == "flag" else ()
    if how == "env":
        monkeypatch.setenv("BUILDX_NO_DEFAULT_ATTESTATIONS", "1")
    progress, first = build(docker, tmp_path, *flags)
    lines = export_lines(progress)
    assert [line.split(" sha256:")[0] for line in lines] == [
        "exporting layers", "exporting manifest", "exporting config",
        "naming to docker.io/library/app:1", "unpacking to docker.io/library/app:1"]
    assert lines[1].endswith(first)
    _, second = build(docker, tmp_path, *flags)
    assert first == second
    assert "<untagged>" not in docker("images", "-a").out


def test_content_size_counts_the_attestation(docker: Docker, tmp_path: Path,
                                             isolated_state: Path) -> None:
    _, with_provenance = build(docker, tmp_path)
    _, without = build(docker, tmp_path, "--provenance=false")
    engine = Engine.open(isolated_state, assets=content_dir("assets"))
    blobs = engine.store.get_image(with_provenance).blobs
    extra = sum(len(t) for d, t in blobs.items()
                if d not in engine.store.get_image(without).blobs)
    sizes = [engine.images.content_size(engine.images.get(i)) for i in (with_provenance, without)]
    assert extra > 0 and sizes[0] - sizes[1] == extra


@pytest.mark.docker_profile("29/classic")
def test_classic_store_writes_the_config_digest(docker: Docker, tmp_path: Path) -> None:
    progress, image_id = build(docker, tmp_path)
    assert export_lines(progress) == ["exporting layers", f"writing image {image_id}",
                                      "naming to docker.io/library/app:1"]


@pytest.mark.docker_profile("29/classic")
def test_classic_store_refuses_attestations(docker: Docker, tmp_path: Path) -> None:
    write(tmp_path / "ctx", {"Dockerfile": DOCKERFILE})
    result = docker("build", "--provenance=mode=max", str(tmp_path / "ctx"))
    assert result.status == 1
    # buildx build/utils.go notSupported @ v0.36.0 adds the docs link
    assert result.err == ("ERROR: failed to build: Attestation is not supported for the docker "
                          "driver.\nSwitch to a different driver, or turn on the containerd "
                          "image store, and try again.\n"
                          "Learn more at https://docs.docker.com/go/attestations/\n")
    assert docker("build", "-q", "--provenance=false", str(tmp_path / "ctx")).status == 0


def test_pull_keeps_the_index_and_manifest_it_fetched(docker: Docker,
                                                      isolated_state: Path) -> None:
    docker("pull", "-q", "alpine:3.21")
    image_id = docker("images", "--no-trunc", "-q").out.strip()
    index = json.loads(docker("manifest", "inspect", "alpine:3.21").out)
    amd64 = next(m["digest"] for m in index["manifests"]
                 if m["platform"]["architecture"] == "amd64")
    blobs = record_blobs(isolated_state, image_id)
    assert set(blobs) == {image_id, amd64}
    engine = Engine.open(isolated_state, assets=content_dir("assets"))
    image = engine.images.get(image_id)
    # the content store keeps each layer as the gzip blob the registry served
    manifest = json.loads(blobs[amd64])
    layers = sum(la.gzip_size for la in engine.images.layers(image))
    assert layers == sum(d["size"] for d in manifest["layers"])
    assert layers < sum(la.tar_size for la in engine.images.layers(image))
    assert engine.images.content_size(image) == (
        len(blobs[image_id]) + len(blobs[amd64]) + len(image.record.config) + layers)


@pytest.fixture
def box(docker: Docker) -> Docker:
    assert docker("pull", "-q", "alpine:3.20").status == 0
    assert docker("run", "--name", "box", "alpine:3.20", "sh", "-c", "echo hi > /x").status == 0
    return docker


def test_commit_is_named_by_its_manifest(box: Docker, isolated_state: Path) -> None:
    """moby daemon/containerd/image_commit.go @ docker-v29.7.2: a DockerOCIImage config
    (no container, container_config or docker_version) under a manifest that names it."""
    image_id = box("commit", "-m", "hello", "box", "snap:1").out.strip()
    blobs = record_blobs(isolated_state, image_id)
    manifest = json.loads(blobs[image_id])
    config = json.loads(blobs[manifest["config"]["digest"]])
    assert list(config) == ["created", "architecture", "os", "config", "rootfs", "history"]
    assert config["history"][-1]["comment"] == "hello"
    assert box("history", "-q", "snap:1").out.split()[0] == image_id[7:19]


@pytest.mark.docker_profile("29/classic")
def test_classic_commit_of_29_has_no_docker_version(box: Docker, isolated_state: Path) -> None:
    """NewChildImage @ docker-v29.7.2 keeps container and container_config, not the version."""
    image_id = box("commit", "box", "snap:1").out.strip()
    engine = Engine.open(isolated_state, assets=content_dir("assets"))
    config = json.loads(engine.store.get_image(image_id).config)
    assert sha(engine.store.get_image(image_id).config) == image_id
    assert "docker_version" not in config and "container_config" in config


def test_pull_progress_has_no_checksum_step(docker: Docker) -> None:
    """moby daemon/containerd/progress.go @ docker-v29.7.2: Pulling fs layer, Download
    complete, Pull complete; no Verifying Checksum."""
    out = docker("pull", "alpine:3.21").out
    assert "Verifying Checksum" not in out
    assert re.search(r"^[0-9a-f]{12}: Pulling fs layer\n", out, re.M)
    assert re.search(r"^[0-9a-f]{12}: Download complete\n", out, re.M)
    assert re.search(r"^[0-9a-f]{12}: Pull complete\n", out, re.M)


@pytest.mark.docker_profile("29/classic")
def test_classic_pull_verifies_checksums(docker: Docker) -> None:
    assert re.search(r"^[0-9a-f]{12}: Verifying Checksum\n", docker("pull", "alpine:3.21").out,
                     re.M)


def test_rmi_reports_the_names_and_the_image(docker: Docker) -> None:
    """moby daemon/containerd/image_delete.go @ docker-v29.7.2: `Untagged:` per name, then one
    `Deleted:` for the image's target; no layer lines."""
    docker("pull", "-q", "alpine:3.21")
    image_id = docker("images", "--no-trunc", "-q").out.strip()
    result = docker("rmi", "alpine:3.21")
    assert (result.status, result.out) == (0, f"Untagged: alpine:3.21\nDeleted: {image_id}\n")


@pytest.mark.docker_profile("29/classic")
def test_classic_rmi_also_reports_digests_and_layers(docker: Docker) -> None:
    docker("pull", "-q", "alpine:3.21")
    lines = docker("rmi", "alpine:3.21").out.splitlines()
    assert lines[0] == "Untagged: alpine:3.21" and lines[1].startswith("Untagged: alpine@sha256:")
    assert len([line for line in lines if line.startswith("Deleted: ")]) >= 2


def test_history_sizes_are_snapshot_blocks(docker: Docker, tmp_path: Path) -> None:
    """The containerd store measures a layer as its unpacked snapshot (overlayfs upper dir,
    4 KiB blocks, the directory itself included): WORKDIR /app is 8.19kB, as in Docker's
    get-started pages, where the classic store says 0B."""
    write(tmp_path / "ctx", {"Dockerfile": "FROM alpine:3.21\nWORKDIR /app\n"
                                           "RUN echo hi > /app/x\nENV A=1\n"})
    assert docker("build", "-q", "-t", "app", str(tmp_path / "ctx")).status == 0
    rows = docker("history", "--format", "{{.CreatedBy}}|{{.Size}}", "app").out.splitlines()
    assert rows[:3] == ["ENV A=1|0B", "RUN /bin/sh -c echo hi > /app/x # buildkit|12.3kB",
                        "WORKDIR /app|8.19kB"]


@pytest.mark.docker_profile("29/classic")
def test_classic_history_sizes_are_file_bytes(docker: Docker, tmp_path: Path) -> None:
    write(tmp_path / "ctx", {"Dockerfile": "FROM alpine:3.21\nWORKDIR /app\n"
                                           "RUN echo hi > /app/x\n"})
    assert docker("build", "-q", "-t", "app", str(tmp_path / "ctx")).status == 0
    rows = docker("history", "--format", "{{.Size}}", "app").out.splitlines()
    assert rows[:2] == ["3B", "0B"]
