"""A deterministic gzip writer for layer blobs, and the shape of synthetic file content.

Registries and the containerd content store keep layers as gzip blobs (`…tar+gzip`), so each layer
has a blob digest besides its diffID. A blob digest must not depend on the machine: zlib's output
differs between zlib, zlib-ng and other forks, so the deflate stream is written here, by rules that
never change:

- The gzip header carries no name and no mtime (mtime 0, XFL 0, OS 255 "unknown": the header Go's
  `compress/gzip` writes, which BuildKit and containerd use), so equal tars give equal blobs.
- Ordinary bytes (tar headers, padding, small real files) go into one fixed-Huffman block per
  run, with repeated bytes as distance-1 matches (tar headers are mostly NULs) and everything else
  as literals; when that would be larger, or the run is long, into stored blocks. File content of
  4 KiB and more that is not mostly repeated bytes is stored as it comes: encoding it byte by
  byte in Python would cost more than it saves.
- Synthetic file content (`fs.Synthetic`) is generated from a fixed plan of fresh bytes and
  copies of earlier bytes, so its deflate encoding is known without searching: fresh bytes go into
  stored blocks, copies into fixed-Huffman blocks of matches. That makes compressing a gigabyte of
  simulated runtime as fast as copying it, and gives synthetic content the ratio of real binaries
  (about 3:1, as gzip achieves on ELF executables and shared libraries).

Every piece ends on a byte boundary (a stored block, or an empty one after a Huffman block), so
pieces are simply concatenated. Any inflater reads the result; the bytes it inflates to are fixed
by the format, so the diffID never depends on this writer.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
"""ID1 ID2 CM=deflate FLG=0, MTIME=0, XFL=0, OS=255: no name, no time."""
FINAL_BLOCK = b"\x03\x00"
"""A last fixed-Huffman block holding only end-of-block."""
STORED_MAX = 0xFFFF
GENERIC_LIMIT = 1 << 18
"""Ordinary runs longer than this are stored: a Python encoder would be too slow for them."""

_LENGTH_BASE = (3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
                99, 115, 131, 163, 195, 227, 258)
_LENGTH_EXTRA = (0,) * 8 + (1,) * 4 + (2,) * 4 + (3,) * 4 + (4,) * 4 + (5,) * 4 + (0,)
_DIST_BASE = (1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
              1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577)
_DIST_EXTRA = (0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
               12, 12, 13, 13)


def _reverse(code: int, bits: int) -> int:
    return int(f"{code:0{bits}b}"[::-1], 2)


def _fixed_code(symbol: int) -> tuple[int, int]:
    """RFC 1951 3.2.6: the fixed literal/length code, bit-reversed for LSB-first packing."""
    if symbol < 144:
        return _reverse(0x30 + symbol, 8), 8
    if symbol < 256:
        return _reverse(0x190 + symbol - 144, 9), 9
    if symbol < 280:
        return _reverse(symbol - 256, 7), 7
    return _reverse(0xC0 + symbol - 280, 8), 8


_LITLEN = tuple(_fixed_code(s) for s in range(288))
_DIST = tuple((_reverse(d, 5), 5) for d in range(30))


class _Bits:
    """Bits packed least significant first, as deflate does."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def put(self, value: int, bits: int) -> None:
        self.acc |= value << self.count
        self.count += bits
        if self.count >= 32:
            whole = self.count >> 3
            self.out += (self.acc & ((1 << (whole * 8)) - 1)).to_bytes(whole, "little")
            self.acc >>= whole * 8
            self.count -= whole * 8

    def match(self, length: int, distance: int) -> None:
        if length == 258:
            self.put(*_LITLEN[285])
        else:
            i = bisect_right(_LENGTH_BASE, length) - 1
            self.put(*_LITLEN[257 + i])
            if _LENGTH_EXTRA[i]:
                self.put(length - _LENGTH_BASE[i], _LENGTH_EXTRA[i])
        d = bisect_right(_DIST_BASE, distance) - 1
        self.put(*_DIST[d])
        if _DIST_EXTRA[d]:
            self.put(distance - _DIST_BASE[d], _DIST_EXTRA[d])

    def stored_header(self, length: int) -> None:
        """A non-final stored block's header: 3 bits, padding, LEN and NLEN."""
        self.put(0, 3)
        self.align()
        self.out += struct.pack("<HH", length, length ^ 0xFFFF)

    def align(self) -> None:
        while self.count > 0:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.count -= 8
        self.acc = 0
        self.count = 0

    def take(self) -> bytes:
        assert self.count == 0
        data = bytes(self.out)
        self.out.clear()
        return data


