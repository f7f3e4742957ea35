"""`tutor quiz`: the DCA question bank in a plain terminal (no Textual), reading answers line by
line so it also works piped, in a classroom script, or over a slow ssh session.

    tutor quiz [--topic T] [--count N] [--domc] [--seed S]   practice with instant feedback
    tutor quiz --exam [--short | --count N] [--topic T] [--seed S]
                                                              timed simulation, report at the end
                                                              (default: the real exam, 55 questions
                                                              in 90 minutes)
    tutor quiz --review [--domc]                              the questions due for review today
    tutor quiz --list-topics
    tutor quiz lint [PATH ...]                                validate topic files (default: bank)
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from tutor.course.quiz.domc import mc_correct, start_domc
from tutor.course.quiz.exam import (
    ExamSession,
    Report,
    default_count,
    exam_minutes,
    plan_exam,
    short_count,
    spread,
)
from tutor.course.quiz.loader import BankError, Schema, lint, load_bank, load_schema
from tutor.course.quiz.model import Bank, Format, Question
from tutor.course.quiz.progress import (
    Attempt,
    Progress,
    load_progress,
    record,
    record_exam,
    save_progress,
)
from tutor.course.quiz.review import due

DEFAULT_PRACTICE_COUNT = 10
LETTERS = "abcdef"


class _EndOfInput(Exception):
    """The learner closed stdin (Ctrl-D); the quiz stops, keeping what was answered."""


def _parser(schema: Schema | None) -> argparse.ArgumentParser:
    """`schema`: the exam's shape, for the lengths the help names (None: a broken bank)."""
    real = short = ""
    if schema is not None:
        full, brief = default_count(schema.exam), short_count(schema.exam, schema.weights)
        real = (f" (default: the real exam's {full} questions in "
                f"{exam_minutes(schema.exam, full)} minutes)")
        short = f" ({brief} questions in {exam_minutes(schema.exam, brief)} minutes)"
    parser = argparse.ArgumentParser(
        prog="tutor quiz",
        description="Revise for the Docker Certified Associate exam (images and registries).",
        epilog="`tutor quiz lint [PATH ...]` validates question files.",
    )
    parser.add_argument("--topic", action="append", help="only this topic (repeatable)")
    parser.add_argument("--count", type=int, help="number of questions")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--exam", action="store_true",
                      help=f"timed exam simulation{real}")
    mode.add_argument("--review", action="store_true", help="questions due for review")
    mode.add_argument("--list-topics", action="store_true", help="list the topics and exit")
    parser.add_argument("--short", action="store_true",
                        help=f"with --exam: the short practice exam, the image domain's share"
                             f"{short}")
    parser.add_argument("--domc", action="store_true", help="ask one option at a time (DOMC)")
    parser.add_argument("--seed", type=int, help="random seed, for a repeatable quiz")
    return parser


