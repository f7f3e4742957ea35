"""The catalogue of base images a learner can pull or build FROM, read from `assets/base-images/`.

Each TOML file there describes one repository: its tags, and per image the final config, the
history as the real upstream Dockerfile produced it, and per layer a compact recipe of the files
that layer adds. Small files a learner would open (`/etc/os-release`, entrypoint scripts, the
package database) carry real text; binaries and bulk are `Synthetic`, sized so that each layer
weighs what Docker shows for the real image. This module turns a recipe into `(path, Node)` entries
for the layer code to tar up; it never builds tars or digests itself.

Images built FROM another catalogue image reuse that image's `LayerSpec` objects, so a shared base
layer is byte-identical (and `docker pull` can say `Already exists`).
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, Node, Synthetic, directory, symlink

if TYPE_CHECKING:
    from tutor.engine.library import LibraryImages

DEFAULT_PLATFORM = "linux/amd64"
SCRATCH = "scratch"
HUB_PREFIX = "docker.io/"
BUILDKIT_COMMENT = "buildkit.dockerfile.v0"

# Placeholders that differ per CPU architecture, usable in paths, file text and history.
_ARCH_WORDS: dict[str, dict[str, str]] = {
    "amd64": {
        "@ARCH@": "x86_64",
        "@DEBARCH@": "amd64",
        "@TRIPLET@": "x86_64-linux-gnu",
        "@LD@": "ld-linux-x86-64.so.2",
        "@NODEARCH@": "x64",
        "@GOARCH@": "amd64",
    },
    "arm64": {
        "@ARCH@": "aarch64",
        "@DEBARCH@": "arm64",
        "@TRIPLET@": "aarch64-linux-gnu",
        "@LD@": "ld-linux-aarch64.so.1",
        "@NODEARCH@": "arm64",
        "@GOARCH@": "arm64",
    },
    # The architectures only generated-library images list (official-images arm32v7, i386, …).
    "arm": {
        "@ARCH@": "armv7",
        "@DEBARCH@": "armhf",
        "@TRIPLET@": "arm-linux-gnueabihf",
        "@LD@": "ld-linux-armhf.so.3",
        "@NODEARCH@": "armv7l",
        "@GOARCH@": "arm",
    },
    "386": {
        "@ARCH@": "x86",
        "@DEBARCH@": "i386",
        "@TRIPLET@": "i386-linux-gnu",
        "@LD@": "ld-linux.so.2",
        "@NODEARCH@": "x86",
        "@GOARCH@": "386",
    },
    "ppc64le": {
        "@ARCH@": "ppc64le",
        "@DEBARCH@": "ppc64el",
        "@TRIPLET@": "powerpc64le-linux-gnu",
        "@LD@": "ld64.so.2",
        "@NODEARCH@": "ppc64le",
        "@GOARCH@": "ppc64le",
    },
    "s390x": {
        "@ARCH@": "s390x",
        "@DEBARCH@": "s390x",
        "@TRIPLET@": "s390x-linux-gnu",
        "@LD@": "ld64.so.1",
        "@NODEARCH@": "s390x",
        "@GOARCH@": "s390x",
    },
    "riscv64": {
        "@ARCH@": "riscv64",
        "@DEBARCH@": "riscv64",
        "@TRIPLET@": "riscv64-linux-gnu",
        "@LD@": "ld-linux-riscv64-lp64d.so.1",
        "@NODEARCH@": "riscv64",
        "@GOARCH@": "riscv64",
    },
    "mips64le": {
        "@ARCH@": "mips64el",
        "@DEBARCH@": "mips64el",
        "@TRIPLET@": "mips64el-linux-gnuabi64",
        "@LD@": "ld.so.1",
        "@NODEARCH@": "mips64el",
        "@GOARCH@": "mips64le",
    },
}


class CatalogueError(EngineError):
    """The catalogue data is inconsistent; a bug in `assets/`, never a learner's mistake."""


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise CatalogueError(f"bad platform {text!r}")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else "")

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One layer: what it adds (parents before children) and what it deletes (whiteouts)."""

    key: str
    """Stable identity: the image and position that introduced the layer, and its platform."""
    expected_size: int
    """The uncompressed size Docker shows for the real layer (the data's stated figure)."""
    entries: tuple[tuple[str, Node], ...]
    deletions: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return sum(node.size for _, node in self.entries)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    created: str
    created_by: str
    comment: str = ""
    empty_layer: bool = False


@dataclass(frozen=True, slots=True)
class BaseImageSpec:
    repository: str
    """Normalized name, e.g. `docker.io/library/alpine`."""
    tags: tuple[str, ...]
    """Every tag of the repository that names this image (aliases share one spec)."""
    platform: Platform
    created: str
    config: dict[str, Any]
    history: tuple[HistoryEntry, ...]
    layers: tuple[LayerSpec, ...]

    @property
    def architecture(self) -> str:
        return self.platform.architecture

    @property
    def os(self) -> str:
        return self.platform.os

    @property
    def variant(self) -> str:
        return self.platform.variant

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)


