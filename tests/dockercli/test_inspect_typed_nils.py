"""`docker image inspect -f`: the CLI runs the template on the typed response first, so nil
maps and slices are values of their type, while `json` still encodes them as `null`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker

# Written for Engine 28 (API 1.51, classic store) responses.
pytestmark = pytest.mark.docker_profile("28")

CASES = [
    ("nil-map", "{{.Config.Labels}}", "map[]"),
    ("nil-map-json", "{{json .Config.Labels}}", "null"),
    ("nil-map-len", "{{len .Config.Labels}}", "0"),
    ("nil-map-range", "{{range .Config.Labels}}x{{else}}empty{{end}}", "empty"),
    ("nil-map-if", "{{if .Config.Labels}}yes{{else}}no{{end}}", "no"),
    ("nil-slice", "{{.Config.Entrypoint}}", "[]"),
    ("nil-slice-json", "{{json .Config.Entrypoint}}", "null"),
    ("slice", "{{.Config.Env}}",
     "[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]"),
    ("slice-json", "{{json .Config.Cmd}}", '["/bin/sh"]'),
    ("int", "{{.Size}}", "7797000"),
    ("empty-string", "[{{.Config.User}}]", "[]"),
]


@pytest.mark.parametrize(("fmt", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_typed_values(docker: Docker, fmt: str, expected: str) -> None:
    assert docker("pull", "-q", "alpine:3.20").status == 0
    result = docker("image", "inspect", "-f", fmt, "alpine:3.20")
    assert (result.status, result.out) == (0, expected + "\n")


def test_a_set_map_and_the_plain_json_output_are_unchanged(docker: Docker,
                                                              tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nLABEL b=2 a=1\nENV A=1 B=2\n")
    assert docker("build", "-q", "-t", "app", str(tmp_path)).status == 0
    assert docker("image", "inspect", "-f", "{{.Config.Labels}}", "app").out == "map[a:1 b:2]\n"
    assert docker("image", "inspect", "-f", "{{.Config.Env}}", "app").out.endswith(" A=1 B=2]\n")
    assert '"Entrypoint": null' in docker("image", "inspect", "app").out


@pytest.mark.parametrize(("fmt", "expected"), [c[1:] for c in CASES[:6]],
                         ids=[c[0] for c in CASES[:6]])
def test_docker_inspect_of_an_image_is_typed_too(docker: Docker, fmt: str,
                                                  expected: str) -> None:
    assert docker("pull", "-q", "alpine:3.20").status == 0
    result = docker("inspect", "-f", fmt, "alpine:3.20")
    assert (result.status, result.out) == (0, expected + "\n")
