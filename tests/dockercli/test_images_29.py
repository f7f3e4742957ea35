"""Docker 29's `docker images`: the new default view, `--tree`, the legacy table on request,
untagged images hidden, and the content-trust flags that 29 removed.

Sources (docker/cli @ v29.7.2): `cli/command/image/list.go` (shouldUseTree, isDangling, the
ambiguous-name hint), `cli/command/image/tree.go` (columns, legend, sorting, `<untagged>`,
`├─`/`└─` platform lines), `internal/tui` (chips, colours, legend text),
`cli/command/formatter/image.go` (no VirtualSize), `cli/command/image/pull.go` (deprecated
`--disable-content-trust`); pflag `flag.go` ("Flag --%s has been deprecated, %s"). Real output:
docker/cli#6663 (29 CLI on a classic daemon, `CONTENT SIZE 0B`) and moby#53398."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tutor.dockercli import main
from tutor.dockercli.format import human_size_precision
from tutor.engine import Engine
from tutor.paths import content_dir

HEADER = "IMAGE{pad}   ID             DISK USAGE   CONTENT SIZE   EXTRA\n"


def row(name: str, width: int, image_id: str, disk: str, content: str, extra: str = "") -> str:
    return (f"{name.ljust(width)}   {image_id.removeprefix('sha256:')[:12]}   {disk:>10}   "
            f"{content:>12}   {extra:<5}\n")


def image_id(docker: Docker, ref: str) -> str:
    return docker("image", "inspect", "-f", "{{.Id}}", ref).out.strip()


def sizes(state: Path, ref: str, containerd: bool = True) -> tuple[str, str]:
    engine = Engine.open(state, assets=content_dir("assets"))
    image = engine.images.resolve(ref)
    unpacked = engine.images.unpacked_size(image, containerd)
    content = engine.images.content_size(image) if containerd else 0
    return human_size_precision(unpacked + content, 3), human_size_precision(content, 3)


def _build(docker: Docker, tmp_path: Path, tag: str, text: str) -> None:
    write(tmp_path / tag, {"Dockerfile": f"FROM alpine:3.21\nRUN echo {text} > /x\n"})
    args = ["build", "-q", str(tmp_path / tag)]
    assert docker(*(args[:2] + (["-t", tag] if tag != "none" else []) + args[2:])).status == 0


@pytest.fixture
def two(docker: Docker, tmp_path: Path) -> None:
    """alpine:3.21 and app:1 (built from it)."""
    assert docker("pull", "-q", "alpine:3.21").status == 0
    _build(docker, tmp_path, "app:1", "one")


def test_default_view(docker: Docker, isolated_state: Path, two: None) -> None:
    result = docker("images")
    width = len("alpine:3.21")
    assert result.out == (
        HEADER.format(pad=" " * (width - 5))
        + row("alpine:3.21", width, image_id(docker, "alpine:3.21"),
              *sizes(isolated_state, "alpine:3.21"))
        + row("app:1", width, image_id(docker, "app:1"), *sizes(isolated_state, "app:1")))
    assert result.err == "" and result.status == 0


def test_disk_usage_counts_content_and_snapshots(docker: Docker, isolated_state: Path,
                                                 two: None) -> None:
    """containerd: DISK USAGE = CONTENT SIZE + the snapshots' block usage, and the API's Size
    (the legacy table's SIZE) is that total; the classic store reports the unpacked size."""
    engine = Engine.open(isolated_state, assets=content_dir("assets"))
    image = engine.images.resolve("alpine:3.21")
    unpacked = engine.images.unpacked_size(image, containerd=True)
    content = engine.images.content_size(image)
    assert content > 0 and unpacked > 0
    line = docker("images").out.splitlines()[1].split()
    assert line[2:4] == [human_size_precision(unpacked + content, 3),
                         human_size_precision(content, 3)]
    assert docker("images", "--format", "{{.Size}}", "alpine:3.21").out == line[2] + "\n"


def test_legacy_table_counts_containers(docker: Docker, two: None) -> None:
    docker("run", "-d", "alpine:3.21", "sleep", "60")
    docker("create", "alpine:3.21")
    out = docker("images", "--format", "{{.Repository}} {{.Containers}}").out
    assert out.splitlines() == ["app 0", "alpine 2"]


@pytest.mark.docker_profile("29/classic")
def test_classic_store_has_no_content_size(docker: Docker, isolated_state: Path,
                                            two: None) -> None:
    out = docker("images").out
    size = docker("images", "--format", "{{.Size}}", "alpine:3.21").out.strip()
    width = len("alpine:3.21")
    assert out.splitlines(keepends=True)[1] == row(
        "alpine:3.21", width, image_id(docker, "alpine:3.21"), size, "0B")
    assert sizes(isolated_state, "alpine:3.21", containerd=False) == (size, "0B")


def test_untagged_hidden_unless_all(docker: Docker, tmp_path: Path, two: None) -> None:
    old = image_id(docker, "app:1")
    _build(docker, tmp_path, "app:1", "two")  # app:1 moves on, the old image is untagged
    assert old not in docker("images", "--no-trunc").out
    assert "<untagged>" not in docker("images").out
    assert old[7:19] not in docker("images", "-q").out, "-q hides them too"
    everything = docker("images", "-a").out.splitlines()
    assert everything[-1].startswith(f"<untagged>    {old[7:19]}"), "untagged sort last"
    assert old[7:19] in docker("images", "-q", "-a").out
    assert old[7:19] in docker("images", "-f", "dangling=true", "-q").out


@pytest.mark.docker_profile("28")
def test_docker_28_lists_untagged_images(docker: Docker, tmp_path: Path, two: None) -> None:
    old = image_id(docker, "app:1")
    _build(docker, tmp_path, "app:1", "two")
    out = docker("images").out
    assert out.startswith("REPOSITORY   TAG       IMAGE ID       CREATED")
    assert f"<none>       <none>    {old[7:19]}" in out


def test_in_use_is_marked(docker: Docker, two: None) -> None:
    assert docker("run", "-d", "alpine:3.21", "sleep", "60").status == 0
    lines = docker("images").out.splitlines()
    assert lines[1].startswith("alpine:3.21") and lines[1].endswith("   U    ")
    assert lines[2].startswith("app:1") and lines[2].endswith("        ")


@pytest.mark.parametrize("flags", [["--format", "table"], ["--digests"], ["--no-trunc"]])
def test_legacy_table_on_request(docker: Docker, two: None, flags: list[str]) -> None:
    out = docker("images", *flags).out
    assert re.match(r"REPOSITORY +TAG +(DIGEST +)?IMAGE ID +CREATED +SIZE\n", out)
    assert "DISK USAGE" not in out


def test_quiet_lists_ids(docker: Docker, two: None) -> None:
    out = docker("images", "-q").out
    assert out.split() == [image_id(docker, r)[7:19] for r in ("app:1", "alpine:3.21")]


@pytest.mark.parametrize(("flag", "name"), [
    ("-q", "--quiet"), ("--no-trunc", "--no-trunc"), ("--digests", "--show-digest"),
    ("--format={{.ID}}", "--format"),
])
def test_tree_refuses_legacy_options(docker: Docker, flag: str, name: str) -> None:
    result = docker("images", "--tree", flag)
    assert (result.status, result.out, result.err) == (
        1, "", f"{name} is not yet supported with --tree\n")


def alpine_platforms(docker: Docker) -> list[tuple[str, str]]:
    """alpine:3.21's platforms as its registry index lists them: (os/arch[/variant], digest)."""
    index = json.loads(docker("manifest", "inspect", "alpine:3.21").out)
    return [("/".join(p for p in (m["platform"]["os"], m["platform"]["architecture"],
                                  m["platform"].get("variant", "")) if p), m["digest"])
            for m in index["manifests"]]


def test_tree_shows_the_platforms(docker: Docker, isolated_state: Path, two: None) -> None:
    """One line per platform of the index, the ones not pulled faint with nothing on disk;
    the ID of each line is its platform manifest's digest."""
    platforms = alpine_platforms(docker)
    assert platforms[0][0] == "linux/amd64" and len(platforms) > 1
    width = max(len("└─ " + name) for name, _ in platforms)
    alpine = sizes(isolated_state, "alpine:3.21")
    lines = docker("images", "--tree").out.splitlines(keepends=True)
    assert lines[0] == HEADER.format(pad=" " * (width - 5))
    assert lines[1] == row("alpine:3.21", width, image_id(docker, "alpine:3.21"), *alpine)
    for n, (name, digest) in enumerate(platforms):
        branch = "└─ " if n == len(platforms) - 1 else "├─ "
        expected = alpine if n == 0 else ("0B", "0B")
        assert lines[2 + n] == row(branch + name, width, digest, *expected)
    assert lines[2 + len(platforms)] == "\n"
    assert lines[3 + len(platforms)].startswith("app:1 ")
    built = lines[4 + len(platforms)]
    assert built.startswith("└─ linux/amd64 "), "a build's attestation is not a platform"


@pytest.mark.docker_profile("29/classic")
def test_tree_on_the_classic_store_has_no_platforms(docker: Docker, two: None) -> None:
    out = docker("images", "--tree").out
    assert "linux/amd64" not in out
    assert out.splitlines()[0].startswith("IMAGE         ID")


def test_tree_lists_every_tag_of_an_image_in_one_block(docker: Docker, two: None) -> None:
    docker("tag", "alpine:3.21", "mine:x")
    alpine = image_id(docker, "alpine:3.21")[7:19]
    width = max(len("└─ " + name) for name, _ in alpine_platforms(docker))
    out = docker("images", "--tree").out
    assert f"alpine:3.21{' ' * (width - 11)}\nmine:x{' ' * (width - 6)}   {alpine}   " in out
    collapsed = docker("images").out.splitlines()
    assert [line.split()[:2] for line in collapsed[1:]] == [
        ["alpine:3.21", alpine], ["app:1", image_id(docker, "app:1")[7:19]],
        ["mine:x", alpine]], "one row per tag, sorted by name"


def _terminal(state: Path, width: int, *argv: str) -> str:
    out = io.StringIO()
    main(["images", *argv], state=state, stdout=out, stderr=io.StringIO(), tty=True)
    return out.getvalue()


def test_terminal_legend_without_colour(isolated_state: Path, docker: Docker, two: None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    docker("run", "-d", "alpine:3.21", "sleep", "60")
    out = _terminal(isolated_state, 80)
    legend = " Info ->  U In Use"
    assert out.splitlines()[0] == " " * (80 - len(legend)) + legend
    assert out.splitlines()[1].startswith("IMAGE         ID")
    assert "\x1b" not in out


def test_terminal_colours(isolated_state: Path, docker: Docker, two: None,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    docker("run", "-d", "alpine:3.21", "sleep", "60")
    out = _terminal(isolated_state, 80)
    first = out.splitlines()[0]
    assert first.endswith("\x1b[96mInfo → \x1b[0m\x1b[0m "
                          "\x1b[38;5;0m\x1b[48;5;14m U \x1b[0m In Use")
    assert first.startswith(" " * 60 + "\x1b[1m")  # 80 minus the legend's 20 cells
    assert "\x1b[34m\x1b[1malpine:3.21\x1b[0m" in out
    assert "\x1b[39m\x1b[1mIMAGE\x1b[0m" in out


def test_narrow_terminal_drops_columns(isolated_state: Path, docker: Docker, two: None,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    from tutor.dockercli._main import Context, dispatch

    out = io.StringIO()
    ctx = Context(state=isolated_state, out=out, err=io.StringIO(), tty=True, width=40)
    dispatch(["images"], ctx)
    ctx.engine.close()
    header = out.getvalue().splitlines()[1]
    assert header == "IMAGE         ID             DISK USAGE"


def test_virtual_size_is_gone(docker: Docker, two: None) -> None:
    result = docker("images", "--format", "{{.VirtualSize}}")
    assert result.status == 1
    assert "executing \"\" at <.VirtualSize>: can't evaluate field VirtualSize" in result.err


@pytest.mark.docker_profile("28")
def test_virtual_size_in_28(docker: Docker, two: None) -> None:
    result = docker("images", "--format", "{{.VirtualSize}}", "alpine:3.21")
    assert result.status == 0 and result.out.strip() == \
        docker("images", "--format", "{{.Size}}", "alpine:3.21").out.strip()


def test_ambiguous_name_hint(docker: Docker) -> None:
    result = docker("images", "ls")
    assert result.err == 'No images found matching "ls": did you mean "docker image ls"?\n'


def test_help_of_29(docker: Docker) -> None:
    out = docker("images", "--help").out
    assert "Show all images (default hides intermediate and dangling images)" in out
    assert "--tree" in out and "List multi-platform images as a tree (EXPERIMENTAL)" in out


@pytest.mark.docker_profile("28")
def test_help_of_28(docker: Docker) -> None:
    out = docker("images", "--help").out
    assert "Show all images (default hides intermediate images)" in out
    assert "--tree" not in out


# -- content trust ---------------------------------------------------------------------------

DEPRECATED = ("Flag --disable-content-trust has been deprecated, support for docker content "
              "trust was removed\n")


@pytest.mark.parametrize("argv", [
    ["pull", "-q", "--disable-content-trust", "alpine:3.21"],
    ["run", "--rm", "--disable-content-trust", "alpine:3.21", "true"],
    ["create", "--disable-content-trust=false", "alpine:3.21"],
])
def test_disable_content_trust_is_deprecated(docker: Docker, argv: list[str]) -> None:
    result = docker(*argv)
    assert result.status == 0
    assert result.out.startswith(DEPRECATED)


def test_content_trust_is_gone_from_help(docker: Docker) -> None:
    for command in ("pull", "push", "run", "create"):
        assert "content-trust" not in docker(command, "--help").out


@pytest.mark.docker_profile("28")
def test_docker_28_accepts_content_trust_quietly(docker: Docker) -> None:
    result = docker("pull", "-q", "--disable-content-trust", "alpine:3.21")
    assert result.out == "docker.io/library/alpine:3.21\n"
    assert "--disable-content-trust   Skip image verification" in docker("pull", "--help").out


def test_docker_content_trust_env_is_ignored(docker: Docker,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONTENT_TRUST", "1")
    result = docker("pull", "-q", "alpine:3.21")
    assert (result.status, result.out, result.err) == (0, "docker.io/library/alpine:3.21\n", "")


def test_trust_is_not_a_command(docker: Docker) -> None:
    result = docker("trust", "inspect", "alpine")
    assert (result.status, result.err) == (
        1, "docker: unknown command: docker trust\n\nRun 'docker --help' for more information\n")


def test_digests_of_local_builds(docker: Docker, two: None) -> None:
    """The containerd store names every tagged image `name@target` in RepoDigests, a local
    build too (daemon/containerd/image_list.go @ docker-v29.7.2): `--digests` shows its ID."""
    result = docker("images", "--digests", "--format", "{{.Repository}} {{.Digest}}")
    assert f"app {image_id(docker, 'app:1')}" in result.out.splitlines()


@pytest.mark.docker_profile("28")
def test_digests_of_local_builds_on_the_classic_store(docker: Docker, two: None) -> None:
    """The classic store knows a digest only once the image was pushed or pulled."""
    result = docker("images", "--digests", "--format", "{{.Repository}} {{.Digest}}")
    assert "app <none>" in result.out.splitlines()
