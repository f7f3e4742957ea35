"""`npm` 10 (bundled with Node 20): install, ci, run, cache clean and npx, against the registry.

Packages come from the catalogue (`assets/packages/npm.txt`) when it knows them and are
otherwise resolved by rule as stand-ins (standin.py, docs/package-simulation.md): any valid name,
any plausible version a node-semver range (semver.py) admits.

The project's own files are the state, as for real npm: `package.json` names what is wanted,
`package-lock.json` (lockfileVersion 3) pins the tree, `node_modules/.package-lock.json` records
what is on disk. Every install leaves the tarballs in `~/.npm/_cacache` and a debug log in
`~/.npm/_logs`, which is why a layer built with `npm install` is bigger than `node_modules`
alone until `npm cache clean --force` runs in the same step.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from tutor.engine.fs import Data, FsError, Node, Synthetic, symlink
from tutor.engine.sh._api import Process, Program, program
from tutor.engine.sh._proc import now_of, run_child
from tutor.engine.sh.pkg import jsbuild, semver, standin
from tutor.engine.sh.pkg.catalogue import (
    LINK_SPEED,
    Index,
    Package,
    catalogue_of,
    file_plan,
    put_file,
    read_text,
    remove_path,
    write_text,
)

REGISTRY = "https://registry.npmjs.org"
BUNDLED_NPM = "/usr/local/lib/node_modules/npm/package.json"
Json = dict[str, object]

# -- semver ---------------------------------------------------------------------------------

Version = tuple[int, int, int]


def parse_version(text: str) -> Version | None:
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def satisfies(version: str, spec: str) -> bool:
    """npm's range semantics (node-semver: `^`, `~`, x-ranges, hyphens, `||`, prereleases)."""
    return semver.satisfies(version, spec)


def _version_key(pkg: Package) -> semver.Version:
    return semver.parse(pkg.version) or semver.Version(0, 0, 0)


# -- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    """One version of a package as the registry describes it."""

    pkg: Package

    @property
    def name(self) -> str:
        return self.pkg.name

    @property
    def version(self) -> str:
        return self.pkg.version

    @property
    def dependencies(self) -> dict[str, str]:
        deps: dict[str, str] = {}
        for token in self.pkg.requires():
            at = token.index("@", 1)
            deps[token[:at]] = token[at + 1 :].replace(",", " ")
        return deps

    @property
    def license(self) -> str:
        return (self.pkg.flag("license") or ["MIT"])[0]

    @property
    def funding(self) -> str:
        return (self.pkg.flag("fund") or [""])[0]

    @property
    def bins(self) -> dict[str, str]:
        return dict(sorted(b.split(":", 1) for b in self.pkg.flag("bin")))

    @property
    def tarball(self) -> str:
        base = self.name.rsplit("/", 1)[-1]
        return f"{REGISTRY}/{self.name}/-/{base}-{self.version}.tgz"

    @property
    def integrity(self) -> str:
        digest = hashlib.sha512(f"{self.name}@{self.version}".encode()).digest()
        return "sha512-" + base64.b64encode(digest).decode()


def registry_index(proc: Process) -> Index | None:
    catalogue = catalogue_of(proc.world)
    return catalogue.index("npm") if catalogue else None


def pick(index: Index, name: str, spec: str) -> Manifest | None:
    """The highest version of `name` that `spec` accepts (a dist-tag means the newest): from
    the catalogue when it has one, else a stand-in by rule (see standin.py); None when no
    plausible version satisfies `spec`."""
    versions = sorted(index.versions(name), key=_version_key)
    wanted = spec.strip() if semver.is_range(spec) and spec.strip() != "latest" else ""
    for pkg in reversed(versions):
        if semver.satisfies(pkg.version, wanted):
            return Manifest(pkg)
    candidates = _candidates(name, wanted, versions)
    chosen = semver.max_satisfying(candidates, wanted or "*")
    return None if chosen is None else find(index, name, chosen)


def _candidates(name: str, spec: str, known: list[Package]) -> list[str]:
    """The versions a stand-in may have: those the range names, one release below each bound,
    and the newest release (the catalogue's, else the guessed one); only plausible ones."""
    newest = semver.parse(known[-1].version) if known else None
    found: list[semver.Version] = []
    if newest is None:
        found.append(semver.Version(*standin.guessed_latest("npm", name)))
    else:
        found.append(newest)
    bounds = semver.parse_range(spec).bounds() if spec else []
    guess = standin.guessed_latest("npm", name)
    for v in bounds:
        v = semver.Version(v.major, v.minor, v.patch, () if v.prerelease == ("0",) else
                           v.prerelease)
        found.append(v)
        if v.patch:
            found.append(semver.Version(v.major, v.minor, v.patch - 1))
        if v.minor:
            found.append(semver.Version(v.major, v.minor - 1, guess[2]))
        if v.major:
            found.append(semver.Version(v.major - 1, guess[1], guess[2]))
    ok = [v for v in found if (v <= newest if newest is not None else
                               standin.plausible_major(v.major))]
    return [str(v) for v in ok]


def find(index: Index, name: str, version: str) -> Manifest | None:
    """`name@version` as the registry serves it: the catalogue's line, else a stand-in when the
    version is plausible (how lockfiles and exact pins written elsewhere resolve)."""
    known = sorted(index.versions(name), key=_version_key)
    exact = next((Manifest(p) for p in known if p.version == version), None)
    if exact is not None:
        return exact
    parsed = semver.parse(version)
    if parsed is None:
        return None
    if known:
        # A lockfile's exact version came from the real registry, which has releases newer
        # than the catalogue's newest (webpack's `array-flatten@2.1.2` beside express's 1.1.1):
        # any plausible one resolves, weighing what the nearest catalogued release weighs.
        if not standin.plausible_major(parsed.major):
            return None
        base = next((p for p in known if (semver.parse(p.version) or parsed) >= parsed),
                    known[-1])
        return Manifest(standin.older_release(base, str(parsed)))
    if not standin.plausible_major(parsed.major):
        return None
    return Manifest(_standin(name, str(parsed)))


