"""Content checksums of build-context files, as BuildKit computes them for the COPY cache key.

Each file's checksum is the sha256 of a tarsum-v1 header followed by the file's bytes
(`cache/contenthash/filehash.go`, `tarsum.go`): mode (permission bits plus setuid, setgid and
sticky), uid and gid (always 0, the client resets them), size, tar type flag, symlink target,
device numbers and the extended attributes that count, but never the modification time. That is
why `touch` keeps a COPY cached while `chmod +x` does not.

Hashing is the expensive part of loading a context, so once the walk has listed the files they are
read in large chunks by a few threads (hashlib and reads release the GIL), and `ChecksumCache`
remembers checksums across runs for files whose inode, size, mode and times have not changed.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import re
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tutor.engine._gopath import strerror
from tutor.engine.statefile import atomic_write, read_json

EntryKind = Literal["file", "dir", "symlink", "fifo", "char", "block"]
Xattrs = tuple[tuple[str, bytes], ...]

EMPTY_DIGEST = "sha256:" + hashlib.sha256(b"").hexdigest()
"""What BuildKit records for the context root's own header, and for a selection of nothing."""

_TYPEFLAG = {"file": "0", "dir": "5", "symlink": "2", "char": "3", "block": "4", "fifo": "6"}
_SMALL = 1 << 20  # files up to this size are read with one call
_BATCH_BYTES = 4 << 20  # work a hashing thread takes at once
_BATCH_FILES = 256
_FILE_COST = 4096  # what opening and closing a file weighs, in bytes read


def counts_in_checksum(key: str) -> bool:
    """Whether an extended attribute is part of the checksum (tarsum drops security.* except
    the file capabilities, and system.*)."""
    return key == "security.capability" or not key.startswith(("security.", "system."))


def tarsum_header(
    kind: EntryKind,
    mode: int,
    size: int,
    link_target: str = "",
    device: tuple[int, int] = (0, 0),
    xattrs: Xattrs = (),
) -> bytes:
    """The bytes BuildKit hashes before a file's content: tarsum v1's selected header fields.

    `mode` is the permission bits with setuid/setgid/sticky (`st_mode & 0o7777`); `size` counts
    only for regular files.
    """
    text = (
        f"namemode{mode}uid0gid0size{size if kind == 'file' else 0}"
        f"typeflag{_TYPEFLAG[kind]}linkname{link_target if kind == 'symlink' else ''}"
        f"unamegnamedevmajor{device[0]}devminor{device[1]}"
    )
    header = text.encode("utf-8", "surrogateescape")
    for key, value in sorted(xattrs):
        if counts_in_checksum(key):
            header += key.encode("utf-8", "surrogateescape") + value
    return header


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_xattrs(path: str) -> Xattrs:
    """The extended attributes fsutil sends for a path (all but macOS's `com.apple.*`), sorted.

    Raises OSError when the attributes cannot be listed for another reason than the file system
    not supporting them.
    """
    try:
        keys = os.listxattr(path, follow_symlinks=False)
    except OSError as err:
        if err.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT):
            return ()
        raise
    pairs: list[tuple[str, bytes]] = []
    for key in keys:
        if key.startswith("com.apple."):
            continue
        try:
            pairs.append((key, os.getxattr(path, key, follow_symlinks=False)))
        except OSError:
            continue
    return tuple(sorted(pairs))


def xattr_failure(path: str, err: OSError) -> str:
    return f"error from sender: failed to xattr {path}: {strerror(err)}"


@dataclass(frozen=True, slots=True)
class HashFailure:
    """A file that could not be read, with Go's wording (`open /ctx/f: permission denied`)."""

    message: str


FileSum = tuple[str, Xattrs]
"""A regular file's checksum and the extended attributes it covers."""
EMPTY_SUM: FileSum = (EMPTY_DIGEST, ())


class Hasher:
    """Checksums regular files on a few threads (system calls and hashlib release the GIL).

    Files are collected during the walk and hashed together in `finish`: hashing while the walk
    goes on would make every `lstat` of the walk queue for the GIL behind the hashing threads.
    """

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or min(4, os.cpu_count() or 1)
        self._jobs: list[tuple[str, int, int]] = []

    def submit(self, path: str, mode: int, size: int) -> int:
        """Queue a regular file (host path, permission bits, size); returns its index in the list
        `finish` returns."""
        self._jobs.append((path, mode, size))
        return len(self._jobs) - 1

    def finish(self) -> list[FileSum | HashFailure]:
        """Each queued file's checksum, or why it could not be read."""
        jobs = self._jobs
        results: list[FileSum | HashFailure] = [EMPTY_SUM] * len(jobs)
        # Large files first, each on its own: their hashing runs without the GIL, so the threads
        # busy with them barely slow down the one working through small files.
        batches: deque[list[int]] = deque([i] for i, job in enumerate(jobs) if job[2] > _SMALL)
        small: list[int] = []
        weight = 0
        for index, (_, _, size) in enumerate(jobs):
            if size > _SMALL:
                continue
            small.append(index)
            weight += size + _FILE_COST
            if weight >= _BATCH_BYTES or len(small) >= _BATCH_FILES:
                batches.append(small)
                small, weight = [], 0
        if small:
            batches.append(small)

        def work() -> None:
            buffer = bytearray(_SMALL)
            view = memoryview(buffer)
            while True:
                try:
                    batch = batches.popleft()
                except IndexError:
                    return
                for index in batch:
                    results[index] = _hash_file(*jobs[index], buffer, view)

        count = min(self._workers, len(batches))
        threads = [threading.Thread(target=work, name="context-hash") for _ in range(count - 1)]
        for thread in threads:
            thread.start()
        work()
        for thread in threads:
            thread.join()
        return results


