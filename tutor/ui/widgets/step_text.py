"""A step's Markdown, with code blocks that never clip and commands the learner can send.

Textual's code fences scroll sideways with their scrollbar hidden, so the end of a long command
(`docker build -t my-app:1.0 .` losing its ` .`) disappears without a trace. Here every code
line folds at the block's width, before a space where it can, and each continuation row starts
with `↪`, so what is shown is always the whole line and can be typed as shown.

A block whose every line starts with a command the terminal knows is a *command block*: it takes
focus, the selected line is marked `▶`, and Enter or a click puts that line on the terminal's
prompt (as `TypeCommand`); the learner still presses Enter to run it.

| Key | Does (on a command block) |
| --- | --- |
| enter | put the selected line on the terminal's prompt |
| up / down | select the previous / next line |
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownFence

from tutor.course.hostshell import COMMAND_NAMES
from tutor.ui.messages import TypeCommand

CONTINUATION = "↪"
SELECTED = "▶"
GUTTER = 2
"""Columns before a line's first row: the selection marker and a space."""


def fold(line: str, width: int) -> list[str]:
    """`line` cut into rows: the first at most `width` characters, the others `width + 1`
    (they start with the space they were cut before, shown after the one-column `↪`)."""
    width = max(width, 1)
    rows: list[str] = []
    rest, limit = line, width
    while len(rest) > limit:
        cut = rest.rfind(" ", 1, limit + 1)
        if cut <= 0:
            cut = limit
        rows.append(rest[:cut])
        rest, limit = rest[cut:], width + 1
    rows.append(rest)
    return rows


def unfold(rows: list[str]) -> list[str]:
    """The lines a block's rendered rows show (the inverse of the rendering, for tests and for
    reading the screen): gutters dropped, continuation rows joined to their line."""
    lines: list[str] = []
    for row in rows:
        if row.startswith(CONTINUATION) and lines:
            lines[-1] += row[len(CONTINUATION):].rstrip()
        else:
            lines.append(row[GUTTER:].rstrip())
    return lines


def is_command(line: str) -> bool:
    words = line.split()
    return bool(words) and words[0] in COMMAND_NAMES


class CodeBlock(MarkdownFence):
    """A code block that folds its lines; a command block also sends them to the terminal."""

    DEFAULT_CSS = """
    CodeBlock {
        margin: 1 0;
        padding: 0 1 0 0;
        overflow: hidden hidden;
        &.-command:focus {
            background-tint: $primary 25%;
        }
    }
    """
    BINDINGS = [
        Binding("enter", "send", "Type it", tooltip="Put this command on the terminal's prompt"),
        Binding("up", "select(-1)", "Up", show=False),
        Binding("down", "select(1)", "Down", show=False),
    ]

    def __init__(self, markdown: Markdown, token: object, code: str) -> None:
        super().__init__(markdown, token, code)  # type: ignore[arg-type]
        self.lines = code.splitlines() or [""]
        self.commands = all(is_command(line) for line in self.lines if line.strip())
        self.can_focus = self.commands and any(line.strip() for line in self.lines)
        self.selected = next((n for n, line in enumerate(self.lines) if line.strip()), 0)
        if self.commands:
            self.add_class("-command")

    def compose(self):  # type: ignore[no-untyped-def]
        return iter(())

    def _copy_context(self, block: MarkdownBlock) -> None:
        # Markdown.update reuses blocks: take the new block's lines along with its code.
        super()._copy_context(block)
        if isinstance(block, CodeBlock):
            self.lines, self.commands, self.selected = block.lines, block.commands, block.selected
            self.can_focus = block.can_focus
            self.set_class(block.commands, "-command")
        self.refresh(layout=True)

    def rows(self, width: int) -> list[tuple[int, str]]:
        """`(line index, row text)` for each row at a content width of `width`."""
        found: list[tuple[int, str]] = []
        for index, line in enumerate(self.lines):
            for n, row in enumerate(fold(line, width - GUTTER)):
                found.append((index, row if n == 0 else CONTINUATION + row))
        return found

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.rows(width))

    def render(self) -> Content:
        marked = self.has_focus and self.commands
        parts: list[Content] = []
        for index, row in self.rows(self.content_region.width):
            if row.startswith(CONTINUATION):
                parts.append(Content.styled(CONTINUATION, "dim") + Content(row[1:]))
            elif marked and index == self.selected:
                parts.append(Content.styled(f"{SELECTED} " + row, "bold"))
            else:
                parts.append(Content(" " * GUTTER + row))
        return Content("\n").join(parts)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_select(self, delta: int) -> None:
        typeable = [n for n, line in enumerate(self.lines) if line.strip()]
        if not typeable:
            return
        at = typeable.index(self.selected) if self.selected in typeable else 0
        self.selected = typeable[max(0, min(len(typeable) - 1, at + delta))]
        self.refresh()

    def action_send(self) -> None:
        if not self.commands:
            return
        self.post_message(TypeCommand(self.lines[self.selected]))
        self.action_select(1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        rows = self.rows(self.content_region.width)
        if not self.commands or offset is None or not 0 <= offset.y < len(rows):
            return
        self.selected = rows[offset.y][0]
        self.focus()
        self.action_send()


class StepText(Markdown):
    """A step's Markdown, its code blocks as `CodeBlock`s."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeBlock, "code_block": CodeBlock}

    @property
    def code_blocks(self) -> list[CodeBlock]:
        return list(self.query(CodeBlock))
