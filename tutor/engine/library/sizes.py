"""Layer sizes of generated images from the data: the layers' own, a total spread by compressed
size, or a sibling tag's (see builder.py for the whole order)."""

from __future__ import annotations

from tutor.engine.catalogue import BaseImageSpec
from tutor.engine.library.data import ImageRecord, LibraryFiles


def layer_sizes(files: LibraryFiles, record: ImageRecord, base: BaseImageSpec | None,
                count: int) -> list[int | None]:
    """The real (or real-derived) size of each of the image's own layers, None where unknown
    (rules 1-3 of builder.py)."""
    total_layers = sum(not s.empty_layer for s in record.history)
    data = list(record.layers)
    if len(data) == total_layers and count <= len(data):
        own = data[len(data) - count:] if count else []
        if own and all(d.size is not None for d in own):
            return [d.size for d in own]
        if own and record.size is not None and all(d.compressed for d in own):
            remaining = record.size - (base.size if base is not None else 0)
            weights = [d.compressed or 0 for d in own]
            spread = [max(0, remaining) * w // max(1, sum(weights)) for w in weights]
            return [int(s) for s in spread]
    sibling = _sibling_sizes(files, record, count)
    return list(sibling) if sibling is not None else [None] * count

def _sibling_sizes(files: LibraryFiles, record: ImageRecord,
                   count: int) -> tuple[int, ...] | None:
    best: tuple[int, tuple[int, ...]] | None = None
    variant = _variant(record.tags)
    for other in files.records(record.repository):
        if other is record or not other.layers:
            continue
        own = [s for s in other.own_history if not s.empty_layer]
        if len(own) != count or len(other.layers) < count:
            continue
        sizes = [la.size for la in other.layers[len(other.layers) - count:]]
        if any(s is None for s in sizes):
            continue
        score = int(_variant(other.tags) == variant)
        if best is None or score > best[0]:
            best = (score, tuple(int(s or 0) for s in sizes))
    return best[1] if best is not None else None


def _variant(tags: tuple[str, ...]) -> str:
    """`18-alpine3.20` → `alpine`; `3.11-slim-bookworm` → `slim`; `18` → ``."""
    for tag in tags:
        for word in ("alpine", "slim", "bookworm", "bullseye", "trixie", "noble", "jammy"):
            if word in tag:
                return word
    return ""
