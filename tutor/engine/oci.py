"""`docker save` and `docker load` archives, as the classic store writes and reads them.

This is the classic store's format (the containerd store's save is `contentsave`); load reads
both, gzip layer blobs included.

Save follows moby `tarexport/save.go` (Engine 25+): an OCI image layout plus Docker's
`manifest.json` and `repositories`, layers stored uncompressed (blob digest = diffID), everything
tarred by go-archive's walk of a temp directory (lexical order, directories `blobs/`,
`blobs/sha256/` first, root-level files stamped with the Unix epoch, blobs with the image's
creation time). Load follows `tarexport/load.go`: everything hangs off `manifest.json`, which both
the OCI-layout archives and the older `<id>.json` + `<dir>/layer.tar` archives carry.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import posixpath
import tarfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from tutor.engine import layers as lay
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, FileTree, Node, Synthetic, directory
from tutor.engine.image import (
    JSON,
    MEDIA_INDEX,
    MEDIA_LAYER,
    MEDIA_MANIFEST,
    HistoryEntry,
    Image,
    ImageConfig,
    descriptor,
    digest,
    go_json,
    manifest_bytes,
    run_config_from_json,
)

LayerSource = Callable[[lay.Layer], Iterable[bytes]]
IMPORT_DIR = "/var/lib/docker/tmp/docker-import-2417903185"
"""Where dockerd unpacks a load; its name appears in Docker's errors about missing files."""


def _layer_chunks(layer: lay.Layer) -> Iterable[bytes]:
    return layer.chunks()


def familiar(name: str) -> str:
    """`docker.io/library/app:1` as the CLI shows it: `app:1`."""
    if name.startswith("docker.io/library/"):
        return name[len("docker.io/library/"):]
    if name.startswith("docker.io/"):
        return name[len("docker.io/"):]
    return name


def _split_tag(name: str) -> tuple[str, str]:
    repo, _, tag = name.rpartition(":")
    return repo, tag


def _created_seconds(config: ImageConfig) -> int:
    stamp = config.created_at
    if not stamp:
        return 0
    try:
        return int(dt.datetime.fromisoformat(stamp[:19] + "+00:00").timestamp())
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class _Blob:
    name: str
    size: int
    mtime: int
    chunks: Callable[[], Iterable[bytes]]


