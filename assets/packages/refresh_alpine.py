"""Make `alpine/vX.Y.tsv.xz`: every x86_64 package of an Alpine release, from its APKBUILDs.

Usage: python assets/packages/refresh_alpine.py APORTS_GIT_DIR OUT_DIR [X.Y ...]

APORTS_GIT_DIR is a clone of alpinelinux/aports (bare or not, with master's history). A release
is read at the commit on master titled `===== release X.Y.0 =====` (the commit its stable branch
starts from), so versions are those the release shipped on day one. Only `main` and `community`
are read (`testing` is never part of a release).

Each APKBUILD is read as abuild would see its top-level assignments: `$var`, `${var}`,
`${var%pat}`, `${var%%pat}`, `${var#pat}`, `${var##pat}`, `${var/a/b}`, `${var//a/b}`,
`${var::n}` and `${var:o:n}` are expanded; command substitutions are dropped. A subpackage's
own `depends=`/`pkgdesc=` inside its split function override the origin's.

All releases go to one file, `alpine/aports.tsv.xz` (they share most lines, which xz stores
once): `@release X.Y COMMIT COUNT` starts a release, then one tab-separated line per package:

    name version repo(m|c) origin(empty: the name) depends links provides scripts files description

`scripts` lists the install scripts (`pre-install`, `post-install`, …) and `trigger` the APKBUILD
gives the package (apk prints `Executing NAME-VERSION.pre-install`). `files` lists the programs
and configuration files the package functions visibly place: what a split function moves
(`amove usr/bin/gpg`, `mv "$pkgdir"/usr/bin/dpkg-architecture …`) and what `install` puts under
`$pkgdir` by a literal path; what `make install` writes is not visible and not listed.

`depends` is the APKBUILD's (a subpackage's own, `-dev` ones plus `depends_dev`); `links` names
the run-time library packages of the origin's `-dev` build dependencies (`apr-dev` → `apr`,
`openssl-dev` → `libcrypto3 libssl3`), and for a `-dev` package its own origin's libraries
(`zstd-dev` → `zstd-libs`): abuild turns the shared objects a package links into `so:`
dependencies, which an APKBUILD does not spell, and this is their rule-made stand-in.
Only packages built for x86_64 (`arch` naming all, noarch or x86_64, and not `!x86_64`) are kept.
"""

from __future__ import annotations

