"""Images the engine builds, saved with `docker save`, read by real OCI tools: skopeo sees our
digests, umoci unpacks exactly the file tree the engine says the image has."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tests.oci_tools import skopeo_inspect, snapshot_dir, snapshot_tree, umoci_rootfs
from tutor.engine import Engine
from tutor.paths import content_dir

DOCKERFILE = """\
FROM alpine:3.21
WORKDIR /app
COPY . .
RUN mkdir -p data && echo one > data/a.txt && echo two > data/b.txt && ln -s data/a.txt link
RUN rm data/b.txt && rm -rf /etc/apk && chmod 600 data/a.txt
USER nobody
CMD ["sh"]
"""


def _build_and_save(docker: Docker, tmp_path: Path) -> tuple[Path, str]:
    ctx = write(tmp_path / "ctx", {"Dockerfile": DOCKERFILE, "hello.txt": "hi\n"})
    assert docker("build", "-t", "saved:1", ".", cwd=ctx).status == 0
    archive = tmp_path / "saved.tar"
    result = docker("save", "-o", str(archive), "saved:1")
    assert (result.status, result.out, result.err) == (0, "", "")
    image_id = docker("image", "inspect", "-f", "{{.Id}}", "saved:1").out.strip()
    return archive, image_id


# On the classic store the image ID is the config's digest, which skopeo reads back.
@pytest.mark.docker_profile("29/classic")
def test_skopeo_reads_a_built_image(docker: Docker, tmp_path: Path) -> None:
    archive, image_id = _build_and_save(docker, tmp_path)
    config = skopeo_inspect(f"oci-archive:{archive}", "--config", "--raw")
    assert "sha256:" + hashlib.sha256(config).hexdigest() == image_id
    info = json.loads(skopeo_inspect(f"docker-archive:{archive}"))
    layers = json.loads(docker("image", "inspect", "-f", "{{json .RootFS.Layers}}",
                               "saved:1").out)
    assert info["Layers"] == layers
    assert len(layers) == 5  # alpine + WORKDIR + COPY + two RUNs


def test_skopeo_reads_a_containerd_store_save(docker: Docker, tmp_path: Path) -> None:
    """The containerd store saves the index BuildKit exported (image ID = its digest), with the
    provenance attestation beside the image, and the layers as the gzip blobs it keeps."""
    archive, image_id = _build_and_save(docker, tmp_path)
    raw = skopeo_inspect(f"oci-archive:{archive}", "--raw")
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == image_id
    index = json.loads(raw)
    kinds = [(m.get("annotations") or {}).get("vnd.docker.reference.type")
             for m in index["manifests"]]
    assert kinds == [None, "attestation-manifest"]
    manifest = json.loads(_blob(archive, index["manifests"][0]["digest"]))
    assert {la["mediaType"] for la in manifest["layers"]} == {
        "application/vnd.oci.image.layer.v1.tar+gzip"}
    config = skopeo_inspect(f"oci-archive:{archive}", "--config", "--raw")
    assert "sha256:" + hashlib.sha256(config).hexdigest() == manifest["config"]["digest"]
    layers = json.loads(docker("image", "inspect", "-f", "{{json .RootFS.Layers}}",
                               "saved:1").out)
    assert json.loads(config)["rootfs"]["diff_ids"] == layers
    info = json.loads(skopeo_inspect(f"oci-archive:{archive}"))
    assert info["Layers"] == [la["digest"] for la in manifest["layers"]] != layers


def _blob(archive: Path, digest: str) -> bytes:
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"blobs/sha256/{digest[7:]}")
        assert member is not None
        return member.read()


@pytest.mark.parametrize("profile", ["29", "29/classic"])
def test_umoci_unpacks_what_the_engine_says_the_image_holds(
    docker: Docker, tmp_path: Path, isolated_state: Path, monkeypatch: pytest.MonkeyPatch,
    profile: str,
) -> None:
    monkeypatch.setenv("TUTOR_DOCKER_PROFILE", profile)
    archive, _ = _build_and_save(docker, tmp_path)
    unpacked = snapshot_dir(umoci_rootfs(archive, "1", tmp_path))
    engine = Engine.open(isolated_state, content_dir("assets"))
    image = engine.images.resolve("saved:1")
    expected = snapshot_tree(engine.tree(image.diff_ids))
    assert unpacked == expected
    assert "/app/data/b.txt" not in unpacked and "/etc/apk" not in unpacked
    assert unpacked["/app/data/a.txt"] == ("file", 0o600, b"one\n")
    assert unpacked["/app/link"] == ("symlink", 0o777, "data/a.txt")


def test_containerd_store_load_gives_back_the_saved_image(docker: Docker,
                                                          tmp_path: Path) -> None:
    """Saved, removed and loaded again, the image has its old ID (the index digest) and its
    index, attestation and blobs, as the containerd store imports an archive as it is."""
    archive, image_id = _build_and_save(docker, tmp_path)
    assert docker("rmi", "saved:1").status == 0
    loaded = docker("load", "-i", str(archive))
    assert (loaded.status, loaded.out) == (0, "Loaded image: saved:1\n")
    assert docker("image", "inspect", "-f", "{{.Id}}", "saved:1").out.strip() == image_id
    again = tmp_path / "again.tar"
    assert docker("save", "-o", str(again), "saved:1").status == 0
    assert _members(again) == _members(archive)


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
                for m in tar.getmembers()}


def test_a_classic_archive_loads_into_the_containerd_store_and_saves_again(
    docker: Docker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Docker 28's archive (plain tars) loaded into another sandbox on the containerd store: the
    image is named by its config (docs/differences.md), and its save is the containerd form,
    with the layers as gzip blobs that skopeo reads back."""
    monkeypatch.setenv("TUTOR_DOCKER_PROFILE", "28")
    archive, config_id = _build_and_save(docker, tmp_path)
    monkeypatch.setenv("TUTOR_DOCKER_PROFILE", "29")
    other = tmp_path / "other-state"
    loaded = docker("load", "-i", str(archive), state=other)
    assert (loaded.status, loaded.out) == (0, "Loaded image: saved:1\n")
    again = tmp_path / "again.tar"
    saved = docker("save", "-o", str(again), "saved:1", state=other)
    assert (saved.status, saved.err) == (0, "")
    config = skopeo_inspect(f"oci-archive:{again}", "--config", "--raw")
    assert "sha256:" + hashlib.sha256(config).hexdigest() == config_id
    index = json.loads(_members(again)["index.json"])
    manifest = json.loads(_blob(again, index["manifests"][0]["digest"]))
    assert {la["mediaType"] for la in manifest["layers"]} == {
        "application/vnd.oci.image.layer.v1.tar+gzip"}
