"""The editor: one workspace file in a TextArea; saving writes it, so the next build sees it.

The title says whether the text on screen is what the file holds: "Saved" only right after a
save, "(unsaved changes)" as soon as the text differs from the file, and Esc asks before it
throws changes away.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, TextArea

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
        """The file was written at least once (the caller then re-checks the step)."""
        self.saved_text = ""
        """What the file holds, as far as this editor knows: the text is unsaved when it differs."""
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        try:
            text = self.path.read_text(encoding="utf-8")
            status = ""
            self.saved_text = text
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

    @property
    def unsaved(self) -> bool:
        return self.text != self.saved_text

    @on(TextArea.Changed, "#editor-text")
    def _changed(self) -> None:
        title = self.query_one("#editor-title", Label)
        if self.unsaved:
            title.update(f"Editing {self.shown} (unsaved changes)")
        elif self.saved:
            title.update(f"Saved {self.shown}")

    def action_save(self) -> None:
        try:
            self.path.write_text(self.text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save {self.shown}: {exc.strerror}", severity="error")
            return
        self.saved = True
        self.saved_text = self.text
        self.query_one("#editor-title", Label).update(f"Saved {self.shown}")
        self.notify(f"Saved {self.shown}: the next build sees the change.", timeout=3)

    def action_close(self) -> None:
        if not self.unsaved:
            self.dismiss(self.saved)
            return
        from tutor.ui.screens.dialogs import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved)

        self.app.push_screen(
            ConfirmScreen(f"Discard your unsaved changes to {self.shown}? "
                          "Ctrl+S in the editor saves them."),
            answered,
        )
