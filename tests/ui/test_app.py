"""The tutorial starts and quits."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown

from tutor.ui.app import TutorApp


async def test_app_starts_and_quits(tmp_path: Path) -> None:
    app = TutorApp(state=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        welcome = app.query_one("#welcome-text", Markdown)
        assert "Image Tutor" in welcome.source
        await pilot.press("q")
    assert app.return_code == 0
