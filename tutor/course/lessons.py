"""Lessons as content: the model, the loader of a lesson folder, and the lint that reports every
problem in it with its file and line.

A lesson folder holds `lesson.toml` (header, setup, steps with their checks), one Markdown file
per step and an optional `workspace/` copied into the learner's sandbox. The format is described
in `docs/lesson-format.md`. Loading and linting are one pass: `read_lesson` collects all the
problems it can find instead of stopping at the first, so an instructor fixes a folder in one go.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor.course.checks import Check, CheckSpecError, parse_check

LESSON_FILE = "lesson.toml"
_LINK = ("a symbolic link: lessons may not contain links (one could lead outside the lesson "
         "folder or the learner's workspace)")
WORKSPACE_DIR = "workspace"
_STEP_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_IMAGE_REF = re.compile(r"[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?\Z")


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    text: str
    """The step's Markdown: what to do and why, for a self-learner."""
    hint: str
    solution: tuple[str, ...]
    """Command lines for the lesson's terminal that complete the step from where the previous
    step left off; replayed by the tests, so every lesson is proven solvable."""
    checks: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    """The folder's name; lessons are ordered by it (`01-…`, `02-…`)."""
    folder: Path
    title: str
    summary: str
    objectives: tuple[str, ...]
    dca: tuple[str, ...]
    """DCA study-guide objectives it covers, verbatim."""
    minutes: int
    images: tuple[str, ...]
    """Images already pulled when the lesson starts."""
    steps: tuple[Step, ...]
    chapter: str = ""
    """The part of the course it belongs to; the lesson map groups lessons by it."""
    docker: str = ""
    """The Docker profile the lesson is written for (`28`, `29/classic`, …; `tutor.engine.
    profile.parse_profile`), set in its sandbox; empty: the learner's choice."""

    @property
    def workspace(self) -> Path | None:
        """The files the learner's workspace starts with, if the lesson has any."""
        folder = self.folder / WORKSPACE_DIR
        return folder if folder.is_dir() and not folder.is_symlink() else None


@dataclass(frozen=True, slots=True)
class Problem:
    file: Path
    line: int
    """1-based; 0 when the problem belongs to no line (a missing file)."""
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"


class LessonError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


# ---------------------------------------------------------------------------------------------
# Where a key is in the TOML text (tomllib reports lines for syntax errors only)

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _header(line: str) -> tuple[str, bool] | None:
    """`(dotted name, is array of tables)` when the line is a table header."""
    m = _HEADER.match(line)
    if not m:
        return None
    return ".".join(part.strip().strip("\"'") for part in m.group(2).split(".")), m.group(1) == "[["


def key_line(text: str, path: Sequence[str | int]) -> int:
    """The 1-based line where the value at `path` (e.g. `("steps", 2, "check", 0, "kind")`) is
    written, or of the closest enclosing table that could be found (0: not even that)."""
    lines = text.splitlines()
    headers = {n: h for n, line in enumerate(lines) if (h := _header(line))}

    def table_end(after: int, end: int, name: str) -> int:
        return next(
            (
                n
                for n in range(after + 1, end)
                if n in headers and not headers[n][0].startswith(name + ".")
            ),
            end,
        )

    start, end, found, name = 0, len(lines), 0, ""
    for part in path:
        if isinstance(part, int):
            rows = [n for n in range(start, end) if headers.get(n) == (name, True)]
            if part >= len(rows):
                return found
            found, start = rows[part] + 1, rows[part] + 1
            end = table_end(rows[part], end, name)
            continue
        own_end = next((n for n in range(start, end) if n in headers), end)
        assign = re.compile(rf"\s*[\"']?{re.escape(part)}[\"']?\s*=")
        for n in range(start, own_end):
            if assign.match(lines[n]):
                return n + 1
        dotted = f"{name}.{part}" if name else part
        row = next((n for n in range(start, end) if n in headers and headers[n][0] == dotted), None)
        if row is None:
            return found
        found, name = row + 1, dotted
        if not headers[row][1]:
            start, end = row + 1, table_end(row, end, dotted)
    return found


# ---------------------------------------------------------------------------------------------
# Reading a lesson

_TOP_KEYS = {"chapter", "title", "summary", "objectives", "dca", "minutes", "setup", "steps",
             "docker"}
_STEP_KEYS = {"id", "title", "text", "hint", "solution", "check"}


