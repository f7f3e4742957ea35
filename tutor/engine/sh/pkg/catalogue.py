"""The package repositories the simulated package managers install from.

Each ecosystem (an Alpine release, a Debian suite, PyPI, the npm registry, the Go proxy) is one text
file under `assets/packages/`, one package version per line:

    name | versions | download | installed | deps | files | description

`versions` may list several comma-separated versions sharing the same metadata (oldest first);
sizes take K/M suffixes (powers of 1000, as registries report them); `deps` and `files` are
space-separated tokens whose meaning each manager interprets (a dependency spec, `+rec`, `!flag`;
a path, `path:size`, `link->target`). Lines starting with `@` carry repository metadata
(`@repo community` switches the repository of the following lines; `@inherit v3.21` starts from
another file of the same directory; anything else is kept in `meta` for the manager to read).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, FileTree, FsError, Node, Synthetic, directory

_T = TypeVar("_T")
_OWN_META = frozenset({"index", "describe", "distinct", "snapshot"})
_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3}
# Simulated download speed in bytes per second, one network for every package manager.
LINK_SPEED = 20e6


class CatalogueError(EngineError):
    """A package catalogue file that cannot be read (a packaging bug, never a learner's)."""


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    download: int
    size: int
    deps: tuple[str, ...]
    files: tuple[str, ...]
    description: str
    repo: str = ""

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(d[1:] for d in self.deps if d.startswith("!"))

    def requires(self) -> tuple[str, ...]:
        """Hard dependencies: tokens without a `+` (recommends), `?` (suggests) or `!` prefix."""
        return tuple(d for d in self.deps if d[0] not in "+?!")

    def prefixed(self, mark: str) -> tuple[str, ...]:
        return tuple(d[1:] for d in self.deps if d.startswith(mark))

    def flag(self, key: str) -> list[str]:
        """The values of the package's `!key=value` tokens, in catalogue order."""
        return [f.split("=", 1)[1] for f in self.prefixed("!") if f.startswith(key + "=")]


@dataclass(frozen=True, slots=True)
class Index:
    """One repository: every package version it offers, plus its `@` metadata lines."""

    packages: dict[str, tuple[Package, ...]]
    meta: tuple[tuple[str, ...], ...] = ()
    # names taken from an `@inherit`ed file and not listed again: another release's data
    inherited: frozenset[str] = frozenset()

    def newest(self, name: str) -> Package | None:
        found = self.packages.get(name)
        return found[-1] if found else None

    def versions(self, name: str) -> tuple[Package, ...]:
        return self.packages.get(name, ())

    def meta_lines(self, key: str) -> Iterator[tuple[str, ...]]:
        return (m[1:] for m in self.meta if m[0] == key)

    def __len__(self) -> int:
        return len(self.packages)


@dataclass
class Catalogue:
    """All package repositories, read lazily from `assets_dir` (normally `assets/packages`)."""

    assets_dir: Path
    _cache: dict[str, Index] = field(default_factory=dict)
    _memo: dict[str, object] = field(default_factory=dict)

    def memo(self, key: str, make: Callable[[], _T]) -> _T:
        """`make()` once per key: the full indexes other modules load from `assets_dir` (a
        Debian suite's) are read the first time a manager needs them, never before."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]  # type: ignore[return-value]

    def index(self, name: str) -> Index | None:
        """The repository `name` (`alpine/v3.21`, `debian/bookworm`, `pypi`…), None if unknown."""
        if name not in self._cache:
            path = self.assets_dir / f"{name}.txt"
            if not path.is_file():
                return None
            self._cache[name] = self._load(path)
        return self._cache[name]

    def _load(self, path: Path) -> Index:
        packages: dict[str, list[Package]] = {}
        meta: list[tuple[str, ...]] = []
        repo = ""
        inherited: set[str] = set()
        for lineno, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@"):
                words = tuple(line[1:].split())
                if words[0] == "repo":
                    repo = words[1]
                elif words[0] == "inherit":
                    base = self.index(posixpath.join(path.parent.name, words[1]))
                    if base is None:
                        raise CatalogueError(f"{path.name}:{lineno}: unknown base {words[1]}")
                    for name, versions in base.packages.items():
                        packages[name] = list(versions)
                    inherited = set(base.packages)
                    # what describes one release's repositories is not another's
                    meta.extend(m for m in base.meta if m[0] not in _OWN_META)
                else:
                    meta.append(words)
                continue
            for pkg in _parse_line(line, repo, f"{path.name}:{lineno}"):
                # A release's own line replaces what it inherits; within one file several lines
                # for a name are distinct versions (npm's ms@2.0.0 beside ms@2.1.3).
                if pkg.name in inherited:
                    inherited.discard(pkg.name)
                    packages[pkg.name] = []
                packages.setdefault(pkg.name, []).append(pkg)
        return Index({k: tuple(v) for k, v in packages.items()}, tuple(meta),
                     frozenset(inherited))


def parse_size(text: str) -> int:
    match = re.fullmatch(r"([0-9.]+)([KMG]?)", text)
    if match is None:
        raise CatalogueError(f"bad size {text!r}")
    return int(float(match[1]) * _UNITS[match[2]])


def _parse_line(line: str, repo: str, where: str) -> Iterator[Package]:
    fields = [f.strip() for f in line.split("|")]
    if len(fields) != 7:
        raise CatalogueError(f"{where}: expected 7 fields, got {len(fields)}")
    name, versions, download, size, deps, files, description = fields
    for version in versions.split(","):
        yield Package(
            name=name,
            version=version,
            download=parse_size(download),
            size=parse_size(size),
            deps=tuple(deps.split()),
            files=tuple(files.split()),
            description=description,
            repo=repo,
        )


class PackageWorld(Protocol):
    """What the package managers need from `Process.world` beyond `World.fetch_url`."""

    @property
    def packages(self) -> Catalogue: ...


_DEFAULT: list[Catalogue] = []


def catalogue_of(world: object) -> Catalogue | None:
    """The repositories reachable from `world`; None when the container has no network.

    A world that does not carry its own catalogue (yet) gets the one shipped in `assets/`.
    """
    if world is None:
        return None
    own = getattr(world, "packages", None)
    if isinstance(own, Catalogue):
        return own
    if not _DEFAULT:
        _DEFAULT.append(Catalogue(Path(__file__).resolve().parents[4] / "assets" / "packages"))
    return _DEFAULT[0]


# -- writing a package's files into a tree ----------------------------------------------------


def file_plan(pkg: Package, budget: int | None = None) -> list[tuple[str, Node]]:
    """The nodes a package's `files` tokens stand for, sized so that regular files add up to
    `budget` (default: the installed size): explicit `path:size` tokens keep their size and the
    rest is split evenly over the unsized ones, so a layer's size matches the package's."""
    total = pkg.size if budget is None else budget
    plan: list[tuple[str, Node]] = []
    unsized: list[str] = []
    sized: dict[str, int] = {}
    links: dict[str, str] = {}
    for token in pkg.files:
        if "->" in token:
            path, target = token.split("->", 1)
            links[path] = target
        elif ":" in token:
            path, text = token.rsplit(":", 1)
            sized[path] = parse_size(text)
        else:
            unsized.append(token)
    rest = max(0, total - sum(sized.values()))
    share, extra = divmod(rest, len(unsized)) if unsized else (0, 0)
    for i, path in enumerate(unsized):
        sized[path] = share + (1 if i < extra else 0)
    for path, size in sized.items():
        seed = f"{pkg.name}-{pkg.version}:{path}"
        mode = 0o755 if "/bin/" in path or path.endswith(".so") or ".so." in path else 0o644
        plan.append((path, Node("file", mode, content=Synthetic(size, seed))))
    for path, target in links.items():
        plan.append((path, Node("symlink", 0o777, target=target)))
    return plan


def put_file(fs: FileTree, path: str, node: Node) -> None:
    """Write `node` at `path`, creating parent directories (following existing symlinks such as
    Debian's merged `/bin -> usr/bin`) the way a package unpacker does."""
    parent = ensure_dir(fs, posixpath.dirname(path))
    fs.put(posixpath.join(parent, posixpath.basename(path)), node)


def ensure_dir(fs: FileTree, path: str) -> str:
    """`mkdir -p` through symlinks; the real path of the directory."""
    current = "/"
    for part in (p for p in path.split("/") if p):
        candidate = posixpath.join(current, part)
        node = fs.get(candidate)
        if node is not None and node.type == "symlink":
            candidate = fs.resolve(candidate)
            node = fs.get(candidate)
        if node is None:
            fs.makedirs(candidate, directory())
        current = candidate
    return current


def remove_file(fs: FileTree, path: str) -> None:
    """Delete a packaged file if it is still there (a later step may have removed it)."""
    try:
        real = fs.resolve(path, follow=False)
    except EngineError:
        return
    node = fs.get(real)
    if node is not None and not node.is_dir:
        fs.remove(real)


def list_dir(fs: FileTree, path: str) -> list[str]:
    """The names in a directory; none when it is missing, as a manager finds an absent state
    directory (no sources, no installed packages) rather than failing."""
    try:
        return fs.listdir(fs.resolve(path))
    except FsError:
        return []


def remove_path(fs: FileTree, path: str) -> None:
    """Delete a file or a whole directory; what is already gone is no error, as with `rm -rf`."""
    try:
        real = fs.resolve(path, follow=False)
    except FsError:
        return
    if real in fs:
        fs.remove(real)


def read_text(fs: FileTree, path: str, cwd: str = "/") -> str | None:
    """A text file's content, None when it is missing or not a regular file."""
    try:
        _, node = fs.lookup(path, cwd)
    except EngineError:
        return None
    if node.type != "file" or node.content is None:
        return None
    return node.content.read().decode("utf-8", "replace")


def write_text(fs: FileTree, path: str, text: str, mode: int = 0o644) -> None:
    put_file(fs, path, Node("file", mode, content=Data(text.encode())))
