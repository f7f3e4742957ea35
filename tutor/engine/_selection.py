"""What COPY/ADD select from a build context, and the checksum BuildKit keys them on.

A COPY is answered in two stages that fail differently, as in BuildKit:

1. the cache key (`cache/contenthash/checksum.go`): each source becomes a selector, named as
   `path.Join("/", src)` so `../x` means `/x`; symlinks are resolved inside the context (an
   absolute or escaping target lands back in the context root); a source that does not exist
   gives `"/x": not found`, which the builder reports as `failed to compute cache key: failed to
   calculate checksum of ref <id>: "/x": not found`. A wildcard that matches nothing is not an
   error (the Dockerfile frontend allows empty wildcards): it selects nothing.
2. the copy itself (fsutil's `copy` package), which runs only on a cache miss: a wildcard whose
   leading directory is missing fails with `lstat /dir: no such file or directory`.

The checksum of a selection combines one digest per selector: a file's tarsum digest, a
directory's recursive digest over names and digests, or for a wildcard a digest over every match
and everything below matched directories, keyed by path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tutor.engine import _gopath
from tutor.engine._checksum import EMPTY_DIGEST, EntryKind, Xattrs, combine
from tutor.engine._dockerignore import walk_order_key
from tutor.engine.dockerfile._gotext import quote as go_quote
from tutor.engine.errors import ContextError

_MAX_LINKS = 255  # BuildKit's limit while resolving symlinks


class ChecksumError(ContextError):
    """A COPY source that fails while BuildKit computes the cache key. The builder prefixes it with
    `failed to compute cache key: failed to calculate checksum of ref <id>: `."""


class CopyError(ContextError):
    """A COPY source that fails only when the copy runs (after a cache miss); shown as is."""


@dataclass(frozen=True, slots=True)
class ContextEntry:
    """One path of a build context as the builder receives it."""

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


ROOT = ContextEntry("", "dir", 0o755, 0, digest=EMPTY_DIGEST)
"""The context root, which is never sent; BuildKit gives its header the empty digest."""


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


Record = Literal["dir", "header", "leaf"]


class EntryIndex:
    """A context's entries arranged for COPY: by path, by directory, and in the order of
    BuildKit's cache keys (a directory's contents record, its own header, then its tree)."""

    def __init__(self, entries: Sequence[ContextEntry]) -> None:
        self._by_path = {e.path: e for e in entries}
        self._ordered = sorted(entries, key=lambda e: walk_order_key(e.path))
        self._children: dict[str, list[ContextEntry]] = {"": []}
        self._keys: list[tuple[str, Record, ContextEntry]] = [
            ("", "dir", ROOT),
            ("", "header", ROOT),
        ]
        for entry in self._ordered:
            self._children.setdefault(entry.path.rpartition("/")[0], []).append(entry)
            name = "/" + entry.path
            if entry.kind == "dir":
                self._children.setdefault(entry.path, [])
                self._keys += [(name, "dir", entry), (name, "header", entry)]
            else:
                self._keys.append((name, "leaf", entry))
        self._positions: dict[str, int] = {}
        for i, key in enumerate(self._keys):
            self._positions.setdefault(key[0], i)
        self._dir_digests: dict[str, str] = {}

    def select(self, sources: Sequence[str], follow_links: bool = True) -> Selection:
        """What `COPY <sources...> <dest>` selects. Raises `ChecksumError` when the cache key
        cannot be computed; a failure of the copy itself is kept in the `Selection`."""
        # An absolute source names its selector uncleaned (it is cleaned when looked up).
        selectors = [s if s.startswith("/") else _gopath.join("/", s) for s in sources] or ["/"]
        checksum = combine([
            self._selector_digest(_gopath.join("/", path), wildcard, follow_links)
            for path, wildcard in _dedupe_selectors(selectors)
        ])
        copied: list[CopySource] = []
        for source in selectors:
            try:
                copied.extend(self._copy_sources(_gopath.clean(source), follow_links))
            except CopyError as err:
                return Selection(checksum, tuple(copied), err)
        return Selection(checksum, tuple(copied))

    def _lookup(self, path: str) -> ContextEntry | None:
        return ROOT if path == "/" else self._by_path.get(path[1:])

    def _resolve(
        self, path: str, follow: bool, copying: bool = False
    ) -> tuple[str, ContextEntry | None]:
        """Resolve `/`-rooted `path` inside the context: each symlink is followed (the last one
        only when `follow`), absolute targets and `..` stop at the context root.

        The cache-key stage fails only on a symlink loop; the copy (`copying`) also fails, like
        its `lstat`, on a path that goes through something other than a directory.
        """
        found = self._lookup(path)
        if found is not None and (not follow or found.kind != "symlink"):
            return path, found
        current, remaining, links = "/", path, 0
        while remaining:
            part, _, remaining = remaining.partition("/")
            step = _gopath.join("/", current, part)
            entry = self._lookup(step)
            if copying and entry is None:
                parent = self._lookup(current)
                if parent is not None and parent.kind != "dir":
                    raise CopyError(f"lstat {step}: not a directory")
            if entry is None or entry.kind != "symlink" or (not follow and not remaining):
                current = step
                continue
            links += 1
            if links > _MAX_LINKS:
                raise (CopyError if copying else ChecksumError)("too many links")
            remaining = entry.link_target + "/" + remaining
            if entry.link_target.startswith("/"):
                current = "/"
        return current, self._lookup(current)

    # --- the cache key ---------------------------------------------------------------------------

    def _dir_digest(self, directory: ContextEntry) -> str:
        """The checksum of a directory's whole contents: its own header, then each child's name
        and checksum in name order, recursively."""
        if not self._dir_digests:
            dirs = [ROOT] + [e for e in self._ordered if e.kind == "dir"]
            for entry in reversed(dirs):  # children come after their parent in walk order
                hasher = hashlib.sha256(b"\0" + entry.digest.encode())
                for child in self._children[entry.path]:
                    name = child.path.rpartition("/")[2].encode("utf-8", "surrogateescape")
                    digest = self._dir_digests[child.path] if child.kind == "dir" else child.digest
                    hasher.update(b"\0" + name + digest.encode())
                self._dir_digests[entry.path] = "sha256:" + hasher.hexdigest()
        return self._dir_digests[directory.path]

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
        """(path, checksum) of what a wildcard selector includes, in cache-key order: every
        match, and everything below a matching directory; symlinks that match are followed."""
        literal = _gopath.split_wildcards(pattern)[0]
        prefix = resolved = ""
        start = 0
        if literal != "/":
            prefix = literal
            at, entry = self._resolve(literal, True)
            if entry is None:
                return []
            resolved = "" if at == "/" else at
            start = self._positions[resolved] + 1  # just past the record of the prefix itself
        included: list[tuple[str, str]] = []
        parents: list[str] = []
        last_match = ""
        for name, record, entry in self._keys[start:]:
            if name.startswith(resolved):  # a string prefix, as BuildKit compares it
                name = prefix + name[len(resolved) :]
            while parents and not name.startswith(parents[-1] + "/"):
                parents.pop()
            if not last_match or not name.startswith(last_match + "/"):
                if not _glob(pattern, name):
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

    # --- the copy --------------------------------------------------------------------------------

    def _copy_sources(self, source: str, follow: bool) -> list[CopySource]:
        """What the copy step copies for one cleaned source."""
        if not _gopath.contains_wildcards(source):
            _, entry = self._resolve(source, follow, copying=True)
            if entry is None:  # already reported by the cache-key stage, as `not found`
                raise CopyError(f"lstat {source}: no such file or directory")
            return [self._copy_source(source.lstrip("/"), entry)]
        literal, rest = _gopath.split_wildcards(source)
        at, base = self._resolve(literal, follow, copying=True)
        if base is None:
            raise CopyError(f"lstat {at}: no such file or directory")
        out: list[CopySource] = []
        skip = ""
        for entry in self._ordered:
            inside = entry.path.removeprefix(base.path + "/") if base.path else entry.path
            if (base.path and inside == entry.path) or (skip and entry.path.startswith(skip)):
                continue
            try:
                hit = _gopath.match(rest, inside)
            except _gopath.BadPatternError:  # the copy ignores what the cache key reported
                hit = False
            if hit:
                _, target = self._resolve("/" + entry.path, follow, copying=True)
                out.append(self._copy_source(entry.path, target or entry))
                skip = entry.path + "/" if entry.kind == "dir" else ""
        return out

    def _copy_source(self, path: str, entry: ContextEntry) -> CopySource:
        if entry.kind != "dir":
            return CopySource(path, entry)
        prefix = entry.path + "/" if entry.path else ""
        members = tuple(
            (e.path[len(prefix) :], e) for e in self._ordered if e.path.startswith(prefix)
        )
        return CopySource(path, entry, members)


def _glob(pattern: str, name: str) -> bool:
    try:
        return _gopath.match(pattern, name)
    except _gopath.BadPatternError as err:
        raise ChecksumError(err.message) from None


def _base(path: str) -> str:
    """`path.Base`."""
    trimmed = path.rstrip("/")
    return trimmed.rpartition("/")[2] if trimmed else ("/" if path else ".")


def _dedupe_selectors(paths: list[str]) -> list[tuple[str, bool]]:
    """BuildKit's `dedupeSelectors`: plain paths lose duplicates and paths inside another one;
    wildcards are all kept; the result is sorted by path."""
    plain = {p for p in paths if not _gopath.contains_wildcards(p)}
    kept = [
        p for p in plain
        if not any(q != p and p.startswith(q if q.endswith("/") else q + "/") for q in plain)
    ]
    selectors = [(p, False) for p in kept]
    selectors += [(p, True) for p in paths if _gopath.contains_wildcards(p)]
    return sorted(selectors, key=lambda s: s[0].encode("utf-8", "surrogateescape"))
