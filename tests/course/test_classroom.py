"""Class directories: which names are classes, the folder a typed student name leads to, and
that no name reaches another student's work or outside the class."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tutor.course.classroom import class_dir, classes, slug, student_dir, students


@pytest.mark.parametrize("name", ["default", "a", "room-2", "2026-12", "x" * 32])
def test_class_names(tmp_path: Path, name: str) -> None:
    assert class_dir(tmp_path, name) == tmp_path / "classes" / name


@pytest.mark.parametrize("name", ["", "-room", "Room", "room_2", "a/b", "..", "x" * 33, "é"])
def test_bad_class_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="is not a class name"):
        class_dir(tmp_path, name)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Ann", "ann"),
        ("  Ann   Lee ", "ann-lee"),
        ("Zoë Müller", "zoe-muller"),
        ("../../etc/passwd", "etc-passwd"),
        ("O'Brien, Seán", "o-brien-sean"),
        ("a" * 40, "a" * 32),
        ("abc " + "d" * 27 + " e", "abc-" + "d" * 27),  # cut at 32, no '-' left at the end
        ("7", "7"),
    ],
)
def test_slug(typed: str, expected: str) -> None:
    assert slug(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please type your name."),
        ("   ", "Please type your name."),
        ("../..", "needs at least one letter a-z or digit"),
        ("李雷", "needs at least one letter a-z or digit"),
        ("x" * 65, "too long"),
        ("ann\x00", "control characters"),
        ("ann\x1b[31mlee", "control characters"),
    ],
)
def test_bad_student_names_are_refused(tmp_path: Path, typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        student_dir(tmp_path, "default", typed)
    assert not (tmp_path / "classes" / "default" / "students").exists() or not any(
        (tmp_path / "classes" / "default" / "students").iterdir()
    )


def test_a_student_gets_a_folder_and_finds_it_again(tmp_path: Path) -> None:
    home = student_dir(tmp_path, "room-1", "Zoë Müller")
    assert home == tmp_path / "classes" / "room-1" / "students" / "zoe-muller"
    recorded = tomllib.loads((home / "student.toml").read_text(encoding="utf-8"))
    assert recorded == {"name": "Zoë Müller"}
    assert student_dir(tmp_path, "room-1", "  Zoë   Müller ") == home  # spacing is no new name
    assert [(s.name, s.slug, s.home) for s in students(tmp_path, "room-1")] == [
        ("Zoë Müller", "zoe-muller", home)
    ]
    assert classes(tmp_path) == ("room-1",)


def test_a_name_with_quotes_and_backslashes_is_kept_as_typed(tmp_path: Path) -> None:
    typed = 'Ann "The Hat" \\ Lee'
    home = student_dir(tmp_path, "default", typed)
    assert tomllib.loads((home / "student.toml").read_text(encoding="utf-8"))["name"] == typed
    assert student_dir(tmp_path, "default", typed) == home


@pytest.mark.parametrize("second", ["Ann!", "Änn", "ANN?"])
def test_another_name_with_the_same_slug_is_a_collision(tmp_path: Path, second: str) -> None:
    home = student_dir(tmp_path, "default", "Ann")
    with pytest.raises(ValueError, match="'Ann' already uses this place in the class"):
        student_dir(tmp_path, "default", second)
    assert tomllib.loads((home / "student.toml").read_text())["name"] == "Ann"
    assert [s.name for s in students(tmp_path, "default")] == ["Ann"]


def test_the_same_name_in_two_classes_is_two_students(tmp_path: Path) -> None:
    first = student_dir(tmp_path, "monday", "Ann")
    second = student_dir(tmp_path, "tuesday", "ann")
    assert first != second
    assert classes(tmp_path) == ("monday", "tuesday")


def test_a_bad_class_name_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a class name"):
        student_dir(tmp_path, "../../elsewhere", "Ann")
    assert list(tmp_path.iterdir()) == []


def test_folders_without_a_student_file_are_not_students(tmp_path: Path) -> None:
    student_dir(tmp_path, "default", "Bob")
    (tmp_path / "classes" / "default" / "students" / "stray").mkdir()
    assert [s.slug for s in students(tmp_path, "default")] == ["bob"]
    assert students(tmp_path, "nobody") == ()


def test_two_students_claiming_one_folder_at_once_one_wins(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def join(typed: str) -> Path | str:
        try:
            return student_dir(tmp_path, "default", typed)
        except ValueError as exc:
            return str(exc)

    names = [f"{'Ann!' if n % 2 else 'ann'}" for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(join, names))
    owner = students(tmp_path, "default")[0].name
    assert [r for r, n in zip(results, names, strict=True) if n == owner] == [
        tmp_path / "classes" / "default" / "students" / "ann"
    ] * 4
    assert all("already uses this place" in str(r)
               for r, n in zip(results, names, strict=True) if n != owner)