class _Reader:
    """Collects problems while turning `lesson.toml` into a `Lesson`."""

    def __init__(self, folder: Path, dca_objectives: frozenset[str] | None) -> None:
        self.folder = folder
        self.file = folder / LESSON_FILE
        self.dca_objectives = dca_objectives
        self.text = ""
        self.problems: list[Problem] = []

    def problem(self, path: Sequence[str | int], message: str) -> None:
        self.problems.append(Problem(self.file, key_line(self.text, path), message))

    def string(self, data: Mapping[str, object], key: str, at: Sequence[str | int]) -> str:
        value = data.get(key)
        if value is None:
            self.problem(at, f"missing {key!r}")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem([*at, key], f"{key!r} must be a non-empty string")
            return ""
        return value.strip()

    def strings(
        self, data: Mapping[str, object], key: str, at: Sequence[str | int], *, required: bool
    ) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(at, f"missing {key!r}")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem([*at, key], f"{key!r} must be a list of non-empty strings")
            return ()
        if required and not value:
            self.problem([*at, key], f"{key!r} must not be empty")
        return tuple(value)

    def unknown(self, data: Mapping[str, object], known: set[str], at: Sequence[str | int]) -> None:
        for key in data:
            if key not in known:
                self.problem([*at, key], f"unknown key {key!r} (known: {', '.join(sorted(known))})")

    def links(self) -> bool:
        """Report every symbolic link in the lesson folder (the folder itself included): a
        link in a lesson could read, or make the learner's workspace reach, anything outside
        it. Returns whether the folder itself is one (then nothing in it is read)."""
        if self.folder.is_symlink():
            self.problems.append(Problem(self.folder, 0, _LINK))
            return True
        for folder, dirs, files in os.walk(self.folder, followlinks=False):
            for name in sorted(dirs + files):
                path = Path(folder, name)
                if path.is_symlink():
                    self.problems.append(Problem(path, 0, _LINK))
        return False

    def read(self) -> Lesson | None:
        if self.links() or self.file.is_symlink():
            return None
        try:
            self.text = self.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.append(Problem(self.file, 0, f"a lesson folder needs {LESSON_FILE}"))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem(self.file, 0, f"cannot be read: {exc}"))
            return None
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
            line = int(m.group(1)) if m else 0
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            self.problems.append(Problem(self.file, line, f"TOML syntax: {message}"))
            return None
        self.unknown(data, _TOP_KEYS, [])
        title = self.string(data, "title", [])
        summary = self.string(data, "summary", [])
        chapter = self.string(data, "chapter", []) if "chapter" in data else ""
        objectives = self.strings(data, "objectives", [], required=True)
        dca = self.strings(data, "dca", [], required=False)
        if self.dca_objectives is not None:
            for n, objective in enumerate(dca):
                if objective not in self.dca_objectives:
                    self.problem(
                        ["dca"], f"dca[{n}] is not a DCA study-guide objective: {objective!r}"
                    )
        minutes = data.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            self.problem(
                ["minutes"] if "minutes" in data else [], "'minutes' must be a positive integer"
            )
            minutes = 0
        docker = self.docker(data)
        images = self.setup(data.get("setup", {}))
        steps = self.steps(data.get("steps"))
        self.orphan_markdown(steps)
        if self.problems:
            return None
        return Lesson(
            self.folder.name, self.folder, title, summary, objectives, dca, minutes, images, steps,
            chapter, docker,
        )

    def docker(self, data: Mapping[str, object]) -> str:
        if "docker" not in data:
            return ""
        spec = self.string(data, "docker", [])
        if not spec:
            return ""
        from tutor.engine.profile import BadProfile, parse_profile

        try:
            return str(parse_profile(spec))
        except BadProfile as exc:
            self.problem(["docker"], f"'docker': {exc}")
            return ""

    def setup(self, setup: object) -> tuple[str, ...]:
        if not isinstance(setup, dict):
            self.problem(["setup"], "'setup' must be a table")
            return ()
        self.unknown(setup, {"images"}, ["setup"])
        images = self.strings(setup, "images", ["setup"], required=False)
        for ref in images:
            if not _IMAGE_REF.match(ref):
                self.problem(["setup", "images"], f"not an image reference: {ref!r}")
        return images

    def steps(self, raw: object) -> tuple[Step, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem(["steps"] if raw is not None else [], "a lesson needs [[steps]]")
            return ()
        steps: list[Step] = []
        seen: set[str] = set()
        for n, data in enumerate(raw):
            at: list[str | int] = ["steps", n]
            if not isinstance(data, dict):
                self.problem(["steps"], "each step must be a table")
                continue
            self.unknown(data, _STEP_KEYS, at)
            step_id = self.string(data, "id", at)
            if step_id and not _STEP_ID.match(step_id):
                self.problem(
                    [*at, "id"], f"step id {step_id!r} must be lower-case letters, digits, '-'"
                )
            if step_id in seen:
                self.problem([*at, "id"], f"step id {step_id!r} is used twice")
            seen.add(step_id)
            steps.append(
                Step(
                    step_id,
                    self.string(data, "title", at),
                    self.markdown(data, at),
                    self.string(data, "hint", at),
                    self.strings(data, "solution", at, required=True),
                    self.checks(data.get("check"), at),
                )
            )
        return tuple(steps)

    def markdown(self, data: Mapping[str, object], at: Sequence[str | int]) -> str:
        name = self.string(data, "text", at)
        if not name:
            return ""
        path = self.folder / name
        if path.is_symlink():
            return ""  # reported by `links`, never followed
        if Path(name).is_absolute() or ".." in Path(name).parts or path.suffix != ".md":
            self.problem(
                [*at, "text"], f"'text' must name a .md file in the lesson folder: {name!r}"
            )
            return ""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problem([*at, "text"], f"no such file: {name}")
            return ""
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem(path, 0, f"cannot be read: {exc}"))
            return ""
        if not text.strip():
            self.problems.append(Problem(path, 1, "the step text is empty"))
        return text

    def checks(self, raw: object, at: Sequence[str | int]) -> tuple[Check, ...]:
        if raw is None:
            self.problem(at, "a step needs at least one [[steps.check]]")
            return ()
        tables = [raw] if isinstance(raw, dict) else raw
        if not isinstance(tables, list) or not tables:
            self.problem([*at, "check"], "'check' must be a table or a list of tables")
            return ()
        checks: list[Check] = []
        for n, table in enumerate(tables):
            where = [*at, "check"] if isinstance(raw, dict) else [*at, "check", n]
            if not isinstance(table, dict):
                self.problem([*at, "check"], "each check must be a table")
                continue
            try:
                checks.append(parse_check(table))
            except CheckSpecError as exc:
                self.problem([*where, exc.key] if exc.key else where, str(exc))
        return tuple(checks)

    def orphan_markdown(self, steps: Iterable[Step]) -> None:
        if any(not s.text for s in steps):
            return
        used = {s.text for s in steps}
        for path in sorted(self.folder.glob("*.md")):
            if path.is_symlink():
                continue  # reported by `links`, never followed
            if path.read_text(encoding="utf-8", errors="replace") not in used:
                self.problems.append(Problem(path, 0, "no step uses this file"))


