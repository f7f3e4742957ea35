"""The shipped question bank is valid, and the lint reports instructors' mistakes precisely."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tutor.course.quiz import BankError, lint, load_bank, load_schema
from tutor.course.quiz.dockercmd import check_command
from tutor.paths import content_dir

BANK_DIR = content_dir("assets") / "questions"
SCHEMA = load_schema(BANK_DIR)
BANK = load_bank(BANK_DIR, SCHEMA)


def test_the_shipped_bank_lints_clean() -> None:
    assert lint([BANK_DIR], SCHEMA) == []


def test_ids_are_unique() -> None:
    ids = [q.id for q in BANK.questions]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("question", BANK.questions, ids=lambda q: q.id)
def test_each_question_is_consistent(question: object) -> None:
    from tutor.course.quiz import Question

    assert isinstance(question, Question)
    assert question.answer and len(question.answer) < len(question.options)
    assert question.objective in SCHEMA.objectives[question.domain]
    assert all(o.why for o in question.options)
    if question.try_it:
        assert check_command(question.try_it, SCHEMA.grammar) is None


def test_every_image_domain_objective_is_covered() -> None:
    covered = {q.objective for q in BANK.questions}
    missing = set(SCHEMA.objectives["Image Creation, Management, and Registry"]) - covered
    assert not missing


def test_every_covered_objective_has_at_least_three_questions() -> None:
    counts = Counter(q.objective for q in BANK.questions)
    thin = {objective: n for objective, n in counts.items() if n < 3}
    assert not thin, f"objectives with fewer than 3 questions: {thin}"


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("docker build -t app .", None),
        ("docker build -t app -f Dockerfile.dev .", None),
        ("docker image ls --filter dangling=true --format '{{.ID}}'", None),
        ("docker run --rm -it alpine sh -c 'echo hi'", None),
        ("docker run -d -p 5000:5000 --name registry registry:2", None),
        ("docker history --no-trunc alpine", None),
        ("docker tag alpine localhost:5000/alpine:3.20", None),
        ("docker trust sign localhost:5000/app:1", None),
        ("docker image prune -a -f", None),
        ("docker images -qa", None),
        ("ls -l", "must start with `docker`"),
        ("docker frobnicate", "unknown docker command: 'frobnicate'"),
        ("docker build --squish .", "unknown flag: --squish"),
        ("docker build -t", "flag needs an argument: 't' in -t"),
        ("docker tag alpine", '"docker tag" requires at least 2 argument(s)'),
        ("docker image prune dangling", '"docker image prune" accepts at most 0 argument(s)'),
        ("docker images -z", "unknown shorthand flag: 'z' in -z"),
        ("docker build 'unterminated", "cannot split into words: No closing quotation"),
    ],
    ids=lambda v: str(v),
)
def test_try_it_syntax_check(command: str, problem: str | None) -> None:
    assert check_command(command, SCHEMA.grammar) == problem


GOOD = """\
[topic]
title = "Mine"
domain = "Image Creation, Management, and Registry"
objective = "Describe the use of Dockerfile."

[[question]]
id = "mine-1"
stem = "Pick a"

[[question.option]]
text = "a"
correct = true
why = "because"

[[question.option]]
text = "b"
why = "no"

[[question.option]]
text = "c"
why = "no"
"""


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_instructors_valid_file_lints_clean(tmp_path: Path) -> None:
    assert lint([write(tmp_path, GOOD)], SCHEMA) == []


@pytest.mark.parametrize(
    ("name", "edit", "expected"),
    [
        (
            "syntax",
            lambda t: t.replace('stem = "Pick a"', "stem = Pick a"),
            ":8: TOML syntax error",
        ),
        (
            "no-correct",
            lambda t: t.replace("correct = true\n", ""),
            ":7: question mine-1: option: no option is marked correct = true",
        ),
        (
            "all-correct",
            lambda t: t.replace('why = "no"', 'correct = true\nwhy = "no"'),
            ":7: question mine-1: option: every option is correct",
        ),
        (
            "bad-objective",
            lambda t: t.replace('stem = "Pick a"', 'stem = "Pick a"\nobjective = "Be good."'),
            ":7: question mine-1: objective: not an objective of",
        ),
        (
            "bad-try-it",
            lambda t: t.replace('stem = "Pick a"', 'stem = "Pick a"\ntry_it = "docker biuld ."'),
            ":7: question mine-1: try_it: unknown docker command: 'biuld .'",
        ),
        (
            "typo-field",
            lambda t: t.replace('why = "because"', 'wyh = "because"'),
            ":7: question mine-1: option #1.wyh: unknown field",
        ),
        (
            "empty-stem",
            lambda t: t.replace('stem = "Pick a"', 'stem = ""'),
            ":7: question mine-1: stem: is required and must not be empty",
        ),
        (
            "two-options",
            lambda t: t[: t.rindex("[[question.option]]")],
            ":7: question mine-1: option: has 2 options; 3 to 6 needed",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_lint_reports_file_line_id_and_field(
    tmp_path: Path, name: str, edit: object, expected: str
) -> None:
    assert callable(edit)
    path = write(tmp_path, edit(GOOD))
    problems = lint([path], SCHEMA)
    assert problems and all(p.startswith(f"{path}:") for p in problems)
    assert expected in problems[0]


def test_duplicate_ids_across_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "one.toml")
    write(tmp_path, GOOD, "two.toml")
    problems = lint([tmp_path], SCHEMA)
    assert problems == [
        f"{tmp_path / 'two.toml'}:7: question mine-1: id: already used in {tmp_path / 'one.toml'}"
    ]


def test_loading_a_broken_bank_raises_with_every_problem(tmp_path: Path) -> None:
    (tmp_path / "_schema").mkdir()
    for name in ("dca.toml", "docker-cli.toml"):
        (tmp_path / "_schema" / name).write_text((BANK_DIR / "_schema" / name).read_text())
    write(tmp_path, GOOD.replace("correct = true\n", ""), "a.toml")
    write(tmp_path, "[topic\n", "b.toml")
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert len(caught.value.problems) == 2
