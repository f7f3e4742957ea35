"""Simulated utilities, with busybox (Alpine) and GNU (Debian) wording where they differ."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.sh_trees import APPLETS, ENV, EPOCH, GNU_TOOLS, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, file
from tutor.engine.sh import Result, run_argv, run_script

TREES = {"bb": busybox_tree, "gnu": debian_tree}
BOTH = ("bb", "gnu")
HI = b"hi\n"


def sh(flavour: str, script: str, fs: FileTree | None = None, uid: int = 0) -> Result:
    tree = fs if fs is not None else TREES[flavour]()
    return run_script(script, fs=tree, env=dict(ENV), epoch=EPOCH, uid=uid, gid=uid)


SETUP = "mkdir -p /w/d && cd /w && printf 'b 2\\na 10\\nc 1\\na 10\\n' > t && echo hi > d/f; "

# (id, flavours, script (run after SETUP, in /w), stdout, stderr, exit code)
CASES = [
    (
        "cat-missing-bb",
        ("bb",),
        "cat nope",
        "",
        "cat: can't open 'nope': No such file or directory\n",
        1,
    ),
    ("cat-missing-gnu", ("gnu",), "cat nope", "", "cat: nope: No such file or directory\n", 1),
    ("ls-missing-bb", ("bb",), "ls /nope", "", "ls: /nope: No such file or directory\n", 1),
    (
        "ls-missing-gnu",
        ("gnu",),
        "ls /nope",
        "",
        "ls: cannot access '/nope': No such file or directory\n",
        2,
    ),
    (
        "mkdir-exists-bb",
        ("bb",),
        "mkdir d",
        "",
        "mkdir: can't create directory 'd': File exists\n",
        1,
    ),
    (
        "mkdir-exists-gnu",
        ("gnu",),
        "mkdir d",
        "",
        "mkdir: cannot create directory 'd': File exists\n",
        1,
    ),
    (
        "mkdir-parent-gnu",
        ("gnu",),
        "mkdir x/y",
        "",
        "mkdir: cannot create directory 'x/y': No such file or directory\n",
        1,
    ),
    ("mkdir-p-m", BOTH, "mkdir -p -m 700 x/y && stat -c %a x x/y", "755\n700\n", "", 0),
    (
        "rm-missing-bb",
        ("bb",),
        "rm nope",
        "",
        "rm: can't remove 'nope': No such file or directory\n",
        1,
    ),
    (
        "rm-missing-gnu",
        ("gnu",),
        "rm nope",
        "",
        "rm: cannot remove 'nope': No such file or directory\n",
        1,
    ),
    ("rm-f-missing", BOTH, "rm -f nope && echo ok", "ok\n", "", 0),
    ("rm-dir-bb", ("bb",), "rm d", "", "rm: 'd' is a directory\n", 1),
    ("rm-dir-gnu", ("gnu",), "rm d", "", "rm: cannot remove 'd': Is a directory\n", 1),
    ("rm-rf-glob", BOTH, "rm -rf d/* t && ls -a d", ".\n..\n", "", 0),
    ("cp-dir-bb", ("bb",), "cp d e", "", "cp: omitting directory 'd'\n", 1),
    ("cp-dir-gnu", ("gnu",), "cp d e", "", "cp: -r not specified; omitting directory 'd'\n", 1),
    (
        "cp-missing-gnu",
        ("gnu",),
        "cp nope e",
        "",
        "cp: cannot stat 'nope': No such file or directory\n",
        1,
    ),
    ("cp-r", BOTH, "cp -r d e && cat e/f && cp t d/ && ls d", "hi\nf\nt\n", "", 0),
    ("mv", BOTH, "mv t u && cat u | head -n 1 && ls", "b 2\nd\nu\n", "", 0),
    (
        "mv-missing-gnu",
        ("gnu",),
        "mv nope x",
        "",
        "mv: cannot stat 'nope': No such file or directory\n",
        1,
    ),
    ("ln-s", BOTH, "ln -s d/f link && cat link && ls -l link | cut -c1", "hi\nl\n", "", 0),
    (
        "ln-exists-gnu",
        ("gnu",),
        "ln -s t d/f",
        "",
        "ln: failed to create symbolic link 'd/f': File exists\n",
        1,
    ),
    ("ln-sf", BOTH, "ln -sf /w/t d/f && head -n1 d/f", "b 2\n", "", 0),
    (
        "chmod",
        BOTH,
        "chmod 600 t && stat -c %a t && chmod +x t && stat -c %a t && "
        "chmod u-w,go+r t && stat -c %A t",
        "600\n711\n-r-xr-xr-x\n",
        "",
        0,
    ),
    ("chmod-R", BOTH, "chmod -R 700 d && stat -c %a d d/f", "700\n700\n", "", 0),
    (
        "chmod-missing-gnu",
        ("gnu",),
        "chmod +x nope",
        "",
        "chmod: cannot access 'nope': No such file or directory\n",
        1,
    ),
    (
        "chown",
        BOTH,
        "echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd && "
        "echo 'app:x:1000:' >> /etc/group && chown -R app:app d && stat -c '%u:%g' d d/f && "
        "chown 0 d && stat -c %u:%g d",
        "1000:1000\n1000:1000\n0:1000\n",
        "",
        0,
    ),
    ("chown-unknown-bb", ("bb",), "chown bob t", "", "chown: unknown user bob\n", 1),
    ("chown-unknown-gnu", ("gnu",), "chown bob t", "", "chown: invalid user: 'bob'\n", 1),
    (
        "ls-l-gnu",
        ("gnu",),
        "ls -l",
        "total 8\ndrwxr-xr-x 2 root root 4096 Nov 14 22:13 d\n"
        "-rw-r--r-- 1 root root   18 Nov 14 22:13 t\n",
        "",
        0,
    ),
    (
        "ls-l-bb",
        ("bb",),
        "ls -l",
        "total 8\ndrwxr-xr-x    2 root     root          4096 Nov 14 22:13 d\n"
        "-rw-r--r--    1 root     root            18 Nov 14 22:13 t\n",
        "",
        0,
    ),
    ("ls-1-hidden", BOTH, "touch .h && ls && ls -a", "d\nt\n.\n..\n.h\nd\nt\n", "", 0),
    ("ls-R", BOTH, "ls -R", ".:\nd\nt\n\n./d:\nf\n", "", 0),
    ("pwd", BOTH, "pwd", "/w\n", "", 0),
    ("grep", BOTH, "grep a t", "a 10\na 10\n", "", 0),
    (
        "grep-q-v-i",
        BOTH,
        "grep -q A t || echo nomatch; grep -qi A t && echo match; grep -vc a t",
        "nomatch\nmatch\n2\n",
        "",
        0,
    ),
    ("grep-r", BOTH, "grep -r hi .", "./d/f:hi\n", "", 0),
    ("grep-missing-gnu", ("gnu",), "grep x nope", "", "grep: nope: No such file or directory\n", 2),
    ("sed-i", BOTH, "sed -i 's/a/A/g' t && sed -n '1p;$p' t", "b 2\nA 10\n", "", 0),
    ("sed-pipe-sep", BOTH, "echo /usr/lib | sed 's|/usr|/opt|'", "/opt/lib\n", "", 0),
    (
        "sed-e-groups",
        BOTH,
        r"echo hello world | sed -e 's/\(hello\) \(world\)/\2 \1/'",
        "world hello\n",
        "",
        0,
    ),
    ("sed-delete", BOTH, "sed '/a/d' t", "b 2\nc 1\n", "", 0),
    (
        "head-tail",
        BOTH,
        "head -n 2 t; tail -n 1 t; tail -n +3 t | wc -l",
        "b 2\na 10\na 10\n2\n",
        "",
        0,
    ),
    ("wc-gnu", ("gnu",), "wc t; wc -l < t", " 4  8 18 t\n4\n", "", 0),
    ("wc-bb", ("bb",), "wc t; wc -l < t", "        4         8        18 t\n4\n", "", 0),
    (
        "sort",
        BOTH,
        "sort t | head -n 1; sort -n -k2 t | head -n1; sort -u t | wc -l; sort -r t",
        "a 10\nc 1\n3\nc 1\nb 2\na 10\na 10\n",
        "",
        0,
    ),
    ("uniq", BOTH, "sort t | uniq -c", "      2 a 10\n      1 b 2\n      1 c 1\n", "", 0),
    (
        "tr-cut",
        BOTH,
        "echo hello | tr a-z A-Z; echo a:b:c | cut -d: -f2-; echo abcdef | cut -c2-3",
        "HELLO\nb:c\nbc\n",
        "",
        0,
    ),
    ("tr-d", BOTH, "echo 'a-b-c' | tr -d -", "abc\n", "", 0),
    (
        "find",
        BOTH,
        "touch d/g.txt && find . -name '*.txt'; find /w -type d | sort",
        "./d/g.txt\n/w\n/w/d\n",
        "",
        0,
    ),
    (
        "basename-dirname",
        BOTH,
        "basename /a/b/c.sh .sh; dirname /a/b/c.sh; dirname c",
        "c\n/a/b\n.\n",
        "",
        0,
    ),
    ("env-printenv", BOTH, "FOO=1 printenv FOO; env -i A=b env", "1\nA=b\n", "", 0),
    (
        "id-whoami",
        BOTH,
        "id; whoami; id -u",
        "uid=0(root) gid=0(root) groups=0(root)\nroot\n0\n",
        "",
        0,
    ),
    ("uname", BOTH, "uname; uname -m; uname -s -m", "Linux\nx86_64\nLinux x86_64\n", "", 0),
    ("date", BOTH, "date; date +%Y-%m-%d", "Tue Nov 14 22:13:20 UTC 2023\n2023-11-14\n", "", 0),
    ("which", BOTH, "which ls; which nope || echo none", "/bin/ls\nnone\n", "", 0),
    (
        "seq-tee-xargs",
        BOTH,
        "seq 2 4 | tee out | xargs echo n:; cat out",
        "n: 2 3 4\n2\n3\n4\n",
        "",
        0,
    ),
    ("xargs-I", BOTH, "printf 'a\\nb\\n' | xargs -I{} echo [{}]", "[a]\n[b]\n", "", 0),
    ("printf", BOTH, "printf '%s=%d %5s|%-3s|%x\\n' a 42 r l 255", "a=42     r|l  |ff\n", "", 0),
    ("printf-reuse", BOTH, "printf '%s\\n' x y z", "x\ny\nz\n", "", 0),
    (
        "test-ops",
        BOTH,
        "[ -f t ] && [ -d d ] && [ ! -e nope ] && [ -n x ] && [ -z '' ] && "
        "[ 3 -gt 2 ] && [ a != b ] && test -s t && echo yes",
        "yes\n",
        "",
        0,
    ),
    ("stat", BOTH, "stat -c '%n %s %F' t d", "t 18 regular file\nd 0 directory\n", "", 0),
    ("du", BOTH, "du -s d", "8\td\n", "", 0),
    (
        "sha256-md5",
        BOTH,
        "sha256sum d/f; md5sum d/f",
        f"{hashlib.sha256(HI).hexdigest()}  d/f\n{hashlib.md5(HI).hexdigest()}  d/f\n",
        "",
        0,
    ),
    (
        "tar-roundtrip",
        BOTH,
        "tar -czf /a.tgz d t && mkdir /x && tar -xzf /a.tgz -C /x && cat /x/d/f && tar -tzf /a.tgz",
        "hi\nd/\nd/f\nt\n",
        "",
        0,
    ),
    ("gzip-roundtrip", BOTH, "gzip t && ls && gunzip t.gz && wc -l < t", "d\nt.gz\n4\n", "", 0),
    (
        "sleep-bad",
        ("gnu",),
        "sleep x",
        "",
        "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n",
        1,
    ),
    (
        "mkdir-usage-gnu",
        ("gnu",),
        "mkdir",
        "",
        "mkdir: missing operand\nTry 'mkdir --help' for more information.\n",
        1,
    ),
    ("head-missing-bb", ("bb",), "head nope", "", "head: nope: No such file or directory\n", 1),
    (
        "mv-missing-bb",
        ("bb",),
        "mv nope x",
        "",
        "mv: can't rename 'nope': No such file or directory\n",
        1,
    ),
    (
        "gnu-full-argv0",
        ("gnu",),
        "/bin/cat nope",
        "",
        "/bin/cat: nope: No such file or directory\n",
        1,
    ),
]


@pytest.mark.parametrize(
    ("flavour", "script", "stdout", "stderr", "code"),
    [pytest.param(f, s, o, e, c, id=f"{name}-{f}") for name, fl, s, o, e, c in CASES for f in fl],
)
def test_utility(flavour: str, script: str, stdout: str, stderr: str, code: int) -> None:
    result = sh(flavour, SETUP + script)
    assert (result.stdout.decode(), result.stderr.decode(), result.exit_code) == (
        stdout,
        stderr,
        code,
    )


def test_gzip_is_real_zlib() -> None:
    fs = debian_tree()
    sh("gnu", "echo payload > /p && gzip /p", fs)
    node = fs.get("/p.gz")
    assert node is not None and node.content is not None
    assert gzip.decompress(node.content.read()) == b"payload\n"


def test_adduser_busybox() -> None:
    fs = busybox_tree()
    result = sh(
        "bb",
        "addgroup -S grp && adduser -S -D -G grp -h /app -s /bin/false svc && "
        "adduser -D bob && id svc && id bob",
        fs,
    )
    assert result.exit_code == 0, result.stderr
    passwd = fs.nodes["/etc/passwd"].content.read().decode()  # type: ignore[union-attr]
    assert "svc:x:100:100:Linux User,,,:/app:/bin/false\n" in passwd
    assert "bob:x:1000:1000:Linux User,,,:/home/bob:/bin/sh\n" in passwd
    assert result.stdout == (
        b"uid=100(svc) gid=100(grp) groups=100(grp)\nuid=1000(bob) gid=1000(bob) groups=1000(bob)\n"
    )
    assert (fs.nodes["/home/bob"].uid, fs.nodes["/app"].uid) == (1000, 100)
    assert fs.nodes["/home/bob"].mode == 0o2755  # busybox sets the setgid bit on new homes
    assert b"bob:!:" in fs.nodes["/etc/shadow"].content.read()  # type: ignore[union-attr]


def test_useradd_shadow() -> None:
    fs = debian_tree()
    result = sh(
        "gnu",
        "groupadd -r grp && useradd -r -g grp -s /usr/sbin/nologin svc && "
        "useradd -m -u 1500 bob && useradd bob",
        fs,
    )
    assert result.exit_code == 9
    assert result.stderr == b"useradd: user 'bob' already exists\n"
    passwd = fs.nodes["/etc/passwd"].content.read().decode()  # type: ignore[union-attr]
    assert "svc:x:999:999::/home/svc:/usr/sbin/nologin\n" in passwd
    assert "bob:x:1500:1500::/home/bob:/bin/sh\n" in passwd
    assert "/home/svc" not in fs and fs.nodes["/home/bob"].uid == 1500


def test_whoami_as_unknown_uid() -> None:
    result = sh("gnu", "whoami", uid=4242)
    assert result.stderr == b"whoami: cannot find name for user ID 4242\n"
    assert result.exit_code == 1


def test_touch_as_user_keeps_owner() -> None:
    fs = debian_tree()
    fs.put("/w", file(b"", 0o644))
    result = sh("gnu", "touch /w/x", fs)
    assert result.stderr == b"touch: cannot touch '/w/x': Not a directory\n"


# A non-root user (uid 1000) meets the permission bits, as after `USER app`.
PERMISSION_CASES = [
    (
        "redirect-dash",
        "gnu",
        "echo x > /etc/f",
        "",
        "/bin/sh: 1: cannot create /etc/f: Permission denied\n",
        2,
    ),
    (
        "redirect-ash",
        "bb",
        "echo x > /etc/f",
        "",
        "/bin/sh: can't create /etc/f: Permission denied\n",
        2,
    ),
    (
        "mkdir-gnu",
        "gnu",
        "mkdir /x",
        "",
        "mkdir: cannot create directory '/x': Permission denied\n",
        1,
    ),
    (
        "mkdir-bb",
        "bb",
        "mkdir /x",
        "",
        "mkdir: can't create directory '/x': Permission denied\n",
        1,
    ),
    (
        "read-shadow-bb",
        "bb",
        "cat /etc/shadow",
        "",
        "cat: can't open '/etc/shadow': Permission denied\n",
        1,
    ),
    (
        "rm-gnu",
        "gnu",
        "rm -f /etc/passwd",
        "",
        "rm: cannot remove '/etc/passwd': Permission denied\n",
        1,
    ),
    (
        "tmp-is-writable",
        "gnu",
        "echo ok > /tmp/f && cat /tmp/f && ls -l /tmp/f | cut -d' ' -f3",
        "ok\n1000\n",
        "",
        0,
    ),
    (
        "chown-gnu",
        "gnu",
        "touch /tmp/f && chown 0 /tmp/f",
        "",
        "chown: changing ownership of '/tmp/f': Operation not permitted\n",
        1,
    ),
    (
        "chmod-not-owner-gnu",
        "gnu",
        "chmod 777 /etc/passwd",
        "",
        "chmod: changing permissions of '/etc/passwd': Operation not permitted\n",
        1,
    ),
]


@pytest.mark.parametrize(
    ("flavour", "script", "stdout", "stderr", "code"),
    [pytest.param(f, s, o, e, c, id=name) for name, f, s, o, e, c in PERMISSION_CASES],
)
def test_permissions_as_user(
    flavour: str, script: str, stdout: str, stderr: str, code: int
) -> None:
    result = sh(flavour, script, uid=1000)
    assert (result.stdout.decode(), result.stderr.decode(), result.exit_code) == (
        stdout,
        stderr,
        code,
    )


FUZZ_ARGS = [
    "-n",
    "-c",
    "-f",
    "-r",
    "-R",
    "-p",
    "-m",
    "-u",
    "-g",
    "-s",
    "-x",
    "-z",
    "-t",
    "-k",
    "-d",
    "-e",
    "-i",
    "-I",
    "-l",
    "-a",
    "-C",
    "+x",
    "abc",
    "0",
    "-1",
    "/",
    "/etc",
    "/etc/passwd",
    "/nope",
    ".",
    "",
    "a:b",
    "s/a/b/",
    "s|x",
    "{}",
    "%s",
    "%d",
    "\\",
    "-",
    "--",
    "u+x",
    "755",
    "root",
    "x=y",
    "*",
    "[",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(set(GNU_TOOLS) | set(APPLETS))),
    st.lists(st.sampled_from(FUZZ_ARGS), max_size=5),
    st.booleans(),
    st.sampled_from([0, 1000]),
)
def test_fuzz_arguments_are_handled(name: str, args: list[str], bb: bool, uid: int) -> None:
    """Any argument list ends in an exit status the tool chose, never in the safety net."""
    fs = busybox_tree() if bb else debian_tree()
    result = run_argv(
        [name, *args], fs=fs, env=dict(ENV), epoch=EPOCH, uid=uid, gid=uid, stdin=b"a b\nc:d\n"
    )
    assert b"unsupported or invalid arguments" not in result.stderr
