"""Typing into a container: the shell session of `docker run -i`, `docker exec -i` and
`docker attach`, read from the command's stdin line by line."""

from __future__ import annotations

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
                ctx.out.write("^C\r\n" if session.shell.tty else "")
                continue
            if not line:
                ctx.out.write(session.end_of_input())
                break
            ctx.out.write(session.run_line(line))
    finally:
        session.close()
    return session.exited or 0
