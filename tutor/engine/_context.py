"""The build context: the directory `docker build` sends, and what COPY/ADD select from it.

This is the one place where the engine reads the host's file system. Loading a context does what
the buildx client and BuildKit's receiver do together: walk the directory in name order without
following symlinks, leave out what `.dockerignore` excludes (`_dockerignore`), reset owners to
0:0, and checksum every file (`_checksum`).

`BuildContext.select` then answers a COPY the way BuildKit does, in two stages that fail
differently:

1. the cache key: each source becomes a selector, cleaned as `path.Join("/", src)` so `../x`
   means `/x`; symlinks are resolved inside the context (an absolute or escaping target lands
   back in the context root); a source that does not exist gives `"/x": not found`, which the
   builder reports as `failed to compute cache key: failed to calculate checksum of ref <id>: …`.
   A wildcard that matches nothing is not an error: it selects nothing.
2. the copy itself, which runs only on a cache miss: a wildcard whose leading directory is missing
   fails with `lstat /dir: no such file or directory`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tutor.engine import _gopath, _transfer
from tutor.engine._checksum import (
    EMPTY_DIGEST,
    ChecksumCache,
    EntryKind,
    FileSum,
    Hasher,
    HashFailure,
    StatKey,
    Xattrs,
    combine,
    digest_of,
    read_xattrs,
    stat_key,
    tarsum_header,
    xattr_failure,
)
from tutor.engine._dockerignore import IgnoreFilter, parse_dockerignore, walk_order_key
from tutor.engine.dockerfile._gotext import quote as go_quote
from tutor.engine.errors import ContextError

_MAX_LINKS = 255  # BuildKit's limit while resolving symlinks in a context
_READ_CHUNK = 1 << 20
_KINDS: dict[int, EntryKind] = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "dir",
    stat.S_IFLNK: "symlink",
    stat.S_IFIFO: "fifo",
    stat.S_IFCHR: "char",
    stat.S_IFBLK: "block",
}


class ChecksumError(ContextError):
    """A COPY source that fails while BuildKit computes the cache key. The builder prefixes it with
    `failed to compute cache key: failed to calculate checksum of ref <id>: `."""


class CopyError(ContextError):
    """A COPY source that fails only when the copy runs (after a cache miss); shown as is."""


@dataclass(frozen=True, slots=True)
class ContextEntry:
    """One path of the context as the builder receives it."""

    path: str
    """Relative to the context root, `/`-separated; "" is the root itself."""
    kind: EntryKind
    mode: int
    """Permission bits with setuid/setgid/sticky (`st_mode & 0o7777`)."""
    size: int
    """`lstat` size: a file's length, a symlink's target length; 0 for a directory."""
    link_target: str = ""
    mtime_ns: int = 0
    digest: str = ""
    """Tarsum-style checksum: header and content for a file, header only otherwise."""
    xattrs: Xattrs = ()
    hardlink_to: str = ""
    """An earlier path with the same inode; fsutil sends this one as a hard link, without data."""
    device: tuple[int, int] = (0, 0)


_ROOT = ContextEntry("", "dir", 0o755, 0, digest=EMPTY_DIGEST)


@dataclass(frozen=True, slots=True)
class CopySource:
    """One thing a COPY copies: a source path, or one match of a wildcard.

    `entry` is what gets copied (the target, when a symlink source was followed) and is named
    after `path` at the destination. A directory's contents are copied, not the directory itself:
    they are in `members`, as (path relative to the directory, entry) in walk order.
    """

    path: str
    entry: ContextEntry
    members: tuple[tuple[str, ContextEntry], ...] = ()


@dataclass(frozen=True, slots=True)
class Selection:
    """What a COPY's sources select: the content checksum that goes into its cache key, and what
    the copy copies (or the error it fails with when it runs)."""

    checksum: str
    sources: tuple[CopySource, ...]
    error: CopyError | None = None

    def copied(self) -> tuple[CopySource, ...]:
        """The sources to copy; raises the `CopyError` the copy would fail with."""
        if self.error is not None:
            raise self.error
        return self.sources


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    """The `.dockerignore` a build uses."""

    name: str
    """`.dockerignore`, or `<Dockerfile name>.dockerignore` found next to the Dockerfile."""
    patterns: tuple[str, ...]
    transfer_size: int | None
    """Bytes of the `[internal] load .dockerignore` step; None when that step does not run
    because the Dockerfile-specific file was used."""


def go_device(rdev: int) -> tuple[int, int]:
    """Major and minor numbers the way fsutil splits them."""
    return (rdev >> 8) & 0xFFF, (rdev & 0xFF) | ((rdev >> 12) & 0xFFF00)


def _xattrs(path: str) -> Xattrs:
    try:
        return read_xattrs(path)
    except OSError as err:
        raise ContextError(xattr_failure(path, err)) from None


@dataclass(slots=True)
class _Row:
    """A path being loaded; its digest may still be computing."""

    path: str
    host: str
    st: os.stat_result
    kind: EntryKind
    link_target: str = ""
    xattrs: Xattrs = ()
    digest: str = ""
    job: int = -1
    hardlink_to: int = -1
    key: StatKey | None = None


class _Loader:
    def __init__(self, root: str, excludes: Sequence[str], cache: ChecksumCache | None) -> None:
        self.root = root
        self.filter = IgnoreFilter(excludes)
        self.cache = cache
        self.hasher = Hasher()
        self.rows: list[_Row] = []
        self.held: dict[str, os.DirEntry[str]] = {}
        self.inodes: dict[int, int] = {}

    def run(self) -> list[ContextEntry]:
        self._walk()
        return self._entries(self.hasher.finish())

    def _walk(self) -> None:
        stack = [iter(self._listing(self.root, False))]
        prefixes = [""]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
                prefixes.pop()
                continue
            rel = prefixes[-1] + item.name
            try:
                is_dir = item.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if not self.filter.active:  # the common case, kept cheap for large contexts
                self._add(rel, item)
                if is_dir:
                    stack.append(iter(self._listing(item.path, False)))
                    prefixes.append(rel + "/")
                continue
            visit = self.filter.visit(rel, is_dir)
            if visit.excluded and is_dir and visit.descend:
                self.held[rel] = item
            for path in visit.send:
                if path == rel:
                    self._add(rel, item)
                else:
                    self._add(path, self.held.pop(path))
            if is_dir and visit.descend:
                stack.append(iter(self._listing(item.path, visit.excluded)))
                prefixes.append(rel + "/")

    @staticmethod
    def _listing(host: str, excluded: bool) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(host) as it:
                return sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as err:
            if err.errno in (errno.ENOENT, errno.ENOTDIR) or (
                excluded and err.errno in (errno.EACCES, errno.EPERM)
            ):
                return []
            raise ContextError(
                f"error from sender: open {host}: {_gopath.strerror(err)}"
            ) from None

    def _add(self, rel: str, item: os.DirEntry[str]) -> None:
        """Send one path; its `lstat` happens only now, as fsutil's does, so an excluded path that
        cannot be examined does no harm."""
        host = item.path
        try:
            st = item.stat(follow_symlinks=False)
        except FileNotFoundError:
            return
        except OSError as err:
            raise ContextError(
                f"error from sender: lstat {host}: {_gopath.strerror(err)}"
            ) from None
        fmt = stat.S_IFMT(st.st_mode)
        kind = _KINDS.get(fmt)
        if kind is None:  # a socket: fsutil sends it as a file, then cannot open it
            raise ContextError(f"open {host}: no such device or address")
        row = _Row(rel, host, st, kind)
        if kind == "file":
            self._add_file(row)
        else:
            if kind == "symlink":
                row.link_target = os.readlink(host)
            row.xattrs = _xattrs(host)
            row.digest = digest_of(self._header(row))
        self.rows.append(row)

    def _add_file(self, row: _Row) -> None:
        st = row.st
        if st.st_nlink > 1:
            first = self.inodes.setdefault(st.st_ino, len(self.rows))
            if first != len(self.rows):
                row.hardlink_to = first
                return
        if self.cache is not None:
            row.key = stat_key(st)
            hit = self.cache.lookup(row.host, row.key)
            if hit is not None:
                row.digest, row.xattrs = hit
                return
        row.job = self.hasher.submit(row.host, st.st_mode & 0o7777, st.st_size)

    @staticmethod
    def _header(row: _Row) -> bytes:
        st = row.st
        device = go_device(st.st_rdev) if row.kind in ("char", "block") else (0, 0)
        return tarsum_header(
            row.kind, st.st_mode & 0o7777, st.st_size, row.link_target, device, row.xattrs
        )

    def _entries(self, results: list[FileSum | HashFailure]) -> list[ContextEntry]:
        entries: list[ContextEntry] = []
        for row in self.rows:
            st = row.st
            hardlink_to = ""
            if row.hardlink_to >= 0:
                first = self.rows[row.hardlink_to]
                row.digest, row.xattrs, hardlink_to = first.digest, first.xattrs, first.path
            elif row.job >= 0:
                result = results[row.job]
                if isinstance(result, HashFailure):
                    raise ContextError(result.message)
                row.digest, row.xattrs = result
                if self.cache is not None and row.key is not None:
                    self.cache.store(row.host, row.key, row.digest, row.xattrs)
            is_dir = row.kind == "dir"
            entries.append(
                ContextEntry(
                    path=row.path,
                    kind=row.kind,
                    mode=st.st_mode & 0o7777,
                    size=0 if is_dir else st.st_size,
                    link_target=row.link_target,
                    mtime_ns=st.st_mtime_ns,
                    digest=row.digest,
                    xattrs=row.xattrs,
                    hardlink_to=hardlink_to,
                    device=go_device(st.st_rdev) if row.kind in ("char", "block") else (0, 0),
                )
            )
        if self.cache is not None:
            self.cache.forget_missing(self.root, {r.host for r in self.rows})
        return entries


def _context_root(directory: str | os.PathLike[str]) -> str:
    typed = os.fspath(directory)
    try:
        root = os.path.realpath(typed, strict=True)
        is_dir = os.path.isdir(root)
    except OSError:
        is_dir = False
    if not is_dir:
        raise ContextError(f"unable to prepare context: path {go_quote(typed)} not found")
    return root


@dataclass(slots=True)
class _Index:
    """Lookup structures built the first time a selection needs them."""

    ordered: list[ContextEntry]
    children: dict[str, list[ContextEntry]]
    keys: list[tuple[str, Literal["dir", "header", "leaf"], ContextEntry]]
    """BuildKit's cache keys in their (byte) order: a directory's record, its header, its tree."""
    positions: dict[str, int]
    """Where each path's first key is in `keys`."""
    dir_digests: dict[str, str] = field(default_factory=dict)


