"""Fuzzing what a learner can type: command lines to the docker CLI, scripts to the simulated
shell, bytes as a Dockerfile, and damaged state files. Whatever comes in, the answer is Docker's
(or the shell's) own message and a status, never an internal error; nothing hangs, because the
simulation's own limits (step budget, memory limit, pipe closing) end every run.

A fixed number of examples, derandomized: every CI run tries the same inputs, so a failure is
repeatable. Internal errors surface as exceptions here (`TUTOR_DEBUG=1` makes the CLI re-raise
instead of printing its `internal error` line).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.sh_trees import ENV, EPOCH, busybox_tree, debian_tree
from tutor.dockercli import main
from tutor.engine.sh import run_script

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def docker(argv: list[str], state: Path, workspace: Path, stdin: bytes = b"") -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, state=state, stdout=out, stderr=err, tty=False, cwd=workspace,
                  stdin=io.TextIOWrapper(io.BytesIO(stdin)), confine=workspace)
    return status, err.getvalue()


@pytest.fixture
def debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_DEBUG", "1")


@pytest.fixture(autouse=True, scope="module")
def small_limits() -> Iterator[None]:
    """The simulation's own limits, made small so that thousands of endless loops end soon:
    what is tested is that they end, and how, not where."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tutor.engine.sh._proc.STEP_BUDGET", 2_000)
        patch.setattr("tutor.engine.sh.MEMORY_LIMIT", 8 * 1024 * 1024)
        yield


@pytest.fixture(scope="module")
def seeded_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A state with an image, a tag, a container, a volume: something for every command."""
    state = tmp_path_factory.mktemp("seeded")
    workspace = tmp_path_factory.mktemp("workspace")
    for argv in (["pull", "-q", "alpine:3.21"], ["tag", "alpine:3.21", "mine:1"],
                 ["volume", "create", "vol1"],
                 ["run", "--name", "c1", "-v", "vol1:/data", "alpine:3.21", "sh", "-c",
                  "echo hi > /data/x"]):
        assert docker(argv, state, workspace)[0] == 0
    yield state


# -- the docker CLI ------------------------------------------------------------------------------

COMMANDS = [
    ["run"], ["create"], ["ps"], ["images"], ["image", "ls"], ["rmi"], ["rm"], ["inspect"],
    ["tag"], ["history"], ["logs"], ["start"], ["stop"], ["kill"], ["restart"], ["exec"],
    ["cp"], ["diff"], ["commit"], ["export"], ["save"], ["load"], ["build"], ["volume", "ls"],
    ["volume", "create"], ["volume", "rm"], ["volume", "inspect"], ["system", "df"],
    ["system", "prune"], ["image", "prune"], ["container", "prune"], ["pull"], ["push"],
    ["version"], ["info"], ["port"], ["rename"], ["pause"], ["unpause"], ["top"], ["wait"],
    ["search"], ["login"], ["logout"], ["network", "ls"], ["image", "inspect"], ["buildx"],
]
TOKENS = st.one_of(
    st.sampled_from([
        "-a", "-q", "-f", "--format", "{{.ID}}", "{{json .}}", "{{.State.OOMKilled}}", "-d",
        "--rm", "-it", "-i", "-t", "-e", "A=B", "-v", "vol1:/data", "/tmp:/x", "-p", "8080:80",
        "-w", "/app", "-m", "8m", "--memory", "1x", "--name", "c1", "c2", "-u", "nobody",
        "--entrypoint", "", "alpine:3.21", "mine:1", "nginx", "busybox", "scratch", "sh", "-c",
        "echo hi", "x=a; while :; do x=$x$x; done", "seq 1 1000000000 | head -1", "ls", "/",
        "-", ".", "..", "--", "-o", "out.tar", "-i", "-t", "--tag", "app:1", "--filter",
        "dangling=true", "reference=alp*", "--no-trunc", "-s", "--force", "--all", "1",
        "-1", "0", "99999999999999999999", "c1:/data", "c1:/etc/passwd", "--help", "-h",
        "--progress=plain", "--target", "x", "--build-arg", "A", "-n", "--since", "1h",
    ]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)


@settings(FUZZ, max_examples=500)
@given(command=st.sampled_from(COMMANDS), rest=st.lists(TOKENS, max_size=7))
def test_docker_command_lines(debug: None, seeded_state: Path, tmp_path_factory:
                              pytest.TempPathFactory, command: list[str],
                              rest: list[str]) -> None:
    workspace = tmp_path_factory.mktemp("ws")
    status, _ = docker([*command, *rest], seeded_state, workspace)
    assert 0 <= status <= 255


# -- the simulated shell -------------------------------------------------------------------------

PIECES = st.sampled_from([
    "echo", "a", "b", "$x", '"$x"', "'q'", "x=$x$x", "x=a", "$(", ")", "`", "$((", "1+", "))",
    "|", "||", "&&", ";", "&", "\n", "(", ")", "{", "}", "<", ">", ">>", "2>&1", "<<EOF\nhi\nEOF\n",
    "if", "then", "else", "fi", "while", "until", "do", "done", "for", "in", "case", "esac",
    ":", "true", "false", "seq", "1", "100000", "1000000000", "head", "-n", "-c", "2", "cat",
    "wc", "-l", "sort", "tail", "printf", "'%*d'", "2000000000", "%s", "yes", "read", "r",
    "eval", "sh", "-c", "f()", "f", "exit", "return", "break", "set", "-e", "-u", "-o",
    "pipefail", "/tmp/f", "/dev/null", "/dev/zero", "cd", "/", "export", "unset", "shift",
    "${x:-d}", "${#x}", "${x%%a}", "$@", "$1", "*", "?", "[a]", "~", "\\", '"', "'",
])


WORDS = st.sampled_from([
    "echo a", "echo $x", "x=$x$x", "x=a", "seq 1 1000000000", "seq 3", "head -n 2", "head -c 5",
    "cat", "wc -l", "sort", "tail -n 1", "printf '%*d' 2000000000 1", "printf '%s\\n' $x",
    "yes", "read r", "eval \"$x\"", "sh -c 'echo in'", "f", "false", "true", ":", "exit 3",
    "cd /tmp", "echo b > /tmp/f", "cat /tmp/f", "cat < /dev/zero", "ls /", "set -e",
])
SEPARATORS = st.sampled_from(["; ", " | ", " && ", " || ", "\n", " & "])


@st.composite
def structured(draw: st.DrawFn) -> str:
    """Scripts that mostly parse: commands joined by operators, inside the shell's compounds."""
    commands = draw(st.lists(WORDS, min_size=1, max_size=4))
    body = commands[0]
    for command in commands[1:]:
        body += draw(SEPARATORS) + command
    wrapper = draw(st.sampled_from([
        "{}", "while :; do {}; done", "for i in 1 2 3; do {}; done", "if {}; then echo y; fi",
        "x=$({})", "({}) | head -n 1", "f() {{ {}; f; }}; f", "{{ {}; }} 2>&1 | cat",
        "until {}; do :; done", "case $x in a) {};; esac",
    ]))
    return wrapper.format(body)


