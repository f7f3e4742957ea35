"""Multiple-choice marks: on an option's first line only, whatever it wraps to, and different
in shape (not only colour) when chosen."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region

from tutor.ui.widgets.question import AnswerList

LONG = "an option long enough to wrap onto a second line in a list this narrow, and a third"


class AnswersApp(App[None]):
    CSS = "AnswerList { text-wrap: wrap; height: auto; }"  # as the question view styles it
    def __init__(self, radio: bool) -> None:
        super().__init__()
        self.radio = radio

    def compose(self) -> ComposeResult:
        answers = AnswerList((Content("1. " + LONG), 0), (Content("2. short"), 1), id="answers",
                             compact=True)
        answers.radio = self.radio
        yield answers


def rows(app: AnswersApp) -> list[str]:
    answers = app.query_one(AnswerList)
    width, height = answers.size
    return [strip.text.rstrip() for strip in answers.render_lines(Region(0, 0, width, height))]


async def test_marks_sit_on_first_lines_and_differ_in_shape() -> None:
    app = AnswersApp(radio=False)
    async with app.run_test(size=(40, 12)) as pilot:
        answers = app.query_one(AnswerList)
        shown = [row for row in rows(app) if row]
        assert shown[0].startswith("[ ] 1. an option")
        first_option_rows = [row for row in shown if not row.lstrip().startswith("[")]
        assert len(first_option_rows) >= 2, shown  # the long option wrapped
        assert all(row.startswith("    ") for row in first_option_rows)
        assert shown[-1] == "[ ] 2. short"
        answers.select(1)
        await pilot.pause()
        assert "[x] 2. short" in rows(app)


async def test_single_answer_marks_are_round() -> None:
    app = AnswersApp(radio=True)
    async with app.run_test(size=(40, 12)) as pilot:
        answers = app.query_one(AnswerList)
        answers.select(0)
        await pilot.pause()
        shown = rows(app)
        assert shown[0].startswith("(•) 1. an option")
        assert "( ) 2. short" in shown
