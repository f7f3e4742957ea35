"""The open-world base-image catalogue: every tag of the Docker Official Images (and a few other
registries' images), generated from real upstream data and completed by documented rules.

Resolution order for `repository:tag` (tutor.engine.catalogue delegates here when the
hand-written `assets/base-images/*.toml` do not have the tag):

1. `assets/library/repo-info/<name>.json.gz`: the image published under that exact tag
   (docker-library/repo-info), with real sizes when known;
2. `assets/library/official/<name>.json.gz`: the tag group's current Dockerfile
   (docker-library/official-images);
3. built-in rules (`others.py`) for images of other registries the data does not cover
   (gcr.io/distroless, mcr.microsoft.com/dotnet);
4. an older release of a tag group the data lists (`older.py`: `golang:1.18-alpine`).

The tutor's hint after a not-found error (closest references that exist) is `suggest.py`; the
estimation and placement rules' data is `assets/library/rules.toml` (`rules.py`).

Files are read lazily, one repository at a time (`data.py`); specs are built on first use and
cached, so a FROM chain shares its base's `LayerSpec` objects (`docker pull` says
`Already exists`). How an image's layers and sizes are derived: `builder.py`, `steps.py`,
`osroot.py`, `recipes.py`; the whole story for learners and maintainers:
docs/open-world-images.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.engine.catalogue import BaseImageSpec, Platform, RepositoryInfo
from tutor.engine.library.builder import ImageBuilder, familiar, full_name
from tutor.engine.library.data import LibraryFiles
from tutor.engine.library.others import builtin_records
from tutor.engine.library.rules import load_rules

if TYPE_CHECKING:
    from tutor.engine.catalogue import Catalogue

RULES_FILE = "rules.toml"


class LibraryImages:
    """What the catalogue asks of the library: repositories, tags, platforms, specs."""

    def __init__(self, catalogue: Catalogue, root: Path) -> None:
        self.files = LibraryFiles(root)
        self.files.extra = builtin_records()
        self.images = ImageBuilder(catalogue, self.files, load_rules(root / RULES_FILE))

    def names(self) -> frozenset[str]:
        """Familiar names of every repository the library can serve."""
        return self.files.names()

    def repositories(self, own: Mapping[str, RepositoryInfo]) -> Mapping[str, RepositoryInfo]:
        return _Repositories(own, self)

    def info(self, name: str) -> RepositoryInfo:
        short = familiar(name)
        official = "/" not in short
        return RepositoryInfo(short, self.files.description(short), 0, official)

    def resolve(self, repository: str, tag: str, platform: Platform) -> BaseImageSpec | None:
        return self.images.resolve(repository, tag, platform)

    def platforms(self, repository: str, tag: str) -> tuple[Platform, ...]:
        return self.images.platforms(repository, tag)

    def tags(self, repository: str) -> set[str]:
        return self.files.tags(familiar(repository))


class _Repositories(Mapping[str, RepositoryInfo]):
    """Hand-written repositories first, then the library's, described on first access."""

    def __init__(self, own: Mapping[str, RepositoryInfo], library: LibraryImages) -> None:
        self._own = own
        self._library = library
        self._names = sorted(set(own) | {full_name(n) for n in library.names()})

    def __getitem__(self, key: str) -> RepositoryInfo:
        if key in self._own:
            return self._own[key]
        if familiar(key) in self._library.names():
            return self._library.info(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, key: object) -> bool:
        return key in self._own or (isinstance(key, str)
                                    and familiar(key) in self._library.names())


def open_library(catalogue: Catalogue, root: Path) -> LibraryImages:
    return LibraryImages(catalogue, root)


__all__ = ["LibraryImages", "open_library"]
