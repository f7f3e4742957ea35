"""COPY and ADD: choosing source files as BuildKit does and laying them into the stage.

Sources come from the build context, another stage, an image or the simulated web. All of them
are indexed the way the build context is (`tutor.engine._selection`), so one set of BuildKit's
rules serves every case: wildcards match per path segment (and may match nothing), a directory's
*contents* are copied, symlinks resolve inside the source, a missing source fails with
`"/x": not found` while the cache key is computed, and other copy errors only when the step
really runs. The selection's checksum covers content and metadata but never mtimes.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from tutor.engine import _selection
from tutor.engine._checksum import ChecksumCache, tarsum_header
from tutor.engine._context import BuildContext, load_ignore_file
from tutor.engine._selection import ContextEntry, EntryIndex
from tutor.engine.build.chmod import ChmodError, parse_chmod
from tutor.engine.build.users import chown_ids
from tutor.engine.dockerfile import Add, Copy
from tutor.engine.errors import ContextError, EngineError
from tutor.engine.fs import Data, FileTree, Node, Synthetic, directory, normalize

_WILDCARDS = frozenset("*?[")


class CopyFailed(EngineError):
    """A COPY/ADD BuildKit refuses; the message is BuildKit's."""


@dataclass
class Selection:
    """What one COPY/ADD selected: the checksum that keys it, the files behind that checksum
    (to explain a miss), and the copy itself, made only when the step actually runs."""

    checksum: str
    files: dict[str, str]
    """Source path → checksum of every selected file."""
    single_file: bool
    """Exactly one source, naming a file: then the destination may name the file itself."""
    _chosen: _selection.Selection
    _node: Callable[[ContextEntry], Node]

    def items(self) -> list[tuple[Node, str]]:
        """(node, path relative to the destination) to copy; raises the copy's error (e.g.
        `lstat /dir: no such file or directory`), which BuildKit reports only on a miss."""
        try:
            sources = self._chosen.copied()
        except ContextError as exc:
            raise CopyFailed(exc.message) from None
        out: list[tuple[Node, str]] = []
        for source in sources:
            if source.entry.kind == "dir":
                out += [(self._node(entry), rel) for rel, entry in source.members]
            else:
                out.append((self._node(source.entry), posixpath.basename(source.path)))
        return out


    def excluding(self, patterns: tuple[str, ...]) -> Selection:
        """The selection without what `--exclude` patterns match below each source: BuildKit
        computes the checksum with the same ExcludePatterns, so an edit to an excluded file
        leaves the step cached."""
        from tutor.engine._dockerignore import PatternMatcher

        matcher = PatternMatcher(patterns)
        kept: list[str] = []
        files: dict[str, str] = {}
        for source in self._chosen.sources:
            top = "/" + source.path.lstrip("/")
            if source.entry.kind == "dir":
                for rel, entry in source.members:
                    if not matcher.matches_or_parent_matches(rel):
                        kept.append(f"{top}\0{rel}\0{entry.digest}")
                        if entry.kind != "dir":
                            files[posixpath.join(top, rel)] = entry.digest
            elif not matcher.matches_or_parent_matches(posixpath.basename(source.path)):
                kept.append(f"{top}\0\0{source.entry.digest}")
                files[top] = source.entry.digest
        digest = hashlib.sha256("\n".join(kept).encode()).hexdigest()
        return replace(self, checksum="sha256:" + digest, files=files)


class SourceFiles(Protocol):
    transfer_size: int

    def select(self, sources: list[str]) -> Selection: ...


def _select(index: EntryIndex, sources: list[str], node: Callable[[ContextEntry], Node],
            ref_id: str) -> Selection:
    try:
        chosen = index.select(sources)
    except ContextError as exc:
        raise CopyFailed("failed to compute cache key: failed to calculate checksum of ref "
                         f"{ref_id}: {exc.message}") from None
    files: dict[str, str] = {}
    for source in chosen.sources:
        if source.entry.kind == "dir":
            for rel, entry in source.members:
                files["/" + posixpath.join(source.path.lstrip("/"), rel)] = entry.digest
        else:
            files["/" + source.path.lstrip("/")] = source.entry.digest
    single = (len(sources) == 1 and not any(c in sources[0] for c in _WILDCARDS)
              and len(chosen.sources) == 1 and chosen.sources[0].entry.kind != "dir")
    return Selection(chosen.checksum, files, single, chosen, node)