@settings(FUZZ, max_examples=600)
@given(flavour=st.sampled_from(["ash", "dash", "bash"]),
       script=st.one_of(st.lists(PIECES, max_size=14).map(" ".join), structured()))
def test_shell_scripts(flavour: str, script: str) -> None:
    tree = busybox_tree() if flavour == "ash" else debian_tree()
    argv = ("/bin/bash", "-c") if flavour == "bash" else ("/bin/sh", "-c")
    result = run_script(script, fs=tree, env=dict(ENV), epoch=EPOCH, shell_argv=argv,
                        memory=8 * 1024 * 1024)
    assert 0 <= result.exit_code <= 255
    assert result.exit_code == 137 or not result.oom_killed


# -- Dockerfiles ---------------------------------------------------------------------------------

LINES = st.one_of(
    st.sampled_from([
        b"FROM alpine:3.21", b"FROM scratch", b"FROM alpine:3.21 AS b", b"RUN echo hi",
        b"RUN x=a; while :; do x=$x$x; done", b"RUN seq 1 1000000000 | head -1",
        b"COPY . /app", b"COPY --from=b / /", b"WORKDIR app", b"ENV A=1", b"ARG A",
        b"CMD [\"sh\"]", b"ENTRYPOINT [", b"USER nobody", b"RUN <<EOF", b"EOF", b"ONBUILD RUN x",
        b"HEALTHCHECK CMD true", b"# syntax=docker/dockerfile:1", b"\\", b"",
    ]),
    st.binary(max_size=40),
)


@settings(FUZZ, max_examples=200)
@given(dockerfile=st.lists(LINES, max_size=6).map(b"\n".join))
def test_dockerfiles(debug: None, seeded_state: Path, tmp_path_factory: pytest.TempPathFactory,
                     dockerfile: bytes) -> None:
    workspace = tmp_path_factory.mktemp("ctx")
    (workspace / "Dockerfile").write_bytes(dockerfile)
    status, _ = docker(["build", "--progress=plain", "-t", "fuzz:1", "."], seeded_state,
                       workspace)
    assert status in (0, 1)
    status, _ = docker(["build", "-q", "-"], seeded_state, workspace, stdin=dockerfile)
    assert status in (0, 1)


# -- state files ---------------------------------------------------------------------------------

DAMAGE = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", b"{}", b"[]", b"null", b"1", b'"x"', b"{\"id\": 3}", b"\xff\xfe"]),
)
READERS = [["images"], ["ps", "-a"], ["volume", "ls"], ["system", "df"], ["inspect", "c1"],
           ["image", "inspect", "alpine:3.21"], ["run", "--rm", "alpine:3.21", "true"],
           ["start", "c1"], ["volume", "inspect", "vol1"], ["rmi", "mine:1"]]


@settings(FUZZ, max_examples=150)
@given(pick=st.integers(min_value=0), damage=DAMAGE, reader=st.sampled_from(READERS))
def test_damaged_state_files(debug: None, seeded_state: Path,
                             tmp_path_factory: pytest.TempPathFactory, pick: int,
                             damage: bytes, reader: list[str]) -> None:
    state = tmp_path_factory.mktemp("damaged") / "state"
    shutil.copytree(seeded_state, state)
    files = sorted(p for p in state.rglob("*") if p.is_file() and p.name != ".lock")
    victim = files[pick % len(files)]
    victim.write_bytes(damage)
    workspace = tmp_path_factory.mktemp("ws")
    status, _ = docker(reader, state, workspace)
    assert 0 <= status <= 255


def test_a_container_record_of_json_null_is_ignored_with_a_warning(debug: None,
                                                                   seeded_state: Path,
                                                                   tmp_path: Path) -> None:
    # Found by the fuzzing above: `null` is valid JSON of no shape a record has.
    state = tmp_path / "state"
    shutil.copytree(seeded_state, state)
    (record,) = (state / "containers").glob("*.json")
    record.write_bytes(b"null")
    out, err = io.StringIO(), io.StringIO()
    status = main(["ps", "-a", "-q"], state=state, stdout=out, stderr=err, tty=False)
    assert (status, out.getvalue()) == (0, "")
    assert err.getvalue() == (f"tutor: warning: container {record.stem[:12]} was unreadable "
                              "and is ignored\n")
