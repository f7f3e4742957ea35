"""Operating-system roots by rule: the nearest hand-written recipe of the family, renamed.

`assets/base-images/` holds real root filesystems for a few releases (alpine 3.20/3.21, debian
bookworm, ubuntu 22.04/24.04, busybox). Any other release of those families (`alpine:3.19`,
`debian:bullseye`, `ubuntu:20.04`, older or newer than every recipe) reuses the nearest recipe
with the words that name the release changed: `/etc/alpine-release`, `/etc/os-release`, the apk
repositories file (`@VERSION@`/`@BRANCH@`); `/etc/debian_version`, `/etc/os-release`,
`/etc/issue` and the apt sources (suite, version, codename). The package database and binaries
stay those of the recipe's release (what a learner inspects is the release's identity, not
per-package patch levels).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tutor.engine.library.rules import Rules

FAMILIES = ("alpine", "debian", "ubuntu", "busybox")


@dataclass(frozen=True, slots=True)
class RootIdentity:
    family: str
    version: str
    """alpine `3.19.8`; debian `11.11`; ubuntu `20.04`; busybox `1.36.1`."""
    name: str = ""
    """debian suite `bullseye`; ubuntu codename `focal`."""
    slim: bool = False


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def identify(family: str, tags: Iterable[str], history: str, rules: Rules) -> RootIdentity:
    """Which release an OS image is, from its tags and its history text."""
    tags = list(tags)
    if family == "alpine":
        found = re.search(r"minirootfs-(\d+\.\d+\.\d+)", history)
        versions = sorted((t for t in tags if re.fullmatch(r"\d+\.\d+(\.\d+)?", t)),
                          key=lambda t: (t.count("."), _version_key(t)), reverse=True)
        version = found.group(1) if found else (versions[0] if versions else "3.21.3")
        if version.count(".") == 1:
            version += ".0"
        return RootIdentity("alpine", version)
    if family == "debian":
        suite = next((s for s in rules.debian if re.search(rf"\b{s}\b", history)), None)
        suite = suite or next((s for t in tags for s in rules.debian if t.startswith(s)), None)
        major_tag = next((t for t in tags if re.fullmatch(r"\d+(-slim)?", t)), None)
        if suite is None and major_tag is not None:
            major = major_tag.removesuffix("-slim")
            suite = next((s for s, (m, _) in rules.debian.items() if m == major), None)
        suite = suite or "bookworm"
        point = next((t.removesuffix("-slim") for t in tags
                      if re.fullmatch(r"\d+\.\d+(-slim)?", t)), None)
        version = point or rules.debian.get(suite, ("", suite))[1]
        slim = any("slim" in t for t in tags)
        return RootIdentity("debian", version, suite, slim)
    if family == "ubuntu":
        code = next((c for c in rules.ubuntu for t in tags if t.startswith(c)), None)
        number = next((t for t in tags if re.fullmatch(r"\d\d\.\d\d", t)), None)
        if code is None and number is not None:
            code = next((c for c, (v, _) in rules.ubuntu.items() if v == number), None)
        code = code or "noble"
        return RootIdentity("ubuntu", number or rules.ubuntu.get(code, ("24.04", ""))[0], code)
    versions = [t for t in tags if re.fullmatch(r"\d+\.\d+\.\d+", t)]
    return RootIdentity(family, versions[0] if versions else "")


@dataclass(frozen=True, slots=True)
class RootRecipe:
    recipe: dict[str, Any]
    """A layer recipe whose `use` holds the (renamed) fragment mappings inline."""
    words: dict[str, str]
    size: int


def derive_root(
    identity: RootIdentity,
    recipes: list[Mapping[str, Any]],
    fragment: Callable[[str], Mapping[str, Any]],
    rules: Rules,
    arch: str,
) -> RootRecipe | None:
    """The root layer for `identity` from the family's hand-written images (`recipes`: their raw
    TOML tables), or None when the family has none."""
    if not recipes:
        return None

    def distance(raw: Mapping[str, Any]) -> tuple[int, ...]:
        theirs = _version_key(_recipe_version(identity.family, raw))
        ours = _version_key(identity.version)
        slim_penalty = int(("slim" in " ".join(raw.get("tags", []))) != identity.slim)
        return (slim_penalty, *(abs(a - b) for a, b in zip(theirs, ours, strict=False)))

    chosen = min(recipes, key=distance)
    layer = dict(chosen["layers"][0])
    size = int(layer.get(f"size_{arch}") or layer["size"])
    words = dict(chosen.get("words", {}))
    old = _recipe_version(identity.family, chosen)
    replace = _renames(identity, chosen, old, rules)
    if identity.family == "alpine":
        words["@VERSION@"] = identity.version
        words["@BRANCH@"] = ".".join(identity.version.split(".")[:2])
    parts = [_rename(fragment(n) if isinstance(n, str) else n, replace)
             for n in layer.pop("use", ())]
    layer = _rename(layer, replace)
    layer["use"] = parts
    if identity.family == "debian":
        layer.setdefault("files", {})["/etc/debian_version"] = identity.version + "\n"
    return RootRecipe(layer, words, size)


def _recipe_version(family: str, raw: Mapping[str, Any]) -> str:
    words = raw.get("words", {})
    if "@VERSION@" in words:
        return str(words["@VERSION@"])
    tags = [str(t) for t in raw.get("tags", [])]
    numbered = [t.removesuffix("-slim") for t in tags if re.fullmatch(r"\d+(\.\d+)+(-slim)?", t)]
    return max(numbered, key=lambda t: (t.count("."), _version_key(t))) if numbered else ""


def _renames(identity: RootIdentity, chosen: Mapping[str, Any], old: str,
             rules: Rules) -> list[tuple[str, str]]:
    tags = [str(t) for t in chosen.get("tags", [])]
    if identity.family == "debian":
        old_suite = next((s for s in rules.debian for t in tags if t.startswith(s)), "bookworm")
        major_old = old.split(".")[0]
        major_new = rules.debian.get(identity.name, (identity.version.split(".")[0], ""))[0]
        return [(old_suite, identity.name),
                (f'VERSION_ID="{major_old}"', f'VERSION_ID="{major_new}"'),
                (f'"{major_old} (', f'"{major_new} ('),
                (f"GNU/Linux {major_old}", f"GNU/Linux {major_new}")]
    if identity.family == "ubuntu":
        old_code = next((c for c in rules.ubuntu for t in tags if t.startswith(c)), "noble")
        old_full = rules.ubuntu.get(old_code, ("", ""))[1]
        new_full = rules.ubuntu.get(identity.name, ("", identity.name.title()))[1]
        old_version = rules.ubuntu.get(old_code, (old, ""))[0]
        return [(old_full, new_full), (old_code, identity.name),
                (old_version, identity.version)] + [
                    (f"{identity.version}.{n}", identity.version) for n in range(1, 10)]
    return []


def _rename(value: Any, replace: list[tuple[str, str]]) -> Any:
    if not replace:
        return value
    if isinstance(value, str):
        for old, new in replace:
            if old and new:
                value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_rename(v, replace) for v in value]
    if isinstance(value, dict):
        return {_rename(k, replace): _rename(v, replace) for k, v in value.items()}
    return value
