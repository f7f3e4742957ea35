"""Every benchmark in one run: figures and ratios, printed as a table.

    python benchmarks/run.py            # all of them
    python benchmarks/run.py parse build  # some of them

Each module exposes `run(report)` and calls `report(name, value, unit)` for each figure. Speed is
measured here, never in the test suite. Figures vary with the machine and its load: compare
ratios (ours against BuildKit's parser, against raw sha256) more than absolute times.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SUITES = ("parse", "context", "build", "containers", "registry", "ui", "library", "serve",
          "shell")


def main(argv: list[str]) -> int:
    wanted = argv or list(SUITES)
    unknown = [name for name in wanted if name not in SUITES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name} ==")
        start = time.perf_counter()

        def report(label: str, value: float, unit: str) -> None:
            print(f"  {label:<66} {value:>12,.2f} {unit}")

        module.run(report)
        print(f"  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
