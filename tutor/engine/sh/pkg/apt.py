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
from tutor.engine.sh.pkg import aptremove, aptstate
from tutor.engine.sh.pkg.aptresolve import (
    Plan,
    Resolver,
    Unresolvable,
    installed_version,
    not_upgraded,
)
from tutor.engine.sh.pkg.catalogue import (
    LINK_SPEED,
    catalogue_of,
    ensure_dir,
    file_plan,
    list_dir,
    parse_size,
    put_file,
    read_text,
    remove_file,
    write_text,
)
from tutor.engine.sh.pkg.debfiles import TRIPLETS, rule_files
from tutor.engine.sh.pkg.debindex import (
    DebIndex,
    DebPackage,
    parse_relations,
    suite_index,
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


def _index(proc: Process) -> DebIndex | None:
    """The full index of the image's release (the first configured suite the project has data
    for), loaded only now that apt needs it."""
    catalogue = catalogue_of(proc.world)
    if catalogue is None:
        return None
    for source in _sources(proc):
        distro = "ubuntu" if "ubuntu" in source.uri else "debian"
        index = suite_index(catalogue, f"{distro}/{source.suite}", _machine_arch(proc))
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
    auto_remove: bool = False


# Options whose value is the next argument (`-o Dpkg::Options::=--force-confold`).
_WITH_VALUE = frozenset({"-o", "--option", "-t", "--target-release", "-c", "--config-file"})


def _parse(argv: list[str]) -> Options:
    opts = Options()
    args = iter(argv[1:])
    for arg in args:
        if arg in _WITH_VALUE:
            value = next(args, "")
            if 'Install-Recommends=' in value:
                opts.no_recommends = value.rsplit("=", 1)[1].strip('"').lower() in ("0", "false")
        elif arg.startswith("-o") and "Install-Recommends=" in arg:
            opts.no_recommends = arg.rsplit("=", 1)[1].strip('"').lower() in ("0", "false")
        elif arg == "--no-install-recommends":
            opts.no_recommends = True
        elif arg in ("--auto-remove", "--autoremove"):
            opts.auto_remove = True
        elif arg in ("--yes", "--assume-yes"):
            opts.yes = True
        elif arg.startswith("-") and not arg.startswith("--") and set(arg[1:]) <= set("yqm"):
            # bundled short flags: -y, -q, -qq, -yq, -qqy…
            opts.yes = opts.yes or "y" in arg
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
    if opts.command in ("remove", "purge", "autoremove", "autopurge"):
        return _remove(proc, opts)
    if opts.command in ("upgrade", "dist-upgrade", "full-upgrade"):
        _reading(proc, opts)
        proc.out("Calculating upgrade...\n" if "upgrade" in opts.command else "")
        proc.out("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")
        return 0
    if opts.command in ("clean", "autoclean"):
        _clean(proc)
        return 0
    proc.err("E: Invalid operation " + opts.command + "\n" if opts.command else "E: No command\n")
    return 100


def _remove(proc: Process, opts: Options) -> int:
    """remove/purge NAMES (and with --auto-remove, or as autoremove, what nothing needs)."""
    _reading(proc, opts)
    status = _status(proc)
    index = _index(proc) if _has_lists(proc) else None
    installed = {n: aptremove.parse(b) for n, b in status.items()}
    purge = opts.command in ("purge", "autopurge")
    wanted: list[str] = []
    for spec in opts.names:
        name = spec.partition("=")[0].split(":")[0]
        if name in installed:
            wanted.append(name)
        elif index is not None and name in index:
            proc.out(f"Package '{name}' is not installed, so not removed\n")
        else:
            proc.err(f"E: Unable to locate package {name}\n")
            return 100
    doomed = aptremove.doomed_by(wanted, installed)
    if opts.auto_remove or opts.command.startswith("auto"):
        doomed += aptremove.unneeded(installed, aptstate.auto_installed(proc.fs), set(doomed))
    held = not_upgraded(index, status, Plan()) if index is not None else 0
    if opts.quiet < 2:
        if doomed:
            mark = "*" if purge else ""
            proc.out("The following packages will be REMOVED:\n"
                     + _wrap([n + mark for n in sorted(doomed)]))
        proc.out(f"0 upgraded, 0 newly installed, {len(doomed)} to remove and {held} not "
                 "upgraded.\n")
    if not doomed:
        return 0
    freed = sum(installed[n].size for n in doomed)
    if opts.quiet < 2:
        proc.out(f"After this operation, {_bytes(freed)} disk space will be freed.\n")
    # apt asks before any removal (no standard input in a build: the answer is "no")
    if not opts.yes and opts.quiet < 2:
        proc.out("Do you want to continue? [Y/n] Abort.\n")
        return 1
    proc.out(f"(Reading database ... {aptremove.database_size(proc)} files and directories "
             "currently installed.)\n")
    for line in aptremove.remove(proc, status, doomed, purge):
        proc.out(line)
    return 0


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
        arch = _machine_arch(proc)
        rest = tuple(arch if w == "amd64" else w for w in rest)
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
            name = _list_name(uri, f"{suite_path}/binary-{arch}/Packages") + (
                ".lz4" if gzip else ""
            )
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
    recommends = not opts.no_recommends and 'Install-Recommends "false"' not in _conf(proc)
    resolver = Resolver(index or DebIndex({}), status, recommends)
    targets: list[str] = []
    for spec in opts.names:
        name = spec.partition("=")[0].split(":")[0]
        if index is None:
            if name in status:
                targets.append(name)
                continue
            proc.err(f"E: Unable to locate package {name}\n")
            return 100
        try:
            targets.append(resolver.target(spec))
        except Unresolvable as problem:
            text = str(problem)
            out, _, err = text.rpartition("\n\n") if "\n\n" in text else ("", "", text)
            if out:
                proc.out(out + "\n\n")
            proc.err(err)
            return 100
    for note in resolver.plan.notes:
        proc.out(note)
    auto = aptstate.auto_installed(proc.fs)
    for name in targets:
        if name in status:
            proc.out(
                f"{name} is already the newest version ({installed_version(status[name])}).\n"
            )
            if name in auto:
                proc.out(f"{name} set to manually installed.\n")
                del auto[name]
                aptstate.save(proc.fs, auto)
        resolver.install(name)
    plan = resolver.plan
    upgrades = sorted(plan.upgrades)
    new_pkgs = [p for p in plan.order if p.name not in plan.upgrades]
    new = {p.name for p in new_pkgs}
    extra = sorted(new - set(targets))
    held = not_upgraded(index, status, plan) if index is not None else 0
    if opts.quiet < 2:
        if extra:
            proc.out("The following additional packages will be installed:\n" + _wrap(extra))
        sug = sorted(dict.fromkeys(s for s in plan.suggested if s not in new))
        if sug:
            proc.out("Suggested packages:\n" + _wrap(sug))
        recs = sorted(dict.fromkeys(r for r in plan.recommended if r not in new))
        if recs:
            proc.out("Recommended packages:\n" + _wrap(recs))
        if new:
            proc.out("The following NEW packages will be installed:\n" + _wrap(sorted(new)))
        if upgrades:
            proc.out("The following packages will be upgraded:\n" + _wrap(upgrades))
        proc.out(
            f"{len(upgrades)} upgraded, {len(new)} newly installed, 0 to remove and "
            f"{held} not upgraded.\n"
        )
    if not plan.order:
        return 0
    download = sum(p.size for p in plan.order)
    size = sum(p.installed for p in new_pkgs) + sum(
        p.installed - _installed_size(status[p.name]) for p in plan.order if p.name in upgrades
    )
    if opts.quiet < 2:
        proc.out(f"Need to get {_bytes(download)} of archives.\n")
        if size >= 0:
            proc.out(
                f"After this operation, {_bytes(size)} of additional disk space will be used.\n"
            )
        else:
            proc.out(f"After this operation, {_bytes(-size)} disk space will be freed.\n")
    if not opts.yes and opts.quiet < 2 and (extra or upgrades):
        proc.out("Do you want to continue? [Y/n] Abort.\n")
        return 1
    arch = _machine_arch(proc)
    _download(proc, opts, plan.order, index or DebIndex({}), arch)
    _dpkg(proc, plan, index or DebIndex({}), status, arch)
    # what was pulled in only as a dependency is marked so, for autoremove (and apt-mark)
    auto.update({p.name: _pkg_arch(p, arch) for p in new_pkgs if p.name not in targets})
    aptstate.save(proc.fs, auto)
    return 0


def _installed_size(block: str) -> int:
    for line in block.splitlines():
        if line.startswith("Installed-Size: ") and line[16:].strip().isdigit():
            return int(line[16:]) * 1024
    return 0


def _machine_arch(proc: Process) -> str:
    """dpkg's native architecture, as the image's own packages record it."""
    for line in (read_text(proc.fs, STATUS) or "").splitlines():
        if line.startswith("Architecture: ") and line[14:].strip() != "all":
            return line[14:].strip()
    return "amd64"


def _pkg_arch(pkg: DebPackage, arch: str) -> str:
    return "all" if pkg.arch_all or "all" in pkg.flags else arch


def _deb_name(pkg: DebPackage, arch: str) -> str:
    return f"{pkg.name}_{pkg.version.replace(':', '%3a')}_{_pkg_arch(pkg, arch)}.deb"


def _origin(index: DebIndex, pkg: DebPackage) -> tuple[str, str]:
    """The mirror URI and `suite[-pocket]` a package is fetched from (the `Get:` line)."""
    lines = [w for w in index.meta_lines("index") if w[-3] == "InRelease"]
    if not lines:
        return "http://deb.debian.org/debian", "bookworm"
    if pkg.pocket:
        for words in lines:
            if words[1].endswith("-" + pkg.pocket):
                return words[0], words[1]
    return lines[0][0], lines[0][1]


def _download(
    proc: Process, opts: Options, order: list[DebPackage], index: DebIndex, arch: str
) -> None:
    ensure_dir(proc.fs, f"{ARCHIVES}/partial")
    for n, pkg in enumerate(order, 1):
        uri, suite = _origin(index, pkg)
        if opts.quiet < 2:
            proc.out(
                f"Get:{n} {uri} {suite}/main {arch} {pkg.name} {_pkg_arch(pkg, arch)} "
                f"{pkg.version} [{_bytes(pkg.size)}]\n"
            )
        proc.fs.put(
            f"{ARCHIVES}/{_deb_name(pkg, arch)}",
            Node("file", 0o644, content=Synthetic(pkg.size, _deb_name(pkg, arch))),
        )
    total = sum(p.size for p in order)
    seconds = total / LINK_SPEED
    proc.spend(seconds + 0.2)
    if opts.quiet < 2:
        proc.out(_fetched(total, seconds))
    if any(_debconf(p) for p in order):
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


def _debconf(pkg: DebPackage) -> bool:
    """Whether configuring the package asks debconf: marked by hand, or (the rule for the rest)
    a package that depends on debconf ships templates."""
    if pkg.files:
        return "debconf" in pkg.flags
    return any(a.name in ("debconf", "debconf-2.0") for g in parse_relations(pkg.depends)
               for a in g) and pkg.name not in ("debconf-i18n", "apt-utils")


def _display(pkg: DebPackage, arch: str) -> str:
    if pkg.multi_arch:
        same = pkg.multi_arch == "same"
    else:
        same = pkg.name.startswith("lib") and not pkg.arch_all and not pkg.name.endswith("-bin")
    return f"{pkg.name}:{arch}" if same else pkg.name


def _scripts(index: DebIndex, key: str, name: str) -> str:
    for words in index.meta_lines(key):
        if words[0] == name:
            return "\n".join(" ".join(words[1:]).split("|")) + "\n"
    return ""


def _files(pkg: DebPackage, arch: str) -> list[tuple[str, Node]]:
    tokens = pkg.files or rule_files(pkg, arch)
    if arch != "amd64":
        tokens = tuple(t.replace("x86_64-linux-gnu", TRIPLETS.get(arch, arch)) for t in tokens)
    return file_plan(pkg.as_package(tokens))


def _dpkg(proc: Process, plan: Plan, index: DebIndex, status: dict[str, str], arch: str) -> None:
    order = plan.order
    database = _database_size(proc)
    for n, pkg in enumerate(order):
        shown = _display(pkg, arch)
        if pkg.name not in plan.upgrades:
            proc.out(f"Selecting previously unselected package {shown}.\n")
        if n == 0:
            proc.out(
                f"(Reading database ... {database} files and directories currently installed.)\n"
            )
        prefix = f"{n:02d}-" if len(order) > 1 else ""
        proc.out(f"Preparing to unpack .../{prefix}{_deb_name(pkg, arch)} ...\n")
        if pkg.name in plan.upgrades:
            proc.out(f"Unpacking {shown} ({pkg.version}) over ({plan.upgrades[pkg.name]}) ...\n")
        else:
            proc.out(f"Unpacking {shown} ({pkg.version}) ...\n")
        list_file = f"{pkg.name}:{arch}" if pkg.multi_arch == "same" else pkg.name
        planned = _files(pkg, arch)
        if pkg.name in plan.upgrades:
            # the old version's files that the new one does not ship go, as dpkg removes them
            keep = {path for path, _ in planned}
            for old in (read_text(proc.fs, f"{INFO}/{list_file}.list") or "").split():
                if old not in keep:
                    remove_file(proc.fs, old)
        paths = []
        for path, node in planned:
            put_file(proc.fs, path, node)
            paths.append(path)
        write_text(proc.fs, f"{INFO}/{list_file}.list", "".join(f"{p}\n" for p in paths))
        proc.spend(pkg.installed / 150e6 + 0.03)
    for pkg in order:
        proc.out(f"Setting up {_display(pkg, arch)} ({pkg.version}) ...\n")
        proc.out(_scripts(index, "setup", pkg.name))
        status[pkg.name] = status_block(pkg, arch)
    new = {p.name for p in order}
    triggers = [p for p in ("libc-bin", "ca-certificates") if p in status]
    for name in triggers:
        if name == "libc-bin" and any(n.startswith("lib") for n in new):
            proc.out(f"Processing triggers for {name} ({installed_version(status[name])}) ...\n")
        if name == "ca-certificates" and name in new and len(order) > 1:
            proc.out(f"Processing triggers for {name} ({installed_version(status[name])}) ...\n")
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


def status_block(pkg: DebPackage, arch: str = "amd64") -> str:
    """The package's `/var/lib/dpkg/status` entry, fields in the order dpkg writes them."""
    lines = [f"Package: {pkg.name}"]
    if pkg.essential:
        lines.append("Essential: yes")
    lines += [
        "Status: install ok installed",
        f"Priority: {pkg.priority}",
    ]
    if pkg.section:
        lines.append(f"Section: {pkg.section}")
    lines.append(f"Installed-Size: {pkg.installed_kib}")
    lines.append(f"Architecture: {_pkg_arch(pkg, arch)}")
    if pkg.multi_arch:
        lines.append(f"Multi-Arch: {pkg.multi_arch}")
    if pkg.source:
        lines.append(f"Source: {pkg.source}")
    lines.append(f"Version: {pkg.version}")
    for key, value in (
        ("Provides", pkg.provides),
        ("Depends", pkg.depends),
        ("Pre-Depends", pkg.pre_depends),
        ("Recommends", pkg.recommends),
        ("Suggests", pkg.suggests),
    ):
        if value:
            lines.append(f"{key}: {value}")
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
