"""Layers: the difference between two file trees, as the tar stream Docker stores and ships.

Which tar writer is imitated: with the classic image store, a BuildKit build's layer is registered
through moby's snapshotter (`EnsureLayer` -> `ChecksumForGraphID` -> overlay2 `Diff`), so the tar is
moby/go-archive's walk of the overlay upper directory: lexical order, parents (copied up by
overlayfs) before children, PAX headers written the way Go's archive/tar writes them (plain USTAR
blocks unless a field does not fit), whole-second mtimes, no uname/gname, a deleted path as an empty
0600 regular file `.wh.<name>`, a directory deleted and recreated as an opaque directory followed by
`<dir>/.wh..wh..opq`. An empty diff is the two zero blocks Go writes on Close: 1024 zero bytes.

Sizes: a built layer's size is the sum of the tar entries' sizes (moby `packSizeCounter`), i.e. the
regular files' content; a loaded or pulled layer's size is overlay2 `ApplyDiff`'s directory.Size of
the unpacked diff, which also counts each symlink's target length.
"""

from __future__ import annotations

import hashlib
import posixpath
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO, Literal

from tutor.engine.deflate import GzipWriter
from tutor.engine.errors import EngineError
from tutor.engine.fs import CHUNK, Data, FileTree, Node, Synthetic, normalize

BLOCK = 512
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
EMPTY_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

ChangeKind = Literal["A", "C", "D"]


@dataclass(frozen=True, slots=True)
class Change:
    """One path of a layer: added, changed (content, metadata, or the parent of a change), deleted.

    `node` is what the tar carries: the new node, or for a deletion the whiteout file itself.
    `opaque` marks a directory whose lower contents are hidden as a whole.
    """

    kind: ChangeKind
    path: str
    node: Node
    opaque: bool = False


@dataclass(frozen=True, slots=True)
class Changes:
    """A layer's changes in tar order (the order `docker diff` sorts by, too)."""

    items: tuple[Change, ...] = ()

    def paths(self, kind: ChangeKind) -> tuple[str, ...]:
        return tuple(c.path for c in self.items if c.kind == kind)

    @property
    def added(self) -> tuple[str, ...]:
        return self.paths("A")

    @property
    def modified(self) -> tuple[str, ...]:
        return self.paths("C")

    @property
    def deleted(self) -> tuple[str, ...]:
        return self.paths("D")


@dataclass(frozen=True, slots=True)
class Layer:
    """A layer as the classic store knows it.

    `blob` holds the original tar only when it came from outside (load, pull) and our writer would
    not reproduce its bytes; otherwise the tar is regenerated from `changes` whenever needed.
    """

    diff_id: str
    size: int
    tar_size: int
    changes: Changes
    blob: Data | None = None
    gzip_digest: str = ""
    """The digest of the layer's gzip blob (`deflate`), as registries and the containerd
    content store name it; empty until `compressed` has measured it."""
    gzip_size: int = 0

    def chunks(self) -> Iterator[bytes]:
        """The layer tar's bytes, streamed."""
        if self.blob is not None:
            return self.blob.chunks()
        return tar_chunks(self.changes)

    def gzip_chunks(self) -> Iterator[bytes]:
        """The layer's gzip blob, streamed (the same bytes every time)."""
        out: list[bytes] = []
        writer = GzipWriter(out.append)
        for raw, encoded in self._pieces():
            if encoded is None:
                writer.write(raw)
            else:
                writer.write_encoded(raw, encoded)
            yield from out
            out.clear()
        writer.close()
        yield from out

    def _pieces(self) -> Iterator[tuple[bytes, bytes | None]]:
        if self.blob is not None:
            return ((chunk, None) for chunk in self.blob.chunks())
        return _tar_pieces(self.changes, encoded=True)


FS_BLOCK = 4096
"""ext4's block size: what `du` (and containerd's snapshot usage) counts in."""
FAST_SYMLINK = 60
"""ext4 keeps a symlink target shorter than this inside the inode, using no block."""