def _standin(name: str, version: str) -> Package:
    """A package no catalogue line describes: a CommonJS entry point, a CLI named after the
    package (what `npx name` and scripts call), and a weight derived from the name."""
    download, size = standin.sizes("npm", name, 6_000, 600_000)
    if name.startswith("@types/"):
        # DefinitelyTyped publishes declarations only: no code, no command (a `node` command
        # from `@types/node` would shadow node itself)
        return Package(name, version, download, size, (standin.STANDIN_MARK,),
                       ("index.d.ts", "README.md", "LICENSE:1.1K"), "")
    command = name.rsplit("/", 1)[-1]
    scoped = re.fullmatch(r"@([^/]+)/cli", name)
    if scoped:  # `@vue/cli` → `vue`, `@nestjs/cli` → `nest`: a scope's CLI is named after it
        command = scoped[1].removesuffix("js") or scoped[1]
    return Package(name, version, download, size,
                   (standin.STANDIN_MARK, f"!bin={command}:bin/cli.js"),
                   ("index.js", "lib/index.js", "bin/cli.js:1K", "README.md", "LICENSE:1.1K"),
                   "")


_BLOCKED = ("node_modules", "favicon.ico")


def name_errors(name: str) -> list[str]:
    """Why `name` cannot be a package name, in validate-npm-package-name's words (the rules a
    name published long ago still meets: capitals and long names are only warnings)."""
    errors: list[str] = []
    if not name:
        return ["name length must be greater than zero"]
    if name.startswith("."):
        errors.append("name cannot start with a period")
    if name.startswith("_"):
        errors.append("name cannot start with an underscore")
    if name.strip() != name:
        errors.append("name cannot contain leading or trailing spaces")
    if name.lower() in _BLOCKED:
        errors.append(f"{name.lower()} is not a valid package name")
    scoped = re.fullmatch(r"@([^/]+)/(.+)", name)
    parts = [scoped[1], scoped[2]] if scoped else [name]
    if any(not re.fullmatch(r"[A-Za-z0-9\-_.!~*'()]+", p) for p in parts):
        errors.append("name can only contain URL-friendly characters")
    return errors


# -- the tree npm builds --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    location: str
    """`node_modules/send/node_modules/ms`: where the package sits, as the lockfile keys it."""
    manifest: Manifest
    dev: bool


class Unresolvable(Exception):
    """A dependency the registry cannot satisfy: (name, spec) for npm's E404/ETARGET report."""

    def __init__(self, name: str, spec: str) -> None:
        super().__init__(name)
        self.name = name
        self.spec = spec


def build_tree(
    index: Index,
    wanted: Mapping[str, str],
    dev_wanted: Mapping[str, str],
    locked: Mapping[str, str] | None = None,
) -> dict[str, Placed]:
    """Place every package as npm's hoisting does: each dependency goes as high in
    `node_modules` as it can without clashing with another version already placed there, and
    nests under its dependent only on a clash. Breadth-first, alphabetical within a level, so the
    result is the same every time. `locked` maps locations (`node_modules/ms`) or requests
    (`ms@^2.1.1`, as yarn.lock keys them) to versions to prefer."""
    locked = locked or {}
    tree: dict[str, Manifest] = {}
    dev_only: dict[str, bool] = {}
    queue: list[tuple[str, dict[str, str], bool]] = []
    roots = {**{n: (s, True) for n, s in dev_wanted.items()},
             **{n: (s, False) for n, s in wanted.items()}}
    for name in sorted(roots):
        spec, dev = roots[name]
        loc = f"node_modules/{name}"
        manifest = _choose(index, name, spec, locked.get(loc) or locked.get(f"{name}@{spec}"))
        tree[loc] = manifest
        dev_only[loc] = dev
        queue.append((loc, manifest.dependencies, dev))
    while queue:
        queue.sort(key=lambda item: (item[0].count("node_modules/"), item[0]))
        level = [q for q in queue if q[0].count("node_modules/") == queue[0][0].count(
            "node_modules/")]
        queue = queue[len(level):]
        for loc, deps, dev in level:
            for name in sorted(deps):
                placed = _place(index, tree, loc, name, deps[name], locked)
                if placed is None:
                    continue
                target, manifest, fresh = placed
                if fresh:
                    tree[target] = manifest
                    dev_only[target] = dev
                    queue.append((target, manifest.dependencies, dev))
                elif dev_only[target] and not dev:
                    _mark_prod(tree, dev_only, target)
    return {loc: Placed(loc, tree[loc], dev_only[loc]) for loc in sorted(tree)}


def _mark_prod(tree: Mapping[str, Manifest], dev_only: dict[str, bool], loc: str) -> None:
    dev_only[loc] = False
    for name in tree[loc].dependencies:
        target = resolve_location(tree, loc, name)
        if target is not None and dev_only[target]:
            _mark_prod(tree, dev_only, target)


def _levels(loc: str) -> list[str]:
    """The node_modules folders `require()` searches from `loc`, nearest first."""
    levels = [f"{loc}/node_modules"]
    parts = loc.split("/node_modules/")
    while len(parts) > 1:
        parts = parts[:-1]
        levels.append("/node_modules/".join(parts) + "/node_modules" if len(parts) > 1 else
                      "node_modules")
    if levels[-1] != "node_modules":
        levels.append("node_modules")
    return levels


def resolve_location(tree: Mapping[str, Manifest], loc: str, name: str) -> str | None:
    for level in _levels(loc):
        if f"{level}/{name}" in tree:
            return f"{level}/{name}"
    return None


def _choose(index: Index, name: str, spec: str, preferred: str | None) -> Manifest:
    if preferred is not None and (spec in ("", "*", "latest") or satisfies(preferred, spec)):
        found = find(index, name, preferred)
        if found is not None:
            return found
    manifest = pick(index, name, spec)
    if manifest is None:
        raise Unresolvable(name, spec)
    return manifest


