"""What the views read from a sandbox's engine, in one place, as plain frozen models.

`inspect` opens the engine once and reads everything the lesson screen shows (image names, the
chosen image's layer stack, the registry view, the last build's miss reasons). It runs in a worker
thread after every command, so the screen never waits on the disk; the caller holds the sandbox's
lock so no docker command changes the state halfway through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from tutor.engine import Engine, EngineError
from tutor.engine.catalogue import DEFAULT_PLATFORM
from tutor.engine.containers import Container
from tutor.engine.images import LocalImage
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.engine.registry import HUB, Registry
from tutor.paths import content_dir
from tutor.ui.build_log import Timeline, TimelineStep


def open_engine(state: Path) -> Engine:
    return Engine.open(state, assets=content_dir("assets"))


def _reference(ref: str) -> Reference | None:
    try:
        return parse_docker_ref(ref)
    except EngineError:
        return None


def familiar(ref: str) -> str:
    """`docker.io/library/app:1` as `docker images` names it: `app:1`."""
    parsed = _reference(ref)
    return ref if parsed is None else parsed.familiar


def short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


def _label(image: LocalImage) -> str:
    return image.tags[0].familiar if image.tags else image.id[7:19]


def _newest_first(engine: Engine) -> list[LocalImage]:
    return sorted(engine.images.all(), key=lambda i: (-i.created, i.id))


def image_names(engine: Engine) -> tuple[str, ...]:
    """Local images as the learner names them: `repo:tag`, or a short ID when untagged."""
    names: list[str] = []
    for image in _newest_first(engine):
        names += [t.familiar for t in image.tags] or [image.id[7:19]]
    return tuple(names)


def container_names(engine: Engine) -> tuple[str, ...]:
    return tuple(c.name for c in engine.containers.all())


# ---------------------------------------------------------------------------------------------
# Layer stack

_BUILDKIT = re.compile(r"\s*# buildkit\Z")
_NOP = re.compile(r"^/bin/sh -c #\(nop\)\s*")
_SHELL_RUN = re.compile(r"^(RUN )?/bin/sh -c ")


def instruction(created_by: str) -> str:
    """A history entry's `created_by` as the Dockerfile line it came from."""
    text = _BUILDKIT.sub("", created_by)
    if _NOP.match(text):
        return _NOP.sub("", text)
    if _SHELL_RUN.match(text):
        return "RUN " + _SHELL_RUN.sub("", text)
    return text


@dataclass(frozen=True, slots=True)
class LayerBlock:
    instruction: str
    size: int
    digest: str
    """The layer's diffID (`sha256:…`); empty for a container's writable layer."""
    shared_with: tuple[str, ...] = ()
    """Other local images (by name) that have this layer too."""
    container: str = ""
    """For a container's writable layer: the container's name."""
    running: bool = False


@dataclass(frozen=True, slots=True)
class Stack:
    image: str
    image_id: str
    layers: tuple[LayerBlock, ...]
    """Bottom first: the base image's layers, then the image's own, then containers' layers."""


def _writable(engine: Engine, container: Container) -> LayerBlock:
    return LayerBlock("writable container layer", engine.containers.size_rw(container), "",
                      container=container.name, running=container.running)


def layer_stack(engine: Engine, ref: str) -> Stack | None:
    image = engine.images.find(ref)
    if image is None:
        return None
    others = [i for i in _newest_first(engine) if i.id != image.id]
    history = [h for h in image.config.history if not h.empty_layer]
    blocks: list[LayerBlock] = []
    for n, diff_id in enumerate(image.diff_ids):
        created_by = history[n].created_by if n < len(history) else ""
        shared = tuple(_label(o) for o in others if diff_id in o.diff_ids)
        size = engine.store.get_layer(diff_id).size
        blocks.append(LayerBlock(instruction(created_by), size, diff_id, shared))
    users = [c for c in engine.containers.all() if c.image_id == image.id]
    # Oldest container lowest: the newest sits on top, as `docker ps` lists it first.
    blocks += [_writable(engine, c) for c in reversed(users)]
    return Stack(ref, image.id, tuple(blocks))


# ---------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True, slots=True)
class LocalEntry:
    name: str
    image_id: str
    layers: int
    repository: str
    """Where `docker push NAME` sends it: `docker.io/learner/app`, `localhost:5000/app`."""
    in_registry: int | None
    """How many of its layers that repository already has; None when it has no such
    repository (or nothing answers at that host)."""


@dataclass(frozen=True, slots=True)
class RemoteTag:
    tag: str
    digest: str
    """The manifest (or index) digest the tag points to, as `docker pull` reports it."""
    layers: int
    local_layers: int
    """How many of the manifest's layers the local store has."""


@dataclass(frozen=True, slots=True)
class RemoteRepository:
    path: str
    tags: tuple[RemoteTag, ...]


@dataclass(frozen=True, slots=True)
class RegistrySide:
    host: str
    user: str | None
    """Who the sandbox is logged in as there (None: not logged in)."""
    repositories: tuple[RemoteRepository, ...]


@dataclass(frozen=True, slots=True)
class RegistryModel:
    local: tuple[LocalEntry, ...]
    registries: tuple[RegistrySide, ...]


