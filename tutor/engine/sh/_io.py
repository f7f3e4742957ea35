"""File descriptors of the simulated shell: where a command's bytes go and come from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol, SupportsIndex

from tutor.engine.fs import Data, FileTree, FsError, Node


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


@dataclass
class Log:
    """Everything the outermost process printed, per stream and interleaved as a terminal shows."""

    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    combined: bytearray = field(default_factory=bytearray)


@dataclass
class Terminal:
    log: Log
    fd: int

    def write(self, data: bytes) -> None:
        (self.log.stdout if self.fd == 1 else self.log.stderr).extend(data)
        self.log.combined.extend(data)


@dataclass
class Capture:
    data: bytearray = field(default_factory=bytearray)

    def write(self, data: bytes) -> None:
        self.data.extend(data)


class Null:
    def write(self, data: bytes) -> None:
        pass


@dataclass
class FileSink:
    """Appends to a file that the redirection opened (and created or truncated) beforehand."""

    fs: FileTree
    path: str
    mtime: int

    def write(self, data: bytes) -> None:
        if not data:
            return
        node = self.fs.get(self.path)
        if node is None or node.type != "file":
            return  # the file was removed while open: its bytes go nowhere visible
        old = node.content.read() if node.content is not None else b""
        self.fs.put(self.path, replace(node, content=Data(old + data), mtime=self.mtime))


class Stream(bytearray):
    """A program's stdout/stderr buffer that passes what is written straight on to a sink, so
    that output from several programs and streams keeps its order."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink

    def __iadd__(self, data: object) -> Stream:
        chunk = bytes(data)  # type: ignore[call-overload]
        super().extend(chunk)
        self.sink.write(chunk)
        return self

    def extend(self, data: object) -> None:
        chunk = bytes(data)  # type: ignore[call-overload]
        super().extend(chunk)
        self.sink.write(chunk)

    def append(self, item: SupportsIndex) -> None:
        super().append(item)
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


def open_for_write(fs: FileTree, real: str, append: bool, proto: Node) -> None:
    """Create or truncate `real` as `>`/`>>` do; `proto` gives a new file's owner, mode, time."""
    node = fs.get(real)
    if node is None:
        fs.put(real, proto)
    elif node.type == "dir":
        raise FsError("EISDIR", real)
    elif not append:
        fs.put(real, replace(node, content=Data(b""), mtime=proto.mtime))
