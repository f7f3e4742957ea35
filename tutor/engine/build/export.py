"""What BuildKit's image exporter writes into the containerd image store: the image manifest and
config, by default a minimal provenance attestation with its own manifest, and an index that
lists both. The image's ID is then the index digest (or the manifest digest without
attestations), so an unchanged rebuild gets a new ID: the provenance records when it ran.

Shapes from moby's vendored BuildKit @ docker-v29.7.2: `exporter/containerimage/writer.go`
(manifests and index marshalled with two-space indentation; the attestation manifest's config
lists the statements' digests as diffIDs with platform unknown/unknown; its index entry carries
`vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest`),
`solver/llbsolver/provenance.go` (SLSA v1 by default; `mode=min` drops build args, secrets and
ssh) and `provenance/types/types.go` (field names). buildx asks for
`provenance=mode=min,inline-only=true` when the builder can store attestations
(`build/opt.go`, docker/buildx v0.36.1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tutor.engine.image import MEDIA_CONFIG, MEDIA_INDEX, MEDIA_LAYER_GZIP, MEDIA_MANIFEST, digest
from tutor.engine.layers import Layer
from tutor.engine.reference import Reference

INTOTO_MEDIA = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v0.1"
PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md"


def _indent(doc: Any) -> bytes:
    """Go's `json.MarshalIndent(v, "", "  ")` for ASCII documents."""
    return json.dumps(doc, indent=2, ensure_ascii=False).encode()


def _compact(doc: Any) -> bytes:
    """Go's `json.Marshal`."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _descriptor(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest(data), "size": len(data), **extra}


@dataclass(frozen=True, slots=True)
class Provenance:
    """What the minimal provenance says about one build."""

    names: tuple[Reference, ...]
    """The image names (the statement's subjects as package URLs)."""
    bases: tuple[tuple[Reference, str], ...]
    """Base images and the digests they were resolved to (resolvedDependencies)."""
    started: str
    finished: str
    invocation_id: str
    dockerfile: str = "Dockerfile"


@dataclass(frozen=True, slots=True)
class Export:
    manifest: bytes
    config: bytes
    attestation_manifest: bytes = b""
    index: bytes = b""
    blobs: dict[str, bytes] = field(default_factory=dict)
    """Every document written to the content store, by digest (config, manifests, statement,
    index)."""

    @property
    def image_id(self) -> str:
        """The digest the image store names the image by."""
        return digest(self.index or self.manifest)


def _purl(ref: Reference, platform: str) -> str:
    """BuildKit's `purl.RefToPURL` for a docker reference: `pkg:docker/<name>@<tag>?platform=…`."""
    version = ref.tag or "latest"
    return f"pkg:docker/{ref.familiar_name}@{version}?platform={quote(platform, safe='')}"


def _statement(manifest_digest: str, platform: str, prov: Provenance) -> bytes:
    subjects = [{"name": _purl(ref, platform), "digest": {"sha256": manifest_digest[7:]}}
                for ref in prov.names]
    predicate = {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": {
                "configSource": {"path": prov.dockerfile},
                "request": {"frontend": "dockerfile.v0",
                            "locals": [{"name": "context"}, {"name": "dockerfile"}]},
            },
            "internalParameters": {"builderPlatform": platform},
            "resolvedDependencies": [
                {"uri": _purl(ref, platform), "digest": {"sha256": dgst[7:]}}
                for ref, dgst in prov.bases],
        },
        "runDetails": {
            "builder": {"id": ""},
            "metadata": {
                "invocationID": prov.invocation_id,
                "startedOn": prov.started,
                "finishedOn": prov.finished,
                "buildkit_metadata": {},
                "buildkit_completeness": {"request": True, "resolvedDependencies": True},
            },
        },
    }
    doc: dict[str, Any] = {"_type": STATEMENT_TYPE, "predicateType": PROVENANCE_V1}
    if subjects:
        doc["subject"] = subjects
    doc["predicate"] = predicate
    return _compact(doc)


def export(config: bytes, layers: list[Layer], platform: dict[str, str],
           provenance: Provenance | None) -> Export:
    """The documents the exporter writes for a single-platform build."""
    # BuildKit's exporter compresses each layer (compression=gzip, its default) and lists the
    # blobs it wrote to the content store (exporter/containerimage/writer.go)
    layer_descs = [{"mediaType": MEDIA_LAYER_GZIP, "digest": la.gzip_digest,
                    "size": la.gzip_size} for la in layers]
    manifest = _indent({"schemaVersion": 2, "mediaType": MEDIA_MANIFEST,
                        "config": _descriptor(MEDIA_CONFIG, config), "layers": layer_descs})
    blobs = {digest(config): config, digest(manifest): manifest}
    if provenance is None:
        return Export(manifest, config, blobs=blobs)
    platform_text = "/".join(platform[k] for k in ("os", "architecture", "variant")
                             if platform.get(k))
    statement = _statement(digest(manifest), platform_text, provenance)
    att_config = _compact({"architecture": "unknown", "os": "unknown", "config": {},
                           "rootfs": {"type": "layers", "diff_ids": [digest(statement)]}})
    attestation = _indent({
        "schemaVersion": 2, "mediaType": MEDIA_MANIFEST,
        "config": _descriptor(MEDIA_CONFIG, att_config),
        "layers": [_descriptor(INTOTO_MEDIA, statement, annotations={
            "in-toto.io/predicate-type": PROVENANCE_V1})],
    })
    index = _indent({
        "schemaVersion": 2, "mediaType": MEDIA_INDEX,
        "manifests": [
            _descriptor(MEDIA_MANIFEST, manifest, platform={
                k: platform[k] for k in ("architecture", "os", "variant") if platform.get(k)}),
            _descriptor(MEDIA_MANIFEST, attestation, annotations={
                "vnd.docker.reference.digest": digest(manifest),
                "vnd.docker.reference.type": "attestation-manifest"},
                platform={"architecture": "unknown", "os": "unknown"}),
        ],
    })
    blobs.update({digest(statement): statement, digest(att_config): att_config,
                  digest(attestation): attestation, digest(index): index})
    return Export(manifest, config, attestation, index, blobs)
