"""Every package of an Alpine release, from alpinelinux/aports (`alpine/aports.tsv.xz`).

The hand-written catalogues (`alpine/vX.Y.txt`) carry real APKINDEX entries for the packages the
tutorial uses; this index knows the rest of `main` and `community`, as
`assets/packages/refresh_alpine.py` read them from the APKBUILD files at each release's commit:
names, versions, origins, dependencies, `provides`, install scripts and the files the package
functions visibly place. APKBUILDs carry no sizes and no full file lists, so those come by rule
(docs/package-simulation.md): Debian's installed size for a package of the same name, else a
share of the origin's (a split subpackage) or a size from a hash of the name; the other files
where abuild or the package's kind puts them.

The file is read once, when apk first looks a name up past a hand-written catalogue, and only the
release asked for is split into lines.
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass, field

from tutor.engine.sh.pkg import standin
from tutor.engine.sh.pkg.catalogue import Catalogue, Package

DATA = "alpine/aports.tsv.xz"
_REPOS = {"m": "main", "c": "community"}
# A package with no Debian namesake weighs between these (installed; Alpine main averages ~1 MB).
_SIZE_RANGE = (30_000, 4_000_000)
_CONFIG_SIZE = "2K"

# abuild's default split functions: the suffix, the share of the origin's installed size the
# split takes, whether it depends on the origin, pkgdesc's suffix and the files it moves.
SPLITS = {
    "-dev": (
        0.25,
        True,
        "development files",
        ("/usr/include/{b}.h", "/usr/lib/pkgconfig/{b}.pc:300", "/usr/lib/lib{b}.so->lib{b}.so.0"),
    ),
    "-doc": (0.10, False, "documentation", ("/usr/share/man/man1/{b}.1.gz",
                                            "/usr/share/licenses/{b}/LICENSE:2K")),
    "-openrc": (0.01, True, "OpenRC init scripts", ("/etc/init.d/{b}:2K", "/etc/conf.d/{b}:500")),
    "-static": (0.30, True, "static library", ("/usr/lib/lib{b}.a",)),
    "-lang": (0.15, True, "translations", ("/usr/share/locale/de/LC_MESSAGES/{b}.mo",)),
    "-dbg": (0.50, True, "debug symbols", ("/usr/lib/debug/usr/lib/lib{b}.so.debug",)),
}


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    version: str
    repo: str
    origin: str
    depends: tuple[str, ...]
    links: tuple[str, ...]
    provides: tuple[str, ...]
    scripts: tuple[str, ...]
    files: tuple[str, ...]
    description: str


def _row(line: str) -> Row:
    name, version, repo, origin, depends, links, provides, scripts, files, desc = line.split(
        "\t", 9)
    return Row(name, version, _REPOS.get(repo, repo), origin or name, tuple(depends.split()),
               tuple(links.split()), tuple(provides.split()), tuple(scripts.split()),
               tuple(files.split()), desc)


@dataclass
class AportsIndex:
    """One release: its package lines by name, parsed into packages when asked for."""

    release: str
    lines: dict[str, str]
    catalogue: Catalogue
    _providers: dict[str, str] | None = None
    _libraries: frozenset[str] | None = None
    _made: dict[str, Package] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.lines

    def __len__(self) -> int:
        return len(self.lines)

    def row(self, name: str) -> Row | None:
        line = self.lines.get(name)
        return _row(line) if line is not None else None

    def repo_of(self, name: str) -> str:
        """`main` or `community` (without parsing the whole line)."""
        line = self.lines.get(name, "")
        return _REPOS.get(line.split("\t", 3)[2], "") if line.count("\t") >= 3 else ""

    def provider(self, name: str) -> str | None:
        """The package whose `provides` names `name` (`mysql-dev` → `mariadb-dev`)."""
        if self._providers is None:
            self._providers = {}
            for line in self.lines.values():
                row = _row(line)
                for provided in row.provides:
                    self._providers.setdefault(provided, row.name)
        return self._providers.get(name)

    def is_library(self, name: str) -> bool:
        """Whether other packages link against `name` (it holds shared objects)."""
        if self._libraries is None:
            self._libraries = frozenset(
                lib for line in self.lines.values() for lib in line.split("\t")[5].split())
        return name in self._libraries

    def package(self, name: str) -> Package | None:
        """`name` as apk installs it, by name or by what it provides."""
        name = name if name in self.lines else (self.provider(name) or "")
        if name not in self._made:
            row = self.row(name)
            if row is None:
                return None
            self._made[name] = self._package(row)
        return self._made[name]

    def _package(self, row: Row) -> Package:
        split = next((s for s in SPLITS if row.name.endswith(s) and row.name != row.origin), None)
        download, size = self._sizes(row, split)
        deps = tuple(dict.fromkeys(row.depends + row.links))
        flags = tuple(f"!{s}" for s in row.scripts) + tuple(f"!provides={p}" for p in row.provides)
        return Package(name=row.name, version=row.version, download=download, size=size,
                       deps=deps + flags, files=self._files(row, split),
                       description=row.description, repo=row.repo)

    def _sizes(self, row: Row, split: str | None) -> tuple[int, int]:
        if split is not None and row.origin in self.lines:
            origin = self.package(row.origin)
            if origin is not None:
                share = SPLITS[split][0]
                return max(1, int(origin.download * share)), max(1, int(origin.size * share))
        from tutor.engine.sh.pkg.debindex import suite_index

        debian = suite_index(self.catalogue, "debian/trixie")
        deb = debian.get(row.name) if debian is not None else None
        if deb is not None:
            return max(1, deb.size), max(1, deb.installed)
        return standin.sizes("apk", row.name, *_SIZE_RANGE)

    def _files(self, row: Row, split: str | None) -> tuple[str, ...]:
        """The files the APKBUILD visibly places (`row.files`, configuration kept small), plus
        what the package's kind implies."""
        if not row.files:
            return self._implied_files(row, split)
        configs = tuple(f"{f}:{_CONFIG_SIZE}" for f in row.files if f.startswith("/etc/"))
        others = tuple(f for f in row.files if not f.startswith("/etc/"))
        if others:
            return others + configs
        return self._implied_files(row, split) + configs

    def _implied_files(self, row: Row, split: str | None) -> tuple[str, ...]:
        if split is not None:
            stem = row.origin.removeprefix("lib").removesuffix("-libs")
            return tuple(f.format(b=stem) for f in SPLITS[split][3])
        if self.is_library(row.name) or row.name.startswith("lib") or row.name.endswith("-libs"):
            stem = row.name.removeprefix("lib").removesuffix("-libs")
            return (f"/usr/lib/lib{stem}.so.0",)
        if row.name == row.origin:
            return (f"/usr/bin/{row.name}", f"/usr/share/{row.name}/{row.name}.dat")
        # another subpackage of its origin: a program it provides, else the origin's module
        programs = tuple(f"/usr/bin/{p}" for p in row.provides)
        return programs or (f"/usr/lib/{row.origin}/{row.name}.so",)


def release_index(catalogue: Catalogue, release: str) -> AportsIndex | None:
    """The aports index of Alpine `release` (`v3.21`), None when the data has no such release."""
    return catalogue.memo(f"aports:{release}", lambda: _load(catalogue, release))


def _load(catalogue: Catalogue, release: str) -> AportsIndex | None:
    path = catalogue.assets_dir / DATA
    if not path.is_file():
        return None
    text = lzma.decompress(path.read_bytes()).decode("utf-8", "replace")
    start = text.find(f"\n@release {release.removeprefix('v')} ")
    if start < 0:
        return None
    body_start = text.index("\n", start + 1) + 1
    end = text.find("\n@release ", body_start)
    body = text[body_start:] if end < 0 else text[body_start:end]
    lines = {line[: line.find("\t")]: line for line in body.split("\n") if line}
    return AportsIndex(release, lines, catalogue)
