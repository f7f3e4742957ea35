"""The daemon's side of `docker pull` and `docker push` (moby `distribution/` for the classic
store, `daemon/containerd/image_pull.go`, `image_push.go` for the containerd store): resolving a
reference to a manifest for a platform, fetching only the layers the store lacks, pushing only the
blobs the registry lacks. Layers travel as their gzip blobs (`deflate`).

Like moby's V2 metadata service (and containerd's distribution-source labels), the sandbox
remembers which repositories each blob was pulled from or pushed to (`distribution.json`): that is
what lets a push say `Layer already exists` or `Mounted from library/alpine` instead of uploading
again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutor.engine.catalogue import DEFAULT_PLATFORM, Platform
from tutor.engine.errors import EngineError
from tutor.engine.image import digest as digest_of
from tutor.engine.image import schema2_manifest_bytes
from tutor.engine.images import LocalImage
from tutor.engine.layers import Layer, chain_ids
from tutor.engine.oci import parse_config
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.engine.registry import (
    AccessDenied,
    Hub,
    Manifest,
    ManifestUnknown,
    NoMatchingManifest,
    PullAccessDenied,
    Registry,
    Unreachable,
)
from tutor.engine.statefile import read_json, write_json

if TYPE_CHECKING:
    from tutor.engine.engine import Engine

PULL_BYTES_PER_SECOND = 40e6
EXTRACT_BYTES_PER_SECOND = 160e6
"""Simulated download speed from the simulated registries."""
PUSH_BYTES_PER_SECOND = 20e6
MAX_CONCURRENT_UPLOADS = 5
"""dockerd's default `max-concurrent-uploads`: further layers print `Waiting`."""

_OS = {"linux", "windows", "darwin", "freebsd"}
_ARCH = {"amd64": "amd64", "x86_64": "amd64", "x86-64": "amd64", "arm64": "arm64",
         "aarch64": "arm64", "arm": "arm", "386": "386", "ppc64le": "ppc64le",
         "s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64le"}


class InvalidPlatform(EngineError):
    def __init__(self, text: str) -> None:
        super().__init__(f'"{text}": unknown operating system or architecture: invalid argument')


def parse_platform(text: str) -> Platform:
    """`linux/arm64`, `linux/arm/v7`, `arm64`… normalized as containerd's platforms.Parse."""
    parts = text.lower().split("/")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise InvalidPlatform(text)
    if len(parts) == 1:
        if parts[0] in _OS:
            return Platform(parts[0], "amd64")
        if parts[0] in _ARCH:
            return Platform("linux", _ARCH[parts[0]])
        raise InvalidPlatform(text)
    if parts[0] not in _OS or parts[1] not in _ARCH:
        raise InvalidPlatform(text)
    arch = _ARCH[parts[1]]
    variant = parts[2] if len(parts) == 3 else ""
    if arch == "arm64" and variant in ("8", "v8"):
        variant = ""
    return Platform(parts[0], arch, variant)


def _matches(entry: dict[str, str], wanted: Platform) -> bool:
    arch = _ARCH.get(entry.get("architecture", ""), "")
    if (entry.get("os"), arch) != (wanted.os, wanted.architecture):
        return False
    variant = entry.get("variant", "")
    if arch == "arm64" and variant == "v8":
        variant = ""
    return not wanted.variant or variant == wanted.variant


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a reference names in its registry, and the manifest chosen for the platform."""

    registry: Registry
    top: Manifest
    """The index or manifest the tag or digest names: its digest is `Digest:` and RepoDigests."""
    manifest: Manifest


def resolve(engine: Engine, ref: Reference, platform: str | None = None) -> Resolved:
    """The registry's image for `ref`, or Docker's pull errors."""
    if ref.name == "docker.io/library/scratch":
        # an empty file system is not an image anyone can pull (only `FROM scratch` means it)
        raise EngineError("'scratch' is a reserved name")
    wanted = parse_platform(platform or DEFAULT_PLATFORM)
    registry = engine.registry_at(ref.domain)
    if registry is None:
        raise Unreachable(ref.domain)
    if not registry.exists(ref.path):
        if isinstance(registry, Hub):
            raise PullAccessDenied(ref)
        raise ManifestUnknown(ref)
    top = registry.manifest(ref.path, ref.digest or ref.tag or "latest")
    if top is None:
        raise ManifestUnknown(ref)
    if not top.is_index:
        return Resolved(registry, top, top)
    for entry in top.doc.get("manifests", ()):
        if _matches(entry.get("platform", {}), wanted):
            chosen = registry.manifest(ref.path, entry["digest"])
            if chosen is not None:
                return Resolved(registry, top, chosen)
    raise NoMatchingManifest(str(wanted))


# -- pull --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulledLayer:
    digest: str
    """The layer's blob digest in the registry (the ID the pull progress shows)."""
    size: int
    """The blob's (compressed) size: what is downloaded."""
    existed: bool
    """True when the store already had the layer (`Already exists`)."""


