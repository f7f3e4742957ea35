"""Turning `USER` and `--chown` values into numeric ids, by the image's own /etc/passwd and
/etc/group, with the errors Docker gives when a name is unknown."""

from __future__ import annotations

from tutor.engine.errors import EngineError
from tutor.engine.fs import FileTree

_DIGITS = frozenset("0123456789")


def _passwd_row(tree: FileTree, name: str) -> tuple[int, int] | None:
    for row in _rows(tree, "/etc/passwd"):
        if len(row) >= 4 and (row[0] == name or (name.isdigit() and row[2] == name)):
            try:
                return int(row[2]), int(row[3])
            except ValueError:
                return None
    return None


def _group_id(tree: FileTree, name: str) -> int | None:
    for row in _rows(tree, "/etc/group"):
        if len(row) >= 3 and (row[0] == name or (name.isdigit() and row[2] == name)):
            return int(row[2]) if row[2].isdigit() else None
    return int(name) if name.isdigit() else None


def _rows(tree: FileTree, path: str) -> list[list[str]]:
    node = tree.get(path)
    if node is None or node.content is None:
        return []
    text = node.content.read().decode(errors="replace")
    return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]


def exec_user(tree: FileTree, user: str) -> tuple[int, int]:
    """The uid/gid a RUN step (or container) runs as for `USER user[:group]` (runc's rules:
    a name must exist in /etc/passwd; a number need not, and then its group is 0)."""
    if not user:
        return 0, 0
    name, _, group = user.partition(":")
    row = _passwd_row(tree, name)
    if row is None:
        if not (name and set(name) <= _DIGITS):
            raise EngineError(f"unable to find user {name}: no matching entries in passwd file")
        uid, gid = int(name), 0
    else:
        uid, gid = row
    if group:
        found = _group_id(tree, group)
        if found is None:
            raise EngineError(
                f"unable to find group {group}: no matching entries in group file"
            )
        gid = found
    return uid, gid


def chown_ids(tree: FileTree, spec: str) -> tuple[int, int]:
    """`COPY --chown=user[:group]`: a user alone means the same number for the group."""
    name, _, group = spec.partition(":")
    if set(name) <= _DIGITS and name:
        uid = int(name)
    else:
        row = _passwd_row(tree, name)
        if row is None:
            raise EngineError(
                "unable to convert uid/gid chown string to host mapping: "
                f"can't find uid for user {name}: no such user: {name}"
            )
        uid = row[0]
    if not group:
        return uid, uid
    gid = _group_id(tree, group)
    if gid is None:
        raise EngineError(
            "unable to convert uid/gid chown string to host mapping: "
            f"can't find gid for group {group}: no such group: {group}"
        )
    return uid, gid
