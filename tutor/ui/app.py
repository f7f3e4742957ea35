"""The tutorial application: start-up, theme and global key bindings; pages live in `screens/`."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, VerticalScroll
from textual.widgets import Footer, Header, Markdown

from tutor import __version__

WELCOME = """\
# Image Tutor

Learn how Docker images work — images and containers, layers, the build cache, registries,
multi-stage builds, tags and digests — on an embedded, simulated Docker engine: no daemon, no
network, nothing to break.

The lessons are on their way. Meanwhile the engine answers from your shell:

```
tutor docker build -t my-app:1.0 .
```

Press **q** to quit.
"""


class TutorApp(App[None]):
    """Image Tutor's Textual application."""

    TITLE = "Image Tutor"
    SUB_TITLE = f"v{__version__}"
    CSS_PATH = "app.tcss"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, state: Path) -> None:
        super().__init__()
        self.state = state

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="welcome"), Center():
            yield Markdown(WELCOME, id="welcome-text")
        yield Footer()
