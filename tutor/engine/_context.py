"""The build context: loading the directory `docker build` sends.

This is the one place where the engine reads the host's file system. Loading a context does what
the buildx client and BuildKit's receiver do together: walk the directory in name order without
following symlinks, leave out what `.dockerignore` excludes (`_dockerignore`), reset owners to
0:0, and checksum every file (`_checksum`). What a COPY then selects is `_selection`'s business;
what the transfer costs on the wire is `_transfer`'s.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tutor.engine import _gopath, _transfer
from tutor.engine._checksum import (
    ChecksumCache,
    EntryKind,
    FileSum,
    Hasher,
    HashFailure,
    StatKey,
    Xattrs,
    digest_of,
    read_xattrs,
    stat_key,
    tarsum_header,
    xattr_failure,
)
from tutor.engine._dockerignore import IgnoreFilter, parse_dockerignore, walk_order_key
from tutor.engine._selection import (
    ROOT,
    ContextEntry,
    EntryIndex,
    Selection,
)
from tutor.engine.dockerfile._gotext import quote as go_quote
from tutor.engine.errors import ContextError

_MAX_STEPS = 255  # bounds the resolution of a followed path through symlink loops
_READ_CHUNK = 1 << 20
_KINDS: dict[int, EntryKind] = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "dir",
    stat.S_IFLNK: "symlink",
    stat.S_IFIFO: "fifo",
    stat.S_IFCHR: "char",
    stat.S_IFBLK: "block",
}


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
        socket = kind is None and stat.S_ISSOCK(st.st_mode)
        if kind is None and not socket:
            raise ContextError(f"open {host}: no such device or address")
        row = _Row(rel, host, st, kind or "file")
        if socket:
            # fsutil sends a socket as an empty regular file (BuildKit dockerfile_test.go
            # testCopySocket): its checksum is that of an empty file with its mode
            row.digest = digest_of(tarsum_header("file", st.st_mode & 0o7777, 0))
            self.rows.append(row)
            return
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
            device = go_device(st.st_rdev) if row.kind in ("char", "block") else (0, 0)
            entries.append(  # positional: noticeably faster over tens of thousands of paths
                ContextEntry(
                    row.path, row.kind, st.st_mode & 0o7777,
                    0 if row.kind == "dir" else st.st_size, row.link_target, st.st_mtime_ns,
                    row.digest, row.xattrs, hardlink_to, device,
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


class BuildContext:
    """A loaded build context: the entries sent to the builder, in the order they were sent
    (that order numbers the files in the transfer)."""

    def __init__(self, root: str, entries: Sequence[ContextEntry]) -> None:
        self.root = root
        self.entries = tuple(entries)
        self._by_path = {e.path: e for e in self.entries}
        self._index: EntryIndex | None = None

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
        return ROOT if cleaned == "/" else self._by_path.get(cleaned[1:])

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
        if os.path.exists(host) and stat.S_ISSOCK(os.lstat(host).st_mode):
            return  # sent as an empty file
        try:
            with open(host, "rb") as handle:
                while chunk := handle.read(_READ_CHUNK):
                    yield chunk
        except OSError as err:
            raise ContextError(f"open {host}: {_gopath.strerror(err)}") from None

    def read(self, path: str) -> bytes:
        return b"".join(self.chunks(path))

    def select(self, sources: Sequence[str], *, follow_links: bool = True) -> Selection:
        """What `COPY <sources...> <dest>` selects from this context (see `_selection`).

        Raises `ChecksumError` when BuildKit fails to compute the cache key; a failure of the copy
        itself is kept in the returned `Selection` (see `Selection.copied`).
        """
        if self._index is None:
            self._index = EntryIndex(self.entries)
        return self._index.select(sources, follow_links)


# --- .dockerignore and followed files ------------------------------------------------------------

def _host_follow(root: str, name: str) -> tuple[list[str], str | None]:
    """fsutil's FollowPaths for one name: the context paths to send (the name, every symlink on
    the way and the final target) and the host path of the target if it exists."""
    paths: list[str] = []
    current = ""
    remaining = _gopath.clean(name)
    for _ in range(_MAX_STEPS):
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
            try:
                target = os.readlink(host)
            except OSError:
                return paths, None
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


def read_followed_file(directory: str | os.PathLike[str], name: str) -> bytes:
    """The file `name` in `directory` as BuildKit's file transfer reads it (the Dockerfile):
    symlinks are followed inside `directory`, so one pointing out of it reads what lies at
    that path *inside* it, never the host's file. A FIFO or device is refused unopened."""
    root = os.path.realpath(os.fspath(directory))
    _, host = _host_follow(root, name)
    if host is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    st = os.stat(host)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", name)
    with open(host, "rb") as handle:
        return handle.read()


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
