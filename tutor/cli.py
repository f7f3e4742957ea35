"""The `tutor` command: the tutorial (no arguments), or a front door to the engine
(`tutor docker …`), the quiz and the lesson checker.

Kept light on purpose: `tutor docker …` must start fast, so Textual is imported only when the
tutorial itself starts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tutor import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Image Tutor: learn how Docker images work, in your terminal.",
        epilog=(
            "commands:\n"
            "  (none)          start the interactive tutorial\n"
            "  docker ARGS…    run a docker command on the embedded, simulated engine\n"
            "                  (e.g. `tutor docker build -t app:1 .`)\n"
            "  quiz [OPTIONS]  revise for the DCA exam in a plain terminal\n"
            "                  (`tutor quiz --help`, `tutor quiz lint PATH`)\n"
            "  lessons lint PATH…\n"
            "                  check lesson folders (and replay their solutions); report\n"
            "                  problems with file and line\n"
            "  lessons new NAME\n"
            "                  make a new lesson folder to start from\n"
            "  class status|export|reset|import\n"
            "                  an instructor's view of a class (`tutor class --help`)\n"
            "  progress export [-o FILE]\n"
            "                  write your progress to a file for your instructor\n"
            "  serve [OPTIONS] serve the tutorial to a classroom's browsers\n"
            "                  (`tutor serve --help`)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--lessons",
        metavar="DIR",
        action="append",
        default=[],
        help="also offer the lessons in DIR (an instructor's own; a lesson with the same "
        "folder name replaces the built-in one)",
    )
    parser.add_argument(
        "--state",
        metavar="DIR",
        help="keep the engine's images, cache and containers in DIR "
        "(default: $TUTOR_HOME, else your user data directory)",
    )
    parser.add_argument(
        "--docker",
        choices=("29", "28"),
        help="imitate this Docker release from now on, in this state directory (default: 29; "
        "a new release without --store takes its default store)",
    )
    parser.add_argument(
        "--store",
        choices=("containerd", "classic"),
        help="imitate this image store from now on, in this state directory (Docker 29's "
        "default: containerd; Docker 28 and upgraded hosts: classic)",
    )
    return parser


SUBCOMMANDS = ("docker", "quiz", "lessons", "class", "progress", "serve")
_VALUED = ("--state", "--lessons", "--docker", "--store")
"""Global options followed by a value (which may look like a subcommand)."""


def _split_command(argv: list[str]) -> tuple[list[str], str | None, list[str]]:
    """Global options, the subcommand, and everything after it untouched (so `tutor docker
    --help` is docker's help, not ours)."""
    i = 0
    while i < len(argv):
        if argv[i] in SUBCOMMANDS:
            return argv[:i], argv[i], argv[i + 1 :]
        i += 2 if argv[i] in _VALUED else 1
    return argv, None, []


def main(argv: Sequence[str] | None = None) -> int:
    own, subcommand, rest = _split_command(sys.argv[1:] if argv is None else list(argv))
    args = _parser().parse_args(own)
    from tutor.paths import state_dir

    state = state_dir(args.state)
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "Not a directory" if isinstance(exc, FileExistsError) else exc.strerror or exc
        sys.stderr.write(f"tutor: cannot use {state} as the state directory: {why} "
                         "(choose another with --state DIR or TUTOR_HOME)\n")
        return 1
    if args.docker or args.store:
        from tutor.engine.profile import choose

        choose(state, args.docker, args.store)
    if subcommand == "docker":
        from tutor.dockercli import main as docker_main

        return docker_main(rest, state=state, stdout=sys.stdout, stderr=sys.stderr,
                           stdin=sys.stdin)
    if subcommand == "quiz":
        from tutor.course.quiz.terminal import main as quiz_main

        return quiz_main(rest, state=state, stdin=sys.stdin, stdout=sys.stdout)
    if subcommand == "lessons":
        from tutor.course.cli import lessons_main

        return lessons_main(rest, sys.stdout, sys.stderr)
    if subcommand == "class":
        from tutor.course.classcli import class_main

        lessons = tuple(Path(d).expanduser().resolve() for d in args.lessons)
        return class_main(rest, state=state, lessons=lessons, stdout=sys.stdout,
                          stderr=sys.stderr)
    if subcommand == "progress":
        from tutor.course.classcli import progress_main

        return progress_main(rest, state=state, stdout=sys.stdout, stderr=sys.stderr)
    if subcommand == "serve":
        from tutor.serve.cli import main as serve_main

        return serve_main(rest, state=state, lessons=args.lessons, stderr=sys.stderr)
    from tutor.paths import content_dir
    from tutor.ui.app import TutorApp

    extra = tuple(Path(d).expanduser().resolve() for d in args.lessons)
    TutorApp(state=state, lessons=(content_dir("lessons"), *extra) if extra else None).run()
    return 0
