"""Images the engine saves are real images: a real CNCF distribution registry accepts them, and
skopeo copies them in and back out with the same digests the simulated registries show.

Needs the Debian packages `docker-registry` and `skopeo`; skipped without them unless `CI` is set.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutor.dockercli import main
from tutor.engine import Engine, contentsave, oci
from tutor.engine.distribution import PushDone
from tutor.engine.image import digest
from tutor.engine.reference import parse_docker_ref
from tutor.paths import content_dir

REGISTRY_BIN = "/usr/bin/docker-registry"


def _tools_or_skip() -> None:
    missing = [t for t in (REGISTRY_BIN, "skopeo") if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide {missing} (apt-get install docker-registry skopeo)")
        pytest.skip(f"needs {missing}: apt-get install docker-registry skopeo")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """A real registry on a loopback port, always stopped afterwards; yields `127.0.0.1:PORT`."""
    _tools_or_skip()
    port = _free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"docker-registry did not start: {err}")
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def skopeo(*args: str) -> str:
    done = subprocess.run(["skopeo", "--insecure-policy", *args], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return Engine.open(tmp_path / "state", content_dir("assets"))


@pytest.mark.parametrize("name", ["alpine:3.21", "tutorbot/hello-app:1.0"])
def test_saved_image_round_trips_through_a_real_registry(
    engine: Engine, registry: str, tmp_path: Path, name: str
) -> None:
    """The containerd store's save holds the registry's own gzip blobs and manifests, so a real
    registry given that archive serves the very manifest the simulated Hub serves."""
    pulled = engine.pull(parse_docker_ref(name))
    config_digest = digest(pulled.image.record.config)
    archive = tmp_path / "app.tar"
    with open(archive, "wb") as out:
        contentsave.save([(engine.images.content_image(pulled.image), [str(pulled.ref)])], out)
    ours = engine.registry_at("docker.io")
    assert ours is not None
    top = ours.manifest(pulled.ref.path, str(pulled.ref.tag))
    assert top is not None
    if top.is_index:
        top = next(m for m in (ours.manifest(pulled.ref.path, e["digest"])
                               for e in top.doc["manifests"])
                   if m is not None and m.doc["config"]["digest"] == config_digest)
    expected = top.digest
    layers = engine.images.layers(pulled.image)

    target = f"docker://{registry}/app:1"
    skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", f"oci-archive:{archive}",
           target)
    raw = skopeo("inspect", "--raw", "--tls-verify=false", target).encode()
    assert digest(raw) == expected  # the registry stores our manifest byte for byte
    served = json.loads(raw)
    assert served["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert served["config"]["digest"] == config_digest
    assert [la["mediaType"] for la in served["layers"]] == [
        "application/vnd.oci.image.layer.v1.tar+gzip"] * len(layers)
    assert [la["digest"] for la in served["layers"]] == [la.gzip_digest for la in layers]

    back = tmp_path / "back"
    skopeo("copy", "--preserve-digests", "--src-tls-verify=false", target,
           f"oci:{back}:app")
    index = json.loads((back / "index.json").read_text())
    assert index["manifests"][0]["digest"] == expected
    for la in layers:  # the real registry verified and kept our gzip blobs unchanged
        blob = (back / "blobs" / "sha256" / la.gzip_digest[7:]).read_bytes()
        assert digest(blob) == la.gzip_digest
        assert gzip.decompress(blob) == b"".join(la.chunks())

    docker_archive = tmp_path / "back.tar"
    # a docker-archive has a Docker manifest of its own and uncompressed layers: the config
    # and the layer tars are ours
    skopeo("copy", "--src-tls-verify=false", target, f"docker-archive:{docker_archive}:app:1")
    with open(docker_archive, "rb") as handle:
        loaded = oci.load(io.BytesIO(handle.read()))
    assert loaded[0].image.id == config_digest
    assert [la.diff_id for la in loaded[0].image.layers] == [la.diff_id for la in layers]



def test_pushed_index_with_attestation_round_trips_through_a_real_registry(
    engine: Engine, registry: str, tmp_path: Path
) -> None:
    """A containerd-store build is an index (image + provenance attestation): the simulated
    push sends that index as it is, and a real registry given the saved archive stores the same
    index, attestation and blobs byte for byte."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM alpine:3.21\nRUN echo hi > /hi\n")
    out, err = io.StringIO(), io.StringIO()
    status = main(["build", "-q", "-t", "localhost:5000/app:1", str(ctx)],
                  state=engine.store.root, stdout=out, stderr=err, tty=False)
    assert status == 0, err.getvalue()
    engine = Engine.open(engine.store.root, content_dir("assets"))
    ref = parse_docker_ref("localhost:5000/app:1")
    image = engine.images.resolve(str(ref))
    engine.registries.serving = lambda port: "c1" if port == 5000 else None
    done = [e for e in engine.push(ref) if isinstance(e, PushDone)]
    assert [d.digest for d in done] == [image.id]  # the index, byte for byte

    archive = tmp_path / "app.tar"
    with open(archive, "wb") as handle:
        contentsave.save([(engine.images.content_image(image), [str(ref)])], handle)
    target = f"docker://{registry}/app:1"
    skopeo("copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
           f"oci-archive:{archive}", target)
    raw = skopeo("inspect", "--raw", "--tls-verify=false", target).encode()
    assert digest(raw) == image.id
    ours = engine.registry_at("localhost:5000")
    assert ours is not None
    for entry in json.loads(raw)["manifests"]:
        served = skopeo("inspect", "--raw", "--tls-verify=false",
                        f"docker://{registry}/app@{entry['digest']}").encode()
        mine = ours.manifest("app", entry["digest"])
        assert mine is not None and mine.data == served
    attestation = json.loads(raw)["manifests"][1]["annotations"]
    assert attestation["vnd.docker.reference.type"] == "attestation-manifest"