def stored(data: bytes) -> bytes:
    """`data` in non-final stored blocks."""
    out = bytearray()
    for start in range(0, len(data), STORED_MAX):
        piece = data[start : start + STORED_MAX]
        out += b"\x00" + struct.pack("<HH", len(piece), len(piece) ^ 0xFFFF) + piece
    return bytes(out)


_RUN = re.compile(rb"(.)\1{4,}", re.DOTALL)


def mostly_runs(data: bytes) -> bool:
    """Whether repeated bytes make up most of `data` (tar headers, padding): only then can the
    fixed-Huffman form beat storing it, and literal-heavy data costs the encoder most."""
    return 2 * sum(m.end() - m.start() for m in _RUN.finditer(data)) > len(data)


def deflate_bytes(data: bytes) -> bytes:
    """Ordinary bytes as byte-aligned, non-final deflate blocks (the smaller of the two forms)."""
    if not data:
        return b""
    if len(data) > GENERIC_LIMIT:
        return stored(data)
    bits = _Bits()
    bits.put(0b010, 3)  # BFINAL=0, BTYPE=01 (fixed Huffman)
    pos = 0
    for run in _RUN.finditer(data):
        _literals(bits, data[pos : run.start() + 1])
        value, count, left = _repeats(run.end() - run.start() - 1)
        bits.put(value, count)
        _literals(bits, data[run.end() - left : run.end()])
        pos = run.end()
    _literals(bits, data[pos:])
    bits.put(*_LITLEN[256])
    bits.stored_header(0)  # back to a byte boundary
    encoded = bits.take()
    plain = stored(data)
    return encoded if len(encoded) < len(plain) else plain


@lru_cache(maxsize=1024)
def _repeats(length: int) -> tuple[int, int, int]:
    """`length` repeats of the previous byte as distance-1 matches of at most 258, packed
    into one bit string (value, bit count), and how many (0-2) are left for literals."""
    bits = _Bits()
    while length >= 3:
        step = min(length, 258)
        if length - step in (1, 2):
            step = length - 3
        bits.match(step, 1)
        length -= step
    count = len(bits.out) * 8 + bits.count
    return int.from_bytes(bits.out, "little") | (bits.acc << len(bits.out) * 8), count, length


def _literals(bits: _Bits, data: bytes) -> None:
    """`bits.put` for each byte's literal code, unrolled: this loop is the encoder's hot path."""
    acc, count, out, table = bits.acc, bits.count, bits.out, _LITLEN
    for byte in data:
        code, length = table[byte]
        acc |= code << count
        count += length
        if count >= 32:
            out += (acc & 0xFFFFFFFF).to_bytes(4, "little")
            acc >>= 32
            count -= 32
    bits.acc, bits.count = acc, count


# -- synthetic content ----------------------------------------------------------------------------

CHUNK = 1 << 16
PREFIX = 8
"""Each synthetic chunk starts with its index (8 bytes), then the body the plan describes."""
BODY = CHUNK - PREFIX


def _plan() -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """The fixed layout of a chunk body: (fresh bytes, the copies as (length, distance)
    matches; distance 0 marks 1-2 trailing fresh bytes). Fresh runs of 192-447 bytes
    alternate with copies of 384-895 bytes from up to 32 KiB back, which deflates to about a
    third: the ratio gzip gets on binaries."""
    stream = b"".join(hashlib.sha256(b"tutor synthetic plan" + bytes([i])).digest()
                      for i in range(64))
    units = []
    at = 0
    i = 0
    while at < BODY:
        fresh = min(192 + stream[i % len(stream)], BODY - at)
        at += fresh
        copied = min(384 + 2 * stream[(i + 1) % len(stream)], BODY - at)
        matches = []
        left = copied
        j = i + 2
        while left >= 3:
            reach = min(at, 32768)
            length = min(left, 258, reach)
            if left - length in (1, 2):
                length -= 3
            # no overlap (distance >= length), so a copy is one slice of what came before
            distance = max(length, reach - (stream[j % len(stream)] * 127) % reach)
            matches.append((length, distance))
            at += length
            left -= length
            j += 1
        if left:  # 1 or 2 bytes cannot be a match: they end the body as fresh bytes
            at += left
            matches.append((left, 0))
        units.append((fresh, tuple(matches)))
        i += 3
    return tuple(units)