import fnmatch
import lzma
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPOS = {"main": "m", "community": "c"}
RELEASES = ("3.17", "3.18", "3.19", "3.20", "3.21", "3.22", "3.23", "3.24")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_FUNC = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)\s*\{?\s*$")
# stand-ins for `$pkgdir`/`$subpkgdir` while reading a package function's commands
_PKGDIR, _SUBPKGDIR = "\x01", "\x02"
_KEPT_PATH = re.compile(r"^/(usr/)?(s?bin|libexec)/[^/]+$|^/etc/[^/].*[^/]$|^/usr/lib/.*\.so$")
_VAR = re.compile(r"\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# abuild's default split functions: the subpackages whose files come from the origin's tree and
# that are never linked against
_SPLIT_SUFFIXES = ("-dev", "-doc", "-openrc", "-static", "-lang", "-dbg", "-bash-completion",
                   "-zsh-completion", "-fish-completion", "-pyc")
_SCRIPTS = ("pre-install", "post-install", "pre-upgrade", "post-upgrade", "pre-deinstall",
            "post-deinstall", "trigger")
# subpackages of a library's origin that hold its programs, not its shared objects
_PROGRAM_SUFFIXES = ("-utils", "-tools", "-progs", "-bin", "++")


def _cut_suffix(value: str, pattern: str) -> str:
    for i in range(len(value), -1, -1):
        if fnmatch.fnmatchcase(value[i:], pattern):
            return value[:i]
    return value


def _cut_suffix_longest(value: str, pattern: str) -> str:
    for i in range(len(value) + 1):
        if fnmatch.fnmatchcase(value[i:], pattern):
            return value[:i]
    return value


def _cut_prefix(value: str, pattern: str) -> str:
    for i in range(len(value) + 1):
        if fnmatch.fnmatchcase(value[:i], pattern):
            return value[i:]
    return value


def _cut_prefix_longest(value: str, pattern: str) -> str:
    for i in range(len(value), -1, -1):
        if fnmatch.fnmatchcase(value[:i], pattern):
            return value[i:]
    return value


def _param(expr: str, env: dict[str, str]) -> str:
    """One `${…}` expansion."""
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(.*)$", expr, re.S)
    if not m:
        return ""
    value, op = env.get(m[1], ""), m[2]
    if not op:
        return value
    for prefix, cut in (("%%", _cut_suffix_longest), ("%", _cut_suffix),
                        ("##", _cut_prefix_longest), ("#", _cut_prefix)):
        if op.startswith(prefix):
            return cut(value, _expand(op[len(prefix):], env))
    if op.startswith("/"):
        every = op.startswith("//")
        body = op[2:] if every else op[1:]
        old, _, new = body.partition("/")
        old, new = _expand(old, env), _expand(new, env)
        if not old:
            return value
        return value.replace(old, new) if every else value.replace(old, new, 1)
    sub = re.match(r":(\d*)(?::(\d+))?$", op)
    if sub:
        start = int(sub[1] or 0)
        return value[start:start + int(sub[2])] if sub[2] else value[start:]
    if op[:2] in (":-", ":="):
        return value or _expand(op[2:], env)
    return value


def _expand(text: str, env: dict[str, str]) -> str:
    text = re.sub(r"\$\([^()]*\)", "", text)
    return _VAR.sub(lambda m: _param(m[1], env) if m[1] is not None else env.get(m[2], ""), text)


def _value(rest: str, lines: list[str], i: int) -> tuple[str, int]:
    """The raw value of an assignment starting with `rest`, reading on over quoted lines."""
    if rest and rest[0] in "\"'":
        quote = rest[0]
        body = rest[1:]
        while quote not in body and i + 1 < len(lines):
            i += 1
            body += "\n" + lines[i]
        value = body.split(quote, 1)[0]
        return (value if quote == '"' else value.replace("$", "\x00")), i
    return rest.split("#", 1)[0].strip(), i


@dataclass
class Apkbuild:
    env: dict[str, str] = field(default_factory=dict)
    functions: dict[str, dict[str, str]] = field(default_factory=dict)
    moved: dict[str, list[str]] = field(default_factory=dict)


def parse(text: str, pkgname: str = "") -> Apkbuild:
    """The assignments and placed files of an APKBUILD. Inside `if` blocks and in `case` arms
    that do not match x86_64 assignments are skipped (bootstrap and other architectures'
    settings); `pkgname`, when given, is the directory's name, as abuild requires."""
    build = Apkbuild()
    lines = text.splitlines()
    function = ""
    blocks: list[bool] = []  # per open if/case: whether its assignments apply to x86_64
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        fm = _FUNC.match(line)
        if fm and not function:
            function = fm[1]
            build.functions[function] = {}
        elif function and lines[i].startswith("}"):
            function, blocks = "", []
        elif _conditional(line, blocks):
            pass
        else:
            am = _ASSIGN.match(line.removeprefix("local ").strip())
            if am:
                raw, i = _value(am[2], lines, i)
                if all(blocks):
                    scope = dict(build.env, **build.functions[function]) if function else build.env
                    value = _expand(raw, scope).replace("\x00", "$")
                    (build.functions[function] if function else build.env)[am[1]] = value
            elif function:
                command = line
                while command.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command = command[:-1] + " " + lines[i].strip()
                if all(blocks):
                    build.moved.setdefault(function, []).extend(
                        _placed(command, dict(build.env, **build.functions[function])))
        i += 1
    if pkgname:
        build.env["pkgname"] = pkgname
    return build


def _conditional(line: str, blocks: list[bool]) -> bool:
    """Track `if`/`case` nesting in `blocks`; True when `line` is only control flow."""
    words = line.split()
    if not words:
        return False
    if (words[0] == "if" and not line.endswith("fi")) or (words[0] == "case"
                                                           and words[-1] == "in"):
        blocks.append(False)
    elif words[0] in ("fi", "esac") and blocks:
        blocks.pop()
    elif blocks and re.match(r"^[^=\s()]+(\s*\|\s*[^=\s()]+)*\)$", line):
        # a case arm: its assignments apply when one of its patterns matches x86_64
        blocks[-1] = any(fnmatch.fnmatchcase("x86_64", p.strip().strip("\"'"))
                         for p in line[:-1].split("|"))
    else:
        return False
    return True


def _placed(command: str, env: dict[str, str]) -> list[str]:
    """Programs and configuration files a package function's command puts in place: what
    `amove` and `mv "$pkgdir"/…` move into a subpackage, what `install … "$pkgdir"/PATH`
    installs. Literal paths only (no globs)."""
    words = [w.replace('"', "").replace("'", "") for w in _expand(command, dict(
        env, pkgdir=_PKGDIR, subpkgdir=_SUBPKGDIR)).split()]
    if not words:
        return []
    if words[0] in ("amove", "mv"):
        moved = (["/" + w.lstrip("/") for w in words[1:] if not w.startswith("-")]
                 if words[0] == "amove" else
                 [w[len(_PKGDIR):] for w in words[1:-1] if w.startswith(_PKGDIR)])
        # a moved /etc path without an extension may be a directory (`etc/apache2/extra`)
        paths = [p for p in moved if not p.startswith("/etc/") or "." in p.rsplit("/", 1)[1]
                 or p.startswith(("/etc/init.d/", "/etc/conf.d/"))]
    elif words[0] == "install" and words[-1].startswith(_PKGDIR) and "-d" not in words:
        paths = [words[-1][len(_PKGDIR):]]
    else:
        return []
    return [p for p in paths if _KEPT_PATH.match(p) and not any(c in p for c in "*?[$")]


def _names(words: str) -> list[str]:
    """Package names of a depends-like list, without versions, conflicts or `so:`/`cmd:`."""
    names = []
    for word in words.split():
        if word.startswith("!") or ":" in word.split("=")[0]:
            continue
        name = re.split(r"[<>=~]", word, maxsplit=1)[0]
        if name and name not in names:
            names.append(name)
    return names


def _for_x86_64(arch: str) -> bool:
    words = arch.split()
    return "!x86_64" not in words and bool({"all", "noarch", "x86_64"} & set(words))


@dataclass
class Binary:
    name: str
    version: str
    repo: str
    origin: str
    depends: list[str]
    provides: list[str]
    description: str
    scripts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def binaries(build: Apkbuild, repo: str) -> tuple[list[Binary], list[str]]:
    """The binary packages one APKBUILD makes, and its `-dev` build dependencies."""
    env = build.env
    name, version = env.get("pkgname", ""), f"{env.get('pkgver', '')}-r{env.get('pkgrel', '0')}"
    if not name or not env.get("pkgver") or not _for_x86_64(env.get("arch", "")):
        return [], []
    desc = " ".join(env.get("pkgdesc", "").split())
    main = Binary(name, version, repo, "", _names(env.get("depends", "")),
                  _names(env.get("provides", "")), desc)
    out = [main]
    for entry in env.get("subpackages", "").split():
        sub, _, rest = entry.partition(":")
        func, _, _ = rest.partition(":")
        if not sub or sub == name:
            continue
        func = func or (sub[len(name) + 1:] if sub.startswith(name + "-") else sub)
        own = build.functions.get(func, {})
        if sub.endswith("-dev"):
            deps = _names(own.get("depends", env.get("depends_dev", "")))
            deps += [] if name in deps else [name]
        else:
            deps = _names(own["depends"]) if "depends" in own else []
        sdesc = " ".join(own.get("pkgdesc", "").split()) or desc
        out.append(Binary(sub, version, repo, name, deps, _names(own.get("provides", "")),
                          sdesc, files=list(dict.fromkeys(build.moved.get(func, [])))))
    moved = {f for pkg in out[1:] for f in pkg.files}
    main.files = [f for f in dict.fromkeys(build.moved.get("package", [])) if f not in moved]
    openrc = next((pkg for pkg in out if pkg.name == f"{name}-openrc"), None)
    if openrc is not None:
        # abuild's default_openrc moves the init scripts and their settings
        openrc.files += [f for f in main.files if f.startswith(("/etc/init.d/", "/etc/conf.d/"))]
        main.files = [f for f in main.files if f not in openrc.files]
    for word in env.get("install", "").split() + [
            t.split("=", 1)[0] for t in env.get("triggers", "").split()]:
        owner, _, script = word.rpartition(".")
        for pkg in out:
            if pkg.name == owner and script in _SCRIPTS and script not in pkg.scripts:
                pkg.scripts.append(script)
    devs = [d for d in _names(env.get("makedepends", "") + " " + env.get("makedepends_host", ""))
            if d.endswith("-dev")]
    return out, devs


def _release_commit(git_dir: Path, release: str) -> str:
    log = subprocess.run(
        ["git", "--git-dir", str(git_dir), "log", "--format=%H %s", "master", "--",
         "main/alpine-base/APKBUILD"], check=True, capture_output=True, text=True).stdout
    for line in log.splitlines():
        commit, _, subject = line.partition(" ")
        if re.fullmatch(rf"=+ release {re.escape(release)}\.0 =+", subject.strip()):
            return commit
    raise SystemExit(f"no release commit for {release}")


HEADER = (
    "# Alpine Linux packages (x86_64, main and community) per release, from alpinelinux/aports'\n"
    "# APKBUILD files at each release's `===== release X.Y.0 =====` commit; made by\n"
    "# refresh_alpine.py. `@release X.Y COMMIT COUNT` starts a release; then one line a package:\n"
    "# name version repo(m|c) origin depends links provides scripts files description (tabs)\n"
)


def _apkbuilds(git_dir: Path, commit: str) -> list[tuple[str, str]]:
    tree = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", commit, "--", *REPOS],
        check=True, capture_output=True, text=True).stdout
    wanted = [(line.split()[2], line.split("\t")[1]) for line in tree.splitlines()
              if line.endswith("/APKBUILD") and line.split("\t")[1].count("/") == 2]
    batch = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        input="".join(f"{blob}\n" for blob, _ in wanted).encode(), check=True,
        capture_output=True).stdout
    texts: list[tuple[str, str]] = []
    pos = 0
    for _, path in wanted:
        header_end = batch.index(b"\n", pos)
        size = int(batch[pos:header_end].split()[2])
        body = batch[header_end + 1:header_end + 1 + size]
        texts.append((path, body.decode("utf-8", "replace")))
        pos = header_end + 1 + size + 1
    return texts