@dataclass(frozen=True)
class PullResult:
    ref: Reference
    image: LocalImage
    layers: tuple[PulledLayer, ...]
    digest: str
    """What the tag resolved to in the registry (`Digest: sha256:…`)."""
    up_to_date: bool
    seconds: float
    warning: str = ""
    """The daemon's note when `--platform` names another platform than a single-platform image's."""
    image_existed: bool = False
    """The image (its config) was already in the store: the daemon then skips the layers, and
    `docker pull` shows no per-layer lines."""


def pull(
    engine: Engine, ref: Reference, platform: str | None = None, resolved: Resolved | None = None
) -> PullResult:
    """Pull `ref`; `resolved` saves a second lookup when the caller has already resolved it."""
    resolved = resolved or resolve(engine, ref, platform)
    doc = resolved.manifest.doc
    config = parse_config(resolved.registry.config(doc["config"]["digest"]))
    local = {c for image in engine.images.all() for c in chain_ids(image.diff_ids)}
    layers: list[Layer] = []
    pulled: list[PulledLayer] = []
    seconds = 0.0
    blobs = [str(d["digest"]) for d in doc.get("layers", ())]
    for diff_id, chain, blob in zip(config.diff_ids, chain_ids(config.diff_ids), blobs,
                                    strict=True):
        got = resolved.registry.layer(diff_id)
        existed = chain in local
        layers.append(got)
        pulled.append(PulledLayer(blob, got.gzip_size, existed))
        if not existed:
            seconds += got.gzip_size / PULL_BYTES_PER_SECOND
    previous = engine.store.tags.get(str(ref))
    # The containerd store names a pulled image by what the reference resolved to (the index or
    # manifest digest `docker pull` prints); the classic store by its config digest.
    image_id = resolved.top.digest if engine.profile.containerd_store else config.id
    known = engine.store.get_image(image_id)
    image_existed = known is not None and known.config == config.to_bytes()
    # ...and keeps what it fetched to get there in its content store
    documents = ({resolved.top.digest: resolved.top.data,
              resolved.manifest.digest: resolved.manifest.data}
             if engine.profile.containerd_store else None)
    image = engine.images.add(config, layers, engine.clock, tagged=False, image_id=image_id,
                              blobs=documents)
    repo_digest = f"{ref.name}@{resolved.top.digest}"
    record = image.record
    up_to_date = previous == image.id if ref.digest is None else repo_digest in record.repo_digests
    if repo_digest not in record.repo_digests:
        record.repo_digests.append(repo_digest)
        engine.store.put_image(record)
    if ref.tag is not None:
        engine.images.tag(image.id, ref)
    _remember(engine, tuple(blobs), ref.name)
    engine.advance(seconds)
    warning = ""
    if platform and not resolved.top.is_index:
        wanted = parse_platform(platform)
        have = {"os": config.os, "architecture": config.architecture, "variant": config.variant}
        if not _matches(have, wanted):
            actual = Platform(config.os, config.architecture, config.variant)
            warning = (f"WARNING: image with reference {ref.familiar} was found but its platform "
                       f"({actual}) does not match the specified platform ({wanted})")
    return PullResult(ref, engine.images.get(image.id), tuple(pulled), resolved.top.digest,
                      up_to_date, seconds, warning, image_existed)