@dataclass(frozen=True, slots=True)
class RepositoryInfo:
    """What `docker search` shows about a repository."""

    name: str
    description: str
    stars: int
    official: bool


@dataclass(frozen=True, slots=True)
class _ImageData:
    repository: str
    name: str
    tags: tuple[str, ...]
    raw: Mapping[str, Any]
    platforms: tuple[Platform, ...]


@dataclass(eq=False)
class Catalogue:
    """All base images; specs are built on first use and then shared (aliases, FROM chains).

    The hand-written TOML images come first; any other tag is looked up in the generated library
    (`assets/library/`, see `tutor.engine.library`), read lazily per repository."""

    _own_repositories: dict[str, RepositoryInfo]
    _images: dict[tuple[str, str], _ImageData]
    _fragments: dict[str, Mapping[str, Any]]
    _built: dict[tuple[str, str, str], BaseImageSpec] = field(default_factory=dict)
    library_root: Path | None = None
    """`assets/library`: the generated library (None: the hand-written images only)."""

    @cached_property
    def _library(self) -> LibraryImages | None:
        if self.library_root is None:
            return None
        from tutor.engine.library import open_library

        return open_library(self, self.library_root)

    @property
    def repositories(self) -> Mapping[str, RepositoryInfo]:
        """Every repository by normalized name; library ones described when first looked at."""
        if self._library is None:
            return self._own_repositories
        return self._library.repositories(self._own_repositories)

    def resolve(
        self, repository: str, tag: str, platform: str = DEFAULT_PLATFORM
    ) -> BaseImageSpec | None:
        """The image `repository:tag` names for `platform`, or None when there is none."""
        wanted = Platform.parse(platform)
        data = self._images.get((repository, tag))
        if data is None:
            return self._library.resolve(repository, tag, wanted) if self._library else None
        for candidate in data.platforms:
            if _platform_matches(candidate, wanted):
                return self._build(data, candidate)
        return None

    def platforms(self, repository: str, tag: str) -> tuple[Platform, ...]:
        """The platforms `repository:tag` exists for (empty when the tag is unknown)."""
        data = self._images.get((repository, tag))
        if data is None:
            return self._library.platforms(repository, tag) if self._library else ()
        # a hand-written tag's index stays the recipe's platforms (digests do not move)
        return data.platforms

    def tags(self, repository: str) -> tuple[str, ...]:
        own = {t for r, t in self._images if r == repository}
        if self._library is not None:
            own |= self._library.tags(repository)
        return tuple(sorted(own))

    def _build(self, data: _ImageData, platform: Platform) -> BaseImageSpec:
        cache_key = (data.repository, data.name, str(platform))
        cached = self._built.get(cache_key)
        if cached is not None:
            return cached
        raw = data.raw
        words = {**_ARCH_WORDS[platform.architecture], **raw.get("words", {})}
        base_layers: tuple[LayerSpec, ...] = ()
        base_history: tuple[HistoryEntry, ...] = ()
        if "from" in raw:
            base_repo, base_tag = _split_ref(str(raw["from"]))
            base = self.resolve(base_repo, base_tag, str(platform))
            if base is None:
                raise CatalogueError(f"{data.name}: base {raw['from']} not in the catalogue")
            base_layers, base_history = base.layers, base.history
        comment = str(raw.get("comment", BUILDKIT_COMMENT))
        history = base_history + tuple(
            _history_entry(item, comment, words) for item in raw.get("history", ())
        )
        created_at = int(datetime.fromisoformat(str(raw["created"])).timestamp())
        layers = base_layers
        for i, recipe in enumerate(raw.get("layers", ())):
            key = f"{data.repository}:{data.name}#{i}@{platform}"
            layers += (self._layer(key, recipe, words, created_at, layers),)
        if sum(not h.empty_layer for h in history) != len(layers):
            raise CatalogueError(f"{data.name}: history does not match its {len(layers)} layers")
        spec = BaseImageSpec(
            repository=data.repository,
            tags=data.tags,
            platform=platform,
            created=str(raw["created"]),
            config=_substitute_tree(dict(raw.get("config", {})), words),
            history=history,
            layers=layers,
        )
        self._built[cache_key] = spec
        return spec

    def _layer(
        self,
        key: str,
        recipe: Mapping[str, Any],
        words: Mapping[str, str],
        mtime: int,
        lower: tuple[LayerSpec, ...],
    ) -> LayerSpec:
        # `use` names fragments; generated images (tutor.engine.library) pass them inline
        parts = [self._fragment(n) if isinstance(n, str) else n for n in recipe.get("use", ())]
        parts.append(recipe)
        target = int(recipe.get(f"size_{words['@DEBARCH@']}", recipe["size"]))
        builder = _LayerBuilder(key, words, mtime, lower)
        for part in parts:
            builder.add(part)
        for part in parts:
            builder.set_attributes(part)
        builder.fill(target, [d for part in parts for d in part.get("fill", {}).items()])
        deletions = tuple(_sub(p, words) for part in parts for p in part.get("delete", ()))
        return LayerSpec(key, target, builder.entries(), deletions)

    def _fragment(self, name: str) -> Mapping[str, Any]:
        try:
            return self._fragments[name]
        except KeyError:
            raise CatalogueError(f"unknown fragment {name!r}") from None


