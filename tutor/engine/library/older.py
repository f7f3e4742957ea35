"""Older releases the data no longer lists, by rule.

Registries keep old tags (`alpine:3.19`, `golang:1.18-alpine`, `node:16-alpine`) long after the
official-images library stops listing them, and tutorials still name them. A tag that the data
lacks is taken as such an older release when:

- a tag group of the repository has a tag of the same shape (same text around the numbers:
  `1.18-alpine` ↔ `1.27-alpine`), and
- every number of the wanted tag is no greater than the largest at that place among the tags of
  that shape (a release cannot be newer than the newest the data knows: `node:99` stays unknown),
  and its first number no smaller than the smallest there (`alpine:2.0` stays unknown: an older
  major line may have had another layout).

The image is then the tag group nearest in version, with its version changed: the environment
variable that carries the release (`GOLANG_VERSION=1.27.0` → `1.18.0`) and the same version in
the history lines (`alpine-minirootfs-3.20.8` → `3.19.0`). The patch level of an older release is
not known, so `X.Y` becomes `X.Y.0`. An Alpine base named in the tag (`-alpine3.17`) becomes the
base. Sizes then follow the usual rules (a sibling tag's, or estimates).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from tutor.engine.library.data import ImageRecord, StepRecord

_NUMBER = re.compile(r"\d+")
_LEADING = re.compile(r"^v?(\d+(?:\.\d+)*)")


def _shape(tag: str) -> tuple[str, tuple[int, ...]]:
    return _NUMBER.sub("#", tag), tuple(int(n) for n in _NUMBER.findall(tag))


def older_release(records: Iterable[ImageRecord], tag: str) -> ImageRecord | None:
    """The rule-made record for `tag`, an older release of a tag group in `records`."""
    shape, numbers = _shape(tag)
    leading = _LEADING.match(tag)
    if not numbers or leading is None:
        return None
    same: list[tuple[tuple[int, ...], str, ImageRecord]] = []
    for record in records:
        for other in record.tags:
            other_shape, theirs = _shape(other)
            if other_shape == shape:
                same.append((theirs, other, record))
    if not same:
        return None
    for i, value in enumerate(numbers):
        if value > max(theirs[i] for theirs, _, _ in same):
            return None
    if numbers[0] < min(theirs[0] for theirs, _, _ in same):
        return None  # an older major line than any the data knows may have had another layout
    if any(theirs == numbers for theirs, _, _ in same):
        return None  # the tag exists (it would have been found)
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