def _metadata(engine: Engine) -> dict[str, list[str]]:
    value: dict[str, list[str]] = read_json(engine.store.root / "distribution.json", {},
                                            engine.store.problems)
    return value


def _remember(engine: Engine, blobs: tuple[str, ...], repository: str) -> None:
    """Record that these blobs now live in `repository` (most recent last)."""
    meta = _metadata(engine)
    for blob in blobs:
        repos = [r for r in meta.get(blob, []) if r != repository]
        meta[blob] = [*repos, repository]
    write_json(engine.store.root / "distribution.json", meta)


# -- push --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PushProgress:
    """One status line of a layer: `Preparing`, `Waiting`, `Pushed`, `Mounted from …`."""

    id: str
    status: str


@dataclass(frozen=True, slots=True)
class PushDone:
    """The final line of one tag: `TAG: digest: sha256:… size: N`."""

    tag: str
    digest: str
    size: int
    instead_of: str = ""
    """The index digest, when the store lacked some of its platforms and pushed only the
    local platform's manifest (moby's `ManifestPushedInsteadOfIndex` aux message)."""


PushEvent = PushProgress | PushDone


class NoLocalImage(EngineError):
    def __init__(self, ref: Reference) -> None:
        super().__init__(f"An image does not exist locally with the tag: {ref.familiar_name}")


def push(engine: Engine, ref: Reference, all_tags: bool = False) -> Iterator[PushEvent]:
    """Push `ref` (or, with `all_tags`, every local tag of its repository); the caller has
    printed `The push refers to repository […]`. Errors are raised where dockerd stops.

    The classic store compresses each layer as it uploads it and builds a Docker schema2
    manifest (moby distribution/push_v2.go); its progress names layers by diffID. The
    containerd store pushes what its content store holds, as it is: the index, the platform
    manifest, the attestation manifest and their blobs (moby daemon/containerd/image_push.go);
    its progress names blobs by digest, shows no `Preparing`, and hides manifests and configs
    (progress.go `showBlobProgress`)."""
    if ref.digest is not None:
        raise EngineError("cannot push a digest reference")
    names = sorted(t for t in engine.store.tags if parse_docker_ref(t).name == ref.name)
    if not names:
        raise NoLocalImage(ref)
    if not all_tags:
        if str(ref) not in engine.store.tags:
            raise EngineError(f"tag does not exist: {ref.familiar}")
        names = [str(ref)]
    registry = engine.registry_at(ref.domain)
    if registry is None:
        raise Unreachable(ref.domain)
    user = engine.logins.user(ref.domain)
    containerd = engine.profile.containerd_store
    done: set[str] = set()
    total = 0.0
    for name in names:
        tagged = parse_docker_ref(name)
        image = engine.images.get(engine.store.tags[name])
        plan = (_containerd_plan(engine, image) if containerd
                else _classic_plan(engine, image))
        if not containerd:
            for blob in plan.blobs:
                yield PushProgress(blob.shown, "Preparing")
            for blob in plan.blobs[MAX_CONCURRENT_UPLOADS:]:
                yield PushProgress(blob.shown, "Waiting")
        if not registry.can_push(ref.path, user):
            raise AccessDenied()
        events, seconds = _upload(engine, registry, ref, plan.blobs, done, containerd)
        total += seconds
        yield from events
        for dgst, data in plan.documents.items():
            engine.store.put_content(data)
            registry.put_blob(ref.path, dgst)
        for data in plan.children:
            registry.put_manifest(ref.path, None, data)
        dgst = registry.put_manifest(ref.path, str(tagged.tag), plan.target)
        record = image.record
        if f"{ref.name}@{dgst}" not in record.repo_digests:
            record.repo_digests.append(f"{ref.name}@{dgst}")
            engine.store.put_image(record)
        yield PushDone(str(tagged.tag), dgst, len(plan.target), plan.instead_of)
    engine.advance(total)


@dataclass(frozen=True, slots=True)
class _Blob:
    """A blob a push sends and shows: its progress ID, digest and size."""

    shown: str
    digest: str
    size: int
    layer: bool


