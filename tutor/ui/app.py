"""The tutorial application: start-up, theme and global key bindings; pages live in `screens/`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from tutor import __version__
from tutor.ui.commands import TutorCommands
from tutor.ui.messages import OpenLesson
from tutor.ui.session import Session


class TutorApp(App[None]):
    """Image Tutor's Textual application."""

    TITLE = "Image Tutor"
    SUB_TITLE = f"v{__version__}"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {TutorCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("question_mark", "help", "Help", show=False),
    ]

    def __init__(
        self,
        state: Path,
        *,
        lessons: tuple[Path, ...] | None = None,
        pace: float = 0.08,
        cursor_blink: bool = True,
    ) -> None:
        """`lessons`: folders of lessons (default: the built-in ones); `pace`: real seconds per
        simulated build second in the terminal (0 for tests)."""
        super().__init__()
        self.session = Session.open(state, lessons, pace=pace, cursor_blink=cursor_blink)

    def on_mount(self) -> None:
        from tutor.ui.screens.home import HomeScreen

        self.push_screen(HomeScreen(self.session))

    @on(OpenLesson)
    def open_lesson(self, event: OpenLesson) -> None:
        from tutor.ui.screens.lesson import LessonScreen

        lesson = self.session.lesson(event.lesson_id)
        if lesson is None:
            self.notify(f"No lesson {event.lesson_id}", severity="error")
            return
        while isinstance(self.screen, LessonScreen):
            self.pop_screen()
        self.push_screen(LessonScreen(self.session, lesson, try_it=event.try_it))

    def on_practice_screen_try_it(self, event: Message) -> None:
        """The quiz's "try it": its sandbox opens above the quiz with the command typed."""
        from tutor.ui.session import QUIZ_SANDBOX_ID

        self.post_message(OpenLesson(QUIZ_SANDBOX_ID, try_it=getattr(event, "question", None)))

    def action_help(self) -> None:
        from tutor.ui.screens.help import HELP, PageScreen

        if not isinstance(self.screen, PageScreen):
            self.push_screen(PageScreen(HELP, "Help"))

    def action_glossary(self) -> None:
        from tutor.ui.screens.help import GLOSSARY, PageScreen

        self.push_screen(PageScreen(GLOSSARY, "Glossary"))

    def action_open_quiz(self) -> None:
        from tutor.ui.screens.quiz import QuizScreen

        self.push_screen(QuizScreen(self.session.state))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys and commands (F1)", self.action_help)
        yield SystemCommand("Glossary", "The words the lessons use", self.action_glossary)
