"""The simulated Docker engine: one sandbox's images, build cache and clock, behind one object.

Front ends (the docker CLI, the tutorial) open an `Engine` on a state directory, call it, and let
`close()` persist what changed. The engine itself never prints; it returns data and events.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.engine.build.request import BuildOutcome, StepRecord
from tutor.engine.errors import EngineError
from tutor.engine.fs import FileTree, Node
from tutor.engine.image import (
    HistoryEntry,
    ImageConfig,
    digest,
    manifest_bytes,
    run_config_from_json,
)
from tutor.engine.images import ImageStore, LocalImage
from tutor.engine.layers import Change, Changes, Layer, layer
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.engine.statefile import read_json, write_json
from tutor.engine.store import Store

BUILDS_FILE = "builds.json"
LAST_BUILD = "<last>"

if TYPE_CHECKING:
    from tutor.engine.catalogue import BaseImageSpec, Catalogue, LayerSpec
    from tutor.engine.world import SimulatedWorld

PULL_BYTES_PER_SECOND = 40e6
"""Simulated download speed from the simulated Docker Hub."""

WHITEOUT = Node("file", 0o600)


class PullAccessDenied(EngineError):
    def __init__(self, ref: Reference) -> None:
        super().__init__(
            f"pull access denied for {ref.familiar_name}, repository does not exist or may "
            "require 'docker login': denied: requested access to the resource is denied"
        )


class ManifestUnknown(EngineError):
    def __init__(self, ref: Reference) -> None:
        super().__init__(
            f"manifest for {ref.familiar} not found: manifest unknown: manifest unknown"
        )


class NoMatchingManifest(EngineError):
    def __init__(self, platform: str) -> None:
        super().__init__(f"no matching manifest for {platform} in the manifest list entries")


@dataclass(frozen=True)
class PulledLayer:
    diff_id: str
    size: int
    existed: bool
    """True when the layer was already in the store (`Already exists`)."""


@dataclass(frozen=True)
class PullResult:
    ref: Reference
    image: LocalImage
    layers: tuple[PulledLayer, ...]
    digest: str
    """What the tag resolved to in the registry (`Digest: sha256:…`)."""
    up_to_date: bool
    seconds: float


class Engine:
    """One sandbox: a state directory and the catalogue of base images."""

    def __init__(self, store: Store, assets: Path) -> None:
        self.store = store
        self.assets = assets
        self.images = ImageStore(store)

    @classmethod
    def open(cls, state: Path, assets: Path) -> Engine:
        state.mkdir(parents=True, exist_ok=True)
        return cls(Store(state), assets)

    def close(self) -> None:
        """Persist the clock and counters (every other change is written as it happens)."""
        self.store.save_meta()

    @property
    def clock(self) -> float:
        return self.store.clock.now()

    def advance(self, seconds: float) -> None:
        self.store.clock.advance(seconds)

    @cached_property
    def catalogue(self) -> Catalogue:
        from tutor.engine.catalogue import load_catalogue

        return load_catalogue(self.assets)

    @cached_property
    def world(self) -> SimulatedWorld:
        from tutor.engine.world import SimulatedWorld

        return SimulatedWorld(self.assets)

    # -- pulling from the simulated Docker Hub -------------------------------------------------

    def resolve_remote(self, ref: Reference, platform: str | None = None) -> BaseImageSpec:
        """The registry's image for `ref` (by tag), or Docker's pull errors."""
        if ref.domain != "docker.io":
            raise PullAccessDenied(ref)
        if ref.path not in {r.removeprefix("docker.io/") for r in self.catalogue.repositories}:
            raise PullAccessDenied(ref)
        from tutor.engine.catalogue import DEFAULT_PLATFORM

        tag = ref.tag or "latest"
        wanted = platform or DEFAULT_PLATFORM
        spec = self.catalogue.resolve(ref.name, tag, wanted)
        if spec is None:
            if self.catalogue.platforms(ref.name, tag):
                raise NoMatchingManifest(wanted)
            raise ManifestUnknown(ref)
        return spec

    def _layer_for(self, spec: LayerSpec, index: dict[str, str]) -> tuple[Layer, bool]:
        """The real layer a catalogue recipe stands for, and whether the store had it.

        Its digest is remembered per recipe key in `index`: computing it means streaming the
        whole tar through sha256 once."""
        known = index.get(spec.key)
        if known and self.store.has_layer(known):
            return self.store.get_layer(known), True
        items = [Change("A", path, node) for path, node in spec.entries]
        items += [Change("D", path, WHITEOUT) for path in spec.deletions]
        built = layer(Changes(tuple(sorted(items, key=lambda c: c.path))))
        self.store.put_layer(built)
        index[spec.key] = built.diff_id
        return built, False

    def pull(self, ref: Reference, platform: str | None = None) -> PullResult:
        spec = self.resolve_remote(ref, platform)
        pulled: list[PulledLayer] = []
        layers: list[Layer] = []
        seconds = 0.0
        index_path = self.store.root / "catalogue-layers.json"
        index: dict[str, str] = read_json(index_path, {}, self.store.problems)
        for layer_spec in spec.layers:
            built, existed = self._layer_for(layer_spec, index)
            layers.append(built)
            pulled.append(PulledLayer(built.diff_id, built.tar_size, existed))
            if not existed:
                seconds += built.tar_size / PULL_BYTES_PER_SECOND
        write_json(index_path, index)
        config = ImageConfig(
            diff_ids=tuple(la.diff_id for la in layers),
            history=tuple(
                HistoryEntry(h.created, h.created_by, h.comment, h.empty_layer)
                for h in spec.history
            ),
            config=run_config_from_json(spec.config),
            architecture=spec.architecture,
            os=spec.os,
            variant=spec.variant,
            created=spec.created,
        )
        previous = self.store.tags.get(str(ref))
        image = self.images.add(config, layers, self.clock)
        digest = self.manifest_digest(image)
        record = image.record
        if f"{ref.name}@{digest}" not in record.repo_digests:
            record.repo_digests.append(f"{ref.name}@{digest}")
            self.store.put_image(record)
        self.images.tag(image.id, ref)
        self.advance(seconds)
        return PullResult(ref, self.images.get(image.id), tuple(pulled), digest,
                          previous == image.id, seconds)

    def local_or_pull(self, name: str, platform: str | None = None) -> tuple[LocalImage, bool]:
        """A base image as `FROM` or `docker run` finds it: local first, else pulled.
        Returns the image and whether it had to be pulled."""
        image = self.images.find(name)
        if image is not None:
            return image, False
        ref = parse_docker_ref(name)
        return self.pull(ref, platform).image, True

    def manifest_digest(self, image: LocalImage) -> str:
        """The digest of the manifest a registry holds for `image` (uncompressed OCI layers)."""
        layers = tuple(self.store.get_layer(d) for d in image.diff_ids)
        return digest(manifest_bytes(image.record.config, layers))

    # -- builds ---------------------------------------------------------------------------------

    def remember_build(self, outcome: BuildOutcome) -> None:
        """Keep the steps of the latest build of each tag, for the tutorial's timeline."""
        builds = self.store.load_json(BUILDS_FILE, {})
        if not isinstance(builds, dict):
            builds = {}
        record = [
            {"name": s.name, "cached": s.cached, "seconds": s.seconds, "reason": s.reason,
             "stage": s.stage}
            for s in outcome.steps
        ]
        for tag in outcome.tags or (outcome.image_id,):
            builds[tag] = record
        builds[LAST_BUILD] = record
        self.store.save_json(BUILDS_FILE, builds)

    def last_build(self, ref: str | None = None) -> list[StepRecord] | None:
        """The steps of the latest build that tagged `ref` (of any build when None)."""
        builds = self.store.load_json(BUILDS_FILE, {})
        key = LAST_BUILD if ref is None else str(parse_docker_ref(ref))
        raw = builds.get(key) if isinstance(builds, dict) else None
        if not isinstance(raw, list):
            return None
        try:
            return [StepRecord(r["name"], bool(r["cached"]), float(r["seconds"]),
                               str(r["reason"]), str(r["stage"])) for r in raw]
        except (KeyError, TypeError, ValueError):
            return None

    # -- file systems -------------------------------------------------------------------------

    def tree(self, diff_ids: tuple[str, ...] | list[str]) -> FileTree:
        """The file system a stack of layers makes, lower layers first."""
        tree = FileTree()
        for diff_id in diff_ids:
            apply_changes(tree, self.store.get_layer(diff_id).changes)
        return tree


def apply_changes(tree: FileTree, changes: Changes) -> None:
    """Lay one layer's changes over `tree`, as overlayfs would show them."""
    for change in changes.items:
        if change.kind == "D":
            if change.path in tree:
                tree.remove(change.path)
            continue
        if change.opaque and change.path in tree:
            for child in list(tree.children.get(change.path, ())):
                tree.remove(child)
        if change.path != "/" and tree.get(change.path.rsplit("/", 1)[0] or "/") is None:
            tree.makedirs(change.path.rsplit("/", 1)[0] or "/")
        tree.put(change.path, change.node)
