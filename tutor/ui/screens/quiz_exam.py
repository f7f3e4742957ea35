"""The exam simulation: the planned questions against a countdown, no feedback until the end.

The deadline is measured on the quiz session's monotonic clock; the one-second timer only redraws
the countdown and notices the deadline, so a test can move the clock and call `tick()` instead of
waiting. When time is up the exam is submitted as it stands (unanswered questions count as wrong,
an answer given after the deadline is not counted) and the report replaces this screen.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label

from tutor.course.quiz import ExamPlan, ExamSession
from tutor.ui.screens.quiz_session import QuizSession
from tutor.ui.widgets.question import QuestionView, ask
from tutor.ui.words import counted

Given = dict[str, tuple[tuple[int, ...], dict[int, bool]]]
"""Question id -> (option order, what the learner said), for the report's explanations."""


def countdown(seconds: float) -> str:
    whole = int(seconds + 0.999)
    return f"{whole // 60:02d}:{whole % 60:02d} left"


class ExamScreen(Screen[None]):
    """One timed sitting of `plan`."""

    CSS_PATH = "quiz.tcss"
    BINDINGS = [
        Binding("ctrl+e", "end", "End exam", id="exam-end",
                tooltip="Submit now; unanswered questions count as wrong"),
    ]

    def __init__(self, quiz: QuizSession, plan: ExamPlan) -> None:
        super().__init__()
        self.quiz = quiz
        self.session = ExamSession(plan, quiz.clock())
        self.index = 0
        self.given: Given = {}
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="quiz-body"):
            yield Label("", id="quiz-status")
            yield Vertical(id="question-slot")
        yield Footer()

    async def on_mount(self) -> None:
        items = self.session.plan.items
        minutes = self.session.plan.seconds // 60
        self.title = f"Exam: {counted(len(items), 'question')}, {minutes} min"
        await self.show_question()
        self.set_interval(1, self.tick)
        self.tick()

    def tick(self) -> None:
        if self.finished:
            return
        now = self.quiz.clock()
        if self.session.expired(now):
            self.finish()
            return
        self.sub_title = countdown(self.session.remaining(now))

    async def show_question(self) -> None:
        items = self.session.plan.items
        item = items[self.index]
        self.query_one("#quiz-status", Label).update(
            f"Question {self.index + 1} of {len(items)} · "
            + ("one option at a time (DOMC)" if item.format == "domc" else "multiple choice")
        )
        slot = self.query_one("#question-slot", Vertical)
        await slot.remove_children()
        await slot.mount(ask(item.question, item.format, self.quiz.rng, f"{self.index + 1}."))

    @on(QuestionView.Answered)
    async def _answered(self, event: QuestionView.Answered) -> None:
        if self.finished:
            return
        question = self.session.plan.items[self.index].question
        if not self.session.record(self.index, event.correct, self.quiz.clock()):
            self.finish()
            return
        self.given[question.id] = (event.order, event.said)
        self.quiz.answered(question, event.correct, "exam")
        if self.index + 1 < len(self.session.plan.items):
            self.index += 1
            await self.show_question()
        else:
            self.finish()

    def action_end(self) -> None:
        from tutor.ui.screens.dialogs import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.finish()

        self.app.push_screen(
            ConfirmScreen("End the exam now? Questions not answered count as wrong."), answered
        )

    def finish(self) -> None:
        from tutor.ui.screens.quiz_report import ReportScreen

        if self.finished:
            return
        self.finished = True
        report = self.session.report()
        self.quiz.exam_finished(report)
        while self.app.screen is not self:  # time ran out while "End exam?" was asked
            self.app.pop_screen()
        self.app.switch_screen(ReportScreen(self.quiz.bank, report, self.given))
