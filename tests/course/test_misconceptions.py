"""Misconception hints: each trigger fires on the mistake, from a real sandbox driven through the
lesson terminal's shell, and stays quiet on the look-alike that is no mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course.hostshell import HostShell
from tutor.course.lessons import load_lessons
from tutor.course.misconceptions import (
    Hint,
    docker_call,
    hint_after,
    load_hint_texts,
    simple_commands,
)
from tutor.paths import content_dir

DOCKERFILE = """\
FROM alpine:3.21
COPY big.txt /data/big.txt
RUN rm /data/big.txt
CMD sleep 1000
"""


@pytest.fixture
def shell(tmp_path: Path) -> HostShell:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "Dockerfile").write_text(DOCKERFILE)
    (ws / "big.txt").write_text("x" * 5000)
    (ws / ".dockerignore").write_text("notes.md\n")
    sh = HostShell(ws, tmp_path / "state")
    assert sh.run("docker pull alpine:3.21").status == 0
    return sh


def run(shell: HostShell, line: str) -> Hint | None:
    shell.run(line)
    return hint_after(shell.history[-1], shell.history[:-1], shell.state, shell.real_cwd)


def hints(shell: HostShell, *lines: str) -> list[str | None]:
    return [h.id if (h := run(shell, line)) else None for line in lines]


# -- parsing ------------------------------------------------------------------------------------


def test_a_docker_line_is_read_with_the_clis_own_flags() -> None:
    call = docker_call(["docker", "container", "run", "-d", "-p", "80:80", "--name", "w",
                        "app:1", "ls", "-l"])
    assert call is not None
    assert (call.command, call.args) == ("run", ("app:1", "ls", "-l"))
    images = docker_call(["docker", "image", "ls"])
    assert images is not None and images.command == "images"
    assert docker_call(["docker", "run", "--nope", "x"]) is None
    assert docker_call(["ls", "-l"]) is None


def test_simple_commands_split_a_line_and_keep_redirect_targets() -> None:
    found = simple_commands("echo hi > a.txt && docker build -t x . ; touch b")
    assert [s.words[0] for s in found] == ["echo", "docker", "touch"]
    assert found[0].writes == ("a.txt",)
    assert simple_commands("echo 'open") == []


# -- the triggers -------------------------------------------------------------------------------


def test_curl_of_an_exposed_port_nobody_published(shell: HostShell) -> None:
    assert shell.run("docker pull nginx:1.27").status == 0
    assert hints(shell, "docker run -d --name ng nginx:1.27", "curl localhost:80",
                 "curl localhost:9999") == [None, "expose-not-published", None]
    hint = run(shell, "curl http://localhost")
    assert hint is not None and "ng" in hint.text and "-p 80:80" in hint.text


def test_curl_of_a_published_port_is_no_mistake(shell: HostShell) -> None:
    assert shell.run("docker pull nginx:1.27").status == 0
    assert hints(shell, "docker run -d -p 8080:80 --name ng nginx:1.27", "curl localhost:8080",
                 "curl localhost:80") == [None, None, None]


def test_deleting_in_a_later_layer_answered_once_per_build(shell: HostShell) -> None:
    assert hints(shell, "docker build -t app:1 .", "docker images", "docker images",
                 "docker history app:1") == [None, "delete-in-later-layer", None, None]
    hint = run(shell, "docker build -t app:1 . && docker history app:1")
    assert hint is not None and "/data/big.txt" in hint.text


def test_deleting_in_the_same_layer_is_no_mistake(shell: HostShell) -> None:
    (shell.root / "Dockerfile").write_text(
        "FROM alpine:3.21\nRUN echo x > /big.txt && rm /big.txt\n")
    assert hints(shell, "docker build -t app:1 .", "docker images") == [None, None]


def test_run_without_a_tag_when_only_other_tags_exist(shell: HostShell) -> None:
    assert hints(shell, "docker build -t app:1 .", "docker run app") == [None, "latest-missing"]
    hint = run(shell, "docker run app:latest")
    assert hint is not None and "app:1" in hint.text
    # a name the learner never tagged: Docker's own error says all there is
    assert hints(shell, "docker run nothing-here") == [None]


def test_latest_that_an_older_build_holds(shell: HostShell) -> None:
    assert hints(shell, "docker build -t app:1 -t app:latest .",
                 "docker run --rm app true") == [None, None]
    (shell.root / "Dockerfile").write_text(DOCKERFILE + "LABEL v=2\n")
    assert hints(shell, "docker build -t app:2 .", "docker run --rm app true",
                 "docker tag app:2 app", "docker run --rm app true") == \
        [None, "latest-not-newest", None, None]


def test_a_file_written_in_a_container_looked_for_in_a_new_one(shell: HostShell) -> None:
    assert hints(shell, "docker run -d --name box alpine:3.21 sleep 1000",
                 "docker exec box sh -c 'echo hi > /hello.txt'",
                 "docker run --rm alpine:3.21 cat /hello.txt") == \
        [None, None, "container-edit-not-image"]
    hint = run(shell, "docker run --rm alpine:3.21 ls /")
    assert hint is not None and "box" in hint.text and "/hello.txt" in hint.text


def test_a_new_container_after_no_exec_is_no_mistake(shell: HostShell) -> None:
    # written by the container's own command, not by `docker exec`: nothing was edited by hand
    assert hints(shell, "docker run --name box alpine:3.21 touch /hello.txt",
                 "docker run --rm alpine:3.21 cat /hello.txt",
                 "docker run --rm alpine:3.21 ls /etc") == [None, None, None]


def test_stop_killed_after_the_timeout_on_a_shell_form_cmd(shell: HostShell) -> None:
    assert hints(shell, "docker build -t app:1 .", "docker run -d --name web app:1",
                 "docker stop web") == [None, None, "stop-shell-form"]
    hint = run(shell, "docker start web && docker stop -t 3 web")
    assert hint is not None and "3 s" in hint.text


def test_stop_of_an_exec_form_command_says_nothing(shell: HostShell) -> None:
    (shell.root / "Dockerfile").write_text('FROM alpine:3.21\nCMD ["sleep", "1000"]\n')
    assert hints(shell, "docker build -t app:1 .", "docker run -d --name web app:1",
                 "docker stop web") == [None, None, None]


def test_all_cached_after_editing_an_ignored_file(shell: HostShell) -> None:
    assert hints(shell, "docker build -t app:1 .", "echo more >> notes.md",
                 "docker build -t app:1 .") == [None, None, "dockerignore-edit"]
    hint = run(shell, "touch notes.md && docker build -t app:1 .")
    assert hint is not None and "notes.md" in hint.text


def test_editing_a_file_the_build_sees_is_no_mistake(shell: HostShell) -> None:
    assert hints(shell, "docker build -t app:1 .", "echo more >> big.txt",
                 "docker build -t app:1 .") == [None, None, None]


def test_an_ignored_dockerfile_is_still_read_by_the_builder(shell: HostShell) -> None:
    # .dockerignore may list the Dockerfile (lesson 2 does): a LABEL added to it is read, and
    # every step is CACHED because a LABEL makes no layer, not because the edit was unseen
    (shell.root / ".dockerignore").write_text("notes.md\nDockerfile\n.dockerignore\n")
    assert hints(shell, "docker build -t app:1 .", "echo 'LABEL a=b' >> Dockerfile",
                 "docker build -t app:1 .", "echo x >> .dockerignore",
                 "docker build -t app:1 .") == [None, None, None, None, None]


def test_a_line_without_docker_or_curl_never_opens_the_engine(tmp_path: Path) -> None:
    shell = HostShell(tmp_path, tmp_path / "no-state")
    assert run(shell, "echo docker images") is None
    assert not (tmp_path / "no-state").exists()


# -- the data -----------------------------------------------------------------------------------


def test_every_hint_links_a_step_that_exists() -> None:
    lessons, problems = load_lessons([content_dir("lessons")])
    assert not problems
    steps = {(lesson.id, step.id) for lesson in lessons for step in lesson.steps}
    texts = load_hint_texts()
    assert set(texts) == {"expose-not-published", "delete-in-later-layer", "latest-missing",
                          "latest-not-newest", "container-edit-not-image", "stop-shell-form",
                          "dockerignore-edit"}
    for key, text in texts.items():
        assert (text.lesson, text.step) in steps, key


def test_the_line_is_visibly_the_tutorials() -> None:
    line = Hint("x", "Something.", "02-layers", "delete-later").line
    assert line.startswith("tutor: ") and line.endswith("(lesson 02-layers, step delete-later)")
