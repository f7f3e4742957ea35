"""A `BaseImageSpec` for an image of the generated library, by the rules of this package.

Real data, taken as given: tags, architectures, `from`, config, history lines and their times,
layer sizes and installed packages when the data states them. Rules (documented in
docs/open-world-images.md): which files each layer holds (steps.py), OS roots (osroot.py), the
programs an image puts on its PATH (rules.toml `programs`), and the size of a layer the data
gives no size for:

1. the data's own `layers[].size`;
2. else, when the data has a total `size` and per-layer `compressed` sizes, the total (minus the
   base image) spread over the layers in proportion to their compressed sizes;
3. else the sizes of a sibling tag of the same repository with as many layers, when the
   repo-info data publishes them (`node:18-alpine` takes the shape of `node:22-alpine`);
4. else the hand-written recipe matched to the step (same repository, similar step text);
5. else an estimate by step kind (rules.toml `sizes`, `install_sizes`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tutor.engine.catalogue import (
    _ARCH_WORDS,
    BUILDKIT_COMMENT,
    BaseImageSpec,
    CatalogueError,
    HistoryEntry,
    LayerSpec,
    Platform,
)
from tutor.engine.library.config import DEFAULT_PATH, env_map, merge_config, track_env
from tutor.engine.library.contents import Planned, place_programs, record_packages
from tutor.engine.library.data import ImageRecord, LibraryFiles, StepRecord
from tutor.engine.library.older import older_release
from tutor.engine.library.osroot import FAMILIES, RootIdentity, derive_root, identify
from tutor.engine.library.platforms import ARCHITECTURES, platforms_of
from tutor.engine.library.recipes import family_recipes, matching_recipe
from tutor.engine.library.rules import Rules
from tutor.engine.library.sizes import layer_sizes
from tutor.engine.library.steps import Recipe, StepContext, classify, step_recipe

if TYPE_CHECKING:
    from tutor.engine.catalogue import Catalogue

HUB = "docker.io/"


def familiar(repository: str) -> str:
    """`docker.io/library/node` → `node`; other registries keep their host."""
    if repository.startswith(HUB):
        return repository[len(HUB):].removeprefix("library/")
    return repository


def full_name(name: str) -> str:
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return HUB + (name if "/" in name else f"library/{name}")


def split_ref(ref: str) -> tuple[str, str]:
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "latest")
    return full_name(name), tag or "latest"


def arch_words(platform: Platform) -> dict[str, str]:
    return dict(_ARCH_WORDS.get(platform.architecture, _ARCH_WORDS["amd64"]))


@dataclass(frozen=True, slots=True)
class _Built:
    spec: BaseImageSpec
    family: str


class ImageBuilder:
    """Specs for the generated library's images, built on first use and shared."""

    def __init__(self, catalogue: Catalogue, files: LibraryFiles, rules: Rules) -> None:
        self.catalogue = catalogue
        self.files = files
        self.rules = rules
        self._built: dict[tuple[str, str, str, str], _Built] = {}
        self._families: dict[int, str] = {}
        self._active: set[tuple[str, str, str]] = set()
        self._older: dict[tuple[str, str], ImageRecord | None] = {}

    # -- lookups the catalogue delegates ------------------------------------------------------

    def record(self, repository: str, tag: str) -> ImageRecord | None:
        """The data's record for the tag, else an older release by rule (older.py)."""
        name = familiar(repository)
        found = self.files.find(name, tag)
        if found is None:
            key = (name, tag)
            if key not in self._older:
                codenames = ({k: v[0] for k, v in self.rules.debian.items()},
                             {k: v[0] for k, v in self.rules.ubuntu.items()})
                self._older[key] = older_release(self.files.records(name), tag,
                                                 self.rules.first_release.get(name), codenames)
            found = self._older[key]
        return _completed(found) if found is not None else None

    def platforms(self, repository: str, tag: str) -> tuple[Platform, ...]:
        record = self.record(repository, tag)
        return platforms_of(record.architectures) if record is not None else ()

    def resolve(self, repository: str, tag: str, platform: Platform) -> BaseImageSpec | None:
        record = self.record(repository, tag)
        if record is None:
            return None
        for candidate in platforms_of(record.architectures):
            if candidate.os == "linux" and _matches(candidate, platform):
                return self.build(record, candidate)
        return None

    # -- building -----------------------------------------------------------------------------

    def build(self, record: ImageRecord, platform: Platform) -> BaseImageSpec:
        key = (record.source, record.repository, record.tags[0] if record.tags else "",
               str(platform))
        cached = self._built.get(key)
        if cached is not None:
            return cached.spec
        guard = key[1:]
        if guard in self._active:
            raise CatalogueError(f"{record.repository}: its FROM chain loops")
        self._active.add(guard)
        try:
            built = self._build(record, platform)
        finally:
            self._active.discard(guard)
        self._built[key] = built
        self._families[id(built.spec)] = built.family
        return built.spec

    def _base(self, record: ImageRecord, platform: Platform) -> BaseImageSpec | None:
        if record.base in (None, "scratch"):
            return None
        assert record.base is not None
        repository, tag = split_ref(_without_arch_namespace(record.base))
        spec = self.catalogue.resolve(repository, tag, str(platform))
        if spec is None:
            # a hand-written tag without this platform (arm/v7…): the library's, else the rule
            spec = self.resolve(repository, tag, platform) or self.os_root(repository, tag,
                                                                             platform)
        return spec

    def family_of(self, spec: BaseImageSpec | None) -> str:
        if spec is None:
            return "scratch"
        known = self._families.get(id(spec))
        if known is not None:
            return known
        family = "scratch"
        for layer in spec.layers:
            for path, node in layer.entries:
                if path in ("/usr/lib/os-release", "/etc/os-release") and node.content is not None:
                    text = node.content.read().decode(errors="replace")
                    found = re.search(r"^ID=\"?(\w+)", text, re.M)
                    if found and found.group(1) in FAMILIES:
                        family = found.group(1)
                elif path == "/bin/busybox" and family == "scratch":
                    family = "busybox"
        self._families[id(spec)] = family
        return family

    def os_root(self, repository: str, tag: str, platform: Platform) -> BaseImageSpec | None:
        """`alpine:3.15`, `debian:buster-slim`… that neither recipe nor data describe, as the
        nearest family recipe renamed (only as a base: such a tag is not pullable)."""
        name = familiar(repository)
        if name not in FAMILIES:
            return None
        # the release a tag names elsewhere (another platform of a hand-written or data image)
        tags, history = [tag], ""
        known = self.catalogue._images.get((repository, tag))
        if known is not None:
            tags = list(known.tags)
        else:
            record = self.files.find(name, tag)
            if record is not None:
                tags = list(record.tags)
                history = " ".join(s.created_by for s in record.history)
        identity = identify(name, tags, history, self.rules)
        if name == "alpine" and not re.fullmatch(r"\d+\.\d+(\.\d+)?", tag):
            return None
        record = ImageRecord(
            source="rule", repository=name, tags=(tag,), architectures=("amd64", "arm64v8"),
            base="scratch", base_history=None, created="2020-01-01T00:00:00Z",
            config={"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                    "Cmd": ["/bin/sh" if name in ("alpine", "busybox") else "bash"]},
            history=(StepRecord(_root_history(identity, platform), False),),
            layers=(), size=None, packages_format="", packages=())
        return self.build(record, platform)

    def _build(self, record: ImageRecord, platform: Platform) -> _Built:
        base = self._base(record, platform)
        words = arch_words(platform)
        own = record.own_history if base is not None else record.history
        family = self.family_of(base) if base is not None else _guess_family(record)
        base_layers = base.layers if base is not None else ()
        base_history = base.history if base is not None else ()
        config = merge_config(base.config if base is not None else {}, record.config)
        env = env_map(base.config.get("Env", []) if base is not None else [])
        nonempty = [s for s in own if not s.empty_layer]
        sizes = layer_sizes(self.files, record, base, len(nonempty))
        buildkit = record.source != "repo-info" or any(
            s.created_by.endswith("# buildkit") for s in record.history)
        comment = BUILDKIT_COMMENT if buildkit else ""
        history = base_history + tuple(
            HistoryEntry(s.created or record.created, s.created_by, comment, s.empty_layer)
            for s in own)
        lower_files = _files_in(base_layers)
        entry, cmd = config.get("Entrypoint") or [], config.get("Cmd") or []
        ctx = StepContext(familiar(record.repository), family, env, lower_files, self.rules,
                          entrypoint=str(entry[0]) if isinstance(entry, list) and entry else "",
                          command=str(cmd[0]) if isinstance(cmd, list) and cmd else "")
        planned: list[Planned] = []
        layer_index = 0
        for step in own:
            track_env(step.created_by, env)
            if step.empty_layer:
                continue
            size = sizes[layer_index]
            recipe, estimate, rootfs = self._plan(record, step, ctx, platform, layer_index == 0
                                                  and base is None)
            if rootfs:
                family = ctx.family = _root_family(record)
            planned.append((step, recipe, size if size is not None else estimate, size is not None))
            layer_index += 1
        place_programs(self.rules, record, config, planned, base_layers)
        record_packages(record, planned, base_layers, lower_files, words)
        layers = base_layers
        for i, (step, recipe, size, _real) in enumerate(planned):
            recipe["size"] = size
            created = step.created or record.created
            key = (f"library/{record.source}/{record.repository}:{record.tags[0]}#{i}"
                   f"@{platform}:{_short_hash(step.created_by)}")
            layer_words = {**words, **recipe.pop("words", {})}
            layers += (self._layer(key, recipe, layer_words, created, layers),)
        spec = BaseImageSpec(
            repository=full_name(record.repository), tags=record.tags, platform=platform,
            created=record.created, config=config, history=history, layers=layers)
        return _Built(spec, family)

    def _layer(self, key: str, recipe: dict[str, Any], words: Mapping[str, str], created: str,
               lower: tuple[LayerSpec, ...]) -> LayerSpec:
        mtime = _timestamp(created)
        attempts = [recipe, {k: v for k, v in recipe.items() if k not in ("append", "use")},
                    {"size": recipe["size"], "fill": recipe.get("fill", {})}]
        for attempt in attempts:
            try:
                return self.catalogue._layer(key, attempt, words, mtime, lower)
            except (CatalogueError, KeyError, ValueError):
                continue
        return LayerSpec(key, int(recipe["size"]), ())

    def _plan(self, record: ImageRecord, step: StepRecord, ctx: StepContext, platform: Platform,
              first_without_base: bool) -> tuple[dict[str, Any], int, bool]:
        if record.recipes:
            index = [s for s in record.history if not s.empty_layer].index(step)
            return dict(record.recipes[index]), self.rules.size("run_small"), False
        kind = classify(step.created_by).kind
        # an image whose base is unknown starts with its OS root whatever the step says
        if first_without_base and (kind in ("ROOTFS", "ADD") or record.repository in FAMILIES
                                   or record.base is None):
            family = _root_family(record)
            if family in FAMILIES:
                identity = identify(family, record.tags, step.created_by, self.rules)
                root = derive_root(identity, family_recipes(self.catalogue, family),
                                   self.catalogue._fragment, self.rules,
                                   arch_words(platform)["@DEBARCH@"])
                if root is not None:
                    recipe = dict(root.recipe)
                    recipe["words"] = root.words
                    return recipe, root.size, True
            return {"fill": {"/usr/lib": "rootfs.bin"}}, self.rules.size("os_root"), True
        rule, estimate = step_recipe(step, ctx)
        matched = matching_recipe(self.catalogue, full_name(record.repository),
                                   step.created_by, ctx.family, ctx.env)
        if matched is not None:
            recipe, size = matched
            extra = rule.as_dict()
            # the recipe's own files (node's real entrypoint script…) win over the rule's
            for key in ("dirs", "symlinks"):
                if key in extra:
                    value = recipe.get(key)
                    merged: Any = ([*(value or []), *extra[key]] if isinstance(extra[key], list)
                                   else {**extra[key], **(value or {})})
                    recipe[key] = merged
            return recipe, size, False
        recipe = rule.as_dict()
        recipe["fill"] = {_fill_dir(ctx, step, rule): "data.bin"}
        return recipe, estimate, False

UNKNOWN_STEPS = ("RUN /bin/sh -c true # contents by Image Tutor's rules: the data has no "
                 "Dockerfile steps for this image # buildkit")


def _completed(record: ImageRecord) -> ImageRecord:
    """A record whose data has neither a base nor any layer (a Dockerfile the generator could
    not read) gets, by rule, an OS root and — unless it is an OS image itself — one layer for
    its software, so it still has a shell and its programs. The history says so."""
    if record.base is not None or any(not s.empty_layer for s in record.history):
        return record
    root = hashlib.sha256(" ".join(record.tags).encode()).hexdigest()
    steps = [StepRecord(f"ADD file:{root} in / ", False)]
    if record.repository not in FAMILIES:
        steps.append(StepRecord(UNKNOWN_STEPS, False))
    config = dict(record.config)
    env = list(config.get("Env", []))
    if not any(str(e).startswith("PATH=") for e in env):
        config["Env"] = [DEFAULT_PATH, *env]
    if "Cmd" not in config and "Entrypoint" not in config:
        config["Cmd"] = ["/bin/sh"] if _root_family(record) == "alpine" else ["/bin/bash"]
    return dataclasses.replace(record, history=(*steps, *record.history), config=config,
                               layers=(), base_history=None)


def _without_arch_namespace(ref: str) -> str:
    """`amd64/debian:bookworm-slim` (official-images' per-architecture namespaces, as
    multi-arch Dockerfiles name their base) → `debian:bookworm-slim`."""
    first, _, rest = ref.partition("/")
    return rest if rest and first in ARCHITECTURES else ref


def _fill_dir(ctx: StepContext, step: StepRecord, rule: Recipe) -> str:
    text = step.created_by
    if "apt-get install" in text or "apt install" in text:
        return "/usr/lib/@TRIPLET@"
    if "apk add" in text:
        return "/usr/lib"
    slug = re.sub(r"[^a-z0-9]+", "-", ctx.repository.rsplit("/", 1)[-1].lower()).strip("-")
    return f"/usr/local/lib/{slug or 'image'}"


def _guess_family(record: ImageRecord) -> str:
    if record.repository in FAMILIES:
        return record.repository
    return _root_family(record)


def _root_family(record: ImageRecord) -> str:
    if record.repository in FAMILIES:
        return record.repository
    if record.packages_format == "apk" or any("alpine" in t for t in record.tags):
        return "alpine"
    if any(t.startswith(("focal", "jammy", "noble", "bionic")) for t in record.tags):
        return "ubuntu"
    return "debian"


def _root_history(identity: RootIdentity, platform: Platform) -> str:
    arch = arch_words(platform)
    if identity.family == "alpine":
        return f"ADD alpine-minirootfs-{identity.version}-{arch['@ARCH@']}.tar.gz / # buildkit"
    if identity.family == "debian":
        return f"# debian.sh --arch '{arch['@DEBARCH@']}' out/ '{identity.name}' '@0'"
    if identity.family == "ubuntu":
        return "ADD file:0 in / "
    return "ADD busybox.tar.xz / # buildkit"


def _files_in(layers: tuple[LayerSpec, ...]) -> set[str]:
    files: set[str] = set()
    for layer in layers:
        files -= set(layer.deletions)
        files |= {p for p, node in layer.entries if node.type == "file"}
    return files


def _timestamp(created: str) -> int:
    try:
        return int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _matches(have: Platform, wanted: Platform) -> bool:
    if (have.os, have.architecture) != (wanted.os, wanted.architecture):
        return False
    return not wanted.variant or have.variant == wanted.variant or (
        have.architecture == "arm64" and wanted.variant in ("v8", ""))
