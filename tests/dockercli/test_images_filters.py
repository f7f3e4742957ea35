"""`docker images --filter`: moby's image list filters, how they combine, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker

# Written for Docker 28 (classic store) output.
pytestmark = pytest.mark.docker_profile("28")

ROW = "{{.Repository}}:{{.Tag}}"
DOCKERFILE = "FROM alpine:3.20\nLABEL tier=web team={team}\nRUN echo {n} > /f\n"


@pytest.fixture
def sandbox(docker: Docker, tmp_path: Path) -> Docker:
    """busybox (oldest), alpine:3.20, a dangling build, app:1 (team=blue), app:2 (team=red)."""
    assert docker("pull", "-q", "busybox").status == 0
    assert docker("pull", "-q", "alpine:3.20").status == 0
    for tag, team, n in (("app:1", "blue", 1), ("app:1", "blue", 2), ("app:2", "red", 3)):
        (tmp_path / "Dockerfile").write_text(DOCKERFILE.format(team=team, n=n))
        assert docker("build", "-q", "-t", tag, str(tmp_path)).status == 0
    return docker


def _listed(docker: Docker, *argv: str) -> list[str]:
    result = docker("images", "--format", ROW, *argv)
    assert result.status == 0, result.err
    return sorted(result.out.splitlines())


CASES = [
    ("none-shows-dangling-too", [],
     ["<none>:<none>", "alpine:3.20", "app:1", "app:2", "busybox:latest"]),
    ("dangling-true", ["-f", "dangling=true"], ["<none>:<none>"]),
    ("dangling-1", ["-f", "dangling=1"], ["<none>:<none>"]),
    ("dangling-false", ["-f", "dangling=false"],
     ["alpine:3.20", "app:1", "app:2", "busybox:latest"]),
    ("label-key", ["-f", "label=tier"], ["<none>:<none>", "app:1", "app:2"]),
    ("label-key-value", ["-f", "label=team=red"], ["app:2"]),
    ("labels-all-must-match", ["-f", "label=tier", "-f", "label=team=blue"],
     ["<none>:<none>", "app:1"]),
    ("labels-no-match", ["-f", "label=team=red", "-f", "label=team=blue"], []),
    ("before", ["-f", "before=alpine:3.20"], ["busybox:latest"]),
    ("since", ["-f", "since=alpine:3.20"], ["<none>:<none>", "app:1", "app:2"]),
    ("since-and-until", ["-f", "since=busybox", "-f", "until=1h"], ["alpine:3.20"]),
    ("two-befores-take-the-oldest", ["-f", "before=app:2", "-f", "before=alpine:3.20"],
     ["busybox:latest"]),
    ("reference-name", ["-f", "reference=app"], ["app:1", "app:2"]),
    ("reference-glob", ["-f", "reference=a*"], ["alpine:3.20", "app:1", "app:2"]),
    ("reference-tag-glob", ["-f", "reference=app:[2-9]"], ["app:2"]),
    ("reference-star-stops-at-slash", ["-f", "reference=*/app"], []),
    ("references-or", ["-f", "reference=busybox", "-f", "reference=app:1"],
     ["app:1", "busybox:latest"]),
    ("positional-or-reference", ["busybox", "-f", "reference=app:1"],
     ["app:1", "busybox:latest"]),
    ("reference-and-label", ["-f", "reference=app", "-f", "label=team=blue"], ["app:1"]),
    ("reference-and-dangling", ["-f", "reference=app", "-f", "dangling=true"], []),
    ("until-an-hour-ago", ["-f", "until=1h"], ["alpine:3.20", "busybox:latest"]),
    ("key-case-and-spaces", ["-f", " LABEL = team=red "], ["app:2"]),
]


@pytest.mark.parametrize(("argv", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_filters_select_as_moby_does(sandbox: Docker, argv: list[str],
                                     expected: list[str]) -> None:
    assert _listed(sandbox, *argv) == expected


ERRORS = [
    ("unknown-key", ["-f", "x=1"], "invalid filter 'x'"),
    ("dangling-not-bool", ["-f", "dangling=maybe"], "invalid filter 'dangling=[maybe]'"),
    ("dangling-conflict", ["-f", "dangling=true", "-f", "dangling=false"],
     "invalid filter 'dangling=[true false]'"),
    ("dangling-empty", ["-f", "dangling="], "invalid filter 'dangling=[]'"),
    ("before-missing-image", ["-f", "before=nope"], "No such image: nope:latest"),
    ("bad-pattern", ["-f", "reference=["], "syntax error in pattern"),
    ("bad-until", ["-f", "until=soon"], 'failed to parse value as time or duration: "soon"'),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_bad_filters_are_daemon_errors(sandbox: Docker, argv: list[str], message: str) -> None:
    result = sandbox("images", *argv)
    assert result.status == 1
    assert result.out == ""
    assert result.err == f"Error response from daemon: {message}\n"


def test_a_digest_row_follows_the_reference_filter(sandbox: Docker) -> None:
    fmt = "{{.Repository}} {{.Tag}} {{.Digest}}"
    pulled = sandbox("images", "--digests", "--format", fmt, "alpine").out.split()
    assert pulled[:2] == ["alpine", "3.20"] and pulled[2].startswith("sha256:")
    # `alpine:3.20` matches the tag but not `alpine@sha256:…`: the digest is filtered out.
    assert sandbox("images", "--format", fmt, "alpine:3.20").out == "alpine 3.20 <none>\n"


def test_a_subcommand_name_that_matches_nothing_gets_a_hint(sandbox: Docker) -> None:
    result = sandbox("images", "ls")
    assert result.out == "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
    assert result.err == '\nNo images found matching "ls": did you mean "docker image ls"?\n'
    assert sandbox("images", "nothing").err == ""
