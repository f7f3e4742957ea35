"""`tutor class status|export|reset|import` (the instructor's view of a class under the state
root) and `tutor progress export` (a student's own progress, as a file for the instructor)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from tutor.course.classroom import (
    DEFAULT_CLASS,
    class_dir,
    classes,
    recorded_name,
    slug,
    students,
)
from tutor.course.classview import StudentStatus, class_status, csv_rows, json_record
from tutor.course.lessons import Lesson

_WIDTH = 80


def _class_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor class",
        description="An instructor's view of a class: the students under "
        "STATE/classes/NAME/students/ (joined through `tutor serve`, or imported).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--class", dest="class_name", default=DEFAULT_CLASS, metavar="NAME",
                         help=f"the class (default: {DEFAULT_CLASS})")
        return sub

    command("status", "each student's lesson, step, time on step, hints and quiz scores")
    export = command("export", "write the class's progress as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"),
                        help="default: json for an output FILE ending in .json, else csv")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (default: standard output)")
    reset = command("reset", "restore every student's sandbox of a lesson to its start")
    reset.add_argument("--lesson", required=True, metavar="ID", help="the lesson's id (folder)")
    add = command("import", "add students' `tutor progress export` files to the class")
    add.add_argument("files", type=Path, nargs="+", metavar="FILE")
    return parser


def class_main(argv: Sequence[str], *, state: Path, lessons: Sequence[Path], stdout: TextIO,
               stderr: TextIO) -> int:
    args = _class_parser().parse_args(list(argv))
    try:
        home = class_dir(state, args.class_name)
    except ValueError as exc:
        stderr.write(f"tutor class: {exc}\n")
        return 2
    if args.command == "import":
        return _import(state, args.class_name, args.files, stdout, stderr)
    if not home.is_dir():
        known = ", ".join(classes(state)) or "none yet"
        stderr.write(f"tutor class: there is no class {args.class_name!r} in {state} "
                     f"(classes: {known})\n")
        return 1
    offered = _lessons(lessons)
    if args.command == "reset":
        return _reset(state, args.class_name, offered, args.lesson, stdout, stderr)
    statuses = class_status(state, args.class_name, offered)
    now = datetime.now(UTC)
    for status in statuses:
        for problem in status.problems:
            stderr.write(f"tutor class: {status.name}: {problem}\n")
    if args.command == "status":
        stdout.write(_status_table(args.class_name, statuses, now))
        return 0
    named_json = args.output is not None and args.output.suffix.lower() == ".json"
    text = _export(args.class_name, statuses, now, args.format or ("json" if named_json else "csv"))
    if args.output is None:
        stdout.write(text)
        return 0
    from tutor.engine.statefile import atomic_write

    try:
        atomic_write(args.output, text.encode())
    except OSError as exc:
        stderr.write(f"tutor class export: cannot write {args.output}: {exc.strerror or exc}\n")
        return 1
    stdout.write(f"wrote {len(statuses)} students to {args.output}\n")
    return 0


def _lessons(extra: Sequence[Path]) -> dict[str, Lesson]:
    from tutor.course.lessons import load_lessons
    from tutor.paths import content_dir

    found, _ = load_lessons([content_dir("lessons"), *extra])
    return {lesson.id: lesson for lesson in found}


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return "<1 min"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _status_table(class_name: str, rows: Sequence[StudentStatus], now: datetime) -> str:
    if not rows:
        return (f"Class {class_name} has no students yet (they join through `tutor serve`, "
                "or `tutor class import FILE`).\n")
    count = f"{len(rows)} student{'' if len(rows) == 1 else 's'}"
    lines = [f"Class {class_name}: {count}", ""]
    layout = "{:<14} {:<24} {:<16} {:>8} {:>5} {:>4}"
    lines.append(layout.format("STUDENT", "LESSON", "STEP", "ON STEP", "HINTS", "SOL"))
    for status in rows:
        lesson = status.current
        if lesson is None:
            where, step, hints, shown = "(not started)", "", "", ""
        else:
            where, hints, shown = lesson.lesson, str(lesson.hints), str(lesson.solutions)
            total = "?" if lesson.steps is None else str(lesson.steps)
            step = ("done" if lesson.done and not lesson.step_id
                    else f"{lesson.step + 1}/{total} {lesson.step_id}")
        lines.append(layout.format(_cut(status.name, 14), _cut(where, 24), _cut(step, 16),
                                   _duration(status.seconds_on_step(now)), hints, shown))
        if status.quiz:
            scores = ", ".join(f"{q.topic} {q.right}/{q.answered}" for q in status.quiz)
            lines += textwrap.wrap(f"quiz: {scores}", _WIDTH, initial_indent=" " * 4,
                                   subsequent_indent=" " * 10)
    return "\n".join(lines) + "\n"


def _export(class_name: str, rows: Sequence[StudentStatus], now: datetime, form: str) -> str:
    if form == "json":
        data = {"class": class_name, "at": now.isoformat(timespec="seconds"),
                "students": [json_record(s, class_name, now) for s in rows]}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    header, records = csv_rows(rows, class_name, now)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def _reset(root: Path, class_name: str, offered: dict[str, Lesson], lesson_id: str,
           stdout: TextIO, stderr: TextIO) -> int:
    from tutor.course.progress import load_progress, save_progress
    from tutor.course.sandbox import Sandbox

    lesson = offered.get(lesson_id)
    if lesson is None:
        stderr.write(f"tutor class reset: no lesson {lesson_id!r} (lessons: "
                     f"{', '.join(offered) or 'none'}; add yours with --lessons DIR)\n")
        return 1
    failed = 0
    everyone = students(root, class_name)
    for student in everyone:
        setup = Sandbox(lesson, student.home).reset()
        problems: list[str] = []
        save_progress(student.home, load_progress(student.home, problems).restarted(lesson.id))
        if setup.ok:
            stdout.write(f"{student.name}: {lesson.id} is back at its first step\n")
        else:
            failed += 1
            stderr.write(f"{student.name}: the lesson's setup failed:\n{setup.output}")
    if not everyone:
        stdout.write(f"Class {class_name} has no students yet; nothing to reset.\n")
    return 1 if failed else 0


def _import(root: Path, class_name: str, files: Sequence[Path], stdout: TextIO,
            stderr: TextIO) -> int:
    from tutor.course.transfer import import_exported, read_document

    failed = 0
    for path in files:
        try:
            exported = read_document(path)
            home = import_exported(root, class_name, exported)
        except ValueError as exc:
            failed += 1
            stderr.write(f"tutor class import: {path}: {exc}\n")
            continue
        stdout.write(f"{path}: {exported.name} added to class {class_name} as {home.name}\n")
    return 1 if failed else 0


def progress_main(argv: Sequence[str], *, state: Path, stdout: TextIO, stderr: TextIO) -> int:
    """`tutor progress export`: this state directory's progress, as a file for an instructor."""
    parser = argparse.ArgumentParser(
        prog="tutor progress",
        description="Write your progress (lessons and quiz) to a file your instructor adds to "
        "the class with `tutor class import FILE`.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    export = commands.add_parser("export", help="write your progress to a file")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="the file to write (default: NAME-progress.json here; - for "
                        "standard output)")
    export.add_argument("--name", help="your name, as your instructor knows you (default: "
                        "the name you joined a class with, else asked)")
    args = parser.parse_args(list(argv))
    name = args.name or recorded_name(state) or _ask_name(stderr)
    if not name:
        stderr.write("tutor progress export: give your name with --name NAME\n")
        return 2
    from tutor.course.transfer import export_document

    try:
        default = f"{slug(name)}-progress.json"
    except ValueError as exc:
        stderr.write(f"tutor progress export: {exc}\n")
        return 2
    problems: list[str] = []
    document = export_document(state, name, problems)
    for problem in problems:
        stderr.write(f"tutor progress export: {problem}\n")
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if args.output == "-":
        stdout.write(text)
        return 0
    target = Path(args.output or default)
    from tutor.engine.statefile import atomic_write

    try:
        atomic_write(target, text.encode())
    except OSError as exc:
        stderr.write(f"tutor progress export: cannot write {target}: {exc.strerror or exc}\n")
        return 1
    stdout.write(f"wrote {target}: give this file to your instructor\n")
    return 0


def _ask_name(stderr: TextIO) -> str | None:
    if not sys.stdin.isatty():
        return None
    stderr.write("Your name, as your instructor knows you: ")
    stderr.flush()
    return sys.stdin.readline().strip() or None
