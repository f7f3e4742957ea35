"""Bind mounts: a host directory (the learner's project) shown inside a container.

The host side is the real file system of the tutorial's sandbox; files are read into the
container's tree when it runs and what the container wrote there is written back, as a bind mount
would show it on both sides at once.

A bind mount shows the host's entries as the kernel does, without following them: a symlink is a
symlink inside the container (resolved in the container's root, never on the host), and only
regular files are read. FIFOs, sockets and devices are never opened — reading a FIFO would wait
for a writer forever, `/dev/zero` never ends — and show as empty entries with their permissions.
Writing back never leaves the bind source: nothing is written through a host symlink.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
from pathlib import Path

from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, FileTree, FsError, Node, directory, symlink

MAX_FILES = 2000
"""A bind mount of a huge host directory is cut short rather than read whole."""
MAX_BYTES = 64 << 20
"""…and so is one whose files hold more than this (`-v /:/host`)."""


def container_target(tree: FileTree, target: str) -> str:
    """Where a mount at `target` lands in the container: its parent directories resolved
    through the container's own symlinks (`/var/run` → `/run` on alpine), as the daemon
    resolves mount destinations inside the root file system."""
    parent, name = posixpath.split(posixpath.normpath("/" + target.lstrip("/")))
    try:
        real_parent = tree.resolve(parent or "/", missing_ok=True)
    except FsError:
        return posixpath.normpath("/" + target.lstrip("/"))
    return posixpath.join(real_parent, name) if name else real_parent


def _entry(path: Path, info: os.stat_result) -> Node:
    mode = stat.S_IMODE(info.st_mode)
    mtime = int(info.st_mtime)
    if stat.S_ISLNK(info.st_mode):
        try:
            return symlink(os.readlink(path), mtime=mtime)
        except OSError:
            return symlink("", mtime=mtime)
    if stat.S_ISDIR(info.st_mode):
        return directory(mode)
    if stat.S_ISREG(info.st_mode):
        return Node("file", mode, content=Data(_read_regular(path)), mtime=mtime)
    # FIFO, socket, device: never opened (see the module's docstring)
    return Node("file", mode, content=Data(b""), mtime=mtime)


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes; opened without blocking and checked again once open, so a file
    swapped for a FIFO in between is not waited on. Unreadable: shown, but empty."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return b""
            return handle.read()
        except OSError:
            return b""


def read_host_tree(source: str, tree: FileTree, target: str) -> None:
    """Replace `target` in `tree` by the host path `source` (created as a directory if
    missing, as `-v /abs/path:/dst` does)."""
    root = Path(source)
    target = container_target(tree, target)
    if target in tree and target != "/":
        tree.remove(target)
    tree.makedirs(target.rsplit("/", 1)[0] or "/")
    try:
        info = root.stat()  # the source itself is followed, as mount(2) follows it
    except FileNotFoundError:
        try:
            root.mkdir(parents=True, exist_ok=True)
            info = root.stat()
        except OSError as exc:
            raise EngineError(f"error while creating mount source path '{source}': mkdir "
                              f"{source}: {(exc.strerror or 'error').lower()}") from None
    except OSError as exc:
        raise EngineError(f"invalid mount config for type \"bind\": stat {source}: "
                          f"{(exc.strerror or 'error').lower()}") from None
    if not stat.S_ISDIR(info.st_mode):
        tree.put(target, _entry(root, info))
        return
    tree.put(target, directory(stat.S_IMODE(info.st_mode)))
    count = total = 0
    device = info.st_dev
    for folder, dirs, files in os.walk(root, onerror=lambda _: None):
        # other file systems mounted below the source (`-v /:/host` meets /proc, /sys, /dev)
        # show as empty directories: their files are the kernel's, endless or unreadable
        names = sorted(dirs + files)
        dirs[:] = sorted(d for d in dirs if _same_device(Path(folder) / d, device))
        rel = Path(folder).relative_to(root).as_posix()
        base = target if rel == "." else f"{target}/{rel}"
        for name in names:
            host = Path(folder) / name
            try:
                info = host.lstat()
            except OSError:
                continue
            count += 1
            total += info.st_size if stat.S_ISREG(info.st_mode) else 0
            if count > MAX_FILES or total > MAX_BYTES:
                return
            tree.put(f"{base}/{name}", _entry(host, info))


def _same_device(path: Path, device: int) -> bool:
    try:
        return path.lstat().st_dev == device
    except OSError:
        return False


def _inside(root: Path, host: Path) -> bool:
    """Whether every directory from `root` down to `host`'s parent is a real directory (no
    symlink), so writing `host` stays inside `root`."""
    current = root
    for part in host.relative_to(root).parts[:-1]:
        current = current / part
        try:
            if not stat.S_ISDIR(current.lstat().st_mode):
                return False
        except FileNotFoundError:
            return True  # made below, as a real directory
        except OSError:
            return False
    return True


def write_host_tree(tree: FileTree, target: str, source: str) -> None:
    """Write files the container created or changed under `target` back to `source`."""
    root = Path(source)
    target = container_target(tree, target)
    if target not in tree:
        return
    with contextlib.suppress(OSError):
        if not stat.S_ISDIR(root.stat().st_mode):
            _write_file(tree.nodes[target], root, follow_root=True)
            return
    for path in tree.walk(target):
        node = tree.nodes[path]
        rel = path[len(target):].lstrip("/")
        if not rel:
            continue
        host = root / rel
        if not _inside(root, host):
            continue
        with contextlib.suppress(OSError):
            _write_entry(node, host)


def _write_entry(node: Node, host: Path) -> None:
    try:
        info: os.stat_result | None = host.lstat()
    except FileNotFoundError:
        info = None
    if node.type == "dir":
        if info is None:
            host.mkdir(parents=True, exist_ok=True)
        return
    if node.type == "symlink":
        if info is not None and stat.S_ISLNK(info.st_mode) and os.readlink(host) == node.target:
            return
        if info is not None and not stat.S_ISDIR(info.st_mode):
            host.unlink()
        if info is None or not stat.S_ISDIR(info.st_mode):
            host.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(node.target, host)
        return
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISLNK(info.st_mode):
            host.unlink()  # the container replaced the link by a file: never write through it
        else:
            return  # a directory or special file on the host: left alone
    _write_file(node, host, follow_root=False)


def _write_file(node: Node, host: Path, *, follow_root: bool) -> None:
    """Write a regular file's content if it changed. `follow_root` is for a bind mount of a
    single file, whose source path was already resolved when the container was created."""
    if node.type != "file" or node.content is None:
        return
    data = node.content.read()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK
    if not follow_root:
        flags |= os.O_NOFOLLOW
    with contextlib.suppress(OSError):
        info = os.stat(host) if follow_root else os.lstat(host)
        if not stat.S_ISREG(info.st_mode):
            return  # a FIFO or device bind-mounted as a file: never written to
        if host.read_bytes() == data:
            return
    host.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(host, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