PLAN = _plan()


def synthetic_body(pool: bytes) -> bytes:
    """A full chunk body: fresh bytes taken from `pool` in order, copies resolved."""
    body = bytearray()
    taken = 0
    for fresh, matches in PLAN:
        body += pool[taken : taken + fresh]
        taken += fresh
        for length, distance in matches:
            if distance == 0:
                body += pool[taken : taken + length]
                taken += length
            else:
                start = len(body) - distance
                body += body[start : start + length]
    return bytes(body)


FRESH_NEEDED = sum(f + sum(n for n, d in m if d == 0) for f, m in PLAN)
"""How many pool bytes a full body consumes."""

Template = tuple[tuple[bytes, int, int], ...]
"""A chunk's encoding: constant bytes, then the slice [start, end) of the raw chunk, repeated."""


@lru_cache(maxsize=4096)
def template(n: int) -> Template:
    """How the first `n` bytes of any synthetic chunk deflate (cached per length: most files
    share few lengths, and a full chunk's is reused for every chunk of every large file)."""
    pieces: list[tuple[bytes, int, int]] = []
    bits = _Bits()
    fresh_start = 0
    fresh_len = min(PREFIX, n)
    body_end = n

    def copy_block(matches: list[tuple[int, int]]) -> None:
        bits.put(0b010, 3)
        for length, distance in matches:
            bits.match(length, distance)
        bits.put(*_LITLEN[256])

    def flush_fresh() -> None:
        nonlocal fresh_len
        if fresh_len:
            bits.stored_header(fresh_len)
            pieces.append((bits.take(), fresh_start, fresh_start + fresh_len))
            fresh_len = 0

    at = fresh_len
    for fresh, matches in PLAN:
        if at >= body_end:
            break
        take = min(fresh, body_end - at)
        fresh_len += take
        at += take
        pending: list[tuple[int, int]] = []
        for length, distance in matches:
            if at >= body_end:
                break
            length = min(length, body_end - at)
            if distance == 0 or length < 3:
                if pending:
                    flush_fresh()
                    copy_block(pending)
                    pending = []
                    fresh_start = at
                fresh_len += length
            else:
                if not pending:
                    flush_fresh()
                pending.append((length, distance))
            at += length
        if pending:
            flush_fresh()
            copy_block(pending)
            fresh_start = at
    if fresh_len:
        flush_fresh()
    else:
        bits.stored_header(0)
        pieces.append((bits.take(), n, n))
    return tuple(pieces)


def fill(tmpl: Template, raw: bytes) -> bytes:
    return b"".join(const + raw[start:end] for const, start, end in tmpl)


# -- gzip -----------------------------------------------------------------------------------------


class GzipWriter:
    """A gzip member written to `sink`: ordinary bytes via `write`, pre-encoded ones via
    `write_encoded`. Tracks the CRC-32 and length of what it stands for."""

    FLUSH_AT = 1 << 16

    def __init__(self, sink: Callable[[bytes], object]) -> None:
        self.sink = sink
        self.crc = 0
        self.length = 0
        self.pending: list[bytes] = []
        self.pending_size = 0
        sink(GZIP_HEADER)

    STORE_AT = 1 << 12
    """A piece this large that is not mostly runs (file content) is stored as it comes."""

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.length += len(data)
        if len(data) >= self.STORE_AT and not mostly_runs(data):
            self._flush()
            self.sink(stored(data))
            return
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= self.FLUSH_AT:
            self._flush()

    def write_encoded(self, raw: bytes, encoded: bytes) -> None:
        self._flush()
        self.crc = zlib.crc32(raw, self.crc)
        self.length += len(raw)
        self.sink(encoded)

    def _flush(self) -> None:
        if self.pending:
            self.sink(deflate_bytes(b"".join(self.pending)))
            self.pending.clear()
            self.pending_size = 0

    def close(self) -> None:
        self._flush()
        self.sink(FINAL_BLOCK + struct.pack("<II", self.crc, self.length & 0xFFFFFFFF))
