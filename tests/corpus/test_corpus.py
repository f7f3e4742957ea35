"""The corpus of real Dockerfiles: each builds (or fails) as on real Docker, rebuilds fully from
the cache, misses the cache exactly from the first COPY of an edited file, and makes as many
layers, and an image as big, as BuildKit would.

Run alone with `pytest -m corpus tests/corpus`. Cases real Docker builds but the engine cannot
yet are `xfail(strict=True)`: the day one passes, its mark in `manifest.toml` must come off.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.harness import Case, load_cases, verify

pytestmark = pytest.mark.corpus


def _params() -> list[object]:
    out: list[object] = []
    for case in load_cases():
        marks = [pytest.mark.xfail(strict=True, reason=case.reason)] \
            if case.engine == "xfail" else []
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_case(case: Case, tmp_path: Path) -> None:
    verify(case, tmp_path)
