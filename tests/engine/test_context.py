"""Loading a build context from a real directory, COPY source selection, checksums, the cache."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.engine import _checksum
from tutor.engine._checksum import EMPTY_DIGEST, ChecksumCache, combine
from tutor.engine._context import BuildContext, followed_transfer_size, load_ignore_file
from tutor.engine._selection import ChecksumError, ContextEntry, CopyError, Selection
from tutor.engine.errors import ContextError

MTIME = 1_700_000_000_123_456_789  # a fixed modification time, in nanoseconds


def put(root: Path, rel: str, data: bytes | str = b"", mode: int = 0o644) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)
    return path


def link(root: Path, rel: str, target: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A small project: files, a nested directory, symlinks in and out of the context."""
    root = tmp_path / "app"
    put(root, "Dockerfile", "FROM alpine\n")
    put(root, "app.sh", "echo hi\n", 0o755)
    put(root, "src/a.txt", "a")
    put(root, "src/sub/b.txt", "b")
    put(root, "docs/README.md", "# docs")
    put(root, "docs/notes.tmp", "tmp")
    link(root, "link", "src/a.txt")
    link(root, "dirlink", "src")
    link(root, "abs", "/etc/passwd")
    link(root, "abs-inside", "/src/a.txt")
    link(root, "escape", "../../../app.sh")
    link(root, "dangling", "nowhere")
    link(root, "loop1", "loop2")
    link(root, "loop2", "loop1")
    return root


# --- loading --------------------------------------------------------------------------------------

def test_entries_come_in_walk_order_with_their_metadata(tmp_path: Path) -> None:
    put(tmp_path, "b.txt", "hello", 0o600)
    put(tmp_path, "a/run.sh", "#!/bin/sh\n", 0o4755)
    (tmp_path / "empty").mkdir()
    link(tmp_path, "a.lnk", "a/run.sh")
    ctx = BuildContext.load(tmp_path)
    assert [(e.path, e.kind) for e in ctx.entries] == [
        ("a", "dir"), ("a/run.sh", "file"), ("a.lnk", "symlink"), ("b.txt", "file"),
        ("empty", "dir"),
    ]
    by = {e.path: e for e in ctx.entries}
    assert (by["b.txt"].mode, by["b.txt"].size) == (0o600, 5)
    assert by["a/run.sh"].mode == 0o4755
    assert (by["a.lnk"].link_target, by["a.lnk"].size) == ("a/run.sh", 8)
    assert by["a"].size == 0 and len(ctx) == 5
    assert ctx.read("b.txt") == b"hello" and ctx.get("/a/../b.txt") == by["b.txt"]


def test_file_checksum_is_a_tarsum_header_then_the_content(tmp_path: Path) -> None:
    put(tmp_path, "f", "hello", 0o644)
    (tmp_path / "d").mkdir(mode=0o750)
    (tmp_path / "d").chmod(0o750)
    link(tmp_path, "l", "f")
    by = {e.path: e for e in BuildContext.load(tmp_path).entries}
    tail = b"unamegnamedevmajor0devminor0"
    assert by["f"].digest == sha(b"namemode420uid0gid0size5typeflag0linkname" + tail + b"hello")
    assert by["d"].digest == sha(b"namemode488uid0gid0size0typeflag5linkname" + tail)
    assert by["l"].digest == sha(b"namemode511uid0gid0size0typeflag2linknamef" + tail)


def test_user_xattrs_count_in_the_checksum(tmp_path: Path) -> None:
    path = put(tmp_path, "f", "x")
    before = BuildContext.load(tmp_path).entries[0]
    try:
        os.setxattr(path, "user.note", b"v1")
    except OSError:
        pytest.skip("no user xattrs on this file system")
    after = BuildContext.load(tmp_path).entries[0]
    assert after.xattrs == (("user.note", b"v1"),) and after.digest != before.digest
    header = b"namemode420uid0gid0size1typeflag0linknameunamegnamedevmajor0devminor0user.notev1"
    assert after.digest == sha(header + b"x")


def test_excluded_paths_are_not_sent_but_their_reincluded_contents_are(app: Path) -> None:
    ctx = BuildContext.load(app, excludes=["docs", "!docs/README.md", "*.sh"])
    paths = [e.path for e in ctx.entries]
    assert "docs" in paths and "docs/README.md" in paths
    assert "docs/notes.tmp" not in paths and "app.sh" not in paths


