"""The docker command tree: finding the command a learner typed, its flags and arguments, and
reporting mistakes in the docker CLI's own words and exit codes."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tutor.dockercli._flags import Flag, FlagError, Parsed, parse_flags
from tutor.engine.errors import EngineError

if TYPE_CHECKING:
    from tutor.engine import Engine
    from tutor.engine.profile import Profile


DAEMON = "Error response from daemon: "
"""How the docker CLI prefixes an error the daemon sent back."""


class CliError(Exception):
    """Ends a command: `message` goes to stderr (when not empty) and `status` is the exit code."""

    def __init__(self, message: str, status: int = 1, hint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.hint = hint
        """The tutor's own line after Docker's message (`tutor: …`), or empty."""


@dataclass
class Context:
    """What a command runs with: the engine (opened on first use) and the output streams."""

    state: Path
    out: TextIO
    err: TextIO
    tty: bool = False
    """Whether stderr is a terminal (progress output)."""
    width: int = 80
    cwd: Path = field(default_factory=Path.cwd)
    """Where relative paths on the command line start (the learner's current directory)."""
    stdin: TextIO = field(default_factory=io.StringIO)
    """What the command may read (`build -`, `login --password-stdin`, prompts): the real stdin
    for `tutor docker`, nothing inside the tutorial's terminal."""
    out_tty: bool | None = None
    """Whether stdout is a terminal (the image list's legend and colours); `tty` when None."""

    @property
    def out_is_tty(self) -> bool:
        return self.tty if self.out_tty is None else self.out_tty

    confine: Path | None = None
    """In the tutorial, the learner's workspace: every host path a command reads or writes
    must lead inside it (symlinks followed). None for `tutor docker` in the learner's own
    shell, which reaches what Docker's CLI reaches."""
    confine_shown: str = ""
    """Where the learner sees `confine` (the tutorial's `/home/learner/workspace`): absolute
    paths under it, and `~`, lead into the workspace."""

    def shown(self, path: Path) -> str:
        """A host path as the learner knows it: in the tutorial, under `confine_shown`."""
        if self.confine is None or not self.confine_shown:
            return str(path)
        root = Path(os.path.realpath(self.confine))
        if not path.is_relative_to(root):
            return str(path)
        rel = path.relative_to(root).as_posix()
        return self.confine_shown if rel == "." else f"{self.confine_shown.rstrip('/')}/{rel}"

    def path(self, text: str, *, follow: bool = True) -> Path:
        """A host path as typed, made absolute against the command's working directory.

        Every host path a command takes goes through here, so this is where the tutorial's
        confinement is enforced: with `confine` set the path is returned resolved (so what is
        opened is what was checked) and one leading outside the workspace is refused.
        `follow=False` leaves a symlink at the end of the path as it is (`docker cp` copies
        the link, not what it points at)."""
        if self.confine is None:
            path = Path(text).expanduser()
            return path if path.is_absolute() else self.cwd / path
        return self._confined(text, follow)

    def _confined(self, text: str, follow: bool) -> Path:
        assert self.confine is not None
        root = Path(os.path.realpath(self.confine))
        shown = self.confine_shown.rstrip("/")
        typed = text
        if shown and (text == "~" or text.startswith("~/")):
            typed = shown + text[1:]
        if shown and (typed == shown or typed.startswith(shown + "/")):
            candidate = root / typed[len(shown):].lstrip("/")
        else:
            candidate = self.cwd / typed  # an absolute `typed` replaces cwd
        try:
            if follow or candidate.name in ("", ".", "..") or candidate == root:
                real: Path | None = Path(os.path.realpath(candidate))
            else:
                real = Path(os.path.realpath(candidate.parent)) / candidate.name
        except (OSError, ValueError):
            real = None
        if real is None or not (real == root or real.is_relative_to(root)):
            raise CliError(f"tutor: {text}: outside your workspace (in the tutorial, docker "
                           "reaches only the files of your workspace)")
        return real

    @cached_property
    def engine(self) -> Engine:
        from tutor.engine import Engine
        from tutor.paths import content_dir

        return Engine.open(self.state, assets=content_dir("assets"))

    @cached_property
    def profile(self) -> Profile:
        """The Docker release and store imitated; read without opening the engine, so
        `docker --version` stays cheap."""
        if "engine" in self.__dict__:
            return self.engine.profile
        from tutor.engine.profile import load_profile

        return load_profile(self.state)


Runner = Callable[[Context, Parsed], int | None]


@dataclass(frozen=True)
class Command:
    """One docker command; `paths` are every spelling (`image ls`, `image list`, `images`)."""

    paths: tuple[str, ...]
    usage: str
    """What follows the command path in `Usage:`, e.g. `[OPTIONS] IMAGE`."""
    summary: str
    run: Runner
    flags: tuple[Flag, ...] = ()
    min_args: int = 0
    max_args: int | None = None
    interspersed: bool = True
    help_text: str = ""
    """The whole `--help` text, for a command another program answers (buildx build)."""

    def use_line(self, path: str) -> str:
        return f"docker {path} {self.usage}".rstrip()


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, str] = {
    "image": "Manage images",
    "container": "Manage containers",
    "builder": "Manage builds",
    "system": "Manage Docker",
    "volume": "Manage volumes",
    "manifest": "Manage Docker image manifests and manifest lists",
    "buildx": "Docker Buildx",
}


