"""`docker pull/push/login/logout/search/manifest inspect` end to end through the CLI front door,
against the simulated Docker Hub and a `localhost:5000` registry."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
PASSWORD = "learn-docker"


def login(docker: Docker) -> None:
    assert docker("login", "-u", "learner", "-p", PASSWORD).status == 0


def serve_registry(docker: Docker, port: int = 5000) -> None:
    """Start `registry:2` as Docker's docs do, publishing its port 5000 on `port`."""
    started = docker("run", "-d", "-p", f"{port}:5000", "registry:2")
    assert started.status == 0, started.err


def build(docker: Docker, tmp_path: Path, tag: str, text: str) -> None:
    ctx = write(tmp_path / tag.replace("/", "_").replace(":", "_"), {
        "Dockerfile": f"FROM alpine:3.21\nRUN echo {text} > /msg\n",
    })
    result = docker("build", "-q", "-t", tag, str(ctx))
    assert result.status == 0, result.err


# -- pull --------------------------------------------------------------------------------------

def test_pull_prints_layers_digest_status_and_reference(docker: Docker) -> None:
    result = docker("pull", "alpine")
    assert result.status == 0
    lines = result.out.splitlines()
    assert lines[0] == "Using default tag: latest"
    assert lines[1] == "latest: Pulling from library/alpine"
    assert any(line.endswith(": Pull complete") for line in lines)
    assert DIGEST.fullmatch(lines[-3].removeprefix("Digest: "))
    assert lines[-2] == "Status: Downloaded newer image for alpine:latest"
    assert lines[-1] == "docker.io/library/alpine:latest"
    again = docker("pull", "alpine:latest").out.splitlines()
    assert again[-2] == "Status: Image is up to date for alpine:latest"
    assert all("Pull complete" not in line for line in again)


def test_pull_says_already_exists_for_a_shared_base(docker: Docker) -> None:
    docker("pull", "alpine:3.21")
    result = docker("pull", "tutorbot/hello-app:1.0")
    assert result.status == 0
    # progress names a layer by its blob digest (gzip), not its diffID
    index = json.loads(docker("manifest", "inspect", "alpine:3.21").out)
    amd64 = next(m["digest"] for m in index["manifests"]
                 if m["platform"]["architecture"] == "amd64")
    manifest = json.loads(docker("manifest", "inspect", f"alpine@{amd64}").out)
    short = manifest["layers"][0]["digest"][7:19]
    base = docker("image", "inspect", "-f", "{{index .RootFS.Layers 0}}", "alpine:3.21").out
    assert base.strip()[7:19] != short
    assert f"{short}: Already exists" in result.out
    assert result.out.count("Pull complete") == 1


@pytest.mark.docker_profile("28")  # shows the untagged image (Docker 28 lists it)
def test_pull_by_digest_and_repo_digests(docker: Docker) -> None:
    first = docker("pull", "alpine:3.21").out
    digest = DIGEST.search(first.split("Digest: ")[1])
    assert digest
    docker("rmi", "alpine:3.21")
    result = docker("pull", f"alpine@{digest.group()}")
    assert result.status == 0
    assert result.out.startswith(f"{digest.group()}: Pulling from library/alpine\n")
    assert f"Status: Downloaded newer image for alpine@{digest.group()}" in result.out
    assert result.out.endswith(f"docker.io/library/alpine@{digest.group()}\n")
    inspect = json.loads(docker("image", "inspect", f"alpine@{digest.group()}").out)
    assert inspect[0]["RepoDigests"] == [f"alpine@{digest.group()}"]
    assert inspect[0]["RepoTags"] == []
    listing = docker("images", "--digests").out
    assert digest.group() in listing


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("pull", "nosuchthing"), "Error response from daemon: pull access denied for "
         "nosuchthing, repository does not exist or may require 'docker login': denied: "
         "requested access to the resource is denied"),
        (("pull", "alpine:nope"), "Error response from daemon: manifest for alpine:nope not "
         "found: manifest unknown: manifest unknown"),
        (("pull", "alpine@sha256:" + "0" * 64), "Error response from daemon: manifest for "
         "alpine@sha256:" + "0" * 64 + " not found: manifest unknown: manifest unknown"),
        (("pull", "--platform", "linux/s390x", "alpine"), "Error response from daemon: no "
         "matching manifest for linux/s390x in the manifest list entries"),
        (("pull", "localhost:5000/app"), 'Error response from daemon: Get '
         '"http://localhost:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'),
        (("pull", "Alpine"), "invalid reference format: repository name (library/Alpine) must "
         "be lowercase"),
        (("pull", "alpine:-bad"), "invalid reference format"),
    ],
    ids=["unknown-repo", "unknown-tag", "unknown-digest", "no-platform", "no-registry",
         "uppercase", "bad-tag"],
)
def test_pull_errors(docker: Docker, argv: tuple[str, ...], message: str) -> None:
    result = docker(*argv)
    assert result.status == 1
    # Docker's line first and unchanged; the tutor may add one line of its own after it
    docker_line, *tutor_lines = result.err.strip().split("\n")
    assert docker_line == message
    assert len(tutor_lines) <= 1 and all(line.startswith("tutor: ") for line in tutor_lines)