def _place(
    index: Index, tree: Mapping[str, Manifest], loc: str, name: str, spec: str,
    locked: Mapping[str, str],
) -> tuple[str, Manifest, bool] | None:
    levels = _levels(loc)
    for i, level in enumerate(levels):
        existing = tree.get(f"{level}/{name}")
        if existing is None:
            continue
        if satisfies(existing.version, spec):
            return f"{level}/{name}", existing, False
        target = f"{levels[i - 1]}/{name}" if i else f"{level}/{name}"
        return target, _choose(index, name, spec, locked.get(target) or locked.get(
            f"{name}@{spec}")), True
    target = f"node_modules/{name}"
    return target, _choose(index, name, spec, locked.get(target) or locked.get(
        f"{name}@{spec}")), True


# -- package.json and the lockfile ------------------------------------------------------------


class ProjectError(Exception):
    """package.json is missing or broken: npm's code and message lines."""

    def __init__(self, code: str, lines: list[str]) -> None:
        super().__init__(code)
        self.code = code
        self.lines = lines


def read_manifest(proc: Process, required: bool) -> Json:
    path = posixpath.join(proc.cwd, "package.json")
    text = read_text(proc.fs, path)
    if text is None:
        if not required:
            return {}
        raise ProjectError("ENOENT", [
            "syscall open",
            f"path {path}",
            "errno -2",
            f"enoent Could not read package.json: Error: ENOENT: no such file or directory, "
            f"open '{path}'",
            "enoent This is related to npm not being able to find a file.",
            "enoent",
        ])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError("EJSONPARSE", [
            f'path {path}',
            f"JSON.parse Unexpected token in JSON at position {exc.pos} while parsing near "
            f"{text[max(0, exc.pos - 10): exc.pos + 10]!r}",
            "JSON.parse Failed to parse JSON data.",
            "JSON.parse Note: package versions must follow the semver specification.",
        ]) from None
    return data if isinstance(data, dict) else {}


