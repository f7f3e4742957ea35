"""The byte count BuildKit shows as `transferring context: 1.2kB`.

That figure is not the size of the files: it is what the daemon's receiver counts on the wire, the
protobuf size of every packet fsutil's sender streams (`fsutil/send.go`, `receive.go`): one STAT
packet per path sent, then for each regular file the receiver asks for, its content in 32 KiB DATA
packets and an empty DATA packet closing it, and finally the sender's FIN. The receiver asks only
for files that differ (size, mtime, mode, link) from the copy it kept from the previous build of
the same directory, which is why a rebuild often shows a few hundred bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.engine._selection import ContextEntry

CHUNK = 32 * 1024  # the sender's copy buffer
_FIN = 2  # a packet holding only its type

_MODE_TYPE = {
    "file": 0,
    "dir": 1 << 31,
    "symlink": 1 << 27,
    "fifo": 1 << 25,
    "char": (1 << 26) | (1 << 21),
    "block": 1 << 26,
}


def _varint(value: int) -> int:
    value &= (1 << 64) - 1  # Go encodes negative int64 values as ten-byte varints
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


def _field(length: int) -> int:
    """Tag, length and payload of a length-delimited protobuf field."""
    return 1 + _varint(length) + length


def go_file_mode(kind: str, mode: int) -> int:
    """The Go `os.FileMode` fsutil sends: permission bits, type bits and Go's own positions for
    setuid, setgid and sticky."""
    value = (mode & 0o777) | _MODE_TYPE[kind]
    if mode & 0o4000:
        value |= 1 << 23
    if mode & 0o2000:
        value |= 1 << 22
    if mode & 0o1000:
        value |= 1 << 20
    return value


def stat_packet_size(entry: ContextEntry) -> int:
    size = 0
    path = len(entry.path.encode("utf-8", "surrogateescape"))
    if path:
        size += _field(path)
    mode = go_file_mode(entry.kind, entry.mode)
    if mode:
        size += 1 + _varint(mode)
    if entry.size:
        size += 1 + _varint(entry.size)
    if entry.mtime_ns:
        size += 1 + _varint(entry.mtime_ns)
    link = entry.link_target or entry.hardlink_to
    if link:
        size += _field(len(link.encode("utf-8", "surrogateescape")))
    for number in entry.device:
        if number:
            size += 1 + _varint(number)
    for key, value in entry.xattrs:
        pair = _field(len(key.encode("utf-8", "surrogateescape"))) + _field(len(value))
        size += _field(pair)
    return _field(size)


def data_size(index: int, size: int) -> int:
    """The DATA packets carrying a file of `size` bytes that was the `index`-th path sent."""
    head = 2 + (1 + _varint(index) if index else 0)
    full, rest = divmod(size, CHUNK)
    total = full * (head + _field(CHUNK)) + head
    if rest:
        total += head + _field(rest)
    return total


def _changed(old: ContextEntry, new: ContextEntry) -> bool:
    """fsutil's metadata differ: what makes the receiver ask for a file again."""
    return (
        go_file_mode(old.kind, old.mode) != go_file_mode(new.kind, new.mode)
        or old.size != new.size
        or old.mtime_ns != new.mtime_ns
        or (old.link_target or old.hardlink_to) != (new.link_target or new.hardlink_to)
        or old.device != new.device
    )


def transfer_size(
    entries: Sequence[ContextEntry], previous: Mapping[str, ContextEntry] | None = None
) -> int:
    """Bytes received for `entries` (in the order sent), given what the receiver kept from the
    previous transfer of the same directory (None: nothing, every file is sent)."""
    total = _FIN
    for index, entry in enumerate(entries):
        total += stat_packet_size(entry)
        if entry.kind != "file" or entry.hardlink_to:
            continue
        old = previous.get(entry.path) if previous is not None else None
        if old is None or _changed(old, entry):
            total += data_size(index, entry.size)
    return total
