"""Reading the question bank (one TOML file per topic) and linting it.

Instructors write questions without Python, so every mistake is reported in terms of their file:
TOML syntax errors with tomllib's line and column, schema errors with the question's id, the field
and the line the question starts on. `lint` collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tutor.course.quiz.dockercmd import Grammar, check_command, load_grammar
from tutor.course.quiz.model import Bank, Option, Question, Topic
from tutor.engine.errors import EngineError

SCHEMA_DIR = "_schema"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TRY_KEYS = {"try_setup", "try_files", "try_fails", "try_expect"}
_QUESTION_KEYS = {"id", "stem", "option", "domain", "objective", "try_it", "lesson", *_TRY_KEYS}
_OPTION_KEYS = {"text", "correct", "why"}
_TOPIC_KEYS = {"title", "domain", "objective"}
MIN_OPTIONS, MAX_OPTIONS = 3, 6


class BankError(EngineError):
    """The bank cannot be used; `problems` lists every mistake found, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ExamShape:
    questions: int
    minutes: int
    domc: int


@dataclass(frozen=True, slots=True)
class Schema:
    objectives: dict[str, tuple[str, ...]]
    """Domain -> its study-guide objectives."""
    weights: dict[str, int]
    exam: ExamShape
    grammar: Grammar


@dataclass(frozen=True, slots=True)
class _TryExtras:
    """The fields around a question's `try_it` (documented on `Question`)."""

    setup: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    fails: bool = False
    expect: str = ""


