"""The terminal pane: a prompt and its scrollback, running lines on the lesson's host shell.

Lines run in a worker thread, one at a time (lines typed meanwhile wait their turn), so a build
never freezes the screen; docker's progress arrives as messages while it runs.

| Key | Does |
| --- | --- |
| enter | run the line |
| up / down | walk the command history |
| tab | complete a command, flag, path, image or container name |
| ctrl+l | clear the pane |
| ctrl+c | interrupt the running command (copies instead while text is selected) |
| ctrl+d | end the input of a command that reads it (leaves a shell inside a container) |

While a command waits for input (a `[y/N]` question, a shell in a container), its unfinished
last line stands where the prompt was and what is typed goes to the command.
Output is wrapped to the pane's width, which commands also see as their terminal's width; the
scrollback is kept as written, so a resize wraps it again.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, RichLog
from textual.worker import get_current_worker

from tutor.course.hostshell import HOME, Clear, Edit, Names, Pane, ShellResult
from tutor.course.misconceptions import shell_hint
from tutor.course.undo import UndoStack
from tutor.ui.shell import Keyboard, streaming_shell

SCROLLBACK_LINES = 5000
PLACEHOLDER = "type a command, e.g. docker images"

_ERROR_PREFIXES = ("ERROR", "Error", "bash:", "docker:", "tutor:", "curl:", "invalid", "unknown")


def common_prefix(words: list[str]) -> str:
    return os.path.commonprefix(words) if words else ""


def fold(text: Text, width: int) -> Text:
    """`text` with its lines cut every `width` cells, as a terminal wraps them (not at spaces,
    as Rich would: a table's columns and a digest's digits stay where a terminal puts them)."""
    lines: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        offsets: list[int] = []
        cells = 0
        for index, char in enumerate(line.plain):
            size = cell_len(char)
            if cells + size > width:
                offsets.append(index)
                cells = 0
            cells += size
        lines.extend(line.divide(offsets))
    return Text("\n").join(lines)


def styled(text: str, *, stderr: bool, color: bool = True) -> Text:
    """Output as docker's colours would show it: ANSI kept, error lines red, hints dim.
    Without `color` (NO_COLOR), only bold and dim are used and ANSI colours are dropped."""
    # Only the last line's own newline goes: a blank line at the end of a batch of streamed
    # progress is output too, and must show whatever the batch boundaries were.
    # A container's terminal ends lines with \r\n; the pane's own lines end at \n.
    text = text.replace("\r\n", "\n").removesuffix("\n")
    if "\x1b[" in text:
        ansi = Text.from_ansi(text)
        return ansi if color else Text(ansi.plain)
    result = Text()
    for n, line in enumerate(text.split("\n")):
        if n:
            result.append("\n")
        if line.startswith(_ERROR_PREFIXES) or (stderr and " ERROR: " in line):
            result.append(line, style="bold red" if color else "bold")
        elif line.startswith(("Did you mean", "See '", "Run '")):
            result.append(line, style="yellow" if color else "")
        elif stderr and line.startswith("#") and " CACHED" in line:
            result.append(line, style="cyan" if color else "bold")
        elif stderr and line.startswith("#"):
            result.append(line, style="dim" if " DONE " not in line else "")
        else:
            result.append(line)
    return result


class Prompt(Input):
    """The command line; Tab completes instead of moving focus."""


    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False, priority=True),
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    @dataclass
    class CompletionAsked(Message):
        prompt: Prompt

    @dataclass
    class HistoryAsked(Message):
        prompt: Prompt
        delta: int

    def action_complete(self) -> None:
        self.post_message(self.CompletionAsked(self))

    async def _on_key(self, event: events.Key) -> None:
        # Enter is taken in the order it was typed, like the characters around it: as a binding
        # it would act only once the key had bubbled up the DOM (after the next line's first
        # characters), and as a priority binding before the characters still queued here.
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            await self.action_submit()
            return
        await super()._on_key(event)

    async def action_submit(self) -> None:
        # The line is taken off the prompt here, not when the Terminal hears of it: what is
        # typed in between is the next line and must stay.
        line, self.value = self.value, ""
        self.post_message(self.Submitted(self, line))

    def action_history(self, delta: int) -> None:
        self.post_message(self.HistoryAsked(self, delta))


class Terminal(Vertical):
    """A shell prompt with scrollback; announces every finished line with `Terminal.Finished`."""

    BINDINGS = [
        Binding("ctrl+l", "clear", "Clear", show=False),
        Binding("ctrl+c", "interrupt", "Interrupt", show=False, priority=True),
        Binding("ctrl+d", "end_input", "End input", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    Terminal #scrollback {
        scrollbar-gutter: stable;
    }
    """

    @dataclass
    class Finished(Message):
        """A line ran to its end (the engine may have changed)."""

        terminal: Terminal
        line: str
        result: ShellResult
        hint: str = ""
        """A misconception hint's line (`tutor: …`), shown after the output."""

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class EditRequested(Message):
        terminal: Terminal
        path: Path
        shown: str

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class Progress(Message):
        """Lines of a build's progress, as docker writes them (posted from the worker thread)."""

        terminal: Terminal
        text: str

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class InputWanted(Message):
        """The running command waits for a line; `text` is what it wrote before (posted from
        the worker thread)."""

        terminal: Terminal
        text: str

        @property
        def control(self) -> Terminal:
            return self.terminal

    @dataclass
    class BuildStarted(Message):
        terminal: Terminal

        @property
        def control(self) -> Terminal:
            return self.terminal

    def __init__(
        self,
        workspace: Path,
        state: Path,
        *,
        pace: float = 0.0,
        engine_lock: threading.Lock | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        """`engine_lock` is held while a line runs, so whoever else reads the engine state (the
        lesson's views) never sees it halfway through a command."""
        super().__init__(id=id)
        self.engine_lock = engine_lock or threading.Lock()
        self.keyboard = Keyboard(abandoned=lambda: get_current_worker().is_cancelled)
        pane = Pane(self.keyboard.read_line, self._input_wanted, lambda: self.columns)
        self.shell = streaming_shell(
            workspace, state, on_progress=self._progress, pace=pace, names=self._names,
            pane=pane, keyboard=self.keyboard,
        )
        self.undo = UndoStack(state)  # feedback (issue 13)
        self.queue: deque[str] = deque()
        self.busy = False
        self.waiting: str | None = None
        """While the running command waits for a line: its unfinished last line (the question)."""
        self.columns = 80
        """The scrollback's width in cells: where lines wrap, and what commands format for."""
        self._written: deque[Text] = deque(maxlen=SCROLLBACK_LINES)
        self._history_at: int | None = None
        self._building = False

    def compose(self) -> ComposeResult:
        yield RichLog(id="scrollback", wrap=True, markup=False, max_lines=SCROLLBACK_LINES,
                      auto_scroll=True, min_width=1)
        with Horizontal(id="prompt-row"):
            yield Label(self.prompt_text, id="prompt-label")
            yield Prompt(placeholder=PLACEHOLDER, id="prompt", select_on_focus=False)

    @property
    def prompt_text(self) -> str:
        where = self.shell.cwd.replace(HOME, "~", 1)
        return f"learner:{where}$ "

    @property
    def log_widget(self) -> RichLog:
        return self.query_one("#scrollback", RichLog)

    @property
    def input(self) -> Prompt:
        return self.query_one("#prompt", Prompt)

    def focus_prompt(self) -> None:
        self.input.focus()

    def put_on_prompt(self, text: str, *, replace: bool = True) -> None:
        """Leave `text` on the prompt (replacing what is there, or inserted at the cursor with
        `replace=False`), focused at once (keys typed next go there) and not run: the learner
        presses Enter."""
        prompt = self.input
        if replace:
            prompt.value = ""
        prompt.insert_text_at_cursor(text)
        self.screen.set_focus(prompt)

    def write(self, text: str | Text) -> None:
        shown = Text(text) if isinstance(text, str) else text
        self._written.append(shown)
        log = self.log_widget
        width = log.scrollable_content_region.width
        if width <= 0:  # not laid out yet: the first resize folds it
            log.write(shown)
        elif width != self.columns:
            self._reflow()
        else:
            log.write(fold(shown, width), width=width)

    @property
    def plain(self) -> str:
        """The scrollback's text as written, its lines whole (the pane shows them folded)."""
        return "\n".join(text.plain for text in self._written)

    def on_resize(self) -> None:
        self.call_after_refresh(self._reflow)

    def _reflow(self) -> None:
        """Wrap the scrollback again at the pane's new width."""
        log = self.log_widget
        columns = log.scrollable_content_region.width
        if columns <= 0 or columns == self.columns:
            return
        self.columns = columns
        log.clear()
        for text in self._written:
            log.write(fold(text, columns), width=columns)

    def on_unmount(self) -> None:
        self.keyboard.abandon()  # a command waiting for input must not outlive the pane

    def say(self, line: str) -> None:
        """A line of the tutorial's own (`tutor: …`): never in docker's red or plain text."""
        self.write(Text(line, style="italic" if self.app.no_color else "italic magenta"))

    def run_line(self, line: str) -> None:
        """Run `line` as if typed (queued behind a running one)."""
        self.write(Text.assemble((self.prompt_text, "bold" if self.app.no_color else "bold green"),
                                 line))
        if line.strip():
            self._history_at = None
        if self.busy:
            self.queue.append(line)
            return
        self._start(line)

    def _start(self, line: str) -> None:
        self.busy = True
        self._building = False
        self.keyboard.reset()
        self.add_class("-busy")
        self._run(line)

    @work(thread=True, group="shell", exit_on_error=False)
    def _run(self, line: str) -> None:
        hint = None
        try:
            with self.engine_lock:
                # feedback (issue 13): undo keeps the state before a docker line, and a hint
                pending = self.undo.before(line) if "docker" in line else None
                result = self.shell.run(line)
                self.undo.after(pending)
                hint = shell_hint(self.shell) if line.strip() else None
        except Exception as exc:  # noqa: BLE001  (the prompt must come back whatever happened)
            result = ShellResult(f"tutor: that line failed: {type(exc).__name__}: {exc}\n", 1)
        self.post_message(self.Finished(self, line, result, hint.line if hint else ""))

    def _progress(self, text: str) -> None:
        # Called from the worker thread: messages are the thread-safe way back.
        if not self._building:
            self._building = True
            self.post_message(self.BuildStarted(self))
        self.post_message(self.Progress(self, text))

    def _input_wanted(self, text: str) -> None:
        self.post_message(self.InputWanted(self, text))

    def _names(self) -> Names:
        from tutor.ui.engine_adapter import names

        return Names(*names(self.shell.state))

    @on(Progress)
    def _show_progress(self, event: Progress) -> None:
        self.write(styled(event.text, stderr=True, color=not self.app.no_color))

    @on(InputWanted)
    def _wait_for_input(self, event: InputWanted) -> None:
        done, _, question = event.text.replace("\r\n", "\n").rpartition("\n")
        if done:
            self.write(styled(done, stderr=False, color=not self.app.no_color))
        self.waiting = question
        self.input.placeholder = ""
        self.query_one("#prompt-label", Label).update(question)
        self.add_class("-reading")

    def _answered(self, typed: str) -> None:
        """The question and what was typed after it, as the terminal shows them."""
        assert self.waiting is not None
        self.write(Text(self.waiting + typed))
        self.waiting = None
        self.input.placeholder = PLACEHOLDER
        self.query_one("#prompt-label", Label).update("")
        self.remove_class("-reading")

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        if self.waiting is not None:
            self._answered("")
        result = event.result
        if result.output:
            self.write(styled(result.output, stderr=result.status != 0,
                              color=not self.app.no_color))
        if event.hint:  # feedback (issue 13)
            self.say(event.hint)
        if isinstance(result.action, Clear):
            self.action_clear()
        elif isinstance(result.action, Edit):
            self.post_message(self.EditRequested(self, result.action.path, result.action.shown))
        self.query_one("#prompt-label", Label).update(self.prompt_text)
        self.busy = False
        self.remove_class("-busy")
        if self.queue:
            self._start(self.queue.popleft())

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.waiting is not None:
            self._answered(event.value)
            self.keyboard.type_line(event.value)
            return
        self.run_line(event.value)

    def action_interrupt(self) -> None:
        """Ctrl+C: copy what is selected, else interrupt the running command, else abandon the
        line being typed (bash prints `^C` and a new prompt)."""
        selected = self.screen.get_selected_text()
        if selected:
            self.app.copy_to_clipboard(selected)
            self.screen.clear_selection()
            return
        if not self.input.selection.is_empty:
            self.input.action_copy()
            return
        typed = self.input.value
        self.input.value = ""
        if self.waiting is not None:
            self._answered(typed + "^C")
        elif not self.busy:
            self.write(Text.assemble((self.prompt_text, "bold" if self.app.no_color
                                      else "bold green"), typed + "^C"))
            return
        else:
            self.write(Text("^C"))
        self.keyboard.interrupt()

    def action_end_input(self) -> None:
        """Ctrl+D: end of input for a command reading it; otherwise it deletes to the right,
        as in bash."""
        if self.waiting is None:
            self.input.action_delete_right()
            return
        self._answered(self.input.value)
        self.input.value = ""
        self.keyboard.end_input()

    @on(Prompt.HistoryAsked)
    def _walk_history(self, event: Prompt.HistoryAsked) -> None:
        lines = [r.line for r in self.shell.history] + list(self.queue)
        if not lines:
            return
        at = len(lines) if self._history_at is None else self._history_at
        at = max(0, min(len(lines), at + event.delta))
        self._history_at = at
        self.input.value = lines[at] if at < len(lines) else ""
        self.input.cursor_position = len(self.input.value)

    @on(Prompt.CompletionAsked)
    def _complete(self, event: Prompt.CompletionAsked) -> None:
        prompt = self.input
        line, cursor = prompt.value, prompt.cursor_position
        try:
            words = self.shell.complete(line, cursor)
        except Exception:  # noqa: BLE001  (a completion bug must not end the session)
            return
        start = cursor - len(line[:cursor].split(" ")[-1])
        current = line[start:cursor]
        if len(words) == 1:
            word = words[0] + ("" if words[0].endswith("/") else " ")
        else:
            word = common_prefix(words)
            if len(word) <= len(current):
                if words:
                    self.write(Text("  ".join(words), style="dim"))
                return
        prompt.value = line[:start] + word + line[cursor:]
        prompt.cursor_position = start + len(word)

    def action_clear(self) -> None:
        self.log_widget.clear()
        self._written.clear()
