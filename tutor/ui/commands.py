"""The command palette's own commands: open any lesson, reset the current one, switch views."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tutor.ui.messages import OpenLesson
from tutor.ui.session import SANDBOX_ID


class TutorCommands(Provider):
    """Lessons and lesson actions, found by fuzzy search."""

    def _commands(self) -> list[tuple[str, str, object]]:
        from tutor.ui.screens.lesson import LessonScreen

        app = self.app
        session = getattr(app, "session", None)
        found: list[tuple[str, str, object]] = []
        for n, lesson in enumerate(getattr(session, "lessons", ()), 1):
            found.append((f"Open lesson {n}: {lesson.title}", lesson.summary,
                          partial(app.post_message, OpenLesson(lesson.id))))
        found.append(("Open the sandbox", "A free terminal on its own engine",
                      partial(app.post_message, OpenLesson(SANDBOX_ID))))
        screen = self.screen
        if isinstance(screen, LessonScreen):
            found += [
                ("Reset this lesson", "Back to its setup and step 1",
                 partial(screen.run_action, "reset")),
                ("Show the terminal", "f4", partial(screen.run_action, "view('terminal')")),
                ("Show the layer stack", "f5", partial(screen.run_action, "view('layers')")),
                ("Show the build timeline", "f6", partial(screen.run_action, "view('timeline')")),
                ("Show the registry", "f7", partial(screen.run_action, "view('registry')")),
                ("Edit the Dockerfile", "f8", partial(screen.run_action, "edit")),
                ("Show a hint", "f2", partial(screen.run_action, "hint")),
                ("Show the solution", "f3", partial(screen.run_action, "solution")),
            ]
        return found

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
