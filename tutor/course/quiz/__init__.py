"""The DCA revision question bank and its quiz engine, independent of any UI.

The bank is data (`assets/questions/*.toml`, one file per topic, format in
`docs/question-format.md`); this package loads and lints it, runs DOMC and multiple-choice
questions, assembles and scores timed exams, schedules reviews and saves the learner's progress.
"""

from tutor.course.quiz.domc import Domc, QuizError, mc_correct, start_domc
from tutor.course.quiz.exam import (
    ExamPlan,
    ExamSession,
    Report,
    default_count,
    plan_exam,
    short_count,
)
from tutor.course.quiz.loader import BankError, ExamShape, Schema, lint, load_bank, load_schema
from tutor.course.quiz.model import Bank, Option, Question, Topic
from tutor.course.quiz.progress import (
    Attempt,
    Progress,
    load_progress,
    record,
    save_progress,
    tally,
)
from tutor.course.quiz.review import Card, after_answer, due
from tutor.course.quiz.tryit import prepare_try_it, write_try_files

__all__ = [
    "Attempt",
    "Bank",
    "BankError",
    "Card",
    "Domc",
    "ExamPlan",
    "ExamSession",
    "ExamShape",
    "Option",
    "Progress",
    "Question",
    "QuizError",
    "Report",
    "Schema",
    "Topic",
    "after_answer",
    "default_count",
    "due",
    "lint",
    "load_bank",
    "load_progress",
    "load_schema",
    "mc_correct",
    "plan_exam",
    "prepare_try_it",
    "record",
    "save_progress",
    "short_count",
    "tally",
    "start_domc",
    "write_try_files",
]
