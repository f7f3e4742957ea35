"""Container names as the daemon makes them up: `<adjective>_<surname>`, e.g. `quirky_hopper`.

Docker draws the words at random; we draw them from a generator seeded by the store's container
counter, so a sandbox replayed from scratch gives its containers the same names every time.
"""

from __future__ import annotations

import random
import re
import tomllib
from functools import cache
from pathlib import Path

VALID_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
"""moby's `validContainerNamePattern` (a name has at least two characters)."""


@cache
def _words(assets: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    doc = tomllib.loads((assets / "containers" / "names.toml").read_text(encoding="utf-8"))
    return tuple(doc["adjectives"]), tuple(doc["surnames"])


def generated_name(assets: Path, seed: int, retry: int) -> str:
    """The name for the `seed`-th container; `retry` > 0 after a clash adds a digit, as moby's
    `GetRandomName(retry)` does."""
    left, right = _words(assets)
    rng = random.Random(f"container-name-{seed}-{retry}")
    while True:
        name = f"{rng.choice(left)}_{rng.choice(right)}"
        if name != "boring_wozniak":  # Steve Wozniak is not boring (moby's own rule)
            break
    if retry > 0:
        name += str(rng.randrange(10))
    return name
