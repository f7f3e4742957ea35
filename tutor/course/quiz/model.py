"""The question bank's domain types.

A question is independent of how it is asked: the same `Question` is shown as classic multiple
choice (every option at once) or as DOMC (one option at a time), so every option carries its own
explanation of why it is right or wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["mc", "domc"]


@dataclass(frozen=True, slots=True)
class Option:
    text: str
    correct: bool
    why: str
    """Why this option is right or wrong; shown as feedback whichever format asked it."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    topic: str
    domain: str
    """The DCA exam domain, in the study guide's words (e.g. `Image Creation, Management, and
    Registry`)."""
    objective: str
    """One objective of that domain, verbatim from the study guide, so scores group as the
    exam's do."""
    stem: str
    options: tuple[Option, ...]
    try_it: str = ""
    """A docker command that demonstrates the point in the sandbox ("" when none fits)."""
    try_setup: tuple[str, ...] = ()
    """Docker commands run silently before `try_it`, so that a fresh sandbox holds what it
    needs (an image pulled, a container to inspect)."""
    try_files: tuple[tuple[str, str], ...] = ()
    """(relative path, content) written into the sandbox workspace before the setup runs, for
    build examples that need a Dockerfile."""
    try_fails: bool = False
    """`try_it` demonstrates an error on purpose: it is meant to exit non-zero."""
    try_expect: str = ""
    """Text the explanation promises `try_it` prints (stdout or stderr); "" when nothing short
    is checkable."""
    lesson: str = ""
    """A lesson step reference (`lesson-id/step-id`) that teaches it ("" when none)."""

    @property
    def answer(self) -> frozenset[int]:
        return frozenset(i for i, option in enumerate(self.options) if option.correct)

    @property
    def multiple(self) -> bool:
        return len(self.answer) > 1


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Bank:
    topics: tuple[Topic, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for topic in self.topics for q in topic.questions)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}
