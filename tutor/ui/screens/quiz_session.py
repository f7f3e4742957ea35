"""What the quiz screens share: the bank, its schema, the learner's quiz progress and the clocks.

Handed from screen to screen (attributes down). Every answer is recorded and saved at once, through
the quiz package's atomic progress file, so quitting mid-quiz (or a crash) loses nothing. The clocks
and the random source are parameters so tests can fix the day, the exam timer and the draw.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tutor.course.quiz import (
    Attempt,
    Bank,
    ExamPlan,
    Progress,
    Question,
    Report,
    Schema,
    default_count,
    due,
    load_bank,
    load_progress,
    load_schema,
    plan_exam,
    record,
    save_progress,
    short_count,
    tally,
)
from tutor.course.quiz.exam import spread
from tutor.course.quiz.progress import record_exam


@dataclass
class QuizSession:
    state: Path
    bank: Bank
    schema: Schema
    progress: Progress
    rng: random.Random
    now: Callable[[], datetime]
    """The learner's wall clock: which day it is for review, and when answers were given."""
    clock: Callable[[], float]
    """Seconds on a monotonic clock, for exam deadlines (a changed system time must not end an
    exam)."""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        state: Path,
        *,
        questions_dir: Path | None = None,
        seed: int | None = None,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
    ) -> QuizSession:
        """Raises `BankError` when the bank cannot be loaded."""
        if questions_dir is None:
            from tutor.paths import content_dir

            questions_dir = content_dir("assets") / "questions"
        schema = load_schema(questions_dir)
        bank = load_bank(questions_dir, schema)
        problems: list[str] = []
        state.mkdir(parents=True, exist_ok=True)
        progress = load_progress(state, problems)
        return cls(state, bank, schema, progress, random.Random(seed), now, clock, problems)

    def answered(self, question: Question, correct: bool, mode: str) -> None:
        self.progress = record(self.progress, Attempt(question.id, correct, self.now(), mode))
        save_progress(self.state, self.progress)

    def exam_finished(self, report: Report) -> None:
        self.progress = record_exam(self.progress, report, self.now())
        save_progress(self.state, self.progress)

    def accuracy(self, topic_id: str) -> tuple[int, int]:
        """(right, answered) over every attempt at the topic's questions, in any mode."""
        topic = self.bank.topic(topic_id)
        ids = {q.id for q in topic.questions} if topic else set()
        return tally(self.progress, ids)

    def due_today(self) -> list[Question]:
        questions = self.bank.by_id()
        today = self.now().date()
        return [questions[qid] for qid in due(self.progress.cards, today) if qid in questions]

    def practice_set(self, topic_id: str) -> list[Question]:
        """The topic's questions, every one, in a fresh random order."""
        topic = self.bank.topic(topic_id)
        pool = list(topic.questions) if topic else []
        return spread(pool, len(pool), self.rng)

    @property
    def default_exam_size(self) -> int:
        return default_count(self.schema.exam)

    @property
    def short_exam_size(self) -> int:
        return short_count(self.schema.exam, self.schema.weights)

    def exam_minutes(self, count: int) -> int:
        # Planned with a throwaway draw so the rule for the time stays in one place.
        return plan_exam(self.bank, self.schema.exam, count, random.Random(0)).seconds // 60

    def plan_exam(self, count: int) -> ExamPlan:
        return plan_exam(self.bank, self.schema.exam, count, self.rng)

