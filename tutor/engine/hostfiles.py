"""Bind mounts: a host directory (the learner's project) shown inside a container.

The host side is the real file system of the tutorial's sandbox; files are read into the
container's tree when it runs and what the container wrote there is written back, as a bind mount
would show it on both sides at once.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tutor.engine.fs import Data, FileTree, Node, directory

MAX_FILES = 2000
"""A bind mount of a huge host directory is cut short rather than read whole."""


def read_host_tree(source: str, tree: FileTree, target: str) -> None:
    """Replace `target` in `tree` by the host path `source` (created as a directory if
    missing, as `-v /abs/path:/dst` does)."""
    root = Path(source)
    if target in tree and target != "/":
        tree.remove(target)
    tree.makedirs(target.rsplit("/", 1)[0] or "/")
    if root.is_file():
        tree.put(target, _node(root))
        return
    root.mkdir(parents=True, exist_ok=True)
    tree.put(target, directory(stat.S_IMODE(root.stat().st_mode)))
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        rel = Path(folder).relative_to(root).as_posix()
        base = target if rel == "." else f"{target}/{rel}"
        for name in sorted(dirs):
            mode = stat.S_IMODE((Path(folder) / name).stat().st_mode)
            tree.put(f"{base}/{name}", directory(mode))
        for name in sorted(files):
            count += 1
            if count > MAX_FILES:
                return
            tree.put(f"{base}/{name}", _node(Path(folder) / name))


def _node(path: Path) -> Node:
    info = path.stat()
    return Node("file", stat.S_IMODE(info.st_mode), content=Data(path.read_bytes()),
                mtime=int(info.st_mtime))


def write_host_tree(tree: FileTree, target: str, source: str) -> None:
    """Write files the container created or changed under `target` back to `source`."""
    root = Path(source)
    if target not in tree:
        return
    for path in tree.walk(target):
        node = tree.nodes[path]
        rel = path[len(target):].lstrip("/")
        host = root / rel if rel else root
        if node.type == "dir":
            host.mkdir(parents=True, exist_ok=True)
        elif node.type == "file" and node.content is not None:
            data = node.content.read()
            if not host.is_file() or host.read_bytes() != data:
                host.parent.mkdir(parents=True, exist_ok=True)
                host.write_bytes(data)
