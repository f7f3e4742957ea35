"""Every "try it" command of the shipped bank runs on the simulated engine from a fresh sandbox
and shows what its explanation says; the fields preparing it are linted and applied."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

import pytest

from tutor.course.quiz import Question, lint, load_bank, load_schema, prepare_try_it
from tutor.dockercli import main
from tutor.paths import content_dir

# Written for Docker 28 (classic store) output.
pytestmark = pytest.mark.docker_profile("28")

BANK_DIR = content_dir("assets") / "questions"
SCHEMA = load_schema(BANK_DIR)
TRIED = [q for q in load_bank(BANK_DIR, SCHEMA).questions if q.try_it]

# Engine gaps in commands another engineer owns; the questions keep their real command.
GAPS: dict[str, str] = {}


def _docker(command: str, state: Path, workspace: Path) -> tuple[int, str, str]:
    argv = shlex.split(command)
    assert argv[0] == "docker"
    out, err = io.StringIO(), io.StringIO()
    status = main(argv[1:], state=state, stdout=out, stderr=err, tty=False, cwd=workspace)
    return status, out.getvalue(), err.getvalue()


def _case(q: Question) -> object:
    marks = [pytest.mark.xfail(reason=GAPS[q.id])] if q.id in GAPS else []
    return pytest.param(q, id=q.id, marks=marks)


@pytest.mark.parametrize("question", [_case(q) for q in TRIED])
def test_try_it_runs_on_a_fresh_sandbox(question: Question, tmp_path: Path) -> None:
    state, workspace = tmp_path / "state", tmp_path / "workspace"
    state.mkdir()
    workspace.mkdir()
    setups: list[tuple[str, int, str]] = []

    def run(command: str) -> int:
        status, _, err = _docker(command, state, workspace)
        setups.append((command, status, err))
        return status

    command = prepare_try_it(question, workspace, run)
    assert command == question.try_it
    for setup, status, err in setups:
        assert status == 0, f"setup {setup!r} failed: {err}"
    status, out, err = _docker(command, state, workspace)
    if question.try_fails:
        assert status != 0 and err.strip(), "meant to fail with an error"
    else:
        assert status == 0, err
    assert question.try_expect in out + err


def test_the_gaps_name_questions_of_the_bank() -> None:
    assert set(GAPS) <= {q.id for q in TRIED}


def test_prepare_writes_files_then_runs_setup_in_order(tmp_path: Path) -> None:
    seen: list[tuple[str, bool]] = []
    question = next(q for q in TRIED if q.try_files and q.try_setup)

    def run(command: str) -> int:
        seen.append((command, all((tmp_path / n).is_file() for n, _ in question.try_files)))
        return 1  # a failing setup does not stop the others

    assert prepare_try_it(question, tmp_path, run) == question.try_it
    assert seen == [(c, True) for c in question.try_setup]
    for name, content in question.try_files:
        assert (tmp_path / name).read_text() == content


GOOD = """
[topic]
title = "Mine"
domain = "Image Creation, Management, and Registry"
objective = "Describe the use of Dockerfile."

[[question]]
id = "mine-1"
stem = "Pick a"
try_it = "docker build -t app ."
EXTRA

[[question.option]]
text = "a"
correct = true
why = "because"

[[question.option]]
text = "b"
why = "no"

[[question.option]]
text = "c"
why = "no"
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('try_setup = ["docker pull alpine"]\ntry_expect = "DONE"\ntry_fails = false', None),
        ("[question.try_files]\nDockerfile = '''\nFROM alpine\n'''\n\"app/a.txt\" = \"a\"", None),
        ('try_setup = ["docker pul alpine"]', "try_setup #1: unknown docker command: 'pul alpine'"),
        ('try_setup = "docker pull alpine"', "try_setup: must be a list of docker commands"),
        ("try_fails = 1", "try_fails: must be true or false"),
        ("try_expect = 3", "try_expect: must be a string, not int"),
        ('[question.try_files]\n"/etc/passwd" = "x"', "try_files./etc/passwd: must be a relative"),
        ('[question.try_files]\n"../up" = "x"', "try_files.../up: must be a relative path"),
        ("[question.try_files]\nDockerfile = 1", "try_files.Dockerfile: content must be a string"),
        ('try_files = "Dockerfile"', "try_files: must be a table of file name = content"),
    ],
    ids=["valid", "files", "bad-setup", "setup-not-list", "fails-not-bool", "expect-not-str",
         "absolute-file", "parent-file", "content-not-str", "files-not-table"],
)
def test_lint_checks_the_try_fields(tmp_path: Path, extra: str, expected: str | None) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD.replace("EXTRA", extra))
    problems = lint([path], SCHEMA)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and f"question mine-1: {expected}" in problems[0], problems


def test_lint_refuses_try_fields_without_try_it(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD.replace('try_it = "docker build -t app ."', "").replace(
        "EXTRA", "try_fails = true"))
    assert lint([path], SCHEMA) == [
        f"{path}:8: question mine-1: try_fails: needs a try_it command to go with it"
    ]


def test_loaded_question_carries_the_try_fields(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    extra = ('try_setup = ["docker pull alpine"]\ntry_fails = true\ntry_expect = "x"\n'
             "[question.try_files]\nDockerfile = '''\nFROM alpine\n'''")
    path.write_text(GOOD.replace("EXTRA", extra))
    (tmp_path / "_schema").symlink_to(BANK_DIR / "_schema")
    (q,) = load_bank(tmp_path, SCHEMA).questions
    assert (q.try_setup, q.try_files, q.try_fails, q.try_expect) == (
        ("docker pull alpine",), (("Dockerfile", "FROM alpine\n"),), True, "x")
