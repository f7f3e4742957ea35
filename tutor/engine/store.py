"""The engine's state directory: images, tags, layers, file content and the build cache.

The one place where the engine's state touches the disk. Layers are kept as *recipes* — the
entries a layer tar holds, each file's content either stored once by its sha256 or described as
`Synthetic` — from which the real tar stream (and so its digest) is produced on demand. A pulled
1 GB base image therefore costs kilobytes on disk, while its digests are those of real tars.

Layout under the state directory:

    engine.json            clock, counters and the host's own seed
    repositories.json      tag → image ID
    images/<hex>.json      one image: its config bytes and metadata
    layers/<hex>.json      one layer's changes (its recipe) and gzip blob digest, by diffID
    layers/gzip/<hex>      the diffID of the layer whose gzip blob has that digest
    content/<hex>          file content, by sha256
    cache/build.json       build cache: cache key → result
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.engine.clock import SimulatedClock
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, Node, Synthetic
from tutor.engine.layers import Change, Changes, Layer, compressed
from tutor.engine.statefile import atomic_write, read_json, set_aside, write_json


def new_host() -> str:
    """A new sandbox's host identity (random: no two sandboxes make the same container IDs)."""
    return secrets.token_hex(16)


def _engine_meta_ok(meta: dict[str, Any]) -> bool:
    clock = meta.get("clock", 0.0)
    counters = meta.get("counters", {})
    return (isinstance(clock, (int, float)) and not isinstance(clock, bool)
            and isinstance(meta.get("host", ""), str)
            and isinstance(counters, dict)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in counters.values()))


