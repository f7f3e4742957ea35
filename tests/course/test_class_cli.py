"""The instructor's commands end to end, run as `tutor …` from a shell: a student exports their
progress on their own laptop, the instructor imports it beside a student who joined through
`tutor serve`, reads the class's status, exports it, and resets a lesson for everyone."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutor.course.classroom import student_dir
from tutor.course.progress import Progress, load_progress, save_progress
from tutor.course.quiz import progress as quiz
from tutor.course.quiz.loader import load_bank
from tutor.paths import content_dir

LESSON = "01-images-and-containers"
STEP_IDS = [s["id"] for s in tomllib.loads(
    (content_dir("lessons") / LESSON / "lesson.toml").read_text(encoding="utf-8"))["steps"]]
STEPS = len(STEP_IDS)
BANK = load_bank(content_dir("assets") / "questions")
REGISTRY = [q.id for q in BANK.topic("registry").questions][:3]  # type: ignore[union-attr]


def tutor(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, cwd=cwd,
        stdin=subprocess.DEVNULL, timeout=300,
    )


def seed(home: Path, *, began: datetime, steps_done: int, hints: tuple[str, ...],
         answers: tuple[bool, ...]) -> None:
    """What the tutorial writes while a student works: lesson progress and quiz answers."""
    progress = Progress().began(LESSON, began - timedelta(minutes=30))
    for _ in range(steps_done):
        progress = progress.advanced(LESSON, STEPS, began)
    for step in hints:
        progress = progress.used_hint(LESSON, step)
    save_progress(home, progress)
    answered = quiz.load_progress(home, [])
    for qid, right in zip(REGISTRY, answers, strict=False):
        answered = quiz.record(answered, quiz.Attempt(qid, right, began, "practice"))
    quiz.save_progress(home, answered)


@pytest.fixture
def classroom(tmp_path: Path) -> Path:
    """A class with Bea (joined through `tutor serve`) and Ann Lee (imported from her laptop)."""
    root = tmp_path / "instructor"
    bea = student_dir(root, "default", "Bea")
    seed(bea, began=datetime.now(UTC) - timedelta(minutes=15), steps_done=4, hints=(),
         answers=(True,))
    laptop = tmp_path / "laptop"
    seed(laptop, began=datetime.now(UTC) - timedelta(minutes=3), steps_done=1,
         hints=("pull", "list"), answers=(True, False, True))
    exported = tutor("--state", str(laptop), "progress", "export", "--name", "Ann Lee",
                     cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == "wrote ann-lee-progress.json: give this file to your instructor\n"
    imported = tutor("--state", str(root), "class", "import", "ann-lee-progress.json",
                     cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == (
        "ann-lee-progress.json: Ann Lee added to class default as ann-lee\n"
    )
    return root


def test_status_shows_each_students_lesson_step_time_hints_and_quiz(classroom: Path) -> None:
    result = tutor("--state", str(classroom), "class", "status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Class default: 2 students"
    assert lines[2].split() == ["STUDENT", "LESSON", "STEP", "ON", "STEP", "HINTS", "SOL"]
    ann = next(line for line in lines if line.startswith("Ann Lee"))
    assert re.fullmatch(rf"Ann Lee +{LESSON} +2/{STEPS} {STEP_IDS[1]} +[3-9] min +2 +0", ann), ann
    assert lines[lines.index(ann) + 1] == "    quiz: registry 2/3"
    bea = next(line for line in lines if line.startswith("Bea"))
    assert re.fullmatch(rf"Bea +{LESSON} +5/{STEPS} {STEP_IDS[4]} +1\d min +0 +0", bea), bea
    assert all(len(line) <= 80 for line in lines)


def test_export_csv_and_json(classroom: Path, tmp_path: Path) -> None:
    result = tutor("--state", str(classroom), "class", "export", "-o", str(tmp_path / "c.csv"))
    assert (result.returncode, result.stdout) == (0, f"wrote 2 students to {tmp_path / 'c.csv'}\n")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "c.csv").read_text())))
    assert [r["student"] for r in rows] == ["Ann Lee", "Bea"]
    ann = rows[0]
    assert (ann["slug"], ann["lesson"], ann["step"], ann["steps"], ann["step_id"]) == (
        "ann-lee", LESSON, "2", str(STEPS), STEP_IDS[1])
    assert (ann["hints"], ann["lesson_done"], ann["quiz:registry:right"],
            ann["quiz:registry:answered"]) == ("2", "false", "2", "3")
    assert int(ann["seconds_on_step"]) >= 180
    assert (rows[1]["quiz:registry:right"], rows[1]["quiz:registry:answered"]) == ("1", "1")

    result = tutor("--state", str(classroom), "class", "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert tutor("--state", str(classroom), "class", "export", "-o",
                 str(tmp_path / "c.json")).returncode == 0
    data = json.loads(result.stdout)
    written = json.loads((tmp_path / "c.json").read_text())["students"]  # .json: JSON
    assert [(s["slug"], s["quiz"]) for s in written] == [(s["slug"], s["quiz"])
                                                         for s in data["students"]]
    assert data["class"] == "default"
    ann_json = data["students"][0]
    assert ann_json["quiz"] == {"registry": {"right": 2, "answered": 3}}
    assert ann_json["lessons"][LESSON]["hints"] == 2
    assert datetime.fromisoformat(ann_json["step_began"]) < datetime.now(UTC)


def test_reset_brings_every_students_lesson_back_to_its_start(classroom: Path) -> None:
    homes = sorted((classroom / "classes" / "default" / "students").iterdir())
    for home in homes:
        leftover = home / "sandboxes" / LESSON / "workspace" / "leftover.txt"
        leftover.parent.mkdir(parents=True)
        leftover.write_text("from an earlier exercise")
    result = tutor("--state", str(classroom), "class", "reset", "--lesson", LESSON)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Ann Lee: {LESSON} is back at its first step\nBea: {LESSON} is back at its first step\n"
    )
    for home in homes:
        sandbox = home / "sandboxes" / LESSON
        assert (sandbox / ".ready").is_file()
        assert not (sandbox / "workspace" / "leftover.txt").exists()
        problems: list[str] = []
        assert load_progress(home, problems).of(LESSON).step == 0
        assert problems == []


def test_importing_another_name_with_the_same_folder_is_refused(
    classroom: Path, tmp_path: Path
) -> None:
    laptop = tmp_path / "other-laptop"
    laptop.mkdir()
    exported = tutor("--state", str(laptop), "progress", "export", "--name", "Ann-Lee",
                     "-o", str(tmp_path / "other.json"))
    assert exported.returncode == 0, exported.stderr
    result = tutor("--state", str(classroom), "class", "import", str(tmp_path / "other.json"))
    assert result.returncode == 1
    assert result.stderr == (
        f"tutor class import: {tmp_path / 'other.json'}: 'Ann Lee' already uses this place in "
        "the class; please type your name another way (add your surname or an initial).\n"
    )
    (tmp_path / "not-progress.json").write_text('{"hello": 1}')
    result = tutor("--state", str(classroom), "class", "import",
                   str(tmp_path / "not-progress.json"))
    assert result.returncode == 1
    assert "is not a progress file written by `tutor progress export`" in result.stderr


def test_a_re_export_replaces_what_the_earlier_import_brought(
    classroom: Path, tmp_path: Path
) -> None:
    laptop = tmp_path / "laptop"
    save_progress(laptop, load_progress(laptop, []).advanced(LESSON, STEPS))
    assert tutor("--state", str(laptop), "progress", "export", "--name", "Ann Lee",
                 cwd=tmp_path).returncode == 0
    assert tutor("--state", str(classroom), "class", "import", "ann-lee-progress.json",
                 cwd=tmp_path).returncode == 0
    home = classroom / "classes" / "default" / "students" / "ann-lee"
    assert load_progress(home, []).of(LESSON).step == 2
    answers = quiz.load_progress(home, [])
    assert quiz.tally(answers, set(REGISTRY)) == (2, 3)  # not counted twice


def test_mistakes_get_a_message_not_a_traceback(tmp_path: Path) -> None:
    root = tmp_path / "root"
    result = tutor("--state", str(root), "class", "status", "--class", "Room 1")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("tutor class: 'Room 1' is not a class name")
    result = tutor("--state", str(root), "class", "status", "--class", "nobody")
    assert result.returncode == 1
    assert result.stderr == (
        f"tutor class: there is no class 'nobody' in {root} (classes: none yet)\n"
    )
    student_dir(root, "default", "Bea")
    result = tutor("--state", str(root), "class", "reset", "--lesson", "99-nothing")
    assert result.returncode == 1
    assert result.stderr.startswith("tutor class reset: no lesson '99-nothing' (lessons: 01-")
    result = tutor("--state", str(root), "progress", "export")
    assert result.returncode == 2
    assert result.stderr == "tutor progress export: give your name with --name NAME\n"


def test_a_student_in_a_class_exports_under_the_name_they_joined_with(tmp_path: Path) -> None:
    home = student_dir(tmp_path, "default", "Zoë Müller")
    result = tutor("--state", str(home), "progress", "export", "-o", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["format"], data["name"]) == ("image-tutor-progress", "Zoë Müller")


def test_status_of_an_empty_class(tmp_path: Path) -> None:
    (tmp_path / "classes" / "default").mkdir(parents=True)
    result = tutor("--state", str(tmp_path), "class", "status")
    assert result.returncode == 0
    assert result.stdout.startswith("Class default has no students yet")


def test_a_damaged_progress_file_is_reported_and_the_others_still_shown(classroom: Path) -> None:
    bea = classroom / "classes" / "default" / "students" / "bea"
    (bea / "progress.json").write_text("{not json")
    result = tutor("--state", str(classroom), "class", "status")
    assert result.returncode == 0
    assert result.stderr.startswith("tutor class: Bea: progress.json")
    assert "set aside" in result.stderr
    assert re.search(r"^Bea +\(not started\)", result.stdout, re.MULTILINE)
    assert re.search(rf"^Ann Lee +{LESSON} +2/{STEPS} {STEP_IDS[1]}", result.stdout, re.MULTILINE)
