"""A student in a real browser, in a network namespace with nothing but loopback: run as
`unshare -n python -m tests.serve.browser_scenario STATE` (from the repository root). Prints one
JSON report for `test_browser.py` to judge; asserts nothing itself.

The student types their name, opens the first lesson, completes its first step by typing,
reloads the page and looks for the progress kept; then the browser is killed outright and we
watch for app processes left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from tests.serve.served import descendants, serving, wait_until

CHROMIUM = "/usr/bin/chromium"
OFFLINE_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WAIT_MS = int(os.environ.get("TUTOR_BROWSER_WAIT_MS", "120000"))
"""How long a loaded machine may take to draw something (a limit, not a measurement)."""
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]")


def loopback_up() -> None:
    """A new network namespace has its loopback down: bring it up (SIOCSIFFLAGS)."""
    get_flags, set_flags, up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, get_flags, request)[:18])[1]
        fcntl.ioctl(sock, set_flags, struct.pack("16sh", b"lo", flags | up))


class Screen:
    """What the tutorial has sent to the page, as text without escape sequences."""

    def __init__(self, page: Page) -> None:
        self.text = ""
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.text += _ESCAPES.sub(b"", payload).decode(errors="replace")

    def wait_for(self, page: Page, words: str) -> bool:
        deadline = time.monotonic() + WAIT_MS / 1000
        while words not in self.text:
            if time.monotonic() > deadline:
                return False
            page.wait_for_timeout(100)
        return True


def run(state: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"interfaces": sorted(name for _, name in socket.if_nameindex())}
    requests: list[str] = []
    with serving(state) as served, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=OFFLINE_FLAGS,
            viewport={"width": 1280, "height": 800})
        browser.on("request", lambda request: requests.append(request.url))
        page = browser.new_page()
        page.on("websocket", lambda ws: requests.append(ws.url))
        screen = Screen(page)
        page.goto(served.url + "/")
        page.fill("#name", "Ana María")
        page.click("#start")
        page.wait_for_selector("body.-first-byte", timeout=WAIT_MS)
        report["home"] = screen.wait_for(page, "Images and containers")
        # Keys go to xterm's input element (a click could land on another lesson).
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("Enter")  # the first lesson is highlighted on the map
        # The lesson's terminal says this once its sandbox is ready for typing.
        report["lesson"] = screen.wait_for(page, "terminal knows")
        screen.text = ""
        page.keyboard.type("docker pull alpine:3.21")
        page.keyboard.press("Enter")
        report["step_done"] = screen.wait_for(page, "Step 1 complete")
        (state / "screen.txt").write_text(screen.text)  # for whoever reads a failure
        progress = state / "classes/default/students/ana-maria/progress.json"
        report["saved"] = json.loads(progress.read_text()) if progress.exists() else None
        screen.text = ""
        page.reload()
        page.wait_for_selector("body.-first-byte", timeout=WAIT_MS)
        report["kept"] = screen.wait_for(page, "step 2/")
        report["requests"] = requests
        browsers = [pid for pid in descendants(os.getpid())
                    if Path(f"/proc/{pid}/comm").read_text().startswith("chrom")]
        report["apps_before_kill"] = len(descendants(served.process.pid))
        for pid in browsers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        report["reaped"] = wait_until(lambda: not descendants(served.process.pid), limit=120)
        with contextlib.suppress(Exception):
            browser.close()
    return report


if __name__ == "__main__":
    loopback_up()
    print(json.dumps(run(Path(sys.argv[1]))))