def dca_objectives(assets: Path) -> frozenset[str] | None:
    """The study-guide objectives a lesson may name, from the question bank's schema (None when
    it is not there, and then `dca` entries are not checked)."""
    try:
        data = tomllib.loads((assets / "questions" / "_schema" / "dca.toml").read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    domains = data.get("domains", {})
    return frozenset(o for d in domains.values() for o in d.get("objectives", []))


def read_lesson(
    folder: Path, *, dca: frozenset[str] | None = None
) -> tuple[Lesson | None, list[Problem]]:
    """The lesson in `folder` and no problems, or None and every problem found."""
    reader = _Reader(folder, dca)
    lesson = reader.read()
    return lesson, reader.problems


def load_lesson(folder: Path, *, dca: frozenset[str] | None = None) -> Lesson:
    lesson, problems = read_lesson(folder, dca=dca)
    if lesson is None:
        raise LessonError(problems)
    return lesson


def lesson_folders(root: Path) -> list[Path]:
    """The lesson folders in `root`, in order (a folder counts when it has a lesson.toml)."""
    if (root / LESSON_FILE).is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / LESSON_FILE).is_file())


def load_lessons(
    roots: Sequence[Path], *, dca: frozenset[str] | None = None
) -> tuple[tuple[Lesson, ...], list[Problem]]:
    """Every readable lesson under `roots` (built-in folder first, then an instructor's), and the
    problems of those that could not be read; an id seen again replaces the earlier lesson, so an
    instructor can override a built-in one."""
    lessons: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for root in roots:
        for folder in lesson_folders(root):
            lesson, found = read_lesson(folder, dca=dca)
            problems += found
            if lesson is not None:
                lessons[lesson.id] = lesson
    return tuple(lessons[k] for k in sorted(lessons)), problems
