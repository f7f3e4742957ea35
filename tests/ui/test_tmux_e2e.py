"""`tutor` itself in a real 80×24 terminal (tmux), a lesson followed the way a learner at that
size does: Continue, then for each step Enter on the selected command (it lands on the prompt),
Enter to run it, F9 back to the lesson, Tab to the next block, Ctrl+N once the step is done.

Everything is read from the terminal's screen (`tmux capture-pane`); waits are for what the
screen shows, each bounded only so that a hang fails instead of blocking the suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.oci_tools import tool

WIDTH, HEIGHT = 80, 24
PATIENCE = 120.0
"""Seconds a wait may take before the test gives up (a hang, not a slow machine)."""
DONE_MARK = "tmux-e2e-ran"


class Tmux:
    """One tmux server of its own (its own socket), running `tutor` in a single pane."""

    def __init__(self, state: Path) -> None:
        self.binary = tool("tmux")
        self.socket = f"tutor-e2e-{uuid.uuid4().hex[:8]}"
        command = f"{sys.executable} -m tutor --state {state}"
        self.run("new-session", "-d", "-s", "e2e", "-x", str(WIDTH), "-y", str(HEIGHT),
                 "-e", "TERM=xterm-256color", command)

    def run(self, *args: str) -> str:
        return subprocess.run([self.binary, "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "e2e", *keys)

    def text(self, literal: str) -> None:
        self.run("send-keys", "-t", "e2e", "-l", literal)

    def screen(self) -> list[str]:
        return self.run("capture-pane", "-p", "-t", "e2e").splitlines()

    def wait_for(self, seen: str | re.Pattern[str] | Callable[[list[str]], bool], *,
                 patience: float = PATIENCE, required: bool = True) -> list[str]:
        """The screen once it shows `seen` (a substring, a pattern, or a test of the rows);
        after `patience` seconds, a failure, or (not `required`) the screen as it is."""
        end = time.monotonic() + patience
        while True:
            rows = self.screen()
            text = "\n".join(rows)
            if isinstance(seen, str):
                found = seen in text
            elif isinstance(seen, re.Pattern):
                found = seen.search(text) is not None
            else:
                found = seen(rows)
            if found:
                return rows
            if time.monotonic() > end:
                if not required:
                    return rows
                raise AssertionError(f"never saw {seen!r}; the screen:\n{text}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run([self.binary, "-L", self.socket, "kill-server"], capture_output=True)


SCROLLBAR = " ▁▂▃▄▅▆▇█▔"
"""What the lesson pane's scrollbar may draw in the last column, next to a block's row."""


def selected_command(rows: list[str]) -> str | None:
    """The command a focused block marks with ▶, its folded rows joined (None: no block)."""
    for n, row in enumerate(rows):
        found = re.match(r"^\s*▶ (.*)$", row)
        if found:
            line = found.group(1).rstrip(SCROLLBAR)
            for more in rows[n + 1:]:
                folded = re.match(r"^\s*↪(.*)$", more)
                if not folded:
                    break
                line += folded.group(1).rstrip(SCROLLBAR)
            return line
    return None


def complete(rows: list[str]) -> bool:
    """The step's status line says it is done."""
    return any(re.match(r"^ ✓ (Step|Lesson) complete", row) for row in rows)


def test_a_lesson_at_80x24_in_a_real_terminal(tmp_path: Path) -> None:
    term = Tmux(tmp_path / "state")
    try:
        term.wait_for("Continue")
        term.keys("c")
        rows = term.wait_for("f9 Terminal")
        title = re.search(r"Step 1/(\d+)", "\n".join(rows))
        assert title, "\n".join(rows)
        steps = int(title.group(1))
        # the lesson's sandbox is prepared in the background: see it ready in the terminal
        term.keys("F9")
        term.wait_for("Type `help`")
        term.keys("F9")
        term.wait_for("f9 Terminal")
        runs = 0
        for step in range(1, steps + 1):
            # the new step, drawn in full (tmux may show a frame half written)
            rows = term.wait_for(lambda rows, step=step: any(
                f"Step {step}/{steps}" in row for row in rows) and not complete(rows))
            sent: list[str] = []
            while not complete(rows):
                command = selected_command(rows)
                assert command is not None, f"step {step}: no command selected:\n" + \
                    "\n".join(rows)
                if sent and command == sent[-1]:
                    # the block is used up; the step's check may still be on its way
                    rows = term.wait_for(re.compile(r"✓.*complete"), patience=5.0,
                                         required=False)
                    if complete(rows):
                        break
                    term.keys("Tab")  # the block is used up: on to the next one
                    used = sent[-1]
                    rows = term.wait_for(
                        lambda rows, used=used: selected_command(rows) not in (None, used))
                    command = selected_command(rows)
                    assert command is not None
                term.keys("Enter")  # "type this for me": it lands on the prompt
                # on the prompt (the row above the footer), which shows the end of a line
                # longer than itself
                end = re.escape(command[-40:])
                rows = term.wait_for(re.compile(rf"^ learner:\S*\$ .*{end}\s*\n.*f9 Lesson", re.M))
                term.keys("Enter")
                runs += 1
                # a line typed meanwhile waits its turn, so its output means the command ended
                term.text(f"echo {DONE_MARK}-{runs}")
                term.keys("Enter")
                term.wait_for(re.compile(rf"^ ?{DONE_MARK}-{runs}\s*$", re.M))
                sent.append(command)
                term.keys("F9")
                rows = term.wait_for("f9 Terminal")
            if step < steps:
                term.keys("C-n")
        assert any("Lesson complete" in row for row in rows), "\n".join(rows)
    finally:
        term.close()
