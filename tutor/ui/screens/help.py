"""Help and glossary: Markdown pages in a modal, closed with Escape."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

_HERE = Path(__file__).parent
HELP = (_HERE / "help.md").read_text(encoding="utf-8")
GLOSSARY = (_HERE / "glossary.md").read_text(encoding="utf-8")


class PageScreen(ModalScreen[None]):
    """A Markdown page over the current screen."""

    DEFAULT_CSS = """
    PageScreen {
        align: center middle;
        background: $background 60%;
        & VerticalScroll {
            width: 90%;
            max-width: 100;
            height: 90%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close"),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self.text = text
        self.page_title = title

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = self.page_title
            scroll.border_subtitle = "Esc closes"
            yield Markdown(self.text)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
