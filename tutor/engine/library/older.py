"""Older releases the data no longer lists, by rule.

Registries keep old tags (`alpine:3.19`, `golang:1.18-alpine`, `node:16-alpine`) long after the
official-images library stops listing them, and tutorials still name them. A tag that the data
lacks is taken as such an older release when:

- a tag group of the repository has a tag of the same shape (same text around the numbers:
  `1.18-alpine` ↔ `1.27-alpine`), and
- its version is no newer than the newest of that shape (a release cannot be newer than the
  newest the data knows: `node:99` stays unknown), and no older than the repository's first
  release line on Docker Hub as `assets/library/rules.toml` states it (`[first_release]`; without
  an entry, the data's oldest major line): `alpine:2.0` stays unknown.

A tag naming an OS release the data no longer lists (`node:lts-buster`, `rust:buster`,
`eclipse-temurin:17-jre-focal`) is the same tag with the nearest newer release of that family
(`lts-bookworm`), built on the release it names (Debian's and Ubuntu's release names are in
rules.toml).

The image is then the tag group nearest in version, with its version changed: the environment
variable that carries the release (`GOLANG_VERSION=1.27.0` → `1.18.0`) and the same version in
the history lines (`alpine-minirootfs-3.20.8` → `3.19.0`). The patch level of an older release is
not known, so `X.Y` becomes `X.Y.0`. An Alpine base named in the tag (`-alpine3.17`) becomes the
base. Sizes then follow the usual rules (a sibling tag's, or estimates).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence

from tutor.engine.library.data import ImageRecord, StepRecord

_NUMBER = re.compile(r"\d+")
_LEADING = re.compile(r"^v?(\d+(?:\.\d+)*)")


def tag_shape(tag: str) -> tuple[str, tuple[int, ...]]:
    """`18-alpine3.21` → (`#-alpine#.#`, (18, 3, 21))."""
    return _NUMBER.sub("#", tag), tuple(int(n) for n in _NUMBER.findall(tag))


def older_release(records: Iterable[ImageRecord], tag: str,
                  oldest: tuple[int, ...] | None = None,
                  codenames: Sequence[Mapping[str, str]] = ()) -> ImageRecord | None:
    """The rule-made record for `tag`, an older release of a tag group in `records`.

    `oldest` is the first release line the repository published on Docker Hub (rules.toml),
    below which a tag is unknown; without it the data's own oldest major line is the floor.
    `codenames` map each OS family's release names, oldest first, to their numbers: a
    tag naming one the data no longer lists (`lts-buster`, `17-jre-focal`) is the same tag with
    the nearest newer name of that family, built on the named release."""
    records = list(records)
    found = _same_shape(records, tag, oldest)
    if found is not None:
        return found
    for family in codenames:
        words = re.split(r"([a-z]+)", tag)
        hits = [i for i, w in enumerate(words) if w in family]
        if len(hits) != 1:
            continue
        wanted = words[hits[0]]
        names = list(family)
        for newer in names[names.index(wanted) + 1:]:
            words[hits[0]] = newer
            template = _same_shape(records, "".join(words), oldest, allow_existing=True)
            if template is None:
                continue
            base = template.base
            if base:  # named by release name (`debian:bookworm-slim`) or number (`ubuntu:22.04`)
                base = base.replace(newer, wanted)
                base = re.sub(rf"(?<![\d.]){re.escape(family[newer])}(?![\d])",
                              family[wanted], base)
            history = tuple(dataclasses.replace(s, created_by=s.created_by.replace(newer, wanted))
                            for s in template.history)
            return dataclasses.replace(template, source="rule", tags=(tag,), base=base,
                                       history=history, layers=(), size=None, packages=(),
                                       packages_format="")
    return None


def _same_shape(records: list[ImageRecord], tag: str, oldest: tuple[int, ...] | None,
                allow_existing: bool = False) -> ImageRecord | None:
    shape, numbers = tag_shape(tag)
    leading = _LEADING.match(tag)
    same: list[tuple[tuple[int, ...], str, ImageRecord]] = []
    for record in records:
        for other in record.tags:
            other_shape, theirs = tag_shape(other)
            if other_shape == shape:
                same.append((theirs, other, record))
    if not same:
        return None
    exact = next((record for theirs, _, record in same if theirs == numbers), None)
    if exact is not None:
        return exact if allow_existing else None  # the tag exists (it would have been found)
    if not numbers or leading is None:
        return None
    lead = leading.group(1).count(".") + 1
    if numbers[:lead] > max(theirs[:lead] for theirs, _, _ in same):
        return None  # newer than the newest release the data knows: `node:99` stays unknown
    if any(value > max(theirs[i] for theirs, _, _ in same)
           for i, value in enumerate(numbers) if i >= lead):
        return None  # nor a newer base than any it names (`18-alpine3.99`)
    floor = oldest if oldest is not None else (min(theirs[0] for theirs, _, _ in same),)
    if numbers[:len(floor)] < floor:
        return None  # before the repository's first release line
    _, template_tag, template = min(
        same, key=lambda item: (tuple(abs(a - b) for a, b in zip(numbers, item[0], strict=True)),
                                tuple(-n for n in item[0])))
    old_match = _LEADING.match(template_tag)
    if old_match is None:
        return None
    return _renamed(template, old_match.group(1), leading.group(1), tag)


def _renamed(template: ImageRecord, old: str, new: str, tag: str) -> ImageRecord:
    old_full = _full_version(template, old)
    depth = old_full.count(".") if old_full else new.count(".")
    new_full = new + ".0" * max(0, depth - new.count("."))
    pattern = re.compile(rf"(?<![\d.]){re.escape(old_full or old)}(?![\d])")

    def change(text: str) -> str:
        return pattern.sub(new_full, text)

    config = dict(template.config)
    if "Env" in config:
        config["Env"] = [change(str(e)) if "VERSION" in str(e).split("=", 1)[0] else e
                         for e in config["Env"]]
    history = tuple(StepRecord(change(s.created_by), s.empty_layer, s.files, s.created)
                    for s in template.history)
    base = template.base
    alpine = re.search(r"alpine(\d+\.\d+)", tag)
    if alpine and base and base.startswith("alpine:"):
        base = f"alpine:{alpine.group(1)}"
    return dataclasses.replace(
        template, source="rule", tags=(tag,), config=config, history=history, base=base,
        layers=(), size=None, packages=(), packages_format="")


def _full_version(template: ImageRecord, prefix: str) -> str:
    """The release a tag group is (`1.27.0` for tag `1.27-alpine`), from its environment or
    its history."""
    for item in template.config.get("Env", ()):
        key, _, value = str(item).partition("=")
        if key.endswith("VERSION") and (value == prefix or value.startswith(prefix + ".")):
            return value
    for step in template.history:
        found = re.search(rf"(?<![\d.]){re.escape(prefix)}(?:\.\d+)*(?![\d])", step.created_by)
        if found:
            return found.group(0)
    return ""
