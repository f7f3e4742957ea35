"""Cargo (the rust images' toolchain): `build`, `fetch`, `install`, `init`, `new`, `--version`.

Cargo.toml is read for real; each dependency resolves to a crate version by rule (Cargo's
requirement syntax is semver with `1.2` meaning `^1.2`, see standin.pick_semver), is
downloaded into `$CARGO_HOME/registry` and "compiled" into `target/<profile>`. The program is an
ELF executable that records what `main` prints (builds.py), dynamically linked against glibc as
rustc links by default, so it runs in a Debian image but not in `scratch` or Alpine, unless it
was built for a `*-linux-musl` target. Cargo prints its progress on stderr.
"""

from __future__ import annotations

import hashlib
import posixpath
import tomllib
from dataclasses import dataclass
from typing import Any

from tutor.engine.fs import Data, Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import builds, standin
from tutor.engine.sh.pkg.catalogue import LINK_SPEED, catalogue_of, put_file, read_text, write_text

CARGO_VERSION = "1.84.1"
INDEX = "index.crates.io-1949cf8c6b5b557f"
GLIBC_LOADER = "/lib64/ld-linux-x86-64.so.2"


class CargoError(Exception):
    """An `error:` Cargo reports before exiting 101."""


@dataclass(frozen=True, slots=True)
class Crate:
    name: str
    version: str
    size: int


@dataclass(frozen=True, slots=True)
class Manifest:
    root: str
    name: str
    version: str
    edition: str
    deps: dict[str, str]
    bins: tuple[str, ...]


def _requirement(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("version", "*"))
    return "*"


def to_range(requirement: str) -> str:
    """Cargo's requirement as a node-semver range: a bare version means a caret range."""
    parts = []
    for clause in requirement.split(","):
        clause = clause.strip()
        if clause and clause[0].isdigit():
            clause = "^" + clause
        parts.append(clause)
    return " ".join(parts)


def find_manifest(proc: Process) -> Manifest:
    current = posixpath.normpath(proc.cwd)
    while True:
        text = read_text(proc.fs, f"{current}/Cargo.toml")
        if text is not None:
            break
        if current == "/":
            raise CargoError(f"could not find `Cargo.toml` in `{proc.cwd}` or any parent "
                             "directory")
        current = posixpath.dirname(current)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CargoError(f"failed to parse manifest at `{current}/Cargo.toml`\n\n"
                         f"Caused by:\n  {exc}") from None
    package = data.get("package") if isinstance(data.get("package"), dict) else None
    if package is None:
        raise CargoError(f"failed to parse manifest at `{current}/Cargo.toml`\n\nCaused by:\n"
                         "  manifest is missing either a `[package]` or a `[workspace]`")
    deps = data.get("dependencies") if isinstance(data.get("dependencies"), dict) else {}
    bins: list[Any] = data["bin"] if isinstance(data.get("bin"), list) else []
    names = tuple(str(b.get("name")) for b in bins if isinstance(b, dict) and b.get("name"))
    name = str(package.get("name", "app"))
    return Manifest(current, name, str(package.get("version", "0.1.0")),
                    str(package.get("edition", "2015")),
                    {str(k): _requirement(v) for k, v in (deps or {}).items()}, names or (name,))


def resolve(manifest: Manifest) -> list[Crate]:
    crates = []
    for name, requirement in sorted(manifest.deps.items()):
        version = standin.pick_semver("crates", name, to_range(requirement))
        if version is None:
            raise CargoError(
                f"failed to select a version for the requirement `{name} = \"{requirement}\"`\n"
                f"candidate versions found which didn't match: "
                f"{'.'.join(map(str, standin.guessed_latest('crates', name)))}\n"
                f"location searched: crates.io index\nrequired by package `{manifest.name} "
                f"v{manifest.version} ({manifest.root})`")
        _, size = standin.sizes("crates", name, 15_000, 1_500_000)
        crates.append(Crate(name, version, size))
    return crates


def cargo_home(proc: Process) -> str:
    return proc.env.get("CARGO_HOME") or f"{proc.env.get('HOME') or '/root'}/.cargo"


