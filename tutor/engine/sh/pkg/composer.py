"""Composer 2 (`composer install|update|dump-autoload`) for PHP projects.

composer.json's `require`/`require-dev` resolve package by package, by rule (Packagist has every
plausible `vendor/name`; constraints are semver-like, see standin.pick_semver), unless
composer.lock pins them. Packages land in `vendor/<vendor>/<name>` with the autoloader Composer
generates. Like the real tool, Composer reports its progress on stderr.
"""

from __future__ import annotations

import json
import posixpath
import re

from tutor.engine.fs import Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import standin
from tutor.engine.sh.pkg.catalogue import LINK_SPEED, put_file, read_text, write_text

COMPOSER_VERSION = "2.8.5"
_AUTOLOAD = ("autoload_classmap.php", "autoload_namespaces.php", "autoload_psr4.php",
             "autoload_real.php", "autoload_static.php", "ClassLoader.php", "InstalledVersions.php",
             "installed.json", "installed.php", "LICENSE", "platform_check.php")


def to_range(constraint: str) -> str:
    """A Composer constraint as a node-semver range (`,` is AND, `|` is OR, `v` prefixes)."""
    text = re.sub(r"\s*\|\|?\s*", " || ", constraint.strip())
    text = re.sub(r"\s*,\s*", " ", text)
    return re.sub(r"(^|[\s^~<>=])v(\d)", r"\1\2", text)


def _platform(name: str) -> bool:
    return name in ("php", "composer-plugin-api", "composer-runtime-api") or name.startswith(
        ("ext-", "lib-"))


def _fail(proc: Process, message: str) -> int:
    proc.err(message)
    return 1


@program("composer")
def composer(proc: Process) -> int:
    args = proc.argv[1:]
    command = next((a for a in args if not a.startswith("-")), "list")
    if command in ("--version", "-V") or args[:1] in (["--version"], ["-V"]):
        proc.out(f"Composer version {COMPOSER_VERSION} 2025-01-21 15:23:40\n")
        return 0
    if proc.uid == 0 and proc.env.get("COMPOSER_ALLOW_SUPERUSER") != "1":
        proc.err("Do not run Composer as root/super user! See https://getcomposer.org/root for "
                 "details\n")
    project = read_text(proc.fs, f"{proc.cwd}/composer.json")
    if command in ("install", "i", "update", "u", "dump-autoload", "dumpautoload"):
        if project is None:
            return _fail(proc, f"Composer could not find a composer.json file in {proc.cwd}\n"
                         "To initialize a project, please create a composer.json file. See "
                         "https://getcomposer.org/basic-usage\n")
        try:
            data = json.loads(project)
        except json.JSONDecodeError as exc:
            return _fail(proc, f'\nIn JsonFile.php line 349:\n\n  "./composer.json" does not '
                         f"contain valid JSON\n  Parse error on line {exc.lineno}\n\n")
        if command.startswith("dump"):
            _autoload(proc, "--optimize" in args or "-o" in args, {})
            return 0
        return install(proc, data if isinstance(data, dict) else {}, args,
                       update=command in ("update", "u"))
    if command == "list":
        proc.out(f"Composer version {COMPOSER_VERSION} 2025-01-21 15:23:40\n\nUsage:\n  command "
                 "[options] [arguments]\n")
        return 0
    proc.err(f'\n  Command "{command}" is not defined.\n\n')
    return 1