def snapshot_usage(la: Layer) -> int:
    """The layer unpacked as an overlayfs snapshot, measured as containerd measures it:
    `fs.DiskUsage` of the upper directory sums each inode's allocated blocks, the directory
    itself and every parent the tar creates included (containerd core/snapshots/overlay
    Usage). Whiteouts are device nodes with no blocks."""
    total = FS_BLOCK  # the snapshot's own root directory
    for change in la.changes.items:
        node = change.node
        if change.kind == "D" or node.type not in ("dir", "file", "symlink"):
            continue
        if node.type == "dir":
            total += FS_BLOCK
        elif node.type == "symlink":
            total += FS_BLOCK if len(node.target) >= FAST_SYMLINK else 0
        else:
            total += -(-node.size // FS_BLOCK) * FS_BLOCK
    return total


# -- diff ------------------------------------------------------------------------------------


def diff(
    lower: FileTree, upper: FileTree, recreated: Iterable[str] = (), whiteout_mtime: int = 0
) -> Changes:
    """What `upper` changed relative to `lower`.

    `recreated` names directories the caller knows were removed and made again (overlayfs then
    marks them opaque); two trees alone cannot tell that from deleting every child.
    `whiteout_mtime` is when the deletions happened: overlay2 keeps the whiteout's own mtime.
    """
    opaque = frozenset(recreated)
    whiteout = Node("file", 0o600, mtime=whiteout_mtime)
    return Changes(tuple(_diff_dir(lower, upper, "/", opaque, whiteout, hidden=False)))


@dataclass(slots=True)
class _DiffFrame:
    path: str
    hidden: bool
    names: Iterator[str]
    out: list[Change]
    own: tuple[Node, Node | None, bool] | None = None
    """The directory's new and old node and whether it is opaque: settled after its subtree."""


def _diff_dir(
    lower: FileTree, upper: FileTree, top: str, opaque: frozenset[str], whiteout: Node, hidden: bool
) -> list[Change]:
    """Changes below directory `top`; `hidden` when the lower contents of `top` do not count.

    Depth-first with an explicit stack, as a learner's context may nest deeper than Python
    recursion goes. A directory's own change comes before its subtree's, and whether a kept
    directory counts as changed depends on that subtree, so each directory is settled when its
    last child is."""

    def names(where: str, where_hidden: bool) -> Iterator[str]:
        found = {posixpath.basename(p) for p in upper.children.get(where, ())}
        if not where_hidden:
            lower_top = lower.get(where)
            if lower_top is not None and lower_top.is_dir:
                found |= {posixpath.basename(p) for p in lower.children.get(where, ())}
        return iter(sorted(found))

    stack = [_DiffFrame(top, hidden, names(top, hidden), [])]
    while True:
        frame = stack[-1]
        name = next(frame.names, None)
        if name is None:
            stack.pop()
            if not stack:
                return frame.out
            assert frame.own is not None
            made, was, is_opaque = frame.own
            parent = stack[-1].out
            if was is None:
                parent.append(Change("A", frame.path, made))
            elif was != made or frame.out or is_opaque:
                parent.append(Change("C", frame.path, made, is_opaque))
            parent.extend(frame.out)
            continue
        path = posixpath.join(frame.path, name)
        new = upper.get(path)
        old = None if frame.hidden else lower.get(path)
        if new is None:
            assert old is not None
            frame.out.append(Change("D", path, whiteout))
            continue
        is_opaque = new.is_dir and path in opaque and old is not None and old.is_dir
        if new.is_dir:
            below_hidden = is_opaque or old is None or not old.is_dir
            stack.append(_DiffFrame(path, below_hidden, names(path, below_hidden), [],
                               (new, old, is_opaque)))
        elif old is None:
            frame.out.append(Change("A", path, new))
        elif old != new:
            frame.out.append(Change("C", path, new, False))


def full(tree: FileTree) -> Changes:
    """A whole tree as one layer (a base image's first layer, `FROM scratch` + COPY)."""
    return diff(FileTree(), tree)


# -- tar writing --------------------------------------------------------------------------------


def _octal(value: int, width: int) -> bytes | None:
    """Go's formatOctal: zero padded, NUL terminated; None when it does not fit."""
    digits = f"{value:o}"
    if value < 0 or len(digits) > width - 1:
        return None
    return digits.rjust(width - 1, "0").encode() + b"\0"


def _field(raw: bytes, width: int) -> bytes:
    return raw[:width].ljust(width, b"\0")


def _ascii(text: str) -> bytes:
    return "".join(c for c in text if "\0" < c < "\x80").encode()


def _split_ustar(name: str) -> tuple[str, str] | None:
    """Go's splitUSTARPath: a long ASCII name as (prefix, suffix), when it can be split."""
    if len(name) <= 100 or not name.isascii():
        return None
    length = len(name)
    if length > 156:
        length = 156
    elif name[length - 1] == "/":
        length -= 1
    i = name.rfind("/", 0, length)
    suffix_len = len(name) - i - 1
    if i <= 0 or suffix_len > 100 or suffix_len == 0 or i > 155:
        return None
    return name[:i], name[i + 1 :]


def _block(
    name: bytes, flag: bytes, mode: int, uid: int, gid: int, size: int, mtime: int,
    link: bytes = b"", prefix: bytes = b"", ustar_fields: bool = True,
) -> bytes:
    def num(value: int, width: int) -> bytes:
        return _octal(value, width) or _octal(0, width) or b""

    head = (
        _field(name, 100) + num(mode, 8) + num(uid, 8) + num(gid, 8) + num(size, 12)
        + num(mtime, 12) + b" " * 8 + flag + _field(link, 100) + b"ustar\x0000"
        + b"\0" * 64  # uname, gname: never looked up
        + (num(0, 8) + num(0, 8) if ustar_fields else b"\0" * 16)
        + _field(prefix, 155)
    )
    head = head.ljust(BLOCK, b"\0")
    checksum = sum(head)
    return head[:148] + f"{checksum:06o}".encode() + b"\0 " + head[156:]


def _pax_record(key: str, value: str) -> bytes:
    body = f" {key}={value}\n".encode()
    size = len(body) + len(str(len(body)))
    if len(str(size)) + len(body) != size:
        size = len(str(size)) + len(body)
    return str(size).encode() + body


def header(name: str, node: Node) -> bytes:
    """The tar header block(s) Go's archive/tar writes for `node` at archive path `name`."""
    flag = {"file": b"0", "dir": b"5", "symlink": b"2"}[node.type]
    size = node.size if node.type == "file" else 0
    pax: dict[str, str] = {}
    prefix = ""
    short = name
    if not name.isascii() or len(name) > 100:
        split = _split_ustar(name)
        if split is None:
            pax["path"] = name
        else:
            prefix, short = split
    if not node.target.isascii() or len(node.target) > 100:
        pax["linkpath"] = node.target
    for key, value, width in (("uid", node.uid, 8), ("gid", node.gid, 8), ("size", size, 12)):
        if _octal(value, width) is None:
            pax[key] = str(value)
    if _octal(node.mtime, 12) is None:
        pax["mtime"] = str(node.mtime)
    if not pax:
        return _block(
            _ascii(short), flag, node.mode, node.uid, node.gid, size, node.mtime,
            _ascii(node.target), _ascii(prefix),
        )
    data = b"".join(_pax_record(k, pax[k]) for k in sorted(pax))
    head, _, base = name.rpartition("/")
    pax_name = _ascii(posixpath.join(head, "PaxHeaders.0", base) if head else
                      posixpath.join("PaxHeaders.0", base))[:100].rstrip(b"/")
    return (
        _block(pax_name, b"x", 0, 0, 0, len(data), 0, ustar_fields=False)
        + _pad(data)
        + _block(_ascii(name), flag, node.mode, node.uid, node.gid, size, node.mtime,
                 _ascii(node.target))
    )


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % BLOCK)


