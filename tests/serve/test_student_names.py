"""The class layout: a typed name reaches only its own folder, and never another's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tutor.course.classroom import class_dir, slug_of, student_dir, students


def test_a_student_gets_a_folder_named_after_them_with_the_typed_name_kept(
        tmp_path: Path) -> None:
    folder = student_dir(tmp_path, "default", "  Ana   María ")
    assert folder == tmp_path / "classes" / "default" / "students" / "ana-maria"
    doc = tomllib.loads((folder / "student.toml").read_text(encoding="utf-8"))
    assert doc == {"name": "Ana María"}
    assert students(tmp_path, "default")[0].name == "Ana María"


def test_typing_ones_name_again_reaches_the_same_folder(tmp_path: Path) -> None:
    first = student_dir(tmp_path, "default", "Ana María")
    (first / "progress.json").write_text("{}")
    assert student_dir(tmp_path, "default", "ana maría") == first
    assert (first / "progress.json").exists()


def test_a_different_name_with_the_same_slug_is_refused(tmp_path: Path) -> None:
    student_dir(tmp_path, "default", "Ana Maria")
    with pytest.raises(ValueError, match="'Ana Maria' already uses this place in the class"):
        student_dir(tmp_path, "default", "Ana-Maria")
    assert [s.name for s in students(tmp_path, "default")] == ["Ana Maria"]


@pytest.mark.parametrize("name", ["../../etc", "..", "/", "a/../../b", "C:\\x", "~root"])
def test_path_characters_never_leave_the_class(tmp_path: Path, name: str) -> None:
    try:
        folder = student_dir(tmp_path, "default", name)
    except ValueError:
        return
    assert folder.parent == tmp_path / "classes" / "default" / "students"
    assert "/" not in folder.name and not folder.name.startswith(".")


@pytest.mark.parametrize(("name", "message"), [
    ("", "Please type your name"), ("...", "at least one letter a-z or digit"),
    ("x" * 65, "too long"), ("bob\x1b[2J", "control characters"),
])
def test_names_that_cannot_be_a_folder_are_refused_in_plain_words(
        tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        student_dir(tmp_path, "default", name)


def test_slugs_are_short_and_plain() -> None:
    assert slug_of("Zoë O'Neil") == "zoe-o-neil"
    assert len(slug_of("a" * 40)) == 32
    assert slug_of("a" * 31 + " b") == "a" * 31


@pytest.mark.parametrize("name", ["", "-x", "UPPER", "a" * 33, "a/b", ".."])
def test_bad_class_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="is not a class name"):
        class_dir(tmp_path, name)


def test_a_folder_without_student_toml_is_not_a_student(tmp_path: Path) -> None:
    (tmp_path / "classes" / "default" / "students" / "ghost").mkdir(parents=True)
    student_dir(tmp_path, "default", "Real")
    assert [s.slug for s in students(tmp_path, "default")] == ["real"]
