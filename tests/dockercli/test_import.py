"""`docker import`: a tarball becomes a one-layer image with no history but its comment, and no
config but what `--change` sets (moby's ImportImage and BuildFromConfig)."""

from __future__ import annotations

import gzip
import json
import tarfile
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker


@pytest.fixture
def exported(docker: Docker, tmp_path: Path) -> Path:
    """The file system of an alpine container that wrote /hello.txt, as `docker export` wrote
    it."""
    assert docker("pull", "-q", "alpine:3.20").status == 0
    assert docker("run", "--name", "box", "alpine:3.20", "sh", "-c",
                  "echo hi > /hello.txt").status == 0
    assert docker("export", "-o", "box.tar", "box").status == 0
    return tmp_path / "box.tar"


def test_import_makes_one_layer_and_no_config(docker: Docker, exported: Path) -> None:
    result = docker("import", "box.tar", "flat:1")
    assert result.status == 0 and result.out.startswith("sha256:")
    doc = json.loads(docker("image", "inspect", "flat:1").out)[0]
    assert len(doc["RootFS"]["Layers"]) == 1
    assert doc["Config"].get("Cmd") is None and doc["Config"].get("Env") is None
    history = docker("history", "--format", "{{.CreatedBy}}|{{.Comment}}", "flat:1").out
    assert history == "|Imported from -\n"
    assert docker("run", "--rm", "flat:1", "cat", "/hello.txt").out == "hi\n"
    no_cmd = docker("run", "--rm", "flat:1")
    assert no_cmd.status != 0 and "no command specified" in no_cmd.err


def test_the_layer_is_the_tar_as_given(docker: Docker, exported: Path) -> None:
    import hashlib

    docker("import", "box.tar", "flat:1")
    gz = exported.with_suffix(".tar.gz")
    gz.write_bytes(gzip.compress(exported.read_bytes()))
    docker("import", gz.name, "flat:gz")
    diff_id = "sha256:" + hashlib.sha256(exported.read_bytes()).hexdigest()
    for ref in ("flat:1", "flat:gz"):
        layers = docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", ref).out
        assert json.loads(layers) == [diff_id], ref
    with tarfile.open(exported) as tar:
        assert "hello.txt" in tar.getnames()


def test_changes_set_the_config_and_message_the_comment(docker: Docker,
                                                         exported: Path) -> None:
    result = docker("import", "-c", 'CMD ["/bin/sh", "-c", "cat /hello.txt"]', "-c",
                    "ENV GREETING=hi", "--change", "WORKDIR /srv", "-m", "flattened",
                    "box.tar", "flat:2")
    assert result.status == 0, result.err
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config}}", "flat:2").out)
    assert config["Cmd"] == ["/bin/sh", "-c", "cat /hello.txt"]
    assert config["Env"] == ["GREETING=hi"] and config["WorkingDir"] == "/srv"
    assert docker("history", "--format", "{{.Comment}}", "flat:2").out == "flattened\n"
    assert docker("run", "--rm", "flat:2").out == "hi\n"


def test_a_step_is_not_a_valid_change(docker: Docker, exported: Path) -> None:
    result = docker("import", "-c", "RUN echo hi", "box.tar", "flat:3")
    assert (result.status, result.err) == (
        1, "Error response from daemon: run is not a valid change command\n")
    assert docker("image", "inspect", "flat:3").status == 1


def test_a_missing_file_is_reported_as_the_cli_does(docker: Docker) -> None:
    result = docker("import", "nope.tar")
    assert (result.status, result.err) == (1, "open nope.tar: no such file or directory\n")


@pytest.mark.docker_profile("28")
def test_the_classic_store_names_it_by_its_config(docker: Docker, exported: Path) -> None:
    image_id = docker("import", "box.tar", "flat:1").out.strip()
    assert docker("image", "inspect", "-f", "{{.Id}}", "flat:1").out.strip() == image_id
    assert docker("history", "--format", "{{.Comment}}", "flat:1").out == "Imported from -\n"