def _ref_id(seed: str) -> str:
    """A stand-in for BuildKit's `<ref>::<ref>` snapshot ids in `failed to calculate checksum
    of ref …` messages: the same shape (two 25-character base-36 ids), derived from `seed` so
    that it is deterministic."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    for _ in range(50):
        number, rest = divmod(number, 36)
        chars.append(alphabet[rest])
    return "".join(chars[:25]) + "::" + "".join(chars[25:])


class ContextSource:
    """The build context (host files, .dockerignore applied, checksums from the cache)."""

    def __init__(self, context: BuildContext, transfer_size: int) -> None:
        self.context = context
        self.transfer_size = transfer_size
        self._index = EntryIndex(context.entries)

    def select(self, sources: list[str]) -> Selection:
        return _select(self._index, sources, self._node, _ref_id(self.context.root))

    def _node(self, entry: ContextEntry) -> Node:
        mtime = entry.mtime_ns // 1_000_000_000
        if entry.kind == "dir":
            return Node("dir", entry.mode, mtime=mtime)
        if entry.kind == "symlink":
            return Node("symlink", 0o777, mtime=mtime, target=entry.link_target)
        return Node("file", entry.mode, mtime=mtime,
                    content=Data(self.context.read(entry.path)))


class TreeSource:
    """Sources read from a file tree: another stage, an image, or downloads."""

    def __init__(self, tree: FileTree) -> None:
        self.tree = tree
        self.transfer_size = 0
        self._nodes: dict[str, Node] = {}
        entries = []
        for path in tree.walk():
            if path == "/":
                continue
            node = tree.get(path)
            assert node is not None
            rel = path[1:]
            self._nodes[rel] = node
            entries.append(ContextEntry(
                rel, node.type, node.mode, len(node.target) if node.type == "symlink"
                else node.size, node.target, node.mtime * 1_000_000_000, node_checksum(node)))
        self._index = EntryIndex(entries)

    def select(self, sources: list[str]) -> Selection:
        return _select(self._index, sources, lambda e: self._nodes[e.path],
                       _ref_id(str(len(self._nodes))))


def node_checksum(node: Node) -> str:
    """tarsum-style, as for context files but keeping the owner: type, mode, uid, gid, size,
    link target and content; never the mtime."""
    h = hashlib.sha256(tarsum_header(node.type, node.mode, node.size, node.target))
    h.update(f"uid{node.uid}gid{node.gid}".encode())
    content = node.content
    if isinstance(content, Data):
        h.update(content.data)
    elif isinstance(content, Synthetic):
        h.update(f"synthetic:{content.size}:{content.seed}".encode())
    return "sha256:" + h.hexdigest()


def context_source(root: Path, dockerfile: Path | None, cache_file: Path) -> ContextSource:
    """Load the build context as the client sends it, reusing checksums remembered in
    `cache_file` for files whose inode, size, mode and times are unchanged."""
    ignore = load_ignore_file(root, dockerfile)
    cache = ChecksumCache()
    cache.load(cache_file)
    context = BuildContext.load(root, excludes=ignore.patterns, cache=cache)
    cache.save(cache_file)
    return ContextSource(context, context.transfer_size())


def split_pivot(source: str) -> tuple[str, str]:
    """`COPY --parents` source → (directory the kept path starts at, include pattern): `a/./b/c`
    keeps `b/c`; without a `/./` pivot the whole path is kept (convert.go `strings.Cut`)."""
    parent, sep, pattern = source.partition("/./")
    if not sep:
        return "/", normalize(source).lstrip("/")
    return normalize(parent), normalize(pattern).lstrip("/")


def parents_items(source: SourceFiles, sources: tuple[str, ...]) -> tuple[
        str, list[tuple[Node, str]]]:
    """What `COPY --parents` copies: for each source, everything under its pivot that the
    pattern (wildcards and `**` as patternmatcher reads them) includes, with the path kept;
    returns the checksum of what was looked at and (node, path below the destination)."""
    from tutor.engine._dockerignore import PatternMatcher

    checksums = []
    items: list[tuple[Node, str]] = []
    for src in sources:
        pivot, pattern = split_pivot(src)
        if not any(c in src for c in _WILDCARDS):
            # BuildKit requires a path without wildcards to exist (RequiredPaths)
            source.select([posixpath.join(pivot, pattern).lstrip("/") or "."])
        selection = source.select([pivot.lstrip("/") or "."])
        matcher = PatternMatcher([pattern or "."])
        wanted = [(n, r) for n, r in selection.items() if matcher.matches_or_parent_matches(r)]
        keep = {r for _, r in wanted}
        parents = {posixpath.dirname(r) for r in keep}
        chosen = {rel for node, rel in selection.items() if rel in keep or (
            node.type == "dir" and any(p == rel or p.startswith(rel + "/") for p in parents))}
        items += [(n, r) for n, r in selection.items() if r in chosen]
        # the key covers only what the pattern includes (BuildKit checksums with the same
        # IncludePatterns), so a change elsewhere under the pivot keeps the step cached
        for copied in selection._chosen.sources:
            checksums += [f"{pivot}\0{rel}\0{entry.digest}" for rel, entry in copied.members
                          if rel in chosen]
    digest = hashlib.sha256("\n".join(checksums).encode()).hexdigest()
    return "sha256:" + digest, items


def _excluded(items: list[tuple[Node, str]], patterns: tuple[str, ...]) -> list[
        tuple[Node, str]]:
    """`--exclude`: patterns matched against each copied path below the source (fsutil's
    ExcludePatterns); an excluded directory takes its contents with it."""
    from tutor.engine._dockerignore import PatternMatcher

    matcher = PatternMatcher(patterns)
    return [(n, r) for n, r in items if not matcher.matches_or_parent_matches(r)]


def copy_into(tree: FileTree, selection: Selection, cmd: Copy | Add, cwd: str, *, unpack: bool,
              now: int, owner_tree: FileTree,
              items: list[tuple[Node, str]] | None = None) -> int:
    """Lay the selected files into `tree` at `cmd.dest`; returns the bytes copied. `items`
    replaces what the selection copies (`COPY --parents`)."""
    dest = cmd.dest
    contents = tuple(getattr(cmd, "contents", ()))
    single = len(cmd.sources) + len(contents) == 1 and (selection.single_file or bool(contents))
    if items is not None:
        single = False
    dest_is_dir = dest.endswith("/") or dest.endswith("/.") or not single
    target = normalize(dest, cwd)
    ids = chown_ids(owner_tree, cmd.chown) if cmd.chown else None
    try:
        mode = parse_chmod(cmd.chmod) if cmd.chmod else None
    except ChmodError as exc:
        raise CopyFailed(exc.message) from None
    copied = 0

    def owned(node: Node) -> Node:
        if ids is not None:
            node = replace(node, uid=ids[0], gid=ids[1])
        if mode is not None and node.type != "symlink":
            node = replace(node, mode=mode(node.mode, node.type == "dir"))
        return node

    def ensure_dir(path: str) -> str:
        real = tree.resolve(path, missing_ok=True)
        existing = tree.get(real)
        if existing is None:
            tree.makedirs(real, owned(directory(0o755, mtime=now)))
        elif existing.type != "dir":
            raise CopyFailed(f"cannot copy to non-directory: {path}")
        return real

    chosen = selection.items() if items is None else items
    if cmd.excludes:
        chosen = _excluded(chosen, tuple(cmd.excludes))
    for node, rel in chosen:
        if not dest_is_dir:
            parent = ensure_dir(posixpath.dirname(target) or "/")
            real = tree.resolve(target, missing_ok=True)
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
            mtime = int(member.mtime)
            # the parent is looked up through symlinks already in the tree (an image's
            # `var/run -> /run`), as the unpacker walks the real file system
            parent = tree.resolve(posixpath.dirname(path) or "/", missing_ok=True)
            tree.makedirs(parent)
            path = posixpath.join(parent, posixpath.basename(path)) if path != "/" else path
            existing = tree.get(path)
            if member.isdir() and existing is not None and existing.type == "symlink":
                continue  # a directory over a symlink to one: the link stays
            if member.isdir():
                if tree.get(path) is None:
                    tree.put(path, Node("dir", member.mode & 0o7777, uid, gid, mtime))
            elif member.issym():
                tree.put(path, Node("symlink", 0o777, uid, gid, mtime, target=member.linkname))
            elif member.isfile():
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
                tree.put(path, Node("file", member.mode & 0o7777, uid, gid, mtime, Data(data)))
                total += len(data)
    return total