def download(proc: Process, crates: list[Crate]) -> None:
    if proc.world is None or catalogue_of(proc.world) is None:
        raise CargoError("failed to get crates from the registry\n\nCaused by:\n  "
                         "[6] Couldn't resolve host name (Could not resolve host: index.crates.io)")
    home = cargo_home(proc)
    fresh = [c for c in crates
             if f"{home}/registry/cache/{INDEX}/{c.name}-{c.version}.crate" not in proc.fs]
    if not crates:
        return
    proc.err("    Updating crates.io index\n")
    if fresh:
        word = "package" if len(crates) == 1 else "packages"
        proc.err(f"     Locking {len(crates)} {word} to latest compatible versions\n")
        proc.err(" Downloading crates ...\n")
    for crate in fresh:
        proc.err(f"  Downloaded {crate.name} v{crate.version}\n")
        put_file(proc.fs, f"{home}/registry/cache/{INDEX}/{crate.name}-{crate.version}.crate",
                 Node("file", 0o644, content=Synthetic(crate.size // 3, crate.name)))
        put_file(proc.fs, f"{home}/registry/src/{INDEX}/{crate.name}-{crate.version}/src/lib.rs",
                 Node("file", 0o644, content=Synthetic(crate.size, f"src:{crate.name}")))
        write_text(proc.fs, f"{home}/registry/index/{INDEX}/.cache/{crate.name[:2]}/"
                   f"{crate.name[2:4]}/{crate.name}", f'{{"name":"{crate.name}","vers":'
                   f'"{crate.version}"}}\n')
        proc.spend(0.1 + crate.size / 3 / LINK_SPEED)


def write_lock(proc: Process, manifest: Manifest, crates: list[Crate]) -> None:
    entries = [f'[[package]]\nname = "{c.name}"\nversion = "{c.version}"\nsource = '
               '"registry+https://github.com/rust-lang/crates.io-index"\nchecksum = '
               f'"{hashlib.sha256(f"{c.name}{c.version}".encode()).hexdigest()}"\n'
               for c in crates]
    own = f'[[package]]\nname = "{manifest.name}"\nversion = "{manifest.version}"\n'
    if crates:
        own += "dependencies = [\n" + "".join(f' "{c.name}",\n' for c in crates) + "]\n"
    body = "\n".join(sorted([*entries, own], key=lambda e: e.split('"')[1]))
    write_text(proc.fs, f"{manifest.root}/Cargo.lock",
               "# This file is automatically @generated by Cargo.\n# It is not intended for "
               "manual editing.\nversion = 4\n\n" + body)


def elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2f}s"
    return f"{int(seconds // 60)}m {int(seconds % 60):02d}s"


def build(proc: Process, args: list[str]) -> int:
    release = "--release" in args or "-r" in args
    target = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--target"), "")
    manifest = find_manifest(proc)
    crates = resolve(manifest)
    download(proc, crates)
    write_lock(proc, manifest, crates)
    profile = "release" if release else "debug"
    out = f"{manifest.root}/target/{target + '/' if target else ''}{profile}"
    sources = builds.source_files(proc, f"{manifest.root}/src", ".rs")
    record = builds.describe_rust(sources)
    fingerprint = builds.fingerprint(sources, [(c.name, c.version) for c in crates], profile,
                                     target)
    stamp = f"{manifest.root}/target/{profile}/.fingerprint/{manifest.name}-{fingerprint[:16]}"
    if stamp not in proc.fs:
        for crate in crates:
            proc.err(f"   Compiling {crate.name} v{crate.version}\n")
            put_file(proc.fs, f"{out}/deps/lib{crate.name.replace('-', '_')}-"
                     f"{hashlib.sha256(crate.name.encode()).hexdigest()[:16]}.rlib",
                     Node("file", 0o644, content=Synthetic(crate.size * 2, crate.name)))
            proc.spend(0.6 + crate.size / 400_000)
        proc.err(f"   Compiling {manifest.name} v{manifest.version} ({manifest.root})\n")
        size = 420_000 + sum(c.size // 4 for c in crates) + 3 * sum(len(s) for s in sources)
        if not release:
            size *= 4
        loader = None if "musl" in target else GLIBC_LOADER
        for name in manifest.bins:
            data = builds.elf(size, f"{fingerprint}:{name}", record, loader)
            put_file(proc.fs, f"{out}/{name}", Node("file", 0o755, content=Data(data)))
        write_text(proc.fs, stamp, fingerprint + "\n")
        proc.spend(1.5 + size / 1_000_000)
    kind = "[optimized]" if release else "[unoptimized + debuginfo]"
    proc.err(f"    Finished `{profile}` profile {kind} target(s) in {elapsed(proc.seconds)}\n")
    return 0


def install(proc: Process, args: list[str]) -> int:
    names = [a for a in args if not a.startswith("-")]
    if not names:  # `cargo install --path .`
        manifest = find_manifest(proc)
        status = build(proc, ["--release"])
        if status:
            return status
        for name in manifest.bins:
            node = proc.fs.get(f"{manifest.root}/target/release/{name}")
            if node is not None:
                put_file(proc.fs, f"{cargo_home(proc)}/bin/{name}", node)
                proc.err(f"  Installing {cargo_home(proc)}/bin/{name}\n")
        proc.err(f"   Installed package `{manifest.name} v{manifest.version} ({manifest.root})` "
                 f"(executable `{manifest.bins[0]}`)\n")
        return 0
    for spec in names:
        name, _, wanted = spec.partition("@")
        version = standin.pick_semver("crates", name, to_range(wanted or "*"))
        if version is None:
            raise CargoError(f"could not find `{name}` in registry `crates-io` with version "
                             f"`{wanted}`")
        crate = Crate(name, version, standin.sizes("crates", name, 15_000, 1_500_000)[1])
        proc.err("    Updating crates.io index\n")
        download(proc, [crate])
        proc.err(f"  Installing {name} v{version}\n   Compiling {name} v{version}\n")
        proc.spend(20.0)
        proc.err(f"    Finished `release` profile [optimized] target(s) in "
                 f"{elapsed(proc.seconds)}\n")
        path = f"{cargo_home(proc)}/bin/{name}"
        data = builds.elf(1_200_000 + crate.size, f"install:{name}:{version}",
                          {"program": "rust", "stdout": "", "listen": None, "response": None},
                          GLIBC_LOADER)
        put_file(proc.fs, path, Node("file", 0o755, content=Data(data)))
        proc.err(f"  Installing {path}\n   Installed package `{name} v{version}` (executable "
                 f"`{name}`)\n")
    return 0


_MAIN_RS = 'fn main() {\n    println!("Hello, world!");\n}\n'
_LIB_RS = ("pub fn add(left: u64, right: u64) -> u64 {\n    left + right\n}\n\n#[cfg(test)]\n"
           "mod tests {\n    use super::*;\n\n    #[test]\n    fn it_works() {\n"
           "        let result = add(2, 2);\n        assert_eq!(result, 4);\n    }\n}\n")
# what libgit2's `git init` writes (cargo links it, so no git program is needed)
_GIT_FILES = {
    "HEAD": "ref: refs/heads/master\n",
    "config": "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
              "\tlogallrefupdates = true\n",
    "description": "Unnamed repository; edit this file 'description' to name the repository.\n",
    "info/exclude": "# File patterns to ignore; see `git help ignore` for more information.\n"
                    "# Lines that start with '#' are comments.\n",
}


def new_package(proc: Process, args: list[str], create: bool) -> int:
    """`cargo init [PATH]` / `cargo new PATH`: Cargo.toml, `src/main.rs` (or `lib.rs` with
    `--lib`), and a git repository with `.gitignore` unless `--vcs none` or already in one."""
    lib = "--lib" in args
    name = ""
    vcs = "git"
    paths = []
    it = iter(args)
    for arg in it:
        if arg == "--name":
            name = next(it, "")
        elif arg.startswith("--name="):
            name = arg.split("=", 1)[1]
        elif arg == "--vcs":
            vcs = next(it, "git")
        elif arg.startswith("--vcs="):
            vcs = arg.split("=", 1)[1]
        elif not arg.startswith("-"):
            paths.append(arg)
    if create and not paths:
        proc.err("error: the following required arguments were not provided:\n  <PATH>\n\n"
                 "Usage: cargo new <PATH>\n\nFor more information, try '--help'.\n")
        return 1
    root = posixpath.normpath(posixpath.join(proc.cwd, paths[0] if paths else "."))
    name = name or posixpath.basename(root)
    if create and root in proc.fs:
        raise CargoError(f"destination `{root}` already exists\n\nUse `cargo init` to "
                         "initialize the directory")
    if read_text(proc.fs, f"{root}/Cargo.toml") is not None:
        raise CargoError("`cargo init` cannot be run on existing Cargo packages")
    kind = "library" if lib else "binary (application)"
    shown = f" `{name}`" if create else ""
    proc.err(f"    Creating {kind}{shown} package\n")
    write_text(proc.fs, f"{root}/Cargo.toml", f'[package]\nname = "{name}"\n'
               f'version = "0.1.0"\nedition = "2021"\n\n[dependencies]\n')
    source = f"{root}/src/lib.rs" if lib else f"{root}/src/main.rs"
    if read_text(proc.fs, source) is None:
        write_text(proc.fs, source, _LIB_RS if lib else _MAIN_RS)
    if vcs == "git" and not _in_git_repository(proc, root):
        for rel, text in _GIT_FILES.items():
            write_text(proc.fs, f"{root}/.git/{rel}", text)
        for rel in ("objects/info", "objects/pack", "refs/heads", "refs/tags", "hooks"):
            proc.fs.makedirs(f"{root}/.git/{rel}")
        write_text(proc.fs, f"{root}/.gitignore", "/target\n")
    proc.err("note: see more `Cargo.toml` keys and their definitions at "
             "https://doc.rust-lang.org/cargo/reference/manifest.html\n")
    return 0


def _in_git_repository(proc: Process, path: str) -> bool:
    while True:
        if f"{path}/.git" in proc.fs:
            return True
        if path == "/":
            return False
        path = posixpath.dirname(path)


@program("cargo")
def cargo(proc: Process) -> int:
    args = proc.argv[1:]
    command = args[0] if args else ""
    try:
        if command in ("--version", "-V", "version"):
            proc.out(f"cargo {CARGO_VERSION} (66221abde 2024-11-19)\n")
            return 0
        if command in ("build", "b"):
            return build(proc, args[1:])
        if command == "fetch":
            manifest = find_manifest(proc)
            crates = resolve(manifest)
            download(proc, crates)
            write_lock(proc, manifest, crates)
            return 0
        if command == "install":
            return install(proc, args[1:])
        if command in ("init", "new"):
            return new_package(proc, args[1:], create=command == "new")
    except CargoError as exc:
        proc.err(f"error: {exc}\n")
        return 101
    proc.err(f"error: no such command: `{command}`\n\n\tView all installed commands with "
             "`cargo --list`\n\tFind a package to install `{command}` with `cargo search "
             f"cargo-{command}`\n".replace("{command}", command))
    return 101
