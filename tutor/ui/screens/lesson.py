"""A lesson: the step's text with its controls on the left, and on the right the terminal on the
lesson's sandbox with the engine views (layer stack, build timeline, registry) as tabs.

Side by side needs about 120 columns (the terminal keeps 80 of them, as docker formats its
tables for a terminal that wide); below that one pane shows at a time, full width, and F9
switches between them. F9 maximizes the terminal when the two are side by side.

A step is checked after every command line the learner runs; when its checks pass, progress is
saved and Next opens. The sandbox (engine state and workspace) is the lesson's own, so resuming
after a restart finds everything as it was left.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    Markdown,
    TabbedContent,
    TabPane,
    TextArea,
)

from tutor.course.checks import CheckContext, CommandRecord, Outcome, evaluate_all
from tutor.course.engineview import open_view
from tutor.course.goaldiff import GoalDiff, step_goal_diff
from tutor.course.hostshell import HOME
from tutor.course.lessons import Lesson, Step
from tutor.course.quiz import Question
from tutor.course.sandbox import SetupResult
from tutor.ui import build_log
from tutor.ui.build_log import Timeline
from tutor.ui.engine_adapter import Inspection, familiar, inspect
from tutor.ui.messages import OpenLesson, TypeCommand
from tutor.ui.session import Session
from tutor.ui.widgets.step_text import StepText
from tutor.ui.widgets.terminal import Terminal
from tutor.ui.widgets.views import BuildTimelineView, LayerStackView, RegistryView

SANDBOX_TEXT = """\
# Sandbox

A terminal on an engine of its own, with nothing set up: pull, build, tag, inspect as you like.
Nothing here affects the lessons.

