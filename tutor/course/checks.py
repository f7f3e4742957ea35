"""Step checks: declarative questions about the engine and the session that decide when a step is
done.

A lesson states its checks as TOML tables (`kind = "image"`, …); `parse_check` turns one into a
typed check and `evaluate` answers it against an `EngineView` (what the engine can tell), the
commands the learner ran during the step and the workspace on disk. The engine is reached only
through the `EngineView` protocol, so checks are tested with a fake and the engine adapter stays
small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# ---------------------------------------------------------------------------------------------
# What checks need to know


@dataclass(frozen=True, slots=True)
class BuildStep:
    instruction: str
    """The step as BuildKit's progress names it after `[n/m] `, e.g. `COPY package.json .`
    (FROM shows the resolved name: `FROM docker.io/library/node:20-alpine`)."""
    cached: bool


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """The most recent `docker build` that tagged an image: its `[n/m]` steps in order."""

    steps: tuple[BuildStep, ...]


@dataclass(frozen=True, slots=True)
class ContainerView:
    name: str
    image: str
    """The reference the container was created with, as `docker ps` shows it (`alpine:3.21`)."""
    running: bool
    host_ports: tuple[int, ...] = ()
    """Host ports it publishes (`-p 8080:80` → 8080)."""


class EngineView(Protocol):
    """The engine queries that step checks need, and nothing more."""

    def image_layers(self, ref: str) -> tuple[str, ...] | None:
        """The image's layer diffIDs (`RootFS.Layers`), or None when no image has that name.

        `ref` is as a learner types it (`my-app:1.0`, `alpine` meaning `alpine:latest`)."""
        ...

    def last_build(self, ref: str) -> BuildRecord | None:
        """The latest build that tagged `ref`, or None when none did in this sandbox."""
        ...

    def containers(self) -> Sequence[ContainerView]:
        """Every container, running or not (`docker ps -a`)."""
        ...


@dataclass(frozen=True, slots=True)
class CommandRecord:
    line: str
    status: int


@dataclass(frozen=True, slots=True)
class CheckContext:
    engine: EngineView
    commands: Sequence[CommandRecord]
    """The command lines run since the step began, oldest first."""
    workspace: Path


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool
    detail: str
    """What was found, in words a learner can act on (shown when the check fails)."""


# ---------------------------------------------------------------------------------------------
# The kinds of check


@dataclass(frozen=True, slots=True)
class ImageCheck:
    ref: str
    exists: bool = True
    layers: int | None = None


@dataclass(frozen=True, slots=True)
class BuildCheck:
    image: str
    min_cached: int | None = None
    max_rebuilt: int | None = None
    cached: tuple[str, ...] = ()
    rebuilt: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContainerCheck:
    image: str = ""
    name: str = ""
    exists: bool = True
    running: bool | None = None
    publishes: int | None = None
    count: int = 1
    """At least this many containers must match (with `exists = false`: none may)."""


@dataclass(frozen=True, slots=True)
class CommandCheck:
    pattern: str
    succeeded: bool = True


@dataclass(frozen=True, slots=True)
class FileCheck:
    path: str
    exists: bool = True
    contains: str = ""
    matches: str = ""


@dataclass(frozen=True, slots=True)
class SharedLayersCheck:
    images: tuple[str, str]
    min_shared: int = 1


Check = ImageCheck | BuildCheck | ContainerCheck | CommandCheck | FileCheck | SharedLayersCheck


class CheckSpecError(Exception):
    """A check table a lesson author got wrong; `key` names the offending key ("" = the table)."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


# ---------------------------------------------------------------------------------------------
# Parsing

_Field = tuple[type, bool]  # (type, required)

_FIELDS: dict[str, dict[str, _Field]] = {
    "image": {"ref": (str, True), "exists": (bool, False), "layers": (int, False)},
    "build": {
        "image": (str, True),
        "min_cached": (int, False),
        "max_rebuilt": (int, False),
        "cached": (list, False),
        "rebuilt": (list, False),
    },
    "container": {
        "image": (str, False),
        "name": (str, False),
        "exists": (bool, False),
        "running": (bool, False),
        "publishes": (int, False),
        "count": (int, False),
    },
    "command": {"matches": (str, True), "succeeded": (bool, False)},
    "file": {
        "path": (str, True),
        "exists": (bool, False),
        "contains": (str, False),
        "matches": (str, False),
    },
    "shared_layers": {"images": (list, True), "min": (int, False)},
}

KINDS = tuple(_FIELDS)


