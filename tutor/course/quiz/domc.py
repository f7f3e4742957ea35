"""Discrete option multiple choice (DOMC), the way the DCA exam asks most of its questions.

Options are shown one at a time, in random order, and the candidate answers yes ("this option is
correct") or no to each. The question ends as soon as its outcome is decided:

* yes to a wrong option: failed (whatever else is right);
* no to a correct option: failed;
* yes to the last correct option not yet accepted: passed (for a single-answer question, that is
  yes to its one correct option). The remaining options are not shown.

So a multi-answer question passes only when every correct option has been accepted and no wrong
one was; the candidate is never told how many options are correct. Every question in the bank can
be asked this way because each option carries its own explanation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tutor.course.quiz.model import Question
from tutor.engine.errors import EngineError


class QuizError(EngineError):
    """A quiz operation that makes no sense in the current state (answering an ended question)."""


@dataclass(frozen=True, slots=True)
class Domc:
    question: Question
    order: tuple[int, ...]
    """Indices into `question.options`, in the order they are presented."""
    answers: tuple[bool, ...] = ()
    """The yes (True) / no (False) given to `order[0]`, `order[1]`, … so far."""

    @property
    def outcome(self) -> bool | None:
        """True passed, False failed, None still undecided."""
        accepted: set[int] = set()
        for index, yes in zip(self.order, self.answers, strict=False):
            correct = self.question.options[index].correct
            if yes != correct:
                return False
            if yes:
                accepted.add(index)
        return True if accepted == self.question.answer else None

    @property
    def current(self) -> int | None:
        """The option to show now, or None once the question has ended."""
        if self.outcome is not None:
            return None
        return self.order[len(self.answers)]

    @property
    def shown(self) -> tuple[int, ...]:
        return self.order[: len(self.answers)]

    def answer(self, yes: bool) -> Domc:
        if self.current is None:
            raise QuizError(f"question {self.question.id} has already ended")
        return Domc(self.question, self.order, (*self.answers, yes))


def start_domc(question: Question, rng: random.Random) -> Domc:
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return Domc(question, tuple(order))


def mc_correct(question: Question, chosen: frozenset[int]) -> bool:
    """Classic multiple choice scores all or nothing: exactly the correct set must be chosen."""
    return chosen == question.answer
