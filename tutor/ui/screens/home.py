"""The lesson map: every lesson with its progress and length, the way back in, the sandbox, the
quiz (later) and the glossary."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from tutor.course.lessons import Lesson
from tutor.ui.messages import OpenLesson
from tutor.ui.session import SANDBOX_ID, Session

GLOSSARY_ID = "glossary"
QUIZ_ID = "quiz"
CHAPTER_PREFIX = "chapter-"
"""Chapter headings in the map are disabled options with ids starting with this."""


def lesson_status(session: Session, lesson: Lesson) -> tuple[str, str, str]:
    """`(mark, words, style)` for a lesson's progress."""
    if lesson.id not in session.progress.lessons:
        return "○", "not started", "dim"
    progress = session.progress.of(lesson.id)
    if progress.done and progress.step >= len(lesson.steps):
        return "✓", "done", "green"
    step = min(progress.step + 1, len(lesson.steps))
    again = " (done before)" if progress.done else ""
    return "◐", f"step {step}/{len(lesson.steps)}{again}", "yellow"


def lesson_prompt(session: Session, number: int, lesson: Lesson) -> Text:
    mark, words, style = lesson_status(session, lesson)
    return Text.assemble(
        (f" {mark} ", style),
        (f"{number}. {lesson.title}", "bold"),
        (f"  {lesson.minutes} min · ", "dim"),
        (words, style),
        "\n",
        (f"    {lesson.summary}", "dim"),
    )


class HomeScreen(Screen[None]):
    """The lesson map."""

    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("c", "continue", "Continue", id="continue"),
        Binding("s", "open('sandbox')", "Sandbox", id="sandbox"),
        Binding("g", "glossary", "Glossary", id="glossary"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(
                "[b]Learn how Docker images work[/b] on a simulated Docker engine: "
                "no daemon, nothing to break.",
                id="home-intro",
            )
            with Horizontal(id="home-actions"):
                yield Button("Continue where I left off", id="continue", variant="primary",
                             compact=True)
            yield OptionList(id="lesson-map")
            if self.session.problems:
                yield Label("\n".join(self.session.problems), id="home-problems")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_map()
        self.query_one("#lesson-map", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_map()

    def refresh_map(self) -> None:
        options: list[Option | None] = []
        chapter: str | None = None
        for n, lesson in enumerate(self.session.lessons, 1):
            if lesson.chapter and lesson.chapter != chapter:
                options.append(Option(Text(lesson.chapter.upper(), style="bold"),
                                      id=f"{CHAPTER_PREFIX}{n}", disabled=True))
            chapter = lesson.chapter
            options.append(Option(lesson_prompt(self.session, n, lesson), id=lesson.id))
        options.append(None)
        options.append(Option(Text.assemble((" ▶ ", "cyan"), ("Sandbox", "bold"),
                                            ("  a free terminal on its own engine", "dim")),
                              id=SANDBOX_ID))
        options.append(Option(Text.assemble((" ? ", "cyan"), ("Quiz", "bold"),
                                            ("  revise for the DCA exam", "dim")),
                              id=QUIZ_ID))
        options.append(Option(Text.assemble((" ≡ ", "cyan"), ("Glossary", "bold"),
                                            ("  the words these lessons use", "dim")),
                              id=GLOSSARY_ID))
        option_list = self.query_one("#lesson-map", OptionList)
        highlighted = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(options)
        first = next(i for i, option in enumerate(option_list.options) if not option.disabled)
        option_list.highlighted = highlighted if highlighted is not None else first
        resume = self.session.resume_lesson()
        button = self.query_one("#continue", Button)
        button.disabled = resume is None
        button.label = (
            f"Continue: {resume.title}" if resume is not None else "All lessons done"
        )

    @on(OptionList.OptionSelected, "#lesson-map")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id == GLOSSARY_ID:
            self.action_glossary()
        elif option_id == QUIZ_ID:
            self.call_next(self.run_action, "app.open_quiz")
        else:
            self.action_open(option_id)

    @on(Button.Pressed, "#continue")
    def action_continue(self) -> None:
        resume = self.session.resume_lesson()
        if resume is not None:
            self.action_open(resume.id)

    def action_open(self, lesson_id: str) -> None:
        self.post_message(OpenLesson(lesson_id))

    def action_glossary(self) -> None:
        from tutor.ui.screens.help import GLOSSARY, PageScreen

        self.app.push_screen(PageScreen(GLOSSARY, "Glossary"))
