"""`docker image inspect` from Engine 29 (API 1.55): `omitempty` fields left out, no legacy
config fields, no HTML escaping; on the containerd store `Descriptor`, `name@target` in
RepoDigests for every tag (local builds too), the packed size and no GraphDriver.

Sources @ docker-v29.7.2: api/types/image/image_inspect.go (field order, omitempty),
daemon/server/router/image/image_routes.go (legacy fields only below API 1.52; Parent and
DockerVersion only when set, through compat.Wrap), daemon/internal/compat/compat.go
(SetEscapeHTML(false)), daemon/containerd/image_inspect.go (Descriptor, RepoDigests, size)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tutor.engine import Engine
from tutor.paths import content_dir


@pytest.fixture
def app(docker: Docker, tmp_path: Path) -> str:
    write(tmp_path / "ctx", {"Dockerfile": 'FROM alpine:3.21\nLABEL a="<b>"\n'
                                           "RUN echo hi > /hi\n"})
    assert docker("build", "-q", "-t", "app:1", "-t", "other:2", str(tmp_path / "ctx")).status == 0
    return docker("images", "--no-trunc", "-q", "app").out.strip()


def test_containerd_store_response(docker: Docker, app: str, isolated_state: Path) -> None:
    out = docker("image", "inspect", "app:1").out
    doc = json.loads(out)[0]
    assert list(doc) == ["Id", "RepoTags", "RepoDigests", "Comment", "Created", "Config",
                         "Architecture", "Os", "Size", "RootFS", "Metadata", "Descriptor"]
    assert doc["Id"] == app
    assert doc["RepoTags"] == ["app:1", "other:2"]
    assert doc["RepoDigests"] == [f"app@{app}", f"other@{app}"]
    assert doc["Descriptor"]["digest"] == app
    assert doc["Descriptor"]["mediaType"] == "application/vnd.oci.image.index.v1+json"
    engine = Engine.open(isolated_state, assets=content_dir("assets"))
    image = engine.images.get(app)
    assert doc["Descriptor"]["size"] == len(image.record.blobs[app].encode())
    assert doc["Size"] == engine.images.packed_size(image)
    assert "User" not in doc["Config"] and doc["Config"]["Labels"] == {"a": "<b>"}
    assert '"a": "<b>"' in out, "29 does not HTML-escape"


@pytest.mark.docker_profile("29/classic")
def test_classic_store_response(docker: Docker, app: str) -> None:
    doc = json.loads(docker("image", "inspect", "app:1").out)[0]
    assert "Descriptor" not in doc and doc["GraphDriver"]["Name"] == "overlay2"
    assert doc["RepoDigests"] == [], "a local build has no digest on the classic store"
    assert list(doc)[:3] == ["Id", "RepoTags", "RepoDigests"]
    assert "Parent" not in doc and "DockerVersion" not in doc


@pytest.mark.parametrize(("fmt", "expected"), [
    ("{{.Config.Volumes}}", "map[]"),
    ("{{.Config.Entrypoint}}", "[]"),
    ("{{json .Config.Entrypoint}}", "null"),
    ("{{.Config.User}}|{{.Author}}|{{.Variant}}", "||"),
    ("{{.Config.Labels.a}}", "<b>"),
])
def test_templates_see_the_typed_response(docker: Docker, app: str, fmt: str,
                                          expected: str) -> None:
    result = docker("image", "inspect", "-f", fmt, "app:1")
    assert (result.status, result.out) == (0, expected + "\n")
