"""The class layout shared by `tutor serve` and the instructor's tools.

A class lives in `<root>/classes/<class>/`; each student's ordinary tutor state directory is
`<root>/classes/<class>/students/<slug>/`, the slug derived from the name the student typed and
the name itself kept in `student.toml` beside it. A typed name can only ever reach its own slug's
folder: the slug has no path characters, and a second, different name giving the same slug is
refused instead of sharing the first one's state.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tutor.engine.statefile import atomic_write

DEFAULT_CLASS = "default"
STUDENT_FILE = "student.toml"
MAX_SLUG = 32
MAX_TYPED = 64
_CLASS_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


@dataclass(frozen=True, slots=True)
class Student:
    slug: str
    name: str
    """The name as the student typed it."""
    path: Path


def class_dir(root: Path, name: str) -> Path:
    """`<root>/classes/<name>/`; ValueError for a name that is not 1–32 of `[a-z0-9-]`
    starting with a letter or digit."""
    if not _CLASS_NAME.fullmatch(name):
        raise ValueError(f"invalid class name {name!r}: use 1-32 lower-case letters, digits "
                         "and '-', starting with a letter or digit")
    return root / "classes" / name


def slug_of(typed_name: str) -> str:
    """The folder name a typed name gets: accents dropped, lower case, every run of other
    characters one `-`, at most 32 characters ("" when nothing is left)."""
    plain = unicodedata.normalize("NFKD", typed_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


def _same_name(a: str, b: str) -> bool:
    """Typing one's own name again with other spacing or capitals is still oneself."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _read_name(folder: Path) -> str | None:
    try:
        doc = tomllib.loads((folder / STUDENT_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = doc.get("name")
    return name if isinstance(name, str) else None


def student_dir(root: Path, class_name: str, typed_name: str) -> Path:
    """The student's own state directory, created with its `student.toml` on first use.

    ValueError, with a message for the student, on a name that gives no slug, holds control
    characters or is too long, or whose slug already belongs to a different name."""
    typed = " ".join(typed_name.split())
    if not typed:
        raise ValueError("Type your name to start.")
    if len(typed) > MAX_TYPED:
        raise ValueError(f"That name is too long: use at most {MAX_TYPED} characters.")
    if any(unicodedata.category(c).startswith("C") for c in typed):
        raise ValueError("Use letters, digits and spaces in your name.")
    slug = slug_of(typed)
    if not slug:
        raise ValueError("Your name needs at least one letter or digit (a to z, 0 to 9).")
    folder = class_dir(root, class_name) / "students" / slug
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        owner = _read_name(folder)
        if owner is not None and not _same_name(owner, typed):
            raise ValueError(f"The name {typed!r} is too close to another student's name "
                             f"({owner!r}): add your surname or an initial.") from None
        if owner is not None:
            return folder
    # json's string escapes are TOML's basic-string escapes, so this is valid TOML.
    atomic_write(folder / STUDENT_FILE,
                 f"name = {json.dumps(typed, ensure_ascii=False)}\n".encode())
    return folder


def students(root: Path, class_name: str) -> list[Student]:
    """Every student of the class, by slug; folders without a readable `student.toml` are
    not students."""
    folder = class_dir(root, class_name) / "students"
    if not folder.is_dir():
        return []
    found = []
    for child in sorted(folder.iterdir()):
        name = _read_name(child) if child.is_dir() else None
        if name is not None:
            found.append(Student(child.name, name, child))
    return found
