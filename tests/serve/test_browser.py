"""The classroom in a real browser (Debian's chromium driven by Playwright), with the network
cut off: a student starts, does the first step of a lesson by typing, reloads and finds it
kept; nothing is fetched from beyond loopback; a killed browser leaves no app process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _needed() -> list[str]:
    """Command prefix that runs a command without network, or a skip/fail when impossible."""
    missing = []
    if not Path("/usr/bin/chromium").exists():
        missing.append("chromium (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
        import textual_serve  # noqa: F401
    except ImportError:
        missing.append("playwright and textual-serve (pip install -e '.[test]')")
    unshare = shutil.which("unshare")
    prefix = [unshare, "-n"] if os.geteuid() == 0 else [unshare, "-r", "-n"]
    if unshare is None or subprocess.run([*prefix, "true"], capture_output=True).returncode:
        missing.append("a network namespace (unshare -n; root or user namespaces)")
    if missing:
        reason = "needs " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " in CI")
        pytest.skip(reason)
    return [str(part) for part in prefix]


def test_a_student_in_an_offline_browser(tmp_path: Path) -> None:
    prefix = _needed()
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "tests.serve.browser_scenario", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True)
    log = tmp_path / "serve.log"
    assert done.returncode == 0, done.stderr + (log.read_text() if log.exists() else "")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["interfaces"] == ["lo"]
    assert report["home"] and report["lesson"], "the tutorial did not draw"
    assert report["step_done"], "the first step did not complete"
    assert [lesson["step"] for lesson in report["saved"]["lessons"].values()] == [1]
    assert report["kept"], "the reloaded page did not show the progress"
    hosts = {urlsplit(url).hostname for url in report["requests"]}
    assert hosts == {"127.0.0.1"}, report["requests"]
    assert report["apps_before_kill"] >= 1
    assert report["reaped"], "an app process survived the browser"
