"""The DCA quiz in the tutorial: practice with feedback, both question formats, the timed exam and
its report, review scheduling on a fixed clock, persistence across restarts and the sandbox jump.

Answers are derived from the question on screen (which options are correct, in which order they
are shown), so the tests hold whatever the seed draws."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.content import Content
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, OptionList, Static

from tutor.course.quiz import Question, start_domc
from tutor.course.quiz.model import Format
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.quiz import QuizScreen
from tutor.ui.screens.quiz_exam import ExamScreen
from tutor.ui.screens.quiz_practice import PracticeScreen
from tutor.ui.screens.quiz_report import ReportScreen
from tutor.ui.session import QUIZ_SANDBOX_ID
from tutor.ui.widgets.question import DomcQuestion, McQuestion, QuestionView

SIZE = (100, 32)
MakeApp = Callable[..., TutorApp]


@dataclass
class Clock:
    """The learner's day and the exam's monotonic seconds, moved only by the test."""

    day: datetime = field(default_factory=lambda: datetime(2025, 3, 3, 9, 30))
    seconds: float = 5000.0

    def now(self) -> datetime:
        return self.day

    def monotonic(self) -> float:
        return self.seconds


async def open_quiz(pilot: Pilot[None], clock: Clock, seed: int = 7) -> QuizScreen:
    app = pilot.app
    assert isinstance(app, TutorApp)
    screen = QuizScreen(app.session.state, seed=seed, now=clock.now, clock=clock.monotonic)
    await app.push_screen(screen)
    await pilot.pause()
    return screen


async def practise(pilot: Pilot[None], quiz: QuizScreen, questions: list[Question],
                   fmt: Format = "mc") -> PracticeScreen:
    assert quiz.quiz is not None
    screen = PracticeScreen(quiz.quiz, questions, fmt, "practice", "test")
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def shown_question(app: TutorApp) -> QuestionView:
    return app.screen.query_one("#question", QuestionView)


async def answer(pilot: Pilot[None], view: QuestionView, *, right: bool) -> None:
    """Answer as a learner who knows (or gets wrong) the answer, with keys only."""
    question = view.question
    if isinstance(view, DomcQuestion):
        while not view.done:
            current = view.state.current
            assert current is not None
            truth = question.options[current].correct
            await pilot.press("y" if truth == right else "n")
        return
    assert isinstance(view, McQuestion)
    if right:
        positions = [view.order.index(i) for i in sorted(question.answer)]
    else:
        positions = [next(n for n, i in enumerate(view.order) if not question.options[i].correct)]
    await pilot.press(*(str(p + 1) for p in positions), "enter")
    await pilot.pause()


def text_of(screen: PracticeScreen, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    assert isinstance(content, Content)
    return content.plain


def bank_question(quiz: QuizScreen, test: Callable[[Question], bool]) -> Question:
    assert quiz.quiz is not None
    return next(q for q in quiz.quiz.bank.questions if test(q))


# -- practice -----------------------------------------------------------------------------------


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
async def test_practice_answer_gets_feedback_on_every_option(make_app: MakeApp,
                                                             right: bool) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, clock)
        await pilot.press("enter")  # practise the highlighted (first) topic
        screen = app.screen
        assert isinstance(screen, PracticeScreen)
        view = shown_question(app)
        question = view.question
        assert question.topic == quiz.quiz.bank.topics[0].id  # type: ignore[union-attr]
        await answer(pilot, view, right=right)
        feedback = text_of(screen, "#feedback")
        assert feedback.startswith("✓ Correct" if right else "✗ Not quite")
        for option in question.options:
            assert option.text in feedback and option.why in feedback
        assert screen.query_one("#next", Button).has_focus
        attempts = quiz.quiz.progress.attempts  # type: ignore[union-attr]
        assert [(a.question_id, a.correct, a.mode) for a in attempts] == [
            (question.id, right, "practice")
        ]
        await pilot.press("enter")  # Next
        assert shown_question(app).question != question
        assert "Question 2/" in str(screen.query_one("#quiz-status").render())


async def test_multi_answer_mc_is_all_or_nothing_and_toggles(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, Clock())
        multi = bank_question(quiz, lambda q: q.multiple)
        screen = await practise(pilot, quiz, [multi, multi])
        view = shown_question(app)
        assert isinstance(view, McQuestion)
        first_correct = view.order.index(min(multi.answer))
        await pilot.press(str(first_correct + 1), "enter")  # only one of the correct ones
        assert text_of(screen, "#feedback").startswith("✗ Not quite")
        await pilot.press("enter")
        view = shown_question(app)
        assert isinstance(view, McQuestion)
        # Arrows and space toggle; a number toggled twice is off again.
        await pilot.press("1", "1")
        assert view.answers.selected == []
        for position, index in enumerate(view.order):
            if index in multi.answer:
                view.answers.highlighted = position
                await pilot.press("space")
        assert set(view.answers.selected) == set(multi.answer)
        await pilot.press("enter")
        assert text_of(screen, "#feedback").startswith("✓ Correct")


async def test_single_answer_mc_keeps_one_choice(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, Clock())
        single = bank_question(quiz, lambda q: not q.multiple)
        await practise(pilot, quiz, [single])
        view = shown_question(app)
        assert isinstance(view, McQuestion)
        await pilot.press("1", "2", "down", "space")
        assert view.answers.selected == [view.order[2]]


# -- DOMC ---------------------------------------------------------------------------------------


def seed_where(question: Question, test: Callable[[tuple[int, ...]], bool]) -> int:
    """A seed whose DOMC order for `question` has the property the test needs."""
    return next(s for s in range(200) if test(start_domc(question, random.Random(s)).order))


async def test_domc_passes_early_on_the_correct_option(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        probe = await open_quiz(pilot, Clock())
        single = bank_question(probe, lambda q: not q.multiple)
        (correct,) = single.answer
        seed = seed_where(single, lambda order: order.index(correct) == 1)
        await pilot.press("escape")
        quiz = await open_quiz(pilot, Clock(), seed=seed)
        screen = await practise(pilot, quiz, [single], "domc")
        view = shown_question(app)
        assert isinstance(view, DomcQuestion)
        await pilot.press("n")  # a wrong option, rightly refused: the question goes on
        assert not view.done and view.state.current == correct
        await pilot.press("y")  # the one correct option: passed, the rest never shown
        feedback = text_of(screen, "#feedback")
        assert feedback.startswith("✓ Correct")
        assert feedback.count("(you: ") == 2
        assert all(o.why in feedback for o in single.options)


@pytest.mark.parametrize(
    ("first_is_correct", "key"),
    [(False, "y"), (True, "n")],
    ids=["yes-to-a-wrong-option", "no-to-a-correct-option"],
)
async def test_domc_fails_at_the_first_mistake(make_app: MakeApp, first_is_correct: bool,
                                               key: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        probe = await open_quiz(pilot, Clock())
        question = bank_question(probe, lambda q: q.multiple)
        seed = seed_where(
            question, lambda order: question.options[order[0]].correct == first_is_correct
        )
        await pilot.press("escape")
        quiz = await open_quiz(pilot, Clock(), seed=seed)
        screen = await practise(pilot, quiz, [question], "domc")
        await pilot.press(key)
        feedback = text_of(screen, "#feedback")
        assert feedback.startswith("✗ Not quite")
        assert feedback.count("(you: ") == 1
        assert quiz.quiz.progress.attempts[-1].correct is False  # type: ignore[union-attr]


# -- exam ---------------------------------------------------------------------------------------


async def test_exam_times_out_submits_and_reports(make_app: MakeApp) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, clock)
        size = quiz.query_one("#exam-size", Input)
        assert size.value == "55"  # the real exam's format by default
        assert str(quiz.query_one("#exam-time", Label).render()) == "questions, 90 min"
        size.value = "3"
        await pilot.press("e")
        exam = app.screen
        assert isinstance(exam, ExamScreen)
        assert exam.session.plan.seconds == 5 * 60  # 90 × 3 / 55 minutes, rounded up
        assert exam.sub_title == "05:00 left"
        items = exam.session.plan.items
        await answer(pilot, shown_question(app), right=True)
        assert "Correct" not in str(app.screen.query("Static").results())  # no feedback
        clock.seconds += 100
        exam.tick()
        assert exam.sub_title == "03:20 left"
        await answer(pilot, shown_question(app), right=False)
        clock.seconds += 200  # the deadline: the third question is never answered
        exam.tick()
        await pilot.pause()
        report_screen = app.screen
        assert isinstance(report_screen, ReportScreen)
        report = report_screen.report
        assert (report.right, report.total, report.timed_out) == (1, 3, True)
        assert report.wrong == (items[1].question.id, items[2].question.id)
        assert sum(t.total for t in report.by_topic.values()) == 3
        assert sum(t.right for t in report.by_objective.values()) == 1
        missed = report_screen.query_one("#report-missed", Static).content
        assert isinstance(missed, Content)
        assert "(not answered)" in missed.plain and items[2].question.stem in missed.plain
        saved = quiz.quiz.progress.exams[-1]  # type: ignore[union-attr]
        assert (saved["right"], saved["total"], saved["timed_out"]) == (1, 3, True)
        await pilot.press("escape")
        assert app.screen is quiz


async def test_short_exam_is_the_image_domains_share(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_quiz(pilot, Clock())
        await pilot.press("s")
        exam = app.screen
        assert isinstance(exam, ExamScreen)
        assert len(exam.session.plan.items) == 11  # 20% of the exam's 55 questions
        assert exam.session.plan.seconds == 18 * 60


async def test_exam_answer_after_the_deadline_is_not_counted(make_app: MakeApp) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, clock)
        quiz.query_one("#exam-size", Input).value = "2"
        await pilot.press("e")
        clock.seconds += 10_000  # the timer has not ticked yet when the answer comes
        await answer(pilot, shown_question(app), right=True)
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert (app.screen.report.right, app.screen.report.timed_out) == (0, True)


# -- review and persistence ---------------------------------------------------------------------


def review_label(quiz: QuizScreen) -> str:
    return str(quiz.query_one("#review", Button).label)


async def test_review_schedule_on_a_fixed_clock(make_app: MakeApp) -> None:
    app = make_app()
    clock = Clock()
    async with app.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, clock)
        session = quiz.quiz
        assert session is not None
        assert review_label(quiz) == "Review (0 due today)"
        question = bank_question(quiz, lambda q: not q.multiple)
        await practise(pilot, quiz, [question])
        await answer(pilot, shown_question(app), right=False)
        await pilot.press("escape")
        assert review_label(quiz) == "Review (1 due today)"
        assert session.progress.cards[question.id].due == clock.day.date()

        await pilot.press("r")
        review = app.screen
        assert isinstance(review, PracticeScreen) and review.mode == "review"
        await answer(pilot, shown_question(app), right=True)
        await pilot.press("enter")  # Finish
        assert app.screen is quiz
        card = session.progress.cards[question.id]
        assert (card.box, card.due) == (1, clock.day.date() + timedelta(days=1))
        assert review_label(quiz) == "Review (0 due today)"

        clock.day += timedelta(days=1)
        quiz.refresh_home()
        assert review_label(quiz) == "Review (1 due today)"
        await pilot.press("r")
        await answer(pilot, shown_question(app), right=True)
        card = session.progress.cards[question.id]
        assert (card.box, card.due) == (2, clock.day.date() + timedelta(days=3))
        assert [a.mode for a in session.progress.attempts] == ["practice", "review", "review"]


async def test_progress_survives_a_restart(make_app: MakeApp, tmp_path: Path) -> None:
    state = tmp_path / "learner"
    clock = Clock()
    first = make_app(state)
    async with first.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, clock)
        await pilot.press("enter")
        wrong = shown_question(first).question
        await answer(pilot, shown_question(first), right=False)
    second = make_app(state)
    async with second.run_test(size=SIZE) as pilot:
        quiz = await open_quiz(pilot, clock)
        session = quiz.quiz
        assert session is not None
        assert [a.question_id for a in session.progress.attempts] == [wrong.id]
        assert review_label(quiz) == "Review (1 due today)"
        topics = quiz.query_one("#quiz-topics", OptionList)
        first_topic = str(topics.get_option_at_index(0).prompt)
        assert "0/1 right" in first_topic


# -- the way in and the way out -----------------------------------------------------------------


async def test_home_opens_the_quiz(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lesson_map = app.screen.query_one("#lesson-map", OptionList)
        ids = [lesson_map.get_option_at_index(i).id for i in range(lesson_map.option_count)]
        lesson_map.highlighted = ids.index("quiz")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, QuizScreen)


async def test_try_it_asks_for_the_sandbox_with_the_command(make_app: MakeApp) -> None:
    app = make_app()
    posted: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        quiz = await open_quiz(pilot, Clock())
        with_try = bank_question(quiz, lambda q: bool(q.try_it))
        without = bank_question(quiz, lambda q: not q.try_it)
        screen = await practise(pilot, quiz, [without, with_try])
        await answer(pilot, shown_question(app), right=True)
        assert not screen.query_one("#try-it", Button).display
        assert screen.check_action("try_it", ()) is False
        await pilot.press("enter")
        await answer(pilot, shown_question(app), right=False)
        assert screen.query_one("#try-it", Button).display
        await pilot.press("t")
        asked = [m for m in posted if isinstance(m, PracticeScreen.TryIt)]
        assert [m.command for m in asked] == [with_try.try_it]
        await app.workers.wait_for_complete()
        for _ in range(50):  # the sandbox prepares its engine in a worker
            await pilot.pause(0.05)
            if isinstance(app.screen, LessonScreen) and app.screen.ready:
                break
        sandbox = app.screen
        assert isinstance(sandbox, LessonScreen) and sandbox.ready
        assert sandbox.lesson.id == QUIZ_SANDBOX_ID  # not the learner's own sandbox
        for name, content in with_try.try_files:
            assert (sandbox.sandbox.workspace / name).read_text() == content
        prompt = sandbox.terminal.input
        assert prompt.value == with_try.try_it  # typed, not run
        assert with_try.try_it not in [r.line for r in sandbox.terminal.shell.history]
        await pilot.press("escape")
        assert app.screen is screen  # back to the feedback


async def test_broken_bank_is_reported_not_raised(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app, TutorApp)
        screen = QuizScreen(app.session.state, questions_dir=tmp_path / "nowhere")
        await app.push_screen(screen)
        await pilot.pause()
        problems = screen.query_one("#quiz-problems", Static).content
        assert isinstance(problems, Content) and "cannot be used" in problems.plain
        await pilot.press("e")
        assert app.screen is screen
