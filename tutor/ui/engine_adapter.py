"""What the views and the step checks read from a sandbox's engine, in one place.

The engine grows in parallel with the tutorial (containers and registries arrive later), so every
optional part is feature-detected here and nowhere else: when an API is missing, the view shows
what it can and says what is not there yet, instead of failing.

Optional APIs looked for, and the shape expected of them:
- `tutor.course.engineview.open_view(state) -> EngineView`: the course's adapter for step checks.
  Without it, a small view of our own answers images from the store, builds from the timelines the
  terminal has seen, and has no containers.
- `engine.containers.all()`: items with `name`, `image` (an image ID), `running` (or
  `state == "running"`) and optionally `size` (bytes in the writable layer).
- `engine.registry.repositories() -> Mapping[str, Mapping[str, str]]` (repository → tag → manifest
  digest) and `engine.registry.has_layer(diff_id) -> bool`. Without it, the registry side is the
  simulated Docker Hub as the local images' repo digests record it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tutor.course.checks import BuildRecord, BuildStep, ContainerView, EngineView
from tutor.engine import Engine, EngineError
from tutor.engine.reference import parse_docker_ref
from tutor.paths import content_dir
from tutor.ui.build_log import Timeline, TimelineStep


def open_engine(state: Path) -> Engine:
    return Engine.open(state, assets=content_dir("assets"))


def normal_ref(ref: str) -> str:
    """`app` and `docker.io/library/app:latest` name the same image; compare in one form."""
    try:
        return str(parse_docker_ref(ref))
    except EngineError:
        return ref


# ---------------------------------------------------------------------------------------------
# Step checks


class _StoreView:
    """The checks' view when the course's adapter is not there yet."""

    def __init__(self, state: Path, timelines: Callable[[], Sequence[Timeline]]) -> None:
        self.state = state
        self.timelines = timelines

    def image_layers(self, ref: str) -> tuple[str, ...] | None:
        image = open_engine(self.state).images.find(ref)
        return None if image is None else image.diff_ids

    def last_build(self, ref: str) -> BuildRecord | None:
        wanted = normal_ref(ref)
        for timeline in reversed(self.timelines()):
            if wanted in {normal_ref(t) for t in timeline.tags}:
                steps = timeline.steps
                return BuildRecord(tuple(BuildStep(s.instruction, s.cached) for s in steps))
        return None

    def containers(self) -> Sequence[ContainerView]:
        return ()


def check_view(state: Path, timelines: Callable[[], Sequence[Timeline]]) -> EngineView:
    try:
        from tutor.course import engineview  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return _StoreView(state, timelines)
    view: EngineView = engineview.open_view(state)
    return view


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
    containers_known: bool
    """False when the engine has no containers yet (the view says so)."""


def image_names(state: Path) -> list[str]:
    """Local images as the learner names them: `repo:tag`, or a short ID when untagged."""
    names: list[str] = []
    for image in sorted(open_engine(state).images.all(), key=lambda i: -i.created):
        names += [t.familiar for t in image.tags] or [image.id[7:19]]
    return names


def _image_label(tags: Sequence[object], image_id: str) -> str:
    return str(getattr(tags[0], "familiar", tags[0])) if tags else image_id[7:19]


def _containers(engine: Engine) -> list[object] | None:
    containers = getattr(engine, "containers", None)
    listing = getattr(containers, "all", None)
    if not callable(listing):
        return None
    with contextlib.suppress(EngineError):
        return list(listing())
    return []


def _running(container: object) -> bool:
    running = getattr(container, "running", None)
    if isinstance(running, bool):
        return running
    return getattr(container, "state", "") == "running"


def layer_stack(state: Path, ref: str) -> Stack | None:
    engine = open_engine(state)
    image = engine.images.find(ref)
    if image is None:
        return None
    others = [i for i in engine.images.all() if i.id != image.id]
    history = [h for h in image.config.history if not h.empty_layer]
    blocks: list[LayerBlock] = []
    for n, diff_id in enumerate(image.diff_ids):
        created_by = history[n].created_by if n < len(history) else ""
        shared = tuple(_image_label(o.tags, o.id) for o in others if diff_id in o.diff_ids)
        blocks.append(
            LayerBlock(
                instruction(created_by), engine.store.get_layer(diff_id).size, diff_id, shared
            )
        )
    containers = _containers(engine)
    for c in containers or ():
        if getattr(c, "image", getattr(c, "image_id", "")) == image.id:
            size = getattr(c, "size", 0)
            blocks.append(
                LayerBlock(
                    "writable container layer",
                    size if isinstance(size, int) else 0,
                    "",
                    container=str(getattr(c, "name", "?")),
                    running=_running(c),
                )
            )
    return Stack(ref, image.id, tuple(blocks), containers is not None)


# ---------------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True, slots=True)
class LocalEntry:
    name: str
    image_id: str
    layers: int
    in_registry: int
    """How many of its layers the registry side already has."""


@dataclass(frozen=True, slots=True)
class RemoteTag:
    repository: str
    tag: str
    digest: str


@dataclass(frozen=True, slots=True)
class RegistryModel:
    registry: str
    """Which registry the right-hand side shows."""
    local: tuple[LocalEntry, ...]
    remote: tuple[RemoteTag, ...]
    simulated_hub: bool
    """True when the engine has no registry of its own yet and the Hub side is inferred."""


def _registry_api(engine: Engine) -> object | None:
    registry = getattr(engine, "registry", None)
    ok = callable(getattr(registry, "repositories", None)) and callable(
        getattr(registry, "has_layer", None)
    )
    return registry if ok else None


def registry_model(state: Path) -> RegistryModel:
    engine = open_engine(state)
    images = sorted(engine.images.all(), key=lambda i: -i.created)
    registry = _registry_api(engine)
    remote: list[RemoteTag] = []
    if registry is not None:
        repositories: Mapping[str, Mapping[str, str]] = registry.repositories()  # type: ignore[attr-defined]
        remote = [
            RemoteTag(repo, tag, digest)
            for repo, tags in sorted(repositories.items())
            for tag, digest in sorted(tags.items())
        ]
        has: Callable[[str], bool] = registry.has_layer  # type: ignore[attr-defined]
    else:
        hub_layers: set[str] = set()
        for image in images:
            for repo_digest in image.record.repo_digests:
                repo, _, digest = repo_digest.partition("@")
                hub_layers |= set(image.diff_ids)
                tags = [t.tag or "latest" for t in image.tags if t.name == repo] or ["<none>"]
                remote += [RemoteTag(repo, tag, digest) for tag in tags]
        has = hub_layers.__contains__
    local = tuple(
        LocalEntry(
            _image_label(image.tags, image.id),
            image.id,
            len(image.diff_ids),
            sum(1 for d in image.diff_ids if has(d)),
        )
        for image in images
    )
    return RegistryModel(
        "registry" if registry is not None else "Docker Hub (simulated)",
        local,
        tuple(remote),
        registry is None,
    )


def container_names(state: Path) -> list[str]:
    return [str(getattr(c, "name", "")) for c in _containers(open_engine(state)) or ()]


def familiar(ref: str) -> str:
    """`docker.io/library/app:1` as `docker images` names it: `app:1`."""
    try:
        return parse_docker_ref(ref).familiar
    except EngineError:
        return ref


def with_reasons(state: Path, timeline: Timeline) -> Timeline:
    """The timeline with the engine's own miss reasons, when it records its last build
    (`engine.last_build(ref)` → steps with `name` and `reason`)."""
    last_build = getattr(open_engine(state), "last_build", None)
    if not callable(last_build) or not timeline.tags:
        return timeline
    try:
        steps = last_build(familiar(timeline.tags[0])) or ()
    except EngineError:
        return timeline
    reasons = {str(getattr(s, "name", "")): str(getattr(s, "reason", "")) for s in steps}

    def reason(step: TimelineStep) -> str:
        return next((r for name, r in reasons.items() if name.endswith(step.instruction)), "")

    return replace(timeline, steps=tuple(replace(s, reason=reason(s)) for s in timeline.steps))
