"""The local image store as `docker images`, `tag`, `rmi` and `history` see it (classic store).

An image is its config (the ID is the config's digest) plus the layers its config lists; tags are
references pointing at image IDs. Tags move, IDs don't: retagging leaves the old image dangling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tutor.engine import _gopath
from tutor.engine.clock import parse_rfc3339
from tutor.engine.contentsave import ContentImage
from tutor.engine.errors import EngineError
from tutor.engine.image import Image, ImageConfig, manifest_bytes
from tutor.engine.image import digest as sha256_digest
from tutor.engine.layers import Layer, chain_ids, snapshot_usage
from tutor.engine.oci import Loaded, manifest_of, parse_config
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.engine.store import ImageRecord, Store


class NoSuchImage(EngineError):
    """`Error response from daemon: No such image: nope:latest`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No such image: {name}")


class InvalidFilter(EngineError):
    """moby's `invalidFilter`: `invalid filter 'x'`, or with its values `'dangling=[maybe]'`
    (Go's `%s` of a string slice)."""

    def __init__(self, name: str, values: Sequence[str] | None = None) -> None:
        shown = name if values is None else f"{name}=[{' '.join(values)}]"
        super().__init__(f"invalid filter '{shown}'")


LIST_FILTERS = ("dangling", "label", "before", "since", "reference", "until")
"""The filters `GET /images/json` accepts on the classic store (moby's image_list.go)."""

Filters = Mapping[str, Sequence[str]]
"""moby's `filters.Args`: each name with its distinct values, in the order they were given."""


@dataclass(frozen=True)
class LocalImage:
    """One image in the store with what the CLI shows about it."""

    record: ImageRecord
    config: ImageConfig
    tags: tuple[Reference, ...]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def created(self) -> float:
        stamp = self.config.created_at
        return parse_rfc3339(stamp) if stamp else 0.0

    @property
    def diff_ids(self) -> tuple[str, ...]:
        return self.config.diff_ids


@dataclass(frozen=True, slots=True)
class ImageSummary:
    """One image of `GET /images/json`: its references that passed the `reference` filter."""

    image: LocalImage
    repo_tags: tuple[Reference, ...]
    repo_digests: tuple[str, ...]
    """`name@digest` in full form, as the store keeps them."""