def _tags_ok(tags: dict[str, Any]) -> bool:
    return all(isinstance(v, str) for v in tags.values())

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
        meta = self._checked("engine.json", _engine_meta_ok)
        self.clock = SimulatedClock(float(meta.get("clock", SimulatedClock().current)))
        self.counters: dict[str, int] = dict(meta.get("counters", {}))
        self.host: str = meta.get("host") or new_host()
        """Drawn once per sandbox, as every Docker host is its own: what the IDs it makes up
        (containers) start from, so they differ between sandboxes and stay put within one."""
        self.tags: dict[str, str] = self._checked("repositories.json", _tags_ok)
        self._layers: dict[str, Layer] = {}
        self._images: dict[str, ImageRecord] = {}

    def _checked(self, name: str, valid: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """A JSON object state file, or {} once one of the wrong shape is set aside: valid
        JSON that is not what the engine wrote must not break every later command."""
        path = self.root / name
        value: dict[str, Any] = read_json(path, {}, self.problems)
        if value and not valid(value):
            kept = set_aside(path)
            self.problems.append(f"{name} was not in the expected form and has been set aside "
                                 f"as {kept.name}")
            return {}
        return value

    # -- engine metadata --------------------------------------------------------------------

    def save_meta(self) -> None:
        write_json(self.root / "engine.json", {"clock": self.clock.current,
                                                "counters": self.counters, "host": self.host})

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
        path = self._layer_path(layer.diff_id)
        # an existing record is kept unless content it names went missing: then writing it
        # again stores that content again (a pull or build repairs the sandbox)
        intact = path.exists() and self.layer_size(layer.diff_id, note=False) is not None
        if intact:
            if layer.gzip_digest:
                self._layers[layer.diff_id] = layer
            return
        self._write_layer(compressed(layer))

    def _write_layer(self, layer: Layer) -> None:
        self._layers[layer.diff_id] = layer
        doc = {
            "diff_id": layer.diff_id,
            "size": layer.size,
            "tar_size": layer.tar_size,
            "gzip": [layer.gzip_digest, layer.gzip_size],
            "changes": [
                [c.kind, c.opaque, *self._encode(c.path, c.node)] for c in layer.changes.items
            ],
            "blob": self.put_content(layer.blob.data) if layer.blob is not None else None,
        }
        atomic_write(self._layer_path(layer.diff_id),
                     json.dumps(doc, separators=(",", ":")).encode())
        # the blob digest leads back to the layer (a registry serving `GET /v2/…/blobs/<digest>`)
        atomic_write(self._blob_path(layer.gzip_digest), layer.diff_id.encode())

    def _blob_path(self, blob_digest: str) -> Path:
        return self.root / "layers" / "gzip" / blob_digest.removeprefix("sha256:")

    def layer_for_blob(self, blob_digest: str) -> str | None:
        """The diffID of the layer whose gzip blob has this digest, if the store has it."""
        try:
            diff_id = self._blob_path(blob_digest).read_text().strip()
        except (OSError, ValueError):
            return None
        return diff_id if self.has_layer(diff_id) else None

    def get_layer(self, diff_id: str) -> Layer:
        cached = self._layers.get(diff_id)
        if cached is not None:
            return cached
        path = self._layer_path(diff_id)
        doc = self._layer_doc(diff_id)
        try:
            items = []
            for kind, opaque, *encoded in doc["changes"]:
                name, node = self._decode(encoded)
                items.append(Change(kind, name, node, opaque))
            blob = Data(self.get_content(doc["blob"])) if doc["blob"] else None
            gzip_digest, gzip_size = doc.get("gzip") or ("", 0)
            layer = Layer(doc["diff_id"], doc["size"], doc["tar_size"], Changes(tuple(items)),
                          blob, str(gzip_digest), int(gzip_size))
        except OSError:
            # the record is intact, only file content it names is gone: keep the record
            raise EngineError(
                f"layer {diff_id[:19]} is damaged in this sandbox (file content it holds is "
                "missing): remove the images that use it (docker rmi) and pull or build them "
                "again"
            ) from None
        except (ValueError, KeyError, TypeError, IndexError):
            raise self._damaged_layer(diff_id, path) from None
        if not layer.gzip_digest:
            # a record from before layers had blob digests: measured once, then kept
            self._write_layer(compressed(layer))
            return self._layers[diff_id]
        self._layers[diff_id] = layer
        return layer

    def _layer_doc(self, diff_id: str) -> dict[str, Any]:
        """A layer's record as stored; a missing or unreadable one is EngineError (an
        unreadable one set aside)."""
        path = self._layer_path(diff_id)
        try:
            doc = json.loads(path.read_bytes())
            if not isinstance(doc, dict) or not isinstance(doc.get("size"), int):
                raise ValueError("not a layer record")
        except (OSError, ValueError):
            raise self._damaged_layer(diff_id, path) from None
        return doc

    def _damaged_layer(self, diff_id: str, path: Path) -> EngineError:
        kept = set_aside(path) if path.exists() else None
        where = f" (set aside as {kept.name})" if kept else ""
        return EngineError(
            f"layer {diff_id[:19]} is missing or damaged in this sandbox{where}: remove "
            "the images that use it (docker rmi) and pull or build them again"
        )

    def layer_size(self, diff_id: str, *, note: bool = True) -> int | None:
        """A layer's size from its record alone (its content is not loaded); None, with the
        problem noted in `problems`, when the record or content it names is missing."""
        if diff_id in self._layers:
            return self._layers[diff_id].size
        try:
            doc = self._layer_doc(diff_id)
        except EngineError as exc:
            if note:
                self._note(exc.message)
            return None
        for digest in self._content_refs(doc):
            if not self._content_path(digest).exists():
                if note:
                    self._note(f"layer {diff_id[:19]} is damaged in this sandbox (file "
                               "content it holds is missing): remove the images that use it "
                               "(docker rmi) and pull or build them again")
                return None
        size: int = doc["size"]
        return size

    @staticmethod
    def _content_refs(doc: dict[str, Any]) -> list[str]:
        refs = [doc["blob"]] if isinstance(doc.get("blob"), str) else []
        for item in doc.get("changes", ()):
            content = item[-1] if isinstance(item, list) and item else None
            if isinstance(content, list) and len(content) == 2 and content[0] == "c":
                refs.append(str(content[1]))
        return refs

    def _note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

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
            # "s" is content made before synthetic bytes followed deflate's plan
            kind = "s" if node.content.legacy else "z"
            content = [kind, node.content.size, node.content.seed]
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
                body = Synthetic(content[1], content[2], legacy=tag == "s")
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
            record = ImageRecord(str(doc["id"]), doc["config"].encode(),
                                 [str(d) for d in doc["repo_digests"]],
                                 float(doc["last_tag_time"]), str(doc.get("parent", "")),
                                 {str(k): str(v) for k, v in doc.get("blobs", {}).items()})
            if not isinstance(record.config_json, dict):
                raise TypeError("config is not an object")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, AssertionError):
            kept = set_aside(path) if path.exists() else None
            where = f" and has been set aside as {kept.name}" if kept else ""
            self.problems.append(f"image {image_id[7:19]} was unreadable{where}")
            return None
        self._images[image_id] = record
        return record

    def set_aside_image(self, image_id: str) -> None:
        """Move a record found damaged after reading (its config is no image config) aside."""
        self._images.pop(image_id, None)
        path = self._image_path(image_id)
        if path.exists():
            kept = set_aside(path)
            self._note(f"image {image_id[7:19]} was unreadable and has been set aside as "
                       f"{kept.name}")

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