def _entries(changes: Changes) -> Iterator[tuple[str, Node]]:
    for change in changes.items:
        rel = change.path.lstrip("/")
        if change.kind == "D":
            head, _, base = rel.rpartition("/")
            yield posixpath.join(head, WHITEOUT + base), change.node
            continue
        yield (rel + "/" if change.node.is_dir else rel), change.node
        if change.opaque:
            # go-archive: a regular file inheriting the directory's owner and permission bits
            d = change.node
            yield rel + "/" + OPAQUE, Node("file", d.mode & 0o777, uid=d.uid, gid=d.gid)


def tar_chunks(source: Changes | FileTree) -> Iterator[bytes]:
    """The layer tar, in pieces of at most a header plus one content chunk."""
    changes = full(source) if isinstance(source, FileTree) else source
    return (raw for raw, _ in _tar_pieces(changes, encoded=False))


def _tar_pieces(changes: Changes, encoded: bool) -> Iterator[tuple[bytes, bytes | None]]:
    """The layer tar's pieces, each with its deflate encoding when one is known without
    compressing (synthetic content, and only if `encoded` asks for it)."""
    for name, node in _entries(changes):
        yield header(name, node), None
        if node.type == "file" and node.content is not None and node.size:
            content = node.content
            if encoded and isinstance(content, Synthetic):
                yield from content.deflated()
            else:
                yield from ((chunk, None) for chunk in content.chunks())
            if node.size % BLOCK:
                yield b"\0" * (BLOCK - node.size % BLOCK), None
    yield b"\0" * (2 * BLOCK), None


