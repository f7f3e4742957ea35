"""COPY and ADD: choosing source files as BuildKit does and laying them into the stage.

Sources come from the build context, another stage or an image; all are seen as a file tree, so
one set of rules serves every case: wildcards match per path segment, a directory's *contents* are
copied, a destination ending in `/` (or several sources) is a directory, missing sources fail
with BuildKit's `"/x": not found`. The selection's checksum covers each selected file's content
and metadata but not its modification time, which is what BuildKit keys COPY on.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from tutor.engine._dockerignore import IgnoreFilter, parse_dockerignore
from tutor.engine._gopath import clean
from tutor.engine.build.users import chown_ids
from tutor.engine.dockerfile import Add, Copy
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, FileTree, FsError, Node, directory, normalize

_WILDCARDS = frozenset("*?[")


class CopyFailed(EngineError):
    """A COPY/ADD BuildKit refuses; the message is BuildKit's."""


@dataclass
class Selection:
    """The files one COPY/ADD selected: (source path, node, path relative to its copy root)."""

    items: list[tuple[str, str, Node, str]] = field(default_factory=list)
    """(source as written, absolute source path, node, destination-relative path)."""
    files: dict[str, str] = field(default_factory=dict)
    """Absolute source path → checksum, for explaining cache misses."""
    checksum: str = ""
    single_file: bool = False
    """Exactly one non-wildcard source that is a file (then `dest` may name the file)."""
    tree: FileTree | None = None


class SourceFiles(Protocol):
    transfer_size: int

    def select(self, sources: list[str], excludes: tuple[str, ...]) -> Selection: ...


def node_checksum(node: Node) -> str:
    """tarsum-style: type, mode, owner, size, link target and content; never the mtime."""
    h = hashlib.sha256()
    h.update(f"{node.type}|{node.mode:o}|{node.uid}|{node.gid}|{node.size}|{node.target}|"
             .encode())
    content = node.content
    if isinstance(content, Data):
        h.update(content.data)
    elif content is not None:
        h.update(f"synthetic:{content.size}:{content.seed}".encode())  # type: ignore[union-attr]
    return "sha256:" + h.hexdigest()


@dataclass
class TreeSource:
    """Sources read from a file tree (a stage, an image, or the loaded build context)."""

    tree: FileTree
    transfer_size: int = 0
    checksums: dict[str, str] = field(default_factory=dict)
    """Known checksums by path (the context's, computed from the host files)."""

    def _checksum(self, path: str, node: Node) -> str:
        known = self.checksums.get(path)
        return known if known is not None else node_checksum(node)

    def _matches(self, pattern: str) -> list[str]:
        parts = [p for p in pattern.split("/") if p]
        found = ["/"]
        for part in parts:
            nxt = []
            for base in found:
                node = self.tree.get(base)
                if node is None or node.type != "dir":
                    continue
                if any(c in part for c in _WILDCARDS):
                    for name in self.tree.listdir(base):
                        if fnmatch.fnmatchcase(name, part):
                            nxt.append(posixpath.join(base, name))
                else:
                    nxt.append(posixpath.join(base, part))
            found = nxt
        return [p for p in found if p in self.tree]

    def select(self, sources: list[str], excludes: tuple[str, ...]) -> Selection:
        selection = Selection(tree=self.tree)
        digests: list[str] = []
        wildcard_or_many = len(sources) != 1
        for written in sources:
            cleaned = clean("/" + written)
            has_wildcard = any(c in written for c in _WILDCARDS)
            wildcard_or_many = wildcard_or_many or has_wildcard
            matches = self._matches(cleaned) if has_wildcard else (
                [cleaned] if self._exists(cleaned) else []
            )
            if not matches:
                raise CopyFailed(
                    "failed to compute cache key: failed to calculate checksum of ref "
                    f'{_ref_id(self.tree)}: "{cleaned}": not found'
                )
            for path in matches:
                real = self._real(path)
                node = self.tree.get(real)
                assert node is not None
                if node.type == "dir":
                    for sub in self.tree.walk(real):
                        if sub == real:
                            continue
                        rel = posixpath.relpath(sub, real)
                        if _excluded(rel, excludes):
                            continue
                        child = self.tree.get(sub)
                        assert child is not None
                        selection.items.append((written, sub, child, rel))
                        checksum = self._checksum(sub, child)
                        selection.files[sub] = checksum
                        digests.append(f"{sub}:{checksum}")
                else:
                    name = posixpath.basename(path)
                    selection.items.append((written, real, node, name))
                    checksum = self._checksum(real, node)
                    selection.files[path] = checksum
                    digests.append(f"{path}:{checksum}")
                    if not wildcard_or_many:
                        selection.single_file = True
        selection.checksum = "sha256:" + hashlib.sha256("\n".join(digests).encode()).hexdigest()
        return selection

    def _exists(self, path: str) -> bool:
        try:
            self.tree.lookup(path)
        except FsError:
            return False
        return True

    def _real(self, path: str) -> str:
        try:
            return self.tree.resolve(path)
        except FsError:
            return path


