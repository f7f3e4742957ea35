"""The lesson loader and lint: the shipped lessons are valid, and each mistake an instructor can
make is reported with its file and line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tutor.course.cli import lint_main
from tutor.course.hostshell import COMMAND_NAMES, tokenize
from tutor.course.lessons import (
    LessonError,
    dca_objectives,
    key_line,
    lesson_folders,
    load_lesson,
    load_lessons,
    read_lesson,
)
from tutor.paths import content_dir

BUILTIN = content_dir("lessons")
DCA = dca_objectives(content_dir("assets"))


def test_builtin_lessons_load_in_order_with_5_to_10_steps() -> None:
    lessons, problems = load_lessons([BUILTIN], dca=DCA)
    assert problems == []
    assert [lesson.id for lesson in lessons][:3] == [
        "01-images-and-containers",
        "02-layers",
        "03-build-cache",
    ]
    for lesson in lessons:
        assert 5 <= len(lesson.steps) <= 10, lesson.id
        assert lesson.dca and lesson.objectives and lesson.minutes > 0
        for step in lesson.steps:
            assert step.text.strip() and step.hint and step.solution and step.checks
            for line in step.solution:
                assert tokenize(line)[0].text in COMMAND_NAMES, line


def test_builtin_lessons_lint_clean() -> None:
    out = io.StringIO()  # their replay is test_lessons_solvable's, one lesson per test
    assert lint_main(["--no-replay", str(BUILTIN)], out) == 0, out.getvalue()
    assert out.getvalue().endswith("0 problems\n")


GOOD = """\
title = "T"
summary = "S"
minutes = 5
objectives = ["o"]

[setup]
images = ["alpine:3.21"]

[[steps]]
id = "one"
title = "One"
text = "01.md"
hint = "h"
solution = ["docker images"]
[[steps.check]]
kind = "image"
ref = "alpine:3.21"

