"""`tutor lessons lint PATH` and `tutor lessons new NAME`: check an instructor's lesson folder (or a
folder of lessons) before a class sees it, and start a new one."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from tutor.course.lessons import dca_objectives, lesson_folders, read_lesson

USAGE = ("usage: tutor lessons lint [--no-replay] PATH [PATH…]\n"
         "       tutor lessons new NAME [--dir DIR]\n")


def lessons_main(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """`tutor lessons …`: the lint or the scaffold."""
    if argv and argv[0] == "lint":
        return lint_main(argv[1:], stdout, stderr)
    if argv and argv[0] == "new":
        return new_main(argv[1:], stdout, stderr)
    stderr.write(USAGE)
    return 2


def lint_main(argv: Sequence[str], stdout: TextIO, progress: TextIO | None = None) -> int:
    """Print every problem as `file:line: message`; exit 0 when there is none, 1 otherwise.
    Each lesson that reads clean is then replayed; how far each replay got goes to `progress`
    (standard error by default), so the problems alone are on `stdout`."""
    parser = argparse.ArgumentParser(
        prog="tutor lessons lint",
        description="Check lesson folders: lesson.toml, step texts and checks, then replay each "
        "step's solution in a fresh sandbox.",
    )
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                        help="a lesson folder, or a folder of lesson folders")
    parser.add_argument("--no-replay", action="store_true",
                        help="check the files only; do not replay the solutions")
    args = parser.parse_args(list(argv))
    progress = sys.stderr if progress is None else progress
    from tutor.paths import content_dir

    folders = []
    missing = 0
    for path in args.paths:
        found = lesson_folders(path)
        if not found:
            stdout.write(f"{path}: no lesson.toml here or in its sub-folders\n")
            missing += 1
        folders += [f for f in found if f not in folders]
    if not folders:
        return 1
    dca = dca_objectives(content_dir("assets"))
    count = missing
    for folder in folders:
        lesson, problems = read_lesson(folder, dca=dca)
        if lesson is not None and not args.no_replay:
            from tutor.course.replay import replay_lesson

            steps = f"{len(lesson.steps)} step{'' if len(lesson.steps) == 1 else 's'}"
            progress.write(f"replaying {lesson.id} ({steps})…\n")
            progress.flush()
            with tempfile.TemporaryDirectory(prefix="tutor-lint-") as scratch:
                problems, replayed = replay_lesson(lesson, Path(scratch))
            progress.write(f"  {replayed} of {len(lesson.steps)} steps replayed\n")
        count += len(problems)
        stdout.writelines(f"{problem}\n" for problem in problems)
    lessons = "lesson" if len(folders) == 1 else "lessons"
    stdout.write(f"{len(folders)} {lessons} checked, {count} problem{'' if count == 1 else 's'}\n")
    return 1 if count else 0


def new_main(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    parser = argparse.ArgumentParser(
        prog="tutor lessons new",
        description="Make a lesson folder to start from: two steps that lint clean.",
    )
    parser.add_argument("name", metavar="NAME",
                        help="the lesson's folder name, which orders it (e.g. 06-volumes)")
    parser.add_argument("--dir", type=Path, default=Path("."), metavar="DIR",
                        help="where to make it (default: the current folder)")
    args = parser.parse_args(list(argv))
    from tutor.course.scaffold import new_lesson
    from tutor.paths import content_dir

    try:
        folder = new_lesson(args.name, args.dir, content_dir("assets"))
    except (ValueError, OSError) as exc:
        stderr.write(f"tutor lessons new: {exc}\n")
        return 1
    stdout.write(f"created {folder}\nedit it, then check it with: tutor lessons lint {folder}\n")
    return 0