class BuildContext:
    """A loaded build context: the entries sent to the builder, in the order they were sent."""

    def __init__(self, root: str, entries: Sequence[ContextEntry]) -> None:
        self.root = root
        self.entries = tuple(entries)
        self._by_path = {e.path: e for e in self.entries}
        self._index: _Index | None = None

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        *,
        excludes: Sequence[str] = (),
        cache: ChecksumCache | None = None,
    ) -> BuildContext:
        """Walk `directory` as the build client does, leaving out what `excludes` (the
        `.dockerignore` patterns) exclude. Checksums are taken from and added to `cache`."""
        root = _context_root(directory)
        return cls(root, _Loader(root, excludes, cache).run())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, path: str) -> ContextEntry | None:
        """The entry at a context path (relative or `/`-rooted), symlinks not followed."""
        cleaned = _gopath.clean("/" + path)
        return _ROOT if cleaned == "/" else self._by_path.get(cleaned[1:])

    @property
    def content_size(self) -> int:
        """Bytes of file content in the context (each hard-linked file once)."""
        return sum(e.size for e in self.entries if e.kind == "file" and not e.hardlink_to)

    def transfer_size(self, previous: BuildContext | None = None) -> int:
        """The `transferring context: N` byte count; pass the context sent by the previous
        build of the same directory, whose unchanged files the builder does not ask for again."""
        return _transfer.transfer_size(self.entries, previous._by_path if previous else None)

    def chunks(self, path: str) -> Iterator[bytes]:
        """The content of a regular file, read from the host when asked for."""
        entry = self.get(path)
        if entry is None or entry.kind != "file":
            raise ContextError(f"{go_quote('/' + path.lstrip('/'))}: not found")
        host = os.path.join(self.root, entry.path)
        try:
            with open(host, "rb") as handle:
                while chunk := handle.read(_READ_CHUNK):
                    yield chunk
        except OSError as err:
            raise ContextError(f"open {host}: {_gopath.strerror(err)}") from None

    def read(self, path: str) -> bytes:
        return b"".join(self.chunks(path))

    # --- selection -------------------------------------------------------------------------------

    def select(self, sources: Sequence[str], *, follow_links: bool = True) -> Selection:
        """What `COPY <sources...> <dest>` selects from this context.

        Raises `ChecksumError` when BuildKit fails to compute the cache key; a failure of the copy
        itself is kept in the returned `Selection` (see `Selection.copied`).
        """
        # An absolute source is not cleaned before it names its selector (but is when looked up).
        selectors = [s if s.startswith("/") else _gopath.join("/", s) for s in sources] or ["/"]
        digests = [
            self._selector_digest(_gopath.join("/", path), wildcard, follow_links)
            for path, wildcard in _dedupe_selectors(selectors)
        ]
        checksum = combine(digests)
        copied: list[CopySource] = []
        for source in selectors:
            try:
                copied.extend(self._copy_sources(_gopath.clean(source), follow_links))
            except CopyError as err:
                return Selection(checksum, tuple(copied), err)
        return Selection(checksum, tuple(copied))

    def _lookup(self, path: str) -> ContextEntry | None:
        return _ROOT if path == "/" else self._by_path.get(path[1:])

    def _resolve(self, path: str, follow: bool) -> tuple[str, ContextEntry | None]:
        """Resolve `/`-rooted `path` inside the context, as BuildKit's cache does: each symlink is
        followed (the last one only when `follow`), absolute targets and `..` stop at the root."""
        found = self._lookup(path)
        if found is not None and (not follow or found.kind != "symlink"):
            return path, found
        current, remaining, links = "/", path, 0
        while remaining:
            part, _, remaining = remaining.partition("/")
            step = _gopath.join("/", current, part)
            entry = self._lookup(step)
            if entry is None or entry.kind != "symlink" or (not follow and not remaining):
                current = step
                continue
            links += 1
            if links > _MAX_LINKS:
                raise ChecksumError("too many links")
            remaining = entry.link_target + "/" + remaining
            if entry.link_target.startswith("/"):
                current = "/"
        return current, self._lookup(current)

    def _indexed(self) -> _Index:
        if self._index is None:
            ordered = sorted(self.entries, key=lambda e: walk_order_key(e.path))
            children: dict[str, list[ContextEntry]] = {"": []}
            keys: list[tuple[str, Literal["dir", "header", "leaf"], ContextEntry]] = [
                ("", "dir", _ROOT),
                ("", "header", _ROOT),
            ]
            for entry in ordered:
                children.setdefault(entry.path.rpartition("/")[0], []).append(entry)
                if entry.kind == "dir":
                    children.setdefault(entry.path, [])
                    keys.append(("/" + entry.path, "dir", entry))
                    keys.append(("/" + entry.path, "header", entry))
                else:
                    keys.append(("/" + entry.path, "leaf", entry))
            positions: dict[str, int] = {}
            for i, key in enumerate(keys):
                positions.setdefault(key[0], i)
            self._index = _Index(ordered, children, keys, positions)
        return self._index

    def _dir_digest(self, directory: ContextEntry) -> str:
        """The checksum of a directory's whole contents: its own header, then each child's name
        and checksum in name order, recursively."""
        index = self._indexed()
        if not index.dir_digests:
            dirs = [_ROOT] + [e for e in index.ordered if e.kind == "dir"]
            for entry in reversed(dirs):  # children come after their parent in walk order
                hasher = hashlib.sha256(b"\0" + entry.digest.encode())
                for child in index.children[entry.path]:
                    name = child.path.rpartition("/")[2].encode("utf-8", "surrogateescape")
                    digest = index.dir_digests[child.path] if child.kind == "dir" else child.digest
                    hasher.update(b"\0" + name + digest.encode())
                index.dir_digests[entry.path] = "sha256:" + hasher.hexdigest()
        return index.dir_digests[directory.path]

    def _path_digest(self, path: str, follow: bool) -> str:
        _, entry = self._resolve(path, follow)
        if entry is None:
            raise ChecksumError(f"{go_quote(path)}: not found")
        return self._dir_digest(entry) if entry.kind == "dir" else entry.digest

    def _selector_digest(self, path: str, wildcard: bool, follow: bool) -> str:
        if not wildcard:
            return self._path_digest(path, follow)
        included = self._wildcard_matches(path, follow)
        if not included:
            return EMPTY_DIGEST
        if len(included) == 1 and _base(path) == _base(included[0][0]):
            return included[0][1]
        prefix = _gopath.split_wildcards(path)[0]
        prefix = "" if prefix == "/" else prefix
        hasher = hashlib.sha256()
        for name, digest in included:
            key = name.removeprefix(prefix).encode("utf-8", "surrogateescape").replace(b"/", b"\0")
            hasher.update((key or b"\0") + digest.encode())
        return "sha256:" + hasher.hexdigest()

    def _wildcard_matches(self, pattern: str, follow: bool) -> list[tuple[str, str]]:
        """(path, checksum) of what a wildcard selector includes, in BuildKit's key order: every
        match, and everything below a matching directory; symlinks that match are followed."""
        index = self._indexed()
        keys = index.keys
        literal = _gopath.split_wildcards(pattern)[0]
        prefix = resolved = ""
        start = 0
        if literal != "/":
            prefix = literal
            at, entry = self._resolve(literal, True)
            if entry is None:
                return []
            resolved = "" if at == "/" else at
            start = index.positions[resolved] + 1  # just past the record of the prefix itself
        included: list[tuple[str, str]] = []
        parents: list[str] = []
        last_match = ""
        for name, record, entry in keys[start:]:
            if name.startswith(resolved):
                name = prefix + name[len(resolved) :]
            while parents and not name.startswith(parents[-1] + "/"):
                parents.pop()
            if not last_match or not name.startswith(last_match + "/"):
                if not self._glob(pattern, name):
                    continue
                last_match = name
            if record == "dir":
                continue
            if record == "header":
                digest = entry.digest
                parents.append(name)
            elif follow and not parents and entry.kind == "symlink":
                digest = self._path_digest(name, True)
            else:
                digest = entry.digest
            included.append((name, digest))
        return included

    @staticmethod
    def _glob(pattern: str, name: str) -> bool:
        try:
            return _gopath.match(pattern, name)
        except _gopath.BadPatternError as err:
            raise ChecksumError(err.message) from None

    def _copy_sources(self, source: str, follow: bool) -> list[CopySource]:
        """What the copy step copies for one cleaned source (fsutil's copy semantics)."""
        if not _gopath.contains_wildcards(source):
            at, entry = self._resolve(source, follow)
            if entry is None:  # the cache-key stage has already reported it
                raise CopyError(f"lstat {source}: no such file or directory")
            return [self._copy_source(source.lstrip("/"), entry)]
        literal, rest = _gopath.split_wildcards(source)
        base = self._copy_base(literal, follow)
        out: list[CopySource] = []
        skip = ""
        for entry in self._indexed().ordered:
            inside = entry.path.removeprefix(base.path + "/") if base.path else entry.path
            if inside == entry.path and base.path or (skip and entry.path.startswith(skip)):
                continue
            try:
                hit = _gopath.match(rest, inside)
            except _gopath.BadPatternError:
                hit = False
            if hit:
                _, target = self._resolve("/" + entry.path, follow)
                out.append(self._copy_source(entry.path, target or entry))
                skip = entry.path + "/" if entry.kind == "dir" else ""
        return out

    def _copy_base(self, literal: str, follow: bool) -> ContextEntry:
        """The directory a wildcard is matched in, resolved as the copy resolves it; a missing
        or non-directory component fails like the `lstat` the copy makes."""
        current, remaining, links = "/", literal, 0
        while remaining:
            part, _, remaining = remaining.partition("/")
            step = _gopath.join("/", current, part)
            entry = self._lookup(step)
            parent = self._lookup(current)
            if entry is None and parent is not None and parent.kind != "dir":
                raise CopyError(f"lstat {step}: not a directory")
            if entry is None or entry.kind != "symlink" or (not follow and not remaining):
                current = step
                continue
            links += 1
            if links > _MAX_LINKS:
                raise CopyError("too many links")
            remaining = entry.link_target + "/" + remaining
            if entry.link_target.startswith("/"):
                current = "/"
        base = self._lookup(current)
        if base is None:
            raise CopyError(f"lstat {current}: no such file or directory")
        return base

    def _copy_source(self, path: str, entry: ContextEntry) -> CopySource:
        if entry.kind != "dir":
            return CopySource(path, entry)
        index = self._indexed()
        prefix = entry.path + "/" if entry.path else ""
        members = tuple(
            (e.path[len(prefix) :], e) for e in index.ordered if e.path.startswith(prefix)
        )
        return CopySource(path, entry, members)