@pytest.mark.docker_profile("28")  # classic-store image identity
def test_pull_platform_picks_the_arm64_image(docker: Docker) -> None:
    result = docker("pull", "--platform", "linux/arm64", "nginx")
    assert result.status == 0
    arch = docker("image", "inspect", "-f", "{{.Architecture}} {{.Variant}}", "nginx").out
    assert arch.strip() == "arm64 v8"
    amd = docker("pull", "--platform", "linux/amd64", "nginx")
    assert "Status: Downloaded newer image for nginx:latest" in amd.out
    digest_arm = DIGEST.search(result.out.split("Digest: ")[1])
    digest_amd = DIGEST.search(amd.out.split("Digest: ")[1])
    assert digest_arm and digest_amd and digest_arm.group() == digest_amd.group()


# -- login / logout ----------------------------------------------------------------------------

def test_login_success_wrong_password_and_logout(docker: Docker) -> None:
    bad = docker("login", "-u", "learner", "-p", "wrong")
    assert bad.status == 1
    assert bad.err.splitlines()[-1] == (
        'Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: '
        "incorrect username or password")
    good = docker("login", "-u", "learner", "-p", PASSWORD)
    assert good.status == 0
    assert good.out == "Login Succeeded\n"
    assert good.err.startswith(
        "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n")
    home = os.path.expanduser("~")  # `tutor docker` in the learner's own shell: their file
    assert f"WARNING! Your credentials are stored unencrypted in '{home}/.docker/config.json'." \
        in good.err
    out = docker("logout")
    assert out.status == 0
    assert out.out == "Removing login credentials for https://index.docker.io/v1/\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("login", "-u", "learner"), "Error: Cannot perform an interactive login from a non "
         "TTY device"),
        (("login", "--password-stdin"), "the --password-stdin option requires --username to "
         "be set"),
        (("login", "-u", "", "-p", "x"), "username is empty"),
        (("login", "-u", "learner", "-p", "x", "--password-stdin"), "conflicting options: "
         "cannot specify both --password and --password-stdin"),
    ],
    ids=["no-tty", "stdin-without-user", "empty-user", "conflict"],
)
def test_login_flag_errors(docker: Docker, argv: tuple[str, ...], message: str) -> None:
    result = docker(*argv)
    assert result.status == 1
    assert result.err.splitlines()[-1] == message


# -- push --------------------------------------------------------------------------------------

def test_push_without_login_is_denied(docker: Docker) -> None:
    docker("pull", "alpine:3.21")
    docker("tag", "alpine:3.21", "learner/app:1")
    result = docker("push", "learner/app:1")
    assert result.status == 1
    assert result.out.splitlines()[0] == "The push refers to repository [docker.io/learner/app]"
    # the containerd store's push prints no `Preparing` lines before the registry refuses
    assert len(result.out.splitlines()) == 1
    assert result.err == "denied: requested access to the resource is denied\n"


def test_push_to_someone_elses_namespace_is_denied(docker: Docker) -> None:
    login(docker)
    docker("pull", "alpine:3.21")
    docker("tag", "alpine:3.21", "tutorbot/mine")
    result = docker("push", "tutorbot/mine")
    assert result.out.startswith("Using default tag: latest\n")
    assert result.status == 1
    assert result.err == "denied: requested access to the resource is denied\n"


