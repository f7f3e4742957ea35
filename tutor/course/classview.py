"""What an instructor sees of a class: each student's lesson, step, time on that step, hints
used and quiz scores by topic, read from the students' own state directories (never changed
here, except that a damaged progress file is set aside as the tutorial itself would)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tutor.course import progress as lesson_progress
from tutor.course.classroom import Student, students
from tutor.course.lessons import Lesson
from tutor.course.quiz import progress as quiz_progress


@dataclass(frozen=True, slots=True)
class TopicScore:
    topic: str
    right: int
    answered: int


@dataclass(frozen=True, slots=True)
class LessonState:
    lesson: str
    step: int
    """Steps completed (== `steps` when the lesson is done)."""
    steps: int | None
    """How many steps the lesson has (None: a lesson this tutor does not offer)."""
    step_id: str
    """The step the student is on ("" when the lesson is done or unknown)."""
    done: bool
    step_began: datetime | None
    hints: int
    solutions: int


@dataclass(frozen=True, slots=True)
class StudentStatus:
    name: str
    slug: str
    current: LessonState | None
    """The lesson the student works on (None: none begun yet)."""
    lessons: tuple[LessonState, ...]
    quiz: tuple[TopicScore, ...]
    """Topics with at least one answer, in topic order."""
    problems: tuple[str, ...]
    """Files of the student's that could not be read (set aside)."""

    def seconds_on_step(self, now: datetime) -> int | None:
        """How long the student has been on the current step (None: done, or not known)."""
        lesson = self.current
        if lesson is None or lesson.done or lesson.step_began is None:
            return None
        return max(0, int((now - lesson.step_began).total_seconds()))


def _lesson_state(lesson_id: str, lp: lesson_progress.LessonProgress,
                  lessons: Mapping[str, Lesson]) -> LessonState:
    lesson = lessons.get(lesson_id)
    steps = len(lesson.steps) if lesson else None
    on_step = lesson.steps[lp.step].id if lesson and lp.step < len(lesson.steps) else ""
    return LessonState(lesson_id, lp.step, steps, on_step, lp.done, lp.step_began,
                       len(lp.hints), len(lp.solutions))


def student_status(student: Student, lessons: Mapping[str, Lesson],
                   topics: Mapping[str, frozenset[str]]) -> StudentStatus:
    """`topics`: each quiz topic's question ids."""
    problems: list[str] = []
    progress = lesson_progress.load_progress(student.home, problems)
    quiz = quiz_progress.load_progress(student.home, problems)
    states = tuple(_lesson_state(i, lp, lessons) for i, lp in sorted(progress.lessons.items()))
    current_id = progress.current()
    current = next((s for s in states if s.lesson == current_id), None)
    scores = []
    for topic, ids in topics.items():
        right, answered = quiz_progress.tally(quiz, set(ids))
        if answered:
            scores.append(TopicScore(topic, right, answered))
    return StudentStatus(student.name, student.slug, current, states, tuple(scores),
                         tuple(problems))


def class_status(root: Path, class_name: str,
                 lessons: Mapping[str, Lesson]) -> tuple[StudentStatus, ...]:
    """Every student of the class under the state root `root`, as the class view shows them
    (`lessons`: the lessons offered, by id)."""
    from tutor.paths import content_dir

    topics = quiz_topics(content_dir("assets") / "questions")
    return tuple(student_status(s, lessons, topics) for s in students(root, class_name))


def quiz_topics(questions: Path) -> dict[str, frozenset[str]]:
    """Each topic of the question bank in `questions` and its question ids (none when the
    bank cannot be read: the class view then shows no quiz scores)."""
    from tutor.course.quiz.loader import BankError, load_bank

    try:
        bank = load_bank(questions)
    except (BankError, OSError):
        return {}
    return {topic.id: frozenset(q.id for q in topic.questions) for topic in bank.topics}


def record(status: StudentStatus, class_name: str, now: datetime) -> dict[str, object]:
    """One student as a flat record (CSV columns; JSON adds `lessons` and `quiz` in full)."""
    lesson = status.current
    return {
        "class": class_name,
        "student": status.name,
        "slug": status.slug,
        "lesson": lesson.lesson if lesson else "",
        "step": min(lesson.step + 1, lesson.steps or lesson.step + 1) if lesson else "",
        "steps": lesson.steps if lesson and lesson.steps is not None else "",
        "step_id": lesson.step_id if lesson else "",
        "lesson_done": lesson.done if lesson else "",
        "step_began": lesson.step_began.isoformat() if lesson and lesson.step_began else "",
        "seconds_on_step": _or_blank(status.seconds_on_step(now)),
        "hints": lesson.hints if lesson else 0,
        "solutions": lesson.solutions if lesson else 0,
        "lessons_done": sum(1 for s in status.lessons if s.done),
    }


def _or_blank(value: int | None) -> int | str:
    return "" if value is None else value


def json_record(status: StudentStatus, class_name: str, now: datetime) -> dict[str, object]:
    return {
        **record(status, class_name, now),
        "lessons": {
            s.lesson: {"step": s.step, "steps": s.steps, "done": s.done, "hints": s.hints,
                       "solutions": s.solutions,
                       "step_began": s.step_began.isoformat() if s.step_began else None}
            for s in status.lessons
        },
        "quiz": {q.topic: {"right": q.right, "answered": q.answered} for q in status.quiz},
        "problems": list(status.problems),
    }


def csv_rows(statuses: Sequence[StudentStatus], class_name: str,
             now: datetime) -> tuple[list[str], list[dict[str, object]]]:
    """The header and one row per student; each quiz topic answered by anyone in the class
    gets two columns, `quiz:<topic>:right` and `quiz:<topic>:answered`."""
    topics = sorted({q.topic for s in statuses for q in s.quiz})
    rows = []
    for status in statuses:
        row = record(status, class_name, now)
        scores = {q.topic: q for q in status.quiz}
        for topic in topics:
            score = scores.get(topic)
            row[f"quiz:{topic}:right"] = score.right if score else 0
            row[f"quiz:{topic}:answered"] = score.answered if score else 0
        rows.append({k: str(v).lower() if isinstance(v, bool) else v for k, v in row.items()})
    header = list(record(StudentStatus("", "", None, (), (), ()), class_name, now))
    header += [f"quiz:{t}:{k}" for t in topics for k in ("right", "answered")]
    return header, rows
