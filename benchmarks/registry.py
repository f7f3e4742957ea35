"""Benchmark: pushing a lesson image to the embedded registries and pulling it back.

Builds a lesson-style image (`FROM nginx:1.27` plus a page), then measures through the docker
front door, wall-clock:

- pull of the base from the simulated Hub (index for two platforms, seven layers);
- `docker images` right after (every image's sizes measured from the store);
- first push to a `localhost:5000` registry (every layer uploaded);
- push of the same image again (every layer `Layer already exists`);
- push to the learner's Hub namespace (base layers `Mounted from library/nginx`);
- pull back after `docker rmi` (base layers `Already exists`) and pull by digest.

Run standalone from the repository root with `python -m benchmarks.registry`, or call
`run(report)`.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tutor.dockercli import main

Report = Callable[[str, float, str], None]
PASSWORD = "learn-docker"


def _docker(state: Path, cwd: Path, *argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        status = main(list(argv), state=state, stdout=out, stderr=err, tty=False)
    finally:
        os.chdir(old)
    if status != 0:
        raise RuntimeError(f"docker {' '.join(argv)} failed: {err.getvalue()}")
    return out.getvalue()


def _timed(report: Report, name: str, state: Path, cwd: Path, *argv: str) -> str:
    start = time.perf_counter()
    out = _docker(state, cwd, *argv)
    report(name, (time.perf_counter() - start) * 1000, "ms")
    return out


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        state, ctx = root / "state", root / "ctx"
        ctx.mkdir()
        (ctx / "Dockerfile").write_text("FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/\n")
        (ctx / "index.html").write_text("<h1>Hello from the lesson</h1>\n" * 200)
        _timed(report, "registry.pull_base", state, ctx, "pull", "nginx:1.27")
        _docker(state, ctx, "build", "-q", "-t", "localhost:5000/site:1", ".")
        _timed(report, "registry.images_cold", state, ctx, "images")
        _docker(state, ctx, "run", "-d", "-p", "5000:5000", "--name", "registry", "registry:2")
        _timed(report, "registry.push_first", state, ctx, "push", "localhost:5000/site:1")
        _timed(report, "registry.push_again", state, ctx, "push", "localhost:5000/site:1")
        _docker(state, ctx, "login", "-u", "learner", "-p", PASSWORD)
        _docker(state, ctx, "tag", "localhost:5000/site:1", "learner/site:1")
        _timed(report, "registry.push_hub_mounted", state, ctx, "push", "learner/site:1")
        _docker(state, ctx, "rmi", "localhost:5000/site:1", "learner/site:1")
        pulled = _timed(report, "registry.pull_back", state, ctx, "pull",
                        "localhost:5000/site:1")
        digest = pulled.split("Digest: ")[1].split()[0]
        _docker(state, ctx, "rmi", "localhost:5000/site:1")
        _timed(report, "registry.pull_by_digest", state, ctx, "pull",
               f"localhost:5000/site@{digest}")


def _print(name: str, value: float, unit: str) -> None:
    print(f"{name:28} {value:12.3f} {unit}")


if __name__ == "__main__":
    run(_print)