def _typed(table: Mapping[str, object], kind: str) -> dict[str, object]:
    fields = _FIELDS[kind]
    for key, value in table.items():
        if key == "kind":
            continue
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise CheckSpecError(f"unknown key {key!r} for a {kind!r} check (known: {known})", key)
        want = fields[key][0]
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if ok and isinstance(value, list):
            ok = all(isinstance(item, str) for item in value)
        if not ok:
            name = "list of strings" if want is list else want.__name__
            raise CheckSpecError(f"{key!r} must be a {name}", key)
        if isinstance(value, int) and value < 0:
            raise CheckSpecError(f"{key!r} must not be negative", key)
    for key, (_, required) in fields.items():
        if required and key not in table:
            raise CheckSpecError(f"a {kind!r} check needs {key!r}")
    return {k: v for k, v in table.items() if k != "kind"}


def _regex(pattern: str, key: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise CheckSpecError(f"{key!r} is not a valid regular expression: {exc}", key) from None
    return pattern


def _opt_int(v: Mapping[str, object], key: str) -> int | None:
    value = v.get(key)
    return value if isinstance(value, int) else None


def _strs(v: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = v.get(key, [])
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _flag(v: Mapping[str, object], key: str, default: bool | None) -> bool | None:
    value = v.get(key, default)
    return value if isinstance(value, bool) else default


def parse_check(table: Mapping[str, object]) -> Check:
    """One check from its TOML table; raises `CheckSpecError` saying what is wrong."""
    kind = table.get("kind")
    if not isinstance(kind, str):
        raise CheckSpecError(f"a check needs kind = one of {', '.join(KINDS)}", "kind")
    if kind not in _FIELDS:
        raise CheckSpecError(f"unknown check kind {kind!r} (known: {', '.join(KINDS)})", "kind")
    v = _typed(table, kind)
    text = {k: str(value) for k, value in v.items() if isinstance(value, str)}
    if kind == "image":
        return ImageCheck(text["ref"], _flag(v, "exists", True) is True, _opt_int(v, "layers"))
    if kind == "build":
        return BuildCheck(
            text["image"],
            _opt_int(v, "min_cached"),
            _opt_int(v, "max_rebuilt"),
            _strs(v, "cached"),
            _strs(v, "rebuilt"),
        )
    if kind == "container":
        if not text.get("image") and not text.get("name"):
            raise CheckSpecError("a 'container' check needs 'image' or 'name'")
        return ContainerCheck(
            text.get("image", ""),
            text.get("name", ""),
            _flag(v, "exists", True) is True,
            _flag(v, "running", None),
            _opt_int(v, "publishes"),
            _opt_int(v, "count") or 1,
        )
    if kind == "command":
        return CommandCheck(_regex(text["matches"], "matches"), _flag(v, "succeeded", True) is True)
    if kind == "file":
        path = text["path"]
        if path.startswith("/") or ".." in Path(path).parts:
            raise CheckSpecError("'path' must be relative to the workspace, without '..'", "path")
        return FileCheck(
            path,
            _flag(v, "exists", True) is True,
            text.get("contains", ""),
            _regex(text.get("matches", ""), "matches"),
        )
    images = _strs(v, "images")
    if len(images) != 2:
        raise CheckSpecError("'images' must name exactly two images", "images")
    return SharedLayersCheck((images[0], images[1]), _opt_int(v, "min") or 1)


# ---------------------------------------------------------------------------------------------
# Evaluation


def normal_step(instruction: str) -> str:
    """A build step's name with its spacing normalized (spaces do not matter in checks)."""
    return " ".join(instruction.split())


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _image(check: ImageCheck, ctx: CheckContext) -> Outcome:
    layers = ctx.engine.image_layers(check.ref)
    if not check.exists:
        if layers is None:
            return Outcome(True, f"{check.ref} is gone")
        return Outcome(False, f"image {check.ref} still exists")
    if layers is None:
        return Outcome(False, f"no image {check.ref} yet")
    if check.layers is not None and len(layers) != check.layers:
        return Outcome(False, f"{check.ref} has {plural(len(layers), 'layer')}, not {check.layers}")
    return Outcome(True, f"{check.ref} exists with {plural(len(layers), 'layer')}")


def _build(check: BuildCheck, ctx: CheckContext) -> Outcome:
    record = ctx.engine.last_build(check.image)
    if record is None:
        return Outcome(False, f"no build of {check.image} yet")
    by_name = {normal_step(s.instruction): s.cached for s in record.steps}
    cached = sum(1 for s in record.steps if s.cached)
    rebuilt = len(record.steps) - cached
    summary = f"the last build of {check.image} had {cached} cached and {rebuilt} rebuilt steps"
    if check.min_cached is not None and cached < check.min_cached:
        return Outcome(False, f"{summary}; at least {check.min_cached} cached expected")
    if check.max_rebuilt is not None and rebuilt > check.max_rebuilt:
        return Outcome(False, f"{summary}; at most {check.max_rebuilt} rebuilt expected")
    for want_cached, names in ((True, check.cached), (False, check.rebuilt)):
        for name in names:
            state = by_name.get(normal_step(name))
            if state is None:
                return Outcome(False, f"the last build of {check.image} had no step {name}")
            if state != want_cached:
                how = "rebuilt" if want_cached else "came from the cache"
                return Outcome(False, f"in the last build of {check.image}, {name} {how}")
    return Outcome(True, summary)


def _container_matches(check: ContainerCheck, c: ContainerView) -> bool:
    return (
        (not check.name or c.name == check.name)
        and (not check.image or c.image == check.image)
        and (check.running is None or c.running == check.running)
        and (check.publishes is None or check.publishes in c.host_ports)
    )


def container_phrase(check: ContainerCheck) -> str:
    """The containers a check looks for, in words: `running container named web from app`."""
    return " ".join(
        part
        for part in (
            {True: "running", False: "stopped", None: ""}[check.running],
            "container",
            f"named {check.name}" if check.name else "",
            f"from {check.image}" if check.image else "",
            f"publishing port {check.publishes}" if check.publishes is not None else "",
        )
        if part
    )


def _container(check: ContainerCheck, ctx: CheckContext) -> Outcome:
    found = [c for c in ctx.engine.containers() if _container_matches(check, c)]
    what = container_phrase(check)
    if not check.exists:
        if found:
            return Outcome(False, f"a {what} still exists: {found[0].name}")
        return Outcome(True, f"no {what}")
    if len(found) < check.count:
        return Outcome(False, f"{len(found)} {what}; {check.count} expected")
    return Outcome(True, f"{len(found)} {what}")


def _command(check: CommandCheck, ctx: CheckContext) -> Outcome:
    pattern = re.compile(check.pattern)
    ran = [c for c in ctx.commands if pattern.search(c.line)]
    if not ran:
        return Outcome(False, "the command this step asks for has not been run yet")
    if check.succeeded and all(c.status != 0 for c in ran):
        return Outcome(False, f"`{ran[-1].line}` failed (exit status {ran[-1].status})")
    return Outcome(True, f"ran `{ran[-1].line}`")


def _file(check: FileCheck, ctx: CheckContext) -> Outcome:
    path = ctx.workspace / check.path
    if not path.is_file():
        return Outcome(not check.exists, f"{check.path} does not exist")
    if not check.exists:
        return Outcome(False, f"{check.path} still exists")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return Outcome(False, f"{check.path} cannot be read: {exc.strerror}")
    if check.contains and check.contains not in text:
        return Outcome(False, f"{check.path} does not contain {check.contains!r} yet")
    if check.matches and not re.search(check.matches, text, re.MULTILINE):
        return Outcome(False, f"{check.path} does not look as this step asks yet")
    return Outcome(True, f"{check.path} is as expected")


def _shared(check: SharedLayersCheck, ctx: CheckContext) -> Outcome:
    first, second = (ctx.engine.image_layers(ref) for ref in check.images)
    for ref, layers in zip(check.images, (first, second), strict=True):
        if layers is None:
            return Outcome(False, f"no image {ref} yet")
    assert first is not None and second is not None
    shared = len(set(first) & set(second))
    a, b = check.images
    if shared < check.min_shared:
        return Outcome(False,
                       f"{a} and {b} share {plural(shared, 'layer')}; {check.min_shared} expected")
    return Outcome(True, f"{a} and {b} share {plural(shared, 'layer')}")


_EVALUATORS: dict[type, Callable[..., Outcome]] = {
    ImageCheck: _image,
    BuildCheck: _build,
    ContainerCheck: _container,
    CommandCheck: _command,
    FileCheck: _file,
    SharedLayersCheck: _shared,
}


def evaluate(check: Check, ctx: CheckContext) -> Outcome:
    return _EVALUATORS[type(check)](check, ctx)


def evaluate_all(checks: Sequence[Check], ctx: CheckContext) -> Outcome:
    """A step passes when all its checks pass; the first failing one explains why not."""
    for check in checks:
        outcome = evaluate(check, ctx)
        if not outcome.passed:
            return outcome
    return Outcome(True, "done")
