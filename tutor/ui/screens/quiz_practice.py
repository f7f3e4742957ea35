"""Practice and review: one question after another, with feedback after each answer.

The feedback marks every option right or wrong with its explanation; when the question has a
"try it" command, the sandbox can be opened with that command typed at the prompt, ready to run.
Every answer is saved at once, so the review schedule is up to date even if the learner leaves
half-way.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Static

from tutor.course.quiz import Question
from tutor.course.quiz.model import Format
from tutor.ui.screens.quiz_session import QuizSession
from tutor.ui.widgets.question import QuestionView, ask, explanation, stem, verdict


class PracticeScreen(Screen[None]):
    """A run of questions with instant feedback (`mode` is `practice` or `review`)."""

    CSS_PATH = "quiz.tcss"
    BINDINGS = [
        Binding("ctrl+n", "next", "Next", id="quiz-next", tooltip="The next question"),
        Binding("t", "try_it", "Try it", id="quiz-try-it",
                tooltip="Open the sandbox with this question's command ready to run"),
        Binding("escape", "leave", "Quiz home", id="quiz-leave"),
    ]

    @dataclass
    class TryIt(Message):
        """Open the quiz's sandbox, prepared for `question` (its files and setup), with
        `command` typed at its prompt but not run (the app does it)."""

        command: str
        question: Question

    def __init__(
        self, quiz: QuizSession, questions: list[Question], fmt: Format, mode: str, title: str
    ) -> None:
        super().__init__()
        self.quiz = quiz
        self.questions = questions
        self.fmt: Format = fmt
        self.mode = mode
        self.heading = title
        self.index = 0
        self.right = 0
        self.answered = False
        """True while the feedback on `questions[index]` is shown."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="quiz-body"):
            yield Label("", id="quiz-status")
            yield Vertical(id="question-slot")
            yield Static("", id="feedback")
            with Horizontal(id="feedback-actions"):
                yield Button("Next ▶", id="next", variant="primary", compact=True)
                yield Button("Try it in the sandbox", id="try-it", compact=True)
        yield Footer()

    async def on_mount(self) -> None:
        self.title = f"{self.mode.capitalize()}: {self.heading}"
        self.sub_title = "DCA quiz"
        await self.show_question()

    @property
    def question(self) -> Question:
        return self.questions[self.index]

    @property
    def number(self) -> str:
        return f"{self.index + 1}/{len(self.questions)}"

    def update_status(self) -> None:
        done = self.index + int(self.answered)
        self.query_one("#quiz-status", Label).update(
            f"Question {self.number} · {self.right} of {done} right"
        )

    async def show_question(self) -> None:
        self.answered = False
        slot = self.query_one("#question-slot", Vertical)
        await slot.remove_children()
        await slot.mount(ask(self.question, self.fmt, self.quiz.rng, self.number))
        self.query_one("#feedback", Static).display = False
        self.query_one("#feedback-actions").display = False
        self.update_status()
        self.refresh_bindings()

    @on(QuestionView.Answered)
    def _answered(self, event: QuestionView.Answered) -> None:
        question = self.question
        self.quiz.answered(question, event.correct, self.mode)
        self.right += event.correct
        self.answered = True
        feedback = self.query_one("#feedback", Static)
        feedback.update(Content.assemble(
            verdict(event.correct), "\n\n", stem(question, self.number), "\n\n",
            explanation(question, event.order, event.said),
        ))
        event.view.remove()
        feedback.display = True
        self.query_one("#feedback-actions").display = True
        last = self.index + 1 == len(self.questions)
        next_button = self.query_one("#next", Button)
        next_button.label = "Finish" if last else "Next ▶"
        self.query_one("#try-it", Button).display = bool(question.try_it)
        next_button.focus()
        self.query_one("#quiz-body", VerticalScroll).scroll_home(animate=False)
        self.update_status()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.answered
        if action == "try_it":
            return self.answered and bool(self.question.try_it)
        return True

    @on(Button.Pressed, "#next")
    async def action_next(self) -> None:
        if not self.answered:
            return
        if self.index + 1 < len(self.questions):
            self.index += 1
            await self.show_question()
            return
        self.notify(f"{self.right} of {len(self.questions)} right; your answers are saved.",
                    title=f"{self.mode.capitalize()} finished")
        self.dismiss()

    @on(Button.Pressed, "#try-it")
    def action_try_it(self) -> None:
        if self.answered and self.question.try_it:
            self.post_message(self.TryIt(self.question.try_it, self.question))

    def action_leave(self) -> None:
        self.dismiss()
