"""Messages that cross screens (each widget's own messages are nested in the widget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from tutor.course.quiz import Question


@dataclass
class OpenLesson(Message):
    """Open a lesson (or the sandbox) by id; the app decides how."""

    lesson_id: str
    try_it: Question | None = None
    """A quiz question whose "try it" command to leave typed at the prompt (not run), after
    writing its files and running its setup in the sandbox."""


@dataclass
class ProgressChanged(Message):
    """The learner's progress was saved; screens showing it redraw."""


@dataclass
class TypeCommand(Message):
    """Put a command from the lesson on the terminal's prompt ("type this for me"); the
    learner presses Enter to run it."""

    command: str
