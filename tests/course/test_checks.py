"""Step checks against a fake engine: each kind passes when the state matches and explains why
not when it does not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tutor.course.checks import (
    BuildRecord,
    BuildStep,
    CheckContext,
    CheckSpecError,
    CommandRecord,
    ContainerView,
    evaluate,
    evaluate_all,
    parse_check,
)


@dataclass
class FakeEngine:
    images: dict[str, tuple[str, ...]] = field(default_factory=dict)
    builds: dict[str, BuildRecord] = field(default_factory=dict)
    running: list[ContainerView] = field(default_factory=list)

    def image_layers(self, ref: str) -> tuple[str, ...] | None:
        return self.images.get(ref)

    def last_build(self, ref: str) -> BuildRecord | None:
        return self.builds.get(ref)

    def containers(self) -> Sequence[ContainerView]:
        return self.running


BASE = ("sha256:a", "sha256:b", "sha256:c", "sha256:d")
ENGINE = FakeEngine(
    images={
        "node:20-alpine": BASE,
        "my-app:1.0": (*BASE, "sha256:e", "sha256:f"),
        "other:1": ("sha256:z",),
    },
    builds={
        "my-app:1.0": BuildRecord(
            (
                BuildStep("FROM docker.io/library/node:20-alpine", True),
                BuildStep("WORKDIR /app", True),
                BuildStep("COPY package.json .", True),
                BuildStep("RUN  npm install", True),
                BuildStep("COPY . .", False),
            )
        )
    },
    running=[
        ContainerView("web", "nginx:alpine", True, (8080,)),
        ContainerView("box1", "alpine:3.21", False),
    ],
)
COMMANDS = [CommandRecord("docker images", 0), CommandRecord("docker rmi alpine:3.21", 1)]

CASES = [
    ("image-exists", {"kind": "image", "ref": "my-app:1.0"}, True),
    ("image-missing", {"kind": "image", "ref": "nope:1"}, False),
    ("image-layers-right", {"kind": "image", "ref": "my-app:1.0", "layers": 6}, True),
    ("image-layers-wrong", {"kind": "image", "ref": "my-app:1.0", "layers": 8}, False),
    ("image-absent", {"kind": "image", "ref": "nope:1", "exists": False}, True),
    ("image-not-absent", {"kind": "image", "ref": "other:1", "exists": False}, False),
    ("build-min-cached", {"kind": "build", "image": "my-app:1.0", "min_cached": 4}, True),
    ("build-min-cached-fails", {"kind": "build", "image": "my-app:1.0", "min_cached": 5}, False),
    ("build-max-rebuilt", {"kind": "build", "image": "my-app:1.0", "max_rebuilt": 0}, False),
    (
        "build-named-steps",
        {
            "kind": "build",
            "image": "my-app:1.0",
            "cached": ["RUN npm install"],
            "rebuilt": ["COPY . ."],
        },
        True,
    ),
    (
        "build-step-wrong-state",
        {"kind": "build", "image": "my-app:1.0", "rebuilt": ["WORKDIR /app"]},
        False,
    ),
    ("build-no-such-step", {"kind": "build", "image": "my-app:1.0", "cached": ["RUN ls"]}, False),
    ("build-never", {"kind": "build", "image": "other:1", "min_cached": 0}, False),
    (
        "container-publishes",
        {"kind": "container", "image": "nginx:alpine", "running": True, "publishes": 8080},
        True,
    ),
    (
        "container-wrong-port",
        {"kind": "container", "image": "nginx:alpine", "publishes": 9090},
        False,
    ),
    ("container-by-name", {"kind": "container", "name": "box1", "image": "alpine:3.21"}, True),
    ("container-not-running", {"kind": "container", "name": "box1", "running": True}, False),
    ("container-count", {"kind": "container", "image": "alpine:3.21", "count": 2}, False),
    ("container-gone", {"kind": "container", "name": "box2", "exists": False}, True),
    ("container-still-there", {"kind": "container", "name": "box1", "exists": False}, False),
    ("command-ran", {"kind": "command", "matches": r"^docker\s+images$"}, True),
    ("command-failed", {"kind": "command", "matches": r"rmi alpine"}, False),
    (
        "command-failed-allowed",
        {"kind": "command", "matches": r"rmi alpine", "succeeded": False},
        True,
    ),
    ("command-not-ran", {"kind": "command", "matches": r"docker ps"}, False),
    ("file-contains", {"kind": "file", "path": "Dockerfile", "contains": "RUN npm"}, True),
    ("file-not-contains", {"kind": "file", "path": "Dockerfile", "contains": "LABEL"}, False),
    ("file-matches", {"kind": "file", "path": "Dockerfile", "matches": r"^COPY \. \.\nRUN"}, True),
    ("file-missing", {"kind": "file", "path": ".dockerignore"}, False),
    ("file-absent", {"kind": "file", "path": ".dockerignore", "exists": False}, True),
    (
        "shared",
        {"kind": "shared_layers", "images": ["node:20-alpine", "my-app:1.0"], "min": 4},
        True,
    ),
    ("shared-too-few", {"kind": "shared_layers", "images": ["other:1", "my-app:1.0"]}, False),
    ("shared-missing-image", {"kind": "shared_layers", "images": ["nope", "my-app:1.0"]}, False),
]


@pytest.fixture
def ctx(tmp_path: Path) -> CheckContext:
    (tmp_path / "Dockerfile").write_text("FROM node:20-alpine\nCOPY . .\nRUN npm install\n")
    return CheckContext(ENGINE, COMMANDS, tmp_path)


@pytest.mark.parametrize(("table", "passes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check(table: dict[str, object], passes: bool, ctx: CheckContext) -> None:
    outcome = evaluate(parse_check(table), ctx)
    assert outcome.passed is passes
    assert outcome.detail


def test_all_checks_must_pass_and_the_first_failure_explains(ctx: CheckContext) -> None:
    good = parse_check({"kind": "image", "ref": "my-app:1.0"})
    bad = parse_check({"kind": "image", "ref": "my-app:1.0", "layers": 3})
    assert evaluate_all([good], ctx).passed
    outcome = evaluate_all([good, bad, good], ctx)
    assert not outcome.passed
    assert outcome.detail == "my-app:1.0 has 6 layers, not 3"


BAD_SPECS = [
    ("no-kind", {"ref": "x"}, "kind"),
    ("unknown-kind", {"kind": "volume"}, "kind"),
    ("unknown-key", {"kind": "image", "ref": "x", "tag": "y"}, "tag"),
    ("missing-key", {"kind": "image"}, ""),
    ("wrong-type", {"kind": "image", "ref": "x", "layers": "3"}, "layers"),
    ("bool-is-not-int", {"kind": "image", "ref": "x", "layers": True}, "layers"),
    ("negative", {"kind": "build", "image": "x", "min_cached": -1}, "min_cached"),
    ("list-of-non-strings", {"kind": "build", "image": "x", "cached": [1]}, "cached"),
    ("bad-regex", {"kind": "command", "matches": "("}, "matches"),
    ("container-needs-target", {"kind": "container", "running": True}, ""),
    ("file-escapes", {"kind": "file", "path": "../etc/passwd"}, "path"),
    ("file-absolute", {"kind": "file", "path": "/etc/passwd"}, "path"),
    ("shared-needs-two", {"kind": "shared_layers", "images": ["a"]}, "images"),
]


@pytest.mark.parametrize(
    ("table", "key"), [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS]
)
def test_bad_check_specs_name_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(CheckSpecError) as info:
        parse_check(table)
    assert info.value.key == key


def test_details_count_one_layer_in_the_singular(ctx: CheckContext) -> None:
    other = evaluate(parse_check({"kind": "image", "ref": "other:1"}), ctx)
    wrong = evaluate(parse_check({"kind": "image", "ref": "other:1", "layers": 2}), ctx)
    assert other.detail == "other:1 exists with 1 layer"
    assert wrong.detail == "other:1 has 1 layer, not 2"
