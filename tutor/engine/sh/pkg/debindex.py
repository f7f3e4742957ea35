"""The full package index of a Debian suite (or an Ubuntu release derived from one).

`assets/packages/debian/SUITE.tsv.xz` is made by `assets/packages/refresh_debian.py` from apt's
real list files: one tab-separated line per package (see that script for the columns). It is
read only when apt first needs the suite, and only that suite: lines are kept as text and parsed
into a `DebPackage` when asked for, so loading costs one decompression and one split.

A hand-written catalogue (`debian/SUITE.txt`, see `catalogue.py`) may overlay it: its entries
keep their real file lists and install flags (`!debconf`), its `@` lines carry apt's notices.
An Ubuntu release (`ubuntu/RELEASE.txt` with `@derive debian/SUITE`) is its Debian base with
Ubuntu's versions where the images list them and Ubuntu-style versions for the rest.
"""

from __future__ import annotations

import lzma
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from tutor.engine.sh.pkg.catalogue import Catalogue, Index, Package

_PRIORITIES = {
    "r": "required",
    "i": "important",
    "s": "standard",
    "o": "optional",
    "e": "extra",
}
_PARTS = re.compile(r"\s*,\s*")
# Virtual names the data files' `@provides` table leaves out (see refresh_debian.py).
_SCANNED_VIRTUALS = ("librust-", "libghc-", "node-")


@dataclass(frozen=True, slots=True)
class Relation:
    """One alternative of a dependency: `name[:arch] [(op version)]`."""

    name: str
    op: str = ""
    version: str = ""


def parse_relations(text: str) -> list[list[Relation]]:
    """`a (>= 1) | b, c:any` → [[a>=1, b], [c]] (an `:any`/`:native` qualifier is dropped)."""
    groups: list[list[Relation]] = []
    for part in _PARTS.split(text.strip()):
        if not part:
            continue
        group: list[Relation] = []
        for alt in part.split("|"):
            match = re.match(r"\s*([^\s(:\[]+)(?::\S+)?\s*(?:\(\s*([<>=]+)\s*([^)\s]+)\s*\))?", alt)
            if match:
                group.append(Relation(match[1], match[2] or "", match[3] or ""))
        if group:
            groups.append(group)
    return groups


@dataclass(frozen=True, slots=True)
class DebPackage:
    name: str
    version: str
    arch_all: bool
    essential: bool
    multi_arch: str
    priority: str
    section: str
    installed_kib: int
    size: int
    depends: str
    pre_depends: str
    recommends: str
    suggests: str
    provides: str
    source: str
    description: str
    pocket: str = ""
    # From a hand-written catalogue entry, when there is one.
    files: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()

    @property
    def installed(self) -> int:
        return self.installed_kib * 1024

    def provided_names(self) -> list[str]:
        return [g[0].name for g in parse_relations(self.provides) if g]

    def as_package(self, files: tuple[str, ...]) -> Package:
        """The generic view `file_plan` sizes files with."""
        return Package(self.name, self.version, self.size, self.installed, (), files,
                       self.description)


def _row(line: str) -> DebPackage | None:
    cols = line.split("\t")
    if len(cols) < 14:
        return None
    flags = cols[2]
    return DebPackage(
        name=cols[0],
        version=cols[1],
        arch_all="a" in flags,
        essential="e" in flags,
        multi_arch="same" if "s" in flags else "foreign" if "f" in flags else "",
        priority=_PRIORITIES.get(cols[3], "optional"),
        section=cols[4],
        installed_kib=int(cols[5] or 0),
        size=int(cols[6] or 0),
        depends=cols[7],
        pre_depends=cols[8],
        recommends=cols[9],
        suggests=cols[10],
        provides=cols[11],
        source=cols[12],
        description=cols[13],
        pocket="updates" if "U" in flags else "security" if "S" in flags else "",
    )


@dataclass
class DebIndex:
    """Every package of one suite; `meta` holds the `@` lines (apt-get update's fetches…)."""

    lines: dict[str, str]
    meta: tuple[tuple[str, ...], ...] = ()
    overlay: Index = field(default_factory=lambda: Index({}))
    relabel: dict[str, str] = field(default_factory=dict)
    ubuntu: bool = False
    provides_table: dict[str, list[str]] = field(default_factory=dict)
    _providers: dict[str, list[str]] | None = None
    _parsed: dict[str, DebPackage] = field(default_factory=dict)

    def get(self, name: str) -> DebPackage | None:
        if name in self._parsed:
            return self._parsed[name]
        line = self.lines.get(name)
        pkg = _row(line) if line is not None else None
        curated = self.overlay.newest(name)
        if pkg is None and curated is not None:
            pkg = _from_curated(curated)
        elif pkg is None:
            return None
        elif curated is not None:
            pkg = _with_curated(pkg, curated, keep_version=self.ubuntu)
        elif self.ubuntu:
            pkg = _replace_version(pkg, self.relabel.get(name) or ubuntu_version(pkg.version))
        self._parsed[name] = pkg
        return pkg

    def __contains__(self, name: str) -> bool:
        return name in self.lines or self.overlay.newest(name) is not None

    def providers(self, name: str) -> list[str]:
        """Real packages whose Provides names `name`, in index order: the data file's table of
        purely virtual names, or (for the ecosystems it leaves out) a scan of every line."""
        if name in self.provides_table:
            found = [p for p in self.provides_table[name] if p in self.lines]
        elif name.startswith(_SCANNED_VIRTUALS):
            found = self._scan().get(name, [])
        else:
            found = []
        if self.ubuntu:
            # a hand-written Ubuntu entry says itself what it provides (nothing, by default)
            found = [p for p in found if self.overlay.newest(p) is None]
        return found

    def _scan(self) -> dict[str, list[str]]:
        if self._providers is None:
            table: dict[str, list[str]] = {}
            for pkg_name, line in self.lines.items():
                cols = line.split("\t", 12)
                if len(cols) > 11 and cols[11]:
                    for group in parse_relations(cols[11]):
                        table.setdefault(group[0].name, []).append(pkg_name)
            self._providers = table
        return self._providers

    def meta_lines(self, key: str) -> list[tuple[str, ...]]:
        own = [m[1:] for m in self.meta if m[0] == key]
        return own or list(self.overlay.meta_lines(key))

    def __len__(self) -> int:
        return len(self.lines)


