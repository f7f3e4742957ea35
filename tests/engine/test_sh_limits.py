"""What bounds a simulated program as a container bounds a real one: pipes that close when their
reader exits (SIGPIPE), and a memory limit whose breach is an OOM kill (status 137)."""

from __future__ import annotations

import threading

import pytest

from tests.engine.sh_trees import BINARY, ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, file
from tutor.engine.sh import Result, run_script
from tutor.engine.sh._pipeline import PIPE_CAPACITY

TREES = {"ash": busybox_tree, "dash": debian_tree, "bash": debian_tree}
ALL = tuple(TREES)
SMALL = 8 * 1024 * 1024


def sh(flavour: str, script: str, fs: FileTree | None = None, memory: int | None = None,
       ) -> Result:
    tree = fs if fs is not None else TREES[flavour]()
    argv = ("/bin/bash", "-c") if flavour == "bash" else ("/bin/sh", "-c")
    return run_script(script, fs=tree, env=dict(ENV), epoch=EPOCH, shell_argv=argv,
                      memory=memory)


def with_yes() -> FileTree:
    tree = debian_tree()
    for name in ("yes", "awk"):
        tree.put(f"/usr/bin/{name}", file(BINARY + name.encode(), 0o755))
    return tree


# -- pipes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ALL)
def test_a_writer_whose_reader_has_gone_stops(flavour: str) -> None:
    # A billion lines would never fit in memory: seq must stop when head has its line.
    result = sh(flavour, "seq 1 1000000000 | head -1; echo done", memory=SMALL)
    assert (result.exit_code, result.stdout, result.oom_killed) == (0, b"1\ndone\n", False)


def test_the_writer_dies_of_sigpipe() -> None:
    result = sh("bash", "set -o pipefail; seq 1 1000000000 | head -n 2; echo $?")
    assert result.stdout == b"1\n2\n141\n"


@pytest.mark.parametrize("flavour", ALL)
def test_a_shell_loop_writing_to_a_closed_pipe_ends(flavour: str) -> None:
    result = sh(flavour, "while :; do echo y; done | head -n 3; echo after")
    assert result.stdout == b"y\ny\ny\nafter\n"
    assert b"too many commands" not in result.stderr


@pytest.mark.parametrize("flavour", ALL)
def test_head_reads_the_same_lines_from_a_pipe_a_redirection_and_a_file(flavour: str) -> None:
    # A lone carriage return (progress output) ends no line for head, wherever it reads from.
    result = sh(flavour, "printf 'a\\rb\\nc\\n' > /tmp/f; cat /tmp/f | head -n 1; "
                         "head -n 1 < /tmp/f; head -n 1 /tmp/f")
    assert result.stdout == b"a\rb\n" * 3


@pytest.mark.parametrize("script", [
    "seq 1 100000 | wc -l",  # the writer outgrows its pipe: its reader starts in a thread
    "yes | { yes | head -c 70000 | wc -c; } | head -n 1",  # a pipeline inside a member
    "x=a; while :; do x=$x$x; done | cat",  # the memory limit ends the run in a member
    "seq 1 100000 | while :; do :; done",  # the step budget ends it
    "seq 1 100000 | cat | while :; do :; done",  # ... while a member in a thread waits
])
def test_a_pipeline_leaves_no_thread_behind(script: str) -> None:
    before = set(threading.enumerate())
    result = sh("dash", script, fs=with_yes(), memory=SMALL)
    assert result.exit_code in (0, 137)
    assert set(threading.enumerate()) <= before


@pytest.mark.parametrize("flavour", ALL)
def test_output_larger_than_a_pipe_still_arrives_whole(flavour: str) -> None:
    lines = PIPE_CAPACITY  # several pipes' worth of bytes
    result = sh(flavour, f"seq 1 {lines} | wc -l; seq 1 {lines} | tail -n 1")
    assert result.stdout.split() == [str(lines).encode(), str(lines).encode()]


@pytest.mark.parametrize("flavour", ALL)
def test_readers_take_only_what_they_read(flavour: str) -> None:
    script = "seq 1 5 | { read a; read b; echo got $a $b; cat; }"
    assert sh(flavour, script).stdout == b"got 1 2\n3\n4\n5\n"


@pytest.mark.parametrize("flavour", ALL)
def test_a_reader_that_never_reads_does_not_drain_the_writer(flavour: str) -> None:
    result = sh(flavour, "seq 1 1000000000 | echo reader; echo $?", memory=SMALL)
    assert result.stdout == b"reader\n0\n"


