"""An exam's report: the score, tallies by topic and by DCA objective (grouped as the study guide
groups them), and every question missed with the explanation of each option.

The DCA's pass mark is not published and the bank's schema sets none, so no pass/fail is shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tutor.course.quiz import Bank, Report
from tutor.course.quiz.exam import Tally
from tutor.ui.screens.quiz_exam import Given
from tutor.ui.widgets.question import explanation


def tallies(heading: str, rows: Mapping[str, Tally], names: Mapping[str, str]) -> Content:
    parts: list[str | tuple[str, str]] = [(heading, "bold")]
    for key, tally in sorted(rows.items(), key=lambda kv: names.get(kv[0], kv[0])):
        style = "$success" if tally.right == tally.total else "$error" if not tally.right else ""
        parts += ["\n", (f"{tally.right:>3}/{tally.total:<3}", style), f" {names.get(key, key)}"]
    return Content.assemble(*parts)


def missed(bank: Bank, report: Report, given: Given) -> Content:
    if not report.wrong:
        return Content.styled("Nothing missed.", "$success")
    questions = bank.by_id()
    parts: list[str | Content | tuple[str, str]] = [(f"Missed ({len(report.wrong)})", "bold")]
    for n, qid in enumerate(report.wrong, 1):
        question = questions[qid]
        order, said = given.get(qid, (tuple(range(len(question.options))), {}))
        parts += ["\n\n", (f"{n}. ", "$text-muted"), (question.stem, "bold")]
        if qid not in given:
            parts.append(("  (not answered)", "$warning"))
        parts += ["\n", explanation(question, order, said)]
    return Content.assemble(*parts)


class ReportScreen(Screen[None]):
    """The report of one exam (already saved with the learner's progress)."""

    CSS_PATH = "quiz.tcss"
    BINDINGS = [Binding("escape", "leave", "Quiz home", id="report-leave")]

    def __init__(self, bank: Bank, report: Report, given: Given) -> None:
        super().__init__()
        self.bank = bank
        self.report = report
        self.given = given

    def compose(self) -> ComposeResult:
        report = self.report
        titles = {topic.id: topic.title for topic in self.bank.topics}
        score = Content.assemble(
            (f"Score {report.right}/{report.total} ({report.percent}%)", "bold"),
            ("   Time ran out: questions not answered count as wrong." if report.timed_out
             else "", "$warning"),
        )
        yield Header()
        with VerticalScroll(id="report-body"):
            yield Static(score, id="report-score")
            yield Static(tallies("By topic", report.by_topic, titles), id="report-topics")
            yield Static(tallies("By DCA objective", report.by_objective, {}),
                         id="report-objectives")
            yield Static(missed(self.bank, report, self.given), id="report-missed")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Exam report"
        self.sub_title = "DCA quiz"
        self.query_one("#report-body").focus()

    def action_leave(self) -> None:
        self.dismiss()
