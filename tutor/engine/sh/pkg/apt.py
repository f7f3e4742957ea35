"""`apt-get` (apt 2.6/2.7) and the `dpkg` steps it drives, on Debian and Ubuntu trees.

The package lists live in `/var/lib/apt/lists/` (empty in the official images, so `install`
without `update` fails exactly as it does there), installed packages in `/var/lib/dpkg/status`
plus `/var/lib/dpkg/info/<pkg>.list`, downloaded archives in `/var/cache/apt/archives/`. The
official images ship `/etc/apt/apt.conf.d/docker-clean`, which deletes the archives after each
install and disables `pkgcache.bin`; removing it (as the cache-mount recipe does) keeps them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from tutor.engine.fs import Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg.catalogue import (
    LINK_SPEED,
    Index,
    Package,
    catalogue_of,
    ensure_dir,
    file_plan,
    list_dir,
    parse_size,
    put_file,
    read_text,
    write_text,
)

STATUS = "/var/lib/dpkg/status"
INFO = "/var/lib/dpkg/info"
LISTS = "/var/lib/apt/lists"
ARCHIVES = "/var/cache/apt/archives"
CONF_DIR = "/etc/apt/apt.conf.d"
_DEFAULT_SUITES = ("bookworm", "bullseye", "trixie", "noble", "jammy", "focal")


@dataclass(frozen=True, slots=True)
class Source:
    uri: str
    suite: str


def _sources(proc: Process) -> list[Source]:
    found: list[Source] = []
    legacy = read_text(proc.fs, "/etc/apt/sources.list") or ""
    for line in legacy.splitlines():
        words = line.split("#")[0].split()
        if len(words) >= 3 and words[0] == "deb":
            found.append(Source(words[1].rstrip("/"), words[2]))
    for name in list_dir(proc.fs, "/etc/apt/sources.list.d"):
        if name.endswith(".sources"):
            text = read_text(proc.fs, f"/etc/apt/sources.list.d/{name}") or ""
            for stanza in text.split("\n\n"):
                fields = dict(
                    (k.strip(), v.split())
                    for k, _, v in (ln.partition(":") for ln in stanza.splitlines())
                )
                for uri in fields.get("URIs", []):
                    for suite in fields.get("Suites", []):
                        found.append(Source(uri.rstrip("/"), suite))
        elif name.endswith(".list"):
            text = read_text(proc.fs, f"/etc/apt/sources.list.d/{name}") or ""
            for line in text.splitlines():
                words = line.split("#")[0].split()
                if len(words) >= 3 and words[0] == "deb":
                    found.append(Source(words[1].rstrip("/"), words[2]))
    return found


def _index(proc: Process) -> Index | None:
    catalogue = catalogue_of(proc.world)
    if catalogue is None:
        return None
    for source in _sources(proc):
        distro = "ubuntu" if "ubuntu" in source.uri else "debian"
        index = catalogue.index(f"{distro}/{source.suite}")
        if index is not None:
            return index
    return None


def _conf(proc: Process) -> str:
    return "\n".join(read_text(proc.fs, f"{CONF_DIR}/{n}") or ""
                     for n in list_dir(proc.fs, CONF_DIR))


def size_to_str(size: float) -> str:
    """apt's SizeToStr: SI units from 10000 up, one decimal below 100, no thousands separator."""
    for unit in ("", "k", "M", "G", "T"):
        if size < 10000 or unit == "T":
            if not unit:
                return f"{size:.0f} "
            return (f"{size:.1f}" if size < 100 else f"{size:.0f}") + f" {unit}"
        size /= 1000
    return ""


def _bytes(size: float) -> str:
    return f"{size_to_str(size)}B"


def _fetched(total: int, seconds: float) -> str:
    return (
        f"Fetched {_bytes(total)} in {_time(seconds)} ({size_to_str(total / max(seconds, 1))}B/s)\n"
    )


def _time(seconds: float) -> str:
    secs = max(0, round(seconds))
    return f"{secs // 60}min {secs % 60}s" if secs >= 60 else f"{secs}s"


@dataclass
class Options:
    command: str = ""
    names: list[str] = field(default_factory=list)
    yes: bool = False
    quiet: int = 0
    no_recommends: bool = False


