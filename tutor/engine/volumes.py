"""Named and anonymous volumes: directories that live outside every container's writable layer.

A volume's files are kept as entries relative to its root (`volumes/<name>.json` under the state
directory, content encoded as layers are), so they survive `docker rm` and can be mounted into
several containers. A new, empty named volume mounted over an image directory is first filled
with that directory's content, as Docker does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.engine.clock import rfc3339
from tutor.engine.errors import EngineError
from tutor.engine.fs import FileTree, Node, directory
from tutor.engine.statefile import atomic_write, set_aside
from tutor.engine.store import Store

VOLUME_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
ROOT = "/var/lib/docker/volumes"


NAME_MAX = 255
"""The longest file name Linux allows: the local driver makes a directory named after the volume."""
_NAME_IN_FILE = NAME_MAX - len(".json") - 20
"""Longer names are stored under a digest, leaving room for `atomic_write`'s temporary name."""


class NoSuchVolume(EngineError):
    def __init__(self, name: str) -> None:
        super().__init__(f"get {name}: no such volume")


class VolumeInUse(EngineError):
    def __init__(self, name: str, users: list[str]) -> None:
        super().__init__(f"remove {name}: volume is in use - [{', '.join(users)}]")


@dataclass(frozen=True, slots=True)
class Volume:
    name: str
    created: float
    anonymous: bool
    entries: tuple[tuple[str, Node], ...]
    """Paths relative to the volume's root ("" is the root itself), parents first."""

    @property
    def size(self) -> int:
        return sum(node.size for _, node in self.entries)

    @property
    def mountpoint(self) -> str:
        return f"{ROOT}/{self.name}/_data"

    def inspect(self) -> dict[str, Any]:
        labels: dict[str, str] | None = {"com.docker.volume.anonymous": ""} \
            if self.anonymous else None
        return {
            "CreatedAt": rfc3339(float(int(self.created))),
            "Driver": "local",
            "Labels": labels,
            "Mountpoint": self.mountpoint,
            "Name": self.name,
            "Options": None,
            "Scope": "local",
        }


class VolumeStore:
    """The state directory's volumes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.folder = store.root / "volumes"

    def _path(self, name: str) -> Path:
        # A name may be as long as a file name may be; with `.json` it would not fit, so the
        # longest are stored under a digest (`~` can never start a volume name).
        if len(name.encode()) > _NAME_IN_FILE:
            return self.folder / f"~{hashlib.sha256(name.encode()).hexdigest()}.json"
        return self.folder / f"{name}.json"

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        names = []
        for path in self.folder.glob("*.json"):
            if not path.stem.startswith("~"):
                names.append(path.stem)
                continue
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                names.append(str(json.loads(path.read_bytes())["name"]))
        return sorted(names)

    def find(self, name: str) -> Volume | None:
        path = self._path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(raw)
            entries = [self.store._decode(item) for item in doc["entries"]]  # noqa: SLF001
            return Volume(doc["name"], float(doc["created"]), bool(doc["anonymous"]),
                          tuple(entries))
        except (ValueError, KeyError, TypeError, IndexError):
            # Never silently start afresh over a learner's data: keep the file and say so
            kept = set_aside(path)
            raise EngineError(
                f"volume {name} was damaged in this sandbox; its file was set aside as "
                f"{kept.name} (run the command again to start with an empty volume)"
            ) from None

    def get(self, name: str) -> Volume:
        volume = self.find(name)
        if volume is None:
            raise NoSuchVolume(name)
        return volume

    def all(self) -> list[Volume]:
        return [v for v in (self.find(n) for n in self.names()) if v is not None]

    def create(self, name: str, now: float, *, anonymous: bool = False) -> Volume:
        """The volume `name`, created empty unless it exists (`docker volume create` is
        idempotent)."""
        existing = self.find(name)
        if existing is not None:
            return existing
        if not VOLUME_NAME.fullmatch(name):
            raise EngineError(
                f'create {name}: "{name}" includes invalid characters for a local volume name, '
                "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                "directory, use absolute path"
            )
        if len(name.encode()) > NAME_MAX:
            root = f"{ROOT}/{name}"
            raise EngineError(f"create {name}: error while creating volume root path "
                              f"'{root}/_data': mkdir {root}: file name too long")
        volume = Volume(name, now, anonymous, (("", directory()),))
        self.save(volume)
        return volume

    def new_anonymous(self, seed: str, now: float) -> Volume:
        name = hashlib.sha256(f"volume-{seed}".encode()).hexdigest()
        return self.create(name, now, anonymous=True)

    def save(self, volume: Volume) -> None:
        doc = {
            "name": volume.name, "created": volume.created, "anonymous": volume.anonymous,
            "entries": [self.store._encode(p, n) for p, n in volume.entries],  # noqa: SLF001
        }
        atomic_write(self._path(volume.name), json.dumps(doc, separators=(",", ":")).encode())

    def remove(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    # -- mounting -------------------------------------------------------------------------

    def mount(self, volume: Volume, tree: FileTree, target: str) -> Volume:
        """Show `volume` at `target` in `tree`; an empty volume is first seeded from what the
        image has there. Returns the volume as seeded."""
        if len(volume.entries) == 1 and target in tree and tree.nodes[target].is_dir:
            volume = Volume(volume.name, volume.created, volume.anonymous,
                            tuple(extract(tree, target)))
            self.save(volume)
        graft(tree, target, volume.entries)
        return volume

    def unmount(self, volume: Volume, tree: FileTree, target: str) -> Volume:
        """Take what the container left under `target` back into the volume."""
        updated = Volume(volume.name, volume.created, volume.anonymous,
                         tuple(extract(tree, target)))
        if updated.entries != volume.entries:
            self.save(updated)
        return updated


def extract(tree: FileTree, top: str) -> list[tuple[str, Node]]:
    """The subtree at `top` as (relative path, node) pairs, parents first."""
    if top not in tree:
        return [("", directory())]
    return [(p[len(top):].lstrip("/"), tree.nodes[p]) for p in tree.walk(top)]


def graft(tree: FileTree, target: str, entries: tuple[tuple[str, Node], ...]
          | list[tuple[str, Node]]) -> None:
    """Replace whatever is at `target` by `entries` (a mount hides what lies below it)."""
    if target in tree and target != "/":
        tree.remove(target)
    tree.makedirs(target.rsplit("/", 1)[0] or "/")
    for rel, node in entries:
        path = f"{target}/{rel}" if rel else target
        tree.put(path, node)
