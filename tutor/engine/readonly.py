"""Read-only file systems as a process sees them: `docker run --read-only` and `:ro` mounts.

The kernel refuses every change on a read-only mount with EROFS, whoever asks and whatever the
permission bits say, so the refusal sits in the tree every program writes through rather than in
each program.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tutor.engine.fs import FileTree, FsError, Node, normalize


@dataclass
class ReadOnlyMounts(FileTree):
    """A view sharing another tree's nodes, refusing changes where the file system is read-only.

    Sharing (not copying) the nodes lets the container store take the run's results back from the
    tree it mounted, exactly as without this view."""

    root_writable: bool = True
    mounts: tuple[tuple[str, bool], ...] = ()
    """(mount target, writable), deepest first so that the innermost mount decides."""

    @classmethod
    def over(
        cls, tree: FileTree, *, read_only_root: bool, mounts: Iterable[tuple[str, bool]]
    ) -> ReadOnlyMounts:
        ordered = sorted(((normalize(t), w) for t, w in mounts), key=lambda m: -len(m[0]))
        return cls(tree.nodes, tree.children, not read_only_root, tuple(ordered))

    def writable(self, path: str) -> bool:
        for target, writable in self.mounts:
            if under(path, target):
                return writable
        return self.root_writable

    def put(self, path: str, node: Node) -> None:
        if not self.writable(path):
            raise FsError("EROFS", path)
        super().put(path, node)

    def remove(self, path: str) -> None:
        if not self.writable(path):
            raise FsError("EROFS", path)
        super().remove(path)


def under(path: str, target: str) -> bool:
    """Whether real path `path` is `target` or inside it."""
    return path == target or path.startswith(target.rstrip("/") + "/")


def writable(fs: FileTree, path: str) -> bool:
    """Whether the file system holding real path `path` accepts changes."""
    return not isinstance(fs, ReadOnlyMounts) or fs.writable(path)
