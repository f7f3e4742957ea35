"""Typing into a container: a shell that keeps its state from line to line, its prompt as the
image's shell prints it, file changes in the writable layer; and container IDs per host."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.engine import Engine
from tutor.engine.containers import CreateOptions
from tutor.engine.sh.interactive import is_shell
from tutor.paths import content_dir


def test_a_session_keeps_its_directory_and_variables_between_lines(engine: Engine) -> None:
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("sh",), tty=True, stdin_open=True),
                     engine.images.resolve("alpine:3.21"))
    store.start(c)
    assert c.running  # a shell whose stdin stays open waits for it
    session = store.session(c, tty=True)
    assert session.prompt == "/ # "
    assert session.run_line("cd /tmp; NAME=box\n") == ""
    assert session.prompt == "/tmp # "
    assert session.run_line("echo $NAME > here; cat here\n") == "box\r\n"
    assert session.run_line("nosuch\n") == "sh: nosuch: not found\r\n"
    assert session.exited is None
    session.run_line("exit 4\n")
    assert session.exited == 4
    session.close()
    stopped = store.get(c.id)
    assert not stopped.running and stopped.exit_code == 4
    assert "/tmp/here" in [change.path for change in stopped.changes.items]


def test_a_session_without_a_terminal_prints_no_prompt(engine: Engine) -> None:
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("sh",), stdin_open=True),
                     engine.images.resolve("alpine:3.21"))
    store.start(c)
    session = store.session(c, tty=False)
    assert session.prompt == ""
    assert session.run_line("echo plain\n") == "plain\n"
    assert session.end_of_input() == ""
    assert session.exited == 0


def test_exec_sessions_leave_the_container_running(engine: Engine) -> None:
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("sleep", "infinity")),
                     engine.images.resolve("alpine:3.21"))
    store.start(c)
    session = store.session(c, ["sh"], tty=True, workdir="/etc")
    assert session.prompt == "/etc # "
    session.run_line("exit\n")
    session.close()
    assert store.get(c.id).running


def test_a_line_that_outgrows_the_memory_limit_is_an_oom_kill(engine: Engine) -> None:
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("sh",), stdin_open=True,
                                   memory=8 * 1024 * 1024),
                     engine.images.resolve("alpine:3.21"))
    store.start(c)
    session = store.session(c, tty=False)
    assert session.run_line("echo before\n") == "before\n"
    # Doubling a variable passes 8 MiB long before the step budget runs out.
    assert session.run_line("x=a; while :; do x=$x$x; done; echo never\n") == ""
    assert session.exited == 137
    session.close()
    killed = store.get(c.id)
    assert (killed.running, killed.exit_code, killed.oom_killed) == (False, 137, True)


def test_an_exec_session_killed_for_memory_leaves_the_container_running(engine: Engine) -> None:
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("sleep", "infinity"),
                                   memory=8 * 1024 * 1024),
                     engine.images.resolve("alpine:3.21"))
    store.start(c)
    session = store.session(c, ["sh"], tty=False)
    session.run_line("x=a; while :; do x=$x$x; done\n")
    assert session.exited == 137
    session.close()
    assert store.get(c.id).running


def test_exec_with_a_terminal_sets_term_as_an_exec_session_does(engine: Engine) -> None:
    # moby's CreateDaemonEnvironment adds TERM=xterm to an exec's environment under -t.
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("sleep", "infinity")),
                     engine.images.resolve("alpine:3.21"))
    store.start(c)
    status, out, _ = store.exec(c, ["env"], tty=True, env=["A=1"])
    assert status == 0 and b"TERM=xterm\r\n" in out and b"A=1\r\n" in out
    session = store.session(c, ["sh"], tty=True, env=["A=1"])
    assert "TERM=xterm\r\n" in session.run_line("env\n")
    assert b"TERM=" not in store.exec(c, ["env"])[1]


def test_a_process_environment_is_in_the_daemons_order(engine: Engine) -> None:
    # moby's CreateDaemonEnvironment: PATH, HOSTNAME, TERM, the container's own; HOME last.
    store = engine.containers
    c = store.create(CreateOptions("alpine:3.21", cmd=("env",), tty=True, env=("A=1",)),
                     engine.images.resolve("alpine:3.21"))
    outcome = store.start(c)
    assert outcome is not None
    names = [line.split("=")[0] for _, text in outcome.output for line in text.splitlines()]
    assert names == ["PATH", "HOSTNAME", "TERM", "A", "HOME"]


@pytest.mark.parametrize(("argv", "shell"), [
    (["sh"], True), (["/bin/bash"], True), (["sh", "-c", "ls"], False), (["sh", "run.sh"], False),
    (["nginx"], False), ([], False),
])
def test_which_commands_read_their_input_as_a_shell(argv: list[str], shell: bool) -> None:
    assert is_shell(argv) is shell


def test_container_ids_differ_between_hosts_and_stay_within_one(tmp_path: Path) -> None:
    def first_id(state: Path) -> str:
        engine = Engine.open(state, content_dir("assets"))
        try:
            engine.local_or_pull("alpine:3.21")
            c = engine.containers.create(CreateOptions("alpine:3.21"),
                                         engine.images.resolve("alpine:3.21"))
            return c.id
        finally:
            engine.close()

    one, other = first_id(tmp_path / "one"), first_id(tmp_path / "other")
    assert one != other
    engine = Engine.open(tmp_path / "one", content_dir("assets"))
    try:
        again = engine.containers.create(CreateOptions("alpine:3.21"),
                                         engine.images.resolve("alpine:3.21"))
        assert again.id != one  # the second container of that host, not the first again
        host = engine.store.host
    finally:
        engine.close()
    reopened = Engine.open(tmp_path / "one", content_dir("assets"))
    try:
        assert reopened.store.host == host
    finally:
        reopened.close()
