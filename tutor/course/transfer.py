"""A student's progress as one file: written by `tutor progress export` on the student's own
laptop, added to a class by `tutor class import` on the instructor's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.course import progress as lesson_progress
from tutor.course.classroom import student_dir
from tutor.course.quiz import progress as quiz_progress

FORMAT = "image-tutor-progress"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Exported:
    name: str
    """The student's name, as they typed it."""
    lessons: lesson_progress.Progress
    quiz: quiz_progress.Progress


def export_document(state: Path, name: str, problems: list[str]) -> dict[str, Any]:
    """The lesson and quiz progress kept in `state`, under the student's `name`."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "lessons": lesson_progress.to_json(lesson_progress.load_progress(state, problems)),
        "quiz": quiz_progress.to_document(quiz_progress.load_progress(state, problems)),
    }


def read_document(path: Path) -> Exported:
    """An exported file, checked; raises ValueError saying what is wrong with it."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc.strerror or exc}") from None
    except ValueError:
        raise ValueError("is not a progress file (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("is not a progress file written by `tutor progress export`")
    if data.get("version") != VERSION:
        raise ValueError(f"was written by another version of Image Tutor "
                         f"(file version {data.get('version')!r}, this one reads {VERSION})")
    name = data.get("name")
    if not isinstance(name, str):
        raise ValueError("names no student")
    try:
        lessons = lesson_progress.from_json(data.get("lessons"))
    except ValueError as exc:
        raise ValueError(f"has lesson progress that is not understood ({exc})") from None
    return Exported(name, lessons, quiz_progress.from_document(data.get("quiz")))


def import_exported(root: Path, class_name: str, exported: Exported) -> Path:
    """Make the file's progress its student's in the class (a file imported again replaces
    what the earlier one brought); returns the student's directory. Raises ValueError on a
    bad name or one colliding with another student's."""
    home = student_dir(root, class_name, exported.name)
    quiz_progress.replace_progress(home, exported.quiz)
    lesson_progress.save_progress(home, exported.lessons)
    return home
