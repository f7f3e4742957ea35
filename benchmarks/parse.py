"""Dockerfile parse throughput: our parser against BuildKit's (compiled Go) and dockerfile-parse.

A deterministic corpus of realistic Dockerfiles (small to large, continuations, exec and shell
forms, flags, heredocs, comments) is parsed file by file with each parser; the best of several
rounds counts. Run standalone (`python benchmarks/parse.py` or `python -m benchmarks.parse`) or
through `run(report)`.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable

from tutor.engine.dockerfile._parser import parse

Report = Callable[[str, float, str], None]

_SEED = 20250601
_FILES = 120
_ROUNDS = 7

_IMAGES = ["alpine:3.20", "python:3.12-slim", "golang:1.22", "node:20", "debian:bookworm"]
_PACKAGES = ["curl", "git", "ca-certificates", "build-essential", "libpq-dev", "jq", "tzdata"]


def _run_block(rng: random.Random) -> list[str]:
    packages = rng.sample(_PACKAGES, rng.randint(2, 5))
    if rng.random() < 0.5:
        return [f"RUN apt-get update && apt-get install -y {' '.join(packages)}"]
    lines = ["RUN set -eux; \\", "    apt-get update; \\"]
    lines += [f"    apt-get install -y --no-install-recommends {p}; \\" for p in packages]
    lines.append("    rm -rf /var/lib/apt/lists/*")
    return lines


def _stage(rng: random.Random, index: int) -> list[str]:
    lines = [f"FROM {rng.choice(_IMAGES)} AS stage{index}", "ARG VERSION=1.0"]
    for _ in range(rng.randint(3, 14)):
        kind = rng.random()
        if kind < 0.30:
            lines += _run_block(rng)
        elif kind < 0.45:
            lines.append(f"COPY --from=stage{max(index - 1, 0)} /src/{rng.randint(1, 99)} /app/")
        elif kind < 0.55:
            lines.append(f'ENV PATH=/opt/bin:$PATH APP_{rng.randint(1, 9)}="value {index}"')
        elif kind < 0.62:
            lines.append(f'LABEL org.opencontainers.image.version="{rng.randint(1, 9)}.0"')
        elif kind < 0.70:
            lines += ["# install the application", "WORKDIR /app", "COPY . ."]
        elif kind < 0.76:
            lines += ["RUN <<EOF", "set -e", "echo building", "EOF"]
        elif kind < 0.82:
            lines.append("HEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1")
        elif kind < 0.90:
            lines.append(f"EXPOSE {rng.randint(1000, 9999)}/tcp")
        else:
            lines.append("")
    lines.append('CMD ["python", "-m", "app", "--port", "8000"]')
    return lines


def corpus() -> list[str]:
    """The benchmark Dockerfiles: the same every run."""
    rng = random.Random(_SEED)
    files = []
    for _ in range(_FILES):
        lines = ["# syntax=docker/dockerfile:1"]
        for index in range(rng.choice([1, 1, 2, 3, 5])):
            lines += _stage(rng, index)
        files.append("\n".join(lines) + "\n")
    return files


def _best_seconds(parse_one: Callable[[str], object], files: list[str]) -> float:
    best = float("inf")
    for _ in range(_ROUNDS):
        started = time.perf_counter()
        for text in files:
            parse_one(text)
        best = min(best, time.perf_counter() - started)
    return best


def _buildkit() -> Callable[[str], object] | None:
    try:
        import dockerfile  # type: ignore[import-not-found]
    except ImportError:
        return None
    parse_string: Callable[[str], object] = dockerfile.parse_string
    return parse_string


def _dockerfile_parse() -> Callable[[str], object] | None:
    try:
        from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]
    except ImportError:
        return None

    def parse_one(text: str) -> object:
        parser = DockerfileParser(fileobj=io.BytesIO())
        parser.content = text
        return parser.structure

    return parse_one


def run(report: Report) -> None:
    files = corpus()
    instructions = sum(len(parse(text)) for text in files)
    megabytes = sum(len(text.encode()) for text in files) / 1e6
    report("corpus instructions", instructions, "instructions")
    report("corpus size", megabytes, "MB")

    rates: dict[str, float] = {}
    for name, parse_one in (
        ("ours", parse),
        ("buildkit", _buildkit()),
        ("dockerfile-parse", _dockerfile_parse()),
    ):
        if parse_one is None:
            continue
        seconds = _best_seconds(parse_one, files)
        rates[name] = instructions / seconds
        report(f"{name} throughput", rates[name], "instructions/s")
        report(f"{name} throughput (bytes)", megabytes / seconds, "MB/s")
    for other in ("buildkit", "dockerfile-parse"):
        if other in rates:
            report(f"ours / {other}", rates["ours"] / rates[other], "x")


def _print(name: str, value: float, unit: str) -> None:
    print(f"{name:32} {value:14,.2f} {unit}")


if __name__ == "__main__":
    run(_print)