def write_tar(source: Changes | FileTree, out: BinaryIO) -> tuple[str, int]:
    """Stream the layer tar to `out`; returns (diffID, bytes written), hashed on the way."""
    return _digest(tar_chunks(source), out.write)


def _digest(chunks: Iterable[bytes], sink: Callable[[bytes], object] | None) -> tuple[str, int]:
    h = hashlib.sha256()
    total = 0
    for chunk in chunks:
        h.update(chunk)
        total += len(chunk)
        if sink is not None:
            sink(chunk)
    return "sha256:" + h.hexdigest(), total


def built_size(changes: Changes) -> int:
    """DiffSize of a built layer: the sum of the tar entries' sizes (regular file content)."""
    return sum(c.node.size for c in changes.items if c.kind != "D" and c.node.type == "file")


def layer(source: Changes | FileTree) -> Layer:
    """A built layer: its tar and its gzip blob are hashed once, in one streaming pass, and
    never kept (both are regenerated, byte for byte, when a push or save needs them)."""
    changes = full(source) if isinstance(source, FileTree) else source
    built = Layer("", built_size(changes), 0, changes)
    return _measured(built, built._pieces())


def compressed(la: Layer) -> Layer:
    """`la` with its gzip blob's digest and size (measured now if not yet known)."""
    if la.gzip_digest:
        return la
    return _measured(la, la._pieces())


def _measured(la: Layer, pieces: Iterable[tuple[bytes, bytes | None]]) -> Layer:
    tar_sha = hashlib.sha256()
    gz_sha = hashlib.sha256()
    counts = [0, 0]

    def sink(data: bytes) -> None:
        gz_sha.update(data)
        counts[1] += len(data)

    writer = GzipWriter(sink)
    for raw, encoded in pieces:
        tar_sha.update(raw)
        counts[0] += len(raw)
        if encoded is None:
            writer.write(raw)
        else:
            writer.write_encoded(raw, encoded)
    writer.close()
    return replace(la, diff_id="sha256:" + tar_sha.hexdigest(), tar_size=counts[0],
                   gzip_digest="sha256:" + gz_sha.hexdigest(), gzip_size=counts[1])


def apply_changes(tree: FileTree, changes: Changes) -> None:
    """Lay one layer's changes over `tree`, as overlayfs would show them."""
    for change in changes.items:
        if change.kind == "D":
            if change.path in tree:
                tree.remove(change.path)
            continue
        if change.opaque and change.path in tree:
            for child in list(tree.children.get(change.path, ())):
                tree.remove(child)
        if change.path != "/" and tree.get(change.path.rsplit("/", 1)[0] or "/") is None:
            tree.makedirs(change.path.rsplit("/", 1)[0] or "/")
        tree.put(change.path, change.node)


