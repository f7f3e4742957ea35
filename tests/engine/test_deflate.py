"""Layer gzip blobs: valid gzip of exactly the layer tar, the same bytes on every machine and
every run, kept with the layer record, and synthetic content compressing like binaries."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from pathlib import Path

import pytest

from tutor.engine import deflate, layers
from tutor.engine.fs import Data, FileTree, Node, Synthetic, directory, file, symlink
from tutor.engine.store import Store


def _tree() -> FileTree:
    t = FileTree()
    t.put("/app", directory(mtime=1_700_000_000))
    t.put("/app/main.py", file("print('hello')\n" * 40, mtime=1_700_000_000))
    t.put("/app/zeros.bin", file(b"\0" * 5000))
    t.put("/app/link", symlink("main.py"))
    t.put("/usr", directory())
    t.put("/usr/lib", directory())
    t.put("/usr/lib/libbig.so", Node("file", 0o755, content=Synthetic(3 * deflate.CHUNK + 77,
                                                                      "libbig")))
    t.put("/usr/lib/libsmall.so", Node("file", 0o755, content=Synthetic(1234, "libsmall")))
    return t


def _blob(la: layers.Layer) -> bytes:
    return b"".join(la.gzip_chunks())


def test_the_blob_is_gzip_of_exactly_the_layer_tar() -> None:
    la = layers.layer(_tree())
    blob = _blob(la)
    tar = b"".join(la.chunks())
    assert gzip.decompress(blob) == tar
    assert zlib.decompress(blob, 31) == tar  # a strict single-member reader agrees
    assert la.gzip_digest == "sha256:" + hashlib.sha256(blob).hexdigest()
    assert la.gzip_size == len(blob)
    assert la.gzip_digest != la.diff_id
    # no name, no mtime, OS unknown: equal tars give equal blobs wherever they are made
    assert blob[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def test_the_blob_is_the_same_every_time() -> None:
    first, second = layers.layer(_tree()), layers.layer(_tree())
    assert (first.gzip_digest, first.gzip_size) == (second.gzip_digest, second.gzip_size)
    assert _blob(first) == _blob(second)


def test_the_encoding_is_pinned() -> None:
    """Blob digests name content across sandboxes and machines: the writer's output for a fixed
    layer must never change (a change here changes every digest learners have seen)."""
    t = FileTree()
    t.put("/etc", directory())
    t.put("/etc/motd", file("welcome\n"))
    t.put("/bin", directory())
    t.put("/bin/tool", Node("file", 0o755, content=Synthetic(70_000, "tool")))
    assert layers.layer(t).gzip_digest == (
        "sha256:95f105e35afa32b6dab3c0426af6b8d9efb3480274d705ec6ef884f59562b036")


@pytest.mark.parametrize("size", [1, 7, 8, 9, 100, 300, 4096, 65535, 65536, 65537, 200_000])
def test_synthetic_content_deflates_to_its_bytes(size: int) -> None:
    content = Synthetic(size, f"seed{size}")
    pieces = list(content.deflated())
    raw = b"".join(r for r, _ in pieces)
    assert raw == content.read() and len(raw) == size
    encoded = b"".join(e for _, e in pieces)
    assert zlib.decompressobj(-15).decompress(encoded) == raw


def test_synthetic_content_compresses_like_binaries() -> None:
    la = layers.layer(_tree())
    big = Synthetic(2_000_000, "runtime")
    t = FileTree()
    t.put("/runtime", Node("file", 0o755, content=big))
    ratio = layers.layer(t).gzip_size / big.size
    assert 0.3 < ratio < 0.45  # gzip on ELF binaries: about a third
    assert la.gzip_size < la.tar_size / 2


def test_ordinary_bytes_choose_the_smaller_encoding() -> None:
    for data in (b"", b"x", b"\0" * 100_000, bytes(range(256)) * 40,
                 b"a" * (deflate.GENERIC_LIMIT + 10)):
        encoded = deflate.deflate_bytes(data)
        assert zlib.decompressobj(-15).decompress(encoded) == data
        assert len(encoded) <= len(deflate.stored(data))


def test_a_loaded_layer_with_its_own_tar_compresses_that_tar() -> None:
    raw = b"".join(layers.tar_chunks(_tree()))[:-1024] + b"\0" * 2048  # extra end padding
    t = FileTree()
    applied = layers.apply(t, io.BytesIO(raw))
    kept = layers.compressed(layers.Layer(applied.diff_id, applied.size, applied.tar_size,
                                          applied.changes, Data(raw)))
    assert gzip.decompress(_blob(kept)) == raw


def test_the_store_keeps_the_blob_digest_and_finds_the_layer_by_it(tmp_path: Path) -> None:
    la = layers.layer(_tree())
    Store(tmp_path).put_layer(la)
    fresh = Store(tmp_path)
    got = fresh.get_layer(la.diff_id)
    assert (got.gzip_digest, got.gzip_size) == (la.gzip_digest, la.gzip_size)
    assert fresh.layer_for_blob(la.gzip_digest) == la.diff_id
    assert fresh.layer_for_blob(la.diff_id) is None


def test_a_record_from_before_blob_digests_is_measured_once(tmp_path: Path) -> None:
    la = layers.layer(_tree())
    Store(tmp_path).put_layer(la)
    path = tmp_path / "layers" / (la.diff_id[7:] + ".json")
    doc = json.loads(path.read_bytes())
    del doc["gzip"]
    path.write_text(json.dumps(doc))
    (tmp_path / "layers" / "gzip" / la.gzip_digest[7:]).unlink()
    got = Store(tmp_path).get_layer(la.diff_id)
    assert got.gzip_digest == la.gzip_digest
    assert json.loads(path.read_bytes())["gzip"] == [la.gzip_digest, la.gzip_size]
    assert Store(tmp_path).layer_for_blob(la.gzip_digest) == la.diff_id


def test_a_sandbox_made_before_keeps_its_synthetic_bytes(tmp_path: Path) -> None:
    """Layer records written before synthetic content followed deflate's plan name it `s`:
    it keeps its old bytes, so the layer keeps the diffID its images' configs list (the value
    below is what the engine computed for this layer before the change)."""
    t = FileTree()
    t.put("/etc", directory())
    t.put("/etc/motd", file("welcome\n"))
    t.put("/bin", directory())
    t.put("/bin/tool", Node("file", 0o755, content=Synthetic(70_000, "tool", legacy=True)))
    old = "sha256:c189b5e47856fe51662c93f599c07b66a3c370b4a5cacdd602366b84cef0cd72"
    la = layers.layer(t)
    assert la.diff_id == old
    assert gzip.decompress(_blob(la)) == b"".join(la.chunks())
    store = Store(tmp_path)
    store.put_layer(la)
    record = json.loads((tmp_path / "layers" / (old[7:] + ".json")).read_bytes())
    kinds = {item[2]: item[-1][0] for item in record["changes"] if isinstance(item[-1], list)}
    assert kinds == {"/bin/tool": "s", "/etc/motd": "b"}
    assert Store(tmp_path).get_layer(old).diff_id == old
    # new content of the same seed is other bytes: it compresses, the old could not
    assert Synthetic(70_000, "tool").read() != Synthetic(70_000, "tool", legacy=True).read()
