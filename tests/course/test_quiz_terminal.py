"""`tutor quiz` in a plain terminal: answers read from stdin, progress kept across runs."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from tutor.course.quiz import load_progress
from tutor.course.quiz.terminal import main

NOW = datetime(2025, 3, 10, 9, 0)


def run(state: Path, argv: list[str], answers: str, clock: list[float] | None = None) -> str:
    out = io.StringIO()
    ticks = iter(clock or [0.0] * 1000)
    code = main(
        argv,
        state=state,
        stdin=io.StringIO(answers),
        stdout=out,
        clock=lambda: next(ticks),
        now=lambda: NOW,
    )
    assert code == 0, out.getvalue()
    return out.getvalue()


def test_list_topics(tmp_path: Path) -> None:
    assert "dockerfile-basics" in run(tmp_path, ["--list-topics"], "")


def test_practice_gives_feedback_and_saves_wrong_answers_for_review(tmp_path: Path) -> None:
    argv = ["--topic", "dockerfile-basics", "--count", "3", "--seed", "7", "--domc"]
    out = run(tmp_path, argv, "y\n" * 20)
    assert out.count("[RIGHT]") >= 3 and "Score:" in out
    progress = load_progress(tmp_path, [])
    assert len(progress.attempts) == 3
    wrong = [a.question_id for a in progress.attempts if not a.correct]
    assert sorted(progress.cards) == sorted(wrong)
    if wrong:
        review = run(tmp_path, ["--review"], "z\n" + "a\n" * 10)
        assert "Please answer with letters" in review


def test_end_of_input_stops_early_and_keeps_answers(tmp_path: Path) -> None:
    out = run(tmp_path, ["--count", "5", "--seed", "1"], "a\n")
    assert "Stopped early" in out
    assert len(load_progress(tmp_path, []).attempts) == 1


def test_exam_times_out_and_reports_by_topic(tmp_path: Path) -> None:
    # Clock: start, then each question checks expiry, shows time left, records the answer.
    clock = [0.0, 1.0, 1.0, 2.0, 10_000.0, 10_000.0]
    out = run(tmp_path, ["--exam", "--count", "3", "--seed", "2"], "a\ny\ny\ny\n" * 3, clock)
    assert "Exam: 3 questions, 5 minutes" in out
    assert "Time is up." in out
    assert "By topic:" in out and "By objective:" in out
    assert "/3 (" in out
    assert len(load_progress(tmp_path, []).exams) == 1


def test_exam_defaults_to_the_real_format_and_keeps_the_short_one(tmp_path: Path) -> None:
    assert "Exam: 55 questions, 90 minutes" in run(tmp_path, ["--exam", "--seed", "1"], "")
    short = run(tmp_path, ["--exam", "--short", "--seed", "1"], "")
    assert "Exam: 11 questions, 18 minutes" in short  # the image domain's 20% of 55


def test_short_goes_only_with_exam(tmp_path: Path) -> None:
    for argv in (["--short"], ["--exam", "--short", "--count", "3"]):
        out = io.StringIO()
        assert main(argv, state=tmp_path, stdin=io.StringIO(), stdout=out) == 2
        assert "--short goes with --exam" in out.getvalue()


def test_lint_command(tmp_path: Path) -> None:
    out = io.StringIO()
    bad = tmp_path / "bad.toml"
    bad.write_text("[topic\n")
    assert main(["lint", str(bad)], state=tmp_path, stdin=io.StringIO(), stdout=out) == 1
    assert "TOML syntax error" in out.getvalue()
    out = io.StringIO()
    assert main(["lint"], state=tmp_path, stdin=io.StringIO(), stdout=out) == 0
    assert out.getvalue() == "bank OK\n"


def test_help_names_the_exam_lengths_the_schema_gives(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from tutor.paths import content_dir

    questions = tmp_path / "questions"
    shutil.copytree(content_dir("assets") / "questions", questions)
    dca = questions / "_schema" / "dca.toml"
    dca.write_text(dca.read_text(encoding="utf-8").replace("questions = 55\nminutes = 90",
                                                           "questions = 60\nminutes = 120"),
                   encoding="utf-8")
    code = main(["--help"], state=tmp_path, stdin=io.StringIO(), stdout=io.StringIO(),
                questions_dir=questions)
    assert code == 0
    words = " ".join(capsys.readouterr().out.split())  # argparse wraps at the terminal width
    assert "the real exam's 60 questions in 120 minutes" in words
    assert "(12 questions in 24 minutes)" in words  # the image domain's 20% of 60
