"""`pip` 25 (the python images' pip) installing wheels from PyPI into site-packages.

Installed distributions are found the way pip finds them, by their `*.dist-info` folders, so a
later `pip install` sees what an earlier layer installed. Unless `--no-cache-dir` is given, every
download also stays in `~/.cache/pip/http-v2`, the weight a learner removes from the layer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from tutor.engine.fs import Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg.catalogue import (
    LINK_SPEED,
    Index,
    Package,
    catalogue_of,
    file_plan,
    list_dir,
    parse_size,
    put_file,
    read_text,
    remove_path,
    write_text,
)

DEFAULT_PIP = "25.0.1"
ROOT_WARNING = (
    "WARNING: Running pip as the 'root' user can result in broken permissions and conflicting "
    "behaviour with the system package manager, possibly rendering your system unusable. It is "
    "recommended to use a virtual environment instead: https://pip.pypa.io/warnings/venv. Use the "
    "--root-user-action option if you know what you are doing and want to suppress this warning.\n"
)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- versions and specifiers (PEP 440, the forms requirements files use) ----------------------


def version_key(text: str) -> tuple[tuple[int, ...], int]:
    match = re.match(r"(\d+(?:\.\d+)*)(?:\.?post(\d+))?", text)
    if match is None:
        return (), 0
    release = tuple(int(p) for p in match[1].split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    return release, int(match[2] or -1) + 1


def _clause(version: str, clause: str) -> bool:
    match = re.fullmatch(r"(~=|===|==|!=|<=|>=|<|>)\s*(\S+)", clause.strip())
    if match is None:
        return False
    op, target = match[1], match[2]
    if target.endswith(".*"):
        prefix = version_key(target[:-2])[0]
        same = version_key(version)[0][: len(prefix)] == prefix
        return same if op == "==" else not same
    mine, theirs = version_key(version), version_key(target)
    if op == "~=":
        parts = target.split(".")
        prefix = version_key(".".join(parts[:-1]))[0]
        return mine >= theirs and mine[0][: len(prefix)] == prefix
    return {
        "==": mine == theirs, "===": version == target, "!=": mine != theirs,
        "<=": mine <= theirs, ">=": mine >= theirs, "<": mine < theirs, ">": mine > theirs,
    }[op]


def matches(version: str, specifier: str) -> bool:
    return all(_clause(version, c) for c in specifier.split(",") if c.strip())


@dataclass(frozen=True, slots=True)
class Requirement:
    text: str
    """As written (`Werkzeug>=3.1`): pip echoes it in `Collecting …` and `(from …)`."""
    name: str
    specifier: str


def parse_requirement(text: str) -> Requirement | None:
    bare = text.split(";")[0].strip()
    match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)", bare)
    if match is None:
        return None
    return Requirement(bare, match[1], match[3].replace(" ", ""))


# -- the index ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dist:
    pkg: Package

    @property
    def name(self) -> str:
        return self.pkg.name

    @property
    def requires(self) -> list[Requirement]:
        found = (parse_requirement(t) for t in self.pkg.requires())
        return [r for r in found if r is not None]

    @property
    def wheel(self) -> str:
        tags = (self.pkg.flag("whl") or ["py3-none-any"])[0]
        stem = self.name if tags.startswith("cp") and self.name[0].isupper() else (
            canonical(self.name).replace("-", "_"))
        return f"{stem}-{self.pkg.version}-{tags}.whl"

    @property
    def tops(self) -> list[str]:
        given = self.pkg.flag("top")
        return given[0].split(",") if given else [canonical(self.name).replace("-", "_")]


def pypi(proc: Process) -> Index | None:
    catalogue = catalogue_of(proc.world)
    return catalogue.index("pypi") if catalogue else None


def best(index: Index, req: Requirement) -> Dist | None:
    for versions in (v for k, v in index.packages.items() if canonical(k) == canonical(req.name)):
        for pkg in sorted(versions, key=lambda p: version_key(p.version), reverse=True):
            if matches(pkg.version, req.specifier):
                return Dist(pkg)
    return None


# -- the environment ------------------------------------------------------------------------


def site_packages(proc: Process, user: bool) -> str:
    names = list_dir(proc.fs, "/usr/local/lib")
    pythons = sorted(n for n in names if re.fullmatch(r"python3\.\d+", n))
    python = pythons[-1] if pythons else "python3.12"
    if user:
        return f"{proc.env.get('HOME', '/root')}/.local/lib/{python}/site-packages"
    return f"/usr/local/lib/{python}/site-packages"


def installed(proc: Process, site: str) -> dict[str, str]:
    """canonical name → version, from the `*.dist-info` folders pip would scan."""
    names = list_dir(proc.fs, site)
    found: dict[str, str] = {}
    for name in names:
        if name.endswith(".dist-info") and "-" in name:
            project, version = name[: -len(".dist-info")].rsplit("-", 1)
            found[canonical(project)] = version
    if "pip" in names and "pip" not in found:
        found["pip"] = DEFAULT_PIP
    return found


def size_text(size: float) -> str:
    """pip's format_size: 1000-based, one decimal below 10 kB/MB, none above."""
    if size > 1000 * 1000:
        return f"{size / 1000 / 1000:.1f} MB"
    if size > 10 * 1000:
        return f"{int(size / 1000)} kB"
    if size > 1000:
        return f"{size / 1000:.1f} kB"
    return f"{int(size)} bytes"


