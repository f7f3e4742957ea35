"""`tutor serve`: the tutorial for a classroom of browsers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from tutor.course.classroom import DEFAULT_CLASS, class_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor serve",
        description="Serve the tutorial to the browsers of a classroom: each student types "
        "their name and gets their own sandbox, kept on this machine. Needs no internet.",
    )
    parser.add_argument("--host", default="0.0.0.0",
                        help="address to listen on (default: every interface)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--lessons", metavar="DIR", action="append", default=[],
                        help="also offer the lessons in DIR")
    parser.add_argument("--class", dest="class_name", metavar="NAME", default=DEFAULT_CLASS,
                        help=f"the class whose students these are (default: {DEFAULT_CLASS})")
    parser.add_argument("--password", metavar="PW",
                        help="students must type this on the start page")
    parser.add_argument("--idle", metavar="MINUTES", type=float, default=20.0,
                        help="suspend a session nobody typed in for this long (default: 20); "
                        "the student resumes where they stopped")
    return parser


def main(argv: list[str], *, state: Path, lessons: list[str], stderr: TextIO) -> int:
    args = _parser().parse_args(argv)
    try:
        class_dir(state, args.class_name)
    except ValueError as exc:
        stderr.write(f"tutor serve: {exc}\n")
        return 2
    if not 0 < args.port < 65536 or args.idle <= 0:
        stderr.write("tutor serve: --port must be 1-65535 and --idle more than 0\n")
        return 2
    try:
        from tutor.serve.server import ClassroomServer, Room
    except ImportError:
        stderr.write("tutor serve needs textual-serve: pip install 'image-tutor[serve]'\n")
        return 1
    from tutor.serve.address import public_url

    room = Room(
        root=state, class_name=args.class_name,
        lessons=tuple(Path(d).expanduser().resolve() for d in [*lessons, *args.lessons]),
        password=args.password, idle_seconds=args.idle * 60,
    )
    server = ClassroomServer(room, host=args.host, port=args.port,
                             public_url=public_url(args.host, args.port))
    try:
        server.serve()
    except OSError as exc:
        stderr.write(f"tutor serve: cannot listen on {args.host}:{args.port}: "
                     f"{exc.strerror or exc}\n")
        return 1
    return 0
