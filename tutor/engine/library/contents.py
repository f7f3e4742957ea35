"""What a generated image holds beyond its steps' text, by rule: the programs its repository
implies on its PATH (rules.toml `programs`, and the program its Cmd/Entrypoint names), and the
packages the data lists in the package database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.engine.catalogue import LayerSpec
from tutor.engine.library.config import env_map
from tutor.engine.library.data import ImageRecord, StepRecord
from tutor.engine.library.rules import Rules
from tutor.engine.library.steps import expand

Planned = tuple[StepRecord, dict[str, Any], int, bool]
"""One own layer being planned: its step, its recipe, its size, whether the size is real."""

_SHELL_WORDS = {"sh", "bash", "/bin/sh", "/bin/bash", "ash"}


def place_programs(rules: Rules, record: ImageRecord, config: Mapping[str, Any],
                   planned: list[Planned], base_layers: tuple[LayerSpec, ...]) -> None:
    """Put the repository's programs (and the one CMD/ENTRYPOINT names) in its main layer."""
    if not planned:
        return
    env = env_map(config.get("Env", []))
    name = record.repository  # the data names repositories familiarly (`node`)
    existing = {p for layer in base_layers for p, _ in layer.entries}
    for _, recipe, _, _ in planned:
        existing |= _recipe_paths(recipe)
    main = _main_layer(planned, name, env)
    recipe = planned[main][1]
    blobs: dict[str, int] = dict(recipe.get("blobs", {}))
    links: dict[str, str] = dict(recipe.get("symlinks", {}))
    majmin = ".".join(env.get("PYTHON_VERSION", "3").split(".")[:2])
    for group in rules.programs.get(name, ()):
        folder = expand(group.dir, env)
        if not folder:
            continue
        for program in group.names:
            path = f"{folder}/{program.replace('@MAJMIN@', majmin)}"
            if path not in existing and path not in links:
                blobs[path] = group.size
        for link, target in group.links.items():
            path = f"{folder}/{link}"
            if path not in existing and path not in blobs:
                links[path] = target.replace("@MAJMIN@", majmin)
        for path, target in group.links_in.items():
            real_target = expand(target, env)
            if real_target and path not in existing:
                links[path] = real_target
    command = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    program = command[0] if command else ""
    on_path = [d for d in env.get("PATH", "").split(":") if d]
    if (program and "/" not in program and program not in _SHELL_WORDS
            and not program.endswith(".sh") and not program.startswith("-")
            and not any(f"{d}/{program}" in existing | set(blobs) | set(links)
                        for d in on_path)):
        folder = "/usr/local/bin" if "/usr/local/bin" in on_path else (on_path or ["/bin"])[0]
        blobs[f"{folder}/{program}"] = 1_000_000
    if blobs:
        recipe["blobs"] = blobs
    if links:
        recipe["symlinks"] = links
    planned[main] = (planned[main][0], recipe, max(planned[main][2], _install_size(
        rules, name, planned[main][3])), planned[main][3])


_DATABASES = {"apk": "/lib/apk/db/installed", "dpkg": "/var/lib/dpkg/status"}
_INSTALLERS = {"apk": "apk add", "dpkg": "install"}


def record_packages(record: ImageRecord, planned: list[Planned],
                     base_layers: tuple[LayerSpec, ...], lower_files: set[str],
                     words: Mapping[str, str]) -> None:
    """Add the packages the data lists and the base lacks to the package database, in the
    first step that installs packages (the data knows what is installed, not which step did it)."""
    path = _DATABASES.get(record.packages_format)
    if path is None or path not in lower_files or not planned or not record.packages:
        return
    text = _lower_text(base_layers, path)
    key = "P:" if record.packages_format == "apk" else "Package: "
    have = {line[len(key):].strip() for line in text.splitlines() if line.startswith(key)}
    rows = [row.split(None, 1) for row in record.packages]
    missing = [(r[0], r[1] if len(r) > 1 else "") for r in rows if r and r[0] not in have]
    if not missing:
        return
    installer = _INSTALLERS[record.packages_format]
    index = next((i for i, (step, _, _, _) in enumerate(planned)
                  if installer in step.created_by), 0)
    recipe = planned[index][1]
    parts = [recipe, *[p for p in recipe.get("use", ()) if isinstance(p, dict)]]
    if any(spec.get("path") == path for part in parts for spec in part.get("packages", ())):
        return  # the reused hand-written recipe writes its own package list there
    if record.packages_format == "apk":
        stanzas = "".join(f"P:{n}\nV:{v}\nA:{words['@ARCH@']}\nT:{n}\n\n" for n, v in missing)
    else:
        stanzas = "".join(
            f"Package: {n}\nStatus: install ok installed\nArchitecture: {words['@DEBARCH@']}\n"
            f"Version: {v}\nDescription: {n}\n\n" for n, v in missing)
    append = dict(recipe.get("append", {}))
    append[path] = append.get(path, "") + stanzas
    recipe["append"] = append


def _lower_text(layers: tuple[LayerSpec, ...], path: str) -> str:
    for layer in reversed(layers):
        for entry, node in layer.entries:
            if entry == path and node.content is not None:
                return node.content.read().decode(errors="replace")
    return ""


def _install_size(rules: Rules, name: str, real: bool) -> int:
    return 0 if real else rules.install_sizes.get(name, 0)


def _main_layer(planned: list[Planned], name: str,
                env: Mapping[str, str]) -> int:
    """The step that installs the repository's software: the largest RUN/COPY naming a
    *_VERSION variable or the repository, else the largest layer."""
    version_vars = [k for k in env if k.endswith("_VERSION")]
    best, best_size = None, -1
    for i, (step, _, size, _) in enumerate(planned):
        text = step.created_by
        if (any(v in text for v in version_vars) or name.rsplit("/", 1)[-1] in text) \
                and size > best_size:
            best, best_size = i, size
    if best is None:
        best = max(range(len(planned)), key=lambda i: planned[i][2])
    return best


def _recipe_paths(recipe: Mapping[str, Any]) -> set[str]:
    paths: set[str] = set()
    for part in [*[p for p in recipe.get("use", ()) if isinstance(p, dict)], recipe]:
        for key in ("files", "symlinks", "blobs"):
            paths |= set(part.get(key, {}))
    return paths
