"""The shell language, per flavour: busybox ash, dash and bash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.sh_trees import ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, Node, Synthetic, file
from tutor.engine.sh import Result, run_argv, run_script

TREES = {"ash": busybox_tree, "dash": debian_tree, "bash": debian_tree}


def sh(flavour: str, script: str, fs: FileTree | None = None, **kw: object) -> Result:
    tree = fs if fs is not None else TREES[flavour]()
    argv = ["/bin/bash", "-c"] if flavour == "bash" else ["/bin/sh", "-c"]
    return run_script(script, fs=tree, env=dict(ENV), epoch=EPOCH, shell_argv=argv, **kw)  # type: ignore[arg-type]


ALL = ("ash", "dash", "bash")

# (id, flavours, script, stdout, stderr, exit code)
CASES = [
    ("echo", ALL, "echo hello world", "hello world\n", "", 0),
    ("single-quotes", ALL, "echo 'a  $HOME'", "a  $HOME\n", "", 0),
    ("double-quotes", ALL, 'echo "a  $HOME"', "a  /root\n", "", 0),
    ("split-unquoted", ALL, 'x="a   b"; echo $x', "a b\n", "", 0),
    ("backslash", ALL, r"echo a\ \ b \$x", "a  b $x\n", "", 0),
    ("default", ALL, "echo ${NOPE:-x} ${HOME:+set} ${#HOME}", "x set 5\n", "", 0),
    ("assign-default", ALL, "echo ${A:=v}; echo $A", "v\nv\n", "", 0),
    (
        "strip",
        ALL,
        "f=a/b/c.tar.gz; echo ${f##*/} ${f%%.*} ${f#*/} ${f%.*}",
        "c.tar.gz a/b/c b/c.tar.gz a/b/c.tar\n",
        "",
        0,
    ),
    ("cmdsub", ALL, 'echo "[$(echo hi; echo there)]" `echo bq`', "[hi\nthere] bq\n", "", 0),
    ("arith", ALL, "i=4; echo $((i * 2 + 1)) $((7 / 2)) $((-7 % 3))", "9 3 -1\n", "", 0),
    ("status", ALL, "false; echo $?; true; echo $?", "1\n0\n", "", 0),
    ("and-or", ALL, "false && echo no || echo yes; true && echo ok", "yes\nok\n", "", 0),
    ("negate", ALL, "! false && echo negated", "negated\n", "", 0),
    ("pipeline", ALL, "printf 'b\\na\\nc\\n' | sort | head -n 2", "a\nb\n", "", 0),
    ("pipeline-status", ALL, "false | true; echo $?", "0\n", "", 0),
    (
        "subshell",
        ALL,
        "x=1; (x=2; cd /tmp; echo $x $(pwd)); echo $x $(pwd)",
        "2 /tmp\n1 /\n",
        "",
        0,
    ),
    ("group", ALL, "{ echo a; echo b; } > /tmp/f; cat /tmp/f", "a\nb\n", "", 0),
    (
        "if",
        ALL,
        "if [ -d /tmp ]; then echo dir; elif true; then echo no; else echo x; fi",
        "dir\n",
        "",
        0,
    ),
    ("elif", ALL, "if [ -f /nope ]; then echo a; elif [ 1 -lt 2 ]; then echo b; fi", "b\n", "", 0),
    ("for", ALL, "for i in 1 2 3; do echo -$i; done", "-1\n-2\n-3\n", "", 0),
    (
        "for-glob",
        ALL,
        "touch /tmp/a.txt /tmp/b.txt /tmp/c.md; for f in /tmp/*.txt; do echo $f; done",
        "/tmp/a.txt\n/tmp/b.txt\n",
        "",
        0,
    ),
    ("glob-nomatch", ALL, "echo /tmp/*.zzz", "/tmp/*.zzz\n", "", 0),
    ("glob-quoted", ALL, "touch /tmp/a; echo '/tmp/*' \"/tmp/\"*", "/tmp/* /tmp/a\n", "", 0),
    ("while", ALL, "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done", "1\n2\n3\n", "", 0),
    ("until-break", ALL, "until false; do echo once; break; done", "once\n", "", 0),
    (
        "case",
        ALL,
        "for v in foo.c bar x; do case $v in *.c) echo C;; bar|baz) echo B;; "
        "*) echo other;; esac; done",
        "C\nB\nother\n",
        "",
        0,
    ),
    (
        "function",
        ALL,
        "greet() { echo hi $1; return 3; }; greet bob; echo $?",
        "hi bob\n3\n",
        "",
        0,
    ),
    (
        "positional",
        ALL,
        'set -- a "b c"; echo $#; for a in "$@"; do echo "<$a>"; done',
        "2\n<a>\n<b c>\n",
        "",
        0,
    ),
    ("export-env", ALL, "export FOO=bar; env | grep ^FOO=", "FOO=bar\n", "", 0),
    ("prefix-assign", ALL, 'A=1 env | grep ^A=; echo "[$A]"', "A=1\n[]\n", "", 0),
    ("unset", ALL, 'A=1; unset A; echo "[${A-unset}]"', "[unset]\n", "", 0),
    (
        "cd",
        ALL,
        "mkdir -p /srv/app && cd /srv/app && pwd && cd .. && pwd",
        "/srv/app\n/srv\n",
        "",
        0,
    ),
    ("exit", ALL, "echo a; exit 3; echo b", "a\n", "", 3),
    ("exit-status-wraps", ALL, "exit 257", "", "", 1),
    ("set-e", ALL, "set -e; echo a; false; echo b", "a\n", "", 1),
    ("set-e-condition", ALL, "set -e; if false; then :; fi; false || true; echo ok", "ok\n", "", 0),
    ("set-e-and", ALL, "set -e; false && true; echo survived", "survived\n", "", 0),
    ("redirect-append", ALL, "echo a > /tmp/f; echo b >> /tmp/f; cat < /tmp/f", "a\nb\n", "", 0),
    ("stderr-to-stdout", ALL, "ls /nope 2>&1 | wc -l", "1\n", "", 0),
    ("devnull", ALL, "ls /nope 2>/dev/null || echo failed", "failed\n", "", 0),
    (
        "heredoc",
        ALL,
        "cat <<EOF > /tmp/h\nhome=$HOME\n  x\nEOF\ncat /tmp/h",
        "home=/root\n  x\n",
        "",
        0,
    ),
    ("heredoc-quoted", ALL, "cat <<'EOF'\n$HOME `x`\nEOF", "$HOME `x`\n", "", 0),
    ("heredoc-tabs", ALL, "cat <<-EOF\n\tindented\n\tEOF\necho after", "indented\nafter\n", "", 0),
    ("comment", ALL, "echo a # not this\n# nor this\necho b", "a\nb\n", "", 0),
    ("continuation", ALL, "echo a \\\n  b", "a b\n", "", 0),
    ("dollar-dollar", ALL, "echo $$", "1\n", "", 0),
    ("read", ALL, "printf 'x y z\\n' | { read a b; echo \"$b|$a\"; }", "y z|x\n", "", 0),
    (
        "while-read",
        ALL,
        "printf '1\\n2\\n' > /tmp/n; while read n; do echo n=$n; done < /tmp/n",
        "n=1\nn=2\n",
        "",
        0,
    ),
    (
        "command-v",
        ALL,
        "command -v ls; command -v cd; command -v nope || echo missing",
        "/bin/ls\ncd\nmissing\n",
        "",
        0,
    ),
    ("tilde", ALL, "echo ~ ~/x", "/root /root/x\n", "", 0),
    ("eval", ALL, "cmd='echo evaluated'; eval $cmd", "evaluated\n", "", 0),
    ("empty-quoted-arg", ALL, 'set -- "" a; echo $#', "2\n", "", 0),
    # Flavour-specific wording.
    ("not-found-ash", ("ash",), "curl -fsSL x", "", "/bin/sh: curl: not found\n", 127),
    ("not-found-dash", ("dash",), "true\ncurl -fsSL x", "", "/bin/sh: 2: curl: not found\n", 127),
    ("not-found-bash", ("bash",), "curl", "", "/bin/bash: line 1: curl: command not found\n", 127),
    ("echo-e-dash", ("dash",), r"echo -e 'a\tb'", "-e a\tb\n", "", 0),
    ("echo-e-ash", ("ash", "bash"), r"echo -e 'a\tb'; echo 'c\td'", "a\tb\nc\\td\n", "", 0),
    ("echo-n", ALL, "echo -n a; echo b", "ab\n", "", 0),
    (
        "syntax-ash",
        ("ash",),
        "if true; then echo x",
        "",
        '/bin/sh: syntax error: unexpected end of file (expecting "fi")\n',
        2,
    ),
    (
        "syntax-dash",
        ("dash",),
        "if true; then echo x",
        "",
        '/bin/sh: 1: Syntax error: end of file unexpected (expecting "fi")\n',
        2,
    ),
    (
        "syntax-bash",
        ("bash",),
        "echo a; fi",
        "",
        "/bin/bash: -c: line 1: syntax error near unexpected token `fi'\n"
        "/bin/bash: -c: line 1: `echo a; fi'\n",
        2,
    ),
    (
        "syntax-token-dash",
        ("dash",),
        "echo a; ;",
        "",
        '/bin/sh: 1: Syntax error: ";" unexpected\n',
        2,
    ),
    (
        "syntax-token-ash",
        ("ash",),
        "echo a &&",
        "",
        "/bin/sh: syntax error: unexpected end of file\n",
        2,
    ),
    (
        "unterminated-dash",
        ("dash",),
        "echo 'abc",
        "",
        "/bin/sh: 1: Syntax error: Unterminated quoted string\n",
        2,
    ),
    (
        "unterminated-ash",
        ("ash",),
        'echo "abc',
        "",
        "/bin/sh: syntax error: unterminated quoted string\n",
        2,
    ),
    (
        "pipefail-dash",
        ("dash",),
        "set -o pipefail; echo no",
        "",
        "/bin/sh: 1: set: Illegal option -o pipefail\n",
        2,
    ),
    ("pipefail-ash", ("ash", "bash"), "set -o pipefail; false | true; echo $?", "1\n", "", 0),
    ("xtrace", ("ash", "dash"), "set -x; echo 'a b' c", "a b c\n", "+ echo 'a b' c\n", 0),
    ("cd-missing-dash", ("dash",), "cd /nope", "", "/bin/sh: 1: cd: can't cd to /nope\n", 2),
    (
        "cd-missing-ash",
        ("ash",),
        "cd /nope",
        "",
        "/bin/sh: cd: line 1: can't cd to /nope: No such file or directory\n",
        2,
    ),
    (
        "cd-missing-bash",
        ("bash",),
        "cd /nope",
        "",
        "/bin/bash: line 1: cd: /nope: No such file or directory\n",
        1,
    ),
    (
        "redirect-nodir-dash",
        ("dash",),
        "echo x > /nope/f",
        "",
        "/bin/sh: 1: cannot create /nope/f: Directory nonexistent\n",
        2,
    ),
    (
        "redirect-nodir-ash",
        ("ash",),
        "echo x > /nope/f",
        "",
        "/bin/sh: can't create /nope/f: nonexistent directory\n",
        2,
    ),
    (
        "set-u-dash",
        ("dash",),
        "set -u; echo $NOPE; echo after",
        "",
        "/bin/sh: 1: NOPE: parameter not set\n",
        2,
    ),
    (
        "set-u-bash",
        ("bash",),
        "set -u; echo $NOPE",
        "",
        "/bin/bash: line 1: NOPE: unbound variable\n",
        1,
    ),
    ("test-missing-bracket-dash", ("dash",), "[ 1 = 1", "", "/bin/sh: 1: [: missing ]\n", 2),
    ("test-number-dash", ("dash",), "[ a -eq 1 ]", "", "/bin/sh: 1: [: Illegal number: a\n", 2),
    (
        "test-number-bash",
        ("bash",),
        "[ a -eq 1 ]",
        "",
        "/bin/bash: line 1: [: a: integer expression expected\n",
        2,
    ),
]


@pytest.mark.parametrize(
    ("flavour", "script", "stdout", "stderr", "code"),
    [pytest.param(f, s, o, e, c, id=f"{name}-{f}") for name, fl, s, o, e, c in CASES for f in fl],
)
def test_shell(flavour: str, script: str, stdout: str, stderr: str, code: int | None) -> None:
    result = sh(flavour, script)
    assert result.stdout.decode() == stdout
    assert result.stderr.decode() == stderr
    if code is not None:
        assert result.exit_code == code


def test_interleaved_output_keeps_order() -> None:
    result = sh("dash", "echo one; ls /nope; echo two")
    assert result.output.decode() == (
        "one\nls: cannot access '/nope': No such file or directory\ntwo\n"
    )


def test_cd_does_not_leak_to_caller_but_files_do() -> None:
    fs = debian_tree()
    result = run_script("mkdir /app && cd /app && echo x > f", fs=fs, env=dict(ENV), epoch=EPOCH)
    assert result.exit_code == 0
    node = fs.get("/app/f")
    assert node is not None and node.content is not None
    assert node.content.read() == b"x\n"
    assert (node.mode, node.uid, node.mtime) == (0o644, 0, EPOCH)


def test_files_get_process_owner() -> None:
    fs = debian_tree()
    run_script(
        "echo x > /tmp/f; mkdir /tmp/d", fs=fs, env=dict(ENV), uid=1000, gid=1000, epoch=EPOCH
    )
    assert [(fs.nodes[p].uid, fs.nodes[p].mode) for p in ("/tmp/f", "/tmp/d")] == [
        (1000, 0o644),
        (1000, 0o755),
    ]


def test_sleep_spends_simulated_time() -> None:
    result = sh("ash", "sleep 5; sleep 1.5; date +%s")
    assert result.seconds >= 6.5
    assert int(result.stdout) == EPOCH + 6


def test_deterministic() -> None:
    script = "for i in $(seq 3); do echo $i > /tmp/$i; done; ls -l /tmp; date"
    assert sh("dash", script) == sh("dash", script)


def _script_tree(content: bytes, mode: int = 0o755) -> FileTree:
    fs = debian_tree()
    fs.put("/app.sh", file(content, mode))
    return fs


def test_shebang_script_runs_through_shell() -> None:
    fs = _script_tree(b'#!/bin/sh\necho "args: $0 $*"\nnope\n')
    result = sh("dash", "/app.sh a b; echo rc=$?", fs=fs)
    assert result.stdout == b"args: /app.sh a b\nrc=127\n"
    assert result.stderr == b"/app.sh: 3: nope: not found\n"


def test_shebang_env_missing_interpreter() -> None:
    fs = _script_tree(b"#!/usr/bin/env node\nconsole.log(1)\n")
    fs.put("/usr/bin/env", file(b"\x7fELFenv", 0o755))
    result = sh("dash", "/app.sh", fs=fs)
    assert result.exit_code == 127
    assert result.stderr == b"/usr/bin/env: 'node': No such file or directory\n"


def test_permission_denied() -> None:
    fs = _script_tree(b"#!/bin/sh\necho hi\n", 0o644)
    result = sh("dash", "/app.sh", fs=fs)
    assert (result.exit_code, result.stderr) == (126, b"/bin/sh: 1: /app.sh: Permission denied\n")


def test_unsimulated_binary_is_reported_honestly() -> None:
    fs = _script_tree(b"\x7fELF\x02binary")
    result = sh("ash", "/app.sh", fs=busybox_tree() if False else fs)
    assert result.exit_code == 126
    assert b"cannot run in the simulated engine" in result.stderr


def test_busybox_applet_via_symlink_name() -> None:
    fs = busybox_tree()
    result = sh("ash", "busybox echo direct; /bin/ls -d /tmp", fs=fs)
    assert result.stdout == b"direct\n/tmp\n"


@pytest.mark.parametrize(
    ("argv", "kind", "message"),
    [
        (["nope"], "not-found", 'exec: "nope": executable file not found in $PATH'),
        (["/nope"], "no-such-file", 'exec: "/nope": stat /nope: no such file or directory'),
        (["/tmp"], "is-a-directory", 'exec: "/tmp": is a directory'),
    ],
    ids=["not-in-path", "missing-path", "directory"],
)
def test_exec_form_failures(argv: list[str], kind: str, message: str) -> None:
    result = run_argv(argv, fs=debian_tree(), env=dict(ENV))
    assert result.exec_error is not None
    assert (result.exec_error.kind, result.exec_error.message) == (kind, message)


def test_exec_form_crlf_script_is_bad_interpreter() -> None:
    fs = _script_tree(b"#!/bin/sh\r\necho hi\r\n")
    result = run_argv(["/app.sh"], fs=fs, env=dict(ENV))
    assert result.exec_error is not None
    assert result.exec_error.message == "exec /app.sh: no such file or directory"


def test_exec_form_runs_without_shell_expansion() -> None:
    result = run_argv(["echo", "$HOME", "*"], fs=debian_tree(), env=dict(ENV))
    assert (result.exit_code, result.stdout, result.exec_error) == (0, b"$HOME *\n", None)


def test_exec_form_shell() -> None:
    result = run_argv(["sh", "-c", "echo $0 $1", "name", "arg"], fs=busybox_tree(), env=dict(ENV))
    assert result.stdout == b"name arg\n"


def test_custom_shell_missing() -> None:
    result = run_script("echo hi", fs=busybox_tree(), env=dict(ENV), shell_argv=["/bin/bash", "-c"])
    assert result.exec_error is not None
    assert result.exec_error.kind == "no-such-file"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            list("ab $'\"\\`(){}[]|&;<>*?#=-!~\n\t0123456789xyz:+%/")
            + [
                "if ",
                "then ",
                "fi",
                "do",
                "done",
                "case ",
                "esac",
                "for ",
                "in ",
                "while ",
                "echo ",
                "$((",
                "${",
                "<<",
                "cat ",
                "ls ",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_fuzz_never_raises(script: str) -> None:
    for flavour in ("ash", "dash"):
        result = sh(flavour, script)
        assert 0 <= result.exit_code <= 255
        if result.exit_code == 2 and (b"yntax error" in result.stderr):
            assert result.stdout == b""


def test_exec_form_script_without_shebang_is_exec_format_error() -> None:
    result = run_argv(["/app.sh"], fs=_script_tree(b"echo hi\n"), env=dict(ENV))
    assert result.exec_error is not None
    assert result.exec_error.message == "exec /app.sh: exec format error"


def test_shell_runs_script_without_shebang_itself() -> None:
    result = sh("dash", "/app.sh; echo rc=$?", fs=_script_tree(b"echo from script\nexit 4\n"))
    assert result.stdout == b"from script\nrc=4\n"


def test_synthetic_binary_without_simulation() -> None:
    fs = debian_tree()
    fs.put("/usr/local/bin/server", Node("file", 0o755, content=Synthetic(4096, "server")))
    result = sh("dash", "server --port 80", fs=fs)
    assert result.exit_code == 126
    assert result.stderr == b"server: this program cannot run in the simulated engine\n"


def test_fork_bomb_is_stopped() -> None:
    result = sh("ash", "while :; do :; done")
    assert result.exit_code == 137
    assert b"ran too many commands" in result.stderr


@pytest.mark.parametrize(
    ("flavour", "stderr", "code"),
    [("dash", b"/bin/sh: 0: Illegal option -o pipefail\n", 2), ("bash", b"", 1)],
)
def test_shell_option_pipefail(flavour: str, stderr: bytes, code: int) -> None:
    shell = "/bin/bash" if flavour == "bash" else "/bin/sh"
    result = run_script(
        "false | true", fs=debian_tree(), env=dict(ENV), shell_argv=[shell, "-o", "pipefail", "-c"]
    )
    assert (result.stderr, result.exit_code) == (stderr, code)
