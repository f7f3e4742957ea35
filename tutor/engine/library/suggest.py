"""The tutor's hint after Docker's "not found" errors: the closest references that exist.

Docker's own message stays first and unchanged; the CLI adds this one line, marked `tutor:`.
Closeness: for a tag with numbers (`99`, `18-alpine3.99`), tags of the same shape (the same
text around the numbers) ranked by how near their numbers are, left to right, newest first on
ties; otherwise edit distance. For an unknown repository (`pyhton`), repositories within a
small edit distance, keeping the tag when that repository has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.engine.dockerfile._suggest import edit_distance
from tutor.engine.library.builder import familiar
from tutor.engine.library.older import tag_shape

if TYPE_CHECKING:
    from tutor.engine.catalogue import Catalogue

SHOWN = 3


def closest_tags(wanted: str, tags: list[str]) -> list[str]:
    shape, numbers = tag_shape(wanted)
    if numbers:
        same_shape = []
        for tag in tags:
            theirs_shape, theirs = tag_shape(tag)
            if theirs_shape == shape:
                gap = tuple(abs(a - b) for a, b in zip(numbers, theirs, strict=True))
                same_shape.append((gap, tuple(-v for v in theirs), tag))
        if same_shape:
            return [t for _, _, t in sorted(same_shape)[:SHOWN]]
    ranked = sorted(tags, key=lambda t: (edit_distance(wanted, t), t))
    return ranked[:SHOWN]


def suggestion(catalogue: Catalogue, repository: str, tag: str) -> str:
    """`tutor: …` naming what exists nearest to `repository:tag` (normalized repository), or ""
    when nothing is near."""
    names = list(catalogue.repositories)
    if repository in catalogue.repositories:
        tags = [t for t in catalogue.tags(repository) if t != tag]
        found = closest_tags(tag, tags)
        if not found:
            return ""
        short = familiar(repository)
        return "tutor: no such tag; closest that exist: " + ", ".join(
            f"{short}:{t}" for t in found)
    short = familiar(repository)
    limit = max(2, len(short) // 3)
    near = sorted((edit_distance(short, familiar(n)), familiar(n), n) for n in names)
    near = [item for item in near if item[0] <= limit][:SHOWN]
    if not near:
        return ""
    shown = []
    for _, name, full in near:
        shown.append(f"{name}:{tag}" if tag in catalogue.tags(full) else name)
    return "tutor: no such repository; closest that exist: " + ", ".join(shown)
