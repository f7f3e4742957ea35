"""`apk`, Alpine's package manager (apk-tools 2.14), against the image's real-format database.

State lives where apk keeps it: `/etc/apk/repositories` names the mirrors (and so the release),
`/etc/apk/world` the explicitly wanted packages, `/lib/apk/db/installed` every installed package
with its files, and `/var/cache/apk/APKINDEX.*.tar.gz` the downloaded indexes unless
`--no-cache` keeps them in memory only (the difference a learner sees in the layer size).
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from tutor.engine.fs import Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg.aports import SPLITS, AportsIndex, release_index
from tutor.engine.sh.pkg.catalogue import (
    LINK_SPEED,
    Catalogue,
    Index,
    Package,
    catalogue_of,
    ensure_dir,
    file_plan,
    parse_size,
    put_file,
    read_text,
    remove_file,
    write_text,
)
from tutor.engine.sh.pkg.debversion import compare

DB = "/lib/apk/db/installed"
WORLD = "/etc/apk/world"
REPOSITORIES = "/etc/apk/repositories"
CACHE = "/var/cache/apk"
ARCH = "/etc/apk/arch"
_BIN_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")


@dataclass
class Installed:
    """`/lib/apk/db/installed`, kept as its blocks so unknown fields survive a rewrite."""

    blocks: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Installed:
        db = cls()
        for chunk in text.split("\n\n"):
            lines = [ln for ln in chunk.splitlines() if ln]
            name = next((ln[2:] for ln in lines if ln.startswith("P:")), None)
            if name:
                db.blocks[name] = lines
        return db

    def field(self, name: str, key: str) -> list[str]:
        return [ln[2:] for ln in self.blocks.get(name, []) if ln.startswith(key + ":")]

    def version(self, name: str) -> str:
        found = self.field(name, "V")
        return found[0] if found else ""

    def depends(self, name: str) -> list[str]:
        deps: list[str] = []
        for line in self.field(name, "D"):
            for token in line.split():
                bare = token.lstrip("!").split(">")[0].split("<")[0].split("=")[0].split("~")[0]
                if ":" not in bare and not token.startswith("!"):
                    deps.append(bare)
        return deps

    def files(self, name: str) -> list[str]:
        paths: list[str] = []
        folder = ""
        for line in self.blocks.get(name, []):
            if line.startswith("F:"):
                folder = line[2:]
            elif line.startswith("R:"):
                paths.append("/" + posixpath.join(folder, line[2:]))
        return paths

    def size(self) -> int:
        return sum(int(v) for n in self.blocks for v in self.field(n, "I") if v.isdigit())

    def render(self) -> str:
        return "".join("\n".join(lines) + "\n\n" for lines in self.blocks.values())


@dataclass(frozen=True, slots=True)
class Repo:
    url: str
    release: str
    name: str

    @property
    def index_url(self) -> str:
        return f"{self.url}/x86_64/APKINDEX.tar.gz"

    @property
    def cache_file(self) -> str:
        digest = hashlib.sha1(self.url.encode()).hexdigest()[:8]
        return f"{CACHE}/APKINDEX.{digest}.tar.gz"


def _repos(proc: Process) -> list[Repo]:
    text = read_text(proc.fs, REPOSITORIES) or ""
    repos = []
    for line in text.splitlines():
        url = line.strip().rstrip("/")
        if not url or url.startswith("#") or url.startswith("@"):
            continue
        parts = url.split("/")
        repos.append(Repo(url, parts[-2] if len(parts) > 1 else "", parts[-1]))
    return repos


@dataclass
class Options:
    command: str = ""
    names: list[str] = field(default_factory=list)
    no_cache: bool = False
    update: bool = False
    quiet: bool = False
    virtual: str = ""


def _parse(argv: list[str]) -> Options:
    opts = Options()
    args = iter(argv[1:])
    for arg in args:
        if arg == "--no-cache":
            opts.no_cache = True
        elif arg in ("-U", "--update-cache", "--update"):
            opts.update = True
        elif arg in ("-q", "--quiet"):
            opts.quiet = True
        elif arg in ("-t", "--virtual"):
            opts.virtual = next(args, "")
        elif arg.startswith("--virtual="):
            opts.virtual = arg.split("=", 1)[1]
        elif arg in ("-X", "--repository", "-p", "--root"):
            next(args, None)
        elif arg.startswith("-"):
            continue
        elif not opts.command:
            opts.command = arg
        else:
            opts.names.append(arg)
    return opts


@program("apk")
def apk(proc: Process) -> int:
    if "--print-arch" in proc.argv[1:]:
        # apk's architecture is the one /etc/apk/arch names (the image's)
        arch = (read_text(proc.fs, ARCH) or "").strip() or "x86_64"
        proc.out(f"{arch}\n")
        return 0
    opts = _parse(proc.argv)
    if opts.command == "add":
        return _add(proc, opts)
    if opts.command == "del":
        return _del(proc, opts)
    if opts.command == "update":
        return _update(proc, opts)
    if opts.command in ("info", "list"):
        db = Installed.parse(read_text(proc.fs, DB) or "")
        proc.out("".join(f"{name}\n" for name in db.blocks))
        return 0
    proc.err(
        "apk-tools 2.14.6, compiled for x86_64.\n\nusage: apk [<OPTIONS>...] COMMAND "
        "[<ARGUMENTS>...]\n"
    )
    return 1


def _load_indexes(proc: Process, opts: Options, force: bool) -> tuple[list[Index], int]:
    """The indexes of every configured repository, fetching (and caching) them as apk would."""
    catalogue: Catalogue | None = catalogue_of(proc.world)
    indexes: list[Index] = []
    errors = 0
    for repo in _repos(proc):
        index = catalogue.index(f"alpine/{repo.release}") if catalogue else None
        if index is None:
            if not opts.quiet:
                proc.err(f"WARNING: fetching {repo.url}: temporary error (try again later)\n")
            errors += 1
            continue
        cached = repo.cache_file in proc.fs
        if force or opts.no_cache or not cached:
            if not opts.quiet:
                proc.out(f"fetch {repo.index_url}\n")
            size = _index_size(index, repo.name)
            proc.spend(size / LINK_SPEED + 0.05)
            if not opts.no_cache:
                ensure_dir(proc.fs, CACHE)
                proc.fs.put(
                    repo.cache_file, Node("file", 0o644, content=Synthetic(size, repo.index_url))
                )
        indexes.append(_as_in_release(_only_repo(index, repo.name),
                                      release_index(catalogue, repo.release) if catalogue
                                      and index.inherited else None))
    return indexes, errors


def _debian_name(catalogue: Catalogue | None, name: str, repo: str) -> Package | None:
    """The long tail of apk names, by rule. Alpine and Debian mostly package the same upstream
    projects under the same names (strace, xz, ffmpeg, gnupg, iproute2), and the project ships
    Debian's whole index but only part of Alpine's; so a name the Alpine data lacks is looked up
    in Debian's (trixie) index, and when Debian has a package of that name (or that name with
    `-utils` or `-tools`, as Debian names some tools' packages) it installs as an
    Alpine package: the upstream part of Debian's version with an `-r0` revision, Debian's
    installed size, its program under /usr/bin (a library under /usr/lib), no dependencies
    (Debian's library names do not carry over). A name neither has still fails as apk fails."""
    from tutor.engine.sh.pkg.debindex import suite_index

    index = suite_index(catalogue, "debian/trixie") if catalogue is not None else None
    if index is None:
        return None
    # Debian splits some tools' names where Alpine does not (`xz` is Debian's `xz-utils`)
    deb = next((d for d in map(index.get, (name, f"{name}-utils", f"{name}-tools")) if d), None)
    if deb is None or deb.section in ("oldlibs", "metapackages") or name.endswith("-dev"):
        return None
    upstream = deb.version.split(":", 1)[-1].rsplit("-", 1)[0].split("+")[0].split("~")[0]
    is_library = deb.section in ("libs", "libdevel") or name.startswith("lib")
    files = (f"/usr/lib/{name}.so.0",) if is_library else (
        f"/usr/bin/{name}", f"/usr/share/{name}/{name}.dat")
    return Package(name=name, version=f"{upstream or '0'}-r0", download=max(1, deb.size),
                   size=max(1, deb.installed), deps=(), files=files,
                   description=deb.description, repo=repo)


def _index_size(index: Index, repo: str) -> int:
    for words in index.meta_lines("index"):
        if words[0] == repo:
            return parse_size(words[1])
    return 500_000


def _only_repo(index: Index, repo: str) -> Index:
    picked = {n: tuple(p for p in v if p.repo == repo) for n, v in index.packages.items()}
    return Index({n: v for n, v in picked.items() if v}, index.meta, index.inherited)


def _as_in_release(index: Index, aports: AportsIndex | None) -> Index:
    """A catalogue that borrows another release's entries (`@inherit`) offers them only as the
    release's own aports data has them: names it lacks are left out, versions are its own."""
    if not index.inherited or aports is None:
        return index
    packages = dict(index.packages)
    for name in index.inherited & set(packages):
        row = aports.row(name)
        if row is None:
            del packages[name]
        else:
            packages[name] = tuple(replace(p, version=row.version) for p in packages[name])
    return Index(packages, index.meta)


Lookup = Callable[[str], Package | None]


def _find(indexes: Iterable[Index], name: str, more: Lookup | None = None) -> Package | None:
    """The package `name` names: by name or by `provides` in the hand-written catalogue, else as
    `more` (the release's long tail, see `_long_tail`) finds it."""
    indexes = list(indexes)
    for index in indexes:
        pkg = index.newest(name)
        if pkg is not None:
            return pkg
    for index in indexes:
        for versions in index.packages.values():
            if f"provides={name}" in versions[-1].flags:
                return versions[-1]
    return more(name) if more is not None and indexes else None


def _long_tail(proc: Process, indexes: list[Index]) -> Lookup:
    """Names past the hand-written catalogue: the release's aports index, in the repositories
    /etc/apk/repositories names; for a release the data lacks, the split-subpackage and
    Debian-name rules. The index is read only when a name gets this far."""
    catalogue = catalogue_of(proc.world)
    repos = _repos(proc)
    enabled = {r.name for r in repos}

    def lookup(name: str) -> Package | None:
        aports = release_index(catalogue, repos[0].release) if catalogue and repos else None
        if aports is not None:
            return _from_aports(aports, indexes, name, enabled)
        found = _subpackage(indexes, name)
        if found is None and catalogue is not None:
            repo = next((p.repo for v in indexes[0].packages.values() for p in v), "main")
            found = _debian_name(catalogue, name, repo)
        return found

    return lookup


def _from_aports(aports: AportsIndex, indexes: list[Index], name: str, enabled: set[str]
                 ) -> Package | None:
    pkg = aports.package(name)
    if pkg is None or pkg.repo not in enabled:
        return None
    listed = _find(indexes, pkg.name)
    if listed is not None:  # a name provided by a package the catalogue lists (libc-dev)
        return listed
    # the hand-written catalogue is a later snapshot of the release: a subpackage comes in
    # the version its origin has there (`nginx-openrc` with `nginx`)
    row = aports.row(pkg.name)
    base = row.origin if row is not None else pkg.name
    origin = next(filter(None, (_find(indexes, n) for n in (
        base, f"{base}-libs", f"lib{base}"))), None)
    return pkg if origin is None else replace(pkg, version=origin.version)


def _subpackage(indexes: list[Index], name: str) -> Package | None:
    """A subpackage no data file lists, derived from its origin by abuild's split convention
    (`zstd-dev` of `zstd`/`zstd-libs`, `nginx-openrc` of `nginx`): the origin's version, a share of
    its size, and the files abuild's default split function moves."""
    for suffix, (share, depends, what, files) in SPLITS.items():
        if not name.endswith(suffix):
            continue
        base = name[: -len(suffix)]
        origin = None
        for candidate in (base, f"{base}-libs", f"lib{base}"):
            origin = next((i.newest(candidate) for i in indexes if i.newest(candidate)), None)
            if origin is not None:
                break
        if origin is None:
            return None
        return Package(
            name=name,
            version=origin.version,
            download=max(1, int(origin.download * share)),
            size=max(1, int(origin.size * share)),
            deps=(origin.name,) if depends else (),
            files=tuple(f.format(b=base) for f in files),
            description=f"{origin.description} ({what})",
            repo=origin.repo,
        )
    return None


def _constraint(spec: str) -> tuple[str, str, str]:
    """`curl=8.12.1-r1` → (curl, =, 8.12.1-r1); apk's operators: = ~ < > <= >=."""
    for op in ("<=", ">=", "=", "~", "<", ">"):
        if op in spec:
            name, _, version = spec.partition(op)
            return name, op, version
    return spec, "", ""


def _matches(version: str, op: str, wanted: str) -> bool:
    if not op:
        return True
    if op == "~":
        return version == wanted or version.startswith(wanted + ".") or version.startswith(
            wanted + "-")
    c = compare(version.replace("-r", "-"), wanted.replace("-r", "-"))
    return {"=": c == 0, "<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]


def _update(proc: Process, opts: Options) -> int:
    indexes, errors = _load_indexes(proc, opts, force=True)
    distinct = 0
    names: set[str] = set()
    for repo, index in zip((r for r in _repos(proc)), indexes, strict=False):
        for words in index.meta_lines("describe"):
            if words[0] == repo.name:
                proc.out(f"{words[1]} [{repo.url}]\n")
        for words in index.meta_lines("distinct"):
            distinct = int(words[0])
        names.update(index.packages)
    # a release without the real count offers what its data lists: the aports index of the
    # repositories it names, else the hand-written catalogue
    catalogue = catalogue_of(proc.world)
    repos = _repos(proc)
    aports = release_index(catalogue, repos[0].release) if catalogue and repos else None
    if aports is not None and not distinct:
        enabled = {r.name for r in repos}
        names.update(n for n in aports.lines if aports.repo_of(n) in enabled)
    distinct = distinct or len(names)
    if errors:
        proc.out(f"{errors} unavailable, 0 stale; {distinct} distinct packages available\n")
        return errors
    proc.out(f"OK: {distinct} distinct packages available\n")
    return 0


def _snapshot_version(indexes: list[Index]) -> str:
    for index in indexes:
        for words in index.meta_lines("snapshot"):
            return words[0]
    return "20250214.093000"


def _add(proc: Process, opts: Options) -> int:
    indexes, _ = _load_indexes(proc, opts, force=opts.update)
    more = _long_tail(proc, indexes)
    db = Installed.parse(read_text(proc.fs, DB) or "")
    world = (read_text(proc.fs, WORLD) or "").split()
    specs = list(opts.names)
    opts.names = [_constraint(s)[0] for s in specs]
    missing = [n for n in opts.names
               if n not in db.blocks and _find(indexes, n, more) is None]
    broken = []
    for spec in specs:
        name, op, wanted = _constraint(spec)
        pkg = _find(indexes, name, more)
        if op and pkg is not None and not _matches(pkg.version, op, wanted):
            broken.append((pkg, spec))
    if broken and not missing:
        proc.err("ERROR: unable to select packages:\n")
        for pkg, spec in broken:
            proc.err(f"  {pkg.name}-{pkg.version}:\n    breaks: world[{spec}]\n")
        return len(broken)
    if missing:
        proc.err("ERROR: unable to select packages:\n")
        for name in missing:
            owner = f"{opts.virtual}-{_snapshot_version(indexes)}" if opts.virtual else "world"
            proc.err(f"  {name} (no such package):\n    required by: {owner}[{name}]\n")
        return len(missing)
    order: list[Package] = []
    seen: set[str] = set(db.blocks)

    def visit(name: str) -> None:
        pkg = _find(indexes, name, more)
        if pkg is None or pkg.name in seen:
            return
        seen.add(pkg.name)
        for dep in pkg.requires():
            visit(dep)
        order.append(pkg)

    for name in opts.names:
        visit(name)
    if opts.virtual:
        order.append(
            Package(
                opts.virtual,
                _snapshot_version(indexes),
                0,
                0,
                tuple(opts.names),
                (),
                "virtual meta package",
            )
        )
        world = [w for w in world if w != opts.virtual] + [opts.virtual]
    else:
        # apk keeps a pinned name in world with its constraint (`curl=8.12.1-r1`)
        world = [w for w in world if _constraint(w)[0] not in opts.names] + specs
    for i, pkg in enumerate(order, 1):
        proc.out(f"({i}/{len(order)}) Installing {pkg.name} ({pkg.version})\n")
        flags = pkg.flags
        if "pre-install" in flags:
            proc.out(f"  Executing {pkg.name}-{pkg.version}.pre-install\n")
        proc.spend(pkg.download / LINK_SPEED + pkg.size / 200e6 + 0.02)
        _install(proc, db, pkg)
        if "post-install" in flags:
            proc.out(f"  Executing {pkg.name}-{pkg.version}.post-install\n")
    _run_triggers(proc, db, order, indexes, more)
    _save(proc, db, world)
    proc.out(f"OK: {db.size() // (1024 * 1024)} MiB in {len(db.blocks)} packages\n")
    return 0


def _install(proc: Process, db: Installed, pkg: Package) -> None:
    lines = [
        "C:Q1" + hashlib.sha1(f"{pkg.name}-{pkg.version}".encode()).hexdigest()[:27] + "=",
        f"P:{pkg.name}",
        f"V:{pkg.version}",
        "A:x86_64" if pkg.download else "A:noarch",
        f"S:{pkg.download}",
        f"I:{pkg.size}",
        f"T:{pkg.description}",
    ]
    deps = pkg.requires()
    if deps:
        lines.append("D:" + " ".join(deps))
    provides = [f[9:] for f in pkg.flags if f.startswith("provides=")]
    if provides:
        lines.append("p:" + " ".join(provides))
    folder = None
    for path, node in file_plan(pkg):
        put_file(proc.fs, path, node)
        parent, base = posixpath.split(path.lstrip("/"))
        if parent != folder:
            lines.append(f"F:{parent}")
            folder = parent
        lines.append(f"R:{base}")
    db.blocks[pkg.name] = lines


def _run_triggers(
    proc: Process, db: Installed, changed: list[Package], indexes: list[Index], more: Lookup
) -> None:
    touched = [
        path for pkg in changed for path in (t.split(":")[0].split("->")[0] for t in pkg.files)
    ]
    for name in db.blocks:
        pkg = _find(indexes, name, more)
        if pkg is None or "trigger" not in pkg.flags:
            continue
        fires = name in (p.name for p in changed)
        if name == "busybox":
            fires = any(p.startswith(_BIN_DIRS) for p in touched)
        if fires:
            proc.out(f"Executing {name}-{db.version(name)}.trigger\n")


def _save(proc: Process, db: Installed, world: list[str]) -> None:
    write_text(proc.fs, DB, db.render())
    write_text(proc.fs, WORLD, "".join(f"{w}\n" for w in sorted(set(world))))


def _del(proc: Process, opts: Options) -> int:
    db = Installed.parse(read_text(proc.fs, DB) or "")
    world = [
        w for w in (read_text(proc.fs, WORLD) or "").split() if _constraint(w)[0] not in opts.names
    ]
    wanted: set[str] = set()

    def keep(name: str) -> None:
        if name in wanted or name not in db.blocks:
            return
        wanted.add(name)
        for dep in db.depends(name):
            keep(dep)

    for name in world:
        keep(_constraint(name)[0])
    doomed = [name for name in reversed(list(db.blocks)) if name not in wanted]
    for i, name in enumerate(doomed, 1):
        proc.out(f"({i}/{len(doomed)}) Purging {name} ({db.version(name)})\n")
        for path in db.files(name):
            remove_file(proc.fs, path)
        del db.blocks[name]
        proc.spend(0.01)
    _save(proc, db, world)
    proc.out(f"OK: {db.size() // (1024 * 1024)} MiB in {len(db.blocks)} packages\n")
    return 0
