"""`tutor lessons lint PATH`: check an instructor's lesson folder (or a folder of lessons) before
a class sees it."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from tutor.course.lessons import dca_objectives, lesson_folders, read_lesson


def lint_main(argv: Sequence[str], stdout: TextIO) -> int:
    """Print every problem as `file:line: message`; exit 0 when there is none, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="tutor lessons lint",
        description="Check lesson folders: lesson.toml, step texts and checks.",
    )
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                        help="a lesson folder, or a folder of lesson folders")
    args = parser.parse_args(list(argv))
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
        _, problems = read_lesson(folder, dca=dca)
        count += len(problems)
        stdout.writelines(f"{problem}\n" for problem in problems)
    lessons = "lesson" if len(folders) == 1 else "lessons"
    stdout.write(f"{len(folders)} {lessons} checked, {count} problem{'' if count == 1 else 's'}\n")
    return 1 if count else 0
