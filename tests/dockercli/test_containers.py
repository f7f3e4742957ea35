"""`docker run`, `ps`, `stop`, `rm`, `logs`, `exec`, `diff`, `commit`, `cp`, `port`, `inspect`,
`export`, volumes and container-aware `rmi`, end to end through the docker front door."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write
from tutor.engine import Engine
from tutor.paths import content_dir

HELP = "\n\nRun 'docker run --help' for more information\n"


@pytest.fixture
def d(docker: Docker) -> Docker:
    assert docker("pull", "-q", "alpine:3.21").status == 0
    return docker


def _ids(d: Docker, *argv: str) -> list[str]:
    return d("ps", "-q", *argv).out.split()


def test_lesson_one_flow(d: Docker) -> None:
    r = d("run", "--name", "box1", "alpine:3.21", "sh", "-c", "echo hello > /hello.txt")
    assert (r.status, r.out, r.err) == (0, "", "")
    r = d("run", "--name", "box2", "alpine:3.21", "ls", "/")
    assert "hello.txt" not in r.out and "etc\n" in r.out
    assert d("diff", "box1").out == "A /hello.txt\n"
    assert d("diff", "box2").out == ""
    commit = d("commit", "box1", "my-alpine:hello")
    assert commit.status == 0 and commit.out.startswith("sha256:")
    r = d("run", "--rm", "my-alpine:hello", "ls", "/")
    assert "hello.txt\n" in r.out
    lines = d("ps", "-a").out.splitlines()
    assert lines[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
                                "PORTS", "NAMES"]
    assert len(lines) == 3  # --rm removed its container
    assert lines[1].endswith("box2") and '"ls /"' in lines[1] and "Exited (0)" in lines[1]
    assert d("rm", "box2").out == "box2\n"
    r = d("rmi", "alpine:3.21")
    box1 = d("ps", "-aq", "--filter", "name=box1").out.strip()
    assert r.status == 1
    assert r.err.startswith(
        'Error response from daemon: conflict: unable to remove repository reference '
        f'"alpine:3.21" (must force) - container {box1} is using its referenced image ')
    assert d("rm", "box1").status == 0
    r = d("rmi", "my-alpine:hello", "alpine:3.21")
    assert r.status == 0 and "Untagged: alpine:3.21" in r.out
    assert d("images", "-q").out == ""


def test_image_is_never_changed_and_containers_are_isolated(d: Docker) -> None:
    d("run", "--name", "aa", "alpine:3.21", "sh", "-c",
      "rm /etc/alpine-release; echo x >> /etc/motd")
    assert d("diff", "aa").out.splitlines() == ["C /etc", "D /etc/alpine-release", "C /etc/motd"]
    r = d("run", "--rm", "alpine:3.21", "cat", "/etc/alpine-release")
    assert r.status == 0


@pytest.mark.parametrize(("argv", "status", "err"), [
    pytest.param(["alpine:3.21", "nope"], 127,
                 'docker: Error response from daemon: failed to create task for container: '
                 'failed to create shim task: OCI runtime create failed: runc create failed: '
                 'unable to start container process: error during container init: exec: '
                 '"nope": executable file not found in $PATH: unknown' + HELP, id="not-found"),
    pytest.param(["alpine:3.21", "/etc"], 126, None, id="is-a-directory"),
    pytest.param(["alpine:3.21", "ls", "/nope"], 1, "ls: /nope: No such file or directory\n",
                 id="command-fails"),
    pytest.param(["alpine:3.21", "sh", "-c", "exit 3"], 3, "", id="exit-code"),
    pytest.param(["nosuch/image"], 125,
                 "Unable to find image 'nosuch/image:latest' locally\n"
                 "docker: Error response from daemon: pull access denied for nosuch/image, "
                 "repository does not exist or may require 'docker login': denied: requested "
                 "access to the resource is denied" + HELP, id="no-image"),
    pytest.param(["--name", "x!", "alpine:3.21"], 125,
                 "docker: Error response from daemon: Invalid container name (x!), only "
                 "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" + HELP, id="bad-name"),
    pytest.param(["--restart", "sometimes", "alpine:3.21"], 125,
                 "docker: invalid restart policy: unknown policy 'sometimes'; use one of 'no', "
                 "'always', 'on-failure', or 'unless-stopped'" + HELP, id="bad-restart"),
])
def test_run_failures(d: Docker, argv: list[str], status: int, err: str | None) -> None:
    r = d("run", *argv)
    assert r.status == status
    if err is not None:
        assert r.err == err


def test_os_release_is_the_images_file(d: Docker) -> None:
    r = d("run", "--rm", "alpine:3.21", "cat", "/etc/os-release")
    assert r.out.startswith('NAME="Alpine Linux"\nID=alpine\n')


def test_name_conflict(d: Docker) -> None:
    first = d("create", "--name", "web", "alpine:3.21").out.strip()
    r = d("run", "--name", "web", "alpine:3.21")
    assert r.status == 125
    assert r.err == (
        f'docker: Error response from daemon: Conflict. The container name "/web" is already in '
        f'use by container "{first}". You have to remove (or rename) that container to be able '
        "to reuse that name." + HELP)


def test_nginx_serves_and_ports_conflict(d: Docker, isolated_state: Path) -> None:
    cid = d("run", "-d", "--name", "web", "-p", "8080:80", "nginx:alpine").out.strip()
    assert len(cid) == 64
    row = d("ps").out.splitlines()[1]
    assert "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp" in row and '"/docker-entrypoint.…"' in row
    assert "Up " in row
    r = d("run", "-d", "-p", "8080:80", "nginx:alpine")
    assert r.status == 125
    assert "Bind for 0.0.0.0:8080 failed: port is already allocated" + HELP in r.err
    logs = d("logs", "web")
    assert logs.out.splitlines()[-1] == \
        "/docker-entrypoint.sh: Configuration complete; ready for start up"
    assert "[notice] 1#1: nginx/1.27.4" in logs.err
    assert d("port", "web").out == "80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n"
    assert d("port", "web", "80").out == "0.0.0.0:8080\n[::]:8080\n"
    r = d("port", "web", "81")
    assert (r.status, r.err) == (1, "Error: No public port '81/tcp' published for web\n")
    engine = Engine.open(isolated_state, content_dir("assets"))
    status, body = engine.http_get(8080, "/") or (0, b"")
    assert status == 200 and b"<title>Welcome to nginx!</title>" in body
    assert engine.http_get(8081, "/") is None
    assert (engine.http_get(8080, "/nope") or (0, b""))[0] == 404
    r = d("rm", "web")
    assert r.status == 1 and r.err == (
        'Error response from daemon: cannot remove container "web": container is running: stop '
        "the container before removing or force remove\n")
    assert d("stop", "web").out == "web\n"
    assert "Exited (0)" in d("ps", "-a").out
    assert Engine.open(isolated_state, content_dir("assets")).http_get(8080, "/") is None


def test_stop_kills_a_process_that_ignores_sigterm(d: Docker) -> None:
    d("run", "-d", "--name", "sl", "alpine:3.21", "sleep", "infinity")
    assert d("ps", "--format", "{{.Names}} {{.State}}").out == "sl running\n"
    d("stop", "-t", "2", "sl")
    assert d("inspect", "-f", "{{.State.ExitCode}}", "sl").out == "137\n"


def test_sleep_ends_by_itself(d: Docker) -> None:
    d("run", "-d", "--name", "sl", "alpine:3.21", "sleep", "2")
    assert _ids(d) != []
    for _ in range(3):
        d("ps")
    assert _ids(d) == []
    assert "Exited (0)" in d("ps", "-a").out


def test_exec_logs_pause_kill(d: Docker) -> None:
    d("run", "-d", "--name", "sl", "alpine:3.21", "sleep", "infinity")
    r = d("exec", "sl", "sh", "-c", "echo hi > /tmp/x; cat /tmp/x")
    assert (r.status, r.out) == (0, "hi\n")
    assert d("diff", "sl").out == "C /tmp\nA /tmp/x\n"
    r = d("exec", "sl", "nope")
    assert r.status == 127 and 'exec: "nope": executable file not found in $PATH' in r.out
    assert d("pause", "sl").out == "sl\n"
    assert "(Paused)" in d("ps").out
    cid = d("inspect", "-f", "{{.Id}}", "sl").out.strip()
    r = d("exec", "sl", "true")
    assert r.err == f"Error response from daemon: Container {cid} is paused, unpause the " \
                    "container before exec\n"
    d("unpause", "sl")
    assert d("kill", "sl").out == "sl\n"
    r = d("kill", "sl")
    assert r.err == f"Error response from daemon: cannot kill container: sl: container {cid} " \
                    "is not running\n"
    r = d("exec", "sl", "true")
    assert r.err == f"Error response from daemon: container {cid} is not running\n"


def test_logs_tail_and_streams(d: Docker) -> None:
    d("run", "--name", "lg", "alpine:3.21", "sh", "-c", "echo 1; echo 2; echo 3; echo e >&2")
    assert d("logs", "lg").out == "1\n2\n3\n"
    assert d("logs", "lg").err == "e\n"
    assert d("logs", "--tail", "2", "lg").out == "3\n"


def test_no_such_container(d: Docker) -> None:
    for verb in ("stop", "rm", "kill"):
        r = d(verb, "nope")
        assert (r.status, r.err) == (1, "Error response from daemon: No such container: nope\n")
    r = d("start", "nope")
    assert r.err == "Error response from daemon: No such container: nope\n" \
                    "Error: failed to start containers: nope\n"
    assert d("rm", "-f", "nope").status == 0
    r = d("diff", "nope")
    assert r.err == "Error response from daemon: No such container: nope\n"


def test_restart_policy_on_failure(d: Docker) -> None:
    d("run", "-d", "--name", "rs", "--restart", "on-failure:2", "alpine:3.21", "sh", "-c",
      "echo run; exit 1")
    for _ in range(5):
        d("ps")
    assert d("inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "rs").out == "2 exited\n"
    assert d("logs", "rs").out == "run\nrun\nrun\n"


def test_rm_removes_container_after_exit(d: Docker) -> None:
    d("run", "--rm", "--name", "gone", "alpine:3.21", "true")
    assert d("ps", "-aq").out == ""


def test_cp_both_ways_and_export(d: Docker, tmp_path: Path) -> None:
    d("create", "--name", "ct", "alpine:3.21")
    write(tmp_path, {"hello.txt": "hi\n"})
    r = d("cp", "hello.txt", "ct:/root/")
    assert r.status == 0 and r.err.startswith("Successfully copied ")
    assert d("diff", "ct").out == "C /root\nA /root/hello.txt\n"
    r = d("cp", "ct:/etc/alpine-release", "out.txt")
    assert r.status == 0 and (tmp_path / "out.txt").read_text().startswith("3.21")
    assert d("export", "-o", "c.tar", "ct").status == 0
    with tarfile.open(tmp_path / "c.tar") as tar:
        names = tar.getnames()
    assert "root/hello.txt" in names and "etc/alpine-release" in names


def test_named_volume_outlives_containers(d: Docker) -> None:
    assert d("volume", "create", "data").out == "data\n"
    d("run", "--rm", "-v", "data:/data", "alpine:3.21", "sh", "-c", "echo kept > /data/f")
    r = d("run", "--rm", "-v", "data:/data", "alpine:3.21", "cat", "/data/f")
    assert r.out == "kept\n"
    assert d("volume", "ls").out == "DRIVER    VOLUME NAME\nlocal     data\n"
    d("create", "--name", "user", "-v", "data:/data", "alpine:3.21")
    r = d("volume", "rm", "data")
    assert r.status == 1 and "volume is in use" in r.err
    d("rm", "user")
    assert d("volume", "rm", "data").out == "data\n"


def test_bind_mount_reads_and_writes_the_host(d: Docker, tmp_path: Path) -> None:
    write(tmp_path, {"site/index.txt": "from host\n"})
    r = d("run", "--rm", "-v", f"{tmp_path}/site:/site", "alpine:3.21", "sh", "-c",
          "cat /site/index.txt; echo back > /site/new.txt")
    assert r.out == "from host\n"
    assert (tmp_path / "site" / "new.txt").read_text() == "back\n"


def test_ps_filters_and_formats(d: Docker) -> None:
    d("run", "--name", "ok", "alpine:3.21", "true")
    d("run", "--name", "bad", "alpine:3.21", "false")
    r = d("ps", "-a", "--filter", "exited=1", "--format", "{{.Names}}\t{{.Status}}")
    assert r.out.startswith("bad\tExited (1) ")
    assert d("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}").out == \
        "bad\nok\n"
    r = d("ps", "-a", "--filter", "bogus=1")
    assert r.err == "Error response from daemon: invalid filter 'bogus'\n"


def test_names_are_docker_style(d: Docker) -> None:
    d("run", "alpine:3.21", "true")
    name = d("ps", "-a", "--format", "{{.Names}}").out.strip()
    left, _, right = name.partition("_")
    assert left.isalpha() and right.isalpha() and name != "boring_wozniak"


def test_container_prune(d: Docker) -> None:
    ids = [d("create", "alpine:3.21").out.strip() for _ in range(2)]
    r = d("container", "prune", "-f")
    assert r.out == "Deleted Containers:\n" + "".join(f"{i}\n" for i in sorted(
        ids, key=lambda i: -ids.index(i))) + "\nTotal reclaimed space: 0B\n"


def test_rmi_by_id_conflicts(d: Docker) -> None:
    d("run", "-d", "--name", "sl", "alpine:3.21", "sleep", "infinity")
    image = d("images", "-q").out.strip()
    short = d("ps", "-q").out.strip()
    r = d("rmi", "-f", image)
    assert r.err == f"Error response from daemon: conflict: unable to delete {image} (cannot be " \
                    f"forced) - image is being used by running container {short}\n"
    d("stop", "-t", "0", "sl")
    r = d("rmi", image)
    assert r.err == f"Error response from daemon: conflict: unable to delete {image} (must be " \
                    f"forced) - image is being used by stopped container {short}\n"


def test_export_refuses_terminal(d: Docker) -> None:
    d("create", "--name", "ct", "alpine:3.21")
    r = d("export", "ct")
    assert r.status == 1 and "cowardly refusing" in r.err


def test_hello_world(docker: Docker) -> None:
    result = docker("run", "hello-world")
    assert result.status == 0
    assert result.out.startswith("\nHello from Docker!\nThis message shows that your "
                                 "installation appears to be working correctly.\n")
    assert "Unable to find image 'hello-world:latest' locally" in result.err


@pytest.mark.parametrize(("last_line", "exit_code"), [('exec "$@"', "0"), ('"$@"', "137")])
def test_entrypoint_script_that_does_not_exec_keeps_the_shell_as_pid1(
        docker: Docker, tmp_path: Path, last_line: str, exit_code: str) -> None:
    """Without `exec`, the script's shell stays PID 1 and runs nginx as its child: a shell as
    PID 1 with no trap ignores the stop signal, so `docker stop` waits and kills."""
    write(tmp_path, {
        "entrypoint.sh": f"#!/bin/sh\necho starting\n{last_line}\n",
        "Dockerfile": "FROM nginx:alpine\nCOPY --chmod=755 entrypoint.sh /usr/local/bin/\n"
                      'ENTRYPOINT ["entrypoint.sh"]\nCMD ["nginx", "-g", "daemon off;"]\n',
    })
    assert docker("build", "-q", "-t", "wrapped", str(tmp_path)).status == 0
    assert docker("run", "-d", "--name", "web", "wrapped").status == 0
    assert docker("stop", "-t", "3", "web").status == 0
    assert docker("inspect", "-f", "{{.State.ExitCode}}", "web").out == f"{exit_code}\n"
    docker("rm", "web")
    assert docker("run", "-d", "--name", "web", "wrapped").status == 0
    docker("kill", "-s", "TERM", "web")
    running = docker("inspect", "-f", "{{.State.Running}}", "web").out
    assert running == ("false\n" if exit_code == "0" else "true\n")
