"""Layer diffs, tars and their application."""

from __future__ import annotations

import io
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.engine import layers
from tutor.engine.fs import FileTree, Node, Synthetic, directory, file, symlink


def _tree(entries: dict[str, Node]) -> FileTree:
    t = FileTree()
    for path in sorted(entries):
        t.makedirs(path.rsplit("/", 1)[0] or "/")
        t.put(path, entries[path])
    return t


def test_empty_layer_is_1024_zero_bytes() -> None:
    out = io.BytesIO()
    diff_id, size = layers.write_tar(layers.Changes(), out)
    assert out.getvalue() == b"\0" * 1024 and size == 1024
    assert diff_id == layers.EMPTY_DIFF_ID == layers.layer(FileTree()).diff_id


@pytest.mark.parametrize("change,kinds", [
    (lambda t: t.put("/a/new", file("n")), {"/a": "C", "/a/new": "A"}),
    (lambda t: t.remove("/a/f"), {"/a": "C", "/a/f": "D"}),
    (lambda t: t.put("/a/f", file("f", mode=0o755)), {"/a": "C", "/a/f": "C"}),
    (lambda t: t.put("/a/f", file("g")), {"/a": "C", "/a/f": "C"}),
    (lambda t: t.remove("/a"), {"/a": "D"}),
], ids=["add", "delete", "chmod", "content", "delete-dir"])
def test_diff_kinds(change, kinds) -> None:  # type: ignore[no-untyped-def]
    lower = _tree({"/a": directory(), "/a/f": file("f")})
    upper = lower.copy()
    change(upper)
    got = {c.path: c.kind for c in layers.diff(lower, upper).items}
    assert got == kinds


def test_tar_entries_parents_first_and_whiteouts() -> None:
    lower = _tree({"/a": directory(), "/a/b": directory(), "/a/b/old": file("o")})
    upper = lower.copy()
    upper.remove("/a/b/old")
    upper.put("/a/b/new", file("x" * 600, mtime=12))
    upper.put("/a/ln", symlink("b/new"))
    out = io.BytesIO()
    layers.write_tar(layers.diff(lower, upper, whiteout_mtime=0), out)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["a", "a/b", "a/b/new", "a/b/.wh.old", "a/ln"]
    wh = members[3]
    assert wh.isreg() and wh.size == 0 and wh.mtime == 0 and wh.mode == 0o600
    assert members[4].linkname == "b/new" and members[2].mtime == 12


def test_recreated_dir_is_opaque() -> None:
    lower = _tree({"/d": directory(), "/d/x": file("x")})
    upper = lower.copy()
    upper.remove("/d")
    upper.put("/d", directory())
    upper.put("/d/x", file("x"))
    ch = layers.diff(lower, upper, recreated=["/d"])
    out = io.BytesIO()
    layers.write_tar(ch, out)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        assert tar.getnames() == ["d", "d/.wh..wh..opq", "d/x"]


def test_long_and_setuid_headers_roundtrip() -> None:
    long_dir = "/" + "d" * 90
    tree = _tree({long_dir: directory(), long_dir + "/" + "f" * 60: file("z", mode=0o4755),
                  "/" + "é" * 3: file("u", uid=3_000_000)})
    out = io.BytesIO()
    layers.write_tar(tree, out)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        by_name = {m.name: m for m in tar.getmembers()}
    assert by_name[long_dir[1:] + "/" + "f" * 60].mode == 0o4755
    assert by_name["é" * 3].uid == 3_000_000


def test_streaming_memory_is_bounded() -> None:
    tree = _tree({"/big": Node("file", 0o644, content=Synthetic(500 * 1024 * 1024, "big"))})
    chunks = layers.tar_chunks(tree)
    assert max(len(next(chunks)) for _ in range(50)) <= 1 << 16


def test_sizes_built_and_loaded() -> None:
    tree = _tree({"/f": file("12345"), "/l": symlink("f")})
    built = layers.layer(tree)
    assert built.size == 5  # tar entry sizes: regular files only
    loaded = layers.apply(FileTree(), io.BytesIO(b"".join(built.chunks())))
    assert loaded.diff_id == built.diff_id
    assert loaded.size == 6  # overlay2 directory.Size also counts the symlink's target


def test_chain_ids() -> None:
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    import hashlib
    assert layers.chain_ids([a, b]) == [
        a, "sha256:" + hashlib.sha256(f"{a} {b}".encode()).hexdigest()]


_names = st.sampled_from(["a", "b", "c", ".x"])
_nodes = st.one_of(
    st.builds(lambda d, m, t: Node("file", m, content=__import__(
        "tutor.engine.fs", fromlist=["Data"]).Data(d), mtime=t),
        st.binary(max_size=40), st.sampled_from([0o644, 0o755, 0o4755]), st.integers(0, 9)),
    st.builds(lambda t: symlink(t), st.sampled_from(["a", "/b", "../c"])),
    st.builds(lambda m: directory(mode=m), st.sampled_from([0o755, 0o700])),
)
_trees = st.dictionaries(
    st.lists(_names, min_size=1, max_size=3).map(lambda p: "/" + "/".join(p)), _nodes,
    max_size=12)


def _build(entries: dict[str, Node]) -> FileTree:
    t = FileTree()
    for path in sorted(entries, key=lambda p: p.count("/")):
        parent = path.rsplit("/", 1)[0] or "/"
        p = t.get(parent)
        if p is None or not p.is_dir:
            continue
        t.put(path, entries[path])
    return t


def _view(t: FileTree) -> dict[str, Node]:
    return {p: t.nodes[p] for p in t.walk() if p != "/"}


@settings(max_examples=150, deadline=None)
@given(_trees, _trees, st.booleans())
def test_apply_of_diff_rebuilds_upper(a: dict[str, Node], b: dict[str, Node], opq: bool) -> None:
    lower, upper = _build(a), _build(b)
    recreated = [p for p in upper.walk() if upper.nodes[p].is_dir and p != "/"] if opq else []
    built = layers.layer(layers.diff(lower, upper, recreated))
    applied = lower.copy()
    got = layers.apply(applied, io.BytesIO(b"".join(built.chunks())))
    assert got.diff_id == built.diff_id
    assert _view(applied) == _view(upper)
    assert layers.layer(got.changes).diff_id == built.diff_id  # our own tars reproduce


@settings(max_examples=30, deadline=None)
@given(_trees)
def test_digest_is_reproducible(a: dict[str, Node]) -> None:
    shuffled = dict(reversed(a.items()))
    assert layers.layer(_build(a)).diff_id == layers.layer(_build(shuffled)).diff_id