def release_rows(git_dir: Path, release: str) -> tuple[str, list[str]]:
    commit = _release_commit(git_dir, release)
    packages: dict[str, Binary] = {}
    dev_of: dict[str, list[str]] = {}
    for path, text in _apkbuilds(git_dir, commit):
        repo = REPOS[path.split("/")[0]]
        made, devs = binaries(parse(text, path.split("/")[1]), repo)
        for pkg in made:
            # main wins over community when both name a package, as apk's repository order does
            if pkg.name not in packages or packages[pkg.name].repo != "m":
                packages[pkg.name] = pkg
        if made:
            dev_of[made[0].name] = devs
    by_origin: dict[str, list[str]] = {}
    for pkg in packages.values():
        by_origin.setdefault(pkg.origin or pkg.name, []).append(pkg.name)
    for origin, devs in dev_of.items():
        links = [lib for dev in devs for lib in _runtime_libraries(dev, packages, by_origin)]
        for name in by_origin.get(origin, ()):
            if name.endswith("-dev"):
                # a -dev package's `.so` links and `.pc` files make abuild depend on the
                # origin's libraries rather than on the origin itself
                own = packages[name]
                libs = _runtime_libraries(name, packages, by_origin)
                if libs and libs != [origin]:
                    own.depends = [d for d in own.depends if d != origin]
                own.links = [lib for lib in libs if lib not in own.depends and lib != name]
            elif not name.endswith(_SPLIT_SUFFIXES):
                own = packages[name]
                own.links = [lib for lib in dict.fromkeys(links)
                             if lib != name and lib not in own.depends]
    rows = []
    for pkg in sorted(packages.values(), key=lambda p: p.name):
        rows.append("\t".join((pkg.name, pkg.version, pkg.repo,
                               pkg.origin if pkg.origin != pkg.name else "",
                               " ".join(pkg.depends), " ".join(pkg.links),
                               " ".join(pkg.provides), " ".join(pkg.scripts),
                               " ".join(pkg.files), pkg.description.replace("\t", " "))))
    return commit, rows