class _Quiz:
    """One run of the terminal quiz: asks questions, keeps the learner's progress saved."""

    def __init__(
        self,
        *,
        state: Path,
        stdin: TextIO,
        stdout: TextIO,
        rng: random.Random,
        now: Callable[[], datetime],
    ) -> None:
        self.state = state
        self.stdin = stdin
        self.out = stdout
        self.rng = rng
        self.now = now
        problems: list[str] = []
        self.progress: Progress = load_progress(state, problems)
        for problem in problems:
            self.say(f"warning: {problem}")

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def ask_line(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            raise _EndOfInput
        return line.strip().lower()

    def save(self, question: Question, correct: bool, mode: str) -> None:
        self.progress = record(self.progress, Attempt(question.id, correct, self.now(), mode))
        save_progress(self.state, self.progress)

    def ask(self, q: Question, fmt: Format, *, feedback: bool) -> bool:
        self.say()
        self.say(f"[{q.topic}] {q.stem}")
        if fmt == "domc":
            correct, shown = self.ask_domc(q)
        else:
            correct, shown = self.ask_mc(q)
        if feedback:
            self.explain(q, correct, shown)
        return correct

    def ask_mc(self, q: Question) -> tuple[bool, list[int]]:
        order = list(range(len(q.options)))
        self.rng.shuffle(order)
        for letter, index in zip(LETTERS, order, strict=False):
            self.say(f"  {letter}) {q.options[index].text}")
        hint = f"choose {len(q.answer)}, e.g. a,c" if q.multiple else "one letter"
        while True:
            reply = self.ask_line(f"Your answer ({hint}): ")
            letters = [c for c in reply if c.isalpha()]
            if letters and all(c in LETTERS[: len(order)] for c in letters):
                chosen = frozenset(order[LETTERS.index(c)] for c in letters)
                return mc_correct(q, chosen), order
            self.say(f"Please answer with letters a to {LETTERS[len(order) - 1]}.")

    def ask_domc(self, q: Question) -> tuple[bool, list[int]]:
        state = start_domc(q, self.rng)
        while state.current is not None:
            self.say(f"  > {q.options[state.current].text}")
            reply = self.ask_line("    Is this a correct answer? [y/n]: ")
            if reply in ("y", "yes", "n", "no"):
                state = state.answer(reply.startswith("y"))
            else:
                self.say("    Please answer y or n.")
        # Feedback covers every option, shown or not, in the order they were (or would be) shown.
        return bool(state.outcome), list(state.order)

    def explain(self, q: Question, correct: bool, order: list[int]) -> None:
        self.say("Correct!" if correct else "Not quite.")
        for index in order:
            option = q.options[index]
            mark = "RIGHT" if option.correct else "wrong"
            self.say(f"  [{mark}] {option.text}")
            self.say(f"          {option.why}")
        if q.try_it:
            self.say(f"  Try it in the sandbox: {q.try_it}")
        if q.lesson:
            self.say(f"  Lesson: {q.lesson}")

    def practice(self, questions: list[Question], fmt: Format, mode: str) -> int:
        right = 0
        try:
            for q in questions:
                correct = self.ask(q, fmt, feedback=True)
                right += correct
                self.save(q, correct, mode)
        except _EndOfInput:
            self.say()
            self.say("Stopped early; your answers so far are saved.")
        self.say()
        self.say(f"Score: {right}/{len(questions)}")
        return 0

    def exam(self, session: ExamSession, clock: Callable[[], float]) -> int:
        total = len(session.plan.items)
        minutes = session.plan.seconds // 60
        self.say(f"Exam: {total} questions, {minutes} minutes. No feedback until the end.")
        try:
            for i, item in enumerate(session.plan.items):
                if session.expired(clock()):
                    break
                left = int(session.remaining(clock()))
                self.say(f"\nQuestion {i + 1}/{total}   time left {left // 60:02d}:{left % 60:02d}")
                correct = self.ask(item.question, item.format, feedback=False)
                if not session.record(i, correct, clock()):
                    self.say("Time was up before this answer; it does not count.")
                    break
                self.progress = record(
                    self.progress, Attempt(item.question.id, correct, self.now(), "exam")
                )
        except _EndOfInput:
            self.say("\nStopped early; unanswered questions count as wrong.")
        if session.timed_out:
            self.say("\nTime is up.")
        report = session.report()
        self.progress = record_exam(self.progress, report, self.now())
        save_progress(self.state, self.progress)
        self.print_report(report)
        return 0

    def print_report(self, report: Report) -> None:
        self.say(f"\nScore: {report.right}/{report.total} ({report.percent}%)")
        self.say("By topic:")
        for name, tally in sorted(report.by_topic.items()):
            self.say(f"  {tally.right}/{tally.total}  {name}")
        self.say("By objective:")
        for name, tally in sorted(report.by_objective.items()):
            self.say(f"  {tally.right}/{tally.total}  {name}")


def _run_lint(paths: list[str], stdout: TextIO, default_dir: Path) -> int:
    problems = lint([Path(p) for p in paths] or [default_dir])
    for problem in problems:
        stdout.write(problem + "\n")
    stdout.write(f"{len(problems)} problem(s) found\n" if problems else "bank OK\n")
    return 1 if problems else 0


def main(
    argv: list[str],
    *,
    state: Path,
    stdin: TextIO,
    stdout: TextIO,
    questions_dir: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = datetime.now,
) -> int:
    if questions_dir is None:
        from tutor.paths import content_dir

        questions_dir = content_dir("assets") / "questions"
    if argv[:1] == ["lint"]:
        return _run_lint(argv[1:], stdout, questions_dir)
    try:
        schema: Schema | None = load_schema(questions_dir)
    except BankError:
        schema = None  # reported once the command line is read (--help still works)
    try:
        args = _parser(schema).parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        schema = schema or load_schema(questions_dir)
        bank = load_bank(questions_dir, schema)
    except BankError as err:
        stdout.write(f"the question bank is broken:\n{err.message}\n")
        return 1
    if args.list_topics:
        for topic in bank.topics:
            stdout.write(f"{topic.id:28} {len(topic.questions):3}  {topic.title}\n")
        return 0
    unknown = [t for t in args.topic or [] if bank.topic(t) is None]
    if unknown:
        stdout.write(f"unknown topic {unknown[0]!r}; see `tutor quiz --list-topics`\n")
        return 2
    if args.count is not None and args.count < 1:
        stdout.write("--count must be at least 1\n")
        return 2
    if args.short and (not args.exam or args.count is not None):
        stdout.write("--short goes with --exam, instead of --count\n")
        return 2
    topics = frozenset(args.topic) if args.topic else None
    rng = random.Random(args.seed)
    quiz = _Quiz(state=state, stdin=stdin, stdout=stdout, rng=rng, now=now)
    fmt: Format = "domc" if args.domc else "mc"
    if args.exam:
        short = short_count(schema.exam, schema.weights)
        count = args.count or (short if args.short else default_count(schema.exam))
        plan = plan_exam(bank, schema.exam, count, rng, topics)
        return quiz.exam(ExamSession(plan, clock()), clock)
    if args.review:
        return _review(quiz, bank, fmt, now, args.count)
    pool = [q for q in bank.questions if topics is None or q.topic in topics]
    chosen = spread(pool, min(args.count or DEFAULT_PRACTICE_COUNT, len(pool)), rng)
    return quiz.practice(chosen, fmt, "practice")


def _review(
    quiz: _Quiz, bank: Bank, fmt: Format, now: Callable[[], datetime], count: int | None
) -> int:
    questions = bank.by_id()
    ids = [qid for qid in due(quiz.progress.cards, now().date()) if qid in questions]
    if not ids:
        quiz.say("Nothing is due for review today.")
        return 0
    return quiz.practice([questions[qid] for qid in ids[:count]], fmt, "review")
