"""File descriptors of the simulated shell: where a command's bytes go and come from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol, SupportsIndex

from tutor.engine.fs import Data, FileTree, FsError, Node


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


LOG_LIMIT = 16 * 1024 * 1024
"""Output of one run the simulation keeps (Docker's log driver would write it all to disk)."""


@dataclass
class Log:
    """Everything the outermost process printed, per stream and interleaved as a terminal shows."""

    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    combined: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    """Bytes printed beyond `LOG_LIMIT`, counted but not kept."""


@dataclass
class Terminal:
    log: Log
    fd: int

    def write(self, data: bytes) -> None:
        room = LOG_LIMIT - len(self.log.combined)
        if len(data) > room:
            self.log.dropped += len(data) - max(room, 0)
            data = data[: max(room, 0)]
        (self.log.stdout if self.fd == 1 else self.log.stderr).extend(data)
        self.log.combined.extend(data)


class Memory(Protocol):
    def need(self, size: int) -> None: ...


@dataclass
class Capture:
    """Output collected whole (a command substitution): it lives in the shell's memory."""

    memory: Memory
    data: bytearray = field(default_factory=bytearray)

    def write(self, data: bytes) -> None:
        self.memory.need(len(self.data) + len(data))
        self.data.extend(data)


class Null:
    def write(self, data: bytes) -> None:
        pass


FILE_LIMIT = 256 * 1024 * 1024
"""The largest file a simulated process may write (a real one may fill the host's disk): the
simulated file system holds file content in memory."""
WRITE_THROUGH = 64 * 1024
"""Below this size every write reaches the file at once; above it writes gather and reach the
file when they have doubled it (and when the redirection closes), so a long stream of small
writes costs time in proportion to the file, not to its square."""


class NoSpace(FsError):
    STRERROR = {**FsError.STRERROR, "ENOSPC": "No space left on device"}


@dataclass
class FileSink:
    """Appends to a file that the redirection opened (and created or truncated) beforehand."""

    fs: FileTree
    path: str
    mtime: int
    pending: bytearray = field(default_factory=bytearray)
    size: int = 0
    """The file's size as last written by this sink."""

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self.size + len(self.pending) + len(data) > FILE_LIMIT:
            self.flush()
            raise NoSpace("ENOSPC", self.path)
        self.pending += data
        if self.size + len(self.pending) < WRITE_THROUGH or len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        data, self.pending = bytes(self.pending), bytearray()
        node = self.fs.get(self.path)
        if node is None or node.type != "file":
            return  # the file was removed while open: its bytes go nowhere visible
        old = node.content.read() if node.content is not None else b""
        self.size = len(old) + len(data)
        self.fs.put(self.path, replace(node, content=Data(old + data), mtime=self.mtime))


def close_opened(fds: dict[int, Sink], kept: dict[int, Sink]) -> None:
    """Flush the files a redirection opened (those in `fds` and not in `kept`) as it ends."""
    kept_ids = {id(sink) for sink in kept.values()}
    for sink in fds.values():
        if isinstance(sink, FileSink) and id(sink) not in kept_ids:
            sink.flush()


class Stream(bytearray):
    """A program's stdout/stderr as the `bytearray` of the program contract: what is written
    passes straight on to a sink (and is not kept), so that output from several programs and
    streams keeps its order and a long-running writer holds no copy of what it wrote."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink

    def __iadd__(self, data: object) -> Stream:
        self.sink.write(bytes(data))  # type: ignore[call-overload]
        return self

    def extend(self, data: object) -> None:
        self.sink.write(bytes(data))  # type: ignore[call-overload]

    def append(self, item: SupportsIndex) -> None:
        self.sink.write(bytes([int(item)]))


@dataclass
class Input:
    """Standard input: `read` consumes it line by line; programs see what is left."""

    data: bytes = b""
    pos: int = 0

    def write(self, data: bytes) -> None:
        """Writing to a descriptor opened for reading fails (EBADF); the bytes are lost."""

    def rest(self) -> bytes:
        return self.data[self.pos :]

    def readline(self) -> bytes | None:
        if self.pos >= len(self.data):
            return None
        end = self.data.find(b"\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        line = self.data[self.pos : end]
        self.pos = end
        return line

    @property
    def lazy(self) -> bool:
        """Whether reading it takes time (a pipe): programs then read only what they need."""
        return False

    def read_prefix(self, *, lines: int | None = None, size: int | None = None) -> bytes:
        """The first `lines` lines or `size` bytes, consumed; `head` reads no more than this."""
        parts: list[bytes] = []
        taken = 0
        while (size is None or taken < size) and (lines is None or len(parts) < lines):
            line = self.readline() if size is None else self.read_some(size - taken)
            if line is None:
                break
            parts.append(line)
            taken += len(line)
        return b"".join(parts)

    def read_some(self, most: int) -> bytes | None:
        if self.pos >= len(self.data):
            return None
        chunk = self.data[self.pos : self.pos + most]
        self.pos += len(chunk)
        return chunk


def open_for_write(fs: FileTree, real: str, append: bool, proto: Node) -> None:
    """Create or truncate `real` as `>`/`>>` do; `proto` gives a new file's owner, mode, time."""
    node = fs.get(real)
    if node is None:
        fs.put(real, proto)
    elif node.type == "dir":
        raise FsError("EISDIR", real)
    elif not append:
        fs.put(real, replace(node, content=Data(b""), mtime=proto.mtime))
