"""`docker image inspect`: LastTagTime as Docker 28 stamps it, and empty maps in templates."""

from __future__ import annotations

from pathlib import Path

from tests.dockercli.conftest import Docker

ZERO = "0001-01-01T00:00:00Z\n"
LAST_TAG = "{{.Metadata.LastTagTime}}"


def test_a_pulled_image_was_never_tagged_by_the_daemon(docker: Docker) -> None:
    assert docker("pull", "-q", "alpine:3.20").status == 0
    assert docker("image", "inspect", "-f", LAST_TAG, "alpine:3.20").out == ZERO


def test_docker_tag_stamps_the_time(docker: Docker) -> None:
    docker("pull", "-q", "alpine:3.20")
    assert docker("tag", "alpine:3.20", "mine:1").status == 0
    stamped = docker("image", "inspect", "-f", LAST_TAG, "mine:1").out
    assert stamped != ZERO and stamped.startswith("20")


def test_a_built_image_is_stamped(docker: Docker, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo hi > /f\n")
    assert docker("build", "-q", "-t", "app", str(tmp_path)).status == 0
    assert docker("image", "inspect", "-f", LAST_TAG, "app").out != ZERO


def test_labels_of_an_image_without_labels_print_null(docker: Docker) -> None:
    docker("pull", "-q", "alpine:3.20")
    out = docker("image", "inspect", "-f", "{{json .Config.Labels}}", "alpine:3.20").out
    assert out == "null\n"
