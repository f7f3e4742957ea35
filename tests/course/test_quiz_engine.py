"""DOMC flow, exam assembly/timeout/scoring, review scheduling and persistence."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tutor.course.quiz import (
    Attempt,
    Bank,
    Card,
    Domc,
    ExamSession,
    ExamShape,
    Option,
    Progress,
    Question,
    QuizError,
    Topic,
    after_answer,
    due,
    load_progress,
    mc_correct,
    plan_exam,
    record,
    save_progress,
)

DOMAIN = "Image Creation, Management, and Registry"


def question(qid: str, correct: str, topic: str = "t", objective: str = "o") -> Question:
    """Options a..d; `correct` lists the letters that are right."""
    options = tuple(Option(letter, letter in correct, f"why {letter}") for letter in "abcd")
    return Question(qid, topic, DOMAIN, objective, f"stem {qid}", options)


SINGLE = question("single", "c")
MULTI = question("multi", "bd")
IDENTITY = (0, 1, 2, 3)


def play(q: Question, answers: str) -> Domc:
    state = Domc(q, IDENTITY)
    for a in answers:
        state = state.answer(a == "y")
    return state


@pytest.mark.parametrize(
    ("name", "q", "answers", "outcome"),
    [
        ("single-pass-on-yes-to-correct", SINGLE, "nny", True),
        ("single-fail-on-yes-to-wrong", SINGLE, "y", False),
        ("single-fail-on-no-to-correct", SINGLE, "nnn", False),
        ("single-undecided-after-wrong-declined", SINGLE, "nn", None),
        ("multi-pass-when-all-correct-accepted", MULTI, "nyny", True),
        ("multi-undecided-after-one-correct", MULTI, "ny", None),
        ("multi-fail-on-no-to-a-correct", MULTI, "nn", False),
        ("multi-fail-on-yes-to-wrong-after-a-correct", MULTI, "nyy", False),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_domc_outcome(name: str, q: Question, answers: str, outcome: bool | None) -> None:
    state = play(q, answers)
    assert state.outcome is outcome
    assert (state.current is None) is (outcome is not None)


def test_domc_ends_early_and_refuses_more_answers() -> None:
    state = play(SINGLE, "y")
    assert state.shown == (0,)
    with pytest.raises(QuizError):
        state.answer(False)


def test_domc_single_answer_stops_before_the_remaining_options() -> None:
    state = Domc(SINGLE, (2, 0, 1, 3)).answer(True)
    assert state.outcome is True
    assert state.shown == (2,)


@pytest.mark.parametrize(
    ("chosen", "ok"),
    [({1, 3}, True), ({1}, False), ({1, 2, 3}, False), (set(), False)],
    ids=["exact", "partial", "extra", "none"],
)
def test_multiple_choice_is_all_or_nothing(chosen: set[int], ok: bool) -> None:
    assert mc_correct(MULTI, frozenset(chosen)) is ok


SHAPE = ExamShape(questions=55, minutes=90, domc=42)
BANK = Bank(
    tuple(
        Topic(
            name, name, tuple(question(f"{name}-{i}", "a", name, f"obj-{i % 2}") for i in range(6))
        )
        for name in ("t1", "t2", "t3")
    )
)


def test_exam_keeps_the_real_exams_ratios() -> None:
    plan = plan_exam(BANK, SHAPE, 11, random.Random(1))
    assert len(plan.items) == 11
    assert plan.seconds == 18 * 60
    assert sum(item.format == "domc" for item in plan.items) == 8  # round(42 * 11 / 55)
    assert {item.question.topic for item in plan.items} == {"t1", "t2", "t3"}
    assert len({item.question.id for item in plan.items}) == 11


def test_exam_is_capped_by_the_pool_and_filtered_by_topic() -> None:
    plan = plan_exam(BANK, SHAPE, 50, random.Random(1), frozenset({"t2"}))
    assert len(plan.items) == 6
    assert {item.question.topic for item in plan.items} == {"t2"}
    assert plan.seconds == 10 * 60  # ceil(90 * 6 / 55) minutes


def test_exam_scoring_by_topic_and_objective() -> None:
    plan = plan_exam(BANK, SHAPE, 6, random.Random(3))
    session = ExamSession(plan, started=100.0)
    for i in range(len(plan.items)):
        assert session.record(i, correct=i % 2 == 0, now=100.0 + i)
    report = session.report()
    assert (report.right, report.total, report.timed_out) == (3, 6, False)
    assert sum(t.total for t in report.by_topic.values()) == 6
    assert sum(t.right for t in report.by_objective.values()) == 3
    assert report.wrong == tuple(plan.items[i].question.id for i in (1, 3, 5))


def test_exam_timeout_discards_late_answers_and_counts_unanswered_as_wrong() -> None:
    plan = plan_exam(BANK, SHAPE, 4, random.Random(3))
    session = ExamSession(plan, started=0.0)
    assert session.record(0, True, now=10.0)
    assert not session.record(1, True, now=plan.seconds + 0.5)
    assert session.expired(plan.seconds + 1)
    report = session.report()
    assert (report.right, report.total, report.timed_out) == (1, 4, True)
    assert session.remaining(plan.seconds + 99) == 0


DAY = date(2025, 3, 10)


def test_review_needs_right_answers_on_three_separate_days() -> None:
    cards = after_answer({}, "q", False, DAY)
    assert due(cards, DAY) == ["q"]
    cards = after_answer(cards, "q", True, DAY)
    assert cards["q"] == Card(1, DAY + timedelta(days=1), DAY)
    assert due(cards, DAY) == []
    same_day = after_answer(cards, "q", True, DAY)
    assert same_day == cards
    cards = after_answer(cards, "q", True, DAY + timedelta(days=1))
    assert cards["q"] == Card(2, DAY + timedelta(days=4), DAY + timedelta(days=1))
    assert due(cards, DAY + timedelta(days=3)) == []
    assert due(cards, DAY + timedelta(days=4)) == ["q"]
    cards = after_answer(cards, "q", True, DAY + timedelta(days=4))
    assert "q" not in cards


def test_review_wrong_again_starts_over_and_right_first_time_is_not_scheduled() -> None:
    cards = after_answer({}, "q", False, DAY)
    cards = after_answer(cards, "q", True, DAY)
    cards = after_answer(cards, "q", False, DAY + timedelta(days=1))
    assert cards["q"] == Card(0, DAY + timedelta(days=1))
    assert after_answer({}, "other", True, DAY) == {}


def test_due_orders_oldest_first() -> None:
    cards = {"b": Card(0, DAY), "a": Card(0, DAY), "c": Card(1, DAY - timedelta(days=2))}
    assert due(cards, DAY) == ["c", "a", "b"]


def test_progress_survives_a_restart(tmp_path: Path) -> None:
    at = datetime(2025, 3, 10, 9, 30)
    progress = record(Progress(), Attempt("q1", False, at, "practice"))
    progress = record(progress, Attempt("q2", True, at, "exam"))
    save_progress(tmp_path, progress)
    problems: list[str] = []
    again = load_progress(tmp_path, problems)
    assert problems == []
    assert again == progress
    assert again.cards == {"q1": Card(0, at.date())}


@pytest.mark.parametrize(
    ("name", "content"),
    [("not-json", b"{oops"), ("wrong-shape", json.dumps({"version": 1}).encode())],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_corrupt_progress_file_is_set_aside_and_reported(
    tmp_path: Path, name: str, content: bytes
) -> None:
    (tmp_path / "quiz-progress.json").write_bytes(content)
    problems: list[str] = []
    assert load_progress(tmp_path, problems) == Progress()
    assert len(problems) == 1 and "set aside as quiz-progress.json.corrupt-1" in problems[0]
    assert (tmp_path / "quiz-progress.json.corrupt-1").read_bytes() == content
    assert not (tmp_path / "quiz-progress.json").exists()