def chain_ids(diff_ids: Iterable[str]) -> list[str]:
    """OCI ChainIDs: the first is the diffID, each next hashes "<parent chainID> <diffID>"."""
    out: list[str] = []
    for diff_id in diff_ids:
        if out:
            out.append("sha256:" + hashlib.sha256(f"{out[-1]} {diff_id}".encode()).hexdigest())
        else:
            out.append(diff_id)
    return out


# -- applying a tar -----------------------------------------------------------------------------


class _HashingReader:
    """Hashes what is read through it, so a layer is verified in the same pass that applies it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.count += len(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


def apply(tree: FileTree, stream: BinaryIO) -> Layer:
    """Apply a layer tar onto `tree` in place, with OCI whiteout semantics; returns the Layer.

    Whiteouts hide only what lower layers had; an opaque marker hides the lower children of its
    directory wherever it appears in the tar. Device nodes and FIFOs cannot live in the simulated
    tree and are skipped. The diffID is the digest of the bytes read, hashed while applying.
    """
    reader = _HashingReader(stream)
    state = _Apply(tree, tree.copy())
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                state.member(tar, member)
        reader.drain()
    except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeError) as err:
        raise EngineError("unexpected EOF") from err
    return Layer("sha256:" + reader.sha.hexdigest(), state.size(), reader.count,
                 Changes(tuple(state.changes)))


class _Apply:
    def __init__(self, tree: FileTree, before: FileTree) -> None:
        self.tree = tree
        self.before = before
        self.written: dict[str, Node] = {}
        self.hardlinks: set[str] = set()
        self.changes: list[Change] = []

    def member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        path = normalize("/" + member.name)
        if path == "/":
            return
        parent, base = posixpath.split(path)
        uid, gid, mtime = member.uid, member.gid, int(member.mtime)
        if base == OPAQUE:
            self._hide_lower_children(parent)
            self._touch(parent)
            return
        if base.startswith(WHITEOUT):
            target = posixpath.join(parent, base[len(WHITEOUT):])
            if target not in self.written and target in self.tree:
                self.tree.remove(target)
            self.changes.append(Change("D", target, Node("file", member.mode, uid, gid, mtime)))
            return
        if member.isdir():
            node = Node("dir", member.mode, uid, gid, mtime)
        elif member.issym():
            node = Node("symlink", member.mode, uid, gid, mtime, target=member.linkname)
        elif member.islnk():
            source = self.tree.get(normalize("/" + member.linkname))
            if source is None:
                raise EngineError(f"failed to Lchown \"{path}\": no such file or directory")
            node = source
            self.hardlinks.add(path)
        elif member.isreg():
            handle = tar.extractfile(member)
            data = handle.read() if handle is not None else b""
            node = Node("file", member.mode, uid, gid, mtime, Data(data))
        else:
            return
        real_parent = self.tree.resolve(parent)
        if real_parent not in self.tree:
            self.tree.makedirs(real_parent)
        real = posixpath.join(real_parent, base)
        self.tree.put(real, node)
        self.written[real] = node
        kind: ChangeKind = "C" if real in self.before else "A"
        self.changes.append(Change(kind, real, node))

    def _touch(self, directory: str) -> None:
        for change in reversed(self.changes):
            if change.path == directory and change.kind != "D":
                index = self.changes.index(change)
                self.changes[index] = Change(change.kind, change.path, change.node, opaque=True)
                return

    def _hide_lower_children(self, directory: str) -> None:
        for child in list(self.tree.children.get(directory, ())):
            if child in self.written:
                continue
            node = self.tree.get(child)
            if node is not None and node.is_dir and any(
                p.startswith(child + "/") for p in self.written
            ):
                self._hide_lower_children(child)
            else:
                self.tree.remove(child)

    def size(self) -> int:
        """overlay2's directory.Size of the unpacked diff: non-directories still present."""
        total = 0
        for path, node in self.written.items():
            if node.is_dir or path in self.hardlinks or self.tree.get(path) is not node:
                continue
            total += node.size if node.type == "file" else len(node.target.encode())
        return total
