"""`docker commit` metadata as moby's classic store writes it: LastTagTime only for a named
commit, the parent recorded beside the image, and the config of `NewChildImage`."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker

ZERO = "0001-01-01T00:00:00Z\n"


@pytest.fixture
def committed(docker: Docker) -> Docker:
    assert docker("pull", "-q", "alpine:3.20").status == 0
    assert docker("run", "--name", "box", "alpine:3.20", "sh", "-c", "echo hi > /x").status == 0
    return docker


def _inspect(docker: Docker, fmt: str, name: str) -> str:
    result = docker("image", "inspect", "-f", fmt, name)
    assert result.status == 0, result.err
    return result.out


def test_only_a_named_commit_stamps_last_tag_time(committed: Docker) -> None:
    unnamed = committed("commit", "box").out.strip()
    assert _inspect(committed, "{{.Metadata.LastTagTime}}", unnamed) == ZERO
    committed("commit", "box", "snap:1")
    assert _inspect(committed, "{{.Metadata.LastTagTime}}", "snap:1") != ZERO


@pytest.mark.docker_profile("28")  # API 1.51 returns Parent and DockerVersion always
def test_parent_and_docker_version(committed: Docker) -> None:
    committed("commit", "box", "snap:1")
    alpine = _inspect(committed, "{{.Id}}", "alpine:3.20").strip()
    assert _inspect(committed, "{{.Parent}} {{.DockerVersion}}", "snap:1") == f"{alpine} 28.5.1\n"
    assert _inspect(committed, "[{{.Parent}}] [{{.DockerVersion}}]", "alpine:3.20") == "[] []\n"


def test_the_parent_survives_a_new_session(committed: Docker, isolated_state: Path) -> None:
    committed("commit", "box", "snap:1")
    record = next(p for p in (isolated_state / "images").glob("*.json")
                  if json.loads(p.read_text())["parent"])
    assert json.loads(record.read_text())["parent"].startswith("sha256:")


def test_history_names_the_parent_while_it_exists(committed: Docker) -> None:
    committed("commit", "box", "snap:1")
    ids = committed("history", "-q", "snap:1").out.split()
    snap = _inspect(committed, "{{.Id}}", "snap:1")[7:19]
    alpine = _inspect(committed, "{{.Id}}", "alpine:3.20")[7:19]
    assert ids[:2] == [snap, alpine] and set(ids[2:]) == {"<missing>"}
    committed("rm", "box")
    assert committed("rmi", "alpine:3.20").status == 0
    assert committed("history", "-q", "snap:1").out.split()[1:] == ["<missing>"] * (len(ids) - 1)


@pytest.mark.docker_profile("28")  # NewChildImage of Engine 28; ID = config digest
def test_config_is_moby_child_image(committed: Docker, tmp_path: Path) -> None:
    committed("commit", "-m", "hello", "box", "snap:1")
    container = committed("inspect", "-f", "{{.Id}}", "box").out.strip()
    committed("save", "-o", str(tmp_path / "snap.tar"), "snap:1")
    image_id = _inspect(committed, "{{.Id}}", "snap:1").strip()
    with tarfile.open(tmp_path / "snap.tar") as tar:
        member = tar.extractfile("blobs/sha256/" + image_id[7:])
        assert member is not None
        raw = member.read()
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == image_id
    doc = json.loads(raw)
    assert list(doc) == sorted(doc)
    assert "parent" not in doc  # the parent is store metadata, never in the config
    assert doc["docker_version"] == "28.5.1" and doc["container"] == container
    for key in ("config", "container_config"):
        assert list(doc[key])[:6] == ["Hostname", "Domainname", "User", "AttachStdin",
                                      "AttachStdout", "AttachStderr"]
        assert doc[key]["Hostname"] == container[:12] and doc[key]["Image"] == "alpine:3.20"
    assert doc["container_config"]["Cmd"] == ["sh", "-c", "echo hi > /x"]
    assert doc["history"][-1]["comment"] == "hello"


def test_change_applies_to_the_containers_config(committed: Docker) -> None:
    result = committed("commit", "-c", 'CMD ["cat", "/x"]', "-c", "ENV GREETING=hi", "box",
                       "snap:1")
    assert result.status == 0, result.err
    assert _inspect(committed, "{{json .Config.Cmd}}", "snap:1") == '["cat","/x"]\n'
    assert _inspect(committed, "{{json .Config.Env}}", "snap:1").endswith(',"GREETING=hi"]\n')
    assert committed("run", "--rm", "snap:1").out == "hi\n"


def test_an_entrypoint_change_drops_the_cmd(committed: Docker) -> None:
    assert committed("commit", "-c", 'ENTRYPOINT ["echo"]', "box", "snap:2").status == 0
    assert _inspect(committed, "{{json .Config.Entrypoint}} {{json .Config.Cmd}}",
                    "snap:2") == '["echo"] null\n'


def test_a_step_is_not_a_valid_commit_change(committed: Docker) -> None:
    result = committed("commit", "-c", "RUN echo", "box", "snap:3")
    assert (result.status, result.err) == (
        1, "Error response from daemon: run is not a valid change command\n")
