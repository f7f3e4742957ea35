"""The smaller utilities of moreutils.py through the shell (GNU wording on a Debian-like tree)."""

from __future__ import annotations

import hashlib

import pytest

from tests.engine.shell_tools_trees import debian, run

NAMES = ["rmdir", "realpath", "base64", "getent", "timeout", "expr", "tac", "rev", "yes",
         "groups", "unlink", "truncate", "nohup", "paste", "nl", "comm", "cmp", "diff", "su",
         "update-alternatives", "run-parts", "tty", "sha224sum"]


def tree():  # type: ignore[no-untyped-def]
    from tests.engine.sh_trees import BINARY
    from tutor.engine.fs import file

    t = debian()
    for name in NAMES:
        t.put(f"/usr/bin/{name}", file(BINARY + name.encode(), 0o755))
    return t


@pytest.mark.parametrize(("script", "stdout", "stderr", "status"), [
    ("mkdir -p /a/b && rmdir /a/b /a && echo gone", "gone\n", "", 0),
    ("mkdir -p /a/b && rmdir /a", "", "rmdir: failed to remove '/a': Directory not empty\n", 1),
    ("realpath /etc/../etc/passwd", "/etc/passwd\n", "", 0),
    ("echo hi | base64 && echo aGkK | base64 -d", "aGkK\nhi\n", "", 0),
    ("getent passwd root && getent group 0", "root:x:0:0:root:/root:/bin/sh\nroot:x:0:\n", "", 0),
    ("getent passwd nope", "", "", 2),
    ("timeout 5 echo t", "t\n", "", 0),
    ("expr 2 + 3 \\* 4 && expr length abc && expr abc : 'a\\(.\\)'", "14\n3\nb\n", "", 0),
    ("expr 1 - 1", "0\n", "", 1),
    ("expr 1 / 0", "", "expr: division by zero\n", 2),
    ("printf '1\\n2\\n' | tac && echo abc | rev && yes | head -2", "2\n1\ncba\ny\ny\n", "", 0),
    ("groups root", "root : root\n", "", 0),
    ("printf 'a\\nb\\n' > /x && printf 'a\\nc\\n' > /y && diff /x /y",
     "2c2\n< b\n---\n> c\n", "", 1),
    ("printf 'a\\nb\\n' > /x && printf 'a\\nc\\n' > /y && cmp /x /y",
     "/x /y differ: byte 3, line 2\n", "", 1),
    ("printf 'a\\nb\\n' > /x && printf 'a\\nc\\n' > /y && comm /x /y && paste /x /y",
     "\t\ta\nb\n\tc\na\ta\nb\tc\n", "", 0),
    ("printf 'a\\n\\nb\\n' | nl", "     1\ta\n\n     2\tb\n", "", 0),
    ("su nobody -s /bin/sh -c id",
     "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n", "", 0),
    ("echo x > /f && truncate -s 5 /f && wc -c < /f && unlink /f && ls /f",
     "5\n", "ls: cannot access '/f': No such file or directory\n", 2),
    ("tty", "not a tty\n", "", 1),
    ("echo hi | sha224sum", f"{hashlib.sha224(b'hi' + bytes([10])).hexdigest()}  -\n", "", 0),
])
def test_utilities(script: str, stdout: str, stderr: str, status: int) -> None:
    result = run(tree(), script)
    assert (result.stdout.decode(), result.stderr.decode(), result.exit_code) == (
        stdout, stderr, status)


def test_update_alternatives_links_the_choice() -> None:
    t = tree()
    result = run(t, "update-alternatives --install /usr/bin/pager pager /bin/cat 10 && "
                    "update-alternatives --query pager")
    assert result.stdout.decode() == (
        "update-alternatives: using /bin/cat to provide /usr/bin/pager (pager) in auto mode\n"
        "pager - auto mode\n  link currently points to /bin/cat\n")
    assert t.nodes["/usr/bin/pager"].target == "/etc/alternatives/pager"


def test_run_parts_runs_executables_in_order() -> None:
    t = tree()
    result = run(t, "mkdir /d && printf '#!/bin/sh\\necho one\\n' > /d/10-one && "
                    "printf '#!/bin/sh\\necho two\\n' > /d/20-two && echo skip > /d/x.sh && "
                    "chmod +x /d/10-one /d/20-two /d/x.sh && run-parts /d && run-parts --test /d")
    assert result.stdout == b"one\ntwo\n/d/10-one\n/d/20-two\n"


def test_envsubst_as_the_nginx_entrypoint_uses_it() -> None:
    t = tree()
    t.put("/usr/bin/envsubst", __import__("tutor.engine.fs", fromlist=["file"]).file(
        b"\x7fELF envsubst", 0o755))
    result = run(t, "export NGINX_PORT=8080 HOST=web; printf 'listen ${NGINX_PORT};\\n"
                    "server_name $HOST;\\nset $x 1;\\n' > /t && envsubst < /t && "
                    "envsubst '${NGINX_PORT}' < /t")
    assert result.stdout == (b"listen 8080;\nserver_name web;\nset  1;\n"
                             b"listen 8080;\nserver_name $HOST;\nset $x 1;\n")