def _excluded(rel: str, excludes: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(
        posixpath.basename(rel), pattern) for pattern in excludes)


def _ref_id(tree: FileTree) -> str:
    """A stand-in for BuildKit's `<ref>::<ref>` snapshot ids in `failed to calculate checksum
    of ref …` messages: same shape (two 25-character base-36 ids), derived from the tree so
    that it is deterministic."""
    digest = int(hashlib.sha256(str(sorted(tree.paths())[:50]).encode()).hexdigest(), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    for _ in range(50):
        digest, rest = divmod(digest, 36)
        chars.append(alphabet[rest])
    return "".join(chars[:25]) + "::" + "".join(chars[25:])


def image_source(tree: FileTree) -> TreeSource:
    return TreeSource(tree)


def _parse_chmod(spec: str) -> int:
    try:
        mode = int(spec, 8)
    except ValueError:
        raise CopyFailed(f'invalid chmod parameter: "{spec}"') from None
    if mode > 0o7777:
        raise CopyFailed(f'invalid chmod parameter: "{spec}"')
    return mode


def copy_into(tree: FileTree, selection: Selection, cmd: Copy | Add, cwd: str, *, unpack: bool,
              now: int, owner_tree: FileTree) -> int:
    """Lay the selected files into `tree` at `cmd.dest`; returns the bytes copied."""
    dest = cmd.dest
    contents = tuple(getattr(cmd, "contents", ()))
    single = len(cmd.sources) + len(contents) == 1 and (selection.single_file or bool(contents))
    dest_is_dir = dest.endswith("/") or dest.endswith("/.") or not single
    target = normalize(dest, cwd)
    ids = chown_ids(owner_tree, cmd.chown) if cmd.chown else None
    mode = _parse_chmod(cmd.chmod) if cmd.chmod else None
    copied = 0

    def owned(node: Node) -> Node:
        changes: dict[str, int] = {}
        if ids is not None:
            changes["uid"], changes["gid"] = ids
        if mode is not None and node.type != "symlink":
            changes["mode"] = mode
        return replace(node, **changes) if changes else node

    def ensure_dir(path: str) -> str:
        real = tree.resolve(path)
        existing = tree.get(real)
        if existing is None:
            tree.makedirs(real, owned(directory(0o755, mtime=now)))
        elif existing.type != "dir":
            raise CopyFailed(f"cannot copy to non-directory: {path}")
        return real

    for _written, _src, node, rel in selection.items:
        if not dest_is_dir:
            parent = ensure_dir(posixpath.dirname(target) or "/")
            real = tree.resolve(target)
            existing = tree.get(real)
            if existing is not None and existing.type == "dir":
                real = posixpath.join(real, rel)
            else:
                real = posixpath.join(parent, posixpath.basename(target))
        else:
            base = ensure_dir(target)
            real = posixpath.join(base, rel)
            ensure_dir(posixpath.dirname(real) or "/")
        if unpack and node.type == "file" and _is_archive(rel, node):
            copied += _extract(tree, node, posixpath.dirname(real) if not dest_is_dir
                               else ensure_dir(target), ids)
            continue
        existing = tree.get(real)
        if node.type == "dir" and existing is not None and existing.type == "dir":
            tree.put(real, owned(replace(node, uid=node.uid, gid=node.gid)))
            continue
        tree.put(real, owned(node))
        copied += node.size
    for item in contents:
        path = normalize(item.path, target) if dest_is_dir else target
        ensure_dir(posixpath.dirname(path) or "/")
        data = Data(item.data.encode())
        tree.put(path, owned(Node("file", 0o644, mtime=now, content=data)))
        copied += data.size
    return copied


_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


def _is_archive(name: str, node: Node) -> bool:
    if not name.endswith(_ARCHIVE_SUFFIXES) or node.content is None:
        return False
    try:
        with tarfile.open(fileobj=io.BytesIO(node.content.read())) as archive:
            archive.getmembers()
    except (tarfile.TarError, EOFError, OSError):
        return False
    return True


def _extract(tree: FileTree, node: Node, into: str, ids: tuple[int, int] | None) -> int:
    """ADD's local-archive rule: extract the tar (any compression) into the destination."""
    assert node.content is not None
    total = 0
    with tarfile.open(fileobj=io.BytesIO(node.content.read())) as archive:
        for member in archive.getmembers():
            path = normalize(member.name, into)
            if not path.startswith(into.rstrip("/") + "/") and path != into:
                continue
            uid, gid = ids if ids is not None else (member.uid, member.gid)
            meta = {"uid": uid, "gid": gid, "mtime": int(member.mtime)}
            tree.makedirs(posixpath.dirname(path) or "/")
            if member.isdir():
                if tree.get(path) is None:
                    tree.put(path, Node("dir", member.mode & 0o7777, **meta))
            elif member.issym():
                tree.put(path, Node("symlink", 0o777, target=member.linkname, **meta))
            elif member.isfile():
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
                tree.put(path, Node("file", member.mode & 0o7777, content=Data(data), **meta))
                total += len(data)
    return total



def context_source(engine: object, root: Path, dockerfile_name: str) -> TreeSource:
    """The build context as the builder receives it: the directory minus what .dockerignore
    excludes (uid/gid reset to 0, as the client sends them)."""
    patterns: tuple[str, ...] = ()
    for name in (f"{dockerfile_name}.dockerignore", ".dockerignore"):
        path = root / name
        if path.is_file():
            patterns = parse_dockerignore(path.read_bytes(), name)
            break
    flt = IgnoreFilter(patterns)
    tree = FileTree()
    total = 0
    if not root.is_dir():
        raise CopyFailed(f"unable to prepare context: path {str(root)!r} not found")
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        kept = []
        for name in sorted(dirnames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            visit = flt.visit(rel, True)
            _place(tree, root, visit.send)
            if visit.descend:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            visit = flt.visit(rel, False)
            total += _place(tree, root, visit.send)
    return TreeSource(tree, transfer_size=total)


def _place(tree: FileTree, root: Path, rels: tuple[str, ...]) -> int:
    size = 0
    for rel in rels:
        host = root / rel
        st = host.lstat()
        path = "/" + rel
        tree.makedirs(posixpath.dirname(path) or "/")
        mtime = int(st.st_mtime)
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            tree.put(path, Node("symlink", 0o777, mtime=mtime, target=os.readlink(host)))
        elif stat.S_ISDIR(st.st_mode):
            tree.put(path, Node("dir", perm, mtime=mtime))
        elif stat.S_ISREG(st.st_mode):
            data = host.read_bytes()
            tree.put(path, Node("file", perm, mtime=mtime, content=Data(data)))
            size += len(data)
    return size