class ImageStore:
    """Queries and changes over the store's images and tags."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- lookup -----------------------------------------------------------------------------

    def tags_of(self, image_id: str) -> tuple[Reference, ...]:
        return tuple(
            parse_docker_ref(ref) for ref, target in sorted(self.store.tags.items())
            if target == image_id
        )

    def get(self, image_id: str) -> LocalImage:
        image = self._local(image_id)
        if image is None:
            raise NoSuchImage(image_id)
        return image

    def all(self) -> list[LocalImage]:
        images = []
        for image_id in self.store.image_ids():
            image = self._local(image_id)
            if image is not None:
                images.append(image)
        return images

    def _local(self, image_id: str) -> LocalImage | None:
        """The image, or None when it is not here or its record is damaged (then set aside,
        so one bad record never breaks the listing)."""
        record = self.store.get_image(image_id)
        if record is None:
            return None
        try:
            config = parse_config(record.config)
        except (EngineError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.store.set_aside_image(image_id)
            return None
        return LocalImage(record, config, self.tags_of(image_id))

    def find(self, name: str) -> LocalImage | None:
        """The image `name` means to the daemon: a full ID, a reference, else a unique ID
        prefix (moby's GetImage order)."""
        hexpart = name.removeprefix("sha256:")
        is_hex = bool(hexpart) and all(c in "0123456789abcdef" for c in hexpart)
        if is_hex and (len(hexpart) == 64 or name.startswith("sha256:")):
            matches = [i for i in self.store.image_ids() if i[7:].startswith(hexpart)]
            return self.get(matches[0]) if len(matches) == 1 else None
        by_ref = self._by_reference(name)
        if by_ref is not None or not is_hex:
            return by_ref
        matches = [i for i in self.store.image_ids() if i[7:].startswith(hexpart)]
        return self.get(matches[0]) if len(matches) == 1 else None

    def _by_reference(self, name: str) -> LocalImage | None:
        try:
            ref = parse_docker_ref(name)
        except EngineError:
            return None
        if ref.digest is not None:
            for image_id in self.store.image_ids():
                record = self.store.get_image(image_id)
                if record and f"{ref.name}@{ref.digest}" in record.repo_digests:
                    return self.get(image_id)
            return None
        target = self.store.tags.get(str(ref))
        return self.get(target) if target else None

    def resolve(self, name: str) -> LocalImage:
        """Like `find`, but a miss is Docker's `No such image` (tag defaulted to latest)."""
        image = self.find(name)
        if image is None:
            raise NoSuchImage(_display(name))
        return image

    def children(self, image_id: str) -> list[str]:
        """Images whose parent is `image_id` (only commits record one; BuildKit never does)."""
        return [r.id for r in map(self.store.get_image, self.store.image_ids())
                if r is not None and r.parent == image_id]

    def summaries(self, filters: Filters, *, show_all: bool, now: float) -> list[ImageSummary]:
        """moby's `ImageService.Images` (classic store): filtered images, newest first.

        Values of one filter narrow together (every `label` must match, the oldest `before`
        wins) except `reference`, where any pattern may match; different filters all apply."""
        for name in filters:
            if name not in LIST_FILTERS:
                raise InvalidFilter(name)
        dangling_only = _bool_filter(filters, "dangling")
        before = min(self._filter_times(filters, "before", now), default=None)
        since = max(self._filter_times(filters, "since", now), default=None)
        patterns = list(filters.get("reference", ()))
        summaries: list[ImageSummary] = []
        for image in self.all():
            created = image.created if image.config.created_at else None
            if before is not None and (created is None or not created < before):
                continue
            if since is not None and (created is None or not created > since):
                continue
            if dangling_only and self.children(image.id):
                continue  # moby lists only the store's heads then
            if "label" in filters and not _labels_match(filters["label"],
                                                        dict(image.config.config.labels)):
                continue
            tags = tuple(t for t in image.tags if not patterns or _familiar_match(patterns, t))
            digests = tuple(d for d in image.record.repo_digests
                            if not patterns or _familiar_match(patterns, parse_docker_ref(d)))
            if not tags and not digests:
                if not show_all and self.children(image.id):
                    continue  # an intermediate image
                if ("dangling" in filters and not dangling_only) or patterns:
                    continue
            elif dangling_only and tags:
                continue
            summaries.append(ImageSummary(image, tags, digests))
        summaries.sort(key=lambda s: -int(s.image.created))
        return summaries

    def _filter_times(self, filters: Filters, name: str, now: float) -> list[float]:
        """The instants `before`/`since` (an image's creation) or `until` (a time) stand for;
        `until` narrows `before` as moby folds them together."""
        times: list[float] = []
        for value in filters.get(name, ()):
            image = self.resolve(value)
            if image.config.created_at:
                times.append(image.created)
        if name == "before":
            times += [_timestamp(value, now) for value in filters.get("until", ())]
        return times

    # -- changes ----------------------------------------------------------------------------

    def add(self, config: ImageConfig, layers: list[Layer], now: float, *,
            tagged: bool = True, parent: str = "", image_id: str = "",
            blobs: Mapping[str, bytes] | None = None) -> LocalImage:
        """Store an image. `tagged` is whether the daemon names it through TagImage, the only
        place that stamps LastTagTime (build, commit with a name); pull and load write the
        reference store directly, so their images keep the zero time.

        `image_id` names it by its manifest or index digest (the containerd store), with the
        `blobs` that digest covers; the config digest otherwise (the classic store)."""
        for la in layers:
            self.store.put_layer(la)
        raw = config.to_bytes()
        key = image_id or config.id
        record = self.store.get_image(key) or ImageRecord(key, raw, parent=parent)
        # A multi-platform image pulled again for another platform: the store keeps the one
        # platform it can run (the simulation holds one config per image).
        record.config = raw
        if blobs:
            record.blobs = {d: b.decode() for d, b in blobs.items()}
        if tagged:
            record.last_tag_time = now
        self.store.put_image(record)
        return self.get(key)

    def add_loaded(self, loaded: Loaded, now: float, containerd: bool) -> LocalImage:
        """Store an image `docker load` read. The containerd store imports the archive's
        index and manifests as they are (the ID is the target's digest, moby
        daemon/containerd/image_exporter.go LoadImage); that needs the archive's layer blobs to
        be the ones this store keeps, so an archive of other blobs (another tool's gzip, or the
        classic store's plain tars) is named by its config digest instead (docs/differences.md)."""
        config, layers = loaded.image.config, list(loaded.image.layers)
        for la in layers:
            self.store.put_layer(la)
        kept = [self.store.get_layer(la.diff_id) for la in layers]
        if containerd and loaded.target and self._same_blobs(loaded, kept):
            return self.add(config, kept, now, tagged=False,
                            image_id=sha256_digest(loaded.target), blobs=loaded.documents)
        return self.add(config, layers, now, tagged=False)

    @staticmethod
    def _same_blobs(loaded: Loaded, kept: list[Layer]) -> bool:
        manifest = manifest_of(loaded.documents, sha256_digest(loaded.image.config.to_bytes()))
        if manifest is None:
            return False
        layers = manifest.get("layers") or []
        return isinstance(layers, list) and [
            d.get("digest") if isinstance(d, dict) else None for d in layers
        ] == [la.gzip_digest for la in kept]

    def tag(self, image_id: str, ref: Reference, now: float | None = None) -> None:
        """Point `ref` at the image; `now` (for `docker tag`) stamps its LastTagTime."""
        self.store.tags[str(ref)] = image_id
        self.store.save_tags()
        record = self.store.get_image(image_id)
        if now is not None and record is not None:
            record.last_tag_time = now
            self.store.put_image(record)

    def untag(self, ref: Reference) -> None:
        self.store.tags.pop(str(ref), None)
        self.store.save_tags()

    def delete(self, image: LocalImage) -> list[str]:
        """Delete an untagged image and its layers no other image uses; the `Deleted:` lines."""
        lines = [f"Deleted: {image.id}"]
        self.store.delete_image(image.id)
        still_used = {cid for other in self.all() for cid in chain_ids(other.diff_ids)}
        for cid in reversed(chain_ids(image.diff_ids)):
            if cid not in still_used:
                lines.append(f"Deleted: {cid}")
        return lines

    def layers(self, image: LocalImage) -> list[Layer]:
        return [self.store.get_layer(d) for d in image.diff_ids]

    def size(self, image: LocalImage) -> int:
        """SIZE on the classic store: the sum of the image's layer sizes (shared ones too),
        read from the layer records alone. A missing or damaged layer counts nothing and is
        reported in the store's problems, so a listing still shows every image."""
        return sum(self.store.layer_size(d) or 0 for d in image.diff_ids)

    def unpacked_size(self, image: LocalImage, containerd: bool) -> int:
        """The image's layers on disk: the layer sizes on the classic store, the snapshots'
        block usage on the containerd store."""
        if containerd:
            return sum(snapshot_usage(la) for la in self.layers(image))
        return self.size(image)

    def manifest(self, image: LocalImage) -> bytes:
        """The image's manifest: the one its build exported or its pull fetched (containerd
        store), else as the content store would hold it (the config and the layers' gzip
        blobs)."""
        config_digest = sha256_digest(image.record.config)
        for text in image.record.blobs.values():
            doc = json.loads(text)
            if doc.get("config", {}).get("digest") == config_digest:
                return text.encode()
        return manifest_bytes(image.record.config, tuple(self.layers(image)))

    def platforms(self, image: LocalImage) -> list[tuple[str, str, bool]]:
        """The image's platform manifests as its index lists them (attestations left out):
        (`os/arch[/variant]`, manifest digest, whether the store has that platform's content).
        An image without an index has its own manifest only."""
        local = sha256_digest(self.manifest(image))
        for text in image.record.blobs.values():
            doc = json.loads(text)
            if "manifests" not in doc:
                continue
            out = []
            for entry in doc["manifests"]:
                annotations = entry.get("annotations") or {}
                if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
                    continue
                platform = entry.get("platform") or {}
                name = "/".join(platform[k] for k in ("os", "architecture", "variant")
                                if platform.get(k))
                out.append((name, entry["digest"], entry["digest"] == local))
            return out
        config = image.config
        name = "/".join(p for p in (config.os, config.architecture, config.variant) if p)
        return [(name, local, True)]

    def packed_size(self, image: LocalImage) -> int:
        """What `docker image inspect` reports as Size on the containerd store: the index (if
        any), the one platform manifest, the config and the layer blobs (moby
        daemon/containerd/image_inspect.go `size`, limited to one manifest)."""
        top = image.record.blobs.get(image.id)
        manifest = self.manifest(image)
        index = len(top.encode()) if top is not None and top.encode() != manifest else 0
        return (index + len(manifest) + len(image.record.config)
                + sum(la.gzip_size for la in self.layers(image)))

    def content_size(self, image: LocalImage) -> int:
        """The containerd store's CONTENT SIZE: the bytes of every blob it keeps for the image
        (manifests, index, attestations, config, and the layers compressed, as pulled or as
        BuildKit exported them; moby daemon/containerd/image_list.go adds each one's size)."""
        config_digest = sha256_digest(image.record.config)
        documents = [text.encode() for d, text in image.record.blobs.items()
                     if d != config_digest] or [self.manifest(image)]
        return (sum(len(b) for b in documents) + len(image.record.config)
                + sum(la.gzip_size for la in self.layers(image)))

    def oci_image(self, image: LocalImage) -> Image:
        return Image(image.config, tuple(self.layers(image)))

    def content_image(self, image: LocalImage) -> ContentImage:
        """The image as the containerd content store holds it (what its `docker save`
        writes): the target, the documents it keeps, the layers by blob digest, and the
        registries it came from or went to (its RepoDigests)."""
        documents = {d: text.encode() for d, text in image.record.blobs.items()}
        config = image.record.config
        documents[sha256_digest(config)] = config
        manifest = self.manifest(image)
        documents.setdefault(sha256_digest(manifest), manifest)
        sources: dict[str, list[str]] = {}
        for repo_digest in image.record.repo_digests:
            ref = parse_docker_ref(repo_digest)
            if ref.path not in sources.setdefault(ref.domain, []):
                sources[ref.domain].append(ref.path)
        # an image named by its config digest (loaded from another store's archive) has no
        # index: its manifest is the target
        target = image.record.blobs.get(image.id, "").encode() or manifest
        return ContentImage(target, documents,
                            {la.gzip_digest: la for la in self.layers(image)}, sources,
                            (image.config.os, image.config.architecture))


def _bool_filter(filters: Filters, name: str) -> bool:
    """`filters.Args.GetBoolOrDefault` with false: conflicting or non-boolean values fail."""
    if name not in filters:
        return False
    values = filters[name]
    truthy = any(v in ("1", "true") for v in values)
    falsy = any(v in ("0", "false") for v in values)
    if truthy == falsy:
        raise InvalidFilter(name, values)
    return truthy


def _labels_match(wanted: Sequence[str], labels: Mapping[str, str]) -> bool:
    """`filters.Args.MatchKVList`: every `KEY` must exist and every `KEY=VALUE` be equal."""
    for item in wanted:
        key, has_value, value = item.partition("=")
        if key not in labels or (has_value and labels[key] != value):
            return False
    return True


def _familiar_match(patterns: Sequence[str], ref: Reference) -> bool:
    """distribution's `FamiliarMatch` for any pattern: `path.Match` on `alpine:3.21`, then
    on the bare name `alpine`. A malformed pattern fails the listing (only the first try
    reports it, as in Go)."""
    for pattern in patterns:
        if _gopath.match(pattern, ref.familiar):
            return True
        try:
            if _gopath.match(pattern, ref.familiar_name):
                return True
        except _gopath.BadPatternError:
            pass
    return False


_DURATION = re.compile(r"([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
                 "m": 60.0, "h": 3600.0}


def _go_duration(text: str) -> float | None:
    """Go's `time.ParseDuration` in seconds (`1h30m`, `-2.5s`), None when it is not one."""
    body = text.lstrip("+-")
    if not body:
        return None
    total, pos = 0.0, 0
    while pos < len(body):
        found = _DURATION.match(body, pos)
        if found is None or found.group(1) in ("", "."):
            return None
        total += float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
        pos = found.end()
    return -total if text.startswith("-") else total


def _timestamp(value: str, now: float) -> float:
    """The CLI-and-daemon reading of an `until` value (`timetypes.GetTimestamp`): a duration
    back from now, an RFC 3339 date or time (the sandbox's zone is UTC), or Unix seconds."""
    duration = _go_duration(value)
    if duration is not None and value != "0":
        return float(int(now - duration))
    try:
        stamp = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        if "-" not in value and re.fullmatch(r"[0-9]+(\.[0-9]{1,9})?", value):
            return float(value)
        raise EngineError(f'failed to parse value as time or duration: "{value}"') from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def _display(name: str) -> str:
    """How the daemon names a missing image: references get `:latest` added."""
    try:
        ref = parse_docker_ref(name)
    except EngineError:
        return name
    if ref.digest is None and ":" not in name.rsplit("/", 1)[-1]:
        return f"{name}:latest"
    return name
