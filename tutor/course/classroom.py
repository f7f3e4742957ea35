"""Where a class and its students live under the state root, and the rules for their names.

A class is `<root>/classes/<class>/`; each student's own state directory (progress, sandboxes,
quiz journal: an ordinary tutor state directory) is `<root>/classes/<class>/students/<slug>/`,
where the slug comes from the name the student typed and that name is kept, as typed, in the
student's `student.toml`. `tutor serve` and the instructor's tools both go through this module,
so a name typed on the start page and one given to `tutor class import` land in the same place.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CLASSES_DIR = "classes"
STUDENTS_DIR = "students"
STUDENT_FILE = "student.toml"
DEFAULT_CLASS = "default"
MAX_NAME = 32
MAX_TYPED_NAME = 64
_CLASS_NAME = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{MAX_NAME - 1}}}\Z")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Student:
    name: str
    """The name as the student typed it."""
    slug: str
    home: Path
    """The student's own state directory."""


def class_dir(root: Path, name: str) -> Path:
    """`<root>/classes/<name>`; raises ValueError when `name` is not a class name."""
    if not _CLASS_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a class name: use 1 to {MAX_NAME} lower-case letters, digits "
            "and '-', starting with a letter or a digit"
        )
    return root / CLASSES_DIR / name


def _typed(name: str) -> str:
    """The name as it is kept: surrounding and repeated spaces do not make another name."""
    typed = " ".join(name.split())
    if not typed:
        raise ValueError("Please type your name.")
    if len(typed) > MAX_TYPED_NAME:
        raise ValueError(f"That name is too long: use at most {MAX_TYPED_NAME} characters.")
    if any(unicodedata.category(c).startswith("C") for c in typed):
        raise ValueError("A name may not contain control characters.")
    return typed


def slug_of(typed_name: str) -> str:
    """The folder name for a typed name: accents dropped, lower-case, every run of other
    characters (spaces, dots, slashes) one '-', at most 32 characters; "" when nothing usable is
    left (a name of only punctuation, or of a script with no letters a-z)."""
    ascii_name = unicodedata.normalize("NFKD", typed_name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:MAX_NAME].rstrip("-")


def slug(name: str) -> str:
    """`slug_of` a name a student may use; ValueError, with a message for them, otherwise."""
    result = slug_of(_typed(name))
    if not result:
        raise ValueError(
            f"{name.strip()!r} cannot be used as a name here: it needs at least one letter "
            "a-z or digit."
        )
    return result


def recorded_name(home: Path) -> str | None:
    """The name kept in a student directory's `student.toml` (None: none readable)."""
    try:
        data = tomllib.loads((home / STUDENT_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = data.get("name")
    return name if isinstance(name, str) else None


def _claim(home: Path, typed: str) -> str:
    """Write `student.toml` unless it exists, without a window in which two students typing at
    once could both claim the folder: the file is written aside and linked into place, which
    fails if another got there first. Returns the name now on record."""
    home.mkdir(parents=True, exist_ok=True)
    # json's string syntax is TOML's basic string (control characters were refused above)
    text = f"name = {json.dumps(typed, ensure_ascii=False)}\n".encode()
    fd, tmp = tempfile.mkstemp(dir=home, prefix=f".{STUDENT_FILE}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, home / STUDENT_FILE)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return recorded_name(home) or typed


def student_dir(root: Path, class_name: str, typed_name: str) -> Path:
    """The state directory of the student who typed `typed_name` in class `class_name`, made
    (and the name recorded) the first time. Typing the same name again (in any capitals) finds
    the same folder;
    a different name that gives the same folder name is refused, so nobody reaches another
    student's work. Raises ValueError with a message for the student."""
    typed = _typed(typed_name)
    home = class_dir(root, class_name) / STUDENTS_DIR / slug(typed)
    owner = recorded_name(home) if (home / STUDENT_FILE).exists() else _claim(home, typed)
    if owner is None:
        raise ValueError(
            f"The place for {typed!r} in this class cannot be read; ask your instructor."
        )
    if owner.casefold() != typed.casefold():  # "ana maría" typed again is still Ana María
        raise ValueError(
            f"{owner!r} already uses this place in the class; please type your name another "
            "way (add your surname or an initial)."
        )
    return home


def students(root: Path, class_name: str) -> tuple[Student, ...]:
    """Every student of the class, by folder name (folders without a readable `student.toml`
    are not students)."""
    folder = class_dir(root, class_name) / STUDENTS_DIR
    if not folder.is_dir():
        return ()
    found = []
    for home in sorted(folder.iterdir()):
        name = recorded_name(home) if home.is_dir() and not home.is_symlink() else None
        if name is not None:
            found.append(Student(name, home.name, home))
    return tuple(found)


def classes(root: Path) -> tuple[str, ...]:
    """The names of the classes under `root`."""
    folder = root / CLASSES_DIR
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir()
                        if p.is_dir() and _CLASS_NAME.match(p.name)))
