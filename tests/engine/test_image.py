"""Image config bytes and manifests, as BuildKit and docker save write them."""

from __future__ import annotations

import json

import pytest

from tutor.engine import layers
from tutor.engine.fs import FileTree, file
from tutor.engine.image import (
    Healthcheck,
    HistoryEntry,
    Image,
    ImageConfig,
    RunConfig,
    digest,
    go_json,
    manifest_bytes,
    rfc3339nano,
)
from tutor.engine.oci import parse_config


@pytest.mark.parametrize("value,expected", [
    ("a&&b <x>", b'"a\\u0026\\u0026b \\u003cx\\u003e"'),
    ("tab\there\n", b'"tab\\there\\n"'),
    ("\x01\b\f", b'"\\u0001\\b\\f"'),
    ("\u2028é", '"\\u2028é"'.encode()),
    ({"b": [1, True, None]}, b'{"b":[1,true,null]}'),
], ids=["html", "whitespace", "control", "unicode", "nested"])
def test_go_json(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert go_json(value) == expected


def test_rfc3339nano_drops_trailing_zeros() -> None:
    assert rfc3339nano(1_700_000_000_120_000_000) == "2023-11-14T22:13:20.12Z"
    assert rfc3339nano(0) == "1970-01-01T00:00:00Z"


def _config() -> ImageConfig:
    return ImageConfig(
        diff_ids=(layers.EMPTY_DIFF_ID,),
        history=(HistoryEntry("2024-05-01T10:00:00Z", "ENV A=1", "buildkit.dockerfile.v0", True),
                 HistoryEntry("2024-05-01T10:00:01.5Z", "RUN /bin/sh -c true # buildkit",
                              "buildkit.dockerfile.v0")),
        config=RunConfig(user="app", exposed_ports=("8080/tcp", "443/udp"), env=("A=1",),
                         cmd=("node", "app.js"), labels=(("z", "1"), ("a", "<&>")),
                         args_escaped=True,
                         healthcheck=Healthcheck(("CMD", "true"), interval=30_000_000_000)),
    )


def test_config_bytes_are_buildkit_shaped() -> None:
    raw = _config().to_bytes()
    doc = json.loads(raw)
    assert list(doc) == sorted(doc) == ["architecture", "config", "created", "history", "os",
                                        "rootfs"]
    assert list(doc["config"]) == ["User", "ExposedPorts", "Env", "Cmd", "Labels", "ArgsEscaped",
                                   "Healthcheck"]
    assert list(doc["config"]["ExposedPorts"]) == ["443/udp", "8080/tcp"]
    assert doc["created"] == "2024-05-01T10:00:01.5Z"
    assert doc["history"][0] == {"created": "2024-05-01T10:00:00Z", "created_by": "ENV A=1",
                                 "comment": "buildkit.dockerfile.v0", "empty_layer": True}
    assert b"\\u003c\\u0026\\u003e" in raw and b" " not in raw.replace(b"ENV A=1", b"")\
        .replace(b"RUN /bin/sh -c true # buildkit", b"")
    assert list(doc["rootfs"]) == ["type", "diff_ids"]
    assert _config().id == digest(raw)


def test_config_roundtrips_through_parse() -> None:
    raw = _config().to_bytes()
    parsed = parse_config(raw)
    assert parsed.raw == b"" and parsed.to_bytes() == raw


def test_foreign_config_keeps_its_bytes() -> None:
    raw = b'{\n  "rootfs": {"type": "layers", "diff_ids": []}, "os": "linux"}'
    assert parse_config(raw).id == digest(raw)


def test_manifest_and_image_size() -> None:
    t = FileTree()
    t.put("/f", file("hello"))
    la = layers.layer(t)
    cfg = ImageConfig((la.diff_id,))
    m = json.loads(manifest_bytes(cfg.to_bytes(), (la,)))
    assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert m["config"] == {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cfg.id, "size": len(cfg.to_bytes())}
    # registries and the containerd content store list the gzip blob, not the tar
    assert m["layers"] == [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": la.gzip_digest, "size": la.gzip_size}]
    assert la.gzip_digest != la.diff_id
    plain = json.loads(manifest_bytes(cfg.to_bytes(), (la,), compressed=False))
    assert plain["layers"] == [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": la.diff_id, "size": la.tar_size}]
    assert Image(cfg, (la, la)).size == 10
