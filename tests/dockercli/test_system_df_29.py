"""`docker system df` of Engine 29: the daemon reports the images' total and what is
reclaimable (moby daemon/disk_usage.go @ docker-v29.7.2: the unused images' Size minus
SharedSize), and on the containerd store the total counts every snapshot and content blob once
(daemon/containerd/service.go ImageDiskUsage; shared sizes from image_list.go
computeSharedSize). The 29 CLI prints these numbers (cli/command/formatter/disk_usage.go)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tutor.dockercli.format import human_size
from tutor.engine import Engine
from tutor.engine.layers import snapshot_usage
from tutor.paths import content_dir


def _setup(docker: Docker, root: Path) -> None:
    write(root, {"Dockerfile": "FROM alpine:3.21\nRUN echo hi > /x\n"})
    assert docker("build", "-q", "-t", "app:1", str(root)).status == 0
    docker("run", "--name", "once", "alpine:3.21", "true")


def _expected(state: Path) -> tuple[int, int]:
    """(total, reclaimable) from the store, by moby's rules."""
    engine = Engine.open(state, assets=content_dir("assets"))
    containerd = engine.profile.containerd_store
    images = engine.images.all()
    app = next(i for i in images if any(t.familiar == "app:1" for t in i.tags))
    alpine = next(i for i in images if i is not app)
    shared_chain = engine.images.layers(alpine)[0]
    unpacked = {i.id: engine.images.unpacked_size(i, containerd) for i in images}
    content = {i.id: engine.images.content_size(i) if containerd else 0 for i in images}
    # the content store shares alpine's layer as its gzip blob
    shared = (snapshot_usage(shared_chain) + shared_chain.gzip_size if containerd
              else shared_chain.size)
    total = sum(unpacked.values()) + sum(content.values()) - shared
    reclaimable = unpacked[app.id] + content[app.id] - shared
    return total, reclaimable


@pytest.mark.parametrize("profile", ["29", "29/classic"])
def test_images_row(docker: Docker, tmp_path: Path, isolated_state: Path,
                    monkeypatch: pytest.MonkeyPatch, profile: str) -> None:
    monkeypatch.setenv("TUTOR_DOCKER_PROFILE", profile)
    _setup(docker, tmp_path)
    total, reclaimable = _expected(isolated_state)
    images = docker("system", "df").out.splitlines()[1].split()
    assert images == ["Images", "2", "1", human_size(total), human_size(reclaimable),
                      f"({reclaimable * 100 // total}%)"]
    assert 0 < reclaimable < total, "only app's own layer is reclaimable, not alpine's"
