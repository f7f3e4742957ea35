"""`docker run -d -p 5000:5000 registry:2` serves a registry: push/pull, the distribution API
over HTTP, and the data's life across stop/start/rm, end to end through the CLI."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker
from tutor.course.hostshell import HostShell
from tutor.course.web import engine_curl
from tutor.engine import Engine
from tutor.engine.image import MEDIA_INDEX, MEDIA_MANIFEST
from tutor.engine.registry import http_get
from tutor.paths import content_dir

REFUSED = ('Get "http://{host}:{port}/v2/": dial tcp 127.0.0.1:{port}: connect: '
           "connection refused")
LOG_LINE = re.compile(
    r'time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z" level=(\w+) msg="(.*)" go\.version=go1\.20\.8 '
    r"instance\.id=([0-9a-f-]{36}) service=registry version=2\.8\.3")


def start_registry(docker: Docker, *extra: str, port: int = 5000) -> str:
    started = docker("run", "-d", "-p", f"{port}:5000", *extra, "registry:2")
    assert started.status == 0, started.err
    return started.out.strip()


def push(docker: Docker, ref: str) -> None:
    docker("pull", "-q", "alpine:3.21")
    docker("tag", "alpine:3.21", ref)
    pushed = docker("push", ref)
    assert pushed.status == 0, pushed.err


def test_the_registry_logs_what_registry_2_8_3_logs(docker: Docker) -> None:
    start_registry(docker, "--name", "reg")
    logs = docker("logs", "reg")
    lines = logs.err.splitlines()
    assert logs.out == ""
    parsed = [LOG_LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    messages = [(m[2], m[3]) for m in parsed if m]
    assert messages[0] == ("warning", "No HTTP secret provided - generated random secret. This "
                           "may cause problems with uploads if multiple registries are behind a "
                           "load-balancer. To provide a shared secret, fill in http.secret in "
                           "the configuration file or set the REGISTRY_HTTP_SECRET environment "
                           "variable.")
    assert messages[1:3] == [("info", "redis not configured"), messages[2]]
    assert re.fullmatch(r"Starting upload purge in \d{1,2}m0s", messages[2][1])
    assert messages[3:] == [("info", "using inmemory blob descriptor cache"),
                            ("info", "listening on [::]:5000")]
    assert len({m[4] for m in parsed if m}) == 1  # one instance ID per process


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_push_and_pull_through_a_published_port(docker: Docker, host: str) -> None:
    start_registry(docker, port=5001)
    push(docker, f"{host}:5001/myalpine:1")
    docker("rmi", f"{host}:5001/myalpine:1")
    pulled = docker("pull", f"{host}:5001/myalpine:1")
    assert pulled.status == 0, pulled.err
    assert pulled.out.startswith("1: Pulling from myalpine\n")
    other = docker("pull", f"{host}:5000/myalpine:1")
    assert other.err.strip() == "Error response from daemon: " + REFUSED.format(host=host,
                                                                                port=5000)


def test_stop_keeps_the_images_and_rm_loses_them(docker: Docker) -> None:
    start_registry(docker, "--name", "reg")
    push(docker, "localhost:5000/app:1")
    stopped = docker("stop", "reg")
    assert stopped.status == 0
    assert docker("ps", "-a", "--format", "{{.Status}}").out.startswith("Exited (2)")
    refused = docker("push", "localhost:5000/app:1")
    assert refused.status == 1
    assert refused.err.strip() == REFUSED.format(host="localhost", port=5000)
    docker("start", "reg")
    assert docker("pull", "localhost:5000/app:1").status == 0
    docker("rm", "-f", "reg")
    start_registry(docker, "--name", "reg2")
    gone = docker("pull", "localhost:5000/app:1")
    assert gone.status == 1
    assert "manifest unknown" in gone.err


def test_a_named_volume_keeps_the_images_for_the_next_registry(docker: Docker) -> None:
    start_registry(docker, "--name", "reg", "-v", "regdata:/var/lib/registry")
    push(docker, "localhost:5000/app:1")
    docker("rm", "-f", "reg")
    start_registry(docker, "--name", "again", "-v", "regdata:/var/lib/registry")
    assert docker("pull", "localhost:5000/app:1").status == 0


def test_a_container_not_running_the_registry_serves_no_registry(docker: Docker) -> None:
    started = docker("run", "-d", "-p", "5000:5000", "--entrypoint", "sleep", "registry:2",
                     "infinity")
    assert started.status == 0, started.err
    refused = docker("pull", "localhost:5000/app")
    assert refused.err.strip() == "Error response from daemon: " + REFUSED.format(
        host="localhost", port=5000)


def test_curl_speaks_the_distribution_api(docker: Docker, isolated_state: Path) -> None:
    curl = engine_curl(isolated_state)
    assert curl(5000, "/v2/") is None
    start_registry(docker)
    assert curl(5000, "/v2/") == "{}"
    assert curl(5000, "/v2/_catalog") == '{"repositories":[]}\n'
    push(docker, "localhost:5000/team/app:1")
    push(docker, "localhost:5000/team/app:latest")
    assert curl(5000, "/v2/_catalog") == '{"repositories":["team/app"]}\n'
    assert curl(5000, "/v2/team/app/tags/list") == '{"name":"team/app","tags":["1","latest"]}\n'
    assert json.loads(curl(5000, "/v2/nope/tags/list") or "") == {"errors": [{
        "code": "NAME_UNKNOWN", "message": "repository name not known to registry",
        "detail": {"name": "nope"}}]}
    # curl sends no OCI Accept header, so registry 2.8 refuses to serve an OCI manifest
    assert json.loads(curl(5000, "/v2/team/app/manifests/1") or "") == {"errors": [{
        "code": "MANIFEST_UNKNOWN",
        "message": "OCI manifest found, but accept header does not support OCI manifests"}]}
    assert json.loads(curl(5000, "/v2/team/app/manifests/2") or "")["errors"][0] == {
        "code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": {"Tag": "2"}}
    assert curl(5000, "/nothing") == "404 page not found\n"


def test_manifests_by_tag_and_digest_with_their_media_type(docker: Docker,
                                                           isolated_state: Path) -> None:
    start_registry(docker)
    push(docker, "localhost:5000/app:1")
    engine = Engine.open(isolated_state, content_dir("assets"))
    registry = engine.registry_at("localhost:5000")
    assert registry is not None
    by_tag = http_get(registry, "/v2/app/manifests/1", (MEDIA_MANIFEST, MEDIA_INDEX))
    assert by_tag.status == 200 and by_tag.content_type == MEDIA_MANIFEST
    doc = json.loads(by_tag.body)
    digest = "sha256:" + hashlib.sha256(by_tag.body).hexdigest()
    by_digest = http_get(registry, f"/v2/app/manifests/{digest}", (MEDIA_MANIFEST,))
    assert by_digest.body == by_tag.body
    config = http_get(registry, f"/v2/app/blobs/{doc['config']['digest']}")
    assert config.status == 200
    diff_ids = json.loads(config.body)["rootfs"]["diff_ids"]
    assert [la["mediaType"] for la in doc["layers"]] == [
        "application/vnd.oci.image.layer.v1.tar+gzip"] * len(diff_ids)
    for la, diff_id in zip(doc["layers"], diff_ids, strict=True):
        # the registry serves the gzip blob the manifest names; unpacked, it is the diffID's tar
        blob = http_get(registry, f"/v2/app/blobs/{la['digest']}")
        assert blob.status == 200 and len(blob.body) == la["size"]
        assert "sha256:" + hashlib.sha256(blob.body).hexdigest() == la["digest"]
        assert "sha256:" + hashlib.sha256(gzip.decompress(blob.body)).hexdigest() == diff_id
        assert la["digest"] != diff_id
    unknown = http_get(registry, "/v2/app/blobs/sha256:" + "0" * 64)
    assert unknown.status == 404 and b"BLOB_UNKNOWN" in unknown.body
    engine.close()


def test_the_host_shell_curls_the_registry(docker: Docker, tmp_path: Path,
                                           isolated_state: Path) -> None:
    start_registry(docker)
    push(docker, "localhost:5000/app:1")
    (tmp_path / "ws").mkdir()
    shell = HostShell(tmp_path / "ws", isolated_state)
    result = shell.run("curl localhost:5000/v2/_catalog")
    assert (result.output, result.status) == ('{"repositories":["app"]}\n', 0)
    logs = docker("logs", docker("ps", "-q").out.strip()).out
    assert '"GET /v2/_catalog HTTP/1.1" 200 25 "" "curl/8.5.0"' in logs