def test_push_shares_layers_and_tags_move_while_digests_stay(
    docker: Docker, tmp_path: Path
) -> None:
    login(docker)
    build(docker, tmp_path, "learner/myapp:latest", "one")
    first = docker("push", "learner/myapp")
    assert first.status == 0, first.err
    lines = first.out.splitlines()
    assert lines[:2] == ["Using default tag: latest",
                         "The push refers to repository [docker.io/learner/myapp]"]
    assert not any(line.endswith(": Preparing") for line in lines)
    assert any(line.endswith(": Mounted from library/alpine") for line in lines)
    # the new layer and the provenance statement (a blob the containerd push shows too)
    assert sum(line.endswith(": Pushed") for line in lines) == 2
    final = re.fullmatch(r"latest: digest: (sha256:[0-9a-f]{64}) size: (\d+)", lines[-1])
    assert final
    old_digest = final.group(1)

    build(docker, tmp_path, "learner/myapp:latest", "two")
    second = docker("push", "learner/myapp:latest")
    assert any(line.endswith(": Layer already exists") for line in second.out.splitlines())
    assert sum(line.endswith(": Pushed") for line in second.out.splitlines()) == 2
    new_digest = DIGEST.findall(second.out.splitlines()[-1])[0]
    assert new_digest != old_digest

    docker("rmi", "-f", "learner/myapp:latest")
    pulled = docker("pull", "learner/myapp:latest")
    assert f"Digest: {new_digest}" in pulled.out
    old = docker("pull", f"learner/myapp@{old_digest}")
    assert old.status == 0
    assert f"Digest: {old_digest}" in old.out
    msg = docker("run", "--rm", f"learner/myapp@{old_digest}", "cat", "/msg")
    if msg.status == 0:  # `run` belongs to the containers work; check content when it exists
        assert msg.out == "one\n"


def test_containerd_push_of_a_partial_index_pushes_the_local_manifest(docker: Docker) -> None:
    """The store has alpine's index but only the amd64 image: the push sends that image's
    manifest as Docker Hub serves it, and the CLI says so on stderr (moby image_push.go
    getPushDescriptor; docker/cli image/push.go handleAux)."""
    docker("pull", "-q", "alpine:3.21")
    docker("tag", "alpine:3.21", "localhost:5000/alpine:mine")
    serve_registry(docker)
    pushed = docker("push", "localhost:5000/alpine:mine")
    assert pushed.status == 0, pushed.err
    index = json.loads(docker("manifest", "inspect", "alpine:3.21").out)
    amd64 = next(m["digest"] for m in index["manifests"]
                 if m["platform"]["architecture"] == "amd64")
    progress, note = pushed.out.split("\n\n")
    digest = DIGEST.findall(progress.splitlines()[-1])[0]
    assert digest == amd64  # the very manifest the Hub serves
    index_digest = docker("images", "--no-trunc", "-q", "alpine:3.21").out.strip()
    # the CLI's notes go to stdout, after the progress (docker/cli tui.Output.PrintNote)
    assert note == (
        " Info -> Not all multiplatform-content is present and only the available "
        f"single-platform image was pushed\n         {index_digest} -> {amd64}\n")
    assert pushed.err == ""
    quiet = docker("push", "-q", "localhost:5000/alpine:mine")
    assert quiet.out == "localhost:5000/alpine:mine\n\n" + note


@pytest.mark.docker_profile("28")  # classic-store image identity
def test_push_to_a_local_registry(docker: Docker) -> None:
    docker("pull", "alpine:3.21")
    docker("tag", "alpine:3.21", "localhost:5000/alpine:mine")
    refused = docker("push", "localhost:5000/alpine:mine")
    assert refused.status == 1
    assert refused.out == "The push refers to repository [localhost:5000/alpine]\n"
    assert refused.err == ('Get "http://localhost:5000/v2/": dial tcp 127.0.0.1:5000: connect: '
                           "connection refused\n")
    serve_registry(docker)
    pushed = docker("push", "localhost:5000/alpine:mine")
    assert pushed.status == 0, pushed.err
    assert ": Pushed" in pushed.out
    digest = DIGEST.findall(pushed.out.splitlines()[-1])[0]
    hub_digest = json.loads(docker("manifest", "inspect", "alpine:3.21").out)["manifests"][0]
    # the classic store pushes a Docker schema2 manifest it builds itself, so the digest is not
    # Docker Hub's (an OCI manifest); the gzip layer blobs are the same
    assert digest != hub_digest["digest"]
    ours = json.loads(docker("manifest", "inspect", "--insecure",
                             f"localhost:5000/alpine@{digest}").out)
    hub = json.loads(docker("manifest", "inspect", f"alpine@{hub_digest['digest']}").out)
    assert ours["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert [la["digest"] for la in ours["layers"]] == [la["digest"] for la in hub["layers"]]
    docker("rmi", "localhost:5000/alpine:mine")
    pulled = docker("pull", "localhost:5000/alpine:mine")
    assert pulled.status == 0
    assert pulled.out.startswith("mine: Pulling from alpine\n")
    # alpine:3.21 is still here under its own tag: the image is local, so no layer is fetched
    assert pulled.out.splitlines()[1].startswith("Digest: ")
    missing = docker("pull", "localhost:5000/nothing")
    assert missing.err.strip() == ("Error response from daemon: manifest for "
                                   "localhost:5000/nothing:latest not found: manifest unknown: "
                                   "manifest unknown")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("push", "learner/none"), "An image does not exist locally with the tag: learner/none"),
        (("push", "-a", "alpine:3.21"), "tag can't be used with --all-tags/-a"),
        (("push", "alpine:nope"), "tag does not exist: alpine:nope"),
    ],
    ids=["no-image", "all-with-tag", "missing-tag"],
)
def test_push_errors(docker: Docker, argv: tuple[str, ...], message: str) -> None:
    docker("pull", "alpine:3.21")
    result = docker(*argv)
    assert result.status == 1
    assert result.err.strip() == message


