"""The engine views beside the terminal, driven by real docker commands in the sandbox: a
container's writable layer on top of its image's layers, the registry view against pushes to
Docker Hub and to a local `registry:2`, and NO_COLOR."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from rich.console import Console, RenderableType
from rich.text import Text
from textual.widgets import RichLog

from tests.ui.helpers import open_lesson, settle, type_line
from tutor.ui.app import TutorApp
from tutor.ui.session import SANDBOX_ID
from tutor.ui.widgets.terminal import Terminal, styled
from tutor.ui.widgets.views import LayerStackView, RegistryView, render_registry, render_stack


async def test_container_writable_layer_is_drawn_on_top(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot, SANDBOX_ID)
        await type_line(pilot, "docker run -d --name web nginx")
        await type_line(pilot, "docker run --name once nginx true")
        await pilot.press("f5")
        await settle(pilot)
        view = screen.query_one(LayerStackView)
        stack = view.stack
        assert stack is not None and stack.image == "nginx:latest"
        *image_layers, web, once = stack.layers  # bottom first; the newest container on top
        assert (web.container, web.running) == ("web", True)
        assert (once.container, once.running) == ("once", False)
        assert all(block.digest and not block.container for block in image_layers)
        drawn = plain(render_stack(stack, 100))
        # drawn top first: the newest container's writable layer is the first block
        assert drawn.index("once (stopped)") < drawn.index("web (running)")
        assert drawn.index("web (running)") < drawn.index(image_layers[-1].instruction[:20])


async def test_registry_view_shows_both_sides(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot, SANDBOX_ID)
        for line in (
            "docker pull alpine:3.21",
            "docker tag alpine:3.21 learner/tools:1",
            "docker tag alpine:3.21 learner/later:1",
            "docker login -u learner -p learn-docker",
            "docker push learner/tools:1",
            "docker run -d -p 5000:5000 --name registry registry:2",
            "docker tag alpine:3.21 localhost:5000/tools:dev",
            "docker push localhost:5000/tools:dev",
        ):
            await type_line(pilot, line)
        await pilot.press("f7")
        await settle(pilot)
        model = screen.query_one(RegistryView).model
        assert model is not None
        local = {entry.name: entry for entry in model.local}
        layers = local["alpine:3.21"].layers
        assert local["learner/tools:1"].in_registry == layers
        assert local["learner/tools:1"].repository == "docker.io/learner/tools"
        assert local["learner/later:1"].in_registry is None  # never pushed: no repository
        assert local["localhost:5000/tools:dev"].in_registry == layers
        hub, mine = model.registries
        assert (hub.host, hub.user) == ("docker.io", "learner")
        assert (mine.host, mine.user) == ("localhost:5000", None)
        pushed = {r.path: r.tags for r in hub.repositories}
        (tag,) = pushed["learner/tools"]
        assert (tag.tag, tag.local_layers, tag.layers) == ("1", layers, layers)
        # the digest push printed is the one the view shows
        assert f"1: digest: {tag.digest}" in scrollback(app).replace("\n", "")
        assert [(r.path, [t.tag for t in r.tags]) for r in mine.repositories] == [
            ("tools", ["dev"])]
        drawn = plain(render_registry(model))
        assert "learner/tools:1" in drawn and "localhost:5000 · not logged in" in drawn


def plain(renderable: RenderableType) -> str:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(renderable)
    return out.getvalue()


def scrollback(app: TutorApp) -> str:
    """What the terminal pane shows, its lines whole (not folded at the pane's width)."""
    return app.screen.query_one(Terminal).plain


@pytest.mark.parametrize("color", [True, False], ids=["color", "no-color"])
def test_terminal_colours_follow_no_color(color: bool) -> None:
    lines = "ERROR: failed to build\n#5 CACHED\nDid you mean 'docker'?\n\x1b[31mred\x1b[0m\n"
    texts = [styled(lines, stderr=True, color=color), styled("\x1b[31mred\x1b[0m", stderr=False,
                                                              color=color)]
    colours = [span.style for text in texts for span in text.spans
               if not isinstance(span.style, str) or any(
                   c in span.style for c in ("red", "cyan", "yellow", "green"))]
    assert bool(colours) == color
    assert texts[1].plain == "red"


async def test_no_color_environment_reaches_the_terminal(
    make_app: Callable[[], TutorApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await open_lesson(pilot, SANDBOX_ID)
        await type_line(pilot, "docker imagse")
        log = app.screen.query_one("#scrollback", RichLog)
        styles = [seg.style for strip in log.lines for seg in strip if seg.style]
        assert not [s for s in styles if s.color is not None and s.color.name in {
            "red", "green", "cyan", "yellow"}]
        assert isinstance(styled("x", stderr=True), Text)
