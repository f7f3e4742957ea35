"""Reusing the hand-written recipes (`assets/base-images/*.toml`) for other versions.

A generated image's step borrows the files of the hand-written layer of the same repository whose
step text is most alike (same words once version numbers are set aside, same OS family), with
the version words changed: the recipe's `*_VERSION` values (NODE_VERSION 20.18.3, YARN_VERSION
1.22.22, PYTHON_VERSION 3.12.9, GOLANG_VERSION 1.22.12) become the generated image's, and so do
their major.minor forms (`python3.12` → `python3.11`, `cpython-312` → `cpython-311`). That is how
`node:18-alpine` gets the real node-runtime tree (`node`, `npm`, `npx`, `corepack`), yarn and
node's own docker-entrypoint.sh.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.engine.catalogue import Catalogue

SIMILAR = 0.5
"""Jaccard similarity of the two steps' word sets from which a recipe is reused."""
MAIN_INSTALL_WORDS = 40
MAIN_SIMILAR = 0.15
MAIN_LAYER = 1_000_000
"""A long step (this many distinct words) alike to this degree to an install layer (this many
bytes or more) of a hand-written image of the same repository and OS family is taken as the
same install, rewritten upstream since the recipe's release."""

_WORD = re.compile(r"[A-Za-z_][A-Za-z_-]*")


def family_recipes(catalogue: Catalogue, family: str) -> list[Mapping[str, Any]]:
    """The hand-written root images (no `from`) of an OS family, e.g. alpine 3.20 and 3.21."""
    repository = f"docker.io/library/{family}"
    seen: dict[str, Mapping[str, Any]] = {}
    for (repo, _), data in catalogue._images.items():
        if repo == repository and "from" not in data.raw and data.raw.get("layers"):
            seen[data.name] = data.raw
    return [seen[name] for name in sorted(seen)]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 1}


def _family(catalogue: Catalogue, raw: Mapping[str, Any]) -> str:
    base = str(raw.get("from", ""))
    for _ in range(6):
        name = base.split(":", 1)[0].rsplit("/", 1)[-1]
        if name in ("alpine", "debian", "ubuntu", "busybox"):
            return name
        tag = base.split(":", 1)[1] if ":" in base else "latest"
        data = catalogue._images.get((f"docker.io/library/{name}", tag))
        if data is None:
            break
        base = str(data.raw.get("from", ""))
    return "debian" if base else "scratch"


def matching_recipe(catalogue: Catalogue, repository: str, created_by: str, family: str,
                    env: Mapping[str, str]) -> tuple[dict[str, Any], int] | None:
    """The most alike hand-written layer of `repository` (its `use` fragments inlined and its
    version words replaced), with its size; None when no layer is alike enough."""
    ours = _words(created_by)
    if not ours:
        return None
    best: tuple[float, Mapping[str, Any], Mapping[str, Any]] | None = None
    main: tuple[float, Mapping[str, Any], Mapping[str, Any]] | None = None
    seen: set[str] = set()
    for (repo, _), data in catalogue._images.items():
        if repo != repository or data.name in seen:
            continue
        seen.add(data.name)
        raw = data.raw
        if _family(catalogue, raw) != family:
            continue
        steps = [h for h in raw.get("history", ()) if "run" in h or h.get("layer")]
        layers = list(raw.get("layers", ()))
        for step, layer in zip(steps, layers, strict=False):
            text = str(step.get("run") or step.get("by", ""))
            theirs = _words(text)
            score = len(ours & theirs) / max(1, len(ours | theirs))
            if score >= SIMILAR and (best is None or score > best[0]):
                best = (score, raw, layer)
            if int(layer.get("size", 0)) >= MAIN_LAYER and (main is None or score > main[0]):
                main = (score, raw, layer)
    if best is None and main is not None and len(ours) >= MAIN_INSTALL_WORDS \
            and main[0] >= MAIN_SIMILAR:
        # The repository's main install step, rewritten upstream since the recipe's release
        # (nginx's added modules, new signing keys): it still installs the same software.
        best = main
    if best is None:
        return None
    _, raw, layer = best
    replace = _version_renames(raw, env)
    parts = [_rename(catalogue._fragment(n), replace) for n in layer.get("use", ())]
    recipe = {k: _rename(v, replace) for k, v in layer.items() if k not in ("use", "size")
              and not k.startswith("size_")}
    recipe["use"] = parts
    return recipe, int(layer.get("size", 0))


def _version_renames(raw: Mapping[str, Any], env: Mapping[str, str]) -> list[tuple[str, str]]:
    theirs = {}
    for item in raw.get("config", {}).get("Env", ()):
        key, _, value = str(item).partition("=")
        theirs[key] = value
    out: list[tuple[str, str]] = []
    for key, old in theirs.items():
        new = env.get(key)
        if not key.endswith("_VERSION") or not new or new == old:
            continue
        out.append((old, new))
        old_parts, new_parts = old.split("."), new.split(".")
        if len(old_parts) >= 2 and len(new_parts) >= 2:
            out.append((".".join(old_parts[:2]), ".".join(new_parts[:2])))
            out.append((f"-{old_parts[0]}{old_parts[1]}-", f"-{new_parts[0]}{new_parts[1]}-"))
    return out


def _rename(value: Any, replace: list[tuple[str, str]]) -> Any:
    if not replace:
        return value
    if isinstance(value, str):
        pattern = "|".join(re.escape(old) for old, _ in sorted(replace, key=lambda p: -len(p[0])))
        table = dict(replace)
        return re.sub(pattern, lambda m: table[m.group(0)], value)
    if isinstance(value, list):
        return [_rename(v, replace) for v in value]
    if isinstance(value, dict):
        return {_rename(k, replace): _rename(v, replace) for k, v in value.items()}
    return value
