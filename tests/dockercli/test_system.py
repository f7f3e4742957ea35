"""`docker inspect` (generic), image inspect's Engine 28 shape, `system df`, `system prune`,
`volume prune` and `logs -f`, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write


def built(docker: Docker, root: Path) -> None:
    write(root, {"Dockerfile": "FROM alpine:3.21\nRUN echo hi > /x && echo '<b>' > /y\n"
                               "CMD [\"sh\", \"-c\", \"test -f /x && cat /x\"]\n"})
    assert docker("build", "-q", "-t", "app:1", str(root)).status == 0


@pytest.mark.docker_profile("28")  # classic-store sizes / API 1.51 shape
def test_image_inspect_has_engine_28_shape(docker: Docker, tmp_path: Path) -> None:
    built(docker, tmp_path)
    out = docker("image", "inspect", "app:1").out
    doc = json.loads(out)[0]
    assert list(doc) == ["Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created",
                         "DockerVersion", "Author", "Architecture", "Os", "Size", "GraphDriver",
                         "RootFS", "Metadata", "Config"]
    assert list(doc["Config"]) == sorted(doc["Config"])
    assert doc["Config"]["Entrypoint"] is None and doc["Config"]["User"] == ""
    assert doc["Config"]["ArgsEscaped"] is True
    assert doc["Comment"] == "buildkit.dockerfile.v0"
    assert '"test -f /x \\u0026\\u0026 cat /x"' in out  # json.Marshal's HTML escaping


@pytest.mark.parametrize(
    ("argv", "status", "err"),
    [
        (("inspect", "nope"), 1, "Error: No such object: nope\n"),
        (("inspect", "--type", "container", "nope"), 1,
         "Error response from daemon: No such container: nope\n"),
        (("inspect", "--type", "image", "nope"), 1,
         "Error response from daemon: No such image: nope:latest\n"),
        (("inspect", "--type", "volume", "nope"), 1,
         "Error response from daemon: get nope: no such volume\n"),
        (("inspect", "--type", "thing", "x"), 1,
         'unknown type: "thing": must be one of "config", "container", "image", "network", '
         '"node", "plugin", "secret", "service", "task", "volume"\n'),
    ],
    ids=["any", "container", "image", "volume", "bad-type"],
)
def test_inspect_errors(docker: Docker, argv: tuple[str, ...], status: int, err: str) -> None:
    result = docker(*argv)
    assert (result.status, result.err) == (status, err)


def test_inspect_finds_containers_then_images_then_volumes(docker: Docker,
                                                           tmp_path: Path) -> None:
    built(docker, tmp_path)
    docker("create", "--name", "app", "app:1")
    docker("volume", "create", "data")
    found = json.loads(docker("inspect", "app", "app:1", "data").out)
    assert ["State" in found[0], "RootFS" in found[1], "Mountpoint" in found[2]] == [True] * 3
    assert docker("inspect", "--type", "image", "-f", "{{.Id}}", "app:1").status == 0
    doc = json.loads(docker("inspect", "app").out)[0]
    assert "SizeRw" not in doc
    assert doc["Config"]["OnBuild"] is None and doc["ExecIDs"] is None
    sized = json.loads(docker("inspect", "--size", "app").out)[0]
    assert isinstance(sized["SizeRw"], int) and sized["SizeRootFs"] >= sized["SizeRw"]


@pytest.mark.docker_profile("28")  # the 28 CLI computes reclaimable itself
def test_system_df_counts_and_reclaimable(docker: Docker, tmp_path: Path) -> None:
    built(docker, tmp_path)
    docker("run", "--name", "once", "alpine:3.21", "sh", "-c", "echo 12345 > /f")
    docker("volume", "create", "data")
    lines = docker("system", "df").out.splitlines()
    assert lines[0] == "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE"
    images, containers, volumes, cache = (line.split() for line in lines[1:])
    assert images[:3] == ["Images", "2", "1"]
    # alpine is used; its layer is shared with app:1, so only app's own layer counts as used
    # by nobody: reclaimable = total − alpine's unique bytes (0) = everything
    assert images[4] == images[3] and images[5] == "(100%)"
    assert containers == ["Containers", "1", "0", "6B", "6B", "(100%)"]
    assert volumes == ["Local", "Volumes", "1", "0", "0B", "0B"]
    assert cache == ["Build", "Cache", "1", "0", "7B", "7B"]  # "hi\n" and "<b>\n"
    verbose = docker("system", "df", "-v").out
    assert verbose.startswith("Images space usage:\n\nREPOSITORY   TAG ")
    assert "\nContainers space usage:\n\n" in verbose
    assert ("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n"
            "data          0 ") in verbose
    assert "\nBuild cache usage: 7B\n\nCACHE ID       CACHE TYPE   SIZE " in verbose


def test_system_prune_sections_and_total(docker: Docker, tmp_path: Path) -> None:
    built(docker, tmp_path)
    ran = docker("run", "-d", "alpine:3.21", "sh", "-c", "echo 12345 > /f")
    docker("run", "-v", "/scratch", "alpine:3.21", "true")
    result = docker("system", "prune", "-f", "--volumes")
    assert result.status == 0
    sections = result.out.split("\n\n")
    assert sections[0].splitlines()[0] == "Deleted Containers:"
    assert ran.out.strip() in sections[0]
    assert sections[1].startswith("Deleted Volumes:\n")
    assert sections[2].startswith("Deleted build cache objects:\n")
    assert sections[3] == "Total reclaimed space: 13B\n"  # 6B of /f, 7B of cache
    assert docker("ps", "-aq").out == ""
    assert docker("images", "-q", "app:1").out != ""  # tagged images stay without -a
    everything = docker("system", "prune", "-a", "-f")
    # images are pruned in the store's order, which follows their IDs
    assert everything.out.startswith("Deleted Images:\nuntagged: ")
    assert "\nuntagged: app:1\n" in everything.out


def test_system_prune_prompt(docker: Docker) -> None:
    # declining cancels quietly: nothing follows the prompt, and the exit status is 0
    result = docker("system", "prune", "-a", "--volumes", stdin="n\n")
    assert (result.status, result.out) == (0, (
        "WARNING! This will remove:\n  - all stopped containers\n"
        "  - all networks not used by at least one container\n"
        "  - all anonymous volumes not used by at least one container\n"
        "  - all images without at least one container associated to them\n"
        "  - all build cache\n\nAre you sure you want to continue? [y/N] "))


CONTINUE = "Are you sure you want to continue? [y/N] "
DECLINED = [
    ("container", ("container", "prune"),
     f"WARNING! This will remove all stopped containers.\n{CONTINUE}"),
    ("volume", ("volume", "prune"), "WARNING! This will remove anonymous local volumes not used "
     f"by at least one container.\n{CONTINUE}"),
    ("volume-all", ("volume", "prune", "-a"), "WARNING! This will remove all local volumes not "
     f"used by at least one container.\n{CONTINUE}"),
    ("builder", ("builder", "prune"),
     f"WARNING! This will remove all dangling build cache. {CONTINUE}"),
]


@pytest.mark.parametrize(("argv", "out"), [d[1:] for d in DECLINED], ids=[d[0] for d in DECLINED])
@pytest.mark.parametrize("answer", ["n\n", "", "yes\n"], ids=["no", "no-input", "yes"])
def test_prune_prompt_declined(
    docker: Docker, argv: tuple[str, ...], out: str, answer: str
) -> None:
    # the CLI's prompt.Confirm takes only "y": even "yes" declines
    result = docker(*argv, stdin=answer)
    assert (result.status, result.out) == (0, out)


@pytest.mark.parametrize("answer", ["y\n", " Y \n"], ids=["y", "upper-y"])
def test_prune_prompt_accepted(docker: Docker, answer: str) -> None:
    assert docker("container", "prune", stdin=answer).out == (
        f"WARNING! This will remove all stopped containers.\n{CONTINUE}Total reclaimed space: 0B\n")


def test_volume_prune_removes_unused_anonymous_volumes(docker: Docker) -> None:
    docker("volume", "create", "named")
    docker("run", "--name", "keep", "-v", "/used", "alpine:3.21", "true")
    docker("run", "--rm", "-v", "/gone", "alpine:3.21", "true")
    docker("volume", "create", "--label", "x=y", "other")
    before = set(docker("volume", "ls", "-q").out.split())
    result = docker("volume", "prune", "-f")
    assert result.out.endswith("Total reclaimed space: 0B\n")
    after = set(docker("volume", "ls", "-q").out.split())
    assert {"named", "other"} <= after and len(after) == 3  # the kept container's volume stays
    assert before == after  # --rm removed its anonymous volume already
    docker("rm", "keep")
    pruned = docker("volume", "prune", "-f")
    assert pruned.out.startswith("Deleted Volumes:\n")
    assert set(docker("volume", "ls", "-q").out.split()) == {"named", "other"}
    everything = docker("volume", "prune", "-a", "-f")
    assert everything.out == "Deleted Volumes:\nnamed\nother\n\nTotal reclaimed space: 0B\n"


def test_logs_follow_waits_for_a_process_that_ends(docker: Docker) -> None:
    ran = docker("run", "-d", "--name", "sl", "alpine:3.21", "sh", "-c", "echo a; sleep 5; echo b")
    assert ran.status == 0
    assert docker("ps", "--format", "{{.Names}}").out == "sl\n"
    followed = docker("logs", "-f", "sl")
    assert followed.out == "a\nb\n"
    assert docker("ps", "-a", "--format", "{{.Status}}").out.startswith("Exited (0)")


def test_logs_follow_never_blocks_on_a_server(docker: Docker) -> None:
    docker("run", "-d", "--name", "web", "nginx")
    followed = docker("logs", "-f", "web")
    assert followed.status == 0
    assert "Configuration complete; ready for start up" in followed.out
    assert docker("ps", "--format", "{{.Names}}").out == "web\n"


def test_the_node_image_has_yarns_entry_point(docker: Docker) -> None:
    found = docker("run", "--rm", "node:20-alpine", "sh", "-c",
                   "test -x /opt/yarn-v1.22.22/bin/yarn.js && test -L /usr/local/bin/yarn"
                   " && echo ok")
    assert (found.status, found.out) == (0, "ok\n")