def test_push_all_tags_and_quiet(docker: Docker) -> None:
    login(docker)
    docker("pull", "alpine:3.21")
    docker("tag", "alpine:3.21", "learner/base:a")
    docker("tag", "alpine:3.21", "learner/base:b")
    result = docker("push", "-a", "learner/base")
    assert result.status == 0
    finals = [line for line in result.out.splitlines() if ": digest: " in line]
    assert [f.split(":")[0] for f in finals] == ["a", "b"]
    quiet = docker("push", "-q", "learner/base:a")
    # -q keeps the CLI's note (the store has only alpine's amd64 image) after the name
    name, note = quiet.out.split("\n\n")
    assert name == "docker.io/learner/base:a"
    assert note.startswith(" Info -> Not all multiplatform-content is present")


# -- search and manifest inspect ---------------------------------------------------------------

def test_search_table_and_filters(docker: Docker) -> None:
    result = docker("search", "alpine")
    lines = result.out.splitlines()
    assert re.match(r"NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$", lines[0])
    assert lines[1].startswith("alpine ") and lines[1].endswith("[OK]")
    official = docker("search", "--filter", "is-official=true", "hello").out
    assert "tutorbot/hello-app" not in official
    assert "tutorbot/hello-app" in docker("search", "hello").out
    limited = docker("search", "--limit", "1", "a").out.splitlines()
    assert len(limited) == 2
    too_many = docker("search", "--limit", "101", "a")
    assert too_many.status == 1
    assert too_many.err == ("Error response from daemon: limit 101 is outside the range of "
                            "[1, 100]\n")


def test_manifest_inspect_index_manifest_and_verbose(docker: Docker) -> None:
    index = json.loads(docker("manifest", "inspect", "busybox").out)
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    platforms = {(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]}
    assert platforms == {("linux", "amd64"), ("linux", "arm64")}
    single = docker("manifest", "inspect", "tutorbot/hello-app")
    assert single.out.startswith("{\n\t\"schemaVersion\": 2,")
    doc = json.loads(single.out)
    assert doc["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
    verbose = json.loads(docker("manifest", "inspect", "-v", "tutorbot/hello-app").out)
    assert verbose["Descriptor"]["platform"] == {"architecture": "amd64", "os": "linux"}
    assert verbose["OCIManifest"] == doc
    assert len(json.loads(docker("manifest", "inspect", "-v", "alpine").out)) == 2


def test_scratch_is_a_reserved_name(docker: Docker) -> None:
    result = docker("pull", "scratch")
    assert (result.status, result.err) == (
        1, "Error response from daemon: 'scratch' is a reserved name\n")


def test_pulling_an_image_already_present_lists_no_layers(docker: Docker) -> None:
    assert docker("pull", "alpine:3.21").status == 0
    again = docker("pull", "alpine:3.21")
    lines = again.out.splitlines()
    assert lines[0] == "3.21: Pulling from library/alpine"
    assert lines[1].startswith("Digest: sha256:")
    assert lines[2:] == ["Status: Image is up to date for alpine:3.21",
                         "docker.io/library/alpine:3.21"]
    other_tag = docker("pull", "alpine:latest")  # the same image under another tag
    assert other_tag.out.splitlines()[2] == "Status: Downloaded newer image for alpine:latest"
