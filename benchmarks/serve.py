"""A classroom on one machine: N students in `tutor serve` at once, typing in a lesson's
terminal; keystroke-to-screen latency percentiles, failed sessions and memory per student.

Each simulated student is a websocket client, as the browser's page is: it types its name on
the start page, opens the first lesson, waits for its sandbox, then types `docker images`
key by key at a person's pace (about four keys a second). A keystroke's latency runs from
sending the key to receiving the first screen update that shows it. Students arrive a little
apart, as a room does; typing starts once everyone is in. Memory is each app process's
proportional set size (shared pages split between the processes sharing them).

    python benchmarks/serve.py --students 40
    python benchmarks/run.py serve          # 10 students
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from tests.serve.served import descendants, serving  # noqa: E402

Report = Callable[[str, float, str], None]
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
TYPED = "docker images"
JOIN_GAP = 0.5
"""Seconds between two students arriving."""
KEY_GAP = 0.25
READY_LIMIT = 300.0
"""Seconds a student may wait for their lesson before the session counts as failed."""


@dataclass
class Student:
    name: str
    latencies: list[float] = field(default_factory=list)
    failed: str = ""
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    typed: asyncio.Event = field(default_factory=asyncio.Event)


class Screen:
    """The text a student's websocket has received, and a way to wait for more."""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.websocket = websocket
        self.text = ""
        self.changed = asyncio.Event()

    async def pump(self) -> None:
        async for message in self.websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.text += _ESCAPES.sub(b"", message.data).decode(errors="replace")
                self.changed.set()

    async def wait_for(self, words: str, since: int = 0) -> None:
        while words not in self.text[since:]:
            self.changed.clear()
            await self.changed.wait()


async def _student(http: aiohttp.ClientSession, base: str, student: Student,
                   all_in: asyncio.Event, leave: asyncio.Event) -> None:
    async with http.post(base + "/", data={"name": student.name},
                         allow_redirects=False) as answer:
        link = answer.headers["Location"]
    url = base.replace("http:", "ws:") + link.replace("/s/", "/ws/") + "?width=80&height=24"
    async with http.ws_connect(url) as websocket:
        screen = Screen(websocket)
        pump = asyncio.create_task(screen.pump())
        try:
            await asyncio.wait_for(screen.wait_for("Images and containers"), READY_LIMIT)
            await websocket.send_json(["stdin", "\r"])
            await asyncio.wait_for(screen.wait_for("terminal knows"), READY_LIMIT)
        except TimeoutError:
            student.failed = "the lesson never opened"
            student.typed.set()
            return
        finally:
            student.ready.set()
        await all_in.wait()
        for key in TYPED:
            await asyncio.sleep(KEY_GAP * random.uniform(0.5, 1.5))
            mark = len(screen.text)
            sent = time.perf_counter()
            await websocket.send_json(["stdin", key])
            try:
                await asyncio.wait_for(screen.wait_for(key, mark), 30)
            except TimeoutError:
                student.failed = f"the key {key!r} never showed"
                break
            if websocket.closed:
                student.failed = "the session closed"
                break
            student.latencies.append(time.perf_counter() - sent)
        student.typed.set()
        await leave.wait()
        pump.cancel()


def _cpu_seconds(pids: set[int]) -> float:
    """User and system time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def classroom(base: str, server_pid: int, count: int) -> tuple[list[Student], float, float]:
    """The students, memory per app (MiB) and server CPU seconds per keystroke typed."""
    students = [Student(f"Student {n}") for n in range(1, count + 1)]
    all_in, leave = asyncio.Event(), asyncio.Event()
    async with aiohttp.ClientSession() as http:
        tasks = []
        for student in students:
            tasks.append(asyncio.create_task(_student(http, base, student, all_in, leave)))
            await asyncio.sleep(JOIN_GAP)
        await asyncio.gather(*(student.ready.wait() for student in students))
        apps = descendants(server_pid)
        memory = sum(_pss_kib(pid) for pid in apps) / 1024 / max(1, len(apps))
        before = _cpu_seconds(apps | {server_pid})
        all_in.set()
        await asyncio.gather(*(student.typed.wait() for student in students))
        used = _cpu_seconds(apps | {server_pid}) - before
        leave.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    keys = sum(len(student.latencies) for student in students)
    return students, memory, used / max(1, keys)


def measure(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as state, serving(Path(state), "--idle", "600") as served:
        students, memory, cpu = asyncio.run(classroom(served.url, served.process.pid, count))
    latencies = sorted(ms * 1000 for s in students for ms in s.latencies)
    if len(latencies) < 2:
        latencies = latencies * 2 or [float("nan")] * 2
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"students": count, "failed": sum(1 for s in students if s.failed),
            "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": latencies[-1],
            "memory": memory, "cpu": cpu * 1000}


def run(report: Report, count: int = 10) -> None:
    figures = measure(count)
    report(f"students ({figures['failed']:.0f} failed sessions)", figures["students"], "")
    for name in ("p50", "p95", "p99", "max"):
        report(f"keystroke to screen, {name}", figures[name], "ms")
    report("memory per student (PSS of its app process)", figures["memory"], "MiB")
    report("CPU per keystroke (app and server, while typing)", figures["cpu"], "ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--key-gap", type=float, default=KEY_GAP,
                        help=f"mean seconds between a student's keys (default: {KEY_GAP})")
    args = parser.parse_args()
    KEY_GAP = args.key_gap

    def show(label: str, value: float, unit: str) -> None:
        print(f"  {label:<50} {value:>10,.1f} {unit}")

    run(show, args.students)
