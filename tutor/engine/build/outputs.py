"""`docker build -o type=local|tar`: the result's files handed to the client instead of an image
(BuildKit's local and tar exporters: the final stage's whole file system, no image metadata)."""

from __future__ import annotations

import os
from pathlib import Path

from tutor.engine.errors import EngineError
from tutor.engine.fs import FileTree
from tutor.engine.layers import layer


def files_size(tree: FileTree) -> int:
    return tree.total_size()


def to_directory(tree: FileTree, dest: Path) -> None:
    """Write the tree under `dest` (created), with modes and symlinks as they are."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for path in tree.walk("/"):
            if path == "/":
                continue
            node = tree.nodes[path]
            host = dest / path.lstrip("/")
            if host.is_symlink() or (host.exists() and not host.is_dir()):
                host.unlink()
            if node.type == "dir":
                host.mkdir(exist_ok=True)
                host.chmod(node.mode & 0o7777 | 0o700)
            elif node.type == "symlink":
                os.symlink(node.target, host)
            elif node.type == "file":
                host.write_bytes(node.content.read() if node.content is not None else b"")
                host.chmod(node.mode & 0o777)
    except OSError as exc:
        raise EngineError(f"failed to export to {dest}: {exc.strerror}") from None


def to_tar(tree: FileTree) -> bytes:
    """The tree as one tar stream (what `-o type=tar` sends)."""
    return b"".join(layer(tree).chunks())