def read_manifest_at(proc: Process, path: str) -> Json:
    """A package.json somewhere in the tree, {} when missing or unreadable."""
    try:
        data = json.loads(read_text(proc.fs, path) or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def manifest_deps(manifest: Json, key: str) -> dict[str, str]:
    value = manifest.get(key)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def dumps(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def lock_entry(placed: Placed) -> Json:
    m = placed.manifest
    entry: Json = {"version": m.version, "resolved": m.tarball, "integrity": m.integrity}
    if placed.dev:
        entry["dev"] = True
    entry["license"] = m.license
    if m.dependencies:
        entry["dependencies"] = m.dependencies
    if m.bins:
        entry["bin"] = m.bins
    if m.funding:
        entry["funding"] = {"url": m.funding}
    return entry


def render_lock(manifest: Json, tree: Mapping[str, Placed]) -> str:
    root: Json = {k: manifest[k] for k in ("name", "version") if k in manifest}
    if "license" in manifest:
        root["license"] = manifest["license"]
    for key in ("dependencies", "devDependencies"):
        if manifest_deps(manifest, key):
            root[key] = manifest_deps(manifest, key)
    packages: Json = {"": root}
    packages.update({loc: lock_entry(p) for loc, p in tree.items()})
    head: Json = {k: manifest[k] for k in ("name", "version") if k in manifest}
    return dumps({**head, "lockfileVersion": 3, "requires": True, "packages": packages})


@dataclass(frozen=True, slots=True)
class Lock:
    version: int
    """lockfileVersion: 1 (npm 5/6, a nested `dependencies` tree), 2 or 3 (flat `packages`)."""
    packages: dict[str, Json]


def read_lock(proc: Process, path: str) -> Lock | None:
    text = read_text(proc.fs, path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    version = data.get("lockfileVersion")
    version = version if isinstance(version, int) else 1
    packages = data.get("packages")
    if isinstance(packages, dict) and version >= 2:
        return Lock(version, {str(k): v for k, v in packages.items() if isinstance(v, dict)})
    # A v1 lockfile: what npm 7+ reads from it is the same map of locations, built from the
    # nested `dependencies` objects (each level a `node_modules` folder).
    flat: dict[str, Json] = {"": {k: data[k] for k in ("name", "version") if k in data}}
    pending: list[tuple[str, object]] = [("", data.get("dependencies"))]
    while pending:
        parent, deps = pending.pop()
        if not isinstance(deps, dict):
            continue
        for name, entry in deps.items():
            if not isinstance(entry, dict):
                continue
            loc = f"{parent}node_modules/{name}"
            flat[loc] = {k: v for k, v in entry.items() if k != "dependencies"}
            pending.append((loc + "/", entry.get("dependencies")))
    return Lock(1, flat)


def lock_packages(lock: Lock | None) -> dict[str, Json]:
    return lock.packages if lock is not None else {}


def tree_from_lock(index: Index, packages: Mapping[str, Json]) -> dict[str, Placed]:
    tree: dict[str, Placed] = {}
    for loc, entry in packages.items():
        if not loc.startswith("node_modules/"):
            continue
        if entry.get("link") or entry.get("bundled") or entry.get("inBundle"):
            continue  # a workspace link, or a package inside its parent's tarball
        name = str(entry.get("name") or loc.rsplit("node_modules/", 1)[1])
        version = str(entry.get("version", ""))
        if version.startswith("npm:"):  # an alias: `"version": "npm:string-width@4.2.3"`
            name, version = split_spec(version[4:])
        manifest = find(index, name, version)
        if manifest is None:
            raise Unresolvable(name, str(entry.get("version", "")))
        tree[loc] = Placed(loc, manifest, bool(entry.get("dev")))
    return tree


# -- writing to disk ------------------------------------------------------------------------


def package_json(m: Manifest) -> str:
    data: Json = {"name": m.name, "description": m.pkg.description, "version": m.version,
                  "license": m.license}
    main = next((f for f in m.pkg.files if f.endswith(".js")), "index.js").split(":")[0]
    data["main"] = main
    if m.dependencies:
        data["dependencies"] = m.dependencies
    if m.bins:
        data["bin"] = m.bins
    if m.funding:
        data["funding"] = {"url": m.funding}
    return dumps(data)


def unpack(proc: Process, project: str, placed: Placed) -> None:
    m = placed.manifest
    folder = posixpath.join(project, placed.location)
    meta = package_json(m)
    files = m.pkg.files or ("index.js",)
    inner = replace(m.pkg, files=tuple(f"{folder}/{f}" for f in files))
    for path, node in file_plan(inner, max(0, m.pkg.size - len(meta))):
        if any(path.endswith("/" + p.removeprefix("./")) for p in m.bins.values()):
            # A command: a node script, so that the shell finds its interpreter by its `#!`.
            node = Node("file", 0o755, content=Data(script_text(path, node.size)))
        put_file(proc.fs, path, node)
    write_text(proc.fs, f"{folder}/package.json", meta)


def script_text(seed: str, size: int) -> bytes:
    """A node script of `size` bytes: its `#!` line, then deterministic text."""
    head = b"#!/usr/bin/env node\n'use strict'\n"
    line = hashlib.sha256(seed.encode()).hexdigest().encode()
    filler = b"".join(b"// " + line + b"\n" for _ in range(max(0, size - len(head)) // 68 + 1))
    return head + filler[: max(0, size - len(head))]


def link_bins(proc: Process, project: str, tree: Mapping[str, Placed]) -> None:
    for loc, placed in tree.items():
        if loc.count("node_modules/") != 1:
            continue
        for cmd, path in placed.manifest.bins.items():
            put_file(proc.fs, f"{project}/node_modules/.bin/{cmd}",
                     symlink(f"../{placed.manifest.name}/{path}"))


def home(proc: Process) -> str:
    return proc.env.get("HOME") or ("/root" if proc.uid == 0 else "/")


def cache_tarballs(proc: Process, manifests: list[Manifest]) -> None:
    """What pacote leaves in `~/.npm/_cacache`: each tarball under its integrity, an index
    entry keyed by URL, and the packument (the registry's document for the name)."""
    cache = f"{home(proc)}/.npm/_cacache"
    for m in manifests:
        content = hashlib.sha512(f"{m.name}@{m.version}".encode()).hexdigest()
        put_file(proc.fs, f"{cache}/content-v2/sha512/{content[:2]}/{content[2:4]}/{content[4:]}",
                 Node("file", 0o644, content=Synthetic(m.pkg.download, m.tarball)))
        for key, size in ((m.tarball, 0), (f"{REGISTRY}/{m.name}", 2_000 + 40 * len(m.name))):
            entry = hashlib.sha256(f"make-fetch-happen:request-cache:{key}".encode()).hexdigest()
            put_file(proc.fs, f"{cache}/index-v5/{entry[:2]}/{entry[2:4]}/{entry[4:]}",
                     Node("file", 0o644, content=Synthetic(size or 420, key)))
            if size:
                digest = hashlib.sha512(key.encode()).hexdigest()
                put_file(proc.fs, f"{cache}/content-v2/sha512/{digest[:2]}/{digest[2:4]}/"
                         f"{digest[4:]}", Node("file", 0o644, content=Synthetic(size * 4, key)))


def _stamp(proc: Process) -> str:
    moment = time.gmtime(now_of(proc))
    millis = int((proc.seconds % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H_%M_%S", moment) + f"_{millis:03d}Z"


def write_log(proc: Process, lines: list[str]) -> str:
    path = f"{home(proc)}/.npm/_logs/{_stamp(proc)}-debug-0.log"
    body = [f"{n} verbose cli /usr/local/bin/node /usr/local/bin/npm" if n == 0 else
            f"{n} {line}" for n, line in enumerate(["", *lines])]
    write_text(proc.fs, path, "\n".join(body) + "\n")
    return path


def bundled_version(proc: Process) -> str:
    text = read_text(proc.fs, BUNDLED_NPM) or "{}"
    try:
        value = json.loads(text).get("version", "10.8.2")
    except json.JSONDecodeError:
        value = "10.8.2"
    return str(value)


def update_notice(proc: Process, index: Index) -> None:
    """The new-version banner npm's update notifier prints once a week (so: in every fresh
    container) when the registry has a newer npm than the running one."""
    mine = bundled_version(proc)
    latest = next((w[1] for w in index.meta_lines("latest") if w[0] == "npm"), mine)
    if (parse_version(latest) or (0, 0, 0)) <= (parse_version(mine) or (0, 0, 0)):
        return
    kind = "major" if latest.split(".")[0] != mine.split(".")[0] else "minor" if (
        latest.split(".")[1] != mine.split(".")[1]) else "patch"
    proc.err(
        "npm notice\n"
        f"npm notice New {kind} version of npm available! {mine} -> {latest}\n"
        f"npm notice Changelog: https://github.com/npm/cli/releases/tag/v{latest}\n"
        f"npm notice To update run: npm install -g npm@{latest}\n"
        "npm notice\n"
    )
    write_text(proc.fs, f"{home(proc)}/.npm/_update-notifier-last-checked", "")


# -- output ---------------------------------------------------------------------------------


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(seconds: float) -> str:
    """The `ms` package's short form, as npm prints the time an install took."""
    millis = round(seconds * 1000)
    if millis < 1000:
        return f"{millis}ms"
    if millis < 60_000:
        return f"{round(millis / 1000)}s"
    return f"{round(millis / 60_000)}m"


@dataclass
class Change:
    added: int = 0
    removed: int = 0
    changed: int = 0
    audited: int = 0
    funding: int = 0


def summary(change: Change, seconds: float, fund: bool = True, audit: bool = True) -> str:
    parts = []
    if change.added:
        parts.append(f"added {plural(change.added, 'package')}")
    if change.removed:
        parts.append(f"removed {plural(change.removed, 'package')}")
    if change.changed:
        parts.append(f"changed {plural(change.changed, 'package')}")
    head = ", ".join(parts) if parts else "up to date"
    if audit:
        joiner = ", and " if parts else ", "
        head += f"{joiner}audited {plural(change.audited, 'package')}"
    text = f"\n{head} in {duration(seconds)}\n"
    if fund and change.funding:
        verb = "is" if change.funding == 1 else "are"
        text += (f"\n{plural(change.funding, 'package')} {verb} looking for funding\n"
                 "  run `npm fund` for details\n")
    if audit:
        text += "\nfound 0 vulnerabilities\n"
    return text


def fail(proc: Process, code: str | None, lines: list[str]) -> int:
    """npm's error block on stderr, ending with the debug log it leaves behind; exit 1."""
    body = [f"code {code}", *lines] if code else lines
    log = write_log(proc, [f"error {line}" for line in body])
    proc.err("".join(f"npm error {line}".rstrip() + "\n" for line in body))
    proc.err(f"npm error A complete log of this run can be found in: {log}\n")
    return 1


def not_found(proc: Process, name: str, spec: str) -> int:
    shown = f"{name}@{spec or '*'}"
    return fail(proc, "E404", [
        f"404 Not Found - GET {REGISTRY}/{name.replace('/', '%2f')} - Not found",
        "404",
        f"404  '{shown}' is not in this registry.",
        "404",
        "404 Note that you can also install from a",
        "404 tarball, folder, http url, or git url.",
    ])


def no_target(proc: Process, name: str, spec: str) -> int:
    return fail(proc, "ETARGET", [
        f"notarget No matching version found for {name}@{spec}.",
        "notarget In most cases you or one of your dependencies are requesting",
        "notarget a package version that doesn't exist.",
    ])


# -- the commands ---------------------------------------------------------------------------


@dataclass
class Options:
    command: str = ""
    args: list[str] = field(default_factory=list)
    omit_dev: bool = False
    save_dev: bool = False
    save_exact: bool = False
    force: bool = False
    fund: bool = True
    audit: bool = True
    global_: bool = False
    production_flag: bool = False
    silent: bool = False


_ALIASES = {"i": "install", "add": "install", "in": "install", "ins": "install",
            "isntall": "install", "clean-install": "ci", "ic": "ci", "install-clean": "ci",
            "run-script": "run", "rum": "run", "urn": "run", "t": "test", "tst": "test",
            "uninstall": "uninstall", "rm": "uninstall", "r": "uninstall", "un": "uninstall",
            "remove": "uninstall"}


def parse_args(argv: list[str], env: Mapping[str, str]) -> Options:
    opts = Options(omit_dev=env.get("NODE_ENV") == "production")
    args = iter(argv[1:])
    for arg in args:
        if arg == "--":
            opts.args.extend(args)
            break
        if arg in ("--omit=dev", "--only=prod", "--only=production"):
            opts.omit_dev = True
        elif arg == "--omit":
            opts.omit_dev = next(args, "") == "dev" or opts.omit_dev
        elif arg in ("--production", "--prod"):
            opts.omit_dev = opts.production_flag = True
        elif arg in ("--include=dev", "--production=false"):
            opts.omit_dev = False
        elif arg in ("-D", "--save-dev"):
            opts.save_dev = True
        elif arg in ("-E", "--save-exact"):
            opts.save_exact = True
        elif arg in ("-f", "--force"):
            opts.force = True
        elif arg == "--no-fund":
            opts.fund = False
        elif arg == "--no-audit":
            opts.audit = False
        elif arg in ("-g", "--global"):
            opts.global_ = True
        elif arg in ("-s", "--silent", "--loglevel=silent", "-q", "--quiet"):
            opts.silent = True
        elif arg.startswith("-") and opts.command != "run":
            continue
        elif not opts.command:
            opts.command = _ALIASES.get(arg, arg)
        else:
            opts.args.append(arg)
    return opts


@program("node", "nodejs")
def node(proc: Process) -> int:
    """Only what the package managers need from `node`: running their own CLI scripts (the
    `npm` symlink reaches `npm-cli.js` through `#!/usr/bin/env node`). Running applications is
    the container runtime's job."""
    script, real = "", ""
    if len(proc.argv) > 1 and not proc.argv[1].startswith("-"):
        try:  # node runs a symlinked script by its real path, as `require.main` shows
            real = proc.fs.resolve(proc.argv[1], proc.cwd)
            script = posixpath.basename(real)
        except FsError:
            script = posixpath.basename(proc.argv[1])
    target = CLI_SCRIPTS.get(script)
    if target is not None:
        proc.argv = [script.split("-cli")[0].removesuffix(".js"), *proc.argv[2:]]
        return target(proc)
    if proc.argv[1:2] in (["-v"], ["--version"]):
        proc.out(f"v{proc.env.get('NODE_VERSION', '20.18.3')}\n")
        return 0
    if "/node_modules/" in real and real in proc.fs:
        # An installed package's command (tsc, vite, jest, a stand-in's cli.js): build tools
        # leave their conventional output (jsbuild.py); every command finishes with status 0.
        return jsbuild.run_tool(proc, real, proc.argv[2:])
    proc.err(f"{proc.argv[0]}: this program cannot run in the simulated engine\n")
    return 126


@program("npm")
def npm(proc: Process) -> int:
    opts = parse_args(proc.argv, proc.env)
    if opts.production_flag:
        proc.err("npm warn config production Use `--omit=dev` instead.\n")
    if opts.command in ("-v", "--version", "version") or "--version" in proc.argv[1:2]:
        proc.out(bundled_version(proc) + "\n")
        return 0
    try:
        if opts.command == "install":
            return install(proc, opts, clean=False)
        if opts.command == "ci":
            return install(proc, opts, clean=True)
        if opts.command in ("run", "start", "test", "stop", "restart"):
            return run_script(proc, opts)
        if opts.command == "cache":
            return cache(proc, opts)
    except ProjectError as exc:
        return fail(proc, exc.code, exc.lines)
    where = posixpath.dirname(BUNDLED_NPM)
    proc.err("\n".join(_USAGE) + f"\n\nnpm@{bundled_version(proc)} {where}\n")
    return 1


def split_spec(spec: str) -> tuple[str, str]:
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1 :])


def _no_registry(proc: Process) -> int:
    return fail(proc, "EAI_AGAIN", [
        "syscall getaddrinfo", "errno EAI_AGAIN",
        f"request to {REGISTRY}/ failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org",
    ])


def check_name(proc: Process, spec: str) -> int | None:
    """npm-package-arg's refusal of a name no registry can hold (EINVALIDPACKAGENAME)."""
    name, wanted = split_spec(spec)
    errors = name_errors(name)
    if not errors:
        return None
    raw = spec if wanted else f"{name}@*"
    return fail(proc, "EINVALIDPACKAGENAME", [
        f'Invalid package name "{name}" of package "{raw}": {"; ".join(errors)}.'])


_OLD_LOCKFILE = [
    "",
    "The package-lock.json file was created with an old version of npm,",
    "so supplemental metadata must be fetched from the registry.",
    "",
    "This is a one-time fix-up, please be patient...",
    "",
]


def install(proc: Process, opts: Options, clean: bool) -> int:
    index = registry_index(proc)
    project = proc.cwd
    if index is None:
        return _no_registry(proc)
    for spec in opts.args:
        refused = check_name(proc, spec)
        if refused is not None:
            return refused
    if opts.global_ and opts.args:
        return install_global(proc, opts, index)
    manifest = read_manifest(proc, required=clean or not opts.args)
    lock_path = posixpath.join(project, "package-lock.json")
    lock = read_lock(proc, lock_path) or read_lock(
        proc, posixpath.join(project, "npm-shrinkwrap.json"))
    if lock is not None and lock.version < 2:
        proc.err("".join(f"npm warn old lockfile{' ' + line if line else ''}\n"
                         for line in _OLD_LOCKFILE))
    if clean:
        if lock is None:
            return _ci_usage(proc)
        missing = _out_of_sync(manifest, lock.packages)
        if missing:
            return fail(proc, "EUSAGE", [
                "`npm ci` can only install packages when your package.json and "
                "package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock "
                "file with `npm install` before continuing.",
                "",
                *missing,
                "",
            ] + _CI_USAGE)
        try:
            tree = tree_from_lock(index, lock.packages)
        except Unresolvable as exc:
            return no_target(proc, exc.name, exc.spec)
        remove_path(proc.fs, posixpath.join(project, "node_modules"))
        on_disk: dict[str, str] = {}
    else:
        locked = {k: str(v.get("version", "")) for k, v in lock_packages(lock).items() if k}
        for spec in opts.args:
            name, wanted = split_spec(spec)
            chosen = pick(index, name, wanted)
            if chosen is None:
                return no_target(proc, name, wanted)
            locked[f"node_modules/{name}"] = chosen.version
            key = "devDependencies" if opts.save_dev else "dependencies"
            other = "dependencies" if opts.save_dev else "devDependencies"
            saved = chosen.version if opts.save_exact else f"^{chosen.version}"
            table = manifest_deps(manifest, key)
            table[name] = saved
            manifest[key] = dict(sorted(table.items()))
            rest = manifest_deps(manifest, other)
            if name in rest:
                del rest[name]
                manifest[other] = rest
        try:
            if lock is not None and not opts.args and not _out_of_sync(manifest, lock.packages):
                # A lockfile that satisfies package.json is the tree npm reifies, with every
                # package it lists (real dependencies of packages resolved by rule included).
                tree = tree_from_lock(index, lock.packages)
            else:
                tree = build_tree(index, manifest_deps(manifest, "dependencies"),
                                  manifest_deps(manifest, "devDependencies"), locked)
        except Unresolvable as exc:
            return no_target(proc, exc.name, exc.spec)
        on_disk = installed_versions(proc, project)
    wanted_tree = {k: p for k, p in tree.items() if not (opts.omit_dev and p.dev)}
    change = apply_tree(proc, project, wanted_tree, on_disk)
    fresh = [p.manifest for loc, p in wanted_tree.items() if on_disk.get(loc) !=
             p.manifest.version]
    proc.spend(0.4 + 0.035 * len(wanted_tree) + sum(m.pkg.download for m in fresh) / LINK_SPEED
               + sum(m.pkg.size for m in fresh) / 200e6)
    cache_tarballs(proc, fresh)
    if opts.args or not clean:
        if opts.args or read_text(proc.fs, posixpath.join(project, "package.json")) is not None:
            write_text(proc.fs, posixpath.join(project, "package.json"), dumps(manifest))
        write_text(proc.fs, lock_path, render_lock(manifest, tree))
    if wanted_tree:
        hidden = render_lock(manifest, wanted_tree)
        data = json.loads(hidden)
        del data["packages"][""]
        write_text(proc.fs, posixpath.join(project, "node_modules/.package-lock.json"),
                   dumps(data))
    change.audited = len(wanted_tree) + 1
    change.funding = sum(1 for p in wanted_tree.values() if p.manifest.funding)
    write_log(proc, [f"verbose title npm {opts.command}", "verbose exit 0",
                     "info ok"])
    if not opts.silent:
        proc.out(summary(change, proc.seconds, fund=opts.fund, audit=opts.audit))
        update_notice(proc, index)
    return 0


def global_prefix(proc: Process) -> str:
    return proc.env.get("NPM_CONFIG_PREFIX") or proc.env.get("npm_config_prefix") or "/usr/local"


def install_global(proc: Process, opts: Options, index: Index) -> int:
    """`npm install -g`: each package in `{prefix}/lib/node_modules/<name>` with its own
    dependencies nested below it (nothing is hoisted between global packages), its commands
    linked into `{prefix}/bin`. Global installs are not audited."""
    prefix = global_prefix(proc)
    lib = f"{prefix}/lib"
    change = Change()
    fresh: list[Manifest] = []
    for spec in opts.args:
        name, wanted = split_spec(spec)
        chosen = pick(index, name, wanted)
        if chosen is None:
            return no_target(proc, name, wanted)
        try:
            tree = build_tree(index, chosen.dependencies, {})
        except Unresolvable as exc:
            return no_target(proc, exc.name, exc.spec)
        folder = f"{lib}/node_modules/{name}"
        existed = f"{folder}/package.json" in proc.fs
        remove_path(proc.fs, folder)
        unpack(proc, lib, Placed(f"node_modules/{name}", chosen, False))
        apply_tree(proc, folder, tree, {})
        for cmd, path in chosen.bins.items():
            put_file(proc.fs, f"{prefix}/bin/{cmd}",
                     symlink(f"../lib/node_modules/{name}/{path.removeprefix('./')}"))
        if existed:
            change.changed += 1
        else:
            change.added += 1
        change.added += len(tree)
        fresh += [chosen, *(p.manifest for p in tree.values())]
        change.funding += sum(1 for m in [chosen, *(p.manifest for p in tree.values())]
                              if m.funding)
    proc.spend(0.4 + 0.035 * len(fresh) + sum(m.pkg.download for m in fresh) / LINK_SPEED
               + sum(m.pkg.size for m in fresh) / 200e6)
    cache_tarballs(proc, fresh)
    write_log(proc, ["verbose title npm install", "verbose exit 0", "info ok"])
    if not opts.silent:
        proc.out(summary(change, proc.seconds, fund=opts.fund, audit=False))
        update_notice(proc, index)
    return 0


def installed_versions(proc: Process, project: str) -> dict[str, str]:
    hidden = lock_packages(read_lock(proc, posixpath.join(project,
                                                          "node_modules/.package-lock.json")))
    return {loc: str(e.get("version", "")) for loc, e in hidden.items()
            if loc and posixpath.join(project, loc, "package.json") in proc.fs}


def apply_tree(
    proc: Process, project: str, tree: Mapping[str, Placed], on_disk: Mapping[str, str]
) -> Change:
    change = Change()
    for loc in on_disk:
        if loc not in tree:
            remove_path(proc.fs, posixpath.join(project, loc))
            change.removed += 1
    for loc, placed in tree.items():
        before = on_disk.get(loc)
        if before == placed.manifest.version:
            continue
        if before is not None:
            remove_path(proc.fs, posixpath.join(project, loc))
            change.changed += 1
        else:
            change.added += 1
        unpack(proc, project, placed)
    link_bins(proc, project, tree)
    return change


def _out_of_sync(manifest: Json, lock: Mapping[str, Json]) -> list[str]:
    """What `npm ci` lists when package.json asks for what the lockfile does not hold: a
    dependency with no entry (`Missing:`) or one whose locked version is outside the range."""
    root = lock.get("", {})
    problems = []
    for key in ("dependencies", "devDependencies", "optionalDependencies"):
        locked = manifest_deps(root, key)
        for name, spec in manifest_deps(manifest, key).items():
            entry = lock.get(f"node_modules/{name}")
            version = str(entry.get("version", "")) if entry else ""
            if not entry:
                problems.append(f"Missing: {name}@{spec} from lock file")
            elif locked.get(name) != spec and semver.is_range(spec) and not (
                    version.startswith("npm:") or satisfies(version, spec)):
                problems.append(f"Invalid: lock file's {name}@{version} does not satisfy "
                                f"{name}@{spec}")
    return problems


_CI_USAGE = [
    "Clean install a project",
    "",
    "Usage:",
    "npm ci",
    "",
    "Options:",
    "[--install-strategy <hoisted|nested|shallow|linked>] [--legacy-bundling]",
    "[--global-style] [--omit <dev|optional|peer> [--omit <dev|optional|peer> ...]]",
    "[--include <prod|dev|optional|peer> [--include <prod|dev|optional|peer> ...]]",
    "[--strict-peer-deps] [--foreground-scripts] [--ignore-scripts] [--no-audit]",
    "[--no-bin-links] [--no-fund] [--dry-run]",
    "[-w|--workspace <workspace-name> [-w|--workspace <workspace-name> ...]]",
    "[-ws|--workspaces] [--include-workspace-root] [--install-links]",
    "",
    "aliases: clean-install, ic, install-clean, isntall-clean",
    "",
    'Run "npm help ci" for more info',
]


def _ci_usage(proc: Process) -> int:
    return fail(proc, "EUSAGE", [
        "The `npm ci` command can only install with an existing package-lock.json or",
        "npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with npm@5 or",
        "later to generate a package-lock.json file, then try again.",
        "",
    ] + _CI_USAGE)


def run_script(proc: Process, opts: Options) -> int:
    manifest = read_manifest(proc, required=True)
    name = opts.command if opts.command != "run" else (opts.args[0] if opts.args else "")
    extra = opts.args if opts.command != "run" else opts.args[1:]
    scripts = manifest.get("scripts")
    table = {str(k): str(v) for k, v in scripts.items()} if isinstance(scripts, dict) else {}
    if not name:
        for key, value in table.items():
            proc.out(f"  {key}\n    {value}\n")
        return 0
    command = table.get(name)
    if command is None and name == "start" and posixpath.join(proc.cwd, "server.js") in proc.fs:
        command = "node server.js"
    if command is None:
        return fail(proc, None, [f'Missing script: "{name}"', "", "To see a list of scripts, run:",
                                 "  npm run"])
    if extra:
        command += " " + " ".join(extra)
    who = "@".join(str(manifest[k]) for k in ("name", "version") if k in manifest)
    if not opts.silent:
        proc.out(f"\n> {who + ' ' if who else ''}{name}\n> {command}\n\n")
    saved = dict(proc.env)
    bin_dir = posixpath.join(proc.cwd, "node_modules/.bin")
    proc.env.update({"PATH": f"{bin_dir}:{saved.get('PATH', '')}", "npm_lifecycle_event": name,
                     "npm_lifecycle_script": command})
    try:
        status = run_child(proc, ["sh", "-c", command])
    finally:
        proc.env.clear()
        proc.env.update(saved)
    if status:  # the lifecycle script failed: npm says so and exits with its status
        fail(proc, str(status), [f"path {proc.cwd}", "command failed",
                                 f"command sh -c {command}"])
    return status


def cache(proc: Process, opts: Options) -> int:
    sub = opts.args[0] if opts.args else ""
    if sub not in ("clean", "clear", "rm"):
        return fail(proc, "EUSAGE", ["Manipulates packages cache", "", "Usage:",
                                     "npm cache add <package-spec>", "npm cache clean [<key>]"])
    if not opts.force:
        return fail(proc, None, _CACHE_REFUSAL)
    proc.err("npm warn using --force Recommended protections disabled.\n")
    remove_path(proc.fs, f"{home(proc)}/.npm/_cacache")
    proc.spend(0.2)
    return 0


_CACHE_REFUSAL = [
    "As of npm@5, the npm cache self-heals from corruption issues",
    "by treating integrity mismatches as cache misses.  As a result,",
    "data extracted from the cache is guaranteed to be valid.  If you",
    "want to make sure everything is consistent, use `npm cache verify`",
    "instead.  Deleting the cache can only make npm go slower, and is",
    "not likely to correct any problems you may be encountering!",
    "",
    "On the other hand, if you're debugging an issue with the installer,",
    "or race conditions that depend on the timing of writing to an empty",
    "cache, you can use `npm install --cache /tmp/empty-cache` to use a",
    "temporary cache instead of nuking the actual one.",
    "",
    "If you're sure you want to delete the entire cache, rerun this command",
    "with --force.",
]

_USAGE = [
    "npm <command>",
    "",
    "Usage:",
    "",
    "npm install        install all the dependencies in your project",
    "npm install <foo>  add the <foo> dependency to your project",
    "npm test           run this project's tests",
    "npm run <foo>      run the script named <foo>",
    "npm <command> -h   quick help on <command>",
    "npm -l             display usage info for all commands",
    "npm help <term>    search for help on <term>",
    "npm help npm       more involved overview",
]

@program("npx")
def npx(proc: Process) -> int:
    """`npx <pkg>[@range] [args]`: run a command from the project's `node_modules/.bin` or the
    PATH; otherwise install the package into npx's cache (`~/.npm/_npx/<hash>`) first, which
    without a terminal to ask on npm 7+ does after a warning, and run its command."""
    args = proc.argv[1:]
    if args[:1] in (["-v"], ["--version"]):  # npx is npm's: it reports npm's version
        proc.out(bundled_version(proc) + "\n")
        return 0
    packages: list[str] = []
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag in ("-p", "--package") and args:
            packages.append(args.pop(0))
        elif flag.startswith("--package="):
            packages.append(flag.split("=", 1)[1])
    if not args:
        return fail(proc, None, ["npx: missing command"])
    spec, rest = args[0], args[1:]
    name, _ = split_spec(spec)
    command = name.rsplit("/", 1)[-1]
    bin_dir = posixpath.join(proc.cwd, "node_modules/.bin")
    path = f"{bin_dir}:{proc.env.get('PATH', '')}"
    on_path = any(posixpath.join(d, command) in proc.fs for d in path.split(":") if d)
    if not packages and on_path:
        return _run_with_path(proc, [command, *rest], path)
    index = registry_index(proc)
    if index is None:
        return _no_registry(proc)
    wanted = packages or [spec]
    for item in wanted:
        refused = check_name(proc, item)
        if refused is not None:
            return refused
    chosen: list[Manifest] = []
    for item in wanted:
        pkg_name, pkg_range = split_spec(item)
        manifest = pick(index, pkg_name, pkg_range)
        if manifest is None:
            return no_target(proc, pkg_name, pkg_range)
        chosen.append(manifest)
    key = hashlib.sha512(" ".join(sorted(wanted)).encode()).hexdigest()[:16]
    folder = f"{home(proc)}/.npm/_npx/{key}"
    if f"{folder}/node_modules/{chosen[0].name}/package.json" not in proc.fs:
        listed = ", ".join(f"{m.name}@{m.version}" for m in chosen)
        word = "package was" if len(chosen) == 1 else "packages were"
        proc.err(f"npm warn exec The following {word} not found and will be installed: "
                 f"{listed}\n")
        wanted_deps = {m.name: m.version for m in chosen}
        try:
            tree = build_tree(index, wanted_deps, {})
        except Unresolvable as exc:
            return no_target(proc, exc.name, exc.spec)
        write_text(proc.fs, f"{folder}/package.json", dumps({"dependencies": wanted_deps}))
        apply_tree(proc, folder, tree, {})
        fresh = [p.manifest for p in tree.values()]
        proc.spend(0.4 + sum(m.pkg.download for m in fresh) / LINK_SPEED)
        cache_tarballs(proc, fresh)
    bins = chosen[0].bins
    run = command if packages or command in bins or len(bins) != 1 else next(iter(bins))
    return _run_with_path(proc, [run, *rest], f"{folder}/node_modules/.bin:{path}")


def _run_with_path(proc: Process, argv: list[str], path: str) -> int:
    saved = dict(proc.env)
    proc.env["PATH"] = path
    try:
        return run_child(proc, argv)
    finally:
        proc.env.clear()
        proc.env.update(saved)


CLI_SCRIPTS: dict[str, Program] = {"npm-cli.js": npm, "npx-cli.js": npx}
"""Scripts `node` runs as a simulated program (yarn registers its own)."""
