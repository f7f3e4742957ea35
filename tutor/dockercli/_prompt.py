"""The CLI's `[y/N]` question before a command destroys anything (the prune commands)."""

from __future__ import annotations

from tutor.dockercli._main import Context


def confirm(ctx: Context, message: str) -> bool:
    """Print `message [y/N] ` and read one line: only `y` (either case) goes on, as the docker
    CLI's prompt.Confirm; anything else, or no input, declines silently (exit 0)."""
    ctx.out.write(message + " [y/N] ")
    return ctx.stdin.readline().strip().lower() == "y"
