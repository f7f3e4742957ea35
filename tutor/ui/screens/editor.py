"""The editor: one workspace file in a TextArea; saving writes it, so the next build sees it."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

from tutor.ui.widgets.dockerfile_area import DockerfileArea


def is_dockerfile(path: Path) -> bool:
    name = path.name.lower()
    return name == "dockerfile" or name.endswith(".dockerfile") or name.startswith("dockerfile.")


class EditorScreen(ModalScreen[bool]):
    """Edits `path`; dismisses with True when the file was saved."""

    CSS_PATH = "editor.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "close", "Close", id="close", priority=True),
    ]

    def __init__(self, path: Path, shown: str, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.path = path
        self.shown = shown
        self.saved = False
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        try:
            text = self.path.read_text(encoding="utf-8")
            status = ""
        except FileNotFoundError:
            text, status = "", " (new file)"
        except (OSError, UnicodeDecodeError) as exc:
            text, status = "", f" (cannot be read: {exc})"
        yield Label(f"Editing {self.shown}{status}", id="editor-title")
        yield DockerfileArea(text, dockerfile=is_dockerfile(self.path), id="editor-text")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(DockerfileArea)
        area.cursor_blink = self.cursor_blink
        area.focus()

    @property
    def text(self) -> str:
        return self.query_one(DockerfileArea).text

    def action_save(self) -> None:
        try:
            self.path.write_text(self.text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save {self.shown}: {exc.strerror}", severity="error")
            return
        self.saved = True
        self.query_one("#editor-title", Label).update(f"Saved {self.shown}")
        self.notify(f"Saved {self.shown}: the next build sees the change.", timeout=3)

    def action_close(self) -> None:
        self.dismiss(self.saved)