def _parse(argv: list[str]) -> Options:
    opts = Options()
    for arg in argv[1:]:
        if arg in ("-y", "--yes", "--assume-yes", "-yq", "-qy"):
            opts.yes = True
            opts.quiet += arg.count("q")
        elif arg == "--no-install-recommends":
            opts.no_recommends = True
        elif arg.startswith("-q"):
            opts.quiet += arg.count("q")
        elif arg.startswith("-"):
            continue
        elif not opts.command:
            opts.command = arg
        else:
            opts.names.append(arg)
    return opts


@program("apt-get", "apt")
def apt_get(proc: Process) -> int:
    opts = _parse(proc.argv)
    if posixpath.basename(proc.argv[0]) == "apt":
        proc.err(
            "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n"
        )
    if opts.command == "update":
        return _update(proc, opts)
    if opts.command == "install":
        return _install(proc, opts)
    if opts.command in ("upgrade", "dist-upgrade", "full-upgrade", "autoremove"):
        _reading(proc, opts)
        proc.out("Calculating upgrade...\n" if "upgrade" in opts.command else "")
        proc.out("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")
        return 0
    if opts.command in ("clean", "autoclean"):
        _clean(proc)
        return 0
    proc.err("E: Invalid operation " + opts.command + "\n" if opts.command else "E: No command\n")
    return 100


def _list_name(uri: str, path: str) -> str:
    host_path = uri.split("://", 1)[-1].strip("/").replace("/", "_")
    return f"{host_path}_dists_{path.replace('/', '_')}"


def _update(proc: Process, opts: Options) -> int:
    index = _index(proc)
    sources = _sources(proc)
    if index is None:
        for n, source in enumerate(sources, 1):
            host = source.uri.split("://", 1)[-1].split("/")[0]
            proc.out(f"Err:{n} {source.uri} {source.suite} InRelease\n")
            proc.out(f"  Temporary failure resolving '{host}'\n")
        proc.out("Reading package lists...\n")
        for source in sources:
            host = source.uri.split("://", 1)[-1].split("/")[0]
            proc.err(
                f"W: Failed to fetch {source.uri}/dists/{source.suite}/InRelease  "
                f"Temporary failure resolving '{host}'\n"
            )
        if sources:
            proc.err(
                "W: Some index files failed to download. "
                "They have been ignored, or old ones used instead.\n"
            )
        return 0
    gzip = "GzipIndexes" in _conf(proc)
    fetched = 0
    fresh: set[tuple[str, str]] = set()
    ensure_dir(proc.fs, f"{LISTS}/partial")
    for n, words in enumerate(index.meta_lines("index"), 1):
        uri, rest, download, stored = (
            words[0],
            words[1:-2],
            parse_size(words[-2]),
            parse_size(words[-1]),
        )
        what = " ".join(rest)
        suite_path = rest[0]
        suite = suite_path.split("/")[0]
        if (uri, suite) in fresh:
            continue
        if rest[-1] == "InRelease":
            name = _list_name(uri, f"{suite_path}/InRelease")
            if f"{LISTS}/{name}" in proc.fs:
                if opts.quiet < 2:
                    proc.out(f"Hit:{n} {uri} {what}\n")
                fresh.add((uri, suite))
                continue
        else:
            name = _list_name(uri, f"{suite_path}/binary-amd64/Packages") + (".lz4" if gzip else "")
            if not gzip:
                stored *= 3
        if opts.quiet < 2:
            proc.out(f"Get:{n} {uri} {what} [{_bytes(download)}]\n")
        fetched += download
        proc.fs.put(f"{LISTS}/{name}", Node("file", 0o644, content=Synthetic(stored, name)))
    seconds = max(fetched / LINK_SPEED, 0.4)
    proc.spend(seconds + 0.5)
    if fetched and opts.quiet < 2:
        proc.out(_fetched(fetched, seconds))
    _reading(proc, opts, full=False)
    _pkgcache(proc)
    return 0


def _pkgcache(proc: Process) -> None:
    """Without docker-clean's `Dir::Cache::pkgcache ""`, apt writes its binary caches."""
    if "pkgcache" in _conf(proc):
        return
    ensure_dir(proc.fs, "/var/cache/apt")
    for name, size in (("pkgcache.bin", 27_300_000), ("srcpkgcache.bin", 27_200_000)):
        proc.fs.put(f"/var/cache/apt/{name}", Node("file", 0o644, content=Synthetic(size, name)))


def _reading(proc: Process, opts: Options, full: bool = True) -> None:
    if opts.quiet >= 2:
        return
    proc.out("Reading package lists...\n")
    if full:
        proc.out("Building dependency tree...\nReading state information...\n")