def _base(path: str) -> str:
    """`path.Base`."""
    trimmed = path.rstrip("/")
    return trimmed.rpartition("/")[2] if trimmed else ("/" if path else ".")


def _dedupe_selectors(paths: list[str]) -> list[tuple[str, bool]]:
    """BuildKit's `dedupeSelectors`: plain paths lose duplicates and paths inside another one;
    wildcards are all kept; the result is sorted by path."""
    plain = set(p for p in paths if not _gopath.contains_wildcards(p))
    kept = [
        p for p in plain
        if not any(q != p and p.startswith(q if q.endswith("/") else q + "/") for q in plain)
    ]
    selectors = [(p, False) for p in kept]
    selectors += [(p, True) for p in paths if _gopath.contains_wildcards(p)]
    return sorted(selectors, key=lambda s: s[0].encode("utf-8", "surrogateescape"))


# --- .dockerignore and followed files ------------------------------------------------------------

def _host_follow(root: str, name: str) -> tuple[list[str], str | None]:
    """fsutil's FollowPaths for one name: the context paths to send (the name, every symlink on
    the way and the final target) and the host path of the target if it exists."""
    paths: list[str] = []
    current = ""
    remaining = _gopath.clean(name)
    for _ in range(_MAX_LINKS):
        part, _, remaining = remaining.partition("/")
        current = _gopath.join(current, part).lstrip("/")
        host = os.path.join(root, current)
        try:
            st = os.lstat(host)
        except OSError:
            paths.append(_gopath.join(current, remaining))
            return paths, None
        if stat.S_ISLNK(st.st_mode):
            paths.append(current)
            target = os.readlink(host)
            base = "/" if target.startswith("/") else "/" + current.rpartition("/")[0]
            remaining = _gopath.join(base, target, remaining).lstrip("/")
            current = ""
            if not remaining:
                return paths, root
            continue
        if not remaining:
            paths.append(current)
            return paths, host
    return paths, None