class _LayerBuilder:
    """Collects one layer's nodes from recipe parts, then pads it to its real size."""

    def __init__(
        self, key: str, words: Mapping[str, str], mtime: int, lower: tuple[LayerSpec, ...]
    ) -> None:
        self.key = key
        self.words = words
        self.mtime = mtime
        self.lower = lower
        self.nodes: dict[str, Node] = {}

    def _lower_text(self, path: str) -> str:
        """The text a file had in the layers below, for recipes that modify a file."""
        for layer in reversed(self.lower):
            for entry_path, node in layer.entries:
                if entry_path == path and node.content is not None:
                    return node.content.read().decode()
        raise CatalogueError(f"{self.key}: {path} is not in a lower layer")

    def _put(self, path: str, node: Node) -> None:
        self.nodes[_sub(path, self.words)] = node

    def _blob(self, path: str, size: int, mode: int) -> Node:
        seed = f"{self.key}:{_sub(path, self.words)}"
        return Node("file", mode, mtime=self.mtime, content=Synthetic(size, seed))

    def add(self, part: Mapping[str, Any]) -> None:
        mtime = self.mtime
        for path in part.get("dirs", ()):
            self._put(path, directory(mtime=mtime))
        for path, text in part.get("files", {}).items():
            data = _sub(str(text), self.words).encode()
            self._put(path, Node("file", 0o644, mtime=mtime, content=Data(data)))
        for path, target in part.get("symlinks", {}).items():
            self._put(path, symlink(_sub(str(target), self.words), mtime=mtime))
        for group in part.get("links", ()):
            for name in _names(group["names"]):
                self._put(f"{group['dir']}/{name}", symlink(str(group["target"]), mtime=mtime))
        for path, size in part.get("blobs", {}).items():
            self._put(path, self._blob(path, int(size), 0o755))
        for group in part.get("bins", ()):
            for name in _names(group["names"]):
                path = f"{group['dir']}/{name}"
                self._put(path, self._blob(path, _vary(int(group["size"]), name), 0o755))
        for path, text in part.get("append", {}).items():
            data = (self._lower_text(path) + _sub(str(text), self.words)).encode()
            self._put(path, Node("file", 0o644, mtime=mtime, content=Data(data)))
        for spec in part.get("packages", ()):
            path = str(spec["path"])
            text = self._lower_text(path) if spec.get("extends") else ""
            text += _render_packages(spec, self.words)
            self._put(path, Node("file", 0o644, mtime=mtime, content=Data(text.encode())))

    def set_attributes(self, part: Mapping[str, Any]) -> None:
        """Apply `modes` and `owners`, once every part has placed its files."""
        for path, mode in part.get("modes", {}).items():
            real = self._existing(path)
            self.nodes[real] = _replace(self.nodes[real], mode=int(str(mode), 8))
        for path, owner in part.get("owners", {}).items():
            real = self._existing(path)
            uid, gid = (int(x) for x in str(owner).split(":"))
            self.nodes[real] = _replace(self.nodes[real], uid=uid, gid=gid)

    def _existing(self, path: str) -> str:
        real = _sub(path, self.words)
        if real not in self.nodes:
            raise CatalogueError(f"{self.key}: attributes for {real}, which the layer lacks")
        return real

    def fill(self, target: int, fill: list[tuple[str, Any]]) -> None:
        """Spread the bytes the explicit files leave over the `fill` directories' filler files."""
        missing = target - sum(n.size for n in self.nodes.values())
        names = [(d, n) for d, group in fill for n in _names(group)]
        if not names or missing <= 0:
            return
        weights = [
            1 + int.from_bytes(hashlib.sha256(n.encode()).digest()[:1], "big") % 7 for _, n in names
        ]
        total = sum(weights)
        given = 0
        for i, ((folder, name), weight) in enumerate(zip(names, weights, strict=True)):
            size = missing - given if i == len(names) - 1 else missing * weight // total
            given += size
            path = f"{folder}/{name}"
            self._put(path, self._blob(path, size, 0o644))

    def entries(self) -> tuple[tuple[str, Node], ...]:
        for path in list(self.nodes):
            parent = posixpath.dirname(path)
            while parent != "/" and parent not in self.nodes:
                self.nodes[parent] = directory(mtime=self.mtime)
                parent = posixpath.dirname(parent)
        ordered = sorted(self.nodes, key=lambda p: p.strip("/").split("/"))
        return tuple((p, self.nodes[p]) for p in ordered)