def test_nested_pipelines_pass_data_through() -> None:
    result = sh("dash", "(seq 1 1000000000 | cat) | head -n 2", memory=SMALL)
    assert (result.stdout, result.oom_killed) == (b"1\n2\n", False)


def test_yes_is_endless_until_its_reader_exits() -> None:
    assert sh("dash", "yes tutor | head -n 2", with_yes()).stdout == b"tutor\ntutor\n"


def test_an_endless_writer_nobody_stops_ends_with_the_step_budget() -> None:
    result = sh("dash", "yes > /dev/null", with_yes())
    assert result.exit_code == 137
    assert b"too many commands" in result.stderr


# -- memory --------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ALL)
def test_a_doubling_string_is_killed_by_the_oom_killer(flavour: str) -> None:
    result = sh(flavour, "x=a; while :; do x=$x$x; done; echo never", memory=SMALL)
    assert (result.exit_code, result.oom_killed, result.stdout) == (137, True, b"")


@pytest.mark.parametrize("flavour", ALL)
def test_a_huge_printf_field_is_killed(flavour: str) -> None:
    result = sh(flavour, "printf '%*d' 2000000000 1; echo never", memory=SMALL)
    assert (result.exit_code, result.oom_killed, result.stdout) == (137, True, b"")


@pytest.mark.parametrize("program", [
    "BEGIN { s = \"a\"; while (1) s = s s }",
    "BEGIN { s = sprintf(\"%2000000000d\", 1) }",
])
def test_awk_strings_count_against_the_limit(program: str) -> None:
    result = sh("dash", f"awk '{program}'; echo never", with_yes(), memory=SMALL)
    assert (result.exit_code, result.oom_killed, result.stdout) == (137, True, b"")


def test_awk_within_the_limit_is_untouched() -> None:
    result = sh("dash", "awk 'BEGIN { printf \"%5d|%s\\n\", 3, \"x\" y }'", with_yes(),
                memory=SMALL)
    assert (result.exit_code, result.stdout) == (0, b"    3|x\n")


def test_the_default_limit_also_stops_it() -> None:
    result = sh("dash", "printf '%2000000000d' 1")
    assert (result.exit_code, result.oom_killed) == (137, True)


def test_a_command_substitution_holds_its_output_in_memory() -> None:
    result = sh("dash", "x=$(yes); echo never", with_yes(), memory=SMALL)
    assert (result.exit_code, result.oom_killed) == (137, True)


def test_a_reader_that_keeps_everything_is_killed() -> None:
    result = sh("dash", "yes | sort", with_yes(), memory=SMALL)
    assert (result.exit_code, result.oom_killed) == (137, True)


@pytest.mark.parametrize("flavour", ALL)
def test_work_within_the_limit_is_untouched(flavour: str) -> None:
    result = sh(flavour, "x=ab; x=$x$x$x; printf '%5s|%-3d|\\n' $x 7", memory=SMALL)
    assert (result.exit_code, result.stdout, result.oom_killed) == (0, b"ababab|7  |\n", False)


# -- files written through redirections ----------------------------------------------------------


@pytest.mark.parametrize("flavour", ALL)
def test_a_long_stream_of_writes_reaches_the_file_whole(flavour: str) -> None:
    script = ("for i in $(seq 1 30000); do echo line $i; done > /tmp/f; wc -l < /tmp/f; "
              "exec > /tmp/g; seq 1 20000; echo last; exec > /dev/null; "
              "tail -n 1 /tmp/g >&2; { seq 1 20000; } >> /tmp/f; wc -l < /tmp/f >&2")
    result = sh(flavour, script)
    assert (result.stdout, result.stderr) == (b"30000\n", b"last\n50000\n")


def test_small_writes_are_seen_at_once() -> None:
    result = sh("dash", "{ echo a; wc -c < /tmp/f >&2; echo b; wc -c < /tmp/f >&2; } > /tmp/f")
    assert result.stderr == b"2\n4\n"


def test_a_file_beyond_the_simulated_disk_fails_with_enospc(monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    monkeypatch.setattr("tutor.engine.sh._io.FILE_LIMIT", 1024 * 1024)
    result = sh("dash", "yes > /tmp/f; echo $?; wc -c < /tmp/f", with_yes())
    assert result.stdout == b"1\n1048576\n"
    assert result.stderr == b"yes: /tmp/f: No space left on device\n"
