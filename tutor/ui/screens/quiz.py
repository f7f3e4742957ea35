"""The DCA quiz home: the bank's topics with the learner's accuracy, and the three ways in.

Practice a topic (instant feedback), sit a timed exam simulation (by default the real exam's
55 questions in 90 minutes, from the bank's schema; `s` sits the short practice exam, the image
domain's share) or review the questions due today.
Practice and review ask classic multiple choice unless "one option at a time" (DOMC) is ticked;
an exam mixes both formats in the real exam's proportion.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.validation import Number
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tutor.course.quiz import BankError
from tutor.course.quiz.model import Format, Topic
from tutor.ui.screens.quiz_session import QuizSession
from tutor.ui.words import counted


def topic_prompt(quiz: QuizSession, topic: Topic) -> Content:
    """Counts first, in fixed columns, so a long title cut at the edge hides nothing useful."""
    right, tried = quiz.accuracy(topic.id)
    score = f"{right}/{tried} right {round(100 * right / tried):>3}%" if tried else "not tried"
    style = "$text-muted" if not tried else "$success" if right == tried else ""
    return Content.assemble(
        (f"{len(topic.questions):>3} q  ", "$text-muted"),
        (f"{score:<18}", style),
        (topic.title, "bold"),
    )


class QuizScreen(Screen[None]):
    """Revision for the Docker Certified Associate exam."""

    CSS_PATH = "quiz.tcss"
    BINDINGS = [
        Binding("p", "practice", "Practice", id="quiz-practice",
                tooltip="Practise the highlighted topic, with feedback after each answer"),
        Binding("e", "exam", "Exam", id="quiz-exam",
                tooltip="A timed exam of the size in the field (the real exam's by default)"),
        Binding("s", "short_exam", "Short exam", id="quiz-short-exam", show=False,
                tooltip="The short practice exam: the image domain's share of the real one"),
        Binding("r", "review", "Review", id="quiz-review", tooltip="The questions due today"),
        Binding("d", "toggle_domc", "DOMC", id="quiz-domc",
                tooltip="Practise one option at a time, as most exam questions are asked"),
        Binding("escape", "leave", "Back", id="quiz-back"),
    ]

    def __init__(
        self,
        state: Path,
        *,
        questions_dir: Path | None = None,
        seed: int | None = None,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`now`, `clock` and `seed` fix the day, the exam timer and the draws (for tests)."""
        super().__init__()
        self.quiz: QuizSession | None = None
        self.broken = ""
        try:
            self.quiz = QuizSession.open(
                state, questions_dir=questions_dir, seed=seed, now=now, clock=clock
            )
        except BankError as err:
            self.broken = f"The question bank cannot be used:\n{err.message}"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="quiz-home"):
            if self.quiz is None:
                yield Static(Content(self.broken), id="quiz-problems")
            else:
                quiz = self.quiz
                yield Static(
                    f"Revise for the [b]Docker Certified Associate[/b] exam: "
                    f"{counted(len(quiz.bank.questions), 'question')} in "
                    f"{counted(len(quiz.bank.topics), 'topic')}. "
                    "Enter practises the highlighted topic; e sits an exam of the size below "
                    "(the real exam's by default), s a short one.",
                    id="quiz-intro",
                )
                yield OptionList(id="quiz-topics")
                yield Checkbox("One option at a time (DOMC)",
                               id="quiz-domc", compact=True)
                with Horizontal(id="quiz-actions"):
                    yield Button("Practice", id="practice", variant="primary", compact=True)
                    yield Button("Exam", id="exam", compact=True)
                    yield Input(
                        str(min(quiz.default_exam_size, len(quiz.bank.questions))),
                        type="integer",
                        max_length=3,
                        validators=[Number(1, len(quiz.bank.questions))],
                        id="exam-size",
                        compact=True,
                    )
                    yield Label("", id="exam-time")
                    yield Button("Review", id="review", compact=True)
                if quiz.problems:
                    yield Label(Content("\n".join(quiz.problems)), id="quiz-problems")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "DCA quiz"
        self.sub_title = "Image Tutor"
        if self.quiz is not None:
            self.refresh_home()
            self._size_changed()
            self.query_one("#quiz-topics", OptionList).focus()

    def on_screen_resume(self) -> None:
        if self.quiz is not None:
            self.refresh_home()

    def refresh_home(self) -> None:
        assert self.quiz is not None
        topics = self.quiz.bank.topics
        option_list = self.query_one("#quiz-topics", OptionList)
        highlighted = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(
            Option(topic_prompt(self.quiz, topic), id=topic.id) for topic in topics
        )
        option_list.highlighted = highlighted if highlighted is not None else 0
        due = len(self.quiz.due_today())
        review = self.query_one("#review", Button)
        review.label = f"Review ({due} due today)"
        review.disabled = not due

    @property
    def format(self) -> Format:
        return "domc" if self.query_one("#quiz-domc", Checkbox).value else "mc"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A broken bank leaves only the way back.
        return self.quiz is not None or action == "leave"

    @on(Input.Changed, "#exam-size")
    def _size_changed(self) -> None:
        assert self.quiz is not None
        size = self.exam_size()
        self.query_one("#exam-time", Label).update(
            f"{'question' if size == 1 else 'questions'}, {self.quiz.exam_minutes(size)} min"
            if size
            else f"questions (1 to {len(self.quiz.bank.questions)})"
        )

    def exam_size(self) -> int | None:
        field = self.query_one("#exam-size", Input)
        result = field.validate(field.value)
        return int(field.value) if result is None or result.is_valid else None

    @on(OptionList.OptionSelected, "#quiz-topics")
    @on(Button.Pressed, "#practice")
    def action_practice(self) -> None:
        from tutor.ui.screens.quiz_practice import PracticeScreen

        assert self.quiz is not None
        option_list = self.query_one("#quiz-topics", OptionList)
        if option_list.highlighted is None:
            return
        topic = self.quiz.bank.topics[option_list.highlighted]
        questions = self.quiz.practice_set(topic.id)
        self.app.push_screen(PracticeScreen(self.quiz, questions, self.format, "practice",
                                            topic.title))

    @on(Button.Pressed, "#exam")
    def action_exam(self) -> None:
        from tutor.ui.screens.quiz_exam import ExamScreen

        assert self.quiz is not None
        size = self.exam_size()
        if size is None:
            self.notify(f"An exam has 1 to {len(self.quiz.bank.questions)} questions.",
                        severity="warning")
            return
        self.app.push_screen(ExamScreen(self.quiz, self.quiz.plan_exam(size)))

    def action_short_exam(self) -> None:
        assert self.quiz is not None
        self.query_one("#exam-size", Input).value = str(
            min(self.quiz.short_exam_size, len(self.quiz.bank.questions)))
        self.action_exam()

    @on(Button.Pressed, "#review")
    def action_review(self) -> None:
        from tutor.ui.screens.quiz_practice import PracticeScreen

        assert self.quiz is not None
        questions = self.quiz.due_today()
        if not questions:
            self.notify("Nothing is due for review today.")
            return
        self.app.push_screen(PracticeScreen(self.quiz, questions, self.format, "review",
                                            "Review"))

    def action_toggle_domc(self) -> None:
        self.query_one("#quiz-domc", Checkbox).toggle()

    def action_leave(self) -> None:
        self.dismiss()
