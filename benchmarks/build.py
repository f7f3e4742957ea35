"""Build speed: cold and cached builds of a lesson-sized image (engine time and whole `tutor docker
build` process), a 1,000-instruction Dockerfile, a 10,000-file / 100 MB context (first and repeat
build), and peak memory while saving a large image.

Run standalone (`python benchmarks/build.py`) or through `run(report)`.
"""

from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from tutor.dockercli import main as docker_main

Report = Callable[[str, float, str], None]

LESSON_APP = {
    "Dockerfile": (
        "FROM node:20-alpine\n"
        "WORKDIR /app\n"
        "COPY package.json .\n"
        "RUN npm install\n"
        "COPY . .\n"
        'CMD ["node", "server.js"]\n'
    ),
    "package.json": '{"name": "app", "version": "1.0.0", "dependencies": {"express": "^4.21.2"}}\n',
    "server.js": (
        "const express = require('express');\n"
        "const app = express();\n"
        "app.get('/', (req, res) => res.send('Hello from the tutorial!'));\n"
        "app.listen(3000, () => console.log('listening on 3000'));\n"
    ),
}


def _write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _docker(state: Path, cwd: Path, *argv: str) -> float:
    """Run one docker command in-process; returns its wall time."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        start = time.perf_counter()
        status = docker_main(list(argv), state=state, stdout=out, stderr=err, tty=False)
        elapsed = time.perf_counter() - start
    finally:
        os.chdir(old)
    if status != 0:
        raise RuntimeError(f"docker {' '.join(argv)} failed:\n{err.getvalue()}")
    return elapsed


def _process(state: Path, cwd: Path, *argv: str) -> float:
    # as a learner's shell runs it: bytecode cached (some environments disable writing it)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tutor", "--state", str(state), "docker", *argv],
                   cwd=cwd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _best(fn: Callable[[], float], rounds: int = 5) -> float:
    return min(fn() for _ in range(rounds))


def run(report: Report) -> None:
    _catalogue(report)
    with tempfile.TemporaryDirectory(prefix="tutor-bench-build-") as tmp:
        base = Path(tmp)
        state = base / "state"
        app = _write(base / "app", LESSON_APP)
        _docker(state, app, "pull", "node:20-alpine")
        cold = _docker(state, app, "build", "-t", "app:1", ".")
        report("lesson image, cold build (engine, in-process)", cold * 1000, "ms")
        cached = _best(lambda: _docker(state, app, "build", "-t", "app:1", "."))
        report("lesson image, cached rebuild (engine, in-process)", cached * 1000, "ms")
        _process(state, app, "build", "-t", "app:1", ".")  # writes the bytecode cache
        whole = _best(lambda: _process(state, app, "build", "-t", "app:1", "."), 5)
        report("lesson image, cached rebuild (whole `tutor docker build` process)",
               whole * 1000, "ms")
        baseline = _best(lambda: _time_python_startup(), 3)
        report("  of which Python interpreter start-up", baseline * 1000, "ms")

        long = base / "long"
        lines = ["FROM alpine:3.21"]
        lines += [f"ENV V{i}={i}" if i % 2 else f"LABEL l{i}=v{i}" for i in range(1000)]
        _write(long, {"Dockerfile": "\n".join(lines) + "\n"})
        first = _docker(state, long, "build", "-t", "long:1", ".")
        report("1,000-instruction Dockerfile, first build", first * 1000, "ms")

        big = base / "bigctx"
        _make_big_context(big)
        ctx_first = _docker(state, big, "build", "-t", "big:1", ".")
        report("10,000 files / 100 MB context, first build", ctx_first * 1000, "ms")
        ctx_again = _docker(state, big, "build", "-t", "big:1", ".")
        report("10,000 files / 100 MB context, repeat build", ctx_again * 1000, "ms")

        tracemalloc.start()
        _docker(state, app, "save", "-o", str(base / "node.tar"), "node:20-alpine")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = (base / "node.tar").stat().st_size
        report("docker save of node:20-alpine: archive size", size / 1e6, "MB")
        report("docker save of node:20-alpine: peak Python memory", peak / 1e6, "MB")
        report("  ratio peak memory / archive size", peak / size, "x")


def _catalogue(report: Report) -> None:
    from tutor.engine import catalogue
    from tutor.paths import content_dir

    def fresh(ref: str) -> float:
        catalogue._CACHE.clear()
        start = time.perf_counter()
        name, _, tag = ref.partition(":")
        found = catalogue.load_catalogue(content_dir("assets"))
        found.resolve(catalogue.normalize_repository(name), tag)
        return time.perf_counter() - start

    for ref in ("node:20", "python:3.12-slim"):
        seconds = _best(functools.partial(fresh, ref))
        report(f"catalogue: parse the base images and build {ref}'s spec", seconds * 1000, "ms")


def _time_python_startup() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def _make_big_context(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text("FROM alpine:3.21\nCOPY . /data\n")
    chunk = os.urandom(10_000)
    for d in range(100):
        folder = root / f"d{d:03}"
        folder.mkdir()
        for f in range(100):
            (folder / f"f{f:03}.bin").write_bytes(chunk[: 1000 + (d * f) % 9000] * 1
                                                  + bytes([d, f]) * 2000)


if __name__ == "__main__":
    def _print(name: str, value: float, unit: str) -> None:
        print(f"{name:<70} {value:10.1f} {unit}")

    run(_print)
