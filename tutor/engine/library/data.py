"""Reading the generated image library (`assets/library/{repo-info,official}/<name>.json.gz`).

One gzip-compressed JSON document per repository and source (format: docs/open-world-images.md).
Nothing is read until a repository is asked for, and each file is read at most once per process:
`docker images` never touches the library, `docker pull node:18-alpine` reads `node` only.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCES = ("repo-info", "official")
"""In resolution order: repo-info describes the exact image that was published under a tag (with
its real sizes), official-images the Dockerfile currently behind a tag."""

_SUFFIX = ".json.gz"


@dataclass(frozen=True, slots=True)
class StepRecord:
    created_by: str
    empty_layer: bool
    files: tuple[str, ...] = ()
    created: str = ""


@dataclass(frozen=True, slots=True)
class LayerSize:
    size: int | None
    compressed: int | None


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """One tag group of one source: the data exactly as the file states it."""

    source: str
    repository: str
    tags: tuple[str, ...]
    architectures: tuple[str, ...]
    base: str | None
    """`from`: the final stage's base (`alpine:3.21`), `scratch`, or None when unknown."""
    base_history: int | None
    created: str
    config: Mapping[str, Any]
    history: tuple[StepRecord, ...]
    layers: tuple[LayerSize, ...]
    size: int | None
    packages_format: str
    packages: tuple[str, ...]
    recipes: tuple[Mapping[str, Any], ...] = ()
    """Rule-made images only (others.py): each layer's recipe, stated instead of derived."""

    @property
    def own_history(self) -> tuple[StepRecord, ...]:
        """The steps after FROM (repo-info lists all steps, `base_history` of them inherited)."""
        return self.history[self.base_history or 0:]


@dataclass(frozen=True, slots=True)
class RepositoryRecord:
    name: str
    description: str
    images: tuple[ImageRecord, ...]
    by_tag: Mapping[str, ImageRecord] = field(default_factory=dict)


def file_name(repository: str) -> str:
    """`node` → `node`, `mcr.microsoft.com/dotnet/sdk` → `mcr.microsoft.com__dotnet__sdk`."""
    return repository.replace("/", "__")


def repository_name(stem: str) -> str:
    return stem.replace("__", "/")


class LibraryFiles:
    """The library under one directory; repositories parsed on first use and kept."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._parsed: dict[tuple[str, str], RepositoryRecord | None] = {}
        self._names: frozenset[str] | None = None
        self.extra: Mapping[str, RepositoryRecord] = {}
        """Rule-made repositories (others.py), used where the files say nothing."""

    def names(self) -> frozenset[str]:
        """Every repository some source describes (file names only: nothing is parsed)."""
        if self._names is None:
            found: set[str] = set()
            for source in SOURCES:
                folder = self.root / source
                if folder.is_dir():
                    found |= {repository_name(p.name[: -len(_SUFFIX)])
                              for p in folder.glob("*" + _SUFFIX)}
            self._names = frozenset(found | set(self.extra))
        return self._names

    def repository(self, source: str, name: str) -> RepositoryRecord | None:
        key = (source, name)
        if key not in self._parsed:
            self._parsed[key] = _read(self.root / source / (file_name(name) + _SUFFIX), source)
        return self._parsed[key]

    def _all(self, name: str) -> list[RepositoryRecord]:
        """The repository's records, repo-info first, rules last."""
        found = [r for source in SOURCES if (r := self.repository(source, name)) is not None]
        if name in self.extra:
            found.append(self.extra[name])
        return found

    def find(self, name: str, tag: str) -> ImageRecord | None:
        """The record for `name:tag`, repo-info first."""
        for repo in self._all(name):
            if tag in repo.by_tag:
                return repo.by_tag[tag]
        return None

    def tags(self, name: str) -> set[str]:
        return {tag for repo in self._all(name) for tag in repo.by_tag}

    def records(self, name: str) -> list[ImageRecord]:
        return [image for repo in self._all(name) for image in repo.images]

    def description(self, name: str) -> str:
        for repo in reversed(self._all(name)):
            if repo.description:
                return repo.description
        return ""


def _read(path: Path, source: str) -> RepositoryRecord | None:
    """A repository's document, or None when the file is absent or unreadable (a broken data
    file must never stop the engine: the tag is then simply unknown)."""
    try:
        doc = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, EOFError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    try:
        name = str(doc["repository"])
        images = tuple(_image(source, name, raw) for raw in doc.get("images", ())
                       if isinstance(raw, dict))
    except (KeyError, TypeError, ValueError):
        return None
    by_tag: dict[str, ImageRecord] = {}
    for image in images:
        for tag in image.tags:
            by_tag.setdefault(tag, image)
    return RepositoryRecord(name, str(doc.get("description", "")), images, by_tag)


_LISTS = ("Env", "Entrypoint", "Cmd", "Shell")
_MAPS = ("ExposedPorts", "Volumes", "Labels")


def _config(value: Any) -> dict[str, Any]:
    """The image's config with values of the wrong type left out (a data bug must not reach
    the engine as a crash)."""
    if not isinstance(value, dict):
        return {}
    config: dict[str, Any] = {}
    for key, item in value.items():
        if key in _LISTS:
            if isinstance(item, list) and all(isinstance(x, str) for x in item):
                config[key] = list(item)
        elif key in _MAPS:
            if isinstance(item, dict):
                config[key] = dict(item)
        elif isinstance(item, (str, int, bool, dict, list)) or item is None:
            config[key] = item
    return config


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and value >= 0 else None


def _image(source: str, repository: str, raw: Mapping[str, Any]) -> ImageRecord:
    history = tuple(
        StepRecord(str(h.get("created_by", "")), bool(h.get("empty_layer", False)),
                   tuple(str(f) for f in h.get("files", ())), str(h.get("created", "")))
        for h in raw.get("history", ()) if isinstance(h, dict))
    layers = tuple(LayerSize(_optional_int(la.get("size")), _optional_int(la.get("compressed")))
                   for la in raw.get("layers", ()) if isinstance(la, dict))
    packages = raw.get("packages") or {}
    if not isinstance(packages, dict):
        packages = {}
    base = raw.get("from")
    config = _config(raw.get("config"))
    return ImageRecord(
        source=source,
        repository=repository,
        tags=tuple(str(t) for t in raw.get("tags", ())),
        architectures=tuple(str(a) for a in raw.get("architectures", ("amd64",))),
        base=str(base) if base is not None else None,
        base_history=_optional_int(raw.get("base_history")),
        created=str(raw.get("created") or "1970-01-01T00:00:00Z"),
        config=config if isinstance(config, dict) else {},
        history=history,
        layers=layers,
        size=_optional_int(raw.get("size")),
        packages_format=str(packages.get("format", "")),
        packages=tuple(str(p) for p in packages.get("list", ())),
    )