def test_hard_links_are_sent_once(tmp_path: Path) -> None:
    first = put(tmp_path, "a", b"x" * 100)
    os.link(first, tmp_path / "b")
    ctx = BuildContext.load(tmp_path)
    a, b = ctx.entries
    assert (a.hardlink_to, b.hardlink_to) == ("", "a") and a.digest == b.digest
    assert ctx.content_size == 100


def test_fifo_is_sent_as_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "pipe").chmod(0o640)
    entry = BuildContext.load(tmp_path).entries[0]
    assert (entry.kind, entry.mode) == ("fifo", 0o640)
    assert entry.digest == sha(b"namemode416uid0gid0size0typeflag6linknameunamegnamedevmajor0"
                               b"devminor0")


def test_socket_in_the_context_is_sent_as_an_empty_file(tmp_path: Path) -> None:
    # moby/buildkit frontend/dockerfile/dockerfile_test.go testCopySocket (v0.26.0): the socket
    # arrives as a regular file
    server = socket.socket(socket.AF_UNIX)
    path = tmp_path / "s.sock"
    try:
        server.bind(os.fspath(path))
        path.chmod(0o600)
        context = BuildContext.load(tmp_path)
        entry = context.entries[0]
        assert (entry.path, entry.kind, entry.mode, entry.size) == ("s.sock", "file", 0o600, 0)
        assert context.read("s.sock") == b""
    finally:
        server.close()


@pytest.mark.parametrize("typed", ["nope", "../nope/deeper"])
def test_missing_context_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   typed: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContextError) as err:
        BuildContext.load(typed)
    assert err.value.message == f'unable to prepare context: path "{typed}" not found'


def test_context_that_is_a_file(tmp_path: Path) -> None:
    put(tmp_path, "f")
    with pytest.raises(ContextError, match='path ".*/f" not found'):
        BuildContext.load(tmp_path / "f")