def _has_lists(proc: Process) -> bool:
    return any("Packages" in n for n in list_dir(proc.fs, LISTS))


def _status(proc: Process) -> dict[str, str]:
    blocks: dict[str, str] = {}
    for chunk in (read_text(proc.fs, STATUS) or "").split("\n\n"):
        for line in chunk.splitlines():
            if line.startswith("Package: "):
                blocks[line[9:].strip()] = chunk.strip("\n")
                break
    return blocks


def _installed_version(block: str) -> str:
    return next((ln[9:] for ln in block.splitlines() if ln.startswith("Version: ")), "")


def _wrap(names: list[str]) -> str:
    lines: list[str] = []
    line = " "
    for name in names:
        if len(line) + 1 + len(name) > 79 and line.strip():
            lines.append(line)
            line = " "
        line += " " + name
    lines.append(line)
    return "\n".join(lines) + "\n"


def _install(proc: Process, opts: Options) -> int:
    _reading(proc, opts)
    index = _index(proc) if _has_lists(proc) else None
    status = _status(proc)
    for name in opts.names:
        if name not in status and (index is None or index.newest(name) is None):
            proc.err(f"E: Unable to locate package {name}\n")
            return 100
    assert_index = index or Index({})
    recommends = not opts.no_recommends and 'Install-Recommends "false"' not in _conf(proc)
    order: list[Package] = []
    seen = set(status)
    suggested: list[str] = []
    skipped_recs: list[str] = []

    def visit(name: str) -> None:
        pkg = assert_index.newest(name)
        if pkg is None or name in seen:
            return
        seen.add(name)
        for dep in pkg.requires():
            visit(dep)
        order.append(pkg)
        for rec in pkg.prefixed("+"):
            if recommends:
                visit(rec)
            elif rec not in status:
                skipped_recs.append(rec)
        suggested.extend(pkg.prefixed("?"))

    for name in opts.names:
        if name in status:
            proc.out(
                f"{name} is already the newest version ({_installed_version(status[name])}).\n"
            )
        visit(name)
    new = {p.name for p in order}
    extra = sorted(new - set(opts.names))
    if opts.quiet < 2:
        if extra:
            proc.out("The following additional packages will be installed:\n" + _wrap(extra))
        sug = sorted(set(suggested) - new - set(status))
        if sug:
            proc.out("Suggested packages:\n" + _wrap(sug))
        recs = sorted(set(skipped_recs) - new)
        if recs:
            proc.out("Recommended packages:\n" + _wrap(recs))
        if order:
            proc.out("The following NEW packages will be installed:\n" + _wrap(sorted(new)))
        proc.out(f"0 upgraded, {len(order)} newly installed, 0 to remove and 0 not upgraded.\n")
    if not order:
        return 0
    download = sum(p.download for p in order)
    size = sum(p.size for p in order)
    if opts.quiet < 2:
        proc.out(f"Need to get {_bytes(download)} of archives.\n")
        proc.out(f"After this operation, {_bytes(size)} of additional disk space will be used.\n")
    if not opts.yes and extra:
        proc.out("Do you want to continue? [Y/n] Abort.\n")
        return 1
    _download(proc, opts, order, assert_index)
    _dpkg(proc, order, assert_index, status)
    return 0


def _arch(pkg: Package) -> str:
    return "all" if "all" in pkg.flags else "amd64"


def _deb_name(pkg: Package) -> str:
    return f"{pkg.name}_{pkg.version.replace(':', '%3a')}_{_arch(pkg)}.deb"


def _download(proc: Process, opts: Options, order: list[Package], index: Index) -> None:
    mirror = next(iter(index.meta_lines("index")), ("http://deb.debian.org/debian", "bookworm"))
    uri, suite = mirror[0], mirror[1]
    ensure_dir(proc.fs, f"{ARCHIVES}/partial")
    for n, pkg in enumerate(order, 1):
        if opts.quiet < 2:
            proc.out(
                f"Get:{n} {uri} {suite}/main amd64 {pkg.name} {_arch(pkg)} {pkg.version} "
                f"[{_bytes(pkg.download)}]\n"
            )
        proc.fs.put(
            f"{ARCHIVES}/{_deb_name(pkg)}",
            Node("file", 0o644, content=Synthetic(pkg.download, _deb_name(pkg))),
        )
    total = sum(p.download for p in order)
    seconds = total / LINK_SPEED
    proc.spend(seconds + 0.2)
    if opts.quiet < 2:
        proc.out(_fetched(total, seconds))
    if any("debconf" in p.flags for p in order):
        if proc.env.get("DEBIAN_FRONTEND") != "noninteractive":
            proc.err(
                "debconf: unable to initialize frontend: Dialog\n"
                "debconf: (TERM is not set, so the dialog frontend is not usable.)\n"
                "debconf: falling back to frontend: Readline\n"
                "debconf: unable to initialize frontend: Readline\n"
                "debconf: (This frontend requires a controlling terminal.)\n"
                "debconf: falling back to frontend: Teletype\n"
            )
        if "apt-utils" not in _status(proc):
            proc.err("debconf: delaying package configuration, since apt-utils is not installed\n")