def _hash_file(
    path: str, mode: int, size: int, buffer: bytearray, view: memoryview
) -> FileSum | HashFailure:
    try:
        xattrs = read_xattrs(path)
    except OSError as err:
        return HashFailure(xattr_failure(path, err))
    hasher = hashlib.sha256(tarsum_header("file", mode, size, xattrs=xattrs))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        return HashFailure(f"open {path}: {strerror(err)}")
    try:
        if size <= _SMALL:
            data = os.read(fd, size)
            hasher.update(data)
            if len(data) == size:
                return "sha256:" + hasher.hexdigest(), xattrs
        while n := os.readv(fd, [buffer]):
            hasher.update(view[:n])
    except OSError as err:
        return HashFailure(f"read {path}: {strerror(err)}")
    finally:
        os.close(fd)
    return "sha256:" + hasher.hexdigest(), xattrs


StatKey = tuple[int, int, int, int, int]
"""What must be unchanged for a cached checksum to be reused: size, mtime_ns, st_mode, inode,
ctime_ns (ctime moves when extended attributes or content change behind an unchanged mtime)."""

_HEX = re.compile(r"[0-9a-f]{64}")
_VERSION = 1


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_size, st.st_mtime_ns, st.st_mode, st.st_ino, st.st_ctime_ns)


class ChecksumCache:
    """Checksums of host files, reused while their `StatKey` is unchanged.

    Kept in memory during a session; `save`/`load` persist it to a JSON file the caller names. A
    missing or corrupt file simply yields an empty cache.
    """

    def __init__(self) -> None:
        self._records: dict[str, tuple[StatKey, str, Xattrs]] = {}

    def __len__(self) -> int:
        return len(self._records)

    def lookup(self, path: str, key: StatKey) -> tuple[str, Xattrs] | None:
        record = self._records.get(path)
        if record is None or record[0] != key:
            return None
        return record[1], record[2]

    def store(self, path: str, key: StatKey, digest: str, xattrs: Xattrs) -> None:
        self._records[path] = (key, digest, xattrs)

    def forget_missing(self, root: str, seen: set[str]) -> None:
        """Drop the records of files under `root` that a fresh walk of `root` did not see."""
        prefix = root.rstrip("/") + "/"
        stale = [p for p in self._records if p.startswith(prefix) and p not in seen]
        for path in stale:
            del self._records[path]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ChecksumCache:
        cache = cls()
        try:
            raw = read_json(Path(path), None)
        except OSError:
            return cache
        if not isinstance(raw, dict) or raw.get("version") != _VERSION:
            return cache
        records = raw.get("files")
        if isinstance(records, dict):
            for name, value in records.items():
                record = _decode(value)
                if record is not None:
                    cache._records[name] = record
        return cache

    def save(self, path: str | os.PathLike[str]) -> bool:
        """Write the cache atomically; False when the file could not be written (a cache that
        cannot be saved must not fail a build)."""
        files = {
            name: [*key, digest.removeprefix("sha256:"),
                   [[k, base64.b64encode(v).decode()] for k, v in xattrs]]
            for name, (key, digest, xattrs) in self._records.items()
        }
        data = json.dumps({"version": _VERSION, "files": files}, separators=(",", ":"))
        try:
            atomic_write(Path(path), data.encode())
        except OSError:
            return False
        return True


def _decode(value: object) -> tuple[StatKey, str, Xattrs] | None:
    if not isinstance(value, list) or len(value) != 7:
        return None
    *key, digest, xattrs = value
    if not all(type(k) is int for k in key) or not isinstance(digest, str):
        return None
    if not _HEX.fullmatch(digest) or not isinstance(xattrs, list):
        return None
    pairs: list[tuple[str, bytes]] = []
    for pair in xattrs:
        if not isinstance(pair, list) or len(pair) != 2:
            return None
        if not all(isinstance(part, str) for part in pair):
            return None
        try:
            pairs.append((pair[0], base64.b64decode(pair[1], validate=True)))
        except ValueError:
            return None
    size, mtime, mode, ino, ctime = key
    return (size, mtime, mode, ino, ctime), "sha256:" + digest, tuple(pairs)


def combine(digests: Sequence[str]) -> str:
    """How BuildKit joins the checksums of several selectors of one COPY into one."""
    return digest_of(b"\0".join(d.encode() for d in digests))
