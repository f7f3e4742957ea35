"""The editor (F8) says whether what it shows is saved, and Esc asks before throwing changes
away."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Label

from tests.ui.helpers import open_lesson, settle
from tutor.ui.app import TutorApp
from tutor.ui.screens.dialogs import ConfirmScreen
from tutor.ui.screens.editor import EditorScreen
from tutor.ui.screens.lesson import LessonScreen

CACHE = "03-build-cache"


def title(app: TutorApp) -> str:
    return str(app.screen.query_one("#editor-title", Label).render())


async def test_unsaved_changes_are_marked_and_kept_until_confirmed(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        dockerfile = screen.sandbox.workspace / "Dockerfile"
        original = dockerfile.read_text()
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert title(app) == "Editing Dockerfile"
        await pilot.press(*"# one", "enter")
        assert title(app) == "Editing Dockerfile (unsaved changes)"
        assert "Saved" not in title(app)
        # Esc asks; Cancel keeps the editor and the edit
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and "# one" in app.screen.text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert title(app) == "Saved Dockerfile"
        assert dockerfile.read_text() == "# one\n" + original
        await pilot.press(*"more")
        assert title(app) == "Editing Dockerfile (unsaved changes)"
        # Esc, then yes: the unsaved part is gone, the saved part stays
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        assert dockerfile.read_text() == "# one\n" + original


async def test_esc_without_changes_closes_at_once(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lesson(pilot, CACHE)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