def _replace_version(pkg: DebPackage, version: str) -> DebPackage:
    fields = {f: getattr(pkg, f) for f in DebPackage.__slots__}
    fields["version"] = version
    return DebPackage(**fields)


def _with_curated(pkg: DebPackage, curated: Package, keep_version: bool) -> DebPackage:
    """The real entry with the hand-written one's files and flags. For a derived Ubuntu release
    the hand-written entry is real Ubuntu data the Debian base cannot know (version, sizes,
    dependencies), so it wins, keeping only the base's Multi-Arch, Priority and Section."""
    if keep_version:
        own = _from_curated(curated)
        fields = {f: getattr(own, f) for f in DebPackage.__slots__}
        for key in ("multi_arch", "priority", "section", "essential", "source"):
            fields[key] = getattr(pkg, key)
        return DebPackage(**fields)
    fields = {f: getattr(pkg, f) for f in DebPackage.__slots__}
    fields["files"] = curated.files
    fields["flags"] = curated.flags
    return DebPackage(**fields)


def _from_curated(curated: Package) -> DebPackage:
    """A package only the hand-written catalogue knows (an Ubuntu-only one such as
    `ubuntu-keyring`): its `deps` tokens become the relation fields."""
    return DebPackage(
        name=curated.name,
        version=curated.version,
        arch_all="all" in curated.flags,
        essential=False,
        multi_arch="",
        priority="optional",
        section="misc",
        installed_kib=(curated.size + 1023) // 1024,
        size=curated.download,
        depends=", ".join(curated.requires()),
        pre_depends="",
        recommends=", ".join(curated.prefixed("+")),
        suggests=", ".join(curated.prefixed("?")),
        provides="",
        source="",
        description=curated.description,
        files=curated.files,
        flags=curated.flags,
    )


def ubuntu_version(debian: str) -> str:
    """Ubuntu's label for a package it takes from Debian unchanged: the Debian stable-update and
    binNMU suffixes go (`+deb12u3`, `+b2`) and a no-change rebuild gets `buildN`, as Ubuntu's
    archive labels a Debian version it rebuilt (`1.0-2` → `1.0-2build1`)."""
    version = re.sub(r"([+~]deb\d+u\d+|\+b\d+)+$", "", debian)
    return version + "build1"


def read_lines(
    path: Path,
) -> tuple[dict[str, str], list[tuple[str, ...]], list[str], dict[str, list[str]]]:
    """A `.tsv.xz` index: package lines by name, `@` lines, `-name` removals (arm64 deltas) and
    the `@provides` table."""
    lines: dict[str, str] = {}
    meta: list[tuple[str, ...]] = []
    removed: list[str] = []
    provides: dict[str, list[str]] = {}
    for line in lzma.decompress(path.read_bytes()).decode("utf-8", "replace").split("\n"):
        if not line or line[0] == "#":
            continue
        if line.startswith("@provides "):
            words = line.split()
            provides[words[1]] = words[2:]
        elif line[0] == "@":
            meta.append(tuple(line[1:].split()))
        elif line[0] == "-":
            removed.append(line[1:])
        else:
            lines[line[: line.find("\t")]] = line
    return lines, meta, removed, provides


def load(assets: Path, suite: str, arch: str = "amd64") -> DebIndex | None:
    """The index of `debian/SUITE` (or an Ubuntu release deriving from one) for `arch`."""
    full = assets / f"{suite}.tsv.xz"
    if not full.is_file():
        return None
    lines, meta, _, provides = read_lines(full)
    if arch != "amd64":
        delta = assets / f"{suite}-{arch}.tsv.xz"
        if delta.is_file():
            extra, _, removed, _ = read_lines(delta)
            for name in removed:
                lines.pop(name, None)
            lines.update(extra)
    return DebIndex(lines, tuple(meta), provides_table=provides)


def suite_index(catalogue: Catalogue, name: str, arch: str = "amd64") -> DebIndex | None:
    """The full index of `debian/SUITE` or `ubuntu/RELEASE`, loaded on first use and cached in
    the catalogue; None for a suite the project has no data for."""
    return catalogue.memo(f"deb:{name}:{arch}", lambda: _make(catalogue, name, arch))


def _make(catalogue: Catalogue, name: str, arch: str) -> DebIndex | None:
    found = catalogue.index(name)
    # (an overlay with no package lines is empty, not absent: it still carries `@` lines)
    overlay = found if found is not None else Index({})
    if name.startswith("ubuntu/"):
        base = next(overlay.meta_lines("derive"), None)
        if base is None:
            return None
        derived = load(catalogue.assets_dir / posixpath.dirname(base[0]),
                       posixpath.basename(base[0]), arch)
        if derived is None:
            return None
        relabel = {words[0]: words[1] for words in overlay.meta_lines("version")}
        # Ubuntu's own `@index` lines (its mirrors and pockets) replace Debian's.
        return DebIndex(derived.lines, (), overlay, relabel, ubuntu=True,
                        provides_table=derived.provides_table)
    index = load(catalogue.assets_dir / posixpath.dirname(name), posixpath.basename(name), arch)
    if index is None:
        return None
    index.overlay = overlay
    return index
