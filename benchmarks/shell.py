"""Benchmark: the simulated shell's own costs, which must grow linearly with the work.

`eval` of a long generated string (parse + run) at three sizes: the time per command should
stay flat as the string grows (it was quadratic: every token sliced the rest of the script).
Pipelines: a writer stopped by its reader (`seq 1 1000000000 | head -1`), throughput through a
pipe, and the fixed cost of starting a two-member pipeline (its members run as threads).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.engine.sh_trees import ENV, debian_tree
from tutor.engine.fs import file
from tutor.engine.sh import run_script

Report = Callable[[str, float, str], None]


def _timed(script: str, extra: dict[str, bytes] | None = None) -> float:
    tree = debian_tree()
    for path, data in (extra or {}).items():
        tree.put(path, file(data, 0o644))
    started = time.perf_counter()
    result = run_script(script, fs=tree, env=dict(ENV))
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"{script!r} failed: {result.output[-300:]!r}")
    return elapsed


def run(report: Report) -> None:
    for n in (20_000, 40_000, 80_000):
        body = "\n".join(f"x=$((x+{i}))" for i in range(n)).encode()
        elapsed = _timed('eval "$(cat /tmp/cmds)"', {"/tmp/cmds": body})
        report(f"shell.eval_{n // 1000}k_commands", elapsed, "s")
        report(f"shell.eval_{n // 1000}k_per_command", elapsed / n * 1e6, "µs")
    report("shell.seq_billion_into_head_1", _timed("seq 1 1000000000 | head -1"), "s")
    report("shell.seq_1M_through_wc", _timed("seq 1 1000000 | wc -l"), "s")
    pipelines = 2000
    elapsed = _timed(f"for i in $(seq 1 {pipelines}); do echo $i | cat >/dev/null; done")
    report("shell.two_member_pipeline", elapsed / pipelines * 1e6, "µs")
