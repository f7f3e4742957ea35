"""`go` 1.22.12: `build`, `mod download|init|tidy`, `get`, `version` against the module proxy.

Modules come from `assets/packages/go.txt`, or by rule (`lookup`, docs/package-simulation.md)
for any plausible module path and version; the module cache (`$GOPATH/pkg/mod`) and the build
cache (`$GOCACHE`, default `~/.cache/go-build`) fill up as they do for real, which is why a
`RUN go mod download` layer is worth caching on its own. Nothing is compiled: `go build` writes a
deterministic stand-in for the linked program. Its bytes derive from everything the real output
depends on (sources, module versions, GOOS/GOARCH, cgo, -ldflags, -trimpath), its size from what
it imports, and it is shaped like a Go executable:

    ELF header (`\\x7fELF`, EM_X86_64 or EM_AARCH64) | Go build info (`\\xff Go buildinf:`, the
    Go version, then the `path/mod/dep/build` lines `go version -m` prints) | manifest | filler

The manifest is what the container runtime needs to play the program, a JSON object between
`MANIFEST_START` and `MANIFEST_END`:

    {"go": "go1.22.12", "module": "example.com/app", "package": "example.com/app",
     "goos": "linux", "goarch": "amd64", "static": true, "interpreter": null,
     "listen": ":8080", "response": "Hello\\n", "stdout": "starting\\n"}

`interpreter` is the dynamic loader a cgo-enabled build that uses the `net` package needs
(absent in `scratch`); `listen`/`response`/`stdout` are read from `main` when trivially
detectable (`http.ListenAndServe(":8080", …)`, gin's `r.Run()`, `fmt.Fprint(w, "…")`,
`w.Write([]byte("…"))`, `c.String(200, "…")`, `fmt.Println("…")`) and null/empty otherwise.
A non-main package built with `-o` is written as a Go archive (`!<arch>`), as the real tool does.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import posixpath
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from tutor.engine.fs import Data, FsError, Node, Synthetic
from tutor.engine.sh._api import Process, program
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
    write_text,
)

GO_VERSION = "1.22.12"
GOROOT = "/usr/local/go"
PROXY = "https://proxy.golang.org"
MANIFEST_START = b"\x00TUTOR-GO-MANIFEST\x00"
MANIFEST_END = b"\x00/TUTOR-GO-MANIFEST\x00"
RUNTIME_SIZE = 1_450_000
COMPILE_SPEED = 0.9e6
"""Bytes of linked output a cold build compiles per simulated second (stdlib included)."""
_MACHINES = {"amd64": 0x3E, "arm64": 0xB7, "386": 0x03, "arm": 0x28}
_LOADERS = {
    ("glibc", "amd64"): "/lib64/ld-linux-x86-64.so.2",
    ("glibc", "arm64"): "/lib/ld-linux-aarch64.so.1",
    ("musl", "amd64"): "/lib/ld-musl-x86_64.so.1",
    ("musl", "arm64"): "/lib/ld-musl-aarch64.so.1",
}


class GoError(Exception):
    """A failure the go command reports on stderr (already worded) before exiting 1."""


# -- versions and the module graph ------------------------------------------------------------


def version_key(version: str) -> tuple[int, int, int, int, str]:
    """Semantic-version order, pseudo-versions (`v0.0.0-2022…-abc`) being pre-releases."""
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?(?:\+.*)?", version)
    if match is None:
        return (-1, 0, 0, 0, version)
    pre = match[4]
    return (int(match[1]), int(match[2]), int(match[3]), 0 if pre is not None else 1, pre or "")


@dataclass(frozen=True, slots=True)
class GoMod:
    path: str
    """The directory holding go.mod (the module root)."""
    module: str
    go: str
    requires: dict[str, str]
    indirect: frozenset[str] = frozenset()


def parse_gomod(text: str, root: str) -> GoMod:
    module, go = "", ""
    requires: dict[str, str] = {}
    indirect: set[str] = set()
    block = ""
    for raw in text.splitlines():
        line, _, comment = raw.partition("//")
        words = line.split()
        if not words:
            continue
        if words == [")"]:
            block = ""
            continue
        if len(words) == 2 and words[1] == "(":
            block = words[0]
            continue
        if block:
            words = [block, *words]
        if words[0] == "module" and len(words) > 1:
            module = words[1].strip('"')
        elif words[0] == "go" and len(words) > 1:
            go = words[1]
        elif words[0] == "require" and len(words) >= 3:
            requires[words[1]] = words[2]
            if "indirect" in comment:
                indirect.add(words[1])
    return GoMod(root, module, go, requires, frozenset(indirect))


def _find_gomod(proc: Process) -> GoMod:
    current = posixpath.normpath(proc.cwd)
    while True:
        text = read_text(proc.fs, posixpath.join(current, "go.mod"))
        if text is not None:
            return parse_gomod(text, current)
        if current == "/":
            raise GoError(
                "go: go.mod file not found in current directory or any parent directory; "
                "see 'go help modules'"
            )
        current = posixpath.dirname(current)


def _module(index: Index, path: str, version: str) -> Package:
    found = lookup(index, path, version)
    if found is None:
        problem = version_problem(path, version)
        if problem:
            raise GoError(f"go: {path}@{version}: invalid version: {problem}")
        raise GoError(
            f"go: {path}@{version}: reading {PROXY}/{escape(path)}/@v/{version}.mod: "
            f"404 Not Found\n\tserver response: not found: {path}@{version}: invalid version: "
            f"unknown revision {version}"
        )
    return found


_MAJOR_SUFFIX = re.compile(r"/v([2-9]|[1-9]\d+)$")


def version_problem(path: str, version: str) -> str:
    """Why `version` cannot be a version of module `path` (semantic import versioning), or ''."""
    match = re.fullmatch(r"v(\d+)\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(\+incompatible)?", version)
    if match is None:
        return "unknown revision " + version
    major = int(match[1])
    suffix = _MAJOR_SUFFIX.search(path) or re.search(r"\.v(\d+)$", path)
    if suffix:
        if major != int(suffix[1]):
            return f"should be v{suffix[1]}, not v{major}"
    elif major >= 2 and not match[2]:
        return f"should be v0 or v1, not v{major}"
    return ""


def lookup(index: Index, path: str, version: str) -> Package | None:
    """`path@version` as the proxy serves it: the catalogue's line, else a stand-in by rule
    (docs/package-simulation.md): an older release of a catalogued module (without its
    requirements: the main module's go.mod lists what the build needs), or any module on a
    host-like path at a plausible version."""
    known = sorted(index.versions(path), key=lambda p: version_key(p.version))
    exact = next((p for p in known if p.version == version), None)
    if exact is not None:
        return exact
    if version_problem(path, version) or version_key(version)[0] < 0:
        return None
    if known:
        if version_key(version) > version_key(known[-1].version):
            return None
        base = next((p for p in known if version_key(p.version) >= version_key(version)),
                    known[-1])
        return Package(path, version, base.download, base.size,
                       tuple(d for d in base.deps if d.startswith("!")), base.files, "")
    if "." not in path.split("/")[0] or not standin.plausible_major(version_key(version)[0]):
        return None
    download, size = standin.sizes("go", path, 8_000, 2_000_000)
    leaf = re.sub(r"\W", "_", _MAJOR_SUFFIX.sub("", path).rsplit("/", 1)[-1]) or "module"
    return Package(path, version, download, size, (standin.STANDIN_MARK, f"!link={size // 8}"),
                   ("go.mod", f"{leaf}.go", "README.md", "LICENSE:1.1K"), "")


def newest_version(index: Index, path: str) -> str:
    """The version `go get path` (or `@latest`) picks: the catalogue's newest, else by rule."""
    known = [p.version for p in index.versions(path)]
    if known:
        return max(known, key=version_key)
    major, minor, patch = standin.guessed_latest("go", path)
    suffix = _MAJOR_SUFFIX.search(path)
    if suffix:
        major = int(suffix[1])
    elif path.startswith("gopkg.in/") and re.search(r"\.v(\d+)$", path):
        major = int(re.search(r"\.v(\d+)$", path)[1])  # type: ignore[index]
    else:
        major = major % 2  # without a /vN suffix a module is v0 or v1
    return f"v{major}.{minor}.{patch}"


def module_of(index: Index, path: str, required: Mapping[str, str] | None = None) -> str | None:
    """The module that provides package `path`: a required or catalogued module whose path is
    its longest prefix, else by the hosting conventions (`github.com/owner/repo[/vN]`,
    `golang.org/x/name`, `gopkg.in/name.vN`, otherwise the first three elements)."""
    pool = list(required or {}) + list(index.packages)
    owner = max((m for m in pool if path == m or path.startswith(m + "/")), key=len,
                default=None)
    if owner is not None:
        return owner
    parts = path.split("/")
    if "." not in parts[0]:
        return None
    size = 2 if parts[0] == "gopkg.in" else 3
    if len(parts) > size and re.fullmatch(r"v([2-9]|[1-9]\d+)", parts[size]):
        size += 1
    return "/".join(parts[:size])


def _requirement(token: str) -> tuple[str, str]:
    path, _, version = token.lstrip("+?").partition("@")
    return path, version


def select(index: Index, roots: Mapping[str, str]) -> dict[str, str]:
    """Minimal version selection over the pruned graph: every requirement of a module in the
    graph counts, but test-only (`?`) requirements are not followed further."""
    chosen = dict(roots)
    pending = list(roots.items())
    seen: set[tuple[str, str]] = set()
    while pending:
        path, version = pending.pop()
        if (path, version) in seen:
            continue
        seen.add((path, version))
        pkg = lookup(index, path, version)
        for token in pkg.deps if pkg else ():
            if token.startswith("!"):
                continue
            dep, dep_version = _requirement(token)
            if version_key(dep_version) > version_key(chosen.get(dep, "v0.0.0-0")):
                chosen[dep] = dep_version
            if not token.startswith("?"):
                pending.append((dep, dep_version))
    return dict(sorted(chosen.items()))


def imported_closure(
    index: Index, chosen: Mapping[str, str], direct: list[str], all_tags: bool = False
) -> list[str]:
    """The modules whose packages a build compiles, in the order go reports downloading them;
    `all_tags` adds those imported under other build tags, as `go mod tidy` considers."""
    order: list[str] = []
    queue = list(direct)
    while queue:
        path = queue.pop(0)
        if path in order or path not in chosen:
            continue
        order.append(path)
        pkg = _module(index, path, chosen[path])
        tokens = [*pkg.requires(), *(pkg.prefixed("+") if all_tags else ())]
        queue.extend(_requirement(t)[0] for t in tokens)
    return order


def _link_size(pkg: Package) -> int:
    sizes = [parse_size(f.split("=", 1)[1]) for f in pkg.flags if f.startswith("link=")]
    return sizes[0] if sizes else pkg.size // 10


# -- the module cache -----------------------------------------------------------------------


def escape(path: str) -> str:
    """The module cache's case encoding: `BurntSushi` → `!burnt!sushi`."""
    return re.sub(r"[A-Z]", lambda m: "!" + m[0].lower(), path)


def _env(proc: Process, key: str) -> str:
    home = proc.env.get("HOME") or "/root"
    defaults = {
        "GOPATH": f"{home}/go",
        "GOCACHE": f"{home}/.cache/go-build",
        "GOOS": "linux",
        "GOARCH": _host_arch(proc),
    }
    value = proc.env.get(key) or defaults.get(key, "")
    if key == "GOMODCACHE" and not value:
        value = _env(proc, "GOPATH").split(":")[0] + "/pkg/mod"
    return value


def _host_arch(proc: Process) -> str:
    names = list_dir(proc.fs, f"{GOROOT}/pkg/tool")
    return next((n.split("_", 1)[1] for n in names if n.startswith("linux_")), "amd64")


def _cached(proc: Process, path: str, version: str) -> bool:
    base = f"{_env(proc, 'GOMODCACHE')}/cache/download/{escape(path)}/@v/{version}"
    return f"{base}.zip" in proc.fs


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def download(proc: Process, index: Index, modules: Mapping[str, str], announce: bool) -> None:
    """Fetch module zips into the cache and extract them (read-only, as go leaves them)."""
    cache = _env(proc, "GOMODCACHE")
    fetched = 0
    for path, version in modules.items():
        if _cached(proc, path, version):
            continue
        if proc.world is None:
            raise GoError(f'go: {path}@{version}: Get "{PROXY}/{escape(path)}/@v/{version}.mod": '
                          "dial tcp: lookup proxy.golang.org on 127.0.0.11:53: no such host")
        pkg = _module(index, path, version)
        if announce:
            proc.err(f"go: downloading {path} {version}\n")
        folder = f"{cache}/cache/download/{escape(path)}/@v"
        write_text(proc.fs, f"{folder}/{version}.info",
                   json.dumps({"Version": version, "Time": "2024-05-07T03:41:57Z"}) + "\n")
        write_text(proc.fs, f"{folder}/{version}.mod", _gomod_text(pkg))
        write_text(proc.fs, f"{folder}/{version}.ziphash", f"h1:{_hash(path + version)}\n")
        write_text(proc.fs, f"{folder}/list", f"{version}\n")
        put_file(proc.fs, f"{folder}/{version}.zip",
                 Node("file", 0o644, content=Synthetic(pkg.download, f"{path}@{version}.zip")))
        root = f"{cache}/{escape(path)}@{version}"
        inner = Package(pkg.name, version, pkg.download, pkg.size, (),
                        tuple(f"{root}/{f}" for f in pkg.files or ("go.mod",)), "")
        for file_path, node in file_plan(inner):
            put_file(proc.fs, file_path, Node("file", 0o444, content=node.content))
        fetched += pkg.download
    proc.spend(fetched / LINK_SPEED + 0.05 * len(modules))


def _gomod_text(pkg: Package) -> str:
    lines = [f"module {pkg.name}", "", "go 1.18", ""]
    reqs = [_requirement(t) for t in pkg.deps if not t.startswith("!")]
    if reqs:
        lines += ["require (", *(f"\t{p} {v}" for p, v in reqs), ")", ""]
    return "\n".join(lines)


# -- reading the main module's packages -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoFile:
    name: str
    package: str
    imports: tuple[tuple[str, int, int], ...]
    """(import path, line, column of its opening quote)."""
    text: str


@dataclass(frozen=True, slots=True)
class GoPackage:
    directory: str
    import_path: str
    files: tuple[GoFile, ...]

    @property
    def name(self) -> str:
        return self.files[0].package

    def imports(self) -> Iterator[tuple[str, str, int, int]]:
        for f in self.files:
            for path, line, col in f.imports:
                yield path, f.name, line, col


_IMPORT_SPEC = re.compile(r'(?:[\w.]+\s+)?("[^"\n]*"|`[^`]*`)')


def parse_go_file(name: str, text: str) -> GoFile:
    package = ""
    match = re.search(r"^\s*package\s+(\w+)", text, re.M)
    if match:
        package = match[1]
    imports: list[tuple[str, int, int]] = []
    for block in re.finditer(r"^import\s*(\((?:[^)]*)\)|[^\n]*)", text, re.M):
        for spec in _IMPORT_SPEC.finditer(block[1]):
            offset = block.start(1) + spec.start(1)
            line = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
            imports.append((spec[1][1:-1], line, col))
    return GoFile(name, package, tuple(imports), text)


def load_package(proc: Process, mod: GoMod, directory: str) -> GoPackage | None:
    try:
        names = proc.fs.listdir(proc.fs.resolve(directory))
    except FsError:
        return None
    files = []
    for name in names:
        if name.endswith(".go") and not name.endswith("_test.go") and name[0] not in "._":
            text = read_text(proc.fs, posixpath.join(directory, name))
            if text is not None:
                files.append(parse_go_file(name, text))
    if not files:
        return None
    rel = posixpath.relpath(directory, mod.path)
    import_path = mod.module if rel == "." else f"{mod.module}/{rel}"
    return GoPackage(directory, import_path, tuple(files))


def _package_dirs(proc: Process, mod: GoMod, pattern: str) -> list[str]:
    base = posixpath.normpath(posixpath.join(proc.cwd, pattern.removesuffix("/...")))
    if not pattern.endswith("/...") and pattern != "...":
        return [base]
    found = []
    for path in proc.fs.walk(proc.fs.resolve(base)) if base in proc.fs else ():
        rel = posixpath.relpath(path, base)
        parts = rel.split("/") if rel != "." else []
        if any(p in ("vendor", "testdata") or p[0] in "._" for p in parts):
            continue
        if parts and f"{path}/go.mod" in proc.fs:
            continue
        node = proc.fs.get(path)
        if node is not None and node.is_dir and any(
            n.endswith(".go") for n in proc.fs.listdir(path)
        ):
            found.append(path)
    return found


def load_packages(proc: Process, mod: GoMod, patterns: list[str]) -> list[GoPackage]:
    packages: list[GoPackage] = []
    for pattern in patterns or ["."]:
        if pattern.startswith(mod.module):
            pattern = "./" + posixpath.relpath(pattern, mod.module)
        dirs = _package_dirs(proc, mod, pattern)
        if pattern.endswith("..."):
            if not dirs:
                proc.err(f'go: warning: "{pattern}" matched no packages\n')
        elif dirs[0] not in proc.fs:
            raise GoError(f"stat {dirs[0]}: directory not found")
        for directory in dirs:
            pkg = load_package(proc, mod, directory)
            if pkg is None:
                if not pattern.endswith("..."):
                    raise GoError(f"no Go files in {directory}")
                continue
            names = sorted({f.package for f in pkg.files})
            if len(names) > 1:
                first = {n: next(f.name for f in pkg.files if f.package == n) for n in names}
                raise GoError(
                    f"found packages {names[0]} ({first[names[0]]}) and {names[1]} "
                    f"({first[names[1]]}) in {directory}"
                )
            packages.append(pkg)
    return packages


# -- resolving imports -------------------------------------------------------------------------


@dataclass
class Resolution:
    std: set[str] = field(default_factory=set)
    modules: list[str] = field(default_factory=list)
    """Modules imported directly by the main module's packages, in first-import order."""
    local: list[GoPackage] = field(default_factory=list)


def _std_sizes(index: Index) -> dict[str, int]:
    return {w[0]: parse_size(w[1]) for w in index.meta_lines("std")}


def resolve_imports(
    proc: Process, index: Index, mod: GoMod, roots: list[GoPackage], chosen: Mapping[str, str]
) -> Resolution:
    std = _std_sizes(index)
    result = Resolution()
    queue = list(roots)
    seen = {p.import_path for p in roots}
    while queue:
        pkg = queue.pop(0)
        result.local.append(pkg)
        rel_dir = posixpath.relpath(pkg.directory, proc.cwd)
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for path, name, line, col in pkg.imports():
            where = f"{prefix}{name}:{line}:{col}"
            if mod.module and (path == mod.module or path.startswith(mod.module + "/")):
                if path not in seen:
                    seen.add(path)
                    rel = path[len(mod.module):].lstrip("/")
                    local = load_package(proc, mod, posixpath.join(mod.path, rel))
                    if local is None:
                        raise GoError(f"{where}: no required module provides package {path}; "
                                      f"to add it:\n\tgo get {path}")
                    queue.append(local)
                continue
            if "." not in path.split("/")[0]:
                if path not in std and path != "C":
                    raise GoError(f"{where}: package {path} is not in std "
                                  f"({GOROOT}/src/{path})")
                result.std.add(path)
                continue
            owner = max((m for m in chosen if path == m or path.startswith(m + "/")),
                        key=len, default=None)
            if owner is None and not mod.module:
                raise GoError(f"{where}: no required module provides package {path}: go.mod "
                              "file not found in current directory or any parent directory; "
                              "see 'go help modules'")
            if owner is None:
                raise GoError(f"{where}: no required module provides package {path}; "
                              f"to add it:\n\tgo get {path}")
            if owner not in result.modules:
                result.modules.append(owner)
    return result


def _check_sums(proc: Process, mod: GoMod, index: Index, modules: list[str],
                chosen: Mapping[str, str], direct: list[str], first_import: dict[str, str]) -> None:
    sums = read_text(proc.fs, posixpath.join(mod.path, "go.sum")) or ""
    for path in modules:
        if f"{path} {chosen[path]} h1:" in sums:
            continue
        if path in direct:
            where, imported = first_import[path].split("|")
            raise GoError(f"{where}: missing go.sum entry for module providing package "
                          f"{imported} (imported by {mod.module}); to add:\n\tgo get {mod.module}")
        raise GoError(f"missing go.sum entry for module providing package {path}; to add:\n"
                      f"\tgo mod download {path}")


def _gosum_lines(modules: Mapping[str, str]) -> str:
    lines = []
    for path, version in sorted(modules.items()):
        lines.append(f"{path} {version} h1:{_hash(f'{path}@{version}')}")
        lines.append(f"{path} {version}/go.mod h1:{_hash(f'{path}@{version}/go.mod')}")
    return "".join(f"{line}\n" for line in lines)


# -- the program -----------------------------------------------------------------------------

_GO_STRING = r'("(?:[^"\\\n]|\\.)*"|`[^`]*`)'


def _literal(text: str) -> str | None:
    if text.startswith("`"):
        return text[1:-1]
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _main_body(text: str) -> str:
    match = re.search(r"func\s+main\s*\(\s*\)\s*\{", text)
    if match is None:
        return ""
    depth, i = 1, match.end()
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[match.end(): i - 1]


def describe(pkg: GoPackage) -> dict[str, str | None]:
    """What `main` visibly does: the address it listens on, the body it answers, what it prints."""
    text = "\n".join(f.text for f in pkg.files)
    listen: str | None = None
    match = re.search(r"ListenAndServe(?:TLS)?\(\s*(" + _GO_STRING[1:-1] + r"|\w+)", text)
    if match:
        arg = match[1]
        if arg[0] not in "\"`":
            named = re.search(rf"\b{arg}\s*(?::=|=)\s*" + _GO_STRING, text)
            arg = named[1] if named else ""
        listen = _literal(arg) if arg else None
    else:
        run = re.search(r"\.(?:Run|Start)\(\s*" + _GO_STRING + r"?\s*\)", text)
        if run:
            listen = _literal(run[1]) if run[1] else ":8080"
    response: str | None = None
    for pattern, suffix in (
        (r"fmt\.Fprintln\(\s*\w+\s*,\s*" + _GO_STRING + r"\s*\)", "\n"),
        (r"fmt\.Fprintf?\(\s*\w+\s*,\s*" + _GO_STRING + r"\s*\)", ""),
        (r"\.Write\(\s*\[\]byte\(\s*" + _GO_STRING + r"\s*\)\s*\)", ""),
        (r"io\.WriteString\(\s*\w+\s*,\s*" + _GO_STRING + r"\s*\)", ""),
        (r"\.String\(\s*[\w.]+\s*,\s*" + _GO_STRING + r"\s*\)", ""),
    ):
        found = re.search(pattern, text)
        if found and _literal(found[1]) is not None:
            response = (_literal(found[1]) or "").replace("%%", "%") + suffix
            break
    stdout = ""
    for call in re.finditer(r"fmt\.Print(ln|f)?\(\s*" + _GO_STRING + r"\s*\)", _main_body(text)):
        value = _literal(call[2]) or ""
        stdout += value + "\n" if call[1] == "ln" else value.replace("%%", "%")
    return {"listen": listen, "response": response, "stdout": stdout}


@dataclass
class BuildFlags:
    output: str = ""
    ldflags: str = ""
    trimpath: bool = False
    patterns: list[str] = field(default_factory=list)


def parse_build_flags(args: list[str]) -> BuildFlags:
    flags = BuildFlags()
    it = iter(args)
    for arg in it:
        name, eq, value = arg.lstrip("-").partition("=")
        if not arg.startswith("-"):
            flags.patterns.append(arg)
        elif name == "o":
            flags.output = value if eq else next(it, "")
        elif name == "ldflags":
            flags.ldflags = value if eq else next(it, "")
        elif name == "trimpath":
            flags.trimpath = value != "false"
        elif name in ("tags", "gcflags", "mod", "p", "buildvcs") and not eq:
            next(it, "")
    return flags


@dataclass(frozen=True, slots=True)
class Target:
    goos: str
    goarch: str
    cgo: bool
    libc: str


def _target(proc: Process) -> Target:
    goos, goarch = _env(proc, "GOOS"), _env(proc, "GOARCH")
    cgo_env = proc.env.get("CGO_ENABLED")
    if cgo_env is not None:
        cgo = cgo_env == "1"
    else:  # go 1.20+: no C compiler on PATH (alpine), or cross-compiling, means no cgo
        cc = proc.env.get("CC", "gcc")
        dirs = proc.env.get("PATH", "/usr/bin:/bin").split(":")
        cgo = goarch == _host_arch(proc) and any(
            posixpath.join(d, cc) in proc.fs for d in dirs if d)
    musl = any(n.startswith("ld-musl") for n in list_dir(proc.fs, "/lib"))
    return Target(goos, goarch, cgo, "musl" if musl else "glibc")


def _exec_name(import_path: str) -> str:
    parts = import_path.split("/")
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        return parts[-2]
    return parts[-1]


def _elf_header(goarch: str) -> bytes:
    return struct.pack(
        "<4s5B7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\x00" * 7, 2,
        _MACHINES.get(goarch, 0x3E), 1, 0x401000 + 0x6F000, 64, 0, 0, 64, 56, 7, 64, 0, 0,
    )


def render_binary(
    size: int, seed: str, goarch: str, buildinfo: str, manifest: Mapping[str, object]
) -> bytes:
    head = _elf_header(goarch)
    info = b"\xff Go buildinf:\x08\x02" + bytes([len(f"go{GO_VERSION}")]) + (
        f"go{GO_VERSION}".encode()) + buildinfo.encode()
    body = MANIFEST_START + json.dumps(manifest, sort_keys=True).encode() + MANIFEST_END
    fixed = head + b"\x00" * (0x1000 - len(head)) + info + body
    return fixed + Synthetic(max(0, size - len(fixed)), seed).read()


def read_manifest(data: bytes, magic: bytes = b"\x7fELF") -> dict[str, object] | None:
    """The manifest a simulated build embedded in a file that starts with `magic` (an ELF
    executable by default, as `go build`, gcc and cargo write; `MZ` for a .NET assembly), None
    for any other file."""
    if not data.startswith(magic):
        return None
    start = data.find(MANIFEST_START)
    end = data.find(MANIFEST_END, start + 1)
    if start < 0 or end < 0:
        return None
    try:
        value = json.loads(data[start + len(MANIFEST_START): end])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _version_check(proc: Process, mod: GoMod) -> None:
    if mod.go and version_key(f"v{mod.go}" + ".0" * (2 - mod.go.count("."))) > version_key(
            f"v{GO_VERSION}") and proc.env.get("GOTOOLCHAIN", "auto") == "local":
        raise GoError(f"go: go.mod requires go >= {mod.go} (running go {GO_VERSION}; "
                      "GOTOOLCHAIN=local)")


def build(proc: Process, index: Index, args: list[str]) -> int:
    flags = parse_build_flags(proc.env.get("GOFLAGS", "").split() + args)
    files = [p for p in flags.patterns if p.endswith(".go")]
    if files:
        # `go build main.go`: the named files are one package, `command-line-arguments`; it
        # needs a go.mod only for what it imports from outside the standard library.
        try:
            mod = _find_gomod(proc)
        except GoError:
            mod = GoMod(proc.cwd, "", "", {})
        roots = [_file_package(proc, files)]
    else:
        mod = _find_gomod(proc)
        roots = load_packages(proc, mod, flags.patterns)
    _version_check(proc, mod)
    if not roots:
        raise GoError("no packages to build")
    chosen = select(index, mod.requires)
    resolved = resolve_imports(proc, index, mod, roots, chosen)
    first_import: dict[str, str] = {}
    for pkg in resolved.local:
        for path, name, line, col in pkg.imports():
            owner = next((m for m in resolved.modules if path == m or path.startswith(m + "/")),
                         None)
            if owner and owner not in first_import:
                first_import[owner] = f"{name}:{line}:{col}|{path}"
    needed = imported_closure(index, chosen, resolved.modules)
    _check_sums(proc, mod, index, needed, chosen, resolved.modules, first_import)
    download(proc, index, {m: chosen[m] for m in needed}, announce=True)
    target = _target(proc)
    outputs = _outputs(proc, flags, roots)
    std = _std_sizes(index)
    for m in needed:
        resolved.std.update(f[4:] for f in _module(index, m, chosen[m]).flags if f[:4] == "std=")
    linked = RUNTIME_SIZE + sum(std.get(p, 0) for p in resolved.std) + sum(
        _link_size(_module(index, m, chosen[m])) for m in needed)
    source = "".join(f.text for p in resolved.local for f in p.files)
    linked += len(source) * 3
    if "-s" in flags.ldflags.split() or "-w" in flags.ldflags.split():
        linked = int(linked * (0.69 if "-s" in flags.ldflags.split() else 0.78))
    if target.goarch == "arm64":
        linked = int(linked * 0.96)
    fingerprint = hashlib.sha256(json.dumps([
        GO_VERSION, target.goos, target.goarch, target.cgo, flags.ldflags, flags.trimpath,
        sorted(chosen.items()), [(p.import_path, [(f.name, f.text) for f in p.files])
                                 for p in resolved.local],
    ]).encode()).hexdigest()
    dynamic = target.cgo and bool(resolved.std & {"net", "net/http", "os/user"})
    _fill_build_cache(proc, resolved, needed, target, fingerprint, linked)
    for pkg, out in outputs:
        if pkg.name != "main":
            archive = b"!<arch>\n__.PKGDEF       0           0     0     644     " + (
                fingerprint.encode())
            put_file(proc.fs, out, Node("file", 0o644, content=Data(archive)))
            continue
        manifest: dict[str, object] = {
            "go": f"go{GO_VERSION}", "module": mod.module, "package": pkg.import_path,
            "goos": target.goos, "goarch": target.goarch, "static": not dynamic,
            "interpreter": _LOADERS.get((target.libc, target.goarch)) if dynamic else None,
            **describe(pkg),
        }
        info = "".join(
            [f"path\t{pkg.import_path}\n" + (f"mod\t{mod.module}\t(devel)\t\n" if mod.module
                                               else "")]
            + [f"dep\t{m}\t{chosen[m]}\th1:{_hash(m + chosen[m])}\n" for m in sorted(needed)]
            + [f"build\t-ldflags={flags.ldflags}\n" if flags.ldflags else ""]
            + [f"build\tCGO_ENABLED={int(target.cgo)}\nbuild\tGOARCH={target.goarch}\n"
               f"build\tGOOS={target.goos}\n"]
        )
        data = render_binary(linked, f"{fingerprint}:{pkg.import_path}", target.goarch, info,
                             manifest)
        put_file(proc.fs, out, Node("file", 0o755, content=Data(data)))
    return 0


FILES_PACKAGE = "command-line-arguments"


def _file_package(proc: Process, names: list[str]) -> GoPackage:
    files = []
    directories = set()
    for name in names:
        path = posixpath.normpath(posixpath.join(proc.cwd, name))
        text = read_text(proc.fs, path)
        if text is None:
            raise GoError(f"stat {path}: no such file or directory" if path not in proc.fs
                          else f"read {path}: is a directory")
        directories.add(posixpath.dirname(path))
        files.append(parse_go_file(posixpath.basename(path), text))
    if len(directories) > 1:
        raise GoError("named files must all be in one directory; have "
                      + " and ".join(sorted(directories)))
    names_seen = sorted({f.package for f in files})
    if len(names_seen) > 1:
        first = {n: next(f.name for f in files if f.package == n) for n in names_seen}
        raise GoError(f"found packages {names_seen[0]} ({first[names_seen[0]]}) and "
                      f"{names_seen[1]} ({first[names_seen[1]]}) in {directories.pop()}")
    return GoPackage(directories.pop(), FILES_PACKAGE, tuple(files))


def _outputs(
    proc: Process, flags: BuildFlags, roots: list[GoPackage]
) -> list[tuple[GoPackage, str]]:
    """Where each package's result goes (go build discards all but a single package's)."""
    out = flags.output
    if out == "/dev/null":
        return []
    if out:
        real = posixpath.normpath(posixpath.join(proc.cwd, out))
        try:
            node = proc.fs.get(proc.fs.resolve(real)) if real != "/" else None
        except FsError:  # a missing parent: go creates the output's directories
            node = None
        if out.endswith("/") or (node is not None and node.is_dir) or real == "/":
            mains = [p for p in roots if p.name == "main"]
            if not mains:
                raise GoError("go: no main packages to build")
            return [(p, posixpath.join(real, p.files[0].name.removesuffix(".go") if (
                p.import_path == FILES_PACKAGE) else _exec_name(p.import_path))) for p in mains]
        if len(roots) > 1:
            raise GoError(f"go: cannot write multiple packages to non-directory {out}")
        return [(roots[0], real)]
    if len(roots) == 1 and roots[0].name == "main":
        name = _exec_name(roots[0].import_path)
        if roots[0].import_path == FILES_PACKAGE:
            name = roots[0].files[0].name.removesuffix(".go")
        path = posixpath.join(proc.cwd, name)
        node = proc.fs.get(path)
        if node is not None and node.is_dir:
            raise GoError(f'go: build output "{name}" already exists and is a directory')
        return [(roots[0], path)]
    return []


def _fill_build_cache(proc: Process, resolved: Resolution, modules: list[str], target: Target,
                      fingerprint: str, linked: int) -> None:
    """One action and one output entry per compiled unit; a warm cache makes the build fast."""
    cache = _env(proc, "GOCACHE")
    ensure_dir(proc.fs, cache)
    write_text(proc.fs, f"{cache}/README",
               "This directory holds cached build artifacts from the Go build system.\n"
               "Run \"go clean -cache\" if the directory is getting too large.\n"
               "Run \"go clean -fuzzcache\" to delete the fuzz cache.\n"
               "See golang.org to learn more about Go.\n")
    write_text(proc.fs, f"{cache}/trim.txt", "1738886400\n")
    units = [(f"std:{p}", 0) for p in sorted(resolved.std)] + [(f"mod:{m}", 0) for m in modules]
    units += [(f"main:{p.import_path}:{fingerprint}", 1) for p in resolved.local]
    share = max(4096, linked * 2 // max(1, len(units)))
    compiled = 0
    for unit, _ in units:
        key = hashlib.sha256(f"{unit}:{target}".encode()).hexdigest()
        out = f"{cache}/{key[:2]}/{key}-d"
        if out in proc.fs:
            continue
        compiled += share
        put_file(proc.fs, out, Node("file", 0o644, content=Synthetic(share, key)))
        write_text(proc.fs, f"{cache}/{key[:2]}/{key}-a", f"v1 {key} {key[::-1]} {share}\n")
    proc.spend(0.3 + compiled / 2 / COMPILE_SPEED + linked / 40e6)


def mod_command(proc: Process, index: Index, args: list[str]) -> int:
    sub = args[0] if args else ""
    if sub == "init":
        return mod_init(proc, args[1:])
    mod = _find_gomod(proc)
    _version_check(proc, mod)
    if sub == "download":
        chosen = select(index, mod.requires)
        wanted = {m: chosen[m] for m in mod.requires}
        download(proc, index, wanted, announce=False)
        return 0
    if sub == "tidy":
        return tidy(proc, index, mod)
    proc.err(f"go mod {sub}: unknown command\nRun 'go help mod' for usage.\n")
    return 2


def mod_init(proc: Process, args: list[str]) -> int:
    path = posixpath.join(proc.cwd, "go.mod")
    if path in proc.fs:
        raise GoError(f"go: {path} already exists")
    if not args:
        raise GoError("go: cannot determine module path for source directory "
                      f"{proc.cwd} (outside GOPATH, module path must be specified)\n\n"
                      "Example usage:\n\t'go mod init example.com/m' to initialize a v0 module\n"
                      "\t'go mod init example.com/m/v2' to initialize a v2 module\n\n"
                      "Run 'go help mod init' for more information.")
    proc.err(f"go: creating new go.mod: module {args[0]}\n")
    write_text(proc.fs, path, f"module {args[0]}\n\ngo {GO_VERSION}\n")
    return 0


def _render_gomod(mod: GoMod, direct: Mapping[str, str], indirect: Mapping[str, str]) -> str:
    text = f"module {mod.module}\n\ngo {mod.go or GO_VERSION}\n"
    for table, mark in ((direct, ""), (indirect, " // indirect")):
        lines = [f"{p} {v}{mark}" for p, v in sorted(table.items())]
        if len(lines) == 1:
            text += f"\nrequire {lines[0]}\n"
        elif lines:
            text += "\nrequire (\n" + "".join(f"\t{line}\n" for line in lines) + ")\n"
    return text


def tidy(proc: Process, index: Index, mod: GoMod) -> int:
    """Add a requirement for every imported module (its newest version), record the whole
    build list in go.mod (direct, then `// indirect`) and go.sum."""
    roots = load_packages(proc, mod, ["./..."])
    requires = dict(mod.requires)
    std = _std_sizes(index)
    missing: list[str] = []
    for pkg in roots:
        for path, *_ in pkg.imports():
            local = path == mod.module or path.startswith(mod.module + "/")
            if local or "." not in path.split("/")[0] or path in std:
                continue
            if not any(path == m or path.startswith(m + "/") for m in requires):
                missing.append(path)
    for path in dict.fromkeys(missing):
        proc.err(f"go: finding module for package {path}\n")
        owner = module_of(index, path)
        if owner is None:
            raise GoError(f"go: {mod.module} imports\n\t{path}: cannot find module providing "
                          f"package {path}: module {path}: reading {PROXY}/{escape(path)}/@v/"
                          "list: 404 Not Found\n\tserver response: not found")
        newest = newest_version(index, owner)
        download(proc, index, {owner: newest}, announce=True)
        proc.err(f"go: found {path} in {owner} {newest}\n")
        requires[owner] = newest
    chosen = select(index, requires)
    resolved = resolve_imports(proc, index, mod, roots, chosen)
    listed = imported_closure(index, chosen, resolved.modules, all_tags=True)
    download(proc, index, {m: chosen[m] for m in listed}, announce=True)
    direct = {m: chosen[m] for m in resolved.modules}
    indirect = {m: chosen[m] for m in listed if m not in direct}
    graph = {**direct, **indirect}
    write_text(proc.fs, posixpath.join(mod.path, "go.mod"), _render_gomod(mod, direct, indirect))
    write_text(proc.fs, posixpath.join(mod.path, "go.sum"), _gosum_lines(graph))
    return 0


def get(proc: Process, index: Index, args: list[str]) -> int:
    mod = _find_gomod(proc)
    requires = dict(mod.requires)
    added: list[tuple[str, str]] = []
    for arg in (a for a in args if not a.startswith("-")):
        path, _, version = arg.partition("@")
        owner = module_of(index, path)
        if owner is None:
            raise GoError(f"go: module {path}: reading {PROXY}/{escape(path)}/@v/list: "
                          "404 Not Found\n\tserver response: not found")
        if version in ("", "latest", "upgrade"):
            version = newest_version(index, owner)
        elif lookup(index, owner, version) is None:
            _module(index, owner, version)
        requires[owner] = version
        added.append((owner, version))
    chosen = select(index, requires)
    download(proc, index, {m: chosen[m] for m, _ in added}, announce=True)
    for owner, version in added:
        if mod.requires.get(owner) != version:
            proc.err(f"go: added {owner} {version}\n")
    direct = {m: chosen[m] for m in requires if m not in mod.indirect or m in dict(added)}
    listed = imported_closure(index, chosen, list(direct), all_tags=True)
    indirect = {m: chosen[m] for m in listed if m not in direct}
    graph = {**direct, **indirect}
    write_text(proc.fs, posixpath.join(mod.path, "go.mod"), _render_gomod(mod, direct, indirect))
    write_text(proc.fs, posixpath.join(mod.path, "go.sum"), _gosum_lines(graph))
    return 0


_USAGE = """Go is a tool for managing Go source code.

Usage:

\tgo <command> [arguments]

The commands are:

\tbuild       compile packages and dependencies
\tenv         print Go environment information
\tget         add dependencies to current module and install them
\tmod         module maintenance
\tversion     print Go version

Use "go help <command>" for more information about a command.
"""


@program("go")
def go(proc: Process) -> int:
    args = proc.argv[1:]
    command = args[0] if args else ""
    try:
        if command == "version":
            # the official golang images state their release in GOLANG_VERSION
            version = proc.env.get("GOLANG_VERSION", GO_VERSION)
            proc.out(f"go version go{version} {_env(proc, 'GOOS')}/{_env(proc, 'GOARCH')}\n")
            return 0
        if command == "env":
            keys = args[1:] or ["GOARCH", "GOCACHE", "GOMODCACHE", "GOOS", "GOPATH", "GOROOT"]
            for key in keys:
                value = GOROOT if key == "GOROOT" else _env(proc, key)
                proc.out(value + "\n" if args[1:] else f"{key}='{value}'\n")
            return 0
        if command in ("build", "mod", "get"):
            # The std list ships with the toolchain, so an offline build still knows it.
            catalogue = catalogue_of(proc.world if proc.world is not None else object())
            index = (catalogue.index("go") if catalogue else None) or Index({})
            if command == "build":
                return build(proc, index, args[1:])
            if command == "mod":
                return mod_command(proc, index, args[1:])
            return get(proc, index, args[1:])
    except GoError as exc:
        proc.err(f"{exc}\n")
        return 1
    if not command:
        proc.err(_USAGE)
        return 2
    proc.err(f"go {command}: unknown command\nRun 'go help' for usage.\n")
    return 2
