"""Goal-diff: for a step check that fails, the goal and the learner's state side by side
("goal: my-app:1.0 with 4 layers; yours: 6 layers — RUN apt-get update and RUN apt-get install
could be one RUN"), derived from the check and what the engine can tell.

Every check kind of `checks.py` has a describer here (a test holds the two in step); the lesson
screen shows the first failing check's diff under the step's hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tutor.course.checks import (
    BuildCheck,
    BuildRecord,
    Check,
    CheckContext,
    CommandCheck,
    ContainerCheck,
    ContainerView,
    FileCheck,
    ImageCheck,
    SharedLayersCheck,
    container_phrase,
    evaluate,
    normal_step,
    plural,
)


@dataclass(frozen=True, slots=True)
class GoalDiff:
    goal: str
    actual: str

    @property
    def markdown(self) -> str:
        return f"**Goal:** {self.goal}  \n**Yours:** {self.actual}"


def _runs_to_merge(record: BuildRecord | None) -> str:
    """Two RUN steps in a row of the last build: the usual extra layer."""
    steps = [s.instruction for s in record.steps] if record else []
    for first, second in zip(steps, steps[1:], strict=False):
        if first.startswith("RUN ") and second.startswith("RUN "):
            return f" — `{_short(first)}` and `{_short(second)}` could be one RUN"
    return ""


def _short(instruction: str, width: int = 32) -> str:
    text = normal_step(instruction)
    return text if len(text) <= width else text[: width - 1] + "…"


def _image(check: ImageCheck, ctx: CheckContext) -> GoalDiff:
    layers = ctx.engine.image_layers(check.ref)
    if not check.exists:
        yours = "no such image" if layers is None else f"{check.ref} is still here"
        return GoalDiff(f"no image {check.ref}", yours)
    if check.layers is None:
        yours = "no such image yet" if layers is None else f"{check.ref} is here"
        return GoalDiff(f"an image {check.ref}", yours)
    goal = f"{check.ref} with {plural(check.layers, 'layer')}"
    if layers is None:
        return GoalDiff(goal, f"no image {check.ref} yet")
    yours = plural(len(layers), "layer")
    if len(layers) > check.layers:
        yours += _runs_to_merge(ctx.engine.last_build(check.ref))
    return GoalDiff(goal, yours)


def _build(check: BuildCheck, ctx: CheckContext) -> GoalDiff:
    wants = [f"a build of {check.image}"]
    if check.min_cached is not None:
        wants.append(f"at least {check.min_cached} steps CACHED")
    if check.max_rebuilt is not None:
        wants.append(f"at most {check.max_rebuilt} steps run")
    wants += [f"{_short(name)} CACHED" for name in check.cached]
    wants += [f"{_short(name)} run" for name in check.rebuilt]
    goal = ", ".join(wants)
    record = ctx.engine.last_build(check.image)
    if record is None:
        return GoalDiff(goal, f"no build of {check.image} yet")
    cached = sum(1 for s in record.steps if s.cached)
    yours = [f"{cached} CACHED, {len(record.steps) - cached} run"]
    by_name = {normal_step(s.instruction): s.cached for s in record.steps}
    for name in (*check.cached, *check.rebuilt):
        state = by_name.get(normal_step(name))
        how = "no such step" if state is None else "CACHED" if state else "run"
        yours.append(f"{_short(name)} {how}")
    return GoalDiff(goal, ", ".join(yours))


def _one_container(c: ContainerView) -> str:
    state = "running" if c.running else "stopped"
    ports = ", ".join(str(p) for p in c.host_ports) or "no port"
    return f"{c.name} ({state}, from {c.image}, publishes {ports})"


def _container(check: ContainerCheck, ctx: CheckContext) -> GoalDiff:
    what = container_phrase(check)
    if not check.exists:
        goal = f"no {what}"
    else:
        goal = f"a {what}" if check.count == 1 else f"{check.count} × {what}"
    # the containers the learner probably meant: same name, else same image, else all
    every = list(ctx.engine.containers())
    near = ([c for c in every if check.name and c.name == check.name]
            or [c for c in every if check.image and c.image == check.image] or every)
    if not near:
        return GoalDiff(goal, "no containers")
    shown = "; ".join(_one_container(c) for c in near[:3])
    more = f"; and {len(near) - 3} more" if len(near) > 3 else ""
    return GoalDiff(goal, shown + more)


def _command(check: CommandCheck, ctx: CheckContext) -> GoalDiff:
    goal = "the command the step shows" + (", succeeding" if check.succeeded else "")
    pattern = re.compile(check.pattern)
    ran = [c for c in ctx.commands if pattern.search(c.line)]
    if ran:
        last = ran[-1]
        return GoalDiff(goal, f"`{last.line}` exited with status {last.status}")
    if ctx.commands:
        return GoalDiff(goal, f"not run yet (last: `{_short(ctx.commands[-1].line, 40)}`)")
    return GoalDiff(goal, "no command yet in this step")


def _file(check: FileCheck, ctx: CheckContext) -> GoalDiff:
    if not check.exists:
        goal = f"no file {check.path}"
    elif check.contains:
        goal = f"{check.path} containing `{check.contains}`"
    elif check.matches:
        goal = f"{check.path} as the step shows it"
    else:
        goal = f"a file {check.path}"
    path = ctx.workspace / check.path
    if not path.is_file():
        return GoalDiff(goal, f"no file {check.path}")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return GoalDiff(goal, f"{check.path} cannot be read: {exc.strerror}")
    lines = len(text.splitlines())
    found = f"{check.path} ({plural(lines, 'line')})"
    if check.contains and check.contains not in text:
        found += f", without `{check.contains}`"
    elif check.matches and not re.search(check.matches, text, re.MULTILINE):
        found += ", not yet as the step shows"
    return GoalDiff(goal, found)


def _shared(check: SharedLayersCheck, ctx: CheckContext) -> GoalDiff:
    a, b = check.images
    goal = f"{a} and {b} sharing at least {plural(check.min_shared, 'layer')}"
    first, second = (ctx.engine.image_layers(ref) for ref in check.images)
    missing = [ref for ref, layers in ((a, first), (b, second)) if layers is None]
    if missing or first is None or second is None:
        return GoalDiff(goal, "no image " + " or ".join(missing) + " yet")
    shared = len(set(first) & set(second))
    return GoalDiff(goal, f"{plural(shared, 'shared layer')} ({a}: {len(first)}, "
                          f"{b}: {len(second)})")


DESCRIBERS: dict[type, Callable[..., GoalDiff]] = {
    ImageCheck: _image,
    BuildCheck: _build,
    ContainerCheck: _container,
    CommandCheck: _command,
    FileCheck: _file,
    SharedLayersCheck: _shared,
}


def goal_diff(check: Check, ctx: CheckContext) -> GoalDiff:
    return DESCRIBERS[type(check)](check, ctx)


def step_goal_diff(checks: Sequence[Check], ctx: CheckContext) -> GoalDiff | None:
    """The first failing check's goal and the learner's state; None when every check passes."""
    failing = next((c for c in checks if not evaluate(c, ctx).passed), None)
    return None if failing is None else goal_diff(failing, ctx)
