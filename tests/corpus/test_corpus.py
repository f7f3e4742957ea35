"""The corpus of real Dockerfiles: each builds (or fails) as on real Docker, rebuilds fully from
the cache, misses the cache exactly from the first COPY of an edited file, and makes as many
layers, and an image as big, as BuildKit would.

Run alone with `pytest -m corpus tests/corpus`. Cases real Docker builds but the engine cannot
yet are `xfail(strict=True)`: the day one passes, its mark in `manifest.toml` must come off.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.corpus.harness import (
    Case,
    build,
    build_steps,
    built_stages,
    docker,
    first_copy_of,
    layer_bounds,
    load_cases,
    materialise,
    normal,
    parse_stages,
)

pytestmark = pytest.mark.corpus
GB = 1 << 30


def _params() -> list[object]:
    out: list[object] = []
    for case in load_cases():
        marks = [pytest.mark.xfail(strict=True, reason=case.reason)] \
            if case.engine == "xfail" else []
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


def _inspect(state: Path, cwd: Path, ref: str) -> dict[str, object]:
    r = docker(state, cwd, "image", "inspect", ref)
    assert r.status == 0, r.err
    doc = json.loads(r.out)[0]
    assert isinstance(doc, dict)
    return doc


def _edited_file(case: Case, ctx: Path) -> str | None:
    if case.edit:
        return case.edit
    stages = built_stages(parse_stages((ctx / "Dockerfile").read_text()), case.target)
    order = [step.text for stage in stages for step in stage.steps]
    best: tuple[int, str] | None = None
    for path in sorted(p for p in ctx.rglob("*") if p.is_file()):
        rel = path.relative_to(ctx).as_posix()
        copy = first_copy_of(stages, rel) if rel not in ("Dockerfile", ".dockerignore") else None
        if copy is not None and (best is None or order.index(copy.text) < best[0]):
            best = order.index(copy.text), rel
    # the file the earliest COPY selects: the miss then reaches the most steps after it
    return best[1] if best else None


@pytest.mark.parametrize("case", _params())
def test_case(case: Case, tmp_path: Path) -> None:
    state, ctx = tmp_path / "state", materialise(case, tmp_path / "ctx")
    first = build(state, ctx, case)
    if case.real == "fails":
        assert first.status != 0, "real Docker fails this build"
        assert case.real_error in first.err, first.err[-2000:]
        return
    assert first.status == 0, first.err[-2000:]

    again = build(state, ctx, case)
    assert again.status == 0, again.err[-2000:]
    steps = [s for s in build_steps(again.err + again.out) if not s.text.startswith("FROM ")]
    assert steps and all(s.cached for s in steps), [s.text for s in steps if not s.cached]

    stages = parse_stages((ctx / "Dockerfile").read_text())
    built = built_stages(stages, case.target)
    rel = _edited_file(case, ctx)
    if rel is not None:
        copy = first_copy_of(built, rel)
        assert copy is not None
        with (ctx / rel).open("a") as f:
            f.write("\n")
        edited = build(state, ctx, case)
        assert edited.status == 0, edited.err[-2000:]
        log = build_steps(edited.err + edited.out)
        hit = [s for s in log if normal(s.text) == normal(copy.text)]
        assert hit and not hit[0].cached, (copy.text, [(s.text, s.cached) for s in log])
        before = [s for s in log if s.label == hit[0].label and s.index < hit[0].index
                  and not s.text.startswith("FROM ")]
        assert all(s.cached for s in before), [s.text for s in before if not s.cached]

    base, low, high = layer_bounds(stages, case.target)
    image = _inspect(state, ctx, "corpus:case")
    layers = len(image["RootFS"]["Layers"])  # type: ignore[index]
    base_layers, base_size = 0, 0
    if base != "scratch":
        base_image = _inspect(state, ctx, base)
        base_layers = len(base_image["RootFS"]["Layers"])  # type: ignore[index]
        base_size = int(base_image["Size"])  # type: ignore[call-overload]
    assert base_layers + low <= layers <= base_layers + high, (base_layers, low, high, layers)
    size = int(image["Size"])  # type: ignore[call-overload]
    assert base_size <= size < base_size + 4 * GB
