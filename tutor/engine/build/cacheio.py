"""`--cache-to type=local,dest=…` and `--cache-from type=local,src=…`: the build cache written to
and read from a directory, as an OCI image layout (index.json, blobs/sha256/…), as BuildKit's
local cache exporter writes it. The layers are their gzip blobs; one config blob lists the cache
records (step key → layer) the importer puts back, so a build on a pruned cache, or in another
sandbox holding the same layers, finds its steps CACHED.

The docker driver on the classic image store cannot export cache at all (buildx refuses before
the build, see `driver.cache_export_refusal`); with the containerd store it can.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tutor.engine.build.cache import BuildCache, CacheRecord
from tutor.engine.errors import EngineError
from tutor.engine.image import MEDIA_LAYER_GZIP
from tutor.engine.store import Store

CONFIG_TYPE = "application/vnd.buildkit.cacheconfig.v0"
LAYER_TYPE = MEDIA_LAYER_GZIP
"""The cache exporter compresses layers as the image exporter does (gzip by default)."""


def _blob(dest: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = dest / "blobs" / "sha256" / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return "sha256:" + digest


def export_local(store: Store, cache: BuildCache, keys: list[str], dest: Path) -> None:
    """Write the records of `keys` (the steps of this build) and their layers to `dest`."""
    try:
        layers = []
        records = []
        for key in keys:
            record = cache.records.get(key)
            if record is None or not record.diff_id or not store.has_layer(record.diff_id):
                continue
            layer = store.get_layer(record.diff_id)
            digest = _blob(dest, b"".join(layer.gzip_chunks()))
            layers.append({"mediaType": LAYER_TYPE, "digest": digest, "size": layer.gzip_size})
            records.append({"key": key, "diff_id": record.diff_id, "created": record.created,
                            "seconds": record.seconds})
        config = json.dumps({"records": records}, sort_keys=True).encode()
        config_digest = _blob(dest, config)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [*layers, {"mediaType": CONFIG_TYPE, "digest": config_digest,
                                    "size": len(config)}],
        }, sort_keys=True).encode()
        manifest_digest = _blob(dest, manifest)
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
                                "digest": manifest_digest, "size": len(manifest),
                                "annotations": {"org.opencontainers.image.ref.name":
                                                "latest"}}]}
        (dest / "index.json").write_text(json.dumps(index, sort_keys=True))
        (dest / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    except OSError as exc:
        raise EngineError(f"failed to export cache to {dest}: {exc.strerror}") from None


def import_local(store: Store, cache: BuildCache, src: Path) -> int:
    """Put back the records of a local cache whose layers this sandbox has; returns how many.
    A missing or unreadable directory is no error: BuildKit then just finds nothing there."""
    try:
        index = json.loads((src / "index.json").read_text())
        manifest_digest = index["manifests"][0]["digest"].removeprefix("sha256:")
        manifest = json.loads((src / "blobs" / "sha256" / manifest_digest).read_text())
        config = next(m for m in manifest["manifests"] if m["mediaType"] == CONFIG_TYPE)
        doc = json.loads((src / "blobs" / "sha256" /
                          config["digest"].removeprefix("sha256:")).read_text())
        records = doc["records"]
    except (OSError, ValueError, KeyError, IndexError, StopIteration, TypeError):
        return 0
    count = 0
    for item in records:
        try:
            diff_id = str(item["diff_id"])
            record = CacheRecord(diff_id, float(item["created"]), float(item["seconds"]))
            key = str(item["key"])
        except (KeyError, TypeError, ValueError):
            continue
        if store.has_layer(diff_id):
            cache.put(key, record)
            count += 1
    return count