def manifest_layers(registry: Registry, path: str, tag: str) -> tuple[str, tuple[str, ...]] | None:
    """The digest `path:tag` resolves to and the layer blobs of its default-platform manifest
    (gzip blob digests, not diffIDs)."""
    top = registry.manifest(path, tag)
    if top is None:
        return None
    manifest = top
    if top.is_index:
        entries = top.doc.get("manifests", [])
        wanted = [e for e in entries if _platform(e.get("platform", {})) == DEFAULT_PLATFORM]
        chosen = (wanted or entries or [None])[0]
        found = registry.manifest(path, chosen["digest"]) if chosen else None
        if found is None:
            return top.digest, ()
        manifest = found
    return top.digest, tuple(str(layer["digest"]) for layer in manifest.doc.get("layers", []))


def _platform(doc: dict[str, str]) -> str:
    return "/".join(p for p in (doc.get("os"), doc.get("architecture"), doc.get("variant")) if p)


def _serving_hosts(engine: Engine) -> list[str]:
    """`localhost:PORT` for every published port of a running container that a registry answers
    on (a `registry:2` container), in port order."""
    ports = {p.host_port for c in engine.containers.all() if c.running for p in c.ports}
    hosts = [f"localhost:{port}" for port in sorted(ports) if port]
    return [h for h in hosts if engine.registries.at(h) is not None]


def registry_model(engine: Engine) -> RegistryModel:
    images = _newest_first(engine)
    blob_of = {d: engine.store.get_layer(d).gzip_digest
               for image in images for d in image.diff_ids}
    local_blobs = set(blob_of.values())
    hosts = [HUB, *_serving_hosts(engine)]
    # host → repository → the tags to show (None: all of them)
    wanted: dict[str, dict[str, set[str] | None]] = {h: {} for h in hosts}
    local: list[LocalEntry] = []
    for image in images:
        for ref in image.tags or (None,):
            name = ref.familiar if ref else image.id[7:19]
            registry = engine.registries.at(ref.domain) if ref else None
            have: int | None = None
            if ref is not None and registry is not None and registry.exists(ref.path):
                have = sum(1 for d in image.diff_ids if registry.has_blob(ref.path, blob_of[d]))
                shown = wanted.setdefault(ref.domain, {}).setdefault(ref.path, set())
                if shown is not None:
                    shown.add(ref.tag or "latest")
            repository = ref.name if ref else ""
            local.append(LocalEntry(name, image.id, len(image.diff_ids), repository, have))
    user = engine.logins.user(HUB)
    hub = engine.registries.hub
    if user is not None:
        for path in hub.repositories():
            if path.startswith(user + "/"):
                wanted[HUB][path] = None
    sides: list[RegistrySide] = []
    for host in hosts:
        registry = engine.registries.at(host)
        assert registry is not None
        if host != HUB:
            wanted[host].update({path: None for path in registry.repositories()})
        repositories: list[RemoteRepository] = []
        for path, only in sorted(wanted[host].items()):
            tags: list[RemoteTag] = []
            for tag in registry.tags(path):
                if only is not None and tag not in only:
                    continue
                found = manifest_layers(registry, path, tag)
                if found is not None:
                    digest, layers = found
                    have_here = sum(1 for d in layers if d in local_blobs)
                    tags.append(RemoteTag(tag, digest, len(layers), have_here))
            repositories.append(RemoteRepository(path, tuple(tags)))
        sides.append(RegistrySide(host, engine.logins.user(host), tuple(repositories)))
    return RegistryModel(tuple(local), tuple(sides))


# ---------------------------------------------------------------------------------------------
# Builds


def with_reasons(engine: Engine, timeline: Timeline) -> Timeline:
    """The timeline with the engine's own miss reasons from its record of the build."""
    if not timeline.tags:
        return timeline
    try:
        steps = engine.last_build(familiar(timeline.tags[0])) or ()
    except EngineError:
        return timeline
    reasons = {s.name: s.reason for s in steps}

    def reason(step: TimelineStep) -> str:
        return next((r for name, r in reasons.items() if name.endswith(step.instruction)), "")

    return replace(timeline, steps=tuple(replace(s, reason=reason(s)) for s in timeline.steps))


# ---------------------------------------------------------------------------------------------
# Everything at once


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the lesson screen's views show after a command."""

    images: tuple[str, ...]
    stack: Stack | None
    registry: RegistryModel
    timeline: Timeline | None


def inspect(state: Path, chosen: str | None, timeline: Timeline | None) -> Inspection:
    """Read the sandbox for the views: `chosen` is the image the layer view shows (the first
    local image when None or gone), `timeline` a finished build to add the miss reasons to."""
    engine = open_engine(state)
    try:
        images = image_names(engine)
        if chosen not in images:
            chosen = images[0] if images else None
        stack = layer_stack(engine, chosen) if chosen is not None else None
        if timeline is not None:
            timeline = with_reasons(engine, timeline)
        return Inspection(images, stack, registry_model(engine), timeline)
    finally:
        engine.close()  # lets other processes at the sandbox (statelock.py)


def names(state: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Image and container names, for Tab completion."""
    engine = open_engine(state)
    try:
        return image_names(engine), container_names(engine)
    finally:
        engine.close()

