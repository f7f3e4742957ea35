"""The CLI's `[y/N]` question before a command destroys anything (the prune commands)."""

from __future__ import annotations

import sys

from tutor.dockercli._main import Context


def confirm(ctx: Context, message: str) -> bool:
    """Print `message [y/N] ` and read one line: only `y` or `yes` goes on; no input is a no."""
    ctx.out.write(message + " [y/N] ")
    answer = sys.stdin.readline() if sys.stdin and not sys.stdin.closed else ""
    return answer.strip().lower() in ("y", "yes")