def _replace(node: Node, **changes: int) -> Node:
    fields = {
        "type": node.type,
        "mode": node.mode,
        "uid": node.uid,
        "gid": node.gid,
        "mtime": node.mtime,
        "content": node.content,
        "target": node.target,
    }
    fields.update(changes)
    return Node(**fields)  # type: ignore[arg-type]


def _names(value: str | Iterable[str]) -> list[str]:
    return value.split() if isinstance(value, str) else list(value)


def _vary(size: int, name: str) -> int:
    """A size within ±40% of `size`, fixed per name, so a bin directory does not look cloned."""
    spread = int.from_bytes(hashlib.sha256(name.encode()).digest()[:2], "big") % 81
    return max(1, size * (60 + spread) // 100)


def _sub(text: str, words: Mapping[str, str]) -> str:
    if "@" not in text:
        return text
    for word, value in words.items():
        text = text.replace(word, value)
    return text


def _substitute_tree(value: Any, words: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _sub(value, words)
    if isinstance(value, list):
        return [_substitute_tree(v, words) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_tree(v, words) for k, v in value.items()}
    return value


def _joined_run(command: str) -> str:
    """A Dockerfile RUN body as BuildKit records it: continuations and comment lines removed."""
    lines = [line for line in command.strip("\n").split("\n") if not line.lstrip().startswith("#")]
    out = ""
    for line in lines:
        out += line[:-1] if line.endswith("\\") else line
    return out.strip()


def _history_entry(item: Mapping[str, Any], comment: str, words: Mapping[str, str]) -> HistoryEntry:
    if "run" in item:
        created_by = f"RUN /bin/sh -c {_joined_run(str(item['run']))} # buildkit"
        empty = False
    else:
        created_by = str(item["by"])
        empty = not item.get("layer", False)
    return HistoryEntry(
        created=str(item["at"]),
        created_by=_sub(created_by, words),
        comment=str(item.get("comment", comment)),
        empty_layer=empty,
    )


def _render_packages(spec: Mapping[str, Any], words: Mapping[str, str]) -> str:
    text = _sub(str(spec["list"]), words)
    rows = [line.strip() for line in text.strip().splitlines() if line.strip()]
    render = _render_apk if spec["format"] == "apk" else _render_dpkg
    return "".join(render(row, spec, words) for row in rows)


def _render_apk(row: str, spec: Mapping[str, Any], words: Mapping[str, str]) -> str:
    # row: name version installed-bytes license url | description | depends | provides
    head, desc, deps, provides = ([*row.split("|", 3), "", "", ""])[:4]
    name, version, installed, *license_words, url = head.split()
    license_ = " ".join(license_words)
    digest = hashlib.sha1(f"{name}-{version}-{words['@ARCH@']}".encode()).digest()
    lines = [
        f"C:Q1{base64.b64encode(digest).decode()}",
        f"P:{name}",
        f"V:{version}",
        f"A:{words['@ARCH@']}",
        f"S:{int(installed) * 2 // 5}",
        f"I:{installed}",
        f"T:{desc.strip()}",
        f"U:{url}",
        f"L:{license_}",
        f"o:{name}",
        f"m:{spec['maintainer']}",
        f"t:{spec['built']}",
        f"c:{hashlib.sha1(name.encode()).hexdigest()}",
    ]
    if deps.strip():
        lines.append(f"D:{deps.strip()}")
    if provides.strip():
        lines.append(f"p:{provides.strip()}")
    return "\n".join(lines) + "\n\n"


def _render_dpkg(row: str, spec: Mapping[str, Any], words: Mapping[str, str]) -> str:
    # row: name[:all] version installed-KiB section/priority [E] | description | depends
    head, desc, deps = ([*row.split("|", 2), "", ""])[:3]
    name, version, installed, placement, *flags = head.split()
    section, priority = placement.split("/")
    name, _, arch = name.partition(":")
    lines = [f"Package: {name}"]
    if "E" in flags:
        lines.append("Essential: yes")
    lines += [
        "Status: install ok installed",
        f"Priority: {priority}",
        f"Section: {section}",
        f"Installed-Size: {installed}",
        f"Maintainer: {spec['maintainer']}",
        f"Architecture: {arch or words['@DEBARCH@']}",
        f"Version: {version}",
    ]
    if deps.strip():
        lines.append(f"Depends: {deps.strip()}")
    lines.append(f"Description: {desc.strip()}")
    return "\n".join(lines) + "\n\n"


def _platform_matches(have: Platform, wanted: Platform) -> bool:
    if (have.os, have.architecture) != (wanted.os, wanted.architecture):
        return False
    return not wanted.variant or have.variant == wanted.variant


def _split_ref(ref: str) -> tuple[str, str]:
    name, _, tag = ref.partition(":")
    return normalize_repository(name), tag or "latest"


def normalize_repository(name: str) -> str:
    """`alpine` → `docker.io/library/alpine`; names with a registry host keep it
    (`mcr.microsoft.com/dotnet/sdk`, `gcr.io/distroless/static-debian12`)."""
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    if "/" not in name:
        name = f"library/{name}"
    return name if name.startswith(HUB_PREFIX) else HUB_PREFIX + name


def scratch_image(platform: str = DEFAULT_PLATFORM) -> BaseImageSpec:
    """`FROM scratch`: no layers, no history, an empty config; never pulled."""
    return BaseImageSpec(SCRATCH, (), Platform.parse(platform), "", {}, (), ())


_CACHE: dict[Path, Catalogue] = {}
_CACHE_LIBRARY: dict[Path, Path] = {}


def library_root(assets_dir: Path) -> Path:
    """Where the generated library lives (tests point it at small fixture files)."""
    return Path(assets_dir) / "library"


def load_catalogue(assets_dir: Path) -> Catalogue:
    """The catalogue under `assets_dir/base-images`, parsed once per directory; the generated
    library under `assets_dir/library` is only opened when a tag outside the TOML is asked for."""
    root = Path(assets_dir) / "base-images"
    library = library_root(assets_dir)
    cached = _CACHE.get(root) if _CACHE_LIBRARY.get(root) == library else None
    if cached is not None:
        return cached
    repositories: dict[str, RepositoryInfo] = {}
    images: dict[tuple[str, str], _ImageData] = {}
    fragments: dict[str, Mapping[str, Any]] = {}
    for path in sorted(root.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CatalogueError(f"{path.name}: {exc}") from None
        fragments.update(doc.get("fragments", {}))
        repo = doc.get("repository")
        if repo is None:
            continue
        name = normalize_repository(str(repo["name"]))
        repositories[name] = RepositoryInfo(
            name=str(repo["name"]).removeprefix("library/"),
            description=str(repo.get("description", "")),
            stars=int(repo.get("stars", 0)),
            official=bool(repo.get("official", False)),
        )
        default_platforms = repo.get("platforms", [DEFAULT_PLATFORM])
        for image_name, raw in doc.get("images", {}).items():
            tags = tuple(raw.get("tags", [image_name]))
            platforms = tuple(Platform.parse(p) for p in raw.get("platforms", default_platforms))
            data = _ImageData(name, image_name, tags, raw, platforms)
            for tag in tags:
                if (name, tag) in images:
                    raise CatalogueError(f"{path.name}: tag {tag} defined twice")
                images[(name, tag)] = data
    catalogue = Catalogue(repositories, images, fragments, library_root=library)
    _CACHE[root] = catalogue
    _CACHE_LIBRARY[root] = library
    return catalogue
