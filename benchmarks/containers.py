"""Benchmark: start 100 containers from one image; time taken and disk used by the state.

Shared layers must not be copied: the state directory should grow by the containers' records,
not by 100 copies of the image.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tutor.engine import Engine
from tutor.engine.containers import CreateOptions
from tutor.paths import content_dir

Report = Callable[[str, float, str], None]


def _disk(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        engine = Engine.open(state, content_dir("assets"))
        image, _ = engine.local_or_pull("alpine:3.21")
        before = _disk(state)
        started = time.perf_counter()
        for i in range(100):
            c = engine.containers.create(
                CreateOptions("alpine:3.21", cmd=("sh", "-c", f"echo {i} > /n.txt")), image)
            engine.containers.start(c)
        elapsed = time.perf_counter() - started
        engine.close()
        report("containers.start_100", elapsed, "s")
        report("containers.disk_per_container", (_disk(state) - before) / 100, "B")
        report("containers.image_bytes", float(engine.images.size(image)), "B")


if __name__ == "__main__":
    run(lambda name, value, unit: print(f"{name}: {value:.3f} {unit}"))
