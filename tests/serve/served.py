"""A real `tutor serve` in a child process, for tests and the benchmark to talk to."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STARTUP_LIMIT = 60.0
"""Seconds a loaded machine may take to import and start the server (not an assertion on
speed: the server failing to answer at all is what it catches)."""


@dataclass
class Served:
    url: str
    """`http://127.0.0.1:PORT`, no trailing slash."""
    process: subprocess.Popen[bytes]
    state: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(state: Path, *args: str) -> Iterator[Served]:
    port = free_port()
    log = (state / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "--state", str(state), "serve", "--host", "127.0.0.1",
         "--port", str(port), *args],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while True:
            if process.poll() is not None:
                raise AssertionError((state / "serve.log").read_text(errors="replace"))
            try:
                with urllib.request.urlopen(url + "/", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield Served(url, process, state)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def descendants(pid: int) -> set[int]:
    """Every living process below `pid` (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def wait_until(condition: object, limit: float = 60.0) -> bool:
    """Poll `condition()` until true or `limit` seconds pass; whether it became true."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False
