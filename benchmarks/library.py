"""Benchmark: the open-world base-image catalogue (the generated library).

Figures only (no assertions), through the engine and the docker front door:

- resolving one generated image in a fresh catalogue (the data file read and the spec built),
  and every tag group of the library (amd64);
- `docker pull` of a generated image into an empty sandbox, and the state directory's growth;
- the wheel: its size and the bytes of the library data in it (built into a temporary
  directory; skipped when no wheel can be built offline);
- cold start: `tutor docker images` in a fresh process with the library and without it.

Uses the shipped `assets/library` when it holds data, else the test fixture library. Run
standalone with `python -m benchmarks.library`, or call `run(report)`.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from tutor.engine import catalogue as catalogue_module
from tutor.paths import content_dir

Report = Callable[[str, float, str], None]
ROOT = Path(__file__).resolve().parent.parent


def _library() -> tuple[Path, str]:
    """The library to measure and one generated image in it."""
    shipped = content_dir("assets") / "library"
    if (shipped / "official" / "node.json.gz").exists():
        return shipped, "node:22-alpine"
    from tests.engine.library_fixture import write_library

    return write_library(Path(tempfile.mkdtemp()) / "library"), "node:18-alpine"


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _resolve(report: Report, library: Path, ref: str) -> None:
    catalogue_module.library_root = lambda assets: library
    catalogue_module._CACHE.clear()
    name, _, tag = ref.partition(":")
    start = time.perf_counter()
    cat = catalogue_module.load_catalogue(content_dir("assets"))
    spec = cat.resolve(catalogue_module.normalize_repository(name), tag)
    report(f"resolve {ref} in a fresh catalogue", (time.perf_counter() - start) * 1e3, "ms")
    assert spec is not None
    images = cat._library
    assert images is not None
    start = time.perf_counter()
    count = 0
    for repo in sorted(images.names()):
        for record in images.files.records(repo):
            if "amd64" in record.architectures and record.tags and cat.resolve(
                    catalogue_module.normalize_repository(repo), record.tags[0]):
                count += 1
    report(f"resolve every tag group ({count}, amd64)", time.perf_counter() - start, "s")


def _pull(report: Report, library: Path, ref: str) -> None:
    from tutor.dockercli import main

    catalogue_module.library_root = lambda assets: library
    catalogue_module._CACHE.clear()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        main(["images"], state=state, stdout=io.StringIO(), stderr=io.StringIO(), tty=False)
        before = _dir_bytes(state)
        start = time.perf_counter()
        status = main(["pull", ref], state=state, stdout=io.StringIO(), stderr=io.StringIO(),
                      tty=False)
        report(f"docker pull {ref} (status {status})", time.perf_counter() - start, "s")
        report("state directory growth for that image", (_dir_bytes(state) - before) / 1e6, "MB")


def _wheel(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, str(ROOT)],
            capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if built.returncode != 0 or not wheels:
            report("wheel: could not be built offline (skipped)", 0, "")
            return
        wheel = wheels[0]
        report("wheel size", wheel.stat().st_size / 1e6, "MB")
        with zipfile.ZipFile(wheel) as archive:
            library = sum(i.compress_size for i in archive.infolist()
                          if "/assets/library/" in i.filename)
        report("library data in the wheel", library / 1e6, "MB")


_COLD = """
import io, sys, tempfile
from pathlib import Path
from tutor.engine import catalogue
if sys.argv[1] == "none":
    catalogue.library_root = lambda assets: Path(tempfile.mkdtemp())
from tutor.dockercli import main
main(["images"], state=Path(sys.argv[2]), stdout=io.StringIO(), stderr=io.StringIO(), tty=False)
"""


def _cold_start(report: Report) -> None:
    for variant in ("none", "shipped"):
        times = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", _COLD, variant, tmp], check=True,
                               cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
                times.append(time.perf_counter() - start)
        label = "without the library" if variant == "none" else "with the library"
        report(f"cold start: tutor docker images, {label} (best of 3)", min(times), "s")


def run(report: Report) -> None:
    library, ref = _library()
    report(f"library data on disk ({library.name})", _dir_bytes(library) / 1e6, "MB")
    original = catalogue_module.library_root
    try:
        _resolve(report, library, ref)
        _pull(report, library, ref)
    finally:
        catalogue_module.library_root = original
        catalogue_module._CACHE.clear()
    _cold_start(report)
    _wheel(report)


if __name__ == "__main__":
    def _print(label: str, value: float, unit: str) -> None:
        print(f"  {label:<66} {value:>12,.2f} {unit}")

    run(_print)
