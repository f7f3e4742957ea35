"""Images the engine saves are real images: a real CNCF distribution registry accepts them, and
skopeo copies them in and back out with the same digests the simulated registries show.

Needs the Debian packages `docker-registry` and `skopeo`; skipped without them unless `CI` is set.
"""

from __future__ import annotations

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

from tutor.engine import Engine, oci
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
    pulled = engine.pull(parse_docker_ref(name))
    image = engine.images.oci_image(pulled.image)
    archive = tmp_path / "app.tar"
    with open(archive, "wb") as out:
        oci.save([(image, [str(pulled.ref)])], out)
    ours = engine.registry_at("docker.io")
    assert ours is not None
    top = ours.manifest(pulled.ref.path, str(pulled.ref.tag))
    assert top is not None
    if top.is_index:
        top = next(m for m in (ours.manifest(pulled.ref.path, e["digest"])
                               for e in top.doc["manifests"])
                   if m is not None and m.doc["config"]["digest"] == image.id)
    expected = top.digest

    target = f"docker://{registry}/app:1"
    # --preserve-digests: skopeo would otherwise gzip our uncompressed layers on the way
    skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", f"oci-archive:{archive}",
           target)
    raw = skopeo("inspect", "--raw", "--tls-verify=false", target).encode()
    assert digest(raw) == expected  # the registry stores our manifest byte for byte
    served = json.loads(raw)
    assert served["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert served["config"]["digest"] == image.id
    assert [la["digest"] for la in served["layers"]] == [la.diff_id for la in image.layers]

    back = tmp_path / "back"
    skopeo("copy", "--preserve-digests", "--src-tls-verify=false", target,
           f"oci:{back}:app")
    index = json.loads((back / "index.json").read_text())
    assert index["manifests"][0]["digest"] == expected
    blob = (back / "blobs" / "sha256" / expected[7:]).read_bytes()
    assert digest(blob) == expected

    docker_archive = tmp_path / "back.tar"
    # a docker-archive has a Docker manifest of its own, but the config and layers are ours
    skopeo("copy", "--src-tls-verify=false", target, f"docker-archive:{docker_archive}:app:1")
    with open(docker_archive, "rb") as handle:
        loaded = oci.load(io.BytesIO(handle.read()))
    assert loaded[0].image.id == image.id
    assert [la.diff_id for la in loaded[0].image.layers] == [la.diff_id for la in image.layers]
