"""Reading an archive (`docker load`) or a Dockerfile (`docker build -`) from standard input.

Standard input may never end (`yes | docker load`). Docker's own readers fail as soon as the bytes
cannot be what they should be; these read only as far as that, so the command stops with the
same error instead of holding an endless stream in memory.
"""

from __future__ import annotations

import tarfile
from typing import BinaryIO

from tutor.engine.dockerfile._instructions import INSTRUCTION_NAMES

TAR_BLOCK = 512
MAX_DOCKERFILE_LINE = 65536
"""BuildKit's parser reads lines with a 64 KiB scanner: a longer line fails the parse."""
MAX_DOCKERFILE = 16 * 1024 * 1024
"""Where the simulation stops reading a Dockerfile that parses line after line (real Docker
would read on for as long as the stream lasts)."""


class TooLarge(Exception):
    """Standard input went on past what the simulation reads."""


def read_archive(stream: BinaryIO) -> bytes:
    """A tar archive, header by header, up to its end-of-archive block: the first block that
    is no tar header (or a truncated one) ends the reading, and the loader reports it."""
    data = bytearray()
    while True:
        block = stream.read(TAR_BLOCK)
        data += block
        if len(block) < TAR_BLOCK:
            break
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError:
            break  # end of archive (zero block) or no tar header at all
        body = -(-info.size // TAR_BLOCK) * TAR_BLOCK if info.type not in _NO_BODY else 0
        content = stream.read(body)
        data += content
        if len(content) < body:
            break
    return bytes(data)


# Links, directories and devices carry no data blocks whatever their size field says.
_NO_BODY = {tarfile.LNKTYPE, tarfile.SYMTYPE, tarfile.DIRTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE,
            tarfile.FIFOTYPE}


def read_dockerfile(stream: BinaryIO) -> bytes:
    """A Dockerfile, line by line, stopping once it cannot parse: a line longer than BuildKit's
    scanner takes, or a first instruction that is none (`yes` gives `y`)."""
    data = bytearray()
    first_seen = False
    while line := stream.readline(MAX_DOCKERFILE_LINE):
        data += line
        if len(data) > MAX_DOCKERFILE:
            raise TooLarge(f"the simulated engine reads at most {MAX_DOCKERFILE >> 20} MiB of "
                           "Dockerfile from standard input")
        if len(line) >= MAX_DOCKERFILE_LINE:
            break
        if not first_seen:
            words = line.decode("utf-8", "replace").split(None, 1)
            if words and not words[0].startswith("#"):
                first_seen = True
                if words[0].rstrip("\\`").upper() not in INSTRUCTION_NAMES:
                    break
    return bytes(data)
