"""An in-memory Linux file tree: what a layer stack, a build step or a container sees.

Every layer, build step and container works on a `FileTree`. Nodes are immutable, so copying a tree
for the next step copies only the path index, never file content (copy-on-write, as overlayfs does).
File content is either real bytes or `Synthetic`: deterministic bytes generated on demand, so that a
base image can hold a 50 MB runtime without storing it, while every size and digest shown is still
computed from the bytes a tar stream would carry.
"""

from __future__ import annotations

import hashlib
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from tutor.engine import deflate
from tutor.engine.errors import EngineError

CHUNK = deflate.CHUNK
MAX_SYMLINKS = 40  # Linux's limit before ELOOP


@dataclass(frozen=True, slots=True)
class Data:
    """File content held as real bytes."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), CHUNK):
            yield self.data[start : start + CHUNK]

    def read(self) -> bytes:
        return self.data


@dataclass(frozen=True)
class Synthetic:
    """`size` deterministic bytes derived from `seed`, generated in chunks when read.

    Stands in for large binaries (a Node.js runtime, a shared library): the bytes are never stored,
    yet reading them twice gives the same bytes, so digests are real and reproducible.
    """

    size: int
    seed: str
    legacy: bool = False
    """Content made before synthetic bytes followed deflate's plan (a 64 KiB pseudo-random
    block, which gzip cannot shrink): sandboxes keep it so their layers keep their diffIDs."""

    @cached_property
    def _body(self) -> bytes:
        # Fresh bytes from the seed laid out by deflate's fixed plan (fresh runs and copies of
        # earlier bytes): content that compresses like a real binary, and whose gzip encoding
        # is known without searching. Every chunk is its index then this body, so no two
        # chunks of one file are alike.
        seed = self.seed.encode()
        if self.legacy:
            return b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
                            for i in range(2048))[deflate.PREFIX:]
        count = -(-deflate.FRESH_NEEDED // 32)
        pool = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(count))
        return deflate.synthetic_body(pool)

    def chunks(self) -> Iterator[bytes]:
        for raw, _ in self._pieces(encoded=False):
            yield raw

    def deflated(self) -> Iterator[tuple[bytes, bytes]]:
        """Each chunk with its deflate encoding (byte-aligned, non-final blocks)."""
        return self._pieces(encoded=True)

    def _pieces(self, encoded: bool) -> Iterator[tuple[bytes, bytes]]:
        body = self._body
        remaining = self.size
        index = 0
        while remaining > 0:
            n = min(CHUNK, remaining)
            raw = (index.to_bytes(deflate.PREFIX, "big") + body[: n - deflate.PREFIX])[:n]
            if not encoded:
                yield raw, b""
            elif self.legacy:
                yield raw, deflate.stored(raw)
            else:
                yield raw, deflate.fill(deflate.template(n), raw)
            remaining -= n
            index += 1

    def read(self) -> bytes:
        return b"".join(self.chunks())


Content = Data | Synthetic
NodeType = Literal["file", "dir", "symlink"]


@dataclass(frozen=True, slots=True)
class Node:
    """One entry of a file tree. `mode` holds permission bits only (incl. setuid/setgid/sticky)."""

    type: NodeType
    mode: int
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    content: Content | None = None
    target: str = ""
    """Symlink target, as written (relative or absolute)."""

    @property
    def size(self) -> int:
        return self.content.size if self.content is not None else 0

    @property
    def is_dir(self) -> bool:
        return self.type == "dir"

    @property
    def st_mode(self) -> int:
        kind = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK}[self.type]
        return kind | self.mode


def file(data: bytes | str, mode: int = 0o644, *, uid: int = 0, gid: int = 0,
         mtime: int = 0) -> Node:
    raw = data.encode() if isinstance(data, str) else data
    return Node("file", mode, uid, gid, mtime, content=Data(raw))


def directory(mode: int = 0o755, *, uid: int = 0, gid: int = 0, mtime: int = 0) -> Node:
    return Node("dir", mode, uid, gid, mtime)


def symlink(target: str, *, uid: int = 0, gid: int = 0, mtime: int = 0) -> Node:
    return Node("symlink", 0o777, uid, gid, mtime, target=target)


class FsError(EngineError):
    """A system-call failure inside the simulated tree; `code` is the errno name (ENOENT, …)."""

    STRERROR = {
        "ENOENT": "No such file or directory",
        "ENOTDIR": "Not a directory",
        "EISDIR": "Is a directory",
        "EEXIST": "File exists",
        "ENOTEMPTY": "Directory not empty",
        "ELOOP": "Too many levels of symbolic links",
        "EINVAL": "Invalid argument",
        "EROFS": "Read-only file system",
    }

    def __init__(self, code: str, path: str) -> None:
        super().__init__(f"{path}: {self.STRERROR[code]}")
        self.code = code
        self.path = path

    @property
    def strerror(self) -> str:
        return self.STRERROR[self.code]


def normalize(path: str, cwd: str = "/") -> str:
    """An absolute, `..`-free path; `..` at the root stays at the root, as in the kernel."""
    joined = posixpath.join(cwd, path) if not path.startswith("/") else path
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
        else:
            parts.append(part)
    return "/" + "/".join(parts)


@dataclass
class FileTree:
    """A mutable view of a whole file system: absolute normalized path → `Node`.

    The index of children is kept beside the nodes so that listing a directory or removing a
    subtree costs the size of that directory, not of the tree.
    """

    nodes: dict[str, Node] = field(default_factory=lambda: {"/": directory()})
    children: dict[str, set[str]] = field(default_factory=lambda: {"/": set()})

    def copy(self) -> FileTree:
        return FileTree(dict(self.nodes), {k: set(v) for k, v in self.children.items()})

    def __contains__(self, path: str) -> bool:
        return path in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def get(self, path: str) -> Node | None:
        """The node at exactly `path` (normalized), without following symlinks."""
        return self.nodes.get(path)

    def paths(self) -> Iterator[str]:
        return iter(self.nodes)

    # -- symlink-aware lookup -------------------------------------------------------------

    def resolve(self, path: str, cwd: str = "/", follow: bool = True,
                missing_ok: bool = False) -> str:
        """The real path that `path` names, following symlinks in every component (and in the
        last one when `follow`). The last component need not exist; an earlier one must, unless
        `missing_ok` (a path about to be created with all its parents, as `mkdir -p` does)."""
        hops = 0
        pending = [p for p in normalize(path, cwd).split("/") if p]
        done = "/"
        while pending:
            name = pending.pop(0)
            candidate = posixpath.join(done, name)
            node = self.nodes.get(candidate)
            if node is None:
                if pending and not missing_ok:
                    raise FsError("ENOENT", path)
                return posixpath.normpath(posixpath.join(candidate, *pending))
            if node.type == "symlink" and (pending or follow):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise FsError("ELOOP", path)
                target = node.target
                rest = [p for p in target.split("/") if p]
                if target.startswith("/"):
                    done = "/"
                pending = rest + pending
                # `..` inside a link target is resolved against the link's directory
                while pending and pending[0] in (".", ".."):
                    if pending.pop(0) == "..":
                        done = posixpath.dirname(done) or "/"
                continue
            if pending and node.type != "dir":
                raise FsError("ENOTDIR", path)
            done = candidate
            while pending and pending[0] in (".", ".."):
                if pending.pop(0) == "..":
                    done = posixpath.dirname(done) or "/"
        return done

    def lookup(self, path: str, cwd: str = "/", follow: bool = True) -> tuple[str, Node]:
        """The real path and node `path` names; ENOENT when it does not exist."""
        real = self.resolve(path, cwd, follow)
        node = self.nodes.get(real)
        if node is None:
            raise FsError("ENOENT", path)
        return real, node

    def listdir(self, path: str) -> list[str]:
        """Sorted names in the directory at real path `path`."""
        node = self.nodes.get(path)
        if node is None:
            raise FsError("ENOENT", path)
        if node.type != "dir":
            raise FsError("ENOTDIR", path)
        return sorted(posixpath.basename(c) for c in self.children.get(path, ()))

    def walk(self, top: str = "/") -> Iterator[str]:
        """Every real path under `top` (itself included), parents before children, sorted."""
        stack = [top]  # not recursive: a tree may nest deeper than Python recursion goes
        while stack:
            path = stack.pop()
            yield path
            stack.extend(sorted(self.children.get(path, ()), reverse=True))

    # -- mutation -------------------------------------------------------------------------

    def put(self, path: str, node: Node) -> None:
        """Place `node` at real path `path`, whose parent directory must exist.

        Replacing a directory by a non-directory drops its subtree, as a rename over it would.
        """
        if path == "/":
            if node.type != "dir":
                raise FsError("EISDIR", path)
            self.nodes["/"] = node
            return
        parent = posixpath.dirname(path)
        parent_node = self.nodes.get(parent)
        if parent_node is None:
            raise FsError("ENOENT", path)
        if parent_node.type != "dir":
            raise FsError("ENOTDIR", path)
        old = self.nodes.get(path)
        if old is not None and old.type == "dir" and node.type != "dir":
            self._drop_subtree(path)
        self.nodes[path] = node
        self.children[parent].add(path)
        if node.type == "dir":
            self.children.setdefault(path, set())

    def makedirs(self, path: str, node: Node | None = None) -> None:
        """`mkdir -p` on a real path: missing parents are created with `node`'s metadata."""
        proto = node or directory()
        missing: list[str] = []
        current = normalize(path)  # a relative or `//` path would never reach the root
        while current not in self.nodes:
            missing.append(current)
            current = posixpath.dirname(current)
        if self.nodes[current].type != "dir":
            raise FsError("ENOTDIR", path)
        for p in reversed(missing):
            self.put(p, proto)

    def remove(self, path: str) -> None:
        """Remove the entry at real path `path` and, for a directory, everything below it."""
        if path == "/" or path not in self.nodes:
            raise FsError("ENOENT" if path not in self.nodes else "EINVAL", path)
        self._drop_subtree(path)
        del self.nodes[path]
        self.children[posixpath.dirname(path)].discard(path)

    def _drop_subtree(self, path: str) -> None:
        stack = [path]
        while stack:
            for child in self.children.pop(stack.pop(), set()):
                stack.append(child)
                del self.nodes[child]

    def total_size(self) -> int:
        return sum(n.size for n in self.nodes.values())
