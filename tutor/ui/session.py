"""What the screens share: the lessons, the learner's progress and where sandboxes live.

Handed to each screen when it is made (attributes down), so no screen reaches into the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.course.lessons import Lesson, dca_objectives, load_lessons
from tutor.course.progress import Progress, load_progress, save_progress
from tutor.course.sandbox import Sandbox
from tutor.paths import content_dir

SANDBOX_ID = "sandbox"
QUIZ_SANDBOX_ID = "quiz-sandbox"
"""Where the quiz's "try it" commands run: apart from the learner's own sandbox, whose files
a question's setup would otherwise overwrite."""


def sandbox_lesson(state: Path, lesson_id: str = SANDBOX_ID) -> Lesson:
    """A free sandbox: a lesson without steps, workspace or setup."""
    quiz = lesson_id == QUIZ_SANDBOX_ID
    return Lesson(
        lesson_id,
        state / "no-lesson",
        "Try it" if quiz else "Sandbox",
        "The quiz's commands, on an engine of their own." if quiz else
        "A free terminal on its own engine: try anything.",
        (),
        (),
        0,
        (),
        (),
    )


@dataclass
class Session:
    state: Path
    lessons: tuple[Lesson, ...]
    progress: Progress
    problems: list[str] = field(default_factory=list)
    """What went wrong loading lessons or progress, for the home screen to show."""
    pace: float = 0.08
    """Real seconds per simulated build second in the terminal (0 in tests)."""
    cursor_blink: bool = True
    last_lesson: str = ""

    @classmethod
    def open(
        cls,
        state: Path,
        lesson_roots: tuple[Path, ...] | None = None,
        *,
        pace: float = 0.08,
        cursor_blink: bool = True,
    ) -> Session:
        problems: list[str] = []
        roots = lesson_roots or (content_dir("lessons"),)
        lessons, lesson_problems = load_lessons(
            list(roots), dca=dca_objectives(content_dir("assets"))
        )
        problems += [str(p) for p in lesson_problems]
        state.mkdir(parents=True, exist_ok=True)
        progress = load_progress(state, problems)
        return cls(state, lessons, progress, problems, pace, cursor_blink)

    def lesson(self, lesson_id: str) -> Lesson | None:
        if lesson_id in (SANDBOX_ID, QUIZ_SANDBOX_ID):
            return sandbox_lesson(self.state, lesson_id)
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def sandbox(self, lesson: Lesson) -> Sandbox:
        return Sandbox(lesson, self.state)

    def update(self, progress: Progress) -> None:
        self.progress = progress
        save_progress(self.state, progress)

    def resume_lesson(self) -> Lesson | None:
        """Where "Continue" leads: the first lesson begun and not finished (a lesson done once
        and then reset counts as begun), else the first not begun, else None when everything is
        done."""
        begun = [
            lesson
            for lesson in self.lessons
            if lesson.id in self.progress.lessons
            and self.progress.of(lesson.id).step < len(lesson.steps)
        ]
        fresh = [lesson for lesson in self.lessons if lesson.id not in self.progress.lessons]
        return next(iter(begun or fresh), None)
