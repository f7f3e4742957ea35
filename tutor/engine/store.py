"""The engine's state directory: images, tags, layers, file content and the build cache.

The one place where the engine's state touches the disk. Layers are kept as *recipes* — the
entries a layer tar holds, each file's content either stored once by its sha256 or described as
`Synthetic` — from which the real tar stream (and so its digest) is produced on demand. A pulled
1 GB base image therefore costs kilobytes on disk, while its digests are those of real tars.

Layout under the state directory:

    engine.json            clock and counters
    repositories.json      tag → image ID
    images/<hex>.json      one image: its config bytes and metadata
    layers/<hex>.json      one layer's changes (its recipe), by diffID
    content/<hex>          file content, by sha256
    cache/build.json       build cache: cache key → result
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.engine.clock import SimulatedClock
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, Node, Synthetic
from tutor.engine.layers import Change, Changes, Layer
from tutor.engine.statefile import atomic_write, read_json, set_aside, write_json

INLINE_LIMIT = 512
"""File content up to this size is kept inside the layer recipe; larger content is shared."""


@dataclass
class ImageRecord:
    """An image in the local store: its config (exact bytes, so the ID stays its digest)."""

    id: str
    config: bytes
    repo_digests: list[str] = field(default_factory=list)
    last_tag_time: float = 0.0
    parent: str = ""
    """The image a commit started from: store metadata (moby's `SetParent`), not config."""
    blobs: dict[str, str] = field(default_factory=dict)
    """containerd store: the documents the image's ID names beyond its config (manifest,
    attestation, index), by digest. The classic store's ID is the config digest."""

    @property
    def config_json(self) -> dict[str, Any]:
        value = json.loads(self.config)
        assert isinstance(value, dict)
        return value

    @property
    def diff_ids(self) -> list[str]:
        return list(self.config_json.get("rootfs", {}).get("diff_ids", []))


class Store:
    """The state directory of one sandbox."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[str] = []
        """State files found unreadable (and set aside) while opening, for the CLI to report."""
        meta = read_json(root / "engine.json", {}, self.problems)
        self.clock = SimulatedClock(float(meta.get("clock", SimulatedClock().current)))
        self.counters: dict[str, int] = dict(meta.get("counters", {}))
        self.tags: dict[str, str] = read_json(root / "repositories.json", {}, self.problems)
        self._layers: dict[str, Layer] = {}
        self._images: dict[str, ImageRecord] = {}

    # -- engine metadata --------------------------------------------------------------------

    def save_meta(self) -> None:
        write_json(self.root / "engine.json", {"clock": self.clock.current,
                                                "counters": self.counters})

    def save_tags(self) -> None:
        write_json(self.root / "repositories.json", self.tags)

    def next_counter(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    # -- content ----------------------------------------------------------------------------

    def _content_path(self, hex_digest: str) -> Path:
        return self.root / "content" / hex_digest

    def put_content(self, data: bytes) -> str:
        hex_digest = hashlib.sha256(data).hexdigest()
        path = self._content_path(hex_digest)
        if not path.exists():
            atomic_write(path, data)
        return hex_digest

    def get_content(self, hex_digest: str) -> bytes:
        return self._content_path(hex_digest).read_bytes()

    # -- layers -----------------------------------------------------------------------------

    def has_layer(self, diff_id: str) -> bool:
        """Whether the layer is here and readable; a damaged one is set aside (and so made
        again by the next pull or build that needs it)."""
        if diff_id in self._layers:
            return True
        if not self._layer_path(diff_id).exists():
            return False
        try:
            self.get_layer(diff_id)
        except EngineError:
            return False
        return True

    def _layer_path(self, diff_id: str) -> Path:
        return self.root / "layers" / (diff_id.removeprefix("sha256:") + ".json")

    def put_layer(self, layer: Layer) -> None:
        self._layers[layer.diff_id] = layer
        path = self._layer_path(layer.diff_id)
        if path.exists():
            return
        doc = {
            "diff_id": layer.diff_id,
            "size": layer.size,
            "tar_size": layer.tar_size,
            "changes": [
                [c.kind, c.opaque, *self._encode(c.path, c.node)] for c in layer.changes.items
            ],
            "blob": self.put_content(layer.blob.data) if layer.blob is not None else None,
        }
        atomic_write(path, json.dumps(doc, separators=(",", ":")).encode())

    def get_layer(self, diff_id: str) -> Layer:
        cached = self._layers.get(diff_id)
        if cached is not None:
            return cached
        path = self._layer_path(diff_id)
        try:
            doc = json.loads(path.read_bytes())
            items = []
            for kind, opaque, *encoded in doc["changes"]:
                name, node = self._decode(encoded)
                items.append(Change(kind, name, node, opaque))
            blob = Data(self.get_content(doc["blob"])) if doc["blob"] else None
            layer = Layer(doc["diff_id"], doc["size"], doc["tar_size"], Changes(tuple(items)),
                          blob)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            kept = set_aside(path) if path.exists() else None
            where = f" (set aside as {kept.name})" if kept else ""
            raise EngineError(
                f"layer {diff_id[:19]} is missing or damaged in this sandbox{where}: remove "
                "the images that use it (docker rmi) and pull or build them again"
            ) from None
        self._layers[diff_id] = layer
        return layer

    def layer_ids(self) -> Iterator[str]:
        folder = self.root / "layers"
        if folder.is_dir():
            for path in folder.glob("*.json"):
                yield "sha256:" + path.stem

    def _encode(self, path: str, node: Node) -> list[Any]:
        content: list[Any] | None = None
        if isinstance(node.content, Data):
            if node.content.size <= INLINE_LIMIT:
                content = ["b", base64.b64encode(node.content.data).decode()]
            else:
                content = ["c", self.put_content(node.content.data)]
        elif isinstance(node.content, Synthetic):
            content = ["s", node.content.size, node.content.seed]
        return [path, node.type, node.mode, node.uid, node.gid, node.mtime, node.target, content]

    def _decode(self, item: list[Any]) -> tuple[str, Node]:
        path, kind, mode, uid, gid, mtime, target, content = item
        body: Data | Synthetic | None = None
        if content is not None:
            tag = content[0]
            if tag == "b":
                body = Data(base64.b64decode(content[1]))
            elif tag == "c":
                body = Data(self.get_content(content[1]))
            else:
                body = Synthetic(content[1], content[2])
        return path, Node(kind, mode, uid, gid, mtime, body, target)

    # -- images -----------------------------------------------------------------------------

    def _image_path(self, image_id: str) -> Path:
        return self.root / "images" / (image_id.removeprefix("sha256:") + ".json")

    def put_image(self, record: ImageRecord) -> None:
        self._images[record.id] = record
        doc = {
            "id": record.id,
            "config": record.config.decode(),
            "repo_digests": record.repo_digests,
            "last_tag_time": record.last_tag_time,
            "parent": record.parent,
        }
        if record.blobs:
            doc["blobs"] = record.blobs
        atomic_write(self._image_path(record.id), json.dumps(doc).encode())

    def get_image(self, image_id: str) -> ImageRecord | None:
        if image_id in self._images:
            return self._images[image_id]
        path = self._image_path(image_id)
        try:
            doc = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except ValueError:
            self.problems.append(f"image {image_id[7:19]} was unreadable and is ignored")
            return None
        record = ImageRecord(doc["id"], doc["config"].encode(), list(doc["repo_digests"]),
                             float(doc["last_tag_time"]), str(doc.get("parent", "")),
                             dict(doc.get("blobs", {})))
        self._images[image_id] = record
        return record

    def delete_image(self, image_id: str) -> None:
        self._images.pop(image_id, None)
        self._image_path(image_id).unlink(missing_ok=True)

    def image_ids(self) -> list[str]:
        folder = self.root / "images"
        if not folder.is_dir():
            return []
        return ["sha256:" + p.stem for p in folder.glob("*.json")]

    # -- build cache ------------------------------------------------------------------------

    def load_json(self, name: str, default: Any) -> Any:
        return read_json(self.root / name, default, self.problems)

    def save_json(self, name: str, value: Any) -> None:
        write_json(self.root / name, value)
