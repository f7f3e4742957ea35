"""`tutor lessons new NAME`: a new lesson folder, from the template in `assets/lesson-template/`,
that lints clean (its solutions replayed included), for an instructor to edit."""

from __future__ import annotations

import re
import shutil
import string
import tempfile
from pathlib import Path

TEMPLATE_DIR = "lesson-template"
_LESSON_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")
_FILLED = (".toml", ".md")
"""Template files whose `$title` and `$image` are filled in."""


def _words(name: str) -> str:
    """The lesson's name without its ordering number: `06-my-lesson` → `my-lesson`."""
    return re.sub(r"^[0-9]+-", "", name).strip("-")


def new_lesson(name: str, parent: Path, assets: Path) -> Path:
    """Create `parent/name` from the template and return it; raises ValueError (saying why)
    when the name is not a lesson folder name or the folder exists."""
    if not _LESSON_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a lesson name: use lower-case letters, digits and '-' (up to 64), "
            "starting with a letter or a digit; lessons are ordered by name, e.g. 06-volumes"
        )
    target = parent / name
    if target.exists() or target.is_symlink():
        raise ValueError(f"{target} already exists")
    words = _words(name)
    values = {"title": (words.replace("-", " ").capitalize() or name), "image": words or "my-image"}
    parent.mkdir(parents=True, exist_ok=True)
    # built aside and renamed into place, so an interrupted run leaves no half-made lesson
    building = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}."))
    try:
        building.chmod(0o755)  # mkdtemp's folder is private; a lesson folder is not
        shutil.copytree(assets / TEMPLATE_DIR, building, dirs_exist_ok=True)
        for path in building.rglob("*"):
            if path.suffix in _FILLED:
                text = string.Template(path.read_text(encoding="utf-8")).safe_substitute(values)
                path.write_text(text, encoding="utf-8")
        building.rename(target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return target