def install(proc: Process, data: dict[str, object], args: list[str], update: bool) -> int:
    dev = "--no-dev" not in args
    lock_path = f"{proc.cwd}/composer.lock"
    lock_text = read_text(proc.fs, lock_path)
    locked: dict[str, str] = {}
    if lock_text is not None and not update:
        try:
            lock = json.loads(lock_text)
        except json.JSONDecodeError:
            lock = {}
        for key in ("packages", "packages-dev"):
            for entry in lock.get(key, []) if isinstance(lock, dict) else []:
                if isinstance(entry, dict) and "name" in entry:
                    locked[str(entry["name"])] = str(entry.get("version", "")).lstrip("v")
    wanted: dict[str, tuple[str, bool]] = {}
    for key, is_dev in (("require", False), ("require-dev", True)):
        table = data.get(key)
        if isinstance(table, dict):
            for name, constraint in table.items():
                if not _platform(str(name)):
                    wanted[str(name)] = (str(constraint), is_dev)
    resolved: dict[str, tuple[str, bool]] = {}
    for name, (constraint, is_dev) in sorted(wanted.items()):
        version = locked.get(name) or standin.pick_semver("packagist", name, to_range(constraint))
        if version is None:
            return _fail(proc, "Loading composer repositories with package information\n"
                         "Updating dependencies\nYour requirements could not be resolved to an "
                         "installable set of packages.\n\n  Problem 1\n    - Root composer.json "
                         f"requires {name} {constraint}, found {name}["
                         f"{'.'.join(map(str, standin.guessed_latest('packagist', name)))}] but "
                         "it does not match the constraint.\n\n")
        resolved[name] = (version, is_dev)
    if lock_text is None or update:
        if lock_text is None:
            proc.err("No composer.lock file present. Updating dependencies to latest instead of "
                     "installing from lock file. See https://getcomposer.org/install for more "
                     "information.\n")
        proc.err("Loading composer repositories with package information\nUpdating "
                 "dependencies\n")
        n = len(resolved)
        proc.err(f"Lock file operations: {n} install{'s' if n != 1 else ''}, 0 updates, 0 "
                 "removals\n")
        for name, (version, _) in resolved.items():
            proc.err(f"  - Locking {name} ({version})\n")
        proc.err("Writing lock file\n")
        write_text(proc.fs, lock_path, json.dumps({
            "_readme": ["This file locks the dependencies of your project to a known state",
                        "Read more about it at https://getcomposer.org/doc/01-basic-usage.md"
                        "#installing-dependencies",
                        "This file is @generated automatically"],
            "content-hash": standin.number("composer", json.dumps(wanted)).to_bytes(
                8, "big").hex() * 2,
            "packages": [{"name": n, "version": v} for n, (v, d) in resolved.items() if not d],
            "packages-dev": [{"name": n, "version": v} for n, (v, d) in resolved.items() if d],
        }, indent=4) + "\n")
    proc.err("Installing dependencies from lock file" + (" (including require-dev)" if dev
                                                          else "") + "\n")
    if lock_text is not None and not update:
        proc.err("Verifying lock file contents can be installed on current platform.\n")
    chosen = {n: v for n, (v, d) in resolved.items() if dev or not d}
    fresh = {n: v for n, v in chosen.items() if _installed(proc, n) != v}
    if not fresh:
        proc.err("Nothing to install, update or remove\n")
    else:
        n = len(fresh)
        proc.err(f"Package operations: {n} install{'s' if n != 1 else ''}, 0 updates, 0 "
                 "removals\n")
        for name, version in fresh.items():
            proc.err(f"  - Downloading {name} ({version})\n")
        for name, version in fresh.items():
            proc.err(f"  - Installing {name} ({version}): Extracting archive\n")
            _unpack(proc, name, version)
    _autoload(proc, "--optimize-autoloader" in args or "-o" in args or
              "--classmap-authoritative" in args, chosen)
    return 0


def _installed(proc: Process, name: str) -> str | None:
    text = read_text(proc.fs, f"{proc.cwd}/vendor/{name}/composer.json")
    if text is None:
        return None
    found = re.search(r'"version":\s*"([^"]+)"', text)
    return found[1] if found else None


def _unpack(proc: Process, name: str, version: str) -> None:
    folder = f"{proc.cwd}/vendor/{name}"
    download, size = standin.sizes("packagist", name, 10_000, 2_000_000)
    write_text(proc.fs, f"{folder}/composer.json", json.dumps(
        {"name": name, "version": version, "autoload": {"psr-4": {
            "".join(p.title() for p in re.split(r"[-/_.]", name)) + "\\": "src/"}}},
        indent=4) + "\n")
    put_file(proc.fs, f"{folder}/src/{posixpath.basename(name).title()}.php",
             Node("file", 0o644, content=Synthetic(size, f"{name}@{version}")))
    cache = proc.env.get("COMPOSER_CACHE_DIR") or (
        f"{proc.env.get('COMPOSER_HOME') or (proc.env.get('HOME') or '/root') + '/.composer'}"
        "/cache")
    put_file(proc.fs, f"{cache}/files/{name}/{standin.number(name, version):x}.zip",
             Node("file", 0o644, content=Synthetic(download, f"zip:{name}@{version}")))
    proc.spend(0.1 + download / LINK_SPEED)


def _autoload(proc: Process, optimized: bool, packages: dict[str, str]) -> None:
    proc.err("Generating optimized autoload files\n" if optimized else
             "Generating autoload files\n")
    vendor = f"{proc.cwd}/vendor"
    write_text(proc.fs, f"{vendor}/autoload.php",
               "<?php\n\n// autoload.php @generated by Composer\n\nrequire_once __DIR__ . "
               "'/composer/autoload_real.php';\n\nreturn ComposerAutoloaderInit::getLoader();\n")
    for name in _AUTOLOAD:
        content = json.dumps({"packages": [{"name": n, "version": v} for n, v in
                                           packages.items()]}, indent=4) + "\n" if (
            name == "installed.json") else f"<?php\n// {name} @generated by Composer\n"
        write_text(proc.fs, f"{vendor}/composer/{name}", content)
    if optimized:
        proc.err(f"Generated optimized autoload files containing {3 * len(packages)} classes\n")
    proc.spend(0.3)