def _display(pkg: Package) -> str:
    multiarch_same = (
        pkg.name.startswith("lib") and "all" not in pkg.flags and not pkg.name.endswith("-bin")
    )
    return f"{pkg.name}:amd64" if multiarch_same else pkg.name


def _scripts(index: Index, key: str, name: str) -> str:
    for words in index.meta_lines(key):
        if words[0] == name:
            return "\n".join(" ".join(words[1:]).split("|")) + "\n"
    return ""


def _dpkg(proc: Process, order: list[Package], index: Index, status: dict[str, str]) -> None:
    database = _database_size(proc)
    for n, pkg in enumerate(order):
        proc.out(f"Selecting previously unselected package {_display(pkg)}.\n")
        if n == 0:
            proc.out(
                f"(Reading database ... {database} files and directories currently installed.)\n"
            )
        prefix = f"{n:02d}-" if len(order) > 1 else ""
        proc.out(f"Preparing to unpack .../{prefix}{_deb_name(pkg)} ...\n")
        proc.out(f"Unpacking {_display(pkg)} ({pkg.version}) ...\n")
        paths = []
        for path, node in file_plan(pkg):
            put_file(proc.fs, path, node)
            paths.append(path)
        write_text(proc.fs, f"{INFO}/{pkg.name}.list", "".join(f"{p}\n" for p in paths))
        proc.spend(pkg.size / 150e6 + 0.03)
    for pkg in order:
        proc.out(f"Setting up {_display(pkg)} ({pkg.version}) ...\n")
        proc.out(_scripts(index, "setup", pkg.name))
        status[pkg.name] = _status_block(pkg)
    new = {p.name for p in order}
    triggers = [p for p in ("libc-bin", "ca-certificates") if p in status]
    for name in triggers:
        if name == "libc-bin" and any(n.startswith("lib") for n in new):
            proc.out(f"Processing triggers for {name} ({_installed_version(status[name])}) ...\n")
        if name == "ca-certificates" and name in new and len(order) > 1:
            proc.out(f"Processing triggers for {name} ({_installed_version(status[name])}) ...\n")
            proc.out(_scripts(index, "trigger", name))
    write_text(proc.fs, STATUS, "\n\n".join(status.values()) + "\n")
    if "/var/cache/apt/archives/*.deb" in _conf(proc):
        _clean(proc)
    else:
        _pkgcache(proc)


def _database_size(proc: Process) -> int:
    paths: set[str] = set()
    for name in list_dir(proc.fs, INFO):
        if name.endswith(".list"):
            paths.update((read_text(proc.fs, f"{INFO}/{name}") or "").split())
    return len(paths) or len(proc.fs)


def _status_block(pkg: Package) -> str:
    deps = ", ".join(pkg.requires())
    recs = ", ".join(pkg.prefixed("+"))
    lines = [
        f"Package: {pkg.name}",
        "Status: install ok installed",
        "Priority: optional",
        f"Installed-Size: {(pkg.size + 1023) // 1024}",
        "Maintainer: Debian maintainers <debian-devel@lists.debian.org>",
        f"Architecture: {_arch(pkg)}",
        f"Version: {pkg.version}",
    ]
    if deps:
        lines.append(f"Depends: {deps}")
    if recs:
        lines.append(f"Recommends: {recs}")
    lines.append(f"Description: {pkg.description}")
    return "\n".join(lines)


def _clean(proc: Process) -> None:
    for folder in (ARCHIVES, f"{ARCHIVES}/partial"):
        for name in list_dir(proc.fs, folder):
            if name.endswith(".deb"):
                proc.fs.remove(f"{folder}/{name}")
    for name in ("pkgcache.bin", "srcpkgcache.bin"):
        if f"/var/cache/apt/{name}" in proc.fs:
            proc.fs.remove(f"/var/cache/apt/{name}")
