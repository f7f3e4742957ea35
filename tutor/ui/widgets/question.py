"""Asking one question, in either of the DCA exam's two formats.

`McQuestion` is classic multiple choice: every option at once, one or several to choose ("choose
N" says how many). `DomcQuestion` is DOMC: options one at a time, yes or no to each, and the
question ends as soon as its outcome is decided (`tutor.course.quiz.Domc`), so the learner may see
only one option of five. Both post `QuestionView.Answered` once the answer is final and do nothing
more: the screen decides what follows (feedback in practice, the next question in an exam).

`verdict()` and `explanation()` are the feedback shown afterwards: each option marked right or
wrong with why, and what the learner said to it.

| Key | Multiple choice | DOMC |
| --- | --- | --- |
| 1-9 | choose that option (toggles it when several are asked for) | |
| up / down | move | |
| space | toggle the highlighted option | |
| enter | submit | |
| y / n | | this option is correct / is not |
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Button, Label, Markdown, OptionList, SelectionList, Static

from tutor.course.quiz import Domc, Question, mc_correct, start_domc
from tutor.course.quiz.model import Format

MAX_KEYED = 9


def stem(question: Question, number: str) -> Content:
    return Content.assemble((number, "$text-muted"), " " if number else "", question.stem)


def verdict(correct: bool) -> Content:
    return Content.styled(
        "✓ Correct" if correct else "✗ Not quite", "bold $success" if correct else "bold $error"
    )


def explanation(question: Question, order: tuple[int, ...], said: Mapping[int, bool]) -> Content:
    """Every option (also those DOMC never showed), marked right or wrong, with its why and what
    the learner said to it."""
    parts: list[str | Content | tuple[str, str]] = []
    for index in order:
        option = question.options[index]
        mark, style = ("✓", "$success") if option.correct else ("✗", "$error")
        parts += ["\n" if parts else "", (f"{mark} ", style), (option.text, "bold")]
        if index in said:
            parts.append((f"  (you: {'yes' if said[index] else 'no'})", "$text-muted"))
        parts += ["\n", (f"  {option.why}", "$text-muted")]
    return Content.assemble(*parts)


class QuestionView(Vertical):
    """One question being asked; `number` is shown before the stem (e.g. "3/11")."""

    DEFAULT_CSS = """
    QuestionView {
        height: auto;
        & .question-stem { margin: 0; padding: 0; }
        & .question-hint { color: $text-muted; }
        & #answers { height: auto; max-height: 12; text-wrap: wrap; }
        & #domc-option { height: auto; border: round $primary; padding: 0 1; }
        & #domc-buttons { height: 1; margin-top: 1; }
        & #domc-buttons Button { margin-right: 2; }
    }
    """

    @dataclass
    class Answered(Message):
        view: QuestionView
        correct: bool
        order: tuple[int, ...]
        """Option indices in the order they were (or would have been) presented."""
        said: dict[int, bool]
        """Option index -> whether the learner called it correct (DOMC: only those shown)."""

        @property
        def control(self) -> QuestionView:
            return self.view

    def __init__(self, question: Question, number: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.question = question
        self.number = number
        self.done = False

    def compose(self) -> ComposeResult:
        # Stems are Markdown (inline code, fenced Dockerfiles): shown as such, not as raw text.
        number = f"{self.number} " if self.number else ""
        yield Markdown(number + self.question.stem, classes="question-stem")

    def finish(self, correct: bool, order: tuple[int, ...], said: dict[int, bool]) -> None:
        self.done = True
        self.post_message(self.Answered(self, correct, order, said))


class AnswerList(SelectionList[int]):
    """The options of a multiple-choice question; Enter submits instead of toggling.

    Each option's mark says in its shape, not only its colour, whether it is chosen (`[x]` or
    `[ ]`; `(•)` or `( )` when one answer is asked for), and sits on the option's first line
    only, however many lines the option wraps to.
    """

    BINDINGS = [
        Binding("enter", "submit", "Submit", id="submit"),
        Binding("1", "pick(0)", "Choose", key_display="1-9"),
        *(Binding(str(n + 1), f"pick({n})", "Choose", show=False) for n in range(1, MAX_KEYED)),
        Binding("space", "select", "Toggle"),
    ]

    @dataclass
    class Picked(Message):
        answers: AnswerList
        position: int

        @property
        def control(self) -> AnswerList:
            return self.answers

    @dataclass
    class Submitted(Message):
        answers: AnswerList

        @property
        def control(self) -> AnswerList:
            return self.answers

    radio = False
    """One answer is asked for: marks are round."""

    def render_line(self, y: int) -> Strip:
        # SelectionList puts a button on every row and takes each row for an option, which is
        # wrong as soon as an option wraps: render the option's rows and mark its first.
        line = OptionList.render_line(self, y)
        try:
            index, offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return line
        chosen = self.get_option_at_index(index).value in self._selected
        if offset:
            mark = "    "
        elif self.radio:
            mark = "(•) " if chosen else "( ) "
        else:
            mark = "[x] " if chosen else "[ ] "
        style = self.get_component_rich_style(
            "selection-list--button-selected" if chosen else "selection-list--button")
        underlying = next(iter(line)).style if line.cell_length else None
        return Strip([Segment(mark[:3], style + Style(meta={"option": index})),
                      Segment(mark[3:], underlying), *line])

    def action_pick(self, position: int) -> None:
        if position < self.option_count:
            self.highlighted = position
            self.post_message(self.Picked(self, position))

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))


class McQuestion(QuestionView):
    """Classic multiple choice: scored all or nothing on the set chosen."""

    def __init__(
        self, question: Question, order: tuple[int, ...], number: str = "", *, id: str | None = None  # noqa: A002
    ) -> None:
        super().__init__(question, number, id=id)
        self.order = order

    def compose(self) -> ComposeResult:
        yield from super().compose()
        answers = AnswerList(
            *(
                (Content(f"{n}. {self.question.options[index].text}"), index)
                for n, index in enumerate(self.order, 1)
            ),
            id="answers",
            compact=True,
        )
        answers.radio = not self.question.multiple
        yield answers
        how = f"Choose {len(self.question.answer)}: space or 1-9 toggle" if self.question.multiple \
            else "Choose one: 1-9 or arrows"
        yield Label(f"{how}, Enter submits.", classes="question-hint")

    def on_mount(self) -> None:
        self.answers.focus()

    @property
    def answers(self) -> AnswerList:
        return self.query_one("#answers", AnswerList)

    @on(AnswerList.Picked)
    def _picked(self, event: AnswerList.Picked) -> None:
        value = self.order[event.position]
        if self.question.multiple:
            self.answers.toggle(value)
        else:
            self.answers.deselect_all().select(value)

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[int]) -> None:
        # A single-answer question keeps at most one option chosen, like radio buttons.
        value = event.selection.value
        if not self.question.multiple and value in self.answers.selected:
            self.answers.deselect_all().select(value)

    @on(AnswerList.Submitted)
    def _submitted(self, event: AnswerList.Submitted) -> None:
        event.stop()
        chosen = set(self.answers.selected)
        highlighted = self.answers.highlighted
        if not chosen and not self.question.multiple and highlighted is not None:
            chosen = {self.order[highlighted]}
        if self.done or not chosen:
            return
        said = {index: index in chosen for index in self.order}
        self.finish(mc_correct(self.question, frozenset(chosen)), self.order, said)


class DomcQuestion(QuestionView):
    """DOMC: one option at a time, yes or no, ending as soon as the outcome is decided."""

    can_focus = True
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, correct", id="yes"),
        Binding("n", "answer(False)", "No", id="no"),
    ]

    def __init__(self, state: Domc, number: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(state.question, number, id=id)
        self.state = state

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Label("", id="domc-count", classes="question-hint")
        yield Static("", id="domc-option")
        with Horizontal(id="domc-buttons"):
            yield Button("Yes (y)", id="domc-yes", variant="success", compact=True)
            yield Button("No (n)", id="domc-no", variant="error", compact=True)

    def on_mount(self) -> None:
        self.show_current()
        self.focus()

    def show_current(self) -> None:
        current = self.state.current
        if current is None:
            return
        shown = len(self.state.answers) + 1
        self.query_one("#domc-count", Label).update(f"Option {shown}: is this a correct answer?")
        self.query_one("#domc-option", Static).update(Content(self.question.options[current].text))

    def action_answer(self, yes: bool) -> None:
        if self.done:
            return
        self.state = self.state.answer(yes)
        outcome = self.state.outcome
        if outcome is None:
            self.show_current()
            return
        said = dict(zip(self.state.order, self.state.answers, strict=False))
        self.finish(outcome, self.state.order, said)

    @on(Button.Pressed, "#domc-yes")
    def _yes(self) -> None:
        self.action_answer(True)

    @on(Button.Pressed, "#domc-no")
    def _no(self) -> None:
        self.action_answer(False)


def ask(question: Question, fmt: Format, rng: random.Random, number: str = "") -> QuestionView:
    """The view asking `question` in `fmt`, options in a random order drawn from `rng`."""
    if fmt == "domc":
        return DomcQuestion(start_domc(question, rng), number, id="question")
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return McQuestion(question, tuple(order), number, id="question")
