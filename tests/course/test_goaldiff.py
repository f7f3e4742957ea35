"""Goal-diff: every check kind says what the goal is and what the learner's state is, from the
check and the engine (a fake here, as in test_checks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.course.test_checks import FakeEngine
from tutor.course import checks
from tutor.course.checks import (
    BuildRecord,
    BuildStep,
    CheckContext,
    CommandRecord,
    ContainerView,
    parse_check,
)
from tutor.course.goaldiff import DESCRIBERS, GoalDiff, goal_diff, step_goal_diff

BASE = ("sha256:a", "sha256:b")
ENGINE = FakeEngine(
    images={
        "node:20-alpine": BASE,
        "my-app:1.0": (*BASE, "sha256:c", "sha256:d", "sha256:e", "sha256:f"),
        "other:1": ("sha256:z",),
    },
    builds={
        "my-app:1.0": BuildRecord((
            BuildStep("FROM docker.io/library/node:20-alpine", True),
            BuildStep("COPY package.json .", True),
            BuildStep("RUN apt-get update", True),
            BuildStep("RUN apt-get install -y curl", False),
            BuildStep("COPY . .", False),
        )),
    },
    running=[
        ContainerView("web", "nginx:alpine", True, (8080,)),
        ContainerView("box1", "alpine:3.21", False),
    ],
)


def diff(table: dict[str, object], tmp_path: Path,
         commands: tuple[CommandRecord, ...] = ()) -> GoalDiff:
    ctx = CheckContext(ENGINE, commands, tmp_path)
    return goal_diff(parse_check(table), ctx)


def test_every_check_kind_has_a_goal_diff() -> None:
    kinds = {t for t in checks.Check.__args__}  # type: ignore[attr-defined]
    assert set(DESCRIBERS) == kinds


def test_image_layer_count_names_the_runs_that_could_be_one(tmp_path: Path) -> None:
    d = diff({"kind": "image", "ref": "my-app:1.0", "layers": 4}, tmp_path)
    assert d.goal == "my-app:1.0 with 4 layers"
    assert d.actual.startswith("6 layers — `RUN apt-get update` and `RUN apt-get install")
    assert d.actual.endswith("could be one RUN")
    fewer = diff({"kind": "image", "ref": "my-app:1.0", "layers": 8}, tmp_path)
    assert fewer.actual == "6 layers"


def test_image_missing_or_still_there(tmp_path: Path) -> None:
    assert diff({"kind": "image", "ref": "nope:1"}, tmp_path) == \
        GoalDiff("an image nope:1", "no such image yet")
    assert diff({"kind": "image", "ref": "nope:1", "layers": 2}, tmp_path).actual == \
        "no image nope:1 yet"
    assert diff({"kind": "image", "ref": "other:1", "exists": False}, tmp_path) == \
        GoalDiff("no image other:1", "other:1 is still here")


def test_build_cached_and_rebuilt_steps_against_the_goal(tmp_path: Path) -> None:
    d = diff({"kind": "build", "image": "my-app:1.0", "min_cached": 4,
              "cached": ["COPY . ."], "rebuilt": ["COPY package.json ."]}, tmp_path)
    assert d.goal == ("a build of my-app:1.0, at least 4 steps CACHED, COPY . . CACHED, "
                      "COPY package.json . run")
    assert d.actual == "3 CACHED, 2 run, COPY . . run, COPY package.json . CACHED"
    assert diff({"kind": "build", "image": "new:1"}, tmp_path).actual == "no build of new:1 yet"
    missing = diff({"kind": "build", "image": "my-app:1.0", "cached": ["RUN nope"]}, tmp_path)
    assert missing.actual.endswith("RUN nope no such step")


def test_container_goal_against_the_containers_there(tmp_path: Path) -> None:
    d = diff({"kind": "container", "name": "web", "running": True, "publishes": 9090}, tmp_path)
    assert d.goal == "a running container named web publishing port 9090"
    assert d.actual == "web (running, from nginx:alpine, publishes 8080)"
    by_image = diff({"kind": "container", "image": "alpine:3.21", "running": True}, tmp_path)
    assert by_image.actual == "box1 (stopped, from alpine:3.21, publishes no port)"
    gone = diff({"kind": "container", "name": "web", "exists": False}, tmp_path)
    assert gone.goal == "no container named web"


def test_command_run_or_not(tmp_path: Path) -> None:
    table: dict[str, object] = {"kind": "command", "matches": r"docker\s+history"}
    assert diff(table, tmp_path).actual == "no command yet in this step"
    ran = (CommandRecord("docker images", 0), CommandRecord("docker history nope", 1))
    assert diff(table, tmp_path, ran) == GoalDiff(
        "the command the step shows, succeeding", "`docker history nope` exited with status 1")
    assert diff(table, tmp_path, ran[:1]).actual == "not run yet (last: `docker images`)"


def test_file_missing_or_without_the_text(tmp_path: Path) -> None:
    table: dict[str, object] = {"kind": "file", "path": ".dockerignore",
                                "contains": "node_modules"}
    assert diff(table, tmp_path) == GoalDiff(".dockerignore containing `node_modules`",
                                            "no file .dockerignore")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    assert diff(table, tmp_path).actual == ".dockerignore (1 line), without `node_modules`"


def test_shared_layers_counted(tmp_path: Path) -> None:
    d = diff({"kind": "shared_layers", "images": ["my-app:1.0", "node:20-alpine"], "min": 3},
             tmp_path)
    assert d == GoalDiff("my-app:1.0 and node:20-alpine sharing at least 3 layers",
                         "2 shared layers (my-app:1.0: 6, node:20-alpine: 2)")
    assert diff({"kind": "shared_layers", "images": ["my-app:1.0", "gone:1"]},
                tmp_path).actual == "no image gone:1 yet"


@pytest.mark.parametrize("failing", [False, True])
def test_the_steps_diff_is_its_first_failing_check(tmp_path: Path, failing: bool) -> None:
    tables = [{"kind": "image", "ref": "my-app:1.0"},
              {"kind": "image", "ref": "my-app:1.0", "layers": 4 if failing else 6}]
    found = step_goal_diff([parse_check(t) for t in tables], CheckContext(ENGINE, (), tmp_path))
    assert (found is not None) == failing
    if found is not None:
        assert found.goal == "my-app:1.0 with 4 layers"
        assert found.markdown.startswith("**Goal:** my-app:1.0 with 4 layers  \n**Yours:** 6")
