"""Exam simulation: the real DCA exam's shape, timed, scored by topic and objective.

The real exam has 55 questions in 90 minutes, 42 of them DOMC (numbers kept as data in
`assets/questions/_schema/dca.toml`), and that is the default. A simulation of N questions keeps
those ratios: the time is 90 × N / 55 minutes (rounded up) and round(42 × N / 55) of its questions
are DOMC. The short practice exam is the share of the exam the "Image Creation, Management, and
Registry" domain carries (20% of 55 = 11 questions, 18 minutes). No feedback is given until the
end; questions not answered when time runs out count as wrong, and an answer given after the
deadline is not counted.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from tutor.course.quiz.loader import ExamShape
from tutor.course.quiz.model import Bank, Format, Question

IMAGE_DOMAIN = "Image Creation, Management, and Registry"


@dataclass(frozen=True, slots=True)
class ExamItem:
    question: Question
    format: Format


@dataclass(frozen=True, slots=True)
class ExamPlan:
    items: tuple[ExamItem, ...]
    seconds: int


def default_count(shape: ExamShape) -> int:
    """The real exam's number of questions."""
    return shape.questions


def short_count(shape: ExamShape, weights: dict[str, int]) -> int:
    """The short practice exam: the image domain's share of the real one."""
    return round(shape.questions * weights[IMAGE_DOMAIN] / 100)


def exam_minutes(shape: ExamShape, count: int) -> int:
    """The time a simulation of `count` questions gets: the real exam's pace, rounded up."""
    return math.ceil(shape.minutes * count / shape.questions)


def spread(questions: list[Question], count: int, rng: random.Random) -> list[Question]:
    """`count` questions drawn round-robin over their topics, so a short exam still covers many."""
    by_topic: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        by_topic[q.topic].append(q)
    piles = list(by_topic.values())
    for pile in piles:
        rng.shuffle(pile)
    rng.shuffle(piles)
    chosen: list[Question] = []
    while len(chosen) < count and any(piles):
        for pile in piles:
            if pile and len(chosen) < count:
                chosen.append(pile.pop())
    return chosen


def plan_exam(
    bank: Bank,
    shape: ExamShape,
    count: int,
    rng: random.Random,
    topics: frozenset[str] | None = None,
) -> ExamPlan:
    pool = [q for q in bank.questions if topics is None or q.topic in topics]
    chosen = spread(pool, min(count, len(pool)), rng)
    n = len(chosen)
    domc = round(shape.domc * n / shape.questions)
    as_domc: Format = "domc"
    as_mc: Format = "mc"
    formats = [as_domc] * domc + [as_mc] * (n - domc)
    rng.shuffle(formats)
    seconds = exam_minutes(shape, n) * 60
    return ExamPlan(tuple(ExamItem(q, f) for q, f in zip(chosen, formats, strict=True)), seconds)


@dataclass(frozen=True, slots=True)
class Tally:
    right: int = 0
    total: int = 0

    def add(self, correct: bool) -> Tally:
        return Tally(self.right + int(correct), self.total + 1)


@dataclass(frozen=True, slots=True)
class Report:
    right: int
    total: int
    timed_out: bool
    by_topic: dict[str, Tally]
    by_objective: dict[str, Tally]
    wrong: tuple[str, ...]
    """Ids of the questions answered wrong or not answered, for review."""

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 0


@dataclass
class ExamSession:
    """One sitting: answers are accepted until the deadline, measured on the clock given."""

    plan: ExamPlan
    started: float
    results: dict[int, bool] = field(default_factory=dict)
    timed_out: bool = False

    @property
    def deadline(self) -> float:
        return self.started + self.plan.seconds

    def remaining(self, now: float) -> float:
        return max(0.0, self.deadline - now)

    def expired(self, now: float) -> bool:
        if now >= self.deadline:
            self.timed_out = True
        return self.timed_out

    def record(self, index: int, correct: bool, now: float) -> bool:
        """Keeps the answer to item `index`; False (answer discarded) when time was already up."""
        if self.expired(now):
            return False
        self.results[index] = correct
        return True

    def report(self) -> Report:
        by_topic: dict[str, Tally] = {}
        by_objective: dict[str, Tally] = {}
        wrong: list[str] = []
        for i, item in enumerate(self.plan.items):
            correct = self.results.get(i, False)
            q = item.question
            by_topic[q.topic] = by_topic.get(q.topic, Tally()).add(correct)
            by_objective[q.objective] = by_objective.get(q.objective, Tally()).add(correct)
            if not correct:
                wrong.append(q.id)
        right = sum(1 for ok in self.results.values() if ok)
        return Report(
            right, len(self.plan.items), self.timed_out, by_topic, by_objective, tuple(wrong)
        )
