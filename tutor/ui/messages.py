"""Messages that cross screens (each widget's own messages are nested in the widget)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OpenLesson(Message):
    """Open a lesson (or the sandbox) by id; the app decides how."""

    lesson_id: str
    prefill: str = ""
    """A command to leave typed at the terminal's prompt, not run (the quiz's "try it")."""


@dataclass
class ProgressChanged(Message):
    """The learner's progress was saved; screens showing it redraw."""