[[steps]]
id = "two"
title = "Two"
text = "02.md"
hint = "h"
solution = ["ls"]
[[steps.check]]
kind = "command"
matches = "ls"
"""


def write(folder: Path, toml: str, md: tuple[str, ...] = ("01.md", "02.md")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lesson.toml").write_text(toml)
    for name in md:
        (folder / name).write_text(f"# {name}\n")
    return folder


def test_a_good_lesson_loads(tmp_path: Path) -> None:
    lesson = load_lesson(write(tmp_path / "01-x", GOOD))
    assert lesson.id == "01-x"
    assert lesson.images == ("alpine:3.21",)
    assert [s.id for s in lesson.steps] == ["one", "two"]
    assert lesson.steps[1].text == "# 02.md\n"
    assert lesson.workspace is None


def line_of(toml: str, needle: str) -> int:
    return next(n for n, line in enumerate(toml.splitlines(), 1) if needle in line)


MISTAKES = [
    (
        "unknown-top-key",
        GOOD.replace("minutes = 5", 'minutes = 5\ncolour = "red"'),
        "colour =",
        "unknown key 'colour'",
    ),
    ("bad-minutes", GOOD.replace("minutes = 5", "minutes = 0"), "minutes = 0", "positive integer"),
    (
        "bad-image",
        GOOD.replace('"alpine:3.21"]', '"Alpine!"]'),
        'images = ["Alpine',
        "not an image reference",
    ),
    ("duplicate-id", GOOD.replace('id = "two"', 'id = "one"  # dup'), "# dup", "used twice"),
    (
        "second-check-kind",
        GOOD.replace('kind = "command"', 'kind = "commandz"'),
        'kind = "commandz"',
        "unknown check kind",
    ),
    (
        "check-key",
        GOOD.replace('matches = "ls"', 'matches = "ls"\npattern = "x"'),
        'pattern = "x"',
        "unknown key 'pattern'",
    ),
    ("missing-md", GOOD.replace('"02.md"', '"03.md"'), 'text = "03.md"', "no such file: 03.md"),
    (
        "no-solution",
        GOOD.replace('solution = ["ls"]', "solution = []"),
        "solution = []",
        "must not be empty",
    ),
    ("bad-step-id", GOOD.replace('id = "two"', 'id = "Two Step"'), 'id = "Two Step"', "lower-case"),
    (
        "bad-docker-profile",
        GOOD.replace("minutes = 5", 'minutes = 5\ndocker = "27"'),
        'docker = "27"',
        "unknown Docker version '27'",
    ),
]


@pytest.mark.parametrize(
    ("toml", "needle", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_lint_reports_file_and_line(tmp_path: Path, toml: str, needle: str, message: str) -> None:
    lesson, problems = read_lesson(write(tmp_path / "l", toml))
    assert lesson is None
    assert any(
        p.file.name == "lesson.toml" and p.line == line_of(toml, needle) and message in p.message
        for p in problems
    ), [str(p) for p in problems]


@pytest.mark.parametrize(("spec", "saved"), [("28", "28/classic"), ("29/classic", "29/classic")])
def test_a_lesson_may_pin_a_docker_profile(tmp_path: Path, spec: str, saved: str) -> None:
    lesson = load_lesson(write(tmp_path / "01-x", GOOD.replace(
        "minutes = 5", f'minutes = 5\ndocker = "{spec}"')))
    assert lesson.docker == saved
    assert load_lesson(write(tmp_path / "02-y", GOOD)).docker == ""


def test_missing_check_points_at_the_step(tmp_path: Path) -> None:
    toml = GOOD[: GOOD.rindex("[[steps.check]]")]
    _, problems = read_lesson(write(tmp_path / "l", toml))
    assert [(p.line, p.message) for p in problems] == [
        (line_of(toml, 'id = "two"') - 1, "a step needs at least one [[steps.check]]")
    ]


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    toml = GOOD.replace('hint = "h"\nsolution = ["ls"]', 'hint = "h\nsolution = ["ls"]')
    _, problems = read_lesson(write(tmp_path / "l", toml))
    assert len(problems) == 1
    broken = toml.splitlines().index('hint = "h') + 1
    assert problems[0].line == broken and "TOML syntax" in problems[0].message


def test_unused_markdown_and_empty_text_are_reported(tmp_path: Path) -> None:
    folder = write(tmp_path / "l", GOOD, md=("01.md", "02.md", "99-old.md"))
    (folder / "02.md").write_text("  \n")
    _, problems = read_lesson(folder)
    assert {(p.file.name, p.message) for p in problems} == {
        ("02.md", "the step text is empty"),
        ("99-old.md", "no step uses this file"),
    }


def test_dca_objectives_must_be_the_study_guides(tmp_path: Path) -> None:
    toml = GOOD.replace('objectives = ["o"]', 'objectives = ["o"]\ndca = ["Know Docker."]')
    _, problems = read_lesson(
        write(tmp_path / "l", toml), dca=frozenset({"Describe the use of Dockerfile."})
    )
    assert [(p.line, "not a DCA" in p.message) for p in problems] == [
        (line_of(toml, "dca ="), True)
    ]


def test_load_lesson_raises_with_every_problem(tmp_path: Path) -> None:
    toml = GOOD.replace("minutes = 5", "minutes = -1").replace('title = "T"', "title = 3")
    with pytest.raises(LessonError) as info:
        load_lesson(write(tmp_path / "l", toml))
    assert len(info.value.problems) == 2


def test_instructor_lessons_join_and_override_builtins(tmp_path: Path) -> None:
    write(tmp_path / "own" / "02-layers", GOOD)
    write(tmp_path / "own" / "09-extra", GOOD)
    write(tmp_path / "own" / "10-broken", "title = ")
    lessons, problems = load_lessons([BUILTIN, tmp_path / "own"])
    by_id = {lesson.id: lesson for lesson in lessons}
    assert by_id["02-layers"].title == "T"
    assert "09-extra" in by_id and "01-images-and-containers" in by_id
    assert [p.file.parent.name for p in problems] == ["10-broken"]


def test_lesson_folders_accepts_one_lesson_or_a_folder_of_them(tmp_path: Path) -> None:
    one = write(tmp_path / "a", GOOD)
    assert lesson_folders(one) == [one]
    assert lesson_folders(tmp_path) == [one]
    assert lesson_folders(tmp_path / "missing") == []


def test_lint_cli_prints_problems_and_fails(tmp_path: Path) -> None:
    write(tmp_path / "l", GOOD.replace("minutes = 5", "minutes = 0"))
    out = io.StringIO()
    assert lint_main([str(tmp_path)], out) == 1
    first, last = out.getvalue().splitlines()
    assert first == f"{tmp_path / 'l' / 'lesson.toml'}:3: 'minutes' must be a positive integer"
    assert last == "1 lesson checked, 1 problem"
    empty = io.StringIO()
    assert lint_main([str(tmp_path / "nothing")], empty) == 1


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        (("title",), 'title = "T"'),
        (("setup", "images"), "images ="),
        (("steps", 1, "hint"), 'hint = "h"'),
        (("steps", 1, "check", 0, "matches"), 'matches = "ls"'),
        (("steps", 0, "check", 0, "kind"), 'kind = "image"'),
    ],
    ids=["top", "table", "array-item", "nested-array", "first"],
)
def test_key_line(path: tuple[str | int, ...], needle: str) -> None:
    lines = GOOD.splitlines()
    want = [n for n, line in enumerate(lines, 1) if needle in line]
    got = key_line(GOOD, path)
    assert got in want
    if path[:2] == ("steps", 1):
        assert got > line_of(GOOD, 'id = "two"')


def test_lint_takes_several_paths_and_reports_each_missing_one(tmp_path: Path) -> None:
    out = io.StringIO()
    first, second = sorted(p for p in BUILTIN.iterdir() if (p / "lesson.toml").is_file())[:2]
    assert lint_main(["--no-replay", str(first), str(second)], out) == 0, out.getvalue()
    assert out.getvalue().endswith("2 lessons checked, 0 problems\n")
    out = io.StringIO()
    assert lint_main(["--no-replay", str(first), str(tmp_path / "nowhere")], out) == 1
    assert f"{tmp_path / 'nowhere'}: no lesson.toml here or in its sub-folders\n" in out.getvalue()
    assert out.getvalue().endswith("1 lesson checked, 1 problem\n")
