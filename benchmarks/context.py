"""Benchmark: loading and checksumming a build context.

Generates a deterministic context (10,000 files of about 100 MB in all, spread over 100
directories, plus three 32 MiB files) and measures, over the same bytes:

- raw sha256: `hashlib.sha256` over the files' bytes already in memory, one thread: the ceiling;
- raw read+sha256: the plainest loop over the same files (open, read, hash), one thread;
- first load: `BuildContext.load` with an empty checksum cache (walk, read, hash);
- repeat load: the same with the cache the first load filled (walk and stat only);

and reports each in MB/s, plus first load / raw sha256 and first load / raw read+sha256 (the
target is at least 0.8). With 10,000 small files, per-file system calls weigh as much as hashing
their bytes, so the first ratio depends on how many cores the hashing threads get.

Run standalone from the repository root with `python -m benchmarks.context`, or call
`run(report)`.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tutor.engine._checksum import ChecksumCache
from tutor.engine._context import BuildContext

SMALL_FILES = 10_000
SMALL_BYTES = 100 * 1000 * 1000
BIG_FILES = 3
BIG_SIZE = 32 * 1024 * 1024
SEED = 2024

Report = Callable[[str, float, str], None]


def _generate(root: Path) -> list[Path]:
    """Write the context; returns every file written, in a fixed order."""
    rng = random.Random(SEED)
    average = SMALL_BYTES // SMALL_FILES
    block = rng.randbytes(BIG_SIZE)  # small files are slices of it: fast and deterministic
    files: list[Path] = []
    for n in range(SMALL_FILES):
        directory = root / f"pkg{n // 100:02d}"
        directory.mkdir(exist_ok=True)
        size = rng.randint(0, 2 * average)
        start = rng.randrange(len(block) - size)
        path = directory / f"module{n % 100:02d}.py"
        path.write_bytes(block[start : start + size])
        files.append(path)
    for n in range(BIG_FILES):
        path = root / f"asset{n}.bin"
        path.write_bytes(rng.randbytes(BIG_SIZE))
        files.append(path)
    return files


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _raw_sha256(files: list[Path]) -> tuple[float, float]:
    """Megabytes in `files` and the best time sha256 takes over them, read into memory first."""
    contents = [p.read_bytes() for p in files]

    def raw() -> None:
        for content in contents:
            hashlib.sha256(content).hexdigest()

    return sum(len(c) for c in contents) / 1e6, _best(raw)


def _raw_read_sha256(files: list[Path]) -> float:
    def raw() -> None:
        for path in files:
            with open(path, "rb") as handle:
                hashlib.sha256(handle.read()).hexdigest()

    return _best(raw)


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-context-") as tmp:
        root = Path(tmp) / "context"
        root.mkdir()
        files = _generate(root)
        megabytes, raw_time = _raw_sha256(files)
        raw_read_time = _raw_read_sha256(files)

        first_time = _best(lambda: BuildContext.load(root, cache=ChecksumCache()))
        cache = ChecksumCache()
        context = BuildContext.load(root, cache=cache)
        repeat_time = _best(lambda: BuildContext.load(root, cache=cache))

        cache_file = Path(tmp) / "checksums.json"
        save_time = _best(lambda: cache.save(cache_file), repeat=1)
        reload_time = _best(lambda: ChecksumCache.load(cache_file), repeat=1)

        report("context.files", float(len(context)), "entries")
        report("context.bytes", megabytes, "MB")
        report("context.raw_sha256", megabytes / raw_time, "MB/s")
        report("context.raw_read_sha256", megabytes / raw_read_time, "MB/s")
        report("context.first_load", megabytes / first_time, "MB/s")
        report("context.repeat_load", megabytes / repeat_time, "MB/s")
        report("context.first_vs_raw", raw_time / first_time, "ratio")
        report("context.first_vs_raw_read", raw_read_time / first_time, "ratio")
        report("context.cache_save", save_time * 1000, "ms")
        report("context.cache_load", reload_time * 1000, "ms")
        report("context.transfer_size", context.transfer_size() / 1e6, "MB")


def _print(name: str, value: float, unit: str) -> None:
    print(f"{name:28} {value:12.3f} {unit}")


if __name__ == "__main__":
    run(_print)
