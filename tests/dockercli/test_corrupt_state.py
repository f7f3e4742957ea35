"""A damaged state directory gets a clear message and is set aside, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker

# Written for Docker 28 (classic store) output.
pytestmark = pytest.mark.docker_profile("28")


def test_a_corrupt_tag_file_is_set_aside_and_reported(
    docker: Docker, isolated_state: Path, monkeypatch: object
) -> None:
    assert docker("pull", "alpine:3.21").status == 0
    (isolated_state / "repositories.json").write_text("garbage{")
    result = docker("images")
    assert result.status == 0
    assert result.err == ("tutor: warning: repositories.json was unreadable and has been set "
                          "aside as repositories.json.corrupt-1\n")
    assert (isolated_state / "repositories.json.corrupt-1").read_text() == "garbage{"
    assert "<none>" in result.out  # the image is still there, only its tag was lost


def test_a_damaged_layer_is_reported_then_repaired_by_pulling_again(
    docker: Docker, isolated_state: Path, monkeypatch: object
) -> None:
    import pytest

    mp = pytest.MonkeyPatch()
    mp.delenv("TUTOR_DEBUG", raising=False)
    try:
        assert docker("pull", "alpine:3.21").status == 0
        for layer in (isolated_state / "layers").glob("*.json"):
            layer.write_text("[")
        broken = docker("run", "--rm", "alpine:3.21", "true")
        assert broken.status != 0
        assert "is missing or damaged in this sandbox" in broken.err
        assert "Traceback" not in broken.err
        docker("rmi", "alpine:3.21")
        assert docker("pull", "alpine:3.21").status == 0
        assert docker("run", "--rm", "alpine:3.21", "echo", "ok").out == "ok\n"
    finally:
        mp.undo()
