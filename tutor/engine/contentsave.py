"""`docker save` on the containerd image store: the content store's own blobs, as they are.

moby's `ImageService.ExportImage` (daemon/containerd/image_exporter.go @ docker-v29.7.2) hands
each image's target (its index or manifest) to containerd's archive exporter
(core/images/archive/exporter.go) with the host platform and `WithSkipMissing`:

- `index.json` lists the targets, one descriptor per name, annotated with the full name
  (`io.containerd.image.name`) and the tag (`org.opencontainers.image.ref.name`), plus the
  `containerd.io/distribution.source.<registry>` labels of content that came from, or went to, a
  registry; an image saved by ID carries no name annotations.
- `blobs/sha256/` holds the index, the platform manifest the host can run, its config and its
  layers exactly as pulled or built: gzip blobs, so their digests are the registry's. Platforms the
  store does not have are left out (their manifests are missing, `WithSkipMissing`). Attestation
  manifests of the kept platform are kept too (Docker 29.1 saves attestations).
- `manifest.json` names, for each image, that manifest's config and layer blobs and the tags
  (the Docker-compatible file containerd writes with `json.Marshal`: no `LayerSources`).
- Entries are sorted by name, blobs mode 0444, directories 0755, `oci-layout` 0444, the rest
  0644, all with a zero modification time; there is no `repositories` file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from tutor.engine import layers as lay
from tutor.engine.errors import EngineError
from tutor.engine.fs import Node, Synthetic, directory
from tutor.engine.image import JSON, MEDIA_INDEX, digest, go_json
from tutor.engine.reference import parse_docker_ref

ATTESTATION = "attestation-manifest"


@dataclass(frozen=True, slots=True)
class ContentImage:
    """An image as the containerd content store holds it."""

    target: bytes
    """Its index, or its manifest when it has no index."""
    documents: dict[str, bytes]
    """Manifests, configs and attestation statements the store has, by digest."""
    layers: dict[str, lay.Layer] = field(default_factory=dict)
    """The store's layers by gzip blob digest."""
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Registry host → repositories the content came from or went to."""
    host_platform: tuple[str, str] = ("linux", "amd64")

    @property
    def media_type(self) -> str:
        return str(json.loads(self.target).get("mediaType", ""))


@dataclass(slots=True)
class _Record:
    name: str
    mode: int
    size: int = 0
    chunks: Callable[[], Iterable[bytes]] | None = None
    is_dir: bool = False


def save(images: list[tuple[ContentImage, list[str]]], out: BinaryIO) -> None:
    """Write the archive for `images`, each with its full names (`docker.io/library/app:1`;
    none when saved by ID), in the order given."""
    records: dict[str, _Record] = {}
    index_entries: list[JSON] = []
    exported: dict[str, tuple[bytes, list[str]]] = {}
    for image, names in images:
        target_digest = digest(image.target)
        base: dict[str, JSON] = {"mediaType": image.media_type, "digest": target_digest,
                "size": len(image.target)}
        labels = {f"containerd.io/distribution.source.{host}": ",".join(sorted(repos))
                  for host, repos in image.sources.items()}
        for name in names or [""]:
            annotations: dict[str, JSON] = dict(labels)
            if name:
                ref = parse_docker_ref(name)
                annotations["io.containerd.image.name"] = name
                annotations["org.opencontainers.image.ref.name"] = ref.tag or "latest"
            entry = dict(base)
            if annotations:
                entry["annotations"] = dict(sorted(annotations.items()))
            index_entries.append(entry)
        _add(records, target_digest, image.target)
        manifest = _walk(image, records)
        kept = exported.setdefault(digest(manifest), (manifest, []))
        kept[1].extend(_familiar(n) for n in names)
    items: list[JSON] = []
    for manifest, tags in exported.values():
        doc = json.loads(manifest)
        items.append({
            "Config": "blobs/sha256/" + doc["config"]["digest"][7:],
            "RepoTags": [*tags] or None,
            "Layers": ["blobs/sha256/" + la["digest"][7:] for la in doc.get("layers", ())]
                      or None,
        })
    files = {
        "oci-layout": (go_json({"imageLayoutVersion": "1.0.0"}), 0o444),
        "index.json": (go_json({"schemaVersion": 2, "manifests": index_entries}), 0o644),
        "manifest.json": (go_json(items), 0o644),
    }
    for name, (data, mode) in files.items():
        records[name] = _Record(name, mode, len(data), _const(data))
    records["blobs/"] = _Record("blobs/", 0o755, is_dir=True)
    records["blobs/sha256/"] = _Record("blobs/sha256/", 0o755, is_dir=True)
    _write(out, [records[name] for name in sorted(records)])


def _familiar(name: str) -> str:
    """containerd's `familiarizeReference`: the familiar form with the tag kept."""
    return parse_docker_ref(name).familiar


def _walk(image: ContentImage, records: dict[str, _Record]) -> bytes:
    """Record the blobs the target reaches on the host platform; returns the platform
    manifest that `manifest.json` describes."""
    doc = json.loads(image.target)
    if doc.get("mediaType") != MEDIA_INDEX and "manifests" not in doc:
        _add_manifest(image, image.target, records)
        return image.target
    chosen: bytes | None = None
    for entry in doc.get("manifests", ()):
        data = image.documents.get(entry["digest"])
        if data is None:
            continue  # a platform the store never fetched (WithSkipMissing)
        annotations = entry.get("annotations") or {}
        platform = entry.get("platform") or {}
        if annotations.get("vnd.docker.reference.type") == ATTESTATION:
            if annotations.get("vnd.docker.reference.digest") in image.documents:
                _add_manifest(image, data, records)
            continue
        if (platform.get("os"), platform.get("architecture")) != image.host_platform:
            continue
        _add_manifest(image, data, records)
        chosen = chosen or data
    if chosen is None:
        raise EngineError("no manifest found for platform: not found")
    return chosen


def _add_manifest(image: ContentImage, manifest: bytes, records: dict[str, _Record]) -> None:
    _add(records, digest(manifest), manifest)
    doc = json.loads(manifest)
    children = [doc["config"], *doc.get("layers", ())]
    if not all(c["digest"] in image.documents or c["digest"] in image.layers for c in children):
        return  # only the manifest, none of its descendants (WithSkipMissing)
    for child in children:
        dgst = child["digest"]
        layer = image.layers.get(dgst)
        if layer is not None:
            name = "blobs/sha256/" + dgst[7:]
            records.setdefault(name, _Record(name, 0o444, layer.gzip_size, layer.gzip_chunks))
        else:
            _add(records, dgst, image.documents[dgst])


def _add(records: dict[str, _Record], dgst: str, data: bytes) -> None:
    name = "blobs/sha256/" + dgst[7:]
    records.setdefault(name, _Record(name, 0o444, len(data), _const(data)))


def _const(data: bytes) -> Callable[[], Iterable[bytes]]:
    return lambda: [data]


def _write(out: BinaryIO, records: list[_Record]) -> None:
    for record in records:
        if record.is_dir:
            out.write(lay.header(record.name, directory(record.mode)))
            continue
        out.write(lay.header(record.name, Node("file", record.mode,
                                               content=Synthetic(record.size, ""))))
        written = 0
        for chunk in record.chunks() if record.chunks else ():
            out.write(chunk)
            written += len(chunk)
        if written != record.size:
            raise EngineError(f"unexpected copy size for {record.name}")
        out.write(b"\0" * (-record.size % lay.BLOCK))
    out.write(b"\0" * (2 * lay.BLOCK))

