"""docker save / load archives, checked against real OCI tools (skopeo, umoci) and tarfile."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.oci_tools import skopeo_inspect, snapshot_dir, snapshot_tree, umoci_rootfs
from tutor.engine import layers
from tutor.engine.errors import EngineError
from tutor.engine.fs import FileTree, Node, Synthetic, directory, file, symlink
from tutor.engine.image import HistoryEntry, Image, ImageConfig, RunConfig
from tutor.engine.oci import load, save


def _three_layer_trees() -> list[FileTree]:
    t1 = FileTree()
    for d in ("/etc", "/bin", "/var", "/var/log", "/opt"):
        t1.put(d, directory(mtime=1_700_000_000))
    t1.put("/etc/os-release", file("NAME=Tutor\n", mtime=1_700_000_000))
    t1.put("/bin/tool", Node("file", 0o4755, content=Synthetic(200_000, "tool"), mtime=5))
    t1.put("/bin/sh", symlink("tool", mtime=5))
    t1.put("/var/log/old.log", file("old\n", mtime=5))
    t1.put("/opt/cache", directory(mtime=5))
    t1.put("/opt/cache/a", file("a", mtime=5))
    t1.put("/opt/cache/b", file("b", mtime=5))
    t2 = t1.copy()
    t2.remove("/var/log/old.log")
    t2.put("/etc/app.conf", file("x=1\n", mode=0o600, uid=1000, gid=1000, mtime=7))
    t2.put("/etc/os-release", file("NAME=Tutor\nVERSION=2\n", mtime=7))
    t2.put("/srv", directory(mode=0o1777, mtime=7))
    t3 = t2.copy()
    t3.remove("/opt/cache")
    t3.put("/opt/cache", directory(mtime=9))
    t3.put("/opt/cache/c", file("c", mtime=9))
    t3.put("/etc/link-abs", symlink("/etc/os-release", mtime=9))
    t3.put("/bin/tool", Node("file", 0o2750, gid=50, content=Synthetic(200_000, "tool"), mtime=5))
    return [t1, t2, t3]


def _image() -> tuple[Image, FileTree]:
    trees = _three_layer_trees()
    built = [layers.layer(trees[0]),
             layers.layer(layers.diff(trees[0], trees[1], whiteout_mtime=7)),
             layers.layer(layers.diff(trees[1], trees[2], recreated=["/opt/cache"]))]
    history = tuple(HistoryEntry(f"2024-01-0{i + 1}T00:00:00Z", f"RUN step {i} # buildkit",
                                 "buildkit.dockerfile.v0") for i in range(3))
    config = ImageConfig(tuple(la.diff_id for la in built), history,
                         RunConfig(env=("PATH=/bin",), cmd=("sh",), args_escaped=True))
    return Image(config, tuple(built)), trees[2]


def _saved(tmp_path: Path) -> tuple[Path, Image, FileTree]:
    image, tree = _image()
    archive = tmp_path / "app.tar"
    with archive.open("wb") as out:
        save([(image, ["docker.io/library/app:1"])], out)
    return archive, image, tree


def test_skopeo_reports_our_digests(tmp_path: Path) -> None:
    archive, image, _ = _saved(tmp_path)
    raw = skopeo_inspect(f"oci-archive:{archive}", "--raw")
    manifest = json.loads(raw)
    assert [la["digest"] for la in manifest["layers"]] == list(image.config.diff_ids)
    assert manifest["config"]["digest"] == image.id
    config = skopeo_inspect(f"docker-archive:{archive}", "--config", "--raw")
    assert hashlib.sha256(config).hexdigest() == image.id[7:]
    info = json.loads(skopeo_inspect(f"docker-archive:{archive}"))
    assert info["Layers"] == list(image.config.diff_ids)


def test_umoci_unpacks_the_tree_the_engine_has(tmp_path: Path) -> None:
    archive, _, tree = _saved(tmp_path)
    assert snapshot_dir(umoci_rootfs(archive, "1", tmp_path)) == snapshot_tree(tree)


def test_tarfile_reads_every_layer(tmp_path: Path) -> None:
    archive, image, _ = _saved(tmp_path)
    with tarfile.open(archive) as outer:
        for layer in image.layers:
            blob = outer.extractfile("blobs/sha256/" + layer.diff_id[7:])
            assert blob is not None
            data = blob.read()
            assert "sha256:" + hashlib.sha256(data).hexdigest() == layer.diff_id
            with tarfile.open(fileobj=io.BytesIO(data)) as inner:
                assert inner.getmembers() is not None
                assert all(m.uname == "" and m.gname == "" for m in inner.getmembers())


def test_archive_layout_matches_docker_save(tmp_path: Path) -> None:
    archive, image, _ = _saved(tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        index = json.loads(tar.extractfile("index.json").read())  # type: ignore[union-attr]
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        repos = json.loads(tar.extractfile("repositories").read())  # type: ignore[union-attr]
        layout = tar.extractfile("oci-layout").read()  # type: ignore[union-attr]
        assert tar.getmember("index.json").mtime == 0
    assert names[:2] == ["blobs", "blobs/sha256"]
    assert names[-4:] == ["index.json", "manifest.json", "oci-layout", "repositories"]
    assert layout == b'{"imageLayoutVersion": "1.0.0"}'
    assert index["manifests"][0]["annotations"] == {
        "io.containerd.image.name": "docker.io/library/app:1",
        "org.opencontainers.image.ref.name": "1"}
    assert manifest[0]["RepoTags"] == ["app:1"]
    assert manifest[0]["Config"] == "blobs/sha256/" + image.id[7:]
    assert repos == {"app": {"1": image.layers[-1].diff_id[7:]}}


def test_load_round_trip(tmp_path: Path) -> None:
    archive, image, tree = _saved(tmp_path)
    with archive.open("rb") as f:
        (loaded,) = load(f)
    assert loaded.repo_tags == ("app:1",)
    assert loaded.image.id == image.id
    assert [la.diff_id for la in loaded.image.layers] == list(image.config.diff_ids)
    again = io.BytesIO()
    save([(loaded.image, ["docker.io/library/app:1"])], again)
    assert again.getvalue() == archive.read_bytes()


def test_load_old_format() -> None:
    image, _ = _image()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add(image.id[7:] + ".json", image.config.to_bytes())
        paths = []
        for i, layer in enumerate(image.layers):
            paths.append(f"l{i}/layer.tar")
            add(paths[-1], b"".join(layer.chunks()))
        add("manifest.json", json.dumps([{"Config": image.id[7:] + ".json",
                                          "RepoTags": ["app:1"], "Layers": paths}]).encode())
    buf.seek(0)
    (loaded,) = load(buf)
    assert loaded.image.id == image.id


@pytest.mark.parametrize("mutate,message", [
    (lambda b: b[: len(b) // 2], "unexpected EOF"),
    (lambda b: b"", "invalid archive: does not contain a manifest.json"),
], ids=["truncated", "empty"])
def test_load_rejects_bad_archives(tmp_path: Path, mutate, message) -> None:  # type: ignore[no-untyped-def]
    archive, _, _ = _saved(tmp_path)
    with pytest.raises(EngineError) as err:
        load(io.BytesIO(mutate(archive.read_bytes())))
    assert message in err.value.message


def test_load_detects_corrupt_layer(tmp_path: Path) -> None:
    archive, image, _ = _saved(tmp_path)
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmember("blobs/sha256/" + image.layers[0].diff_id[7:])
    # flip a byte inside /etc/os-release's content in the first layer
    start = member.offset_data
    pos = data.index(b"NAME=Tutor", start)
    data[pos] = ord("X")
    with pytest.raises(EngineError, match=r"invalid diffID for layer 0: expected"):
        load(io.BytesIO(bytes(data)))


def test_missing_blob_is_docker_open_error(tmp_path: Path) -> None:
    archive, image, _ = _saved(tmp_path)
    buf = io.BytesIO()
    with tarfile.open(archive) as src, tarfile.open(fileobj=buf, mode="w") as dst:
        for m in src.getmembers():
            if m.name != "blobs/sha256/" + image.id[7:]:
                dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    buf.seek(0)
    with pytest.raises(EngineError, match=r"^open /var/lib/docker/tmp/docker-import-\d+/blobs/"
                                          r"sha256/[0-9a-f]{64}: no such file or directory$"):
        load(buf)


def test_empty_image_cannot_be_saved() -> None:
    image = Image(ImageConfig(()), ())
    with pytest.raises(EngineError, match="empty export - not implemented"):
        save([(image, [])], io.BytesIO())


@pytest.mark.parametrize("odd", [b"{not json", b'{"config": null}'], ids=["not-json", "null"])
def test_load_skips_an_index_entry_whose_documents_it_cannot_read(tmp_path: Path,
                                                                  odd: bytes) -> None:
    """index.json may name content beside the images (another tool's, or a learner's edit): a
    blob there that is no manifest leaves the image to load from manifest.json, as the index
    is only consulted to keep the image's own documents."""
    archive, image, _ = _saved(tmp_path)
    hexdigest = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    manifest = json.dumps({"schemaVersion": 2, "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "sha256:" + hexdigest(odd), "size": len(odd)}, "layers": []}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"digest": "sha256:" + hexdigest(manifest), "size": len(manifest)}]}).encode()
    extra = {f"blobs/sha256/{hexdigest(d)}": d for d in (odd, manifest, index)}
    buf = io.BytesIO()
    with tarfile.open(archive) as src, tarfile.open(fileobj=buf, mode="w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else b""  # type: ignore[union-attr]
            if m.name == "index.json":
                doc = json.loads(data)
                doc["manifests"].insert(0, {"digest": "sha256:" + hexdigest(index),
                                            "size": len(index)})
                data = json.dumps(doc).encode()
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if m.isfile() else None)
        for name, data in extra.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    buf.seek(0)
    (loaded,) = load(buf)
    assert loaded.image.id == image.id
    assert loaded.target and hashlib.sha256(loaded.target).hexdigest() != hexdigest(index)