def save(
    images: list[tuple[Image, list[str]]],
    out: BinaryIO,
    layer_source: LayerSource = _layer_chunks,
) -> None:
    """Write what `docker save` writes for `images`, each with its fully qualified tags
    (`docker.io/library/app:1`), in the order given. Layers are streamed, never held whole."""
    blobs: dict[str, _Blob] = {}
    index: list[JSON] = []
    items: list[JSON] = []
    repositories: dict[str, dict[str, str]] = {}
    created = 0
    for image, tags in images:
        if not image.layers:
            raise EngineError("empty export - not implemented")
        config = image.config.to_bytes()
        created = _created_seconds(image.config)
        _add(blobs, digest(config), len(config), created, _const(config))
        for layer in image.layers:
            _add(blobs, layer.diff_id, layer.tar_size, created, _streamed(layer_source, layer))
        manifest = manifest_bytes(config, image.layers, compressed=False)
        _add(blobs, digest(manifest), len(manifest), 0, _const(manifest))
        untagged = descriptor(MEDIA_MANIFEST, digest(manifest), len(manifest))
        for tag in tags:
            repo, version = _split_tag(tag)
            repositories.setdefault(familiar(repo), {})[version] = image.layers[-1].diff_id[7:]
            index.append(descriptor(MEDIA_MANIFEST, digest(manifest), len(manifest), {
                "io.containerd.image.name": tag, "org.opencontainers.image.ref.name": version,
            }))
        if not index:
            # moby checks the descriptors of all images so far, not of this one
            index.append(untagged)
        items.append({
            "Config": "blobs/sha256/" + image.id[7:],
            "RepoTags": [familiar(t) for t in tags] or None,
            "Layers": ["blobs/sha256/" + la.diff_id[7:] for la in image.layers],
            "LayerSources": {
                la.diff_id: {"mediaType": MEDIA_LAYER, "size": la.tar_size, "digest": la.diff_id}
                for la in sorted(image.layers, key=lambda la: la.diff_id)
            },
        })
    files: list[tuple[str, bytes]] = [
        ("index.json", go_json({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": index})),
        ("manifest.json", go_json(items) + b"\n"),
        ("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'),
    ]
    if repositories:
        repos: JSON = {k: dict(sorted(v.items())) for k, v in sorted(repositories.items())}
        files.append(("repositories", go_json(repos) + b"\n"))
    _write_archive(out, blobs, files, created)


def _const(data: bytes) -> Callable[[], Iterable[bytes]]:
    return lambda: [data]


def _streamed(source: LayerSource, layer: lay.Layer) -> Callable[[], Iterable[bytes]]:
    return lambda: source(layer)


def _add(blobs: dict[str, _Blob], dgst: str, size: int, mtime: int,
         chunks: Callable[[], Iterable[bytes]]) -> None:
    if dgst not in blobs:
        blobs[dgst] = _Blob("blobs/sha256/" + dgst[7:], size, mtime, chunks)


def _write_archive(out: BinaryIO, blobs: dict[str, _Blob], files: list[tuple[str, bytes]],
                   created: int) -> None:
    out.write(lay.header("blobs/", directory(mtime=created)))
    out.write(lay.header("blobs/sha256/", directory()))
    for blob in sorted(blobs.values(), key=lambda b: b.name):
        out.write(lay.header(blob.name, Node("file", 0o644, mtime=blob.mtime,
                                              content=Synthetic(blob.size, ""))))
        written = 0
        for chunk in blob.chunks():
            out.write(chunk)
            written += len(chunk)
        if written != blob.size:
            raise EngineError(f"layer {blob.name} changed while saving")
        out.write(b"\0" * (-blob.size % lay.BLOCK))
    for name, data in files:
        out.write(lay.header(name, Node("file", 0o644, content=Data(data))))
        out.write(data + b"\0" * (-len(data) % lay.BLOCK))
    out.write(b"\0" * (2 * lay.BLOCK))


# -- load ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Loaded:
    image: Image
    repo_tags: tuple[str, ...]
    """As written in manifest.json (familiar form)."""
    target: bytes = b""
    """The index or manifest `index.json` names for this image, when the archive has one."""
    documents: dict[str, bytes] = field(default_factory=dict)
    """The target and the manifests, configs and statements it reaches in the archive."""


def load(stream: BinaryIO) -> list[Loaded]:
    """Read a `docker save` archive (Engine 25+ OCI layout or the older layout)."""
    start = stream.tell()
    if not stream.read(1):
        # Go's tar reader sees a clean end of archive: nothing was unpacked
        raise EngineError("invalid archive: does not contain a manifest.json")
    stream.seek(start)
    try:
        archive = tarfile.open(fileobj=stream, mode="r:")  # noqa: SIM115 - read lazily below
        members = {posixpath.normpath(m.name): m for m in archive.getmembers()}
    except (tarfile.TarError, EOFError, OSError) as err:
        raise EngineError("unexpected EOF") from err

    def read(name: str) -> bytes:
        member = members.get(posixpath.normpath(name))
        handle = archive.extractfile(member) if member is not None and member.isfile() else None
        if handle is None:
            raise EngineError(f"open {IMPORT_DIR}/{name}: no such file or directory")
        try:
            return handle.read()
        except (tarfile.TarError, EOFError, OSError) as err:
            raise EngineError("unexpected EOF") from err

    if "manifest.json" not in members:
        raise EngineError("invalid archive: does not contain a manifest.json")
    try:
        manifest = json.loads(read("manifest.json"))
    except (ValueError, UnicodeError) as err:
        raise EngineError(f"invalid archive: failed to decode manifest.json: {err}") from err
    if manifest is None:
        raise EngineError("invalid manifest, manifest cannot be null (but can be [])")
    if not isinstance(manifest, list):
        raise EngineError("invalid archive: failed to decode manifest.json: json: cannot "
                          "unmarshal object into Go value of type []tarexport.manifestItem")
    trees: dict[str, tuple[FileTree, lay.Layer]] = {}
    targets = _targets(read) if "index.json" in members else []
    loaded = []
    for item in manifest:
        found = _load_item(item, read, trees)
        config_digest = digest(found.image.config.to_bytes())
        for target, documents in targets:
            if manifest_of(documents, config_digest) is not None:
                found = replace(found, target=target, documents=documents)
                break
        loaded.append(found)
    return loaded


def _targets(read: Callable[[str], bytes]) -> list[tuple[bytes, dict[str, bytes]]]:
    """Each image `index.json` names, with the documents of it the archive holds (a
    containerd-store save keeps the index, manifests and attestations as they were)."""
    found = []
    try:
        entries = json.loads(read("index.json")).get("manifests") or []
        for entry in entries:
            documents: dict[str, bytes] = {}
            target = _document(read, str(entry["digest"]), documents)
            if target is None:
                continue
            for child in json.loads(target).get("manifests") or ():
                manifest = _document(read, str(child["digest"]), documents)
                if manifest is None:
                    continue
                doc = json.loads(manifest)
                for desc in (doc.get("config") or {}, *(doc.get("layers") or ())):
                    if not str(desc.get("mediaType", "")).startswith(
                            "application/vnd.oci.image.layer"):
                        _document(read, str(desc.get("digest", "")), documents)
            found.append((target, documents))
    except (EngineError, ValueError, KeyError, TypeError, AttributeError):
        return []  # an archive without a usable index loads from manifest.json alone
    return found


def manifest_of(documents: dict[str, bytes], config_digest: str) -> dict[str, Any] | None:
    """The manifest among `documents` that names that config (any other blob, JSON or not,
    is passed over)."""
    for data in documents.values():
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeError):
            continue
        if not isinstance(doc, dict):
            continue
        manifest: dict[str, Any] = doc
        config = manifest.get("config")
        if isinstance(config, dict) and config.get("digest") == config_digest:
            return manifest
    return None


def _document(read: Callable[[str], bytes], dgst: str,
              documents: dict[str, bytes]) -> bytes | None:
    try:
        data = read("blobs/sha256/" + dgst.removeprefix("sha256:"))
    except EngineError:
        return None
    if digest(data) != dgst:
        return None
    documents[dgst] = data
    return data


def _load_item(item: object, read: Callable[[str], bytes],
               trees: dict[str, tuple[FileTree, lay.Layer]]) -> Loaded:
    if not isinstance(item, dict):
        raise EngineError("invalid archive: failed to decode manifest.json")
    raw_config = read(str(item.get("Config", "")))
    config = parse_config(raw_config)
    paths = item.get("Layers") or []
    if len(paths) != len(config.diff_ids):
        raise EngineError(f"invalid manifest, layers length mismatch: expected {len(paths)}, "
                          f"got {len(config.diff_ids)}")
    tree = FileTree()
    got: list[lay.Layer] = []
    for i, (path, expected) in enumerate(zip(paths, config.diff_ids, strict=True)):
        chain = lay.chain_ids([*(la.diff_id for la in got), expected])[-1]
        if chain in trees:
            tree, layer = trees[chain]
            tree = tree.copy()
        else:
            raw = _decompressed(read(str(path)))
            layer = lay.apply(tree, io.BytesIO(raw))
            if layer.diff_id != expected:
                raise EngineError(f'invalid diffID for layer {i}: expected "{expected}", '
                                  f'got "{layer.diff_id}"')
            if lay.layer(layer.changes).diff_id != layer.diff_id:
                layer = replace(layer, blob=Data(raw))
            trees[chain] = (tree.copy(), layer)
        got.append(layer)
    image = Image(config, tuple(got))
    tags = item.get("RepoTags") or []
    return Loaded(image, tuple(str(t) for t in tags))


def _decompressed(blob: bytes) -> bytes:
    """A layer blob as a tar: the containerd store saves gzip blobs, the classic store plain
    tars; the daemon tells them apart by their first bytes (go-archive DecompressStream)."""
    if not blob.startswith(b"\x1f\x8b"):
        return blob
    try:
        return gzip.decompress(blob)
    except (OSError, EOFError, zlib.error) as err:
        raise EngineError("unexpected EOF") from err


def parse_config(raw: bytes) -> ImageConfig:
    """An image config blob as our dataclasses; the bytes are kept when ours would differ,
    because the image ID is their digest."""
    config = _parse_config(raw)
    return config if config.to_bytes() == raw else replace(config, raw=raw)


def _parse_config(raw: bytes) -> ImageConfig:
    try:
        doc = json.loads(raw)
        cfg = doc.get("config") or {}
        return ImageConfig(
            diff_ids=tuple(doc["rootfs"]["diff_ids"] or ()),
            history=tuple(HistoryEntry(
                created=h.get("created", ""), created_by=h.get("created_by", ""),
                comment=h.get("comment", ""), empty_layer=bool(h.get("empty_layer")),
                author=h.get("author", ""),
            ) for h in doc.get("history") or ()),
            config=run_config_from_json(cfg),
            architecture=doc.get("architecture", ""),
            os=doc.get("os", ""),
            variant=doc.get("variant", ""),
            created=doc.get("created", ""),
            author=doc.get("author", ""),
        )
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError) as err:
        raise EngineError(f"invalid image JSON: {err}") from err
