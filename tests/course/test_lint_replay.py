"""`tutor lessons lint` replays each lesson's solutions: a deliberately broken pack gets every
mistake reported at the file and line to change, and a new lesson from the scaffold lints clean."""

from __future__ import annotations

import io
from pathlib import Path

from tutor.course.cli import lint_main, new_main
from tutor.course.replay import unknown_command

BROKEN = Path(__file__).parent / "lint_packs" / "broken"


def lint(*argv: str) -> tuple[int, list[str], str]:
    out, progress = io.StringIO(), io.StringIO()
    status = lint_main(list(argv), out, progress)
    return status, out.getvalue().splitlines(), progress.getvalue()


def test_broken_pack_reports_each_mistake_with_file_and_line() -> None:
    status, lines, progress = lint(str(BROKEN))
    lesson = f"{BROKEN}/01-broken/lesson.toml"
    expected = [
        # a check that passes before the step is done (alpine:3.21 is pulled by the setup)
        f"{lesson}:16: step 'too-early' is done before its solution runs: its checks already "
        "pass (alpine:3.21 exists with 1 layer), so it would complete by itself",
        # an image that cannot exist, pulled by a solution
        f"{lesson}:25: the engine cannot provide alpine:3.99, which the solution of step "
        "'no-such-tag' uses: Error response from daemon: manifest for alpine:3.99 not found: "
        "manifest unknown: manifest unknown (no such tag; closest that exist: ",
        # a command the lesson's terminal does not have, named in a hint
        f"{lesson}:35: the hint of step 'wrong-tag' names `grep`, which the lesson's terminal "
        "does not have",
        # a solution that does not pass its check
        f"{lesson}:36: the solution of step 'wrong-tag' does not pass its check at line 37: "
        "no image mine:2.0 yet",
        # an image that cannot exist, in a workspace Dockerfile and in a lesson's setup
        f"{BROKEN}/01-broken/workspace/Dockerfile:2: the engine cannot provide node:99-alpine: "
        "Error response from daemon: manifest for node:99-alpine not found",
        f"{BROKEN}/02-no-such-setup-image/lesson.toml:7: the engine cannot provide the setup's "
        "images: Error response from daemon: manifest for alpine:3.99 not found",
    ]
    problems = lines[:-1]
    assert len(problems) == len(expected), lines
    for want in expected:
        assert any(line.startswith(want) for line in problems), (want, lines)
    assert lines[-1] == "2 lessons checked, 6 problems"
    assert status == 1
    # the stage `build` is no image to pull, and the last step has no later steps to skip
    assert not any("FROM build" in line or "later steps" in line for line in lines)
    assert "replaying 01-broken (3 steps)…\n  3 of 3 steps replayed\n" in progress
    assert "replaying 02-no-such-setup-image (1 step)…\n  0 of 1 steps replayed\n" in progress


def test_no_replay_checks_the_files_only() -> None:
    status, lines, progress = lint("--no-replay", str(BROKEN))
    assert (status, lines, progress) == (0, ["2 lessons checked, 0 problems"], "")


def test_a_new_lesson_lints_clean_with_its_solutions_replayed(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert new_main(["07-my-first-lesson", "--dir", str(tmp_path)], out, err) == 0, err.getvalue()
    folder = tmp_path / "07-my-first-lesson"
    assert f"created {folder}\n" in out.getvalue()
    status, lines, progress = lint(str(folder))
    assert (status, lines) == (0, ["1 lesson checked, 0 problems"])
    assert "2 of 2 steps replayed" in progress
    toml = (folder / "lesson.toml").read_text()
    assert 'title = "My first lesson"' in toml and 'ref = "my-first-lesson:1.0"' in toml
    assert (folder / "workspace" / "Dockerfile").is_file()


def test_new_refuses_a_bad_name_or_an_existing_folder(tmp_path: Path) -> None:
    for name in ("My Lesson", "../escape", "06_under", "x" * 65):
        out, err = io.StringIO(), io.StringIO()
        assert new_main([name, "--dir", str(tmp_path)], out, err) == 1, name
        assert "is not a lesson name" in err.getvalue()
    (tmp_path / "06-taken").mkdir()
    err = io.StringIO()
    assert new_main(["06-taken", "--dir", str(tmp_path)], io.StringIO(), err) == 1
    assert err.getvalue() == f"tutor lessons new: {tmp_path / '06-taken'} already exists\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["06-taken"]  # nothing half-made


def test_what_counts_as_a_command_the_terminal_lacks() -> None:
    assert unknown_command("docker buidl -t x .") == "docker buidl"
    assert unknown_command("docker image lss") == "docker image lss"
    assert unknown_command("cat Dockerfile && vi Dockerfile") == "vi"
    assert unknown_command("docker image ls | grep app") == "grep"
    for fine in ("docker build -t NAME:TAG DIR", "docker COMMAND", "docker image inspect x",
                 "COPY package.json .", "-p 8080:80", "node_modules", "ls -l", "edit app.py"):
        assert unknown_command(fine) is None, fine
