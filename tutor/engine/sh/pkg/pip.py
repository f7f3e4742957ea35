"""`pip` 25 (the python images' pip) installing wheels from PyPI into site-packages.

Distributions come from the catalogue (`assets/packages/pypi.txt`) when it knows them and are
otherwise resolved by rule as stand-ins (standin.py, docs/package-simulation.md): any PEP 508
requirement whose version a real index could plausibly have had. Local projects (`pip install
.`, `-e .`) are built from their pyproject.toml or setup.py.

Installed distributions are found the way pip finds them, by their `*.dist-info` folders, so a
later `pip install` sees what an earlier layer installed. Unless `--no-cache-dir` is given, every
download also stays in `~/.cache/pip/http-v2`, the weight a learner removes from the layer.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any

from tutor.engine.fs import Node, Synthetic
from tutor.engine.sh._api import PROGRAMS, Process, program
from tutor.engine.sh.pkg import standin
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
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str = ""
    """A direct reference (`name @ https://…`, `git+https://…`): fetched from there."""


_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"


def parse_requirement(text: str) -> Requirement | None:
    """A PEP 508 requirement (`name[extra1,extra2] (>=1,<2) ; marker`), None when it is not one.
    URL forms (`name @ https://…`) keep the name and accept any version."""
    # After a URL, PEP 508 wants whitespace before the `;` of a marker.
    bare, _, marker = text.partition(" ;" if "://" in text else ";")
    bare = bare.strip()
    vcs = re.fullmatch(r"(?:git|hg|svn|bzr)\+\S+", bare)
    if vcs:  # a bare VCS URL: the project is named by `#egg=` or by the repository
        egg = re.search(r"#egg=([A-Za-z0-9._-]+)", bare)
        repo = bare.split("#")[0].split("@")[0].rstrip("/").rsplit("/", 1)[-1]
        name = egg[1] if egg else repo.removesuffix(".git")
        return Requirement(bare, name, "", (), marker.strip(), bare.split("#")[0])
    archive = re.fullmatch(r"https?://\S+?/([^/#?]+?)(\.zip|\.tar\.gz|\.tgz|\.tar\.bz2|\.whl)"
                           r"(?:#egg=([A-Za-z0-9._-]+))?", bare)
    if archive:  # a bare archive URL: named by `#egg=`, the wheel, or the repository
        return Requirement(bare, archive[3] or _archive_name(bare, archive[1], archive[2]), "",
                           (), marker.strip(), bare.split("#")[0])
    match = re.fullmatch(rf"({_NAME})\s*(?:\[([^\]]*)\])?\s*(.*)", bare)
    if match is None:
        return None
    rest = match[3].strip()
    url = ""
    if rest.startswith("@"):
        url, rest = rest[1:].strip(), ""
    elif rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    spec = rest.replace(" ", "")
    if spec and not all(re.fullmatch(r"(~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+", c)
                        for c in spec.split(",")):
        return None
    extras = tuple(e.strip() for e in (match[2] or "").split(",") if e.strip())
    # pip shows a requirement as packaging prints it: no spaces, no marker.
    shown = match[1] + (f"[{','.join(extras)}]" if extras else "") + spec + (
        f"@ {url}" if url else "")  # packaging's spelling: `six@ git+https://…`
    return Requirement(shown, match[1], spec, extras, marker.strip(), url)


def _archive_name(url: str, stem: str, suffix: str) -> str:
    """The project a bare archive URL holds, as its address shows it: a wheel's distribution
    name, the repository of a forge's archive link (`github.com/OWNER/REPO/archive/…`), else
    the file name without its version (`pkg-1.2.tar.gz`). (pip reads it from the archive's
    metadata, which a simulated download does not have.)"""
    if suffix == ".whl":
        return stem.split("-")[0]
    forge = re.search(r"://[^/]+/[^/]+/([^/]+)/(?:archive|-/archive|zipball|tarball)/", url)
    if forge:
        return forge[1]
    return re.sub(r"-v?\d[\w.]*$", "", stem) or stem


def marker_holds(marker: str, python: str, extras: tuple[str, ...] = ()) -> bool:
    """Evaluate a PEP 508 environment marker for the container: CPython `python` on x86-64
    Linux. Parentheses, `and` and `or` nest as in Python; an unreadable marker holds."""
    env = {"python_version": python, "python_full_version": f"{python}.9",
           "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
           "platform_machine": "x86_64", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "platform_release": "",
           "implementation_version": f"{python}.9"}
    tokens: list[str] = re.findall(
        r"\(|\)|'[^']*'|\"[^\"]*\"|===|==|!=|<=|>=|~=|<|>|\bnot in\b|\w+", marker)
    pos = 0

    def value(tok: str) -> str:
        return tok[1:-1] if tok[:1] in "'\"" else env.get(tok, tok)

    def atom() -> bool:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            result = disjunction()
            pos += 1
            return result
        left, op, right = tokens[pos: pos + 3]
        if op == "not" and pos + 3 < len(tokens):
            op, right = "not in", tokens[pos + 3]
            pos += 1
        pos += 3
        if left == "extra" or right == "extra":
            wanted = value(right if left == "extra" else left)
            return (canonical(wanted) in {canonical(e) for e in extras}) == (op == "==")
        a, b = value(left), value(right)
        if op in ("in", "not in"):
            return (a in b) == (op == "in")
        if "version" in left or "version" in right:
            return _clause(a, op + b)
        return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                ">=": a >= b}.get(op, False)

    def conjunction() -> bool:
        nonlocal pos
        result = atom()
        while pos < len(tokens) and tokens[pos] == "and":
            pos += 1
            result = atom() and result
        return result

    def disjunction() -> bool:
        nonlocal pos
        result = conjunction()
        while pos < len(tokens) and tokens[pos] == "or":
            pos += 1
            result = conjunction() or result
        return result

    try:
        return disjunction()
    except (ValueError, IndexError, KeyError):
        return True


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


def _known(index: Index | None, name: str) -> list[Package]:
    if index is None:
        return []
    for key, versions in index.packages.items():
        if canonical(key) == canonical(name):
            return sorted(versions, key=lambda p: version_key(p.version))
    return []


def _candidates(name: str, specifier: str, known: list[Package]) -> list[str]:
    """Versions a release of `name` may have: the catalogue's, the versions the specifier
    names (with `.*` filled in and one release below an upper bound), and the newest release
    (the catalogue's, else the guessed one). Only plausible ones (see standin.py)."""
    guess = standin.guessed_latest("pypi", name)
    found = [p.version for p in known] or [".".join(map(str, guess))]
    for clause in (c for c in specifier.split(",") if c):
        match = re.fullmatch(r"(~=|===|==|!=|<=|>=|<|>)(.+)", clause)
        if match is None or match[1] == "!=":
            continue
        target = match[2]
        if target.endswith(".*"):
            target = f"{target[:-2]}.{guess[2]}" if target.count(".") < 2 else target[:-2]
        release = version_key(target)[0]
        found.append(target)
        if match[1] in ("<", "~=") and release:
            parts = [*release, 0][:3] if len(release) < 3 else list(release)
            if match[1] == "<":
                found += _below(parts, guess)
            else:
                found.append(".".join(map(str, [*parts[:-1], guess[2] + parts[-1]])))
    newest = version_key(known[-1].version) if known else None
    plausible = [v for v in found if (version_key(v) <= newest if newest is not None else
                                      _plausible(v))]
    return list(dict.fromkeys(plausible))


def _below(parts: list[int], guess: tuple[int, int, int]) -> list[str]:
    """Releases just under `parts` (`<2` → 1.x.y, `<2.1` → 2.0.y, `<2.1.4` → 2.1.3)."""
    while parts and parts[-1] == 0:
        parts = parts[:-1]
    if not parts:
        return []
    if len(parts) == 1:
        return [f"{parts[0] - 1}.{guess[1]}.{guess[2]}"] if parts[0] else []
    head = [*parts[:-1], parts[-1] - 1]
    tail = [guess[1], guess[2]][: max(0, 3 - len(head))]
    return [".".join(map(str, [*head, *tail]))]


def _plausible(version: str) -> bool:
    release = version_key(version)[0]
    return bool(release) and standin.plausible_major(release[0])


def best(index: Index | None, req: Requirement, constraint: str = "") -> Dist | None:
    """The newest release satisfying `req` (and a constraint's specifier): the catalogue's
    when one matches, else a stand-in by rule; None when no plausible version does."""
    known = _known(index, req.name)
    spec = ",".join(s for s in (req.specifier, constraint) if s)
    for pkg in reversed(known):
        if matches(pkg.version, spec):
            return Dist(pkg)
    options = [v for v in _candidates(req.name, spec, known) if matches(v, spec)]
    if not options:
        return None
    version = max(options, key=version_key)
    if known:
        base = next((p for p in known if version_key(p.version) >= version_key(version)),
                    known[-1])
        # An older release keeps its dependencies' names, not the newer release's ranges.
        return Dist(standin.older_release(base, version, keep_deps=False))
    download, size = standin.sizes("pypi", req.name, 15_000, 3_000_000)
    name = canonical(req.name) if req.name.islower() else req.name
    return Dist(Package(name, version, download, size, (standin.STANDIN_MARK,), (), ""))


def listed_versions(index: Index | None, name: str) -> list[str]:
    """What `(from versions: …)` lists: the catalogued releases, else the guessed newest."""
    known = _known(index, name)
    if known:
        return [p.version for p in known]
    return [".".join(map(str, standin.guessed_latest("pypi", name)))]


# -- the environment ------------------------------------------------------------------------


def python_name(proc: Process) -> str:
    """`python3.12`: the interpreter the image installed under /usr/local."""
    names = list_dir(proc.fs, "/usr/local/lib")
    pythons = sorted(n for n in names if re.fullmatch(r"python3\.\d+", n))
    return pythons[-1] if pythons else "python3.12"


def site_packages(proc: Process, user: bool, prefix: str = "") -> str:
    """Where pip installs: a virtual environment's own site-packages when pip runs from one,
    `~/.local` for `--user`, else the interpreter's."""
    python = python_name(proc)
    if prefix:
        return f"{prefix}/lib/{python}/site-packages"
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
    constraint_files: list[str] = field(default_factory=list)
    constraints: dict[str, str] = field(default_factory=dict)
    local: list[tuple[str, bool]] = field(default_factory=list)
    """Project directories to build and install (`.`, `-e .`), editable or not."""
    prefix: str = ""
    """The virtual environment pip runs from, if any."""
    yes: bool = False


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
        elif arg in ("-y", "--yes"):
            opts.yes = True
        elif arg.startswith("-q") or arg == "--quiet":
            opts.quiet += max(1, arg.count("q"))
        elif arg.startswith("--root-user-action"):
            opts.root_action = arg.split("=", 1)[1] if "=" in arg else next(args, "warn")
        elif arg in ("-c", "--constraint"):
            opts.constraint_files.append(next(args, ""))
        elif arg.startswith("--constraint="):
            opts.constraint_files.append(arg.split("=", 1)[1])
        elif arg in ("-e", "--editable"):
            opts.local.append((next(args, "."), True))
        elif arg.startswith("--editable="):
            opts.local.append((arg.split("=", 1)[1], True))
        elif arg in ("-i", "--index-url", "--extra-index-url", "--root", "--prefix", "-t",
                     "--target", "-f", "--find-links", "--trusted-host", "--platform",
                     "--python-version", "--only-binary", "--no-binary", "--progress-bar"):
            next(args, None)
        elif arg.startswith("-"):
            continue
        elif not opts.command:
            opts.command = arg
        elif arg.startswith((".", "/")) or arg.startswith("file:"):
            opts.local.append((arg.removeprefix("file://").removeprefix("file:"), False))
        else:
            req = parse_requirement(arg)
            if req is None:
                opts.bad.append(arg)
            else:
                opts.reqs.append((req, ""))
    return opts


@program("pip", "pip3", "pip3.12", "pip3.13", "pip3.11")
def pip(proc: Process) -> int:
    return run_pip(proc, "")


def run_pip(proc: Process, prefix: str) -> int:
    opts = _parse(proc.argv, proc.env)
    opts.prefix = prefix
    if opts.command in ("--version", "-V") or proc.argv[1:2] in (["--version"], ["-V"]):
        site = site_packages(proc, False, prefix)
        python = site.split("/")[-2].removeprefix("python")
        proc.out(f"pip {DEFAULT_PIP} from {site}/pip (python {python})\n")
        return 0
    if opts.command != "install":
        if opts.command in ("freeze", "list", "show", "uninstall"):
            return inspect(proc, opts)
        proc.err(f'ERROR: unknown command "{opts.command}"\n' if opts.command else
                 "\nUsage:   \n  pip <command> [options]\n")
        return 1
    return _install(proc, opts)


def _display_names(proc: Process, site: str) -> dict[str, tuple[str, str, str]]:
    """canonical name → (name as its METADATA spells it, version, dist-info folder)."""
    found: dict[str, tuple[str, str, str]] = {}
    for folder in list_dir(proc.fs, site):
        if not folder.endswith(".dist-info") or "-" not in folder:
            continue
        project, version = folder[: -len(".dist-info")].rsplit("-", 1)
        meta = read_text(proc.fs, f"{site}/{folder}/METADATA") or ""
        named = re.search(r"^Name: (.+)$", meta, re.M)
        found[canonical(project)] = (named[1].strip() if named else project, version, folder)
    if "pip" not in found and "pip" in list_dir(proc.fs, site):
        found["pip"] = ("pip", DEFAULT_PIP, "")
    return found


def inspect(proc: Process, opts: Options) -> int:
    """`pip freeze`, `pip list`, `pip show NAME…` and `pip uninstall [-y] NAME…`."""
    site = site_packages(proc, opts.user, opts.prefix)
    dists = _display_names(proc, site)
    names = [r.name for r, _ in opts.reqs]
    if opts.command == "freeze":
        for key in sorted(dists, key=lambda k: dists[k][0].lower()):
            if key not in ("pip", "setuptools", "wheel", "distribute"):
                proc.out(f"{dists[key][0]}=={dists[key][1]}\n")
        return 0
    if opts.command == "list":
        rows = [("Package", "Version")] + sorted(
            ((d[0], d[1]) for d in dists.values()), key=lambda r: r[0].lower())
        width = max(len(r[0]) for r in rows)
        widths = (width, max(len(r[1]) for r in rows))
        rows.insert(1, ("-" * widths[0], "-" * widths[1]))
        proc.out("".join(f"{a.ljust(width)} {b}".rstrip() + "\n" for a, b in rows))
        return 0
    if not names:
        proc.err(f"ERROR: You must give at least one requirement to {opts.command}" + (
            " (see \"pip help uninstall\")" if opts.command == "uninstall" else "") + "\n")
        return 1
    if opts.command == "show":
        missing = [n for n in names if canonical(n) not in dists]
        for i, name in enumerate(n for n in names if canonical(n) in dists):
            shown, version, folder = dists[canonical(name)]
            meta = read_text(proc.fs, f"{site}/{folder}/METADATA") or ""
            summary = re.search(r"^Summary: (.*)$", meta, re.M)
            requires = [r.split()[0].split(";")[0] for r in re.findall(
                r"^Requires-Dist: (.+)$", meta, re.M)]
            requires = [re.split(r"[<>=!~\[ (]", r)[0] for r in requires]
            users = sorted(d[0] for k, d in dists.items() if d[2] and re.search(
                rf"^Requires-Dist: {re.escape(shown)}\b", read_text(
                    proc.fs, f"{site}/{d[2]}/METADATA") or "", re.M | re.I))
            proc.out(("---\n" if i else "") + f"Name: {shown}\nVersion: {version}\nSummary: "
                     f"{summary[1] if summary else ''}\nHome-page: \nAuthor: \nAuthor-email: \n"
                     f"License: \nLocation: {site}\nRequires: {', '.join(requires)}\n"
                     f"Required-by: {', '.join(users)}\n")
        if missing:
            proc.err(f"WARNING: Package(s) not found: {', '.join(missing)}\n")
            return 1
        return 0
    for name in names:  # uninstall
        key = canonical(name)
        if key not in dists:
            proc.err(f"WARNING: Skipping {name} as it is not installed.\n")
            continue
        shown, version, folder = dists[key]
        proc.out(f"Found existing installation: {shown} {version}\nUninstalling "
                 f"{shown}-{version}:\n")
        if not opts.yes:
            proc.out(f"  Would remove:\n    {site}/{folder}/*\nProceed (Y/n)? ")
            proc.err("ERROR: Exception:\nTraceback (most recent call last):\n  ...\n"
                     "EOFError: EOF when reading a line\n")
            return 2
        record = read_text(proc.fs, f"{site}/{folder}/RECORD") or ""
        for line in record.splitlines():
            path = line.split(",")[0]
            if path and not path.startswith(".."):
                remove_path(proc.fs, f"{site}/{path}")
        for top in (read_text(proc.fs, f"{site}/{folder}/top_level.txt") or "").split():
            if not list_dir(proc.fs, f"{site}/{top}"):
                remove_path(proc.fs, f"{site}/{top}")
        remove_path(proc.fs, f"{site}/{folder}")
        proc.out(f"  Successfully uninstalled {shown}-{version}\n")
    if proc.uid == 0 and not opts.prefix and opts.root_action == "warn":
        proc.err(ROOT_WARNING)
    return 0


def _read_requirements(proc: Process, opts: Options) -> str | None:
    """Read `-r` files (and the `-r`/`-c`/`-e` lines inside them, relative to the file) and
    `-c` constraint files; the path of the first file that cannot be opened, else None."""
    pending = [(path, False) for path in opts.files]
    pending += [(path, True) for path in opts.constraint_files]
    seen: set[str] = set()
    while pending:
        path, constraint = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        text = read_text(proc.fs, path, proc.cwd)
        if text is None:
            return path
        base = posixpath.dirname(path)
        for n, raw in enumerate(text.replace("\\\n", "").splitlines(), 1):
            line = re.split(r"(?:^|\s)#", raw)[0].strip()
            if not line:
                continue
            words = line.split(None, 1)
            if words[0] in ("-r", "--requirement", "-c", "--constraint") and len(words) > 1:
                pending.append((posixpath.join(base, words[1].strip()),
                                words[0] in ("-c", "--constraint")))
                continue
            if words[0] in ("-e", "--editable") and len(words) > 1:
                opts.local.append((posixpath.join(base, words[1].strip()), True))
                continue
            if line.startswith("-"):
                continue
            if line.startswith((".", "/")):
                opts.local.append((posixpath.join(base, line), False))
                continue
            req = parse_requirement(line)
            if req is None:
                opts.bad.append(line)
            elif constraint:
                key = canonical(req.name)
                opts.constraints[key] = ",".join(
                    s for s in (opts.constraints.get(key, ""), req.specifier) if s)
            else:
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
    if opts.bad:
        proc.err(f"ERROR: Invalid requirement: '{opts.bad[0]}'\n")
        return 1
    index = pypi(proc)
    site = site_packages(proc, opts.user, opts.prefix)
    python = site.split("/")[-2].removeprefix("python")
    have = installed(proc, site)
    chosen: dict[str, Chosen] = {}
    projects: list[LocalProject] = []
    archives: dict[str, str] = {}  # archive URLs pip builds a wheel from: name → version
    for path, editable in opts.local:
        project = read_project(proc, path, editable)
        if isinstance(project, str):
            proc.err(project)
            return 1
        projects.append(project)
        _announce(proc, opts, project)
        chosen[canonical(project.name)] = Chosen(Dist(project.package()), project.name, 0,
                                                 tuple(canonical(r.name) for r in
                                                       project.requires))
        opts.reqs += [(r, f"{project.name}=={project.version}") for r in project.requires]
    level = [(req, origin, "") for req, origin in opts.reqs]
    depth = 0
    while level:
        parents: dict[str, tuple[Requirement, str]] = {}
        for req, origin, _ in level:
            key = canonical(req.name)
            if key in chosen:
                continue
            if req.marker and not marker_holds(req.marker, python, ()):
                if opts.quiet == 0 and not origin.count("->") and depth == 0:
                    proc.out(f"Ignoring {req.name}: markers '{req.marker}' don't match your "
                             "environment\n")
                continue
            dist = best(index, req, opts.constraints.get(key, "")) if index is not None else None
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
            if req.url and re.match(r"(git|hg|svn|bzr)\+", req.url):
                failed = _clone(proc, opts, req)
                if failed:
                    return failed
            if dist is None:
                return _not_found(proc, index, req)
            if _is_archive(req):
                if opts.quiet == 0:
                    proc.out(f"  Downloading {req.url}\n")
                    _steps(proc, _PREPARE_STEPS)
                proc.spend(dist.pkg.download / LINK_SPEED + 1.5)
                archives[key] = dist.pkg.version
            else:
                _fetch(proc, opts, dist, dist.wheel + ".metadata",
                       parse_size((dist.pkg.flag("meta") or ["2K"])[0]), indent=True)
            wanted = [r for r in dist.requires if not r.marker or marker_holds(
                r.marker, python, req.extras)]
            chosen[key] = Chosen(dist, req.name, depth, tuple(canonical(r.name) for r in wanted))
            chain = req.text + ("->" + origin if origin else "")
            for dep in wanted:
                dkey = canonical(dep.name)
                if dkey not in parents or canonical(parents[dkey][1]) > canonical(req.name):
                    parents[dkey] = (replace(dep, marker=""), chain)
        level = [(dep, chain, "") for dep, chain in parents.values()]
        depth += 1
    if not chosen:
        return _finish(proc, opts, index)
    local = {canonical(p.name) for p in projects}
    order = sorted(chosen.values(), key=lambda c: (c.depth, canonical(c.dist.name)))
    for item in order:
        if canonical(item.dist.name) not in local | set(archives):
            _fetch(proc, opts, item.dist, item.dist.wheel, item.dist.pkg.download, indent=False)
    wheels = [Built(p.name, p.wheel, p.backend, p.editable, p.path, 1200 + 40 * len(p.packages))
              for p in projects]
    wheels += [Built(chosen[k].shown, chosen[k].dist.wheel, "pyproject.toml", False,
                     f"{chosen[k].shown}-{v}", chosen[k].dist.pkg.download) for k, v in
               archives.items()]
    if wheels:
        _build_wheels(proc, opts, wheels)
    rounds = _peel(chosen)
    install_order = sorted(chosen, key=lambda k: (rounds[k], [-ord(c) for c in k]))
    if opts.quiet == 0:
        proc.out("Installing collected packages: "
                 + ", ".join(chosen[k].shown for k in install_order) + "\n")
    for key in install_order:
        old = have.get(key)
        if old is not None and opts.quiet == 0:
            shown = chosen[key].shown
            proc.out(f"  Attempting uninstall: {shown}\n    Found existing installation: {shown} "
                     f"{old}\n    Uninstalling {shown}-{old}:\n      Successfully uninstalled "
                     f"{shown}-{old}\n")
        built = next((p for p in projects if canonical(p.name) == key), None)
        if built is not None:
            _install_project(proc, site, built, have.get(key))
        else:
            unpack_dist(proc, site, chosen[key].dist, opts.user, have.get(key))
    proc.spend(sum(c.dist.pkg.size for c in chosen.values()) / 150e6 + 0.1 * len(chosen))
    done = sorted(f"{c.shown}-{c.dist.pkg.version}" for c in chosen.values())
    if opts.quiet < 2:
        proc.out("Successfully installed " + " ".join(done) + "\n")
    return _finish(proc, opts, index)


# -- local projects (`pip install .`, `pip install -e .`) -----------------------------------


@dataclass(frozen=True, slots=True)
class LocalProject:
    path: str
    name: str
    version: str
    requires: tuple[Requirement, ...]
    editable: bool
    backend: str
    """What pip names the metadata source: `pyproject.toml` or `setup.py`."""
    packages: tuple[str, ...]
    """Top-level import packages or modules found in the project (`app`, `src/app`)."""

    def package(self) -> Package:
        return Package(self.name, self.version, 0, 0, (), (), "")

    @property
    def wheel(self) -> str:
        stem = canonical(self.name).replace("-", "_")
        tag = "0.editable-py3-none-any" if self.editable else "py3-none-any"
        return f"{stem}-{self.version}-{tag}.whl"


def read_project(proc: Process, path: str, editable: bool) -> LocalProject | str:
    """The project in `path`, from pyproject.toml's [project] table (or Poetry's), setup.cfg
    or setup.py's literal arguments; pip's error text when there is none."""
    root = posixpath.normpath(posixpath.join(proc.cwd, path))
    pyproject = read_text(proc.fs, f"{root}/pyproject.toml")
    setup_py = read_text(proc.fs, f"{root}/setup.py")
    setup_cfg = read_text(proc.fs, f"{root}/setup.cfg") or ""
    if pyproject is None and setup_py is None:
        if editable:
            return (f"ERROR: file://{root} does not appear to be a Python project: neither "
                    "'setup.py' nor 'pyproject.toml' found.\n")
        return (f"ERROR: Directory '{path}' is not installable. Neither 'setup.py' nor "
                "'pyproject.toml' found.\n")
    name, version, deps = "", "", []
    if pyproject is not None:
        try:
            data = tomllib.loads(pyproject)
        except tomllib.TOMLDecodeError as exc:
            return f"ERROR: Failed to parse {root}/pyproject.toml: {exc}\n"
        table = _table(data, "project")
        poetry = _table(_table(data, "tool"), "poetry")
        name = str(table.get("name") or poetry.get("name") or "")
        version = str(table.get("version") or poetry.get("version") or "")
        listed = table.get("dependencies")
        if isinstance(listed, list):
            deps = [str(d) for d in listed]
        elif isinstance(poetry.get("dependencies"), dict):
            deps = [k for k in poetry["dependencies"] if k.lower() != "python"]
    source = setup_py or ""
    for key, pattern in (("name", r"\bname\s*=\s*['\"]([^'\"]+)"),
                         ("version", r"\bversion\s*=\s*['\"]([^'\"]+)")):
        found = re.search(pattern, source) or re.search(
            rf"^{key}\s*=\s*(\S+)", setup_cfg, re.M)
        if found and key == "name" and not name:
            name = found[1]
        if found and key == "version" and not version:
            version = found[1]
    if not deps:
        block = re.search(r"install_requires\s*=\s*\[([^\]]*)\]", source, re.S)
        if block:
            deps = re.findall(r"['\"]([^'\"]+)['\"]", block[1])
        else:
            cfg = re.search(r"^install_requires\s*=\s*\n((?:[ \t]+\S.*\n?)+)", setup_cfg, re.M)
            deps = cfg[1].split() if cfg else []
    requires = tuple(r for r in (parse_requirement(d) for d in deps) if r is not None)
    return LocalProject(root, name or "UNKNOWN", version or "0.0.0", requires, editable,
                        "pyproject.toml" if pyproject is not None else "setup.py",
                        _top_packages(proc, root))


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _top_packages(proc: Process, root: str) -> tuple[str, ...]:
    found = []
    for base in (f"{root}/src", root):
        for name in list_dir(proc.fs, base):
            if f"{base}/{name}/__init__.py" in proc.fs and name not in ("tests", "test"):
                found.append(posixpath.relpath(f"{base}/{name}", root))
        if found:
            break
    return tuple(found)


_PREPARE_STEPS = ["Installing build dependencies", "Getting requirements to build wheel",
                  "Preparing metadata (pyproject.toml)"]


def _steps(proc: Process, names: list[str]) -> None:
    for step in names:
        proc.out(f"  {step}: started\n  {step}: finished with status 'done'\n")


def _announce(proc: Process, opts: Options, project: LocalProject) -> None:
    """The lines pip prints while it prepares a local project's metadata (no terminal, so each
    step as `started` / `finished`)."""
    if opts.quiet:
        return
    if project.editable:
        proc.out(f"Obtaining file://{project.path}\n")
        steps = ["Installing build dependencies",
                 "Checking if build backend supports build_editable",
                 "Getting requirements to build editable",
                 f"Preparing editable metadata ({project.backend})"]
    else:
        proc.out(f"Processing {project.path}\n")
        steps = [*_PREPARE_STEPS[:2], f"Preparing metadata ({project.backend})"]
    _steps(proc, steps)
    proc.spend(1.5)


@dataclass(frozen=True, slots=True)
class Built:
    """A wheel pip builds itself: from a local project or a downloaded source archive."""

    name: str
    wheel: str
    backend: str
    editable: bool
    source: str
    size: int


def _is_archive(req: Requirement) -> bool:
    return bool(req.url) and not re.match(r"(git|hg|svn|bzr)\+", req.url) \
        and not req.url.endswith(".whl")


def _build_wheels(proc: Process, opts: Options, built: list[Built]) -> None:
    if opts.quiet:
        return
    proc.out("Building wheels for collected packages: "
             + ", ".join(b.name for b in built) + "\n")
    for item in built:
        kind = "editable" if item.editable else "wheel"
        _steps(proc, [f"Building {kind} for {item.name} ({item.backend})"])
        digest = hashlib.sha256(f"{item.source}:{item.wheel}".encode())
        proc.out(f"  Created wheel for {item.name}: filename={item.wheel} size={item.size} "
                 f"sha256={digest.hexdigest()}\n")
        ephemeral = hashlib.sha1(item.source.encode()).hexdigest()
        proc.out(f"  Stored in directory: /tmp/pip-ephem-wheel-cache-{ephemeral[:8]}/wheels/"
                 f"{ephemeral[8:10]}/{ephemeral[10:12]}/{ephemeral[12:]}\n")
        proc.spend(0.8)
    proc.out("Successfully built " + " ".join(b.name for b in built) + "\n")


def _install_project(proc: Process, site: str, project: LocalProject, old: str | None) -> None:
    """A built local project: its packages copied into site-packages (or, editable, a `.pth`
    file pointing at the source) and its dist-info."""
    stem = canonical(project.name).replace("-", "_")
    if old is not None:
        remove_path(proc.fs, f"{site}/{stem}-{old}.dist-info")
    info = f"{site}/{stem}-{project.version}.dist-info"
    if project.editable:
        src = posixpath.dirname(f"{project.path}/{project.packages[0]}") if (
            project.packages) else project.path
        write_text(proc.fs, f"{site}/__editable__.{stem}-{project.version}.pth", src + "\n")
    else:
        for package in project.packages:
            source = f"{project.path}/{package}"
            target = f"{site}/{posixpath.basename(package)}"
            for path in proc.fs.walk(source):
                node = proc.fs.get(path)
                if node is not None and node.type == "file":
                    put_file(proc.fs, target + path[len(source):], node)
    metadata = (f"Metadata-Version: 2.4\nName: {project.name}\nVersion: {project.version}\n"
                + "".join(f"Requires-Dist: {r.text}\n" for r in project.requires))
    write_text(proc.fs, f"{info}/METADATA", metadata)
    write_text(proc.fs, f"{info}/INSTALLER", "pip\n")
    write_text(proc.fs, f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
    write_text(proc.fs, f"{info}/RECORD", "")
    if project.editable:
        write_text(proc.fs, f"{info}/direct_url.json",
                   f'{{"dir_info": {{"editable": true}}, "url": "file://{project.path}"}}\n')


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


def unpack_dist(proc: Process, site: str, dist: Dist, user: bool, old: str | None) -> None:
    version = dist.pkg.version
    stem = canonical(dist.name).replace("-", "_")
    if old is not None:
        remove_path(proc.fs, f"{site}/{stem}-{old}.dist-info")
    info = f"{site}/{stem}-{version}.dist-info"
    scripts = dist.pkg.flag("script")
    if not scripts and standin.is_standin(dist.pkg) and canonical(dist.name) in PROGRAMS:
        # A stand-in for a tool the engine simulates (poetry) provides its command.
        scripts = [canonical(dist.name)]
    prefix = site.split("/lib/")[0]
    bin_dir = f"{proc.env.get('HOME', '/root')}/.local/bin" if user else f"{prefix}/bin"
    python = "/usr/local/bin/" + site.split("/")[-2] if prefix in ("/usr/local", "/usr") or (
        user) else f"{prefix}/bin/python"
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


def _clone(proc: Process, opts: Options, req: Requirement) -> int:
    """What pip does for a VCS requirement: run the VCS tool to check the repository out; its
    error when the tool is not installed (slim images have no git)."""
    tool = req.url.split("+", 1)[0]
    dirs = proc.env.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")
    if not any(posixpath.join(d, tool) in proc.fs for d in dirs if d):
        proc.err(f"ERROR: Cannot find command '{tool}' - do you have '{tool}' installed and in "
                 "your PATH?\n")
        return 1
    url = req.url.split("+", 1)[1].split("#")[0]
    digest = hashlib.sha1(url.encode()).hexdigest()
    where = f"/tmp/pip-install-{digest[:8]}/{canonical(req.name).replace('-', '_')}_{digest[8:40]}"
    if opts.quiet == 0:
        proc.out(f"  Cloning {url} to {where}\n  Running command git clone --filter=blob:none "
                 f"--quiet {url} {where}\n  Resolved {url} to commit {digest}\n")
    proc.spend(1.5)
    return 0


def _not_found(proc: Process, index: Index | None, req: Requirement) -> int:
    versions = listed_versions(index, req.name) if index is not None else []
    proc.err(f"ERROR: Could not find a version that satisfies the requirement {req.text} "
             f"(from versions: {', '.join(versions) or 'none'})\n")
    proc.err(f"ERROR: No matching distribution found for {req.text}\n")
    return 1


def _finish(proc: Process, opts: Options, index: Index | None) -> int:
    if proc.uid == 0 and not opts.user and not opts.prefix and opts.root_action == "warn":
        proc.err(ROOT_WARNING)
    latest = next((w[1] for w in index.meta_lines("latest") if w[0] == "pip"), DEFAULT_PIP) if (
        index is not None) else DEFAULT_PIP
    if version_key(latest) > version_key(DEFAULT_PIP) and opts.quiet == 0:
        proc.err(f"\n[notice] A new release of pip is available: {DEFAULT_PIP} -> {latest}\n"
                 "[notice] To update, run: pip install --upgrade pip\n")
    return 0


@program("python", "python3", "python3.11", "python3.12", "python3.13")
def python(proc: Process) -> int:
    """Only what the package tools need from the interpreter: `-m pip`, `-m venv`, the pip
    scripts of a virtual environment (`#!/opt/venv/bin/python`) and `--version`. Running a
    learner's program is not simulated here."""
    args = proc.argv[1:]
    prefix = _venv_of(proc, proc.argv[0])
    if args[:2] in (["-m", "pip"], ["-m", "pip3"]):
        proc.argv = ["pip", *args[2:]]
        return run_pip(proc, prefix)
    script = posixpath.basename(args[0]) if args and not args[0].startswith("-") else ""
    if script in PIP_SCRIPTS:
        proc.argv = [script, *args[1:]]
        return run_pip(proc, prefix)
    tool = PROGRAMS.get(script) if script not in ("python", "python3") else None
    if tool is not None and posixpath.basename(posixpath.dirname(args[0])) == "bin":
        # A console script a wheel installed (`poetry`), for a tool the engine simulates.
        proc.argv = [script, *args[1:]]
        return tool(proc)
    if args[:2] == ["-m", "venv"] or args[:2] == ["-m", "virtualenv"]:
        targets = [a for a in args[2:] if not a.startswith("-")]
        if not targets:
            proc.err("usage: venv [-h] [--system-site-packages] [--symlinks | --copies] "
                     "[--clear]\n            [--upgrade] [--without-pip] [--prompt PROMPT] "
                     "[--upgrade-deps]\n            ENV_DIR [ENV_DIR ...]\nvenv: error: the "
                     "following arguments are required: ENV_DIR\n")
            return 2
        for target in targets:
            make_venv(proc, posixpath.normpath(posixpath.join(proc.cwd, target)),
                      "--without-pip" not in args, "--system-site-packages" in args)
        return 0
    if args[:1] in (["--version"], ["-V"]):
        version = python_name(proc).removeprefix("python")
        proc.out(f"Python {proc.env.get('PYTHON_VERSION') or version + '.9'}\n")
        return 0
    proc.err(f"{proc.argv[0]}: this program cannot run in the simulated engine\n")
    return 126


PIP_SCRIPTS = ("pip", "pip3", "pip3.11", "pip3.12", "pip3.13")


def _venv_of(proc: Process, interpreter: str) -> str:
    """The virtual environment an interpreter path belongs to (its `bin/..` has pyvenv.cfg)."""
    if "/" not in interpreter:
        return ""
    root = posixpath.dirname(posixpath.dirname(posixpath.join(proc.cwd, interpreter)))
    return root if f"{root}/pyvenv.cfg" in proc.fs else ""


def make_venv(proc: Process, root: str, with_pip: bool, system: bool) -> None:
    """What `python -m venv` lays out: pyvenv.cfg, interpreter links, activate scripts and,
    through ensurepip, pip itself (from the wheel bundled with Python: no download)."""
    python = python_name(proc)
    version = proc.env.get("PYTHON_VERSION") or python.removeprefix("python") + ".9"
    write_text(proc.fs, f"{root}/pyvenv.cfg",
               f"home = /usr/local/bin\ninclude-system-site-packages = "
               f"{'true' if system else 'false'}\nversion = {version}\nexecutable = "
               f"/usr/local/bin/{python}\ncommand = /usr/local/bin/python3 -m venv {root}\n")
    put_file(proc.fs, f"{root}/bin/python", Node("symlink", 0o777,
                                                  target="/usr/local/bin/python"))
    for link in ("python3", python):
        put_file(proc.fs, f"{root}/bin/{link}", Node("symlink", 0o777, target="python"))
    write_text(proc.fs, f"{root}/bin/activate",
               f'# This file must be used with "source bin/activate" *from bash*\n'
               f'VIRTUAL_ENV="{root}"\nexport VIRTUAL_ENV\n_OLD_VIRTUAL_PATH="$PATH"\n'
               'PATH="$VIRTUAL_ENV/bin:$PATH"\nexport PATH\n')
    for name in ("activate.csh", "activate.fish", "Activate.ps1"):
        write_text(proc.fs, f"{root}/bin/{name}", f"# {name} for {root}\n")
    proc.fs.makedirs(f"{root}/include/{python}")
    site = f"{root}/lib/{python}/site-packages"
    ensure_dir(proc.fs, site)
    put_file(proc.fs, f"{root}/lib64", Node("symlink", 0o777, target="lib"))
    proc.spend(0.3)
    if not with_pip:
        return
    catalogue = catalogue_of(proc.world if proc.world is not None else object())
    index = catalogue.index("pypi") if catalogue else None
    bundled = next((p for p in _known(index, "pip") if p.version == DEFAULT_PIP), None)
    dist = Dist(bundled or Package("pip", DEFAULT_PIP, 1_800_000, 8_900_000,
                                   ("!script=pip", "!script=pip3"), (), ""))
    unpack_dist(proc, site, dist, False, None)
    for script in PIP_SCRIPTS[:2] + (f"pip{python.removeprefix('python')}",):
        write_text(proc.fs, f"{root}/bin/{script}",
                   f"#!{root}/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
                   "from pip._internal.cli.main import main\nif __name__ == '__main__':\n"
                   "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                   "    sys.exit(main())\n", mode=0o755)
    proc.spend(2.0)