def command(
    *paths: str,
    usage: str = "",
    summary: str = "",
    flags: Sequence[Flag] = (),
    min_args: int = 0,
    max_args: int | None = None,
    interspersed: bool = True,
    help_text: str = "",
) -> Callable[[Runner], Runner]:
    """Register a command under each of its spellings."""

    def register(run: Runner) -> Runner:
        cmd = Command(
            tuple(paths), usage, summary, run, tuple(flags), min_args, max_args, interspersed,
            help_text,
        )
        for path in paths:
            COMMANDS[path] = cmd
        return run

    return register


def _arg_error(path: str, cmd: Command, n: int) -> str | None:
    lo, hi = cmd.min_args, cmd.max_args

    def plural(k: int) -> str:
        return "argument" if k == 1 else "arguments"

    tail = f"\n\nUsage:  {cmd.use_line(path)}\n\n"
    run_help = f"Run 'docker {path} --help' for more information"
    if hi == 0 and n > 0:
        return f"docker: 'docker {path}' accepts no arguments{tail}{run_help}"
    if lo == hi and n != lo:
        return f"docker: 'docker {path}' requires {lo} {plural(lo)}{tail}{run_help}"
    if hi is not None and lo > 0 and not lo <= n <= hi:
        return (
            f"docker: 'docker {path}' requires at least {lo} and at most {hi} {plural(hi)}"
            f"{tail}{run_help}"
        )
    if n < lo:  # cobra's RequiresMinArgs alone says "See", not "Run"
        return (f"docker: 'docker {path}' requires at least {lo} {plural(lo)}{tail}"
                f"See 'docker {path} --help' for more information")
    if hi is not None and n > hi:
        return f"docker: 'docker {path}' requires at most {hi} {plural(hi)}{tail}{run_help}"
    return None


def flags_of(cmd: Command, docker: int) -> tuple[Flag, ...]:
    """The command's flags in that Docker release's CLI."""
    return tuple(f for f in cmd.flags if not f.docker or docker in f.docker)


def _help(path: str, cmd: Command, flags: Sequence[Flag]) -> str:
    if cmd.help_text:
        return cmd.help_text
    lines = [f"Usage:  {cmd.use_line(path)}", "", cmd.summary]
    aliases = [p for p in cmd.paths if p != path]
    if aliases:
        lines += ["", "Aliases:", "  " + ", ".join(f"docker {p}" for p in [path, *aliases])]
    visible = [f for f in flags if not f.hidden and not f.deprecated]
    if visible:
        lines += ["", "Options:"]
        cells = []
        for f in visible:
            name = f"-{f.short}, --{f.long}" if f.short else f"    --{f.long}"
            if f.kind != "bool":
                name += " " + (f.metavar or {"list": "list", "int": "int", "bytes": "bytes"}.get(
                    f.kind, "string"))
            cells.append((name, f.help))
        width = max(len(c[0]) for c in cells)
        lines += [f"  {n.ljust(width)}   {h}".rstrip() for n, h in cells]
    return "\n".join(lines) + "\n"


def _group_help(group: str) -> str:
    from tutor.dockercli import commands

    commands.load_all()
    lines = [f"Usage:  docker {group} COMMAND", "", GROUPS[group], "", "Commands:"]
    subs = sorted({p.split(" ", 1)[1] for p in COMMANDS if p.startswith(group + " ")})
    primary = [s for s in subs if COMMANDS[f"{group} {s}"].paths[0] == f"{group} {s}"]
    width = max((len(s) for s in primary), default=0)
    lines += [f"  {s.ljust(width)}   {COMMANDS[f'{group} {s}'].summary}" for s in primary]
    lines += ["", f"Run 'docker {group} COMMAND --help' for more information on a command."]
    return "\n".join(lines) + "\n"


def _root_help() -> str:
    top = sorted(p for p in COMMANDS if " " not in p)
    width = max([len(p) for p in top] + [len(g) for g in GROUPS])
    lines = [
        "Usage:  docker [OPTIONS] COMMAND",
        "",
        "A self-sufficient runtime for containers",
        "",
        "Common Commands:",
    ]
    lines += [f"  {p.ljust(width)}   {COMMANDS[p].summary}" for p in top]
    lines += ["", "Management Commands:"]
    lines += [f"  {g.ljust(width)}   {s}" for g, s in GROUPS.items()]
    lines += ["", "Run 'docker COMMAND --help' for more information on a command."]
    return "\n".join(lines) + "\n"


def parse_command_line(argv: Sequence[str]) -> tuple[Command, Parsed] | None:
    """The command `docker ARGV…` runs and its flags as the CLI parses them (every profile's
    flags), or None for a line docker would refuse: for tools that read what a learner typed
    without running it."""
    from tutor.dockercli import commands

    commands.load(list(argv[:2]))
    if not argv:
        return None
    head, rest = argv[0], list(argv[1:])
    if head in GROUPS and rest:
        head, rest = f"{head} {rest[0]}", rest[1:]
    cmd = COMMANDS.get(head)
    if cmd is None:
        return None
    try:
        return cmd, parse_flags(rest, cmd.flags, interspersed=cmd.interspersed)
    except FlagError:
        return None