@dataclass(frozen=True, slots=True)
class _PushPlan:
    blobs: list[_Blob]
    """The blobs the progress shows, in the order their lines first appear."""
    documents: dict[str, bytes]
    """Blobs the progress hides (configs), by digest."""
    children: list[bytes]
    """Manifests an index names, pushed before it."""
    target: bytes
    """The manifest or index the tag names."""
    instead_of: str = ""
    """The image's index digest, when `target` is only its local platform's manifest."""


def _layer_blobs(layers: list[Layer], by_diff_id: bool) -> list[_Blob]:
    return [_Blob((la.diff_id if by_diff_id else la.gzip_digest)[7:19], la.gzip_digest,
                  la.gzip_size, True) for la in reversed(layers)]


def _classic_plan(engine: Engine, image: LocalImage) -> _PushPlan:
    layers = engine.images.layers(image)
    config = image.record.config
    return _PushPlan(_layer_blobs(layers, by_diff_id=True), {digest_of(config): config}, [],
                     schema2_manifest_bytes(config, tuple(layers)))


def _containerd_plan(engine: Engine, image: LocalImage) -> _PushPlan:
    """The image's target and what it names. An index whose platforms are not all here is
    replaced by the local platform's manifest, as moby retries with `getPushDescriptor`."""
    stored = image.record.blobs
    manifest = engine.images.manifest(image)
    target = stored.get(image.id, "").encode() or manifest
    layers = engine.images.layers(image)
    blobs = _layer_blobs(layers, by_diff_id=False)
    config = image.record.config
    documents = {digest_of(config): config}
    children: list[bytes] = []
    instead_of = ""
    if target != manifest:
        entries = json.loads(target).get("manifests", ())
        if any(e["digest"] not in stored for e in entries):
            instead_of = digest_of(target)
            target = manifest
        else:
            for entry in entries:
                child = stored[entry["digest"]].encode()
                children.append(child)
                if child == manifest:
                    continue
                doc = json.loads(child)  # an attestation manifest: its config and statements
                for desc in (doc["config"], *doc.get("layers", ())):
                    data = stored[desc["digest"]].encode()
                    if desc is doc["config"]:
                        documents[desc["digest"]] = data
                    else:
                        engine.store.put_content(data)
                        blobs.append(_Blob(desc["digest"][7:19], desc["digest"], len(data),
                                           False))
    return _PushPlan(blobs, documents, children, target, instead_of)


def _upload(engine: Engine, registry: Registry, ref: Reference, blobs: list[_Blob],
            done: set[str], containerd: bool) -> tuple[list[PushProgress], float]:
    """Each blob's outcome, in the order the lines would appear, and the time spent."""
    meta = _metadata(engine)
    prefix = ref.domain + "/"
    timed: list[tuple[float, int, PushProgress]] = []
    slots = [0.0] * MAX_CONCURRENT_UPLOADS
    for i, blob in enumerate(blobs):
        known = meta.get(blob.digest, [])
        status = ""
        if blob.digest in done or (known and registry.has_blob(ref.path, blob.digest)):
            # containerd's tracker says `Already exists` for blobs that are not layers
            status = "Layer already exists" if blob.layer or not containerd else "Already exists"
        else:
            for source in reversed(known):
                path = source.removeprefix(prefix)
                if source.startswith(prefix) and path != ref.path and registry.has_blob(
                        path, blob.digest):
                    status = f"Mounted from {path}"
                    break
        finish = 0.0
        if not status:
            status = "Pushed"
            slot = min(range(len(slots)), key=lambda s: slots[s])
            slots[slot] += blob.size / PUSH_BYTES_PER_SECOND
            finish = slots[slot]
        registry.put_blob(ref.path, blob.digest)
        done.add(blob.digest)
        timed.append((finish, i, PushProgress(blob.shown, status)))
    _remember(engine, tuple(blob.digest for blob in blobs), ref.name)
    timed.sort(key=lambda t: (t[0], t[1]))
    return [event for _, _, event in timed], max(slots)
