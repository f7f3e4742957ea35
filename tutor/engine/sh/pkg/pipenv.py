"""Pipenv (installed with `pip install pipenv`): `install [--system] [--deploy] [--dev]`.

The Pipfile's `[packages]` (and `[dev-packages]` with `--dev`) resolve as pip resolves them
(poetry.resolve_all), pinned by Pipfile.lock when it is there and matches the Pipfile's hash;
`--deploy` refuses an outdated lock as Pipenv does. `--system` installs into the interpreter's
site-packages, otherwise into a virtualenv under `~/.local/share/virtualenvs`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import tomllib
from typing import Any

from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import pip, poetry
from tutor.engine.sh.pkg.catalogue import read_text, write_text

PIPENV_VERSION = "2024.4.1"


def _specifier(value: object) -> str:
    text = value if isinstance(value, str) else str(value.get("version", "*")) if isinstance(
        value, dict) else "*"
    return "" if text.strip() == "*" else text.replace(" ", "")


def _requirements(pipfile: dict[str, Any], dev: bool) -> list[pip.Requirement]:
    found = []
    for section in ("packages", "dev-packages") if dev else ("packages",):
        table = pipfile.get(section)
        for name, value in (table.items() if isinstance(table, dict) else []):
            found.append(pip.Requirement(name + _specifier(value), name, _specifier(value)))
    return found


@program("pipenv")
def pipenv(proc: Process) -> int:
    args = proc.argv[1:]
    if "--version" in args:
        proc.out(f"pipenv, version {PIPENV_VERSION}\n")
        return 0
    command = next((a for a in args if not a.startswith("-")), "")
    if command not in ("install", "sync"):
        proc.err(f"Usage: pipenv [OPTIONS] COMMAND [ARGS]...\nTry 'pipenv -h' for help.\n\n"
                 f"Error: No such command '{command}'.\n")
        return 2
    text = read_text(proc.fs, f"{proc.cwd}/Pipfile")
    if text is None:
        proc.err("Pipfile not found! Please run this command from a directory with a Pipfile.\n")
        return 1
    try:
        pipfile = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        proc.err(f"Failed to parse Pipfile: {exc}\n")
        return 1
    digest = hashlib.sha256(json.dumps(pipfile, sort_keys=True).encode()).hexdigest()
    lock_path = f"{proc.cwd}/Pipfile.lock"
    lock_text = read_text(proc.fs, lock_path)
    lock: dict[str, Any] = {}
    if lock_text is not None:
        try:
            lock = json.loads(lock_text)
        except json.JSONDecodeError:
            lock = {}
    locked_hash = str(lock.get("_meta", {}).get("hash", {}).get("sha256", ""))
    dev = "--dev" in args or "-d" in args
    if "--deploy" in args and lock_text is not None and locked_hash != digest:
        proc.err(f"Your Pipfile.lock ({locked_hash[-6:]}) is out of date. Expected: "
                 f"({digest[-6:]}).\nERROR:: Aborting deploy\n")
        return 1
    locked: dict[str, str] = {}
    for section in ("default", "develop") if dev else ("default",):
        for name, entry in (lock.get(section) or {}).items():
            if isinstance(entry, dict) and str(entry.get("version", "")).startswith("=="):
                locked[pip.canonical(name)] = str(entry["version"])[2:]
    prefix = ""
    if "--system" not in args:
        tag = base64.urlsafe_b64encode(hashlib.sha256(proc.cwd.encode()).digest()).decode()[:8]
        prefix = (f"{proc.env.get('HOME') or '/root'}/.local/share/virtualenvs/"
                  f"{posixpath.basename(proc.cwd) or 'root'}-{tag}")
        if f"{prefix}/pyvenv.cfg" not in proc.fs:
            proc.err("Creating a virtualenv for this project\nUsing default python from "
                     f"/usr/local/bin/{pip.python_name(proc)} to create virtualenv...\n"
                     f"Successfully created virtual environment!\nVirtualenv location: "
                     f"{prefix}\n")
            pip.make_venv(proc, prefix, True, False)
    if lock_text is None or (locked_hash != digest and command == "install"):
        proc.err("Pipfile.lock not found, creating...\n" if lock_text is None else
                 f"Pipfile.lock ({locked_hash[-6:]}) out of date, updating to ({digest[-6:]})..."
                 "\n")
        proc.err("Locking [packages] dependencies...\nBuilding requirements...\nResolving "
                 "dependencies...\nSuccess!\nLocking [dev-packages] dependencies...\n")
        locked = {}
    found = poetry.resolve_all(proc, _requirements(pipfile, dev), locked)
    if isinstance(found, pip.Requirement):
        proc.err(f"CRITICAL:pipenv.patched.pip._internal.resolution.resolvelib.factory:Could not "
                 f"find a version that matches {found.name}{found.specifier}\n"
                 "Your dependencies could not be resolved.\n")
        return 1
    if lock_text is None or (locked_hash != digest and command == "install"):
        write_text(proc.fs, lock_path, json.dumps({
            "_meta": {"hash": {"sha256": digest}, "pipfile-spec": 6,
                      "requires": {}, "sources": [{"name": "pypi", "url":
                                                   "https://pypi.org/simple",
                                                   "verify_ssl": True}]},
            "default": {pip.canonical(d.name): {"version": f"=={d.pkg.version}"}
                        for d in found.values()},
            "develop": {}}, indent=4) + "\n")
        proc.err(f"Updated Pipfile.lock ({digest[-6:]})!\n")
    proc.err(f"Installing dependencies from Pipfile.lock ({digest[-6:]})...\n")
    site = pip.site_packages(proc, False, prefix)
    have = pip.installed(proc, site)
    for key, dist in sorted(found.items()):
        if have.get(key) != dist.pkg.version:
            pip.unpack_dist(proc, site, dist, False, have.get(key))
            proc.spend(0.2 + dist.pkg.download / 20e6)
    return 0