def load_schema(questions_dir: Path) -> Schema:
    schema_dir = questions_dir / SCHEMA_DIR
    try:
        data = tomllib.loads((schema_dir / "dca.toml").read_text(encoding="utf-8"))
        grammar = load_grammar(schema_dir / "docker-cli.toml")
        exam = data["exam"]
        return Schema(
            objectives={d: tuple(v["objectives"]) for d, v in data["domains"].items()},
            weights={d: int(v["weight"]) for d, v in data["domains"].items()},
            exam=ExamShape(int(exam["questions"]), int(exam["minutes"]), int(exam["domc"])),
            grammar=grammar,
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
        raise BankError([f"{schema_dir}: unreadable schema: {err}"]) from err


def _line_of(text: str, question_id: str) -> int:
    """Where `id = "<question_id>"` is written, so an instructor can jump to it (0 if unknown)."""
    pattern = re.compile(rf"^\s*id\s*=\s*[\"']{re.escape(question_id)}[\"']", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


class _FileChecker:
    """Builds one topic from one file's parsed TOML, recording problems rather than raising."""

    def __init__(self, path: Path, text: str, schema: Schema) -> None:
        self.path = path
        self.text = text
        self.schema = schema
        self.problems: list[str] = []

    def problem(self, qid: str | None, field: str, message: str) -> None:
        line = _line_of(self.text, qid) if qid else 1
        where = f"question {qid}: " if qid else ""
        self.problems.append(f"{self.path}:{line}: {where}{field}: {message}")

    def text_field(
        self, table: dict[str, Any], key: str, qid: str | None, *, required: bool, at: str = ""
    ) -> str:
        field = f"{at}{key}"
        value = table.get(key, "")
        if not isinstance(value, str):
            self.problem(qid, field, f"must be a string, not {type(value).__name__}")
            return ""
        if required and not value.strip():
            self.problem(qid, field, "is required and must not be empty")
        return value.strip()

    def topic(self, data: dict[str, Any]) -> Topic | None:
        header = data.get("topic")
        if not isinstance(header, dict):
            self.problem(None, "topic", "missing [topic] table with a title")
            return None
        for key in sorted(set(header) - _TOPIC_KEYS):
            self.problem(None, f"topic.{key}", "unknown field")
        for key in sorted(set(data) - {"topic", "question"}):
            self.problem(None, key, "unknown table (expected [topic] and [[question]])")
        title = self.text_field(header, "title", None, required=True)
        domain = self.text_field(header, "domain", None, required=False)
        objective = self.text_field(header, "objective", None, required=False)
        raw = data.get("question", [])
        if not isinstance(raw, list) or not raw:
            self.problem(None, "question", "a topic needs at least one [[question]]")
            raw = []
        questions = [self.question(q, i, domain, objective) for i, q in enumerate(raw, 1)]
        topic_id = self.path.stem
        if not _ID.fullmatch(topic_id):
            self.problem(None, "file name", "must be lower-case words joined by '-' (the topic id)")
        valid = tuple(q for q in questions if q is not None)
        return Topic(topic_id, title, valid)

    def question(self, raw: Any, number: int, domain: str, objective: str) -> Question | None:
        if not isinstance(raw, dict):
            self.problem(None, f"question #{number}", "must be a table")
            return None
        before = len(self.problems)
        qid = raw.get("id")
        if not isinstance(qid, str) or not _ID.fullmatch(qid):
            self.problem(None, f"question #{number}.id", "required: lower-case words joined by '-'")
            return None
        for key in sorted(set(raw) - _QUESTION_KEYS):
            self.problem(qid, key, "unknown field")
        stem = self.text_field(raw, "stem", qid, required=True)
        domain = self.text_field(raw, "domain", qid, required=False) or domain
        objective = self.text_field(raw, "objective", qid, required=False) or objective
        if domain not in self.schema.objectives:
            self.problem(qid, "domain", f"unknown DCA domain {domain!r}")
        elif objective not in self.schema.objectives[domain]:
            self.problem(qid, "objective", f"not an objective of {domain!r}: {objective!r}")
        try_it = self.text_field(raw, "try_it", qid, required=False)
        if try_it:
            error = check_command(try_it, self.schema.grammar)
            if error:
                self.problem(qid, "try_it", error)
        extras = self.try_extras(raw, qid, try_it)
        lesson = self.text_field(raw, "lesson", qid, required=False)
        options = self.options(raw.get("option"), qid)
        if len(self.problems) > before:
            return None
        return Question(
            qid, self.path.stem, domain, objective, stem, options, try_it=try_it, lesson=lesson,
            try_setup=extras.setup, try_files=extras.files, try_fails=extras.fails,
            try_expect=extras.expect,
        )

    def try_extras(self, raw: dict[str, Any], qid: str, try_it: str) -> _TryExtras:
        """The fields that prepare and check `try_it`; meaningless (so refused) without it."""
        if not try_it:
            for key in sorted(_TRY_KEYS & set(raw)):
                self.problem(qid, key, "needs a try_it command to go with it")
            return _TryExtras()
        setup = raw.get("try_setup", [])
        if not isinstance(setup, list) or not all(isinstance(c, str) for c in setup):
            self.problem(qid, "try_setup", "must be a list of docker commands (strings)")
            setup = []
        for n, command in enumerate(setup, 1):
            error = check_command(command, self.schema.grammar)
            if error:
                self.problem(qid, f"try_setup #{n}", error)
        fails = raw.get("try_fails", False)
        if not isinstance(fails, bool):
            self.problem(qid, "try_fails", "must be true or false")
            fails = False
        expect = self.text_field(raw, "try_expect", qid, required=False)
        files = self.try_files(raw.get("try_files", {}), qid)
        return _TryExtras(tuple(setup), files, fails, expect)

    def try_files(self, raw: Any, qid: str) -> tuple[tuple[str, str], ...]:
        if not isinstance(raw, dict):
            self.problem(qid, "try_files", "must be a table of file name = content")
            return ()
        files: list[tuple[str, str]] = []
        for name, content in raw.items():
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
                self.problem(
                    qid, f"try_files.{name}", "must be a relative path inside the workspace"
                )
            elif not isinstance(content, str):
                self.problem(qid, f"try_files.{name}", "content must be a string")
            else:
                files.append((path.as_posix(), content))
        return tuple(files)

    def options(self, raw: Any, qid: str) -> tuple[Option, ...]:
        if not isinstance(raw, list):
            self.problem(qid, "option", "needs [[question.option]] entries")
            return ()
        options: list[Option] = []
        for n, entry in enumerate(raw, 1):
            if not isinstance(entry, dict):
                self.problem(qid, f"option #{n}", "must be a table")
                continue
            for key in sorted(set(entry) - _OPTION_KEYS):
                self.problem(qid, f"option #{n}.{key}", "unknown field")
            correct = entry.get("correct", False)
            if not isinstance(correct, bool):
                self.problem(qid, f"option #{n}.correct", "must be true or false")
                correct = False
            text = self.text_field(entry, "text", qid, required=True, at=f"option #{n}.")
            why = self.text_field(entry, "why", qid, required=True, at=f"option #{n}.")
            options.append(Option(text, correct, why))
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            self.problem(
                qid, "option", f"has {len(options)} options; {MIN_OPTIONS} to {MAX_OPTIONS} needed"
            )
        if not any(o.correct for o in options):
            self.problem(qid, "option", "no option is marked correct = true")
        if all(o.correct for o in options):
            self.problem(qid, "option", "every option is correct; at least one must be wrong")
        texts = [o.text for o in options]
        if len(set(texts)) != len(texts):
            self.problem(qid, "option", "two options have the same text")
        return tuple(options)


def _read_topic(path: Path, schema: Schema) -> tuple[Topic | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, [f"{path}: cannot read: {err}"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib's message ends with "(at line L, column C)".
        match = re.search(r"at line (\d+)", str(err))
        return None, [f"{path}:{match.group(1) if match else 1}: TOML syntax error: {err}"]
    checker = _FileChecker(path, text, schema)
    topic = checker.topic(data)
    return topic, checker.problems


def _topic_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.toml") if not p.name.startswith("_")))
        else:
            files.append(path)
    return files


def _collect(paths: Iterable[Path], schema: Schema) -> tuple[list[Topic], list[str]]:
    topics: list[Topic] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in _topic_files(paths):
        topic, found = _read_topic(path, schema)
        problems.extend(found)
        if topic is None:
            continue
        for q in topic.questions:
            if q.id in seen:
                problems.append(
                    f"{path}:{_line_of(path.read_text(encoding='utf-8'), q.id)}: question {q.id}: "
                    f"id: already used in {seen[q.id]}"
                )
            seen.setdefault(q.id, path)
        topics.append(topic)
    if not topics and not problems:
        problems.append("no topic files (*.toml) found")
    return topics, problems


def lint(paths: Iterable[Path], schema: Schema | None = None) -> list[str]:
    """Every problem in the given topic files or directories (empty when all is well)."""
    if schema is None:
        from tutor.paths import content_dir

        schema = load_schema(content_dir("assets") / "questions")
    return _collect(list(paths), schema)[1]


def load_bank(questions_dir: Path, schema: Schema | None = None) -> Bank:
    """The whole bank; raises `BankError` listing every problem when any file is wrong."""
    schema = schema or load_schema(questions_dir)
    topics, problems = _collect([questions_dir], schema)
    if problems:
        raise BankError(problems)
    return Bank(tuple(topics))