def _bar(size: int) -> str:
    done = size_text(size).split()
    rate = size_text(LINK_SPEED)
    return f"   {'━' * 40} {done[0]}/{done[0]} {done[1]} {rate}/s eta 0:00:00\n"


# -- the command ----------------------------------------------------------------------------


@dataclass
class Options:
    command: str = ""
    reqs: list[tuple[Requirement, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    no_cache: bool = False
    user: bool = False
    upgrade: bool = False
    quiet: int = 0
    root_action: str = "warn"
    bad: list[str] = field(default_factory=list)


def _parse(argv: list[str], env: dict[str, str]) -> Options:
    opts = Options(no_cache=env.get("PIP_NO_CACHE_DIR", "").lower() in ("1", "true", "on", "off"),
                   root_action=env.get("PIP_ROOT_USER_ACTION", "warn"))
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-r", "--requirement"):
            opts.files.append(next(args, ""))
        elif arg.startswith("-r") and len(arg) > 2:
            opts.files.append(arg[2:])
        elif arg == "--no-cache-dir":
            opts.no_cache = True
        elif arg == "--user":
            opts.user = True
        elif arg in ("-U", "--upgrade"):
            opts.upgrade = True
        elif arg.startswith("-q") or arg == "--quiet":
            opts.quiet += max(1, arg.count("q"))
        elif arg.startswith("--root-user-action"):
            opts.root_action = arg.split("=", 1)[1] if "=" in arg else next(args, "warn")
        elif arg in ("-i", "--index-url", "--extra-index-url", "-c", "--constraint"):
            next(args, None)
        elif arg.startswith("-"):
            continue
        elif not opts.command:
            opts.command = arg
        else:
            req = parse_requirement(arg)
            if req is None:
                opts.bad.append(arg)
            else:
                opts.reqs.append((req, ""))
    return opts


@program("pip", "pip3", "pip3.12", "pip3.13", "pip3.11")
def pip(proc: Process) -> int:
    opts = _parse(proc.argv, proc.env)
    if opts.command in ("--version", "-V") or proc.argv[1:2] in (["--version"], ["-V"]):
        site = site_packages(proc, False)
        python = site.split("/")[-2].removeprefix("python")
        proc.out(f"pip {DEFAULT_PIP} from {site}/pip (python {python})\n")
        return 0
    if opts.command != "install":
        proc.err(f'ERROR: unknown command "{opts.command}"\n' if opts.command else
                 "\nUsage:   \n  pip <command> [options]\n")
        return 1
    return _install(proc, opts)


def _read_requirements(proc: Process, opts: Options) -> str | None:
    for path in opts.files:
        text = read_text(proc.fs, path, proc.cwd)
        if text is None:
            return path
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.split(" #")[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            req = parse_requirement(line)
            if req is not None:
                opts.reqs.append((req, f"-r {path} (line {n})"))
    return None


@dataclass(frozen=True, slots=True)
class Chosen:
    dist: Dist
    shown: str
    """The project name as first written by whoever asked for it (`flask`, `Werkzeug`)."""
    depth: int
    deps: tuple[str, ...]


def _install(proc: Process, opts: Options) -> int:
    missing = _read_requirements(proc, opts)
    if missing is not None:
        proc.err(f"ERROR: Could not open requirements file: [Errno 2] No such file or directory: "
                 f"'{missing}'\n")
        return 1
    index = pypi(proc)
    site = site_packages(proc, opts.user)
    have = installed(proc, site)
    chosen: dict[str, Chosen] = {}
    level = [(req, origin, "") for req, origin in opts.reqs]
    depth = 0
    while level:
        parents: dict[str, tuple[Requirement, str]] = {}
        for req, origin, _ in level:
            key = canonical(req.name)
            if key in chosen:
                continue
            dist = best(index, req) if index is not None else None
            current = have.get(key)
            newest = dist is not None and current == dist.pkg.version
            if current is not None and matches(current, req.specifier) and (
                    not opts.upgrade or depth > 0 or newest):
                if opts.quiet == 0:
                    where = f" (from {origin})" if origin else ""
                    proc.out(f"Requirement already satisfied: {req.text} in {site}{where} "
                             f"({current})\n")
                continue
            if opts.quiet == 0:
                proc.out(f"Collecting {req.text}" + (f" (from {origin})" if origin else "") + "\n")
            if dist is None:
                return _not_found(proc, index, req)
            _fetch(proc, opts, dist, dist.wheel + ".metadata",
                   parse_size((dist.pkg.flag("meta") or ["2K"])[0]), indent=True)
            chosen[key] = Chosen(dist, req.name, depth, tuple(canonical(r.name)
                                                               for r in dist.requires))
            chain = req.text + ("->" + origin if origin else "")
            for dep in dist.requires:
                dkey = canonical(dep.name)
                if dkey not in parents or canonical(parents[dkey][1]) > canonical(req.name):
                    parents[dkey] = (dep, chain)
        level = [(dep, chain, "") for dep, chain in parents.values()]
        depth += 1
    if not chosen:
        return _finish(proc, opts, index)
    order = sorted(chosen.values(), key=lambda c: (c.depth, canonical(c.dist.name)))
    for item in order:
        _fetch(proc, opts, item.dist, item.dist.wheel, item.dist.pkg.download, indent=False)
    rounds = _peel(chosen)
    install_order = sorted(chosen, key=lambda k: (rounds[k], [-ord(c) for c in k]))
    if opts.quiet == 0:
        proc.out("Installing collected packages: "
                 + ", ".join(chosen[k].shown for k in install_order) + "\n")
    for key in install_order:
        _unpack(proc, site, chosen[key].dist, opts.user, have.get(key))
    proc.spend(sum(c.dist.pkg.size for c in chosen.values()) / 150e6 + 0.1 * len(chosen))
    done = sorted(f"{c.shown}-{c.dist.pkg.version}" for c in chosen.values())
    if opts.quiet < 2:
        proc.out("Successfully installed " + " ".join(done) + "\n")
    return _finish(proc, opts, index)


def _peel(chosen: dict[str, Chosen]) -> dict[str, int]:
    """Install order as pip computes it: repeatedly take the packages whose dependencies are
    all taken; the round a package leaves in is its weight."""
    rounds: dict[str, int] = {}
    n = 0
    while len(rounds) < len(chosen):
        leaves = [k for k, c in chosen.items() if k not in rounds and all(
            d in rounds or d not in chosen for d in c.deps)]
        if not leaves:
            leaves = [k for k in chosen if k not in rounds]
        for key in leaves:
            rounds[key] = n
        n += 1
    return rounds


def _fetch(proc: Process, opts: Options, dist: Dist, name: str, size: int, indent: bool) -> None:
    """Download (or reuse from the http cache) one file, printing pip's line for it."""
    cache = f"{proc.env.get('HOME', '/root')}/.cache/pip/http-v2"
    digest = hashlib.sha224(f"https://files.pythonhosted.org/{name}".encode()).hexdigest()
    path = f"{cache}/{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest[4]}/{digest}"
    cached = not opts.no_cache and f"{path}.body" in proc.fs
    prefix = "  " if indent else ""
    if opts.quiet == 0:
        verb = "Using cached" if cached else "Downloading"
        proc.out(f"{prefix}{verb} {name} ({size_text(size)})\n")
        if not cached and size > 512 * 1024:
            proc.out(_bar(size))
    if cached:
        proc.spend(0.005)
        return
    proc.spend(size / LINK_SPEED + 0.03)
    if not opts.no_cache:
        put_file(proc.fs, path, Node("file", 0o600, content=Synthetic(1500, name)))
        put_file(proc.fs, f"{path}.body", Node("file", 0o600, content=Synthetic(size, name)))


def _unpack(proc: Process, site: str, dist: Dist, user: bool, old: str | None) -> None:
    version = dist.pkg.version
    stem = canonical(dist.name).replace("-", "_")
    if old is not None:
        remove_path(proc.fs, f"{site}/{stem}-{old}.dist-info")
    info = f"{site}/{stem}-{version}.dist-info"
    scripts = dist.pkg.flag("script")
    bin_dir = f"{proc.env.get('HOME', '/root')}/.local/bin" if user else "/usr/local/bin"
    python = "/usr/local/bin/" + site.split("/")[-2]
    files = [f"{site}/{t}" if t.endswith(".py") or "." in t else f"{site}/{t}/__init__.py"
             for t in dist.tops]
    plan = file_plan(replace(dist.pkg, files=tuple(files)), max(0, dist.pkg.size - 4000))
    for path, node in plan:
        put_file(proc.fs, path, replace(node, mode=0o644))
    metadata = (f"Metadata-Version: 2.4\nName: {dist.name}\nVersion: {version}\n"
                f"Summary: {dist.pkg.description}\n"
                + "".join(f"Requires-Dist: {r.text}\n" for r in dist.requires))
    write_text(proc.fs, f"{info}/METADATA", metadata)
    write_text(proc.fs, f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: bdist_wheel\n"
               f"Root-Is-Purelib: {'false' if dist.wheel.count('cp3') else 'true'}\n")
    write_text(proc.fs, f"{info}/INSTALLER", "pip\n")
    write_text(proc.fs, f"{info}/top_level.txt", "".join(
        t.removesuffix(".py") + "\n" for t in dist.tops))
    if scripts:
        write_text(proc.fs, f"{info}/entry_points.txt", "[console_scripts]\n" + "".join(
            f"{s} = {dist.tops[0]}.cli:main\n" for s in scripts))
    for script in scripts:
        write_text(proc.fs, f"{bin_dir}/{script}",
                   f"#!{python}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
                   f"from {dist.tops[0].removesuffix('.py')}.cli import main\n"
                   "if __name__ == '__main__':\n"
                   "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                   "    sys.exit(main())\n", mode=0o755)
    record = [f"{p.removeprefix(site + '/')},sha256={hashlib.sha256(p.encode()).hexdigest()},"
              f"{n.size}" for p, n in plan]
    record += [f"{stem}-{version}.dist-info/{n},," for n in ("METADATA", "WHEEL", "INSTALLER",
                                                             "RECORD")]
    write_text(proc.fs, f"{info}/RECORD", "\n".join(record) + "\n")


def _not_found(proc: Process, index: Index | None, req: Requirement) -> int:
    versions: list[str] = []
    if index is not None:
        for name, found in index.packages.items():
            if canonical(name) == canonical(req.name):
                versions = sorted((p.version for p in found), key=version_key)
    proc.err(f"ERROR: Could not find a version that satisfies the requirement {req.text} "
             f"(from versions: {', '.join(versions) or 'none'})\n")
    proc.err(f"ERROR: No matching distribution found for {req.text}\n")
    return 1


def _finish(proc: Process, opts: Options, index: Index | None) -> int:
    if proc.uid == 0 and not opts.user and opts.root_action == "warn":
        proc.err(ROOT_WARNING)
    latest = next((w[1] for w in index.meta_lines("latest") if w[0] == "pip"), DEFAULT_PIP) if (
        index is not None) else DEFAULT_PIP
    if version_key(latest) > version_key(DEFAULT_PIP) and opts.quiet == 0:
        proc.err(f"\n[notice] A new release of pip is available: {DEFAULT_PIP} -> {latest}\n"
                 "[notice] To update, run: pip install --upgrade pip\n")
    return 0
