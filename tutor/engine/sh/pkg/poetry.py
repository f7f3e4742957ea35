"""Poetry (installed with `pip install poetry`): `install`, `config`, `export`, `--version`.

pyproject.toml's dependencies (Poetry's `[tool.poetry.dependencies]` and groups, or PEP 621
`[project]`) resolve as pip resolves them (pip.best: the catalogue, else stand-ins by rule),
unless poetry.lock pins them. Poetry installs into its own virtual environment under
`~/.cache/pypoetry/virtualenvs`, or into the interpreter's site-packages when
`virtualenvs.create` is false (`poetry config virtualenvs.create false` or
POETRY_VIRTUALENVS_CREATE=false), the usual choice in a Dockerfile.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from typing import Any

from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import pip
from tutor.engine.sh.pkg.catalogue import read_text, write_text

POETRY_VERSION = "2.0.1"


def to_specifier(constraint: str) -> str:
    """A Poetry constraint (`^1.2`, `~1.2.3`, `1.2.*`, `>=1,<2`, `*`) as a PEP 440 specifier."""
    clauses = []
    for part in re.split(r"\s*,\s*|\s+", constraint.strip()):
        if part in ("", "*"):
            continue
        op = part[0] if part[0] in "^~" and not part.startswith("~=") else ""
        numbers = [int(n) for n in re.findall(r"\d+", part)][:3]
        if op == "^" and numbers:
            first = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
            upper = [*numbers[:first], numbers[first] + 1]
            clauses += [f">={'.'.join(map(str, numbers))}", f"<{'.'.join(map(str, upper))}"]
        elif op == "~" and numbers:
            upper = [numbers[0] + 1] if len(numbers) == 1 else [numbers[0], numbers[1] + 1]
            clauses += [f">={'.'.join(map(str, numbers))}", f"<{'.'.join(map(str, upper))}"]
        elif part[0].isdigit():
            clauses.append(f"=={part}")
        else:
            clauses.append(part)
    return ",".join(clauses)


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def requirements(project: dict[str, Any], groups: set[str] | None) -> list[pip.Requirement]:
    """The project's requirements; `groups` None means every group, else only those named
    (`main` being `[tool.poetry.dependencies]` or `[project]`)."""
    found: list[pip.Requirement] = []
    listed = _table(project, "project").get("dependencies")
    if isinstance(listed, list) and (groups is None or "main" in groups):
        found += [r for r in (pip.parse_requirement(str(d)) for d in listed) if r is not None]
    tables = [("main", _table(project, "tool", "poetry", "dependencies")),
              ("dev", _table(project, "tool", "poetry", "dev-dependencies"))]
    for name, group in _table(project, "tool", "poetry", "group").items():
        if isinstance(group, dict):
            tables.append((name, _table(group, "dependencies")))
    for group_name, table in tables:
        if groups is not None and group_name not in groups:
            continue
        for name, value in table.items():
            if name.lower() == "python":
                continue
            constraint = value if isinstance(value, str) else str(
                value.get("version", "*")) if isinstance(value, dict) else "*"
            found.append(pip.Requirement(name, name, to_specifier(constraint)))
    return found


def _locked(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    packages = data.get("package")
    return {pip.canonical(str(p["name"])): str(p["version"]) for p in packages
            if isinstance(p, dict) and "name" in p and "version" in p} if isinstance(
        packages, list) else {}


def _config(proc: Process) -> dict[str, str]:
    home = proc.env.get("HOME") or "/root"
    text = read_text(proc.fs, f"{home}/.config/pypoetry/config.toml") or ""
    values = dict(re.findall(r'^([\w.-]+)\s*=\s*"?([^"\n]*)"?', text, re.M))
    for key, value in proc.env.items():
        name = key.lower().removeprefix("poetry_")
        if key.startswith("POETRY_VIRTUALENVS_"):  # POETRY_VIRTUALENVS_IN_PROJECT
            values["virtualenvs." + name.removeprefix("virtualenvs_").replace("_", "-")] = value
    return values


@program("poetry")
def poetry(proc: Process) -> int:
    args = proc.argv[1:]
    words = [a for a in args if not a.startswith("-")]
    if "--version" in args or words[:1] == ["--version"]:
        proc.out(f"Poetry (version {POETRY_VERSION})\n")
        return 0
    command = words[0] if words else ""
    if command == "config":
        if len(words) >= 3:
            home = proc.env.get("HOME") or "/root"
            path = f"{home}/.config/pypoetry/config.toml"
            lines = [line for line in (read_text(proc.fs, path) or "").splitlines()
                     if not line.startswith(words[1] + " ")]
            value = words[2] if words[2] in ("true", "false") or words[2].isdigit() else (
                f'"{words[2]}"')
            write_text(proc.fs, path, "\n".join([*lines, f"{words[1]} = {value}"]) + "\n")
        return 0
    text = read_text(proc.fs, f"{proc.cwd}/pyproject.toml")
    if command in ("install", "export", "lock"):
        if text is None:
            proc.err(f"\nPoetry could not find a pyproject.toml file in {proc.cwd} or its "
                     "parents\n")
            return 1
        try:
            project = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            proc.err(f"\n{exc}\n")
            return 1
        if command == "install":
            return install(proc, project, args)
        if command == "lock":
            resolved = _resolve(proc, project, None, {})
            if resolved is None:
                return 1
            _write_lock(proc, resolved)
            proc.out("Resolving dependencies...\n\nWriting lock file\n")
            return 0
        return export(proc, project, args)
    proc.err(f'\nThe command "{command}" does not exist.\n')
    return 1


def _groups(args: list[str]) -> set[str] | None:
    only = [a.split("=", 1)[1] for a in args if a.startswith("--only=")]
    only += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--only"]
    if only or "--only-root" in args or "--no-dev" in args:
        return {g for o in only for g in o.split(",")} or {"main"}
    without = [a.split("=", 1)[1] for a in args if a.startswith("--without=")]
    without += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--without"]
    if without:
        return {"main", "dev", "test", "docs", "lint"} - {g for w in without for g in
                                                          w.split(",")}
    return None


def _resolve(proc: Process, project: dict[str, Any], groups: set[str] | None,
             locked: dict[str, str]) -> dict[str, pip.Dist] | None:
    found = resolve_all(proc, requirements(project, groups), locked)
    if isinstance(found, pip.Requirement):
        proc.err(f"\nBecause {_name(project)} depends on {found.name} "
                 f"({found.specifier or '*'}) which doesn't match any versions, version solving "
                 "failed.\n")
        return None
    return found


def resolve_all(proc: Process, reqs: list[pip.Requirement],
                locked: dict[str, str]) -> dict[str, pip.Dist] | pip.Requirement:
    """Every distribution `reqs` need (pins from a lockfile win), or the requirement no
    plausible version satisfies."""
    index = pip.pypi(proc)
    python = pip.python_name(proc).removeprefix("python")
    chosen: dict[str, pip.Dist] = {}
    queue = list(reqs)
    while queue:
        req = queue.pop(0)
        key = pip.canonical(req.name)
        if key in chosen or (req.marker and not pip.marker_holds(req.marker, python)):
            continue
        pin = locked.get(key)
        wanted = pip.Requirement(req.text, req.name, f"=={pin}") if pin else req
        dist = pip.best(index, wanted) if index is not None else None
        if dist is None:
            return req
        chosen[key] = dist
        queue += dist.requires
    return chosen


def _name(project: dict[str, Any]) -> str:
    return str(_table(project, "tool", "poetry").get("name") or _table(project, "project").get(
        "name") or "project")


def _write_lock(proc: Process, resolved: dict[str, pip.Dist]) -> None:
    body = "".join(f'[[package]]\nname = "{pip.canonical(d.name)}"\nversion = '
                   f'"{d.pkg.version}"\ndescription = "{d.pkg.description}"\noptional = false\n'
                   'python-versions = ">=3.8"\n\n' for d in sorted(
                       resolved.values(), key=lambda d: pip.canonical(d.name)))
    digest = hashlib.sha256(body.encode()).hexdigest()
    write_text(proc.fs, f"{proc.cwd}/poetry.lock",
               f"# This file is automatically @generated by Poetry {POETRY_VERSION} and should "
               f"not be changed by hand.\n\n{body}[metadata]\nlock-version = \"2.1\"\n"
               f'python-versions = "^3.12"\ncontent-hash = "{digest}"\n')


def install(proc: Process, project: dict[str, Any], args: list[str]) -> int:
    lock_text = read_text(proc.fs, f"{proc.cwd}/poetry.lock")
    locked = _locked(lock_text)
    config = _config(proc)
    create = config.get("virtualenvs.create", "true").lower() != "false"
    name = _name(project)
    prefix = ""
    if create:
        digest = hashlib.sha256(proc.cwd.encode()).digest()
        tag = base64.urlsafe_b64encode(digest).decode()[:8]
        python = pip.python_name(proc).removeprefix("python")
        prefix = f"{proc.env.get('HOME') or '/root'}/.cache/pypoetry/virtualenvs/" \
                 f"{pip.canonical(name)}-{tag}-py{python}"
        if f"{prefix}/pyvenv.cfg" not in proc.fs:
            proc.out(f"Creating virtualenv {prefix.rsplit('/', 1)[1]} in "
                     f"{prefix.rsplit('/', 1)[0]}\n")
            pip.make_venv(proc, prefix, True, False)
    if lock_text is None:
        proc.out("Updating dependencies\nResolving dependencies...\n\n")
    else:
        proc.out("Installing dependencies from lock file\n\n")
    resolved = _resolve(proc, project, _groups(args), locked)
    if resolved is None:
        return 1
    site = pip.site_packages(proc, False, prefix)
    have = pip.installed(proc, site)
    fresh = {k: d for k, d in resolved.items() if have.get(k) != d.pkg.version}
    if fresh:
        n = len(fresh)
        proc.out(f"Package operations: {n} install{'s' if n != 1 else ''}, 0 updates, 0 "
                 "removals\n\n")
        for key, dist in sorted(fresh.items()):
            proc.out(f"  - Installing {key} ({dist.pkg.version})\n")
            pip.unpack_dist(proc, site, dist, False, have.get(key))
            proc.spend(0.2 + dist.pkg.download / 20e6)
    else:
        proc.out("No dependencies to install or update\n")
    if lock_text is None:
        proc.out("\nWriting lock file\n")
        _write_lock(proc, resolved)
    if "--no-root" not in args:
        version = str(_table(project, "tool", "poetry").get("version") or _table(
            project, "project").get("version") or "0.1.0")
        proc.out(f"\nInstalling the current project: {name} ({version})\n")
    return 0


def export(proc: Process, project: dict[str, Any], args: list[str]) -> int:
    resolved = _resolve(proc, project, _groups(args), _locked(read_text(
        proc.fs, f"{proc.cwd}/poetry.lock")))
    if resolved is None:
        return 1
    text = "".join(f"{pip.canonical(d.name)}=={d.pkg.version} ; python_version >= \"3.8\"\n"
                   for d in sorted(resolved.values(), key=lambda d: pip.canonical(d.name)))
    output = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")), "")
    if output:
        write_text(proc.fs, f"{proc.cwd}/{output}", text)
    else:
        proc.out(text)
    return 0
