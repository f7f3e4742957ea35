"""The estimation and placement rules of `assets/library/rules.toml`, read once per directory."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class ProgramGroup:
    dir: str
    names: tuple[str, ...]
    size: int
    links: Mapping[str, str] = field(default_factory=dict)
    """Symlinks beside the programs: name in `dir` → target."""
    links_in: Mapping[str, str] = field(default_factory=dict)
    """Symlinks elsewhere: absolute path → target."""


@dataclass(frozen=True, slots=True)
class Rules:
    debian: Mapping[str, tuple[str, str]]
    ubuntu: Mapping[str, tuple[str, str]]
    sizes: Mapping[str, int]
    install_sizes: Mapping[str, int]
    programs: Mapping[str, tuple[ProgramGroup, ...]]
    first_release: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """The first release line each repository published on Docker Hub (`node` → (4,))."""

    def size(self, kind: str) -> int:
        return int(self.sizes.get(kind, 4096))


_CACHE: dict[Path, Rules] = {}


def load_rules(path: Path) -> Rules:
    cached = _CACHE.get(path)
    if cached is not None:
        return cached
    try:
        doc: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        doc = {}
    osdoc = doc.get("os", {})
    programs = {
        repo: tuple(ProgramGroup(str(g["dir"]), tuple(g["names"]), int(g.get("size", 10_000)),
                                 dict(g.get("links", {})), dict(g.get("links_in", {})))
                    for g in groups)
        for repo, groups in doc.get("programs", {}).items()
    }
    rules = Rules(
        debian={k: (str(v[0]), str(v[1])) for k, v in osdoc.get("debian", {}).items()},
        ubuntu={k: (str(v[0]), str(v[1])) for k, v in osdoc.get("ubuntu", {}).items()},
        sizes={k: int(v) for k, v in doc.get("sizes", {}).items()},
        install_sizes={k: int(v) for k, v in doc.get("install_sizes", {}).items()},
        programs=programs,
        first_release={k: tuple(int(n) for n in str(v).split("."))
                       for k, v in doc.get("first_release", {}).items()},
    )
    _CACHE[path] = rules
    return rules
