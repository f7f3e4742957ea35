"""The host shell: builtins on the real workspace, confinement, operators, docker, completion."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course.hostshell import (
    HOME,
    Clear,
    Edit,
    HostShell,
    Names,
    Pane,
    ShellSyntaxError,
    tokenize,
)


@pytest.fixture
def shell(tmp_path: Path) -> HostShell:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "Dockerfile").write_text("FROM alpine:3.21\n")
    (ws / ".dockerignore").write_text("node_modules\n")
    (ws / "src" / "app.js").write_text("console.log(1)\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    return HostShell(
        ws,
        tmp_path / "state",
        curl=lambda port, path: f"port {port} path {path}\n" if port == 8080 else None,
        names=lambda: Names(images=("alpine:3.21", "my-app:1.0"), containers=("box1", "web")),
    )


RUNS = [
    ("pwd", "pwd", f"{HOME}\n", 0),
    ("ls", "ls", "Dockerfile  src\n", 0),
    ("ls-a", "ls -a", ".  ..  Dockerfile  .dockerignore  src\n", 0),
    ("ls-missing", "ls nope", "ls: cannot access 'nope': No such file or directory\n", 2),
    ("ls-root", "ls /", "ls: cannot open directory '/': Permission denied\n"
     f"tutor: this terminal reaches only your workspace, {HOME}\n", 2),
    ("ls-above", "ls ..", "ls: cannot open directory '..': Permission denied\n"
     f"tutor: this terminal reaches only your workspace, {HOME}\n", 2),
    ("ls-home", "ls ~", "Dockerfile  src\n", 0),
    ("cat", "cat Dockerfile", "FROM alpine:3.21\n", 0),
    ("cat-dir", "cat src", "cat: src: Is a directory\n", 1),
    ("cat-outside", "cat ../secret.txt", "cat: ../secret.txt: No such file or directory\n", 1),
    ("cat-absolute-outside", "cat /etc/passwd", "cat: /etc/passwd: No such file or directory\n", 1),
    ("cat-absolute-inside", f"cat {HOME}/src/app.js", "console.log(1)\n", 0),
    ("echo", "echo hello   'big   world'", "hello big   world\n", 0),
    ("echo-e", r"echo -e 'a\nb'", "a\nb\n", 0),
    ("echo-n", "echo -n hi", "hi", 0),
    ("unknown", "foo", "bash: foo: command not found\n", 127),
    ("suggest", "dokcer ps", "bash: dokcer: command not found\nDid you mean 'docker'?\n", 127),
    ("and", "cat nope && echo yes", "cat: nope: No such file or directory\n", 1),
    ("or", "cat nope || echo fallback", "cat: nope: No such file or directory\nfallback\n", 0),
    ("seq", "echo a; echo b", "a\nb\n", 0),
    ("comment", "echo a # b", "a\n", 0),
    ("pipe", "ls | grep x", None, 2),
    ("cd-too-many", "cd a b", "bash: cd: too many arguments\n", 1),
    ("cd-file", "cd Dockerfile", "bash: cd: Dockerfile: Not a directory\n", 1),
    ("curl-published", "curl localhost:8080/hi", "port 8080 path /hi\n", 0),
    (
        "curl-closed",
        "curl http://localhost:9090",
        "curl: (7) Failed to connect to localhost port 9090 after 0 ms: "
        "Couldn't connect to server\n",
        7,
    ),
    ("curl-elsewhere", "curl nope.example", "curl: (6) Could not resolve host: nope.example\n", 6),
    ("syntax", "echo 'open", "bash: unexpected EOF while looking for matching `''\n", 2),
    ("dangling-and", "echo a &&", "bash: syntax error: unexpected end of file\n", 2),
]


@pytest.mark.parametrize(
    ("line", "output", "status"), [r[1:] for r in RUNS], ids=[r[0] for r in RUNS]
)
def test_run(shell: HostShell, line: str, output: str | None, status: int) -> None:
    result = shell.run(line)
    if output is not None:
        assert result.output == output
    assert result.status == status
    assert shell.history[-1].line == line and shell.history[-1].status == status


def test_cd_is_confined_to_the_workspace(shell: HostShell) -> None:
    assert shell.run("cd src").status == 0
    assert shell.run("pwd").output == f"{HOME}/src\n"
    assert shell.run("ls").output == "app.js\n"
    assert shell.run("cd ../..").status == 0
    assert shell.run("pwd").output == f"{HOME}\n"
    assert shell.run("cd /").status == 0 and shell.cwd == HOME
    assert shell.run("cd /etc").output == "bash: cd: /etc: No such file or directory\n"
    shell.run("cd src")
    assert shell.run("cd").status == 0 and shell.cwd == HOME


def test_symlink_out_of_the_workspace_is_not_followed(shell: HostShell, tmp_path: Path) -> None:
    (shell.root / "link").symlink_to(tmp_path / "secret.txt")
    assert shell.run("cat link").status == 1


def test_redirection_writes_and_appends_in_the_workspace(shell: HostShell) -> None:
    assert shell.run("echo one > notes.txt").output == ""
    shell.run("echo two >> notes.txt")
    assert (shell.root / "notes.txt").read_text() == "one\ntwo\n"
    shell.run("cd src")
    shell.run("echo x>../y.txt")
    assert (shell.root / "y.txt").read_text() == "x\n"
    assert shell.run("echo no > ../../z.txt").status == 1
    assert shell.run("echo no > .").output == "bash: .: Is a directory\n"


def test_file_commands(shell: HostShell) -> None:
    assert shell.run("mkdir -p a/b && touch a/b/c && ls a/b").output == "c\n"
    assert shell.run("rm a").output == "rm: cannot remove 'a': Is a directory\n"
    assert shell.run("rm -r a").status == 0 and not (shell.root / "a").exists()
    assert shell.run("rm nope").status == 1 and shell.run("rm -f nope").status == 0
    assert shell.run("rm -rf ..").status == 1 and shell.root.is_dir()


def test_actions(shell: HostShell) -> None:
    assert shell.run("clear").action == Clear()
    result = shell.run("edit src/app.js")
    assert result.action == Edit(shell.root / "src" / "app.js", "src/app.js")
    assert shell.run("edit src").action is None
    assert shell.run("edit ../x").status == 1


def test_history_lists_itself(shell: HostShell) -> None:
    shell.run("pwd")
    shell.run("ls")
    assert shell.run("history").output == "    1  pwd\n    2  ls\n    3  history\n"


def test_help_names_every_command(shell: HostShell) -> None:
    text = shell.run("help").output
    for name in ("docker", "ls", "cat", "cd", "echo", "curl", "edit", "history", "clear"):
        assert name in text


def test_docker_runs_on_the_lesson_state(shell: HostShell) -> None:
    result = shell.run("docker version")
    assert result.status == 0 and "Version:" in result.output
    bad = shell.run("docker nope")
    assert bad.status == 1 and "docker: unknown command: docker nope" in bad.output


def test_tokenize_keeps_quoted_operators_as_words() -> None:
    tokens = tokenize("""echo ">" 'a;b' c\\ d >> f""")
    assert [(t.text, t.op) for t in tokens] == [
        ("echo", False),
        (">", False),
        ("a;b", False),
        ("c d", False),
        (">>", True),
        ("f", False),
    ]
    with pytest.raises(ShellSyntaxError):
        tokenize('echo "x')


COMPLETIONS = [
    ("command", "do", ["docker"]),
    ("commands-c", "c", ["cat", "cd", "clear", "curl"]),
    ("docker-sub", "docker vers", ["version"]),
    ("docker-group", "docker manif", ["manifest"]),
    ("path", "cat s", ["src/"]),
    ("nested-path", "cat src/a", ["src/app.js"]),
    ("cd-dirs-only", "cd ", ["src/"]),
    ("hidden", "cat .d", [".dockerignore"]),
    ("after-and", "ls && do", ["docker"]),
    ("unknown-command", "foo b", []),
]


@pytest.mark.parametrize(
    ("line", "want"), [c[1:] for c in COMPLETIONS], ids=[c[0] for c in COMPLETIONS]
)
def test_complete(shell: HostShell, line: str, want: list[str]) -> None:
    assert shell.complete(line, len(line)) == want


def test_complete_uses_the_cursor(shell: HostShell) -> None:
    assert shell.complete("do ps", 2) == ["docker"]


def test_complete_docker_flags_and_names(shell: HostShell, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.dockercli._flags import Flag
    from tutor.dockercli._main import COMMANDS, Command

    def run(*_: object) -> None:
        return None

    monkeypatch.setitem(
        COMMANDS,
        "rm",
        Command(("rm",), "", "", run, (Flag("force", short="f"), Flag("volumes", short="v"))),
    )
    monkeypatch.setitem(
        COMMANDS, "rmi", Command(("rmi",), "", "", run, (Flag("force", short="f"),))
    )
    monkeypatch.setitem(
        COMMANDS, "build", Command(("build",), "", "", run, (Flag("tag", "list", short="t"),))
    )
    assert shell.complete("docker rm --f", 13) == ["--force"]
    assert shell.complete("docker rm -", 11) == ["--force", "--volumes", "-f", "-v"]
    assert shell.complete("docker rm b", 11) == ["box1"]
    assert shell.complete("docker rmi my", 13) == ["my-app:1.0"]
    assert shell.complete("docker build -t ", 16) == []
    assert shell.complete("docker build -t x s", 19) == ["src/"]


def test_curl_reaches_the_simulated_web(tmp_path: Path) -> None:
    shell = HostShell(tmp_path, tmp_path / "state")
    page = shell.run("curl https://example.com")
    assert page.status == 0 and "<h1>Example Domain</h1>" in page.output
    missing = shell.run("curl https://nowhere.invalid/")
    assert (missing.status, missing.output.strip()) == (
        6, "curl: (6) Could not resolve host: nowhere.invalid")


def test_docker_output_keeps_the_order_it_was_written_in(tmp_path: Path) -> None:
    shell = HostShell(tmp_path, tmp_path / "state")
    shown = shell.run("docker run hello-world").output
    # stderr's "Unable to find image" comes first, as in a real terminal, then the pull, then
    # what the container printed
    assert shown.index("Unable to find image") < shown.index("Pulling from") < shown.index(
        "Hello from Docker!")
    shell.run("docker run hello-world > out.txt")
    assert (tmp_path / "out.txt").read_text().lstrip().startswith("Hello from Docker!")


@pytest.mark.parametrize(("line", "message"), [
    ("touch notes && mkdir notes/x", "mkdir: cannot create directory 'notes/x': Not a directory\n"),
    ("mkdir " + "a" * 300, f"mkdir: cannot create directory '{'a' * 300}': File name too long\n"),
    ("touch " + "b" * 300, f"touch: cannot touch '{'b' * 300}': File name too long\n"),
    ("echo hi > " + "c" * 300, f"bash: {'c' * 300}: File name too long\n"),
    ("cat " + "d" * 300, f"cat: {'d' * 300}: File name too long\n"),
])
def test_what_the_file_system_refuses_is_worded_as_the_tool_would(
    shell: HostShell, line: str, message: str
) -> None:
    result = shell.run(line)
    assert (result.output, result.status) == (message, 1)
    assert shell.run("pwd").status == 0


def test_a_failing_builtin_still_returns_a_result(shell: HostShell,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.course import hostshell

    def broken(shell: HostShell, args: list[str]) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(hostshell.BUILTINS, "ls", broken)
    result = shell.run("ls")
    assert result.status == 1
    assert "RuntimeError: boom" in result.output
    assert shell.history[-1].line == "ls"


def test_login_warning_names_the_learners_home(shell: HostShell) -> None:
    result = shell.run("docker login -u learner -p learn-docker")
    assert result.status == 0
    assert "stored unencrypted in '/home/learner/.docker/config.json'" in result.output


def test_a_question_shows_before_it_waits_and_takes_the_typed_answer(shell: HostShell) -> None:
    shown: list[str] = []
    answers = iter(["n\n", "y\n"])
    shell.pane = Pane(lambda: next(answers), shown.append, lambda: 60)
    declined = shell.run("docker container prune")
    assert shown == ["WARNING! This will remove all stopped containers.\n"
                     "Are you sure you want to continue? [y/N] "]
    assert (declined.status, declined.output) == (0, "")
    accepted = shell.run("docker container prune")
    assert accepted.status == 0 and accepted.output == "Total reclaimed space: 0B\n"


def test_without_a_pane_a_terminal_session_is_refused_as_docker_does(shell: HostShell) -> None:
    result = shell.run("docker run -it alpine sh")
    assert (result.status, result.output) == (1, "the input device is not a TTY\n")