Try `docker pull alpine:3.21`, then `docker images`. Type `help` for the host commands.
"""

VIEWS = ("terminal", "layers", "timeline", "registry")
SIDE_BY_SIDE_WIDTH = 120
"""The narrowest screen that holds the step pane beside a terminal of 80 columns."""


class LessonScreen(Screen[None]):
    """One lesson (or the sandbox)."""

    CSS_PATH = "lesson.tcss"
    BINDINGS = [
        # One key, three meanings; check_action shows the one that applies in the Footer.
        Binding("f9", "terminal_pane", "Terminal", id="terminal-pane",
                tooltip="Show the terminal instead of the lesson"),
        Binding("f9", "maximize_terminal", "Maximize", id="maximize-terminal",
                tooltip="Give the terminal the whole screen"),
        Binding("f9", "lesson_pane", "Lesson", id="lesson-pane", tooltip="Show the lesson again"),
        Binding("ctrl+n", "next_step", "Next", id="next-step", tooltip="Go to the next step"),
        Binding("ctrl+n", "refuse_next", "Next", show=False),
        Binding("ctrl+b", "previous_step", "Back", id="previous-step"),
        Binding("f2", "hint", "Hint", id="hint", tooltip="Show a hint for this step"),
        Binding("f3", "solution", "Solution", id="solution"),
        Binding("f4", "view('terminal')", "Terminal", show=False),
        Binding("f5", "view('layers')", "Layers", show=False),
        Binding("f6", "view('timeline')", "Build", show=False),
        Binding("f7", "view('registry')", "Registry", show=False),
        Binding("f8", "edit", "Edit", id="edit", tooltip="Edit the Dockerfile"),
        Binding("ctrl+z", "undo", "Undo", show=False, tooltip="Undo the last docker command"),
        Binding("escape", "home", "Lessons", id="home"),
    ]

    @dataclass
    class Prepared(Message):
        result: SetupResult

    @dataclass
    class Inspected(Message):
        """The engine as the views show it, read in a worker after a command."""

        inspection: Inspection
        build: Timeline | None
        """The finished build the inspection added miss reasons to."""
        checked: int | None
        """The frontier step that was checked (None when no check ran)."""
        outcome: Outcome | None

    def __init__(self, session: Session, lesson: Lesson, try_it: Question | None = None) -> None:
        super().__init__()
        self.session = session
        self.lesson = lesson
        self.try_it = try_it
        """A quiz question to prepare the sandbox for; its command is left at the prompt."""
        self.prefill = ""
        self.sandbox = session.sandbox(lesson)
        progress = session.progress.of(lesson.id)
        self.index = min(progress.step, max(len(lesson.steps) - 1, 0))
        self.step_start = 0
        """Index in the shell's history where the current frontier step began."""
        self.timeline: Timeline | None = None
        self.ready = False
        self.engine_lock = threading.Lock()
        """Held while a command or an inspection uses the sandbox's engine state."""
        self.shown_help = ""
        self.lesson_focus: Widget | None = None
        """What had the focus in the step pane when the narrow layout last left it."""

    narrow = var(False)
    """Too narrow for side by side: one pane at a time."""
    terminal_only = var(False)
    """The views (terminal) fill the body: the other pane when narrow, maximized when wide."""

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="lesson-body"):
            with Vertical(id="step-pane"):
                yield Label("", id="step-title")
                with VerticalScroll(id="step-scroll"):
                    yield StepText("", id="step-text")
                    yield StepText("", id="step-help")
                yield Label("", id="step-status")
                with Horizontal(id="step-buttons"):
                    yield Button("◀ Back", id="back", compact=True)
                    yield Button("Hint", id="hint", compact=True)
                    yield Button("Solution", id="solution", compact=True)
                    yield Button("Next ▶", id="next", compact=True, variant="primary")
            with TabbedContent(id="views", initial="terminal"):
                with TabPane("Terminal", id="terminal"):
                    yield Terminal(self.sandbox.workspace, self.sandbox.state,
                                   pace=self.session.pace, engine_lock=self.engine_lock, id="term")
                with TabPane("Layers", id="layers"):
                    yield LayerStackView(id="layer-stack")
                with TabPane("Build", id="timeline"):
                    yield BuildTimelineView(id="build-timeline")
                with TabPane("Registry", id="registry"):
                    yield RegistryView(id="registry-view")
        yield Footer(compact=True)

    @property
    def terminal(self) -> Terminal:
        return self.query_one("#term", Terminal)

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.lesson.steps

    @property
    def frontier(self) -> int:
        """The first step not yet completed (== number of steps when the lesson is done)."""
        return self.session.progress.of(self.lesson.id).step

    def on_resize(self, event: events.Resize) -> None:
        self.narrow = event.size.width < SIDE_BY_SIDE_WIDTH

    def watch_narrow(self, narrow: bool) -> None:
        self.set_class(narrow, "-narrow")
        self._focus_shown_pane()

    def watch_terminal_only(self, terminal_only: bool) -> None:
        self.set_class(terminal_only, "-terminal-only")
        self._focus_shown_pane()
        self.call_after_refresh(self._announce_log_size)

    def _announce_log_size(self) -> None:
        # A RichLog holds back what is written until a Resize tells it its width; when it is
        # first shown after being hidden from the start, Textual can lay it out without one, and
        # the terminal would stay blank. Tell it its size (it ignores this once it knows).
        log = self.terminal.log_widget
        if log.size.width:
            log.post_message(events.Resize(log.size, log.virtual_size, log.container_size))

    def _focus_shown_pane(self, new_text: bool = False) -> None:
        """Keys must never go to a pane that is hidden: focus moves to the one shown (in the
        lesson pane, to its first command when a step's text was just shown).

        Focus moves at once (`set_focus`, not `focus()`, which waits for the next round of
        messages): keys typed right after F9 or Enter on a command, faster than the screen
        redraws, must reach the pane they were typed for."""
        self.refresh_bindings()
        focused = self.focused
        step_pane = self.query_one("#step-pane")
        if focused is not None and step_pane in focused.ancestors:
            self.lesson_focus = focused
        if self.narrow and not self.terminal_only:
            outside = focused is None or step_pane not in focused.ancestors
            back = self.lesson_focus
            if outside and not new_text and back is not None and back.is_attached:
                self.set_focus(back)  # where the learner was, e.g. on the next line to send
            elif outside or (new_text and not isinstance(focused, Button)):
                blocks = [b for b in self.query_one("#step-text", StepText).code_blocks
                          if b.can_focus]
                self.set_focus(blocks[0] if blocks else self.query_one("#step-scroll"))
        elif self.query_one("#views", TabbedContent).active == "terminal":
            if self.terminal.input.disabled:
                self.set_focus(self.terminal.log_widget)  # until the sandbox is ready
            else:
                self.set_focus(self.terminal.input)

    def action_terminal_pane(self) -> None:
        self.terminal_only = True
        self.action_view("terminal")

    def action_maximize_terminal(self) -> None:
        self.action_terminal_pane()

    def action_lesson_pane(self) -> None:
        self.terminal_only = False

    @on(TypeCommand)
    def _type_command(self, event: TypeCommand) -> None:
        event.stop()
        self.action_view("terminal")
        if self.terminal.input.disabled:
            self.prefill = event.command  # the sandbox is still being prepared
        else:
            self.terminal.put_on_prompt(event.command)

    def on_key(self, event: events.Key) -> None:
        """Typing where nothing takes text (after Tab or Shift+Tab) goes to the terminal, not
        nowhere."""
        focused = self.focused
        if not event.is_printable or event.character is None:
            return
        if isinstance(focused, (Input, TextArea)) or self.terminal.input.disabled:
            return
        event.stop()
        self.action_view("terminal")
        self.terminal.put_on_prompt(event.character, replace=False)

    def on_mount(self) -> None:
        self.narrow = self.app.size.width < SIDE_BY_SIDE_WIDTH
        self.title = self.lesson.title
        self.sub_title = "Image Tutor"
        if self.steps and self.session.progress.of(self.lesson.id).step_began is None:
            self.session.update(self.session.progress.began(self.lesson.id))
        prompt = self.terminal.input
        prompt.cursor_blink = self.session.cursor_blink
        prompt.disabled = True
        self.terminal.write("Preparing this lesson's sandbox…")
        self.show_step()
        self._prepare(reset=False)

    @work(thread=True, exclusive=True, group="sandbox")
    def _prepare(self, reset: bool) -> None:
        result = self.sandbox.reset() if reset else self.sandbox.ensure()
        if self.try_it is not None:
            from tutor.course.hostshell import HostShell
            from tutor.course.quiz import prepare_try_it

            setup = HostShell(self.sandbox.workspace, self.sandbox.state)
            self.prefill = prepare_try_it(self.try_it, self.sandbox.workspace,
                                          lambda line: setup.run(line).status)
            self.try_it = None
        self.post_message(self.Prepared(result))

    @on(Prepared)
    def _prepared(self, event: Prepared) -> None:
        self.ready = True
        terminal = self.terminal
        terminal.log_widget.clear()
        if not event.result.ok:
            terminal.write(event.result.output)
        terminal.write("Type `help` for what this terminal knows; Tab completes.")
        terminal.input.disabled = False
        if self.prefill:
            terminal.put_on_prompt(self.prefill)
            self.prefill = ""
        if not self.narrow or self.terminal_only:
            terminal.focus_prompt()
        self.refresh_views()

    # -- the step pane ------------------------------------------------------------------------

    def show_step(self) -> None:
        text, status = self.query_one("#step-text", Markdown), self.query_one("#step-status", Label)
        title = self.query_one("#step-title", Label)
        self.shown_help = ""
        self.lesson_focus = None
        self.query_one("#step-help", Markdown).update("")
        if not self.steps:
            title.update("Sandbox")
            self.call_next(self._text_shown, text.update(SANDBOX_TEXT))
            status.update("")
        else:
            step = self.steps[self.index]
            title.update(f"Step {self.index + 1}/{len(self.steps)} · {step.title}")
            self.call_next(self._text_shown, text.update(step.text))
            self.update_status()
        self.query_one("#step-scroll").scroll_home(animate=False)
        self.refresh_bindings()
        self.refresh_buttons()

    async def _text_shown(self, update: AwaitComplete) -> None:
        await update
        self._focus_shown_pane(new_text=True)

    def update_status(self, detail: str = "") -> None:
        status = self.query_one("#step-status", Label)
        status.remove_class("-done", "-todo")
        if self.index < self.frontier:
            done = self.frontier >= len(self.steps)
            last = self.index == len(self.steps) - 1
            if done and last:
                following = self.next_lesson
                status.update("✓ Lesson complete! Next lesson ▶" if following is not None
                              else "✓ Lesson complete: that was the last one.")
            else:
                status.update("✓ Step complete: Next ▶")
            status.add_class("-done")
        else:
            status.update(f"○ {detail}" if detail else "○ Not done yet")
            status.add_class("-todo")

    def refresh_buttons(self) -> None:
        for button_id, action in (("back", "previous_step"), ("next", "next_step"),
                                  ("hint", "hint"), ("solution", "solution")):
            self.query_one(f"#{button_id}", Button).disabled = not self.check_action(action, ())
        self.query_one("#next", Button).label = (
            "Next lesson ▶" if self.at_lesson_end and self.next_lesson is not None else "Next ▶"
        )
        self.query_one("#step-buttons").display = bool(self.steps)

    @property
    def at_lesson_end(self) -> bool:
        """On the last step of a lesson whose steps are all done."""
        return bool(self.steps) and self.index == len(self.steps) - 1 and (
            self.frontier >= len(self.steps))

    @property
    def next_lesson(self) -> Lesson | None:
        lessons = self.session.lessons
        at = next((n for n, lesson in enumerate(lessons) if lesson.id == self.lesson.id), None)
        return lessons[at + 1] if at is not None and at + 1 < len(lessons) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None keeps the key in the Footer, dimmed: the learner sees Next exists but waits.
        if action == "next_step":
            ok = bool(self.steps) and (
                self.index < min(self.frontier, len(self.steps) - 1)
                or (self.at_lesson_end and self.next_lesson is not None))
            return True if ok else None
        if action == "terminal_pane":
            return self.narrow and not self.terminal_only
        if action == "maximize_terminal":
            return not self.narrow and not self.terminal_only
        if action == "lesson_pane":
            return self.terminal_only
        if action == "previous_step":
            return True if self.index > 0 else None
        if action in ("hint", "solution"):
            return bool(self.steps)
        return True

    def _show_help(self, markdown: str) -> None:
        self.shown_help = markdown
        self.query_one("#step-help", Markdown).update(markdown)
        self.query_one("#step-scroll").scroll_end(animate=False)

    def action_hint(self) -> None:
        step = self.steps[self.index]
        self.session.update(self.session.progress.used_hint(self.lesson.id, step.id))
        self._show_help(f"**Hint:** {step.hint}")
        if self.ready and self.index == self.frontier:  # feedback (issue 13): goal vs. state
            self._goal_diff(self.index, list(self.terminal.shell.history[self.step_start:]))

    @work(thread=True, group="inspect", exit_on_error=False)
    def _goal_diff(self, index: int, history: list[CommandRecord]) -> None:
        with self.engine_lock:
            context = CheckContext(open_view(self.sandbox.state), history, self.sandbox.workspace)
            found = step_goal_diff(self.steps[index].checks, context)
        if found is not None:
            self.app.call_from_thread(self._show_goal_diff, index, found)

    def _show_goal_diff(self, index: int, found: GoalDiff) -> None:
        if self.index == index and self.shown_help.startswith("**Hint:**"):
            self._show_help(f"{self.shown_help}\n\n{found.markdown}")

    def action_solution(self) -> None:
        step = self.steps[self.index]
        self.session.update(self.session.progress.used_solution(self.lesson.id, step.id))
        lines = "\n".join(step.solution)
        self._show_help(f"**Solution:** type\n\n```\n{lines}\n```")

    def action_next_step(self) -> None:
        if not self.check_action("next_step", ()):
            self.action_refuse_next()
        elif self.at_lesson_end and self.next_lesson is not None:
            self.post_message(OpenLesson(self.next_lesson.id))
        else:
            self.index += 1
            self.show_step()

    def action_refuse_next(self) -> None:
        """Ctrl+N when there is nowhere to go: say why instead of doing nothing."""
        if not self.steps:
            why = "The sandbox has no steps: Esc goes back to the lessons."
        elif self.at_lesson_end:
            why = "That was the last lesson: Esc goes back to the lesson map."
        else:
            why = f"Step {self.index + 1} is not done yet. F2 shows a hint."
        self.notify(why, severity="warning", timeout=4)

    def action_previous_step(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show_step()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.action_next_step()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_previous_step()

    @on(Button.Pressed, "#hint")
    def _hint(self) -> None:
        self.action_hint()

    @on(Button.Pressed, "#solution")
    def _solution(self) -> None:
        self.action_solution()

    # -- checking -----------------------------------------------------------------------------

    def check_step(self) -> None:
        """Check the frontier step (in a worker) against what the learner did since it began."""
        self.refresh_views(check=True)

    def _evaluate(self, frontier: int, history: list[CommandRecord]) -> Outcome:
        # Runs in the inspection worker, under the sandbox lock.
        step = self.steps[frontier]
        context = CheckContext(open_view(self.sandbox.state), history, self.sandbox.workspace)
        return evaluate_all(step.checks, context)

    def _checked(self, frontier: int, outcome: Outcome) -> None:
        if frontier != self.frontier:
            return  # already advanced by an earlier check
        if not outcome.passed:
            if self.index == frontier:
                self.update_status(outcome.detail)
            return
        self.session.update(self.session.progress.advanced(self.lesson.id, len(self.steps)))
        self.step_start = len(self.terminal.shell.history)
        done = self.frontier >= len(self.steps)
        following = self.next_lesson
        if not done:
            said = f"Step {frontier + 1} complete: Ctrl+N for the next step"
        elif following is not None:
            said = f"Lesson complete! Ctrl+N opens “{following.title}”"
        else:
            said = "Lesson complete! That was the last lesson."
        self.notify(said, timeout=4)
        self.update_status()
        self.refresh_bindings()
        self.refresh_buttons()

    # -- the terminal -------------------------------------------------------------------------

    @on(Terminal.BuildStarted)
    def _build_started(self) -> None:
        self.timeline = Timeline()
        self.query_one("#build-timeline", BuildTimelineView).timeline = self.timeline

    @on(Terminal.Progress)
    def _progress(self, event: Terminal.Progress) -> None:
        if self.timeline is not None:
            for line in event.text.splitlines():
                self.timeline = build_log.parse_line(self.timeline, line)
            self.query_one("#build-timeline", BuildTimelineView).timeline = self.timeline

    @on(Terminal.Finished)
    def _finished(self) -> None:
        built: Timeline | None = None
        if self.timeline is not None and not self.timeline.finished:
            built = self.timeline = replace(self.timeline, finished=True)
            self.query_one("#build-timeline", BuildTimelineView).timeline = self.timeline
        chosen = familiar(built.tags[0]) if built is not None and built.tags else None
        self.refresh_views(check=True, chosen=chosen, timeline=built)

    @on(Terminal.EditRequested)
    def _edit_requested(self, event: Terminal.EditRequested) -> None:
        self.open_editor(event.path, event.shown)

    # -- views --------------------------------------------------------------------------------

    def refresh_views(
        self, *, check: bool = False, chosen: str | None = None, timeline: Timeline | None = None
    ) -> None:
        """Read the engine for the views (and check the step) in a worker; `chosen` is the image
        the layer view should show (default: the one it shows), `timeline` a finished build."""
        if not self.ready:
            return
        frontier = self.frontier
        checking = check and bool(self.steps) and frontier < len(self.steps)
        history = list(self.terminal.shell.history[self.step_start:])
        self._inspect(chosen or self.query_one("#layer-stack", LayerStackView).chosen, timeline,
                      frontier if checking else None, history)

    @work(thread=True, group="inspect", exit_on_error=False)
    def _inspect(self, chosen: str | None, timeline: Timeline | None, frontier: int | None,
                 history: list[CommandRecord]) -> None:
        with self.engine_lock:
            inspection = inspect(self.sandbox.state, chosen, timeline)
            outcome = None if frontier is None else self._evaluate(frontier, history)
        self.post_message(self.Inspected(inspection, timeline, frontier, outcome))

    @on(Inspected)
    def _inspected(self, event: Inspected) -> None:
        found = event.inspection
        self.query_one("#layer-stack", LayerStackView).show(found.images, found.stack)
        self.query_one("#registry-view", RegistryView).model = found.registry
        if found.timeline is not None and event.build is self.timeline:
            self.timeline = found.timeline
            self.query_one("#build-timeline", BuildTimelineView).timeline = found.timeline
        if event.checked is not None and event.outcome is not None:
            self._checked(event.checked, event.outcome)

    @on(LayerStackView.ImageChosen)
    def _image_chosen(self, event: LayerStackView.ImageChosen) -> None:
        self.refresh_views(chosen=event.image)

    def action_view(self, view: str) -> None:
        self.query_one("#views", TabbedContent).active = view
        if self.narrow:
            self.terminal_only = True  # the views are the other pane
        if view == "terminal" and not self.terminal.input.disabled:
            self.set_focus(self.terminal.input)

    @on(TabbedContent.TabActivated, "#views")
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        shown = self.terminal_only or not self.narrow
        if event.pane.id == "terminal" and shown and not self.terminal.input.disabled:
            self.set_focus(self.terminal.input)

    # -- undo (feedback, issue 13) ------------------------------------------------------------

    def action_undo(self) -> None:
        if self.ready and not self.terminal.busy:
            self._undo()

    @work(thread=True, group="sandbox", exit_on_error=False)
    def _undo(self) -> None:
        with self.engine_lock:
            line = self.terminal.undo.undo()
        self.app.call_from_thread(self._undone, line)

    def _undone(self, line: str | None) -> None:
        self.terminal.say(f"tutor: the engine is back as it was before `{line}` (the workspace's "
                          "files are unchanged)" if line is not None else "tutor: nothing to undo")
        self.refresh_views(check=True)

    # -- editing, resetting, leaving ----------------------------------------------------------

    def action_edit(self) -> None:
        self.open_editor(self.sandbox.workspace / "Dockerfile", "Dockerfile")

    def open_editor(self, path: Path, shown: str) -> None:
        from tutor.ui.screens.editor import EditorScreen

        def closed(saved: bool | None) -> None:
            if saved:
                self.terminal.write(f"(saved {shown})")
                self.check_step()
            self.terminal.focus_prompt()

        self.app.push_screen(
            EditorScreen(path, shown, cursor_blink=self.session.cursor_blink), closed
        )

    def action_reset(self) -> None:
        from tutor.ui.screens.dialogs import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.session.update(self.session.progress.restarted(self.lesson.id))
            self.index = 0
            self.step_start = len(self.terminal.shell.history)
            self.timeline = None
            self.query_one("#build-timeline", BuildTimelineView).timeline = None
            self.ready = False
            self.terminal.input.disabled = True
            self.terminal.shell.cwd = HOME
            self.terminal.write("Resetting this lesson's sandbox…")
            self.show_step()
            self._prepare(reset=True)

        self.app.push_screen(
            ConfirmScreen(f"Reset “{self.lesson.title}”? Its images, containers and workspace "
                          "go back to the start, and you restart at step 1."),
            answered,
        )

    def action_home(self) -> None:
        self.dismiss()