def dispatch(argv: list[str], ctx: Context) -> int:
    """Run one docker command line (without the leading `docker`) and return its exit status."""
    from tutor.dockercli import commands

    commands.load(argv[:2])
    if not argv or argv[0] in ("--help", "-h", "help"):
        commands.load_all()
        ctx.out.write(_root_help())
        return 0
    if argv[0] in ("--version", "-v"):
        release = ctx.profile.release
        ctx.out.write(f"Docker version {release.version}, build {release.cli_commit}\n")
        return 0
    if argv[0].startswith("-"):
        raise CliError(
            f"unknown flag: {argv[0]}\n\nUsage:  docker [OPTIONS] COMMAND [ARG...]\n\n"
            "Run 'docker --help' for more information",
            125,
        )
    head = argv[0]
    if head in GROUPS:
        rest = argv[1:]
        if not rest or rest[0] in ("--help", "-h"):
            ctx.out.write(_group_help(head))
            return 0
        path = f"{head} {rest[0]}"
        if path not in COMMANDS:
            raise CliError(
                f"docker: unknown command: docker {head} {rest[0]}\n\n"
                f"Usage:  docker {head} COMMAND\n\n"
                f"Run 'docker {head} --help' for more information"
            )
        args = rest[1:]
    elif head in COMMANDS:
        path, args = head, argv[1:]
    else:
        raise CliError(
            f"docker: unknown command: docker {head}\n\nRun 'docker --help' for more information"
        )
    cmd = COMMANDS[path]
    flags = flags_of(cmd, ctx.profile.docker)
    before_dashdash = args[: args.index("--")] if "--" in args else args
    if "--help" in before_dashdash:
        ctx.out.write(_help(path, cmd, flags))
        return 0
    try:
        parsed = parse_flags(args, flags, interspersed=cmd.interspersed)
    except FlagError as exc:
        raise CliError(
            f"{exc}\n\nUsage:  {cmd.use_line(path)}\n\n"
            f"Run 'docker {path} --help' for more information",
            125,
        ) from None
    for flag in flags:  # cobra prints pflag's notes to the command's stdout before it runs
        if flag.deprecated and flag.key in parsed.changed:
            ctx.out.write(f"Flag --{flag.long} has been deprecated, {flag.deprecated}\n")
    problem = _arg_error(path, cmd, len(parsed.args))
    if problem:
        raise CliError(problem)
    return cmd.run(ctx, parsed) or 0


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def main(
    argv: Sequence[str],
    *,
    state: Path,
    stdout: TextIO,
    stderr: TextIO,
    tty: bool | None = None,
    cwd: Path | None = None,
    stdin: TextIO | None = None,
    confine: Path | None = None,
    confine_shown: str = "",
    width: int | None = None,
) -> int:
    """Entry point shared by `tutor docker …`, the tutorial's terminal and the tests.

    `cwd` is the directory relative paths (`docker build .`) start from; the process's own
    working directory when None. `confine` keeps every host path inside that directory
    (the tutorial's workspace, seen by the learner as `confine_shown`; see `Context.path`).
    `width` is the terminal's columns; when None, what the docker CLI reads: `COLUMNS`, else the
    size of the terminal the output goes to, else 80."""
    is_tty = stderr.isatty() if tty is None else tty
    ctx = Context(state=state, out=stdout, err=stderr, tty=is_tty, cwd=cwd or Path.cwd(),
                  stdin=stdin if stdin is not None else io.StringIO(), confine=confine,
                  confine_shown=confine_shown, out_tty=isatty(stdout) if tty is None else tty,
                  width=width or shutil.get_terminal_size((80, 24)).columns)
    try:
        return dispatch(list(argv), ctx)
    except CliError as exc:
        if str(exc):
            stderr.write(f"{exc}\n")
        if exc.hint:
            stderr.write(f"{exc.hint}\n")
        return exc.status
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:  # Ctrl+C: a command that words its cancellation catches it first
        return 130
    except EngineError as exc:  # the daemon refused; a command that words it itself catches it
        stderr.write(f"{DAEMON}{exc.message}\n")
        return 1
    except Exception as exc:  # a bug of ours must never reach the learner as a traceback
        if os.environ.get("TUTOR_DEBUG"):
            raise
        stderr.write(
            f"tutor: internal error in the simulated engine: {type(exc).__name__}: {exc}\n"
            "(set TUTOR_DEBUG=1 to see the details)\n"
        )
        return 1
    finally:
        if "engine" in ctx.__dict__:  # opened by this command: persist its clock and counters
            for problem in ctx.engine.store.problems:
                stderr.write(f"tutor: warning: {problem}\n")
            ctx.engine.close()


__all__ = ["COMMANDS", "DAEMON", "CliError", "Command", "Context", "command", "dispatch", "main"]