def test_unreadable_file_fails_the_transfer(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = put(tmp_path, "secret.key", "k")
    real_open = os.open

    def denying_open(path: str, flags: int, *args: int) -> int:
        if path == os.fspath(target):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", denying_open)
    with pytest.raises(ContextError) as err:
        BuildContext.load(tmp_path)
    assert err.value.message == f"open {target}: permission denied"


def _deny_listing(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    real = os.scandir

    def scandir(path: str) -> object:
        if os.fspath(path) == os.fspath(denied):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_directory_fails_the_transfer(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    put(tmp_path, "private/x")
    _deny_listing(monkeypatch, tmp_path / "private")
    with pytest.raises(ContextError) as err:
        BuildContext.load(tmp_path)
    assert err.value.message == f"error from sender: open {tmp_path / 'private'}: permission denied"


def test_unreadable_excluded_directory_is_harmless(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    put(tmp_path, "private/x")
    put(tmp_path, "ok")
    _deny_listing(monkeypatch, tmp_path / "private")
    # The exception makes the walk enter the excluded directory; failing to list it is ignored.
    ctx = BuildContext.load(tmp_path, excludes=["private", "!private/keep"])
    assert [e.path for e in ctx.entries] == ["ok"]


def test_bad_ignore_pattern_fails_before_the_walk(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match=r"^invalid excludepatterns: \[a\[\]: syntax error"):
        BuildContext.load(tmp_path, excludes=["a["])


# --- selecting COPY sources -----------------------------------------------------------------------

def _copied(selection: Selection) -> list[tuple[str, str, list[str]]]:
    return [(s.path, s.entry.path, [m for m, _ in s.members]) for s in selection.copied()]


SELECT = [
    ("file", ["app.sh"], [("app.sh", "app.sh", [])]),
    ("dir-copies-contents", ["src"], [("src", "src", ["a.txt", "sub", "sub/b.txt"])]),
    ("dir-trailing-slash", ["src/"], [("src", "src", ["a.txt", "sub", "sub/b.txt"])]),
    ("dot-slash", ["./src/sub"], [("src/sub", "src/sub", ["b.txt"])]),
    ("parent-is-cleaned-to-root", ["../app.sh"], [("app.sh", "app.sh", [])]),
    ("absolute-source", ["/app.sh"], [("app.sh", "app.sh", [])]),
    ("glob", ["*.sh"], [("app.sh", "app.sh", [])]),
    ("glob-per-segment", ["src/*"],
     [("src/a.txt", "src/a.txt", []), ("src/sub", "src/sub", ["b.txt"])]),
    ("glob-does-not-cross-slash", ["*/b.txt"], []),
    ("glob-two-levels", ["*/*/b.txt"], [("src/sub/b.txt", "src/sub/b.txt", [])]),
    ("class", ["src/[a-c].txt"], [("src/a.txt", "src/a.txt", [])]),
    ("symlink-followed", ["link"], [("link", "src/a.txt", [])]),
    ("symlink-to-dir", ["dirlink"], [("dirlink", "src", ["a.txt", "sub", "sub/b.txt"])]),
    ("through-symlinked-dir", ["dirlink/a.txt"], [("dirlink/a.txt", "src/a.txt", [])]),
    ("absolute-target-stays-inside", ["abs-inside"], [("abs-inside", "src/a.txt", [])]),
    ("escaping-target-lands-at-root", ["escape"], [("escape", "app.sh", [])]),
    ("several", ["app.sh", "src/sub"],
     [("app.sh", "app.sh", []), ("src/sub", "src/sub", ["b.txt"])]),
    ("wildcard-matching-nothing", ["*.nothing"], []),
]


@pytest.mark.parametrize("sources,expected", [c[1:] for c in SELECT], ids=[c[0] for c in SELECT])
def test_select(app: Path, sources: list[str],
                expected: list[tuple[str, str, list[str]]]) -> None:
    assert _copied(BuildContext.load(app).select(sources)) == expected


NOT_FOUND = [
    ("missing", ["missing.txt"], '"/missing.txt": not found'),
    ("outside-the-context", ["../secret"], '"/secret": not found'),
    ("deep-outside", ["../../etc/passwd"], '"/etc/passwd": not found'),
    ("symlink-to-host-file", ["abs"], '"/abs": not found'),
    ("dangling-symlink", ["dangling"], '"/dangling": not found'),
    ("below-a-file", ["app.sh/x"], '"/app.sh/x": not found'),
    ("excluded-file", ["docs/notes.tmp"], '"/docs/notes.tmp": not found'),
    ("symlink-loop", ["loop1"], "too many links"),
    ("bad-glob", ["src/["], "syntax error in pattern"),
    ("matched-dangling-symlink", ["dang*"], '"/dangling": not found'),
    ("one-bad-source-of-several", ["src", "missing"], '"/missing": not found'),
]


@pytest.mark.parametrize("sources,message", [c[1:] for c in NOT_FOUND],
                         ids=[c[0] for c in NOT_FOUND])
def test_cache_key_failures(app: Path, sources: list[str], message: str) -> None:
    ctx = BuildContext.load(app, excludes=["**/*.tmp"])
    with pytest.raises(ChecksumError) as err:
        ctx.select(sources)
    assert err.value.message == message


COPY_FAILURES = [
    ("glob-in-missing-dir", ["nope/*.txt"], "lstat /nope: no such file or directory"),
    ("glob-below-a-file", ["app.sh/x/*"], "lstat /app.sh/x: not a directory"),
    ("glob-in-excluded-dir", ["docs/*"], "lstat /docs: no such file or directory"),
]


@pytest.mark.parametrize("sources,message", [c[1:] for c in COPY_FAILURES],
                         ids=[c[0] for c in COPY_FAILURES])
def test_copy_failures_come_after_the_cache_key(app: Path, sources: list[str],
                                                message: str) -> None:
    selection = BuildContext.load(app, excludes=["docs"]).select(sources)
    assert selection.checksum == combine([EMPTY_DIGEST])  # the key is computed: nothing selected
    with pytest.raises(CopyError) as err:
        selection.copied()
    assert err.value.message == message


def test_symlinks_are_not_followed_on_request(app: Path) -> None:
    source = BuildContext.load(app).select(["link"], follow_links=False).copied()[0]
    assert (source.entry.kind, source.entry.link_target) == ("symlink", "src/a.txt")


def test_symlinks_inside_a_copied_directory_stay_symlinks(app: Path) -> None:
    root = BuildContext.load(app).select(["."]).copied()[0]
    members = dict(root.members)
    assert members["link"].kind == "symlink" and members["abs"].link_target == "/etc/passwd"


def test_a_followed_top_level_match_is_checksummed_as_its_target(app: Path) -> None:
    ctx = BuildContext.load(app)
    assert ctx.select(["lin[k]"]).checksum != ctx.select(["lin[k]"], follow_links=False).checksum


# --- checksum properties --------------------------------------------------------------------------

Mutation = Callable[[Path], None]


def _touch(root: Path) -> None:
    os.utime(root / "src/a.txt", ns=(MTIME, MTIME))


def _chmod(root: Path) -> None:
    (root / "src/a.txt").chmod(0o755)


def _edit(root: Path) -> None:
    (root / "src/a.txt").write_text("A")


def _rename(root: Path) -> None:
    (root / "src/a.txt").rename(root / "src/c.txt")


def _edit_other(root: Path) -> None:
    (root / "app.sh").write_text("echo bye\n")


def _chmod_dir(root: Path) -> None:
    (root / "src").chmod(0o700)


PROPERTIES: list[tuple[str, Mutation, list[str], bool]] = [
    ("touch-keeps-key", _touch, ["."], True),
    ("chmod-changes-key", _chmod, ["."], False),
    ("chmod-changes-file-key", _chmod, ["src/a.txt"], False),
    ("edit-changes-key", _edit, ["src"], False),
    ("rename-changes-key", _rename, ["src"], False),
    ("rename-changes-glob-key", _rename, ["src/*.txt"], False),
    ("unselected-edit-keeps-key", _edit_other, ["src"], True),
    ("dir-mode-counts-for-the-dir", _chmod_dir, ["src"], False),
    ("dir-mode-ignored-for-a-file-inside", _chmod_dir, ["src/sub/b.txt"], True),
]


@pytest.mark.parametrize("mutate,sources,same", [c[1:] for c in PROPERTIES],
                         ids=[c[0] for c in PROPERTIES])
def test_checksum_properties(app: Path, mutate: Mutation, sources: list[str],
                             same: bool) -> None:
    before = BuildContext.load(app).select(sources).checksum
    mutate(app)
    after = BuildContext.load(app).select(sources).checksum
    assert (before == after) is same


def test_owner_does_not_count(app: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing owners needs root")
    before = BuildContext.load(app).select(["."]).checksum
    os.chown(app / "src/a.txt", 4321, 4321)
    assert BuildContext.load(app).select(["."]).checksum == before


def test_same_content_elsewhere_gives_the_same_key(tmp_path: Path) -> None:
    for name in ("one", "two"):
        put(tmp_path / name, "x/y.txt", "same", 0o640)
        os.utime(tmp_path / name / "x/y.txt", ns=(MTIME, MTIME if name == "one" else 0))
    one, two = (BuildContext.load(tmp_path / n).select(["."]).checksum for n in ("one", "two"))
    assert one == two


def test_directory_checksum_layout(tmp_path: Path) -> None:
    put(tmp_path, "d/f", "x")
    (tmp_path / "d").chmod(0o755)
    ctx = BuildContext.load(tmp_path)
    f, d = ctx.get("d/f"), ctx.get("d")
    assert f is not None and d is not None
    contents = sha(b"\0" + d.digest.encode() + b"\0f" + f.digest.encode())
    assert ctx.select(["d"]).checksum == combine([contents])
    root = sha(b"\0" + EMPTY_DIGEST.encode() + b"\0d" + contents.encode())
    assert ctx.select(["."]).checksum == combine([root])
    glob = sha(b"\0d" + d.digest.encode() + b"\0d\0f" + f.digest.encode())
    assert ctx.select(["[d]"]).checksum == combine([glob])


SAME_KEY = [
    ("dedupe-duplicates", ["app.sh", "app.sh"], ["app.sh"]),
    ("dedupe-nested", ["src", "src/a.txt"], ["src"]),
    ("root-covers-all", [".", "src", "app.sh"], ["."]),
    ("order-free", ["app.sh", "src"], ["src", "app.sh"]),
    ("single-match-with-same-name", ["*/sub/b.txt"], ["src/sub/b.txt"]),
    ("file-key-has-no-name", ["link"], ["src/a.txt"]),
]


@pytest.mark.parametrize("first,second", [c[1:] for c in SAME_KEY], ids=[c[0] for c in SAME_KEY])
def test_selections_with_the_same_key(app: Path, first: list[str], second: list[str]) -> None:
    ctx = BuildContext.load(app)
    assert ctx.select(first).checksum == ctx.select(second).checksum


def test_a_glob_key_differs_from_the_plain_key(app: Path) -> None:
    ctx = BuildContext.load(app)
    assert ctx.select(["*.sh"]).checksum != ctx.select(["app.sh"]).checksum
    assert ctx.select(["*.sh", "*.sh"]).checksum != ctx.select(["*.sh"]).checksum


# --- transfer size --------------------------------------------------------------------------------

def test_transfer_size_counts_protocol_bytes(tmp_path: Path) -> None:
    put(tmp_path, "a", "hi", 0o644)
    os.utime(tmp_path / "a", ns=(MTIME, MTIME))
    ctx = BuildContext.load(tmp_path)
    # STAT packet: path 3 + mode 3 + size 2 + mtime 10 = 18, framed: 20. DATA "hi": 6, the
    # closing DATA: 2, FIN: 2.
    assert ctx.transfer_size() == 30
    assert ctx.transfer_size(previous=ctx) == 22  # unchanged: only the STAT and the FIN
    os.utime(tmp_path / "a", ns=(MTIME + 1, MTIME + 1))
    assert BuildContext.load(tmp_path).transfer_size(previous=ctx) == 30


def test_transfer_size_with_ids_and_chunks(tmp_path: Path) -> None:
    put(tmp_path, "d/f", b"z" * 40_000, 0o644)
    (tmp_path / "d").chmod(0o755)
    for path in ("d/f", "d"):
        os.utime(tmp_path / path, ns=(MTIME, MTIME))
    # d: path 3 + mode (dir bit, 5-byte varint) 6 + mtime 10 = 19 → 21.
    # d/f: path 5 + mode 3 + size 4 + mtime 10 = 22 → 24.
    # data of file #1: 32768 bytes → 4 + 3 + 1 + 32768, 7232 bytes → 4 + 2 + 1 + 7232, close 4.
    assert BuildContext.load(tmp_path).transfer_size() == 21 + 24 + 32776 + 7239 + 4 + 2


def test_an_empty_context_transfers_two_bytes(tmp_path: Path) -> None:
    assert BuildContext.load(tmp_path).transfer_size() == 2


# --- .dockerignore files --------------------------------------------------------------------------

def test_no_dockerignore(tmp_path: Path) -> None:
    ignore = load_ignore_file(tmp_path)
    assert (ignore.name, ignore.patterns, ignore.transfer_size) == (".dockerignore", (), 2)


def test_dockerignore_at_the_root(tmp_path: Path) -> None:
    put(tmp_path, ".dockerignore", "*.log\n", 0o644)
    os.utime(tmp_path / ".dockerignore", ns=(MTIME, MTIME))
    ignore = load_ignore_file(tmp_path)
    # STAT: path 15 + mode 3 + size 2 + mtime 10 = 30 → 32; DATA 2 + 8; close 2; FIN 2.
    assert (ignore.patterns, ignore.transfer_size) == (("*.log",), 46)


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    put(tmp_path, ".dockerignore", "*.log\n")
    put(tmp_path, "Dockerfile.dockerignore", "*.tmp\n")
    put(tmp_path, "build/app.Dockerfile.dockerignore", "secret\n")
    assert load_ignore_file(tmp_path).patterns == ("*.tmp",)
    monkeypatch.chdir(tmp_path)
    ignore = load_ignore_file(tmp_path, "build/app.Dockerfile")
    assert (ignore.name, ignore.patterns, ignore.transfer_size) == (
        "app.Dockerfile.dockerignore", ("secret",), None)
    assert load_ignore_file(tmp_path, "other.Dockerfile").patterns == ("*.log",)


def test_symlinked_dockerignore_is_followed(tmp_path: Path) -> None:
    put(tmp_path, "conf/ignore", "*.bak\n")
    link(tmp_path, ".dockerignore", "conf/ignore")
    assert load_ignore_file(tmp_path).patterns == ("*.bak",)
    # The link, the directory above the target and the target are all sent.
    assert followed_transfer_size(tmp_path, [".dockerignore"]) > followed_transfer_size(
        tmp_path, ["conf/ignore"])


# --- the checksum cache ---------------------------------------------------------------------------

def _count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hashed: list[str] = []
    real = _checksum._hash_file

    def counting(path: str, *args: object) -> object:
        hashed.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_checksum, "_hash_file", counting)
    return hashed


def test_cache_reuses_unchanged_files(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ChecksumCache()
    first = BuildContext.load(app, cache=cache)
    hashed = _count_hashing(monkeypatch)
    second = BuildContext.load(app, cache=cache)
    assert hashed == [] and second.entries == first.entries
    _edit(app)
    third = BuildContext.load(app, cache=cache)
    assert hashed == [os.fspath(app / "src/a.txt")]
    assert third.get("src/a.txt") != first.get("src/a.txt")


def test_cache_notices_content_changed_behind_a_restored_mtime(app: Path) -> None:
    cache = ChecksumCache()
    before = BuildContext.load(app, cache=cache).get("src/a.txt")
    assert before is not None
    (app / "src/a.txt").write_text("Z")  # same size
    os.utime(app / "src/a.txt", ns=(before.mtime_ns, before.mtime_ns))
    after = BuildContext.load(app, cache=cache).get("src/a.txt")
    assert after is not None and after.digest != before.digest
    assert after.digest == BuildContext.load(app).get("src/a.txt").digest  # type: ignore[union-attr]


def test_cache_survives_a_save_and_load(app: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ChecksumCache()
    first = BuildContext.load(app, cache=cache)
    store = tmp_path / "state" / "checksums.json"
    assert cache.save(store)
    assert [p.name for p in store.parent.iterdir()] == ["checksums.json"]  # no temp file left
    hashed = _count_hashing(monkeypatch)
    again = BuildContext.load(app, cache=ChecksumCache.load(store))
    assert hashed == [] and again.entries == first.entries


def test_cache_forgets_deleted_files(app: Path) -> None:
    cache = ChecksumCache()
    BuildContext.load(app, cache=cache)
    size = len(cache)
    (app / "app.sh").unlink()
    BuildContext.load(app, cache=cache)
    assert len(cache) == size - 1


CORRUPT = [
    ("garbage", b"\x00\xffnot json"),
    ("truncated", b'{"version": 1, "files": {"/a": [1, 2'),
    ("a-list", b"[1, 2, 3]"),
    ("other-version", b'{"version": 99, "files": {}}'),
    ("bad-records", json.dumps({"version": 1, "files": {
        "/a": "x", "/b": [1, 2, 3], "/c": [1, 2, 3, 4, 5, "zz", []],
        "/d": [1, 2, 3, 4, 5, "0" * 64, [["k", "!!"]]], "/e": [1, 2, 3, 4, "5", "0" * 64, []],
    }}).encode()),
    ("empty", b""),
]


@pytest.mark.parametrize("raw", [c[1] for c in CORRUPT], ids=[c[0] for c in CORRUPT])
def test_corrupt_cache_file_is_ignored_and_rebuilt(app: Path, tmp_path: Path, raw: bytes) -> None:
    store = tmp_path / "checksums.json"
    store.write_bytes(raw)
    cache = ChecksumCache.load(store)
    assert len(cache) == 0
    fresh = BuildContext.load(app, cache=cache)
    assert fresh.entries == BuildContext.load(app).entries
    assert cache.save(store) and len(ChecksumCache.load(store)) == len(cache) > 0


def test_cache_file_that_cannot_be_read_or_written(tmp_path: Path) -> None:
    (tmp_path / "dir.json").mkdir()
    assert len(ChecksumCache.load(tmp_path / "dir.json")) == 0
    assert ChecksumCache().save(tmp_path / "dir.json") is False


def test_a_tampered_cache_record_is_trusted_only_while_the_file_is_unchanged(
        app: Path, tmp_path: Path) -> None:
    cache = ChecksumCache()
    BuildContext.load(app, cache=cache)
    store = tmp_path / "c.json"
    cache.save(store)
    data = json.loads(store.read_text())
    data["files"][os.fspath(app / "app.sh")][5] = "0" * 64
    store.write_text(json.dumps(data))
    reused = BuildContext.load(app, cache=ChecksumCache.load(store)).get("app.sh")
    assert reused is not None and reused.digest == "sha256:" + "0" * 64  # proof of reuse
    (app / "app.sh").chmod(0o700)
    redone = BuildContext.load(app, cache=ChecksumCache.load(store)).get("app.sh")
    assert redone is not None and redone.digest != reused.digest


def test_entries_are_plain_values(app: Path) -> None:
    entry = BuildContext.load(app).entries[0]
    assert isinstance(entry, ContextEntry)
    with pytest.raises(AttributeError):
        entry.size = 3  # type: ignore[misc]
