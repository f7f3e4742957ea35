"""The engine views beside the terminal: an image's layer stack, the last build's timeline and the
registry. Each is drawn from a plain model the screen sets (attributes down); none reads the
engine itself."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Select, Static

from tutor.dockercli.format import human_size
from tutor.ui.build_log import Timeline, TimelineStep
from tutor.ui.engine_adapter import RegistryModel, Stack, short
from tutor.ui.words import counted

# ---------------------------------------------------------------------------------------------
# Layer stack


def render_stack(stack: Stack | None, width: int) -> RenderableType:
    if stack is None:
        return Text("No image yet: pull or build one, then pick it above.", style="dim")
    rows: list[RenderableType] = []
    inner = max(width - 4, 20)
    for block in reversed(stack.layers):
        if block.container:
            state = "running" if block.running else "stopped"
            title = f"{block.container} ({state}) · writable layer"
            style, detail = "bold black on yellow", human_size(block.size)
        else:
            title = block.instruction or "(no history)"
            style = "black on cyan" if block.shared_with else "white on blue"
            detail = f"{human_size(block.size)}  {short(block.digest)}"
        line = Text(" ", style=style)
        room = inner - len(detail) - 3
        line.append(title if len(title) <= room else title[: max(room - 1, 1)] + "…", style)
        line.append(" " * max(inner - len(line) - len(detail) - 1, 1), style)
        line.append(detail + " ", style)
        rows.append(line)
        if block.shared_with:
            rows.append(Text("  shared with " + ", ".join(block.shared_with), style="dim"))
    key = Text.assemble(
        ("■", "blue"), " this image only  ", ("■", "cyan"), " shared  ", ("■", "yellow"),
        " container (read-write)",
    )
    note = Text(
        f"{stack.image}  {short(stack.image_id)}  ·  "
        f"{counted(sum(1 for b in stack.layers if not b.container), 'layer')}, top first",
        style="bold",
    )
    return Group(note, *rows, key)


class LayerStackView(VerticalScroll):
    """An image's layers as blocks, the base at the bottom, containers' writable layers on top."""

    images: reactive[tuple[str, ...]] = reactive((), init=False)
    stack: reactive[Stack | None] = reactive(None, init=False)

    @dataclass
    class ImageChosen(Message):
        view: LayerStackView
        image: str

        @property
        def control(self) -> LayerStackView:
            return self.view

    def compose(self) -> ComposeResult:
        yield Select[str]((), prompt="Pick an image", id="stack-image", allow_blank=True,
                          compact=True)
        yield Static(render_stack(None, 40), id="stack-body")

    def watch_stack(self, stack: Stack | None) -> None:
        self.query_one("#stack-body", Static).update(render_stack(stack, self.size.width or 60))

    def on_resize(self) -> None:
        self.watch_stack(self.stack)

    def show(self, images: tuple[str, ...], stack: Stack | None) -> None:
        """The images to pick from and the stack of the one shown."""
        select = self.query_one("#stack-image", Select)
        with self.prevent(Select.Changed):
            if images != self.images:
                select.set_options((name, name) for name in images)
            if stack is not None:
                select.value = stack.image
            else:
                select.clear()
        self.images = images
        self.stack = stack

    @property
    def chosen(self) -> str | None:
        value = self.query_one("#stack-image", Select).value
        return value if isinstance(value, str) else None

    @on(Select.Changed, "#stack-image")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(self.ImageChosen(self, event.value))


# ---------------------------------------------------------------------------------------------
# Build timeline


def miss_reason(steps: tuple[TimelineStep, ...], n: int) -> str:
    """Why step `n` was rebuilt: the engine's word when it gave one, else what the cache chain
    implies (a step whose parent was rebuilt can never be a hit)."""
    step = steps[n]
    if step.reason:
        return step.reason
    earlier = [s for s in steps[:n] if s.stage == step.stage]
    if earlier and not earlier[-1].cached:
        return "parent step was rebuilt"
    if step.instruction.startswith("FROM"):
        return "base image pulled"
    if step.instruction.startswith(("COPY", "ADD")):
        return "instruction or copied files changed"
    return "instruction changed, or no cache yet"


def render_timeline(timeline: Timeline | None) -> RenderableType:
    if timeline is None or not timeline.steps:
        return Text("No build yet. Run `docker build -t NAME .` in the terminal.", style="dim")
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("step", no_wrap=True)
    table.add_column("instruction", ratio=1, overflow="ellipsis", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for n, step in enumerate(timeline.steps):
        position = f"{step.stage} {step.position}".strip()
        if step.error:
            status, seconds = Text("FAILED", "bold red"), ""
        elif step.seconds is None:
            status, seconds = Text("running", "yellow"), "…"
        elif step.cached:
            status, seconds = Text("CACHED", "bold cyan"), "0.0s"
        else:
            status, seconds = Text("built", "bold magenta"), f"{step.seconds:.1f}s"
        table.add_row(position, step.instruction, status, seconds)
        if step.error:
            table.add_row("", Text(f"↳ {step.error}", "red"), "", "")
        elif step.seconds is not None and not step.cached:
            table.add_row("", Text(f"↳ {miss_reason(timeline.steps, n)}", "dim"), "", "")
    done = [s for s in timeline.steps if s.seconds is not None]
    total = sum(s.seconds or 0.0 for s in done)
    cached = sum(1 for s in done if s.cached)
    head = "Last build" + (f" → {', '.join(timeline.tags)}" if timeline.tags else "")
    summary = Text(
        f"{cached} cached, {len(done) - cached} built, {total:.1f}s of build time"
        + ("" if timeline.finished else "  (building…)"),
        style="bold",
    )
    return Group(Text(head, style="bold"), table, summary)


class BuildTimelineView(VerticalScroll):
    """Each step of the last build: cached or built, its simulated time and why it missed."""

    timeline: reactive[Timeline | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Static(render_timeline(None), id="timeline-body")

    def watch_timeline(self, timeline: Timeline | None) -> None:
        self.query_one("#timeline-body", Static).update(render_timeline(timeline))


# ---------------------------------------------------------------------------------------------
# Registry


def _count(have: int, of: int) -> Text:
    return Text(f"{have}/{of}", "green" if have == of else "yellow")


def render_registry(model: RegistryModel | None) -> RenderableType:
    if model is None:
        return Text("")
    local = Table(title="Local images", box=None, expand=True, title_justify="left",
                  title_style="bold", pad_edge=False)
    local.add_column("image", ratio=1, overflow="ellipsis", no_wrap=True)
    local.add_column("id", no_wrap=True)
    local.add_column("in its repo", justify="right", no_wrap=True)
    for entry in model.local:
        there = (Text("—", "dim") if entry.in_registry is None
                 else _count(entry.in_registry, entry.layers))
        local.add_row(entry.name, short(entry.image_id), there)
    if not model.local:
        local.add_row(Text("none yet", "dim"), "", "")
    parts: list[RenderableType] = [local, Text(
        "in its repo: layers the repository it pushes to already has (— no such repository)",
        style="dim")]
    for side in model.registries:
        who = f"logged in as {side.user}" if side.user else "not logged in"
        remote = Table(title=f"{side.host} · {who}", box=None, expand=True,
                       title_justify="left", title_style="bold", pad_edge=False)
        remote.add_column("repository:tag", ratio=1, overflow="ellipsis", no_wrap=True)
        remote.add_column("→ digest", no_wrap=True)
        remote.add_column("local", justify="right", no_wrap=True)
        for repository in side.repositories:
            for tag in repository.tags:
                remote.add_row(f"{repository.path}:{tag.tag}", short(tag.digest),
                               _count(tag.local_layers, tag.layers))
            if not repository.tags:
                remote.add_row(Text(f"{repository.path} (no tags)", "dim"), "", "")
        if not side.repositories:
            remote.add_row(Text("nothing of yours here yet", "dim"), "", "")
        parts += [Text(""), remote]
    parts.append(Text("local: how many of the tag's layers your machine already has",
                      style="dim"))
    return Group(*parts)


class RegistryView(VerticalScroll):
    """Local images against the registry's repositories: tags, digests and who has which layer."""

    model: reactive[RegistryModel | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Static(render_registry(None), id="registry-body")

    def watch_model(self, model: RegistryModel | None) -> None:
        self.query_one("#registry-body", Static).update(render_registry(model))