def followed_transfer_size(directory: str | os.PathLike[str], names: Sequence[str]) -> int:
    """The `transferring …: N` bytes of a transfer limited to `names` and what their symlinks
    point to, as for `[internal] load .dockerignore` or the Dockerfile itself (always sent in
    full). Missing names cost nothing: an empty transfer counts 2 bytes."""
    root = os.path.realpath(os.fspath(directory))
    wanted: set[str] = set()
    for name in names:
        paths, _ = _host_follow(root, name)
        for path in paths:
            parts = path.split("/")
            wanted.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    entries: list[ContextEntry] = []
    for path in sorted(wanted, key=walk_order_key):
        host = os.path.join(root, path)
        try:
            st = os.lstat(host)
        except OSError:
            continue
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "file")
        entries.append(
            ContextEntry(
                path,
                kind,
                st.st_mode & 0o7777,
                0 if kind == "dir" else st.st_size,
                os.readlink(host) if kind == "symlink" else "",
                st.st_mtime_ns,
                xattrs=_xattrs(host),
            )
        )
    return _transfer.transfer_size(entries)


def _read_followed(root: str, name: str) -> bytes | None:
    _, host = _host_follow(root, name)
    if host is None:
        return None
    try:
        with open(host, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def load_ignore_file(
    directory: str | os.PathLike[str], dockerfile: str | os.PathLike[str] | None = None
) -> IgnoreFile:
    """The ignore file a build uses: `<Dockerfile>.dockerignore` next to the Dockerfile when
    there is one (it wins), else `.dockerignore` at the context root, else none.

    `dockerfile` is the `-f` path as typed (relative to the current directory, as the CLI reads
    it); by default the context's `Dockerfile`.
    """
    root = _context_root(directory)
    dockerfile_path = os.path.join(root, "Dockerfile") if dockerfile is None else dockerfile
    dockerfile_dir, dockerfile_name = os.path.split(os.path.abspath(dockerfile_path))
    specific = dockerfile_name + ".dockerignore"
    data = _read_followed(os.path.realpath(dockerfile_dir), specific)
    if data is not None:
        return IgnoreFile(specific, parse_dockerignore(data, specific), None)
    data = _read_followed(root, ".dockerignore")
    patterns = parse_dockerignore(data, ".dockerignore") if data else ()
    return IgnoreFile(".dockerignore", patterns, followed_transfer_size(root, [".dockerignore"]))
