"""The lesson screen: hints and solutions, reset, resume, the terminal's bad input, completion,
the editor and the engine views."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Markdown, OptionList

from tests.ui.helpers import open_lesson, settle, type_line
from tutor.ui.app import TutorApp
from tutor.ui.screens.editor import EditorScreen
from tutor.ui.screens.home import CHAPTER_PREFIX, HomeScreen
from tutor.ui.widgets.dockerfile_area import DockerfileArea
from tutor.ui.widgets.terminal import Terminal
from tutor.ui.widgets.views import BuildTimelineView, LayerStackView, RegistryView

LAYERS = "02-layers"
CACHE = "03-build-cache"


def scrollback(app: TutorApp) -> str:
    """What the terminal pane shows, its lines whole (not folded at the pane's width)."""
    return app.screen.query_one(Terminal).plain


async def test_home_lists_lessons_and_opens_one(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        options = app.screen.query_one("#lesson-map", OptionList)
        ids = [options.get_option_at_index(i).id or "" for i in range(options.option_count)]
        headings = [i for i in ids if i.startswith(CHAPTER_PREFIX)]
        lessons = [i for i in ids if i in {lesson.id for lesson in app.session.lessons}]
        assert lessons == [lesson.id for lesson in app.session.lessons]
        # one heading per chapter, each right before the chapter's first lesson
        chapters = [lesson.chapter for lesson in app.session.lessons]
        assert len(headings) == len(dict.fromkeys(chapters)) > 1
        assert ids.index(headings[1]) == ids.index(LAYERS) - 1
        assert options.get_option(headings[1]).disabled
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen.lesson.id == LAYERS  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert "step 1/" in str(options.get_option(LAYERS).prompt)


async def test_hint_and_solution_are_shown_and_recorded(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, LAYERS)
        step = screen.steps[0]
        await pilot.press("f2")
        assert step.hint in screen.query_one("#step-help", Markdown).source
        await pilot.press("f3")
        assert step.solution[0] in screen.query_one("#step-help", Markdown).source
        progress = app.session.progress.of(LAYERS)
        assert step.id in progress.hints and step.id in progress.solutions


async def test_typo_gets_an_error_and_a_suggestion(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_lesson(pilot, LAYERS)
        await type_line(pilot, "dokcer images", keys=True)
        await type_line(pilot, "docker imagse")
        await type_line(pilot, "echo 'unterminated")
        text = scrollback(app)
        assert "bash: dokcer: command not found" in text
        assert "Did you mean 'docker'?" in text
        assert "unknown command: docker imagse" in text
        assert "unexpected EOF" in text
        assert "Traceback" not in text


async def test_history_and_tab_completion(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_lesson(pilot, LAYERS)
        prompt = screen.terminal.input
        await pilot.press(*"dock", "tab")
        assert prompt.value == "docker "
        await pilot.press(*"hist", "tab")
        assert prompt.value == "docker history "
        await pilot.press(*"node", "tab")
        assert prompt.value == "docker history node:20-alpine "
        prompt.value = ""
        await type_line(pilot, "pwd")
        await pilot.press("up")
        assert prompt.value == "pwd"


async def test_step_completes_and_resume_after_restart(
    make_app: Callable[..., TutorApp], tmp_path: Path
) -> None:
    state = tmp_path / "resume"
    app = make_app(state)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        assert not screen.check_action("next_step", ())
        await type_line(pilot, "docker build -t my-app:1.0 .")
        assert screen.frontier == 1 and screen.check_action("next_step", ())
        timeline = screen.query_one(BuildTimelineView).timeline
        assert timeline is not None and timeline.finished
        assert [s.instruction for s in timeline.steps][-1] == "COPY . ."
        stack = screen.query_one(LayerStackView).stack
        assert stack is not None and stack.image == "my-app:1.0"
        assert stack.layers[0].shared_with  # the base image's layers are node's too
        registry = screen.query_one(RegistryView).model
        assert registry is not None and {e.name for e in registry.local} >= {"my-app:1.0"}
    again = make_app(state)
    async with again.run_test(size=(100, 30)) as pilot:
        assert again.session.resume_lesson() is not None
        assert again.session.resume_lesson().id == CACHE  # type: ignore[union-attr]
        screen = await open_lesson(pilot, CACHE)
        assert screen.index == 1
        await type_line(pilot, "docker images")
        assert "my-app" in scrollback(again)


async def test_reset_brings_the_lesson_back(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        await type_line(pilot, "docker build -t my-app:1.0 .")
        await type_line(pilot, "rm Dockerfile")
        assert screen.frontier == 1
        screen.action_reset()
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert screen.frontier == 0 and screen.index == 0
        assert (screen.sandbox.workspace / "Dockerfile").is_file()
        await type_line(pilot, "docker images")
        assert "my-app" not in scrollback(app).split("docker images")[-1]


async def test_editor_saves_and_the_next_build_sees_it(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_lesson(pilot, CACHE)
        await type_line(pilot, "edit Dockerfile")
        assert isinstance(app.screen, EditorScreen)
        area = app.screen.query_one(DockerfileArea)
        assert area.dockerfile
        area.text = area.text.replace("CMD", 'LABEL edited="yes"\nCMD')
        await pilot.press("ctrl+s", "escape")
        assert 'LABEL edited="yes"' in (screen.sandbox.workspace / "Dockerfile").read_text()
        await type_line(pilot, "docker build -t edited .")
        await type_line(pilot, "docker image inspect -f '{{.Config.Labels}}' edited")
        assert "edited:yes" in scrollback(app)


async def test_sandbox_and_help(make_app: Callable[[], TutorApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await type_line(pilot, "help")
        assert "Tab completes" in scrollback(app)
        await pilot.press("f1")
        assert app.screen.__class__.__name__ == "PageScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ == "LessonScreen"


async def test_the_prompt_comes_back_whatever_the_line_does(
    make_app: Callable[[], TutorApp]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot, LAYERS)

        def explode(line: str) -> None:
            raise RuntimeError("the engine broke")

        screen.terminal.shell.run = explode  # type: ignore[method-assign]
        await type_line(pilot, "docker images")
        assert not screen.terminal.busy
        assert "RuntimeError: the engine broke" in scrollback(app)
