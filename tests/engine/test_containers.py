"""The container engine: shared image layers, the state machine, names, servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.engine import Engine
from tutor.engine.containers import (
    REFUSALS,
    TRANSITIONS,
    ContainerStateError,
    CreateOptions,
    PortBinding,
)
from tutor.engine.names import generated_name
from tutor.paths import content_dir


def test_containers_share_the_image_tree(engine: Engine) -> None:
    image = engine.images.resolve("alpine:3.21")
    store = engine.containers
    a = store.create(CreateOptions("alpine:3.21", cmd=("touch", "/a")), image)
    b = store.create(CreateOptions("alpine:3.21", cmd=("touch", "/b")), image)
    store.start(a)
    store.start(b)
    assert [c.path for c in a.changes.items] == ["/a"]
    assert [c.path for c in b.changes.items] == ["/b"]
    assert "/a" not in store.image_tree(image.id)
    assert engine.images.resolve("alpine:3.21").diff_ids == image.diff_ids


def test_names_are_deterministic() -> None:
    assets = content_dir("assets")
    assert generated_name(assets, 1, 0) == generated_name(assets, 1, 0)
    assert generated_name(assets, 1, 1)[-1].isdigit()


def test_every_refusal_is_outside_the_transition_table() -> None:
    assert not set(REFUSALS) & set(TRANSITIONS)


def test_paused_container_refuses_pause(engine: Engine) -> None:
    image = engine.images.resolve("alpine:3.21")
    c = engine.containers.create(CreateOptions("alpine:3.21", cmd=("sleep", "infinity")), image)
    engine.containers.start(c)
    engine.containers.pause(c)
    with pytest.raises(ContainerStateError, match="is already paused"):
        engine.containers.pause(c)


def test_node_app_answers_its_res_send(engine: Engine, tmp_path: Path) -> None:
    engine.local_or_pull("node:20-alpine")
    image = engine.images.resolve("node:20-alpine")
    store = engine.containers
    c = store.create(CreateOptions("node:20-alpine", cmd=("node", "/srv/server.js"),
                                   ports=(PortBinding(3000, "tcp", "", 3000),)), image)
    store.put_files(c, [])
    from tutor.engine.fs import directory, file

    store.put_files(c, [("/srv", directory()), ("/srv/server.js", file(
        "const express = require('express');\nconst app = express();\n"
        "app.get('/', (req, res) => res.send('Hello from the app!'));\n"
        "const PORT = process.env.PORT || 3000;\n"
        "app.listen(PORT, () => console.log(`Listening on port ${PORT}`));\n"))])
    outcome = store.start(c)
    assert outcome is not None and outcome.output == [(1, "Listening on port 3000\n")]
    assert engine.http_get(3000, "/") == (200, b"Hello from the app!")
    status, body = engine.http_get(3000, "/x") or (0, b"")
    assert status == 404 and b"Cannot GET /x" in body
