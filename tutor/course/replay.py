"""The lint that needs the engine: replay a lesson's reference solutions in a fresh sandbox.

Syntax is `tutor.course.lessons`' job; this module finds what only running the lesson shows, each
with the file and line an instructor must change: a step whose solution does not make its checks
pass, a step whose checks pass before its solution runs (it would complete by itself), a hint or
solution naming a command the lesson's terminal does not have, and an image the engine cannot
provide (in the setup, a workspace Dockerfile's FROM, or pulled by a solution).
"""

from __future__ import annotations

import functools
import importlib
import io
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from tutor.course.checks import CheckContext, EngineView, evaluate, evaluate_all
from tutor.course.engineview import open_view
from tutor.course.hostshell import COMMAND_NAMES, HostShell, ShellResult, simple_commands
from tutor.course.lessons import LESSON_FILE, Lesson, Problem, key_line

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_NOT_FOUND = re.compile(r"Unable to find image '([^']+)' locally")
_PULL_FAILED = re.compile(r"Error response from daemon: (?:manifest for|pull access denied)")
_FROM = re.compile(r"\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)


def docker_command(words: Sequence[str]) -> str | None:
    """The docker command path (`pull`, `image inspect`) that `docker WORDS…` runs, or None
    when the words name none (a bare `docker`, an option, or a placeholder such as COMMAND)."""
    from tutor.dockercli._main import GROUPS

    if not words or words[0].startswith("-") or not words[0].islower():
        return None
    head = words[0]
    if head in GROUPS and len(words) > 1 and not words[1].startswith("-"):
        return f"{head} {words[1]}"
    return head


@functools.cache
def _known_docker_commands() -> frozenset[str]:
    from tutor.dockercli.commands import load_all

    load_all()
    from tutor.dockercli._main import COMMANDS, GROUPS

    return frozenset(COMMANDS) | frozenset(GROUPS)


def docker_commands(lesson: Lesson) -> set[str]:
    """The docker command paths the lesson's setup and solutions use."""
    used = {"pull"} if lesson.images else set()
    for step in lesson.steps:
        for line in step.solution:
            for words in (s.words for s in simple_commands(line)):
                if words[0] == "docker" and (command := docker_command(words[1:])):
                    used.add(command)
    return used


def missing_commands(lesson: Lesson) -> list[str]:
    """The docker commands the lesson uses that the simulated CLI does not have."""
    return sorted(docker_commands(lesson) - _known_docker_commands())


_EDITORS_AND_HOST_TOOLS = frozenset({"vi", "vim", "nano", "emacs", "less", "more", "sudo", "su",
                                     "docker-compose", "code", "open", "watch"})
"""Programs a hint might name that no image the engine simulates has (editors, pagers, the
host's own tools): the terminal offers `edit`, `cat` and plain `docker` instead."""


@functools.cache
def _program_names() -> frozenset[str]:
    """Programs a real shell would have: those the engine simulates inside containers, and the
    editors and host tools above."""
    importlib.import_module("tutor.engine.sh")  # importing the package registers them
    from tutor.engine.sh._api import PROGRAMS

    return frozenset(PROGRAMS) | _EDITORS_AND_HOST_TOOLS


def unknown_command(text: str) -> str | None:
    """What in a command line (or a hint's code span) the lesson's terminal would not run:
    `docker X` that is no docker command, or a program it does not have. Words that are no
    program (a Dockerfile instruction, a file name, an option) are not commands and pass."""
    for words in (s.words for s in simple_commands(text)):
        name = words[0]
        if name == "docker":
            command = docker_command(words[1:])
            if command and command not in _known_docker_commands():
                return f"docker {command}"
        elif name not in COMMAND_NAMES and name in _program_names():
            return name
    return None


class _Replay:
    """Collects the problems of one lesson while replaying it."""

    def __init__(self, lesson: Lesson, scratch: Path) -> None:
        self.lesson = lesson
        self.scratch = scratch
        self.file = lesson.folder / LESSON_FILE
        self.text = self.file.read_text(encoding="utf-8")
        self.problems: list[Problem] = []
        self.steps_replayed = 0

    def problem(self, at: Sequence[str | int], message: str) -> None:
        self.problems.append(Problem(self.file, key_line(self.text, at), message))

    def commands(self) -> None:
        terminal = ", ".join(COMMAND_NAMES)
        for n, step in enumerate(self.lesson.steps):
            for span in _CODE_SPAN.findall(step.hint):
                if (name := unknown_command(span)) is not None:
                    advice = "" if name.startswith("docker ") else (
                        f"; a Dockerfile line is written with its instruction, `RUN {name} …`")
                    self.problem(
                        ["steps", n, "hint"],
                        f"the hint of step {step.id!r} names `{name}`, which the lesson's "
                        f"terminal does not have (it has {terminal}{advice})",
                    )
            for line in step.solution:
                if (name := unknown_command(line)) is not None:
                    self.problem(
                        ["steps", n, "solution"],
                        f"the solution of step {step.id!r} runs `{name}`, which the lesson's "
                        f"terminal does not have (it has {terminal})",
                    )

    def dockerfile_images(self) -> None:
        """Every FROM of the workspace's Dockerfiles names an image the engine can pull."""
        workspace = self.lesson.workspace
        if workspace is None:
            return
        from tutor.dockercli import main as docker

        probe = self.scratch / "probe"
        pulled: dict[str, str] = {}
        for path in sorted(workspace.rglob("*")):
            if not path.is_file() or path.is_symlink() or "dockerfile" not in path.name.lower():
                continue
            stages: set[str] = set()
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, 1):
                found = _FROM.match(line)
                if found is None:
                    continue
                ref, stage = found.group(1), found.group(2)
                if stage:
                    stages.add(stage.lower())
                if ref.lower() in stages or ref == "scratch" or "$" in ref:
                    continue
                if ref not in pulled:
                    out = io.StringIO()
                    status = docker(["pull", ref], state=probe, stdout=out, stderr=out, tty=False)
                    pulled[ref] = "" if status == 0 else out.getvalue()
                if pulled[ref]:
                    why = _first_error(pulled[ref])
                    self.problems.append(
                        Problem(path, number, f"the engine cannot provide {ref}: {why}")
                    )

    def replay(self) -> None:
        from tutor.course.sandbox import Sandbox

        sandbox = Sandbox(self.lesson, self.scratch)
        setup = sandbox.reset()
        if not setup.ok:
            why = _first_error(setup.output)
            self.problem(["setup", "images"],
                         f"the engine cannot provide the setup's images: {why} "
                         "(no step was replayed)")
            return
        shell = HostShell(sandbox.workspace, sandbox.state)
        view = open_view(sandbox.state)
        for n, step in enumerate(self.lesson.steps):
            before = CheckContext(view, (), sandbox.workspace)
            if evaluate_all(step.checks, before).passed:
                found = "; ".join(evaluate(check, before).detail for check in step.checks)
                self.problem(
                    self._check_at(n, 0),
                    f"step {step.id!r} is done before its solution runs: its checks already "
                    f"pass ({found}), so it would complete by itself",
                )
            start = len(shell.history)
            ran = [(line, shell.run(line)) for line in step.solution]
            self.steps_replayed += 1
            for line, result in ran:
                self._image_failure(n, line, result)
            if not self._passes(n, view, shell, start, sandbox.workspace, ran):
                return  # later steps start from where this one should have left off

    def _passes(self, n: int, view: EngineView, shell: HostShell, start: int, workspace: Path,
                ran: list[tuple[str, ShellResult]]) -> bool:
        step = self.lesson.steps[n]
        ctx = CheckContext(view, shell.history[start:], workspace)
        for k, check in enumerate(step.checks):
            outcome = evaluate(check, ctx)
            if outcome.passed:
                continue
            failed = next(((line, r) for line, r in ran if r.status != 0), None)
            why = (f"; `{failed[0]}` exited with status {failed[1].status}: "
                   f"{_first_error(failed[1].output)}" if failed else "")
            line = key_line(self.text, self._check_at(n, k))
            later = " (later steps not replayed)" if n + 1 < len(self.lesson.steps) else ""
            self.problem(
                ["steps", n, "solution"],
                f"the solution of step {step.id!r} does not pass its check at line {line}: "
                f"{outcome.detail}{why}{later}",
            )
            return False
        return True

    def _check_at(self, n: int, k: int) -> list[str | int]:
        """Where check k of step n is written: one `[steps.check]` table, or the k-th of its
        `[[steps.check]]` tables."""
        raw = tomllib.loads(self.text)["steps"][n]["check"]
        return ["steps", n, "check"] if isinstance(raw, dict) else ["steps", n, "check", k]

    def _image_failure(self, n: int, line: str, result: ShellResult) -> None:
        if result.status == 0 or not _PULL_FAILED.search(result.output):
            return
        missing = _NOT_FOUND.search(result.output)
        first = simple_commands(line)
        words = list(first[0].words) if first else []
        if missing is not None:
            ref = missing.group(1)
        elif words[:2] == ["docker", "pull"] and len(words) > 2:
            ref = words[-1]
        else:
            return
        self.problem(["steps", n, "solution"],
                     f"the engine cannot provide {ref}, which the solution of step "
                     f"{self.lesson.steps[n].id!r} uses: {_first_error(result.output)}")


def _first_error(output: str) -> str:
    """The line of a command's output that says what went wrong, and the tags the engine
    proposes instead when it does."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    error = next((line for line in lines if "rror" in line), lines[0] if lines else "failed")
    closest = next((line for line in lines if line.startswith("tutor: no such tag")), "")
    return f"{error} ({closest.removeprefix('tutor: ')})" if closest else error


def replay_lesson(lesson: Lesson, scratch: Path) -> tuple[list[Problem], int]:
    """Every problem the replay finds, and how many steps it replayed; `scratch` is an empty
    directory for the sandbox."""
    replay = _Replay(lesson, scratch)
    replay.commands()
    replay.dockerfile_images()
    replay.replay()
    return replay.problems, replay.steps_replayed
