"""Catalogue images as tests need them: a spec by short reference, its files as one tree."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tutor.engine.catalogue import BaseImageSpec, Catalogue, load_catalogue, normalize_repository
from tutor.engine.fs import FileTree

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def image(catalogue: Catalogue, ref: str, platform: str = "linux/amd64") -> BaseImageSpec:
    name, _, tag = ref.partition(":")
    spec = catalogue.resolve(normalize_repository(name), tag, platform)
    assert spec is not None, ref
    return spec


def tree(spec: BaseImageSpec) -> FileTree:
    """The image's layers applied in order, as a container's root filesystem starts."""
    result = FileTree()
    for layer in spec.layers:
        for path in layer.deletions:
            result.remove(path)
        for path, node in layer.entries:
            result.put(path, node)
    return result


def read(spec: BaseImageSpec, path: str) -> str:
    _, node = tree(spec).lookup(path)
    assert node.content is not None
    return node.content.read().decode()


@cache
def _flattened(ref: str) -> FileTree:
    return tree(image(load_catalogue(ASSETS), ref))


def image_tree(ref: str) -> FileTree:
    """A fresh copy of `ref`'s linux/amd64 tree; flattening the big images once keeps tests fast."""
    return _flattened(ref).copy()
