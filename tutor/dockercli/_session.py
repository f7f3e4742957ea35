"""Typing into a container: the shell session of `docker run -i`, `docker exec -i` and
`docker attach`, read from the command's stdin line by line."""

from __future__ import annotations

from typing import TextIO

from tutor.dockercli._main import CliError, Context, isatty
from tutor.engine.containers import ContainerSession


def check_tty(ctx: Context, attach_stdin: bool, tty: bool) -> None:
    """The CLI's `In.CheckTty`: a container's terminal needs one on this side too."""
    if tty and attach_stdin and not isatty(ctx.stdin):
        raise CliError("the input device is not a TTY")


def converse(ctx: Context, session: ContainerSession) -> int:
    """Prompt, read a line, run it, until the shell exits or input ends (Ctrl+D); the shell's
    exit status. Ctrl+C abandons the line being typed, as the container's shell does."""
    try:
        while session.exited is None:
            ctx.out.write(session.prompt)
            ctx.out.flush()
            try:
                line = ctx.stdin.readline()
            except KeyboardInterrupt:
                if session.shell.tty:
                    ctx.out.write(("" if _echoes_controls(ctx.stdin) else "^C") + "\r\n")
                continue
            if not line:
                ctx.out.write(session.end_of_input())
                break
            ctx.out.write(session.run_line(line))
    finally:
        session.close()
    return session.exited or 0


def _echoes_controls(stdin: TextIO) -> bool:
    """Whether this side's terminal already showed the ^C it turned into SIGINT (ECHOCTL, on
    by default): the container's terminal would show it once, so the session must not again.
    (Real docker puts this terminal in raw mode; the simulation reads it line by line.)"""
    try:
        import termios
    except ImportError:  # no such terminals (Windows)
        return False
    try:
        return bool(termios.tcgetattr(stdin.fileno())[3] & termios.ECHOCTL)
    except (termios.error, AttributeError, ValueError, OSError):  # not a terminal after all
        return False