def _runtime_libraries(dev: str, packages: dict[str, Binary],
                       by_origin: dict[str, list[str]]) -> list[str]:
    """The packages holding the shared objects a `-dev` package's users link against: its
    origin's `lib*` or `*-libs` subpackages when it has some, else the origin itself."""
    pkg = packages.get(dev)
    if pkg is None:
        return []
    origin = pkg.origin or pkg.name
    siblings = [n for n in by_origin.get(origin, ()) if not n.endswith(_SPLIT_SUFFIXES)]
    libs = [n for n in siblings if (n.startswith("lib") or n.endswith("-libs"))
            and not n.endswith(_PROGRAM_SUFFIXES)]
    return libs or ([origin] if origin in packages else [])


def main(argv: list[str]) -> None:
    git_dir, out_dir = Path(argv[1]), Path(argv[2])
    parts = [HEADER]
    for release in argv[3:] or RELEASES:
        commit, rows = release_rows(git_dir, release)
        parts.append(f"@release {release} {commit} {len(rows)}\n")
        parts.extend(f"{row}\n" for row in rows)
        print(f"v{release}: {len(rows)} packages (aports {commit})")
    target = out_dir / "alpine" / "aports.tsv.xz"
    # one file: the releases share most lines, which xz then stores once
    target.write_bytes(lzma.compress("".join(parts).encode(), preset=9 | lzma.PRESET_EXTREME))
    print(f"{target}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv)
