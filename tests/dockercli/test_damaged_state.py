"""State that is valid JSON of the wrong shape, missing layers or content, and containers whose
image was force-removed: every command keeps working on what is intact (issue 14)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker

# Written for the classic store's view (untagged images listed); what is set aside and how it
# is reported does not depend on the profile.
pytestmark = pytest.mark.docker_profile("28")


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTOR_DEBUG", raising=False)


@pytest.mark.parametrize("raw", ['[1, 2]', '{"clock": "noon"}', '{"counters": {"x": "y"}}',
                                 '"text"', "null"])
def test_engine_json_of_the_wrong_shape_is_set_aside(
        docker: Docker, isolated_state: Path, raw: str) -> None:
    assert docker("pull", "-q", "alpine").status == 0
    (isolated_state / "engine.json").write_text(raw)
    result = docker("images", "--format", "{{.Repository}}")
    assert result.status == 0, result.err
    assert result.out == "alpine\n"
    assert "engine.json" in result.err and "set aside" in result.err
    assert (isolated_state / "engine.json.corrupt-1").read_text() == raw
    assert docker("images").err == ""  # written afresh: said once, not on every command


@pytest.mark.parametrize("raw", ['["alpine"]', '{"alpine:latest": 5}'])
def test_repositories_json_of_the_wrong_shape_is_set_aside(
        docker: Docker, isolated_state: Path, raw: str) -> None:
    assert docker("pull", "-q", "alpine").status == 0
    (isolated_state / "repositories.json").write_text(raw)
    result = docker("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert result.status == 0, result.err
    assert result.out == "alpine:<none>\n"  # the image is kept, only its tag was lost
    assert "repositories.json" in result.err and "set aside" in result.err
    assert docker("tag", docker("images", "-q").out.strip(), "back:1").status == 0
    assert "back:1" in docker("images", "--format", "{{.Repository}}:{{.Tag}}").out.split()


@pytest.mark.parametrize("doc", [[1], {"id": 1}, {"id": "x", "config": 5, "repo_digests": [],
                                                  "last_tag_time": 0},
                                 {"id": "x", "config": '{"rootfs": 5}', "repo_digests": [],
                                  "last_tag_time": 0}])
def test_an_image_record_of_the_wrong_shape_is_set_aside(
        docker: Docker, isolated_state: Path, doc: object) -> None:
    assert docker("pull", "-q", "alpine").status == 0
    assert docker("pull", "-q", "busybox").status == 0
    record = next(p for p in (isolated_state / "images").glob("*.json")
                  if "busybox" not in p.read_text())
    record.write_text(json.dumps(doc))
    result = docker("images", "--format", "{{.Repository}}")
    assert result.status == 0, result.err
    assert result.out == "busybox\n"
    assert "set aside" in result.err
    assert list((isolated_state / "images").glob("*.corrupt-1"))


def test_missing_layer_content_leaves_images_listable_and_the_record_in_place(
        docker: Docker, isolated_state: Path) -> None:
    assert docker("pull", "-q", "alpine").status == 0
    assert docker("pull", "-q", "busybox").status == 0
    layers = sorted((isolated_state / "layers").glob("*.json"))
    for item in (isolated_state / "content").iterdir():
        item.unlink()
    result = docker("images", "--format", "{{.Repository}}")
    assert result.status == 0, result.err
    assert sorted(result.out.split()) == ["alpine", "busybox"]
    assert "is damaged in this sandbox" in result.err
    assert sorted((isolated_state / "layers").glob("*.json")) == layers  # nothing set aside
    assert not list((isolated_state / "layers").glob("*.corrupt-*"))
    # removing and pulling again repairs it
    assert docker("rmi", "alpine").status == 0
    assert docker("pull", "-q", "alpine").status == 0
    assert docker("run", "--rm", "alpine", "echo", "ok").out == "ok\n"


def test_a_missing_layer_record_leaves_images_listable(
        docker: Docker, isolated_state: Path) -> None:
    assert docker("pull", "-q", "alpine").status == 0
    for layer in (isolated_state / "layers").glob("*.json"):
        layer.unlink()
    result = docker("images", "--format", "{{.Repository}}")
    assert result.status == 0, result.err
    assert result.out == "alpine\n"
    assert "missing or damaged" in result.err


def test_a_stopped_container_outlives_its_force_removed_image(
        docker: Docker, tmp_path: Path) -> None:
    assert docker("pull", "-q", "alpine").status == 0
    assert docker("run", "--name", "box", "alpine", "sh", "-c",
                  "echo kept > /note").status == 0
    assert docker("rmi", "-f", "alpine").status == 0
    assert docker("images", "-q").out == ""
    started = docker("start", "-a", "box")
    assert started.status == 0, started.err
    copied = docker("cp", "box:/note", str(tmp_path / "note"))
    assert copied.status == 0, copied.err
    assert (tmp_path / "note").read_text() == "kept\n"
    exported = docker("export", "-o", str(tmp_path / "box.tar"), "box")
    assert exported.status == 0, exported.err
    with tarfile.open(tmp_path / "box.tar") as tar:
        names = tar.getnames()
        assert "note" in names and "bin/busybox" in names
        note = tar.extractfile("note")
        assert note is not None and io.BytesIO(note.read()).read() == b"kept\n"
