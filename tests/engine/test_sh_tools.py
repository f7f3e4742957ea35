"""mktemp, nproc, getconf, install, ldd, chpasswd, gosu/su-exec/tini, update-ca-certificates,
the account tools, dpkg/apt-mark and find, through the simulated shell."""

from __future__ import annotations

import re

import pytest

from tests.engine.shell_tools_trees import alpine, debian, run, text
from tutor.engine.fs import file


def test_mktemp_names_are_deterministic_fresh_and_private() -> None:
    tree = debian()
    result = run(tree, 'd=$(mktemp -d); f=$(mktemp); echo "$d $f"; stat -c %a "$d" "$f"; '
                       "mktemp -t build.XXXX; mktemp -p /var app.XXXXXX; mktemp abc")
    lines = result.stdout.decode().split("\n")
    d, f = lines[0].split()
    assert re.fullmatch(r"/tmp/tmp\.[A-Za-z0-9]{10}", d) and d != f
    assert lines[1:3] == ["700", "600"]
    assert re.fullmatch(r"/tmp/build\.[A-Za-z0-9]{4}", lines[3])
    assert re.fullmatch(r"/var/app\.[A-Za-z0-9]{6}", lines[4])
    assert result.stderr == b"mktemp: too few X's in template 'abc'\n"
    assert tree.get(d) is not None and tree.nodes[d].type == "dir"
    again = run(debian(), "mktemp -d")
    assert again.stdout.decode().strip() == d  # the same tree gives the same name


def test_busybox_mktemp_uses_six_xs() -> None:
    out = run(alpine(), "mktemp").stdout.decode().strip()
    assert re.fullmatch(r"/tmp/tmp\.[A-Za-z0-9]{6}", out)


def test_nproc_and_getconf() -> None:
    result = run(debian(), "nproc; getconf _NPROCESSORS_ONLN; getconf LONG_BIT; getconf PAGESIZE;"
                           " make -j\"$(nproc)\" --version | head -1; getconf NOPE")
    assert result.stdout == b"2\n2\n64\n4096\nGNU Make 4.3\n"
    assert result.stderr == b"getconf: Unrecognized variable 'NOPE'\n"
    assert result.exit_code == 1


def test_install_creates_directories_modes_and_owners() -> None:
    tree = debian()
    result = run(tree, "echo hi > /tmp/a && install -D -m 644 /tmp/a /opt/x/y/a && "
                       "install -d -m 700 -o nobody /var/q && install -m 755 /tmp/a "
                       "/usr/local/bin/ && stat -c '%a %u %n' /opt/x/y/a /var/q "
                       "/usr/local/bin/a")
    assert result.stdout == b"644 0 /opt/x/y/a\n700 65534 /var/q\n755 0 /usr/local/bin/a\n"


def test_gosu_su_exec_and_tini_run_as_the_user() -> None:
    result = run(debian(), "gosu nobody id; gosu nobody:root sh -c 'whoami; echo $HOME'; "
                           "tini -- id -u; gosu nobody true && echo ok")
    assert result.stdout == (b"uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n"
                             b"nobody\n/nonexistent\n0\nok\n")
    result = run(debian(), "gosu ghost true; gosu nobody nope")
    assert result.stderr == (
        b'error: failed switching to "ghost": unable to find user ghost: no matching entries '
        b'in passwd file\nerror: exec: "nope": executable file not found in $PATH\n')
    result = run(alpine(), "su-exec nobody id -u; su-exec ghost id")
    assert result.stdout == b"65534\n"
    assert result.stderr == b"su-exec: getpwnam(ghost): user not found\n"


def test_gosu_needs_root() -> None:
    result = run(debian(), "gosu nobody id", uid=1000)
    assert (result.exit_code, result.stderr) == (
        1, b'error: failed switching to "nobody": operation not permitted\n')


def test_chpasswd_sets_a_hash_and_rejects_unknown_users() -> None:
    tree = debian()
    result = run(tree, "echo 'root:secret' | chpasswd && echo 'ghost:x' | chpasswd")
    assert result.exit_code == 1
    assert b"(line 1, user ghost) password not changed" in result.stderr
    row = text(tree, "/etc/shadow").splitlines()[0].split(":")
    assert row[0] == "root" and row[1].startswith("$6$") and row[1] != "secret"


def test_update_ca_certificates_collects_local_certs() -> None:
    tree = debian()
    tree.makedirs("/usr/local/share/ca-certificates")
    tree.put("/usr/local/share/ca-certificates/corp.crt",
             file("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
    result = run(tree, "update-ca-certificates")
    assert result.stdout.startswith(b"Updating certificates in /etc/ssl/certs...\n1 added,")
    assert "MIIB" in text(tree, "/etc/ssl/certs/ca-certificates.crt")
    assert tree.nodes["/etc/ssl/certs/corp.pem"].type == "symlink"


def test_ldd_knows_dynamic_from_static() -> None:
    tree = debian()
    result = run(tree, "echo 'int main(){return 0;}' > m.c && cc m.c -o dyn && "
                       "cc -static m.c -o st && ldd ./dyn; ldd ./st; echo $?")
    assert b"libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6" in result.stdout
    assert result.stdout.endswith(b"1\n")
    assert result.stderr == b"\tnot a dynamic executable\n"


# -- accounts ------------------------------------------------------------------------------------

def test_debian_groupadd_useradd_as_official_images_do() -> None:
    tree = debian()
    result = run(tree, "groupadd -r redis --gid=999 && useradd -r -g redis --uid=999 "
                       "--home-dir=/var/lib/redis --shell=/bin/bash --no-log-init redis && "
                       "useradd --create-home --uid 1001 -G redis -s /bin/bash app && "
                       "id redis && id app && ls -ld /home/app | cut -d' ' -f1,3,4")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (b"uid=999(redis) gid=999(redis) groups=999(redis)\n"
                             b"uid=1001(app) gid=1001(app) groups=1001(app),999(redis)\n"
                             b"drwxr-xr-x app app\n")
    assert "redis:x:999:999::/var/lib/redis:/bin/bash" in text(tree, "/etc/passwd")


@pytest.mark.parametrize(("script", "status", "stderr"), [
    ("useradd -u abc x", 3, "useradd: invalid user ID 'abc'\n"),
    ("useradd -g nope x", 6, "useradd: group 'nope' does not exist\n"),
    ("useradd -u 0 x", 4, "useradd: UID 0 is not unique\n"),
    ("groupadd -g 0 x", 4, "groupadd: GID '0' already exists\n"),
    ("groupadd nogroup", 9, "groupadd: group 'nogroup' already exists\n"),
    ("usermod -aG users ghost", 6, "usermod: user 'ghost' does not exist\n"),
    ("userdel ghost", 6, "userdel: user 'ghost' does not exist\n"),
    ("groupdel ghost", 6, "groupdel: group 'ghost' does not exist\n"),
    ("groupdel root", 8, "groupdel: cannot remove the primary group of user 'root'\n"),
])
def test_shadow_errors(script: str, status: int, stderr: str) -> None:
    result = run(debian(), script)
    assert (result.exit_code, result.stderr.decode()) == (status, stderr)


def test_usermod_userdel_groupmod() -> None:
    tree = debian()
    result = run(tree, "useradd -m -u 1000 bob && usermod -aG users bob && id bob && "
                       "usermod -u 2000 -s /bin/bash bob && groupmod -g 3000 bob && id bob && "
                       "stat -c %u /home/bob && userdel -r bob; id bob; ls /home")
    assert result.stdout == (b"uid=1000(bob) gid=1000(bob) groups=1000(bob),100(users)\n"
                             b"uid=2000(bob) gid=3000(bob) groups=3000(bob),100(users)\n"
                             b"2000\n")
    assert result.stderr == (b"userdel: bob mail spool (/var/mail/bob) not found\n"
                             b"id: 'bob': no such user\n")
    assert "bob" not in text(tree, "/etc/group")


def test_debian_adduser_long_options() -> None:
    tree = debian()
    result = run(tree, "addgroup --system --gid 999 app && adduser --system --ingroup app "
                       "--uid 999 --no-create-home --home /app --shell /sbin/nologin app && "
                       "adduser --disabled-password --gecos '' alice && id app && id alice")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.decode()
    assert out.startswith("info: Adding group `app' (GID 999) ...\n"
                          "info: Adding system user `app' (UID 999) ...\n"
                          "info: Adding new user `app' (UID 999) with group `app' ...\n"
                          "info: Not creating home directory `/app'.\n"
                          "info: Adding user `alice' ...\n"
                          "info: Selecting UID/GID from range 1000 to 59999 ...\n")
    assert "uid=999(app) gid=999(app) groups=999(app)\n" in out
    assert out.endswith("uid=1000(alice) gid=1000(alice) groups=1000(alice),100(users)\n")
    assert "alice:x:1000:1000::/home/alice:/bin/bash" in text(tree, "/etc/passwd")
    assert tree.nodes["/home/alice"].mode == 0o700 and "/app" not in tree
    again = run(tree, "adduser --disabled-password --gecos '' alice")
    assert (again.exit_code, again.stderr) == (1, b"fatal: The user `alice' already exists.\n")


def test_busybox_adduser_keeps_its_short_options() -> None:
    tree = alpine()
    result = run(tree, "addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node && "
                       "id node && deluser node && id node")
    assert result.stdout == b"uid=1000(node) gid=1000(node) groups=1000(node)\n"
    assert result.stderr == b"id: unknown user node\n"


# -- dpkg and apt-mark ---------------------------------------------------------------------------

STATUS = (
    "Package: adduser\nStatus: install ok installed\nArchitecture: all\nVersion: 3.134\n"
    "Description: add and remove users and groups\n\n"
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 2.36-9+deb12u9\nDescription: GNU C Library: Shared libraries\n\n"
    "Package: curl\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 7.88.1-10+deb12u8\nDescription: command line tool for transferring data\n"
)


def dpkg_tree() -> object:
    tree = debian()
    tree.makedirs("/var/lib/dpkg/info")
    tree.put("/var/lib/dpkg/status", file(STATUS))
    tree.put("/var/lib/dpkg/info/libc6:amd64.list",
             file("/.\n/lib/x86_64-linux-gnu/libc.so.6\n"))
    tree.put("/var/lib/dpkg/info/curl.list", file("/usr/bin/curl\n"))
    return tree


def test_dpkg_queries() -> None:
    tree = dpkg_tree()
    result = run(tree, "dpkg --print-architecture; dpkg -s curl | grep Version; "
                       "dpkg-query -W --showformat='${Package}=${Version}\\n' 'lib*'; "
                       "dpkg -S libc.so.6; "
                       "dpkg -L curl; dpkg-architecture --query DEB_BUILD_GNU_TYPE; "
                       "dpkg -l curl | tail -1")
    assert result.stdout.decode() == (
        "amd64\nVersion: 7.88.1-10+deb12u8\nlibc6=2.36-9+deb12u9\n"
        "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6\n/usr/bin/curl\nx86_64-linux-gnu\n"
        "ii  curl           7.88.1-10+deb12u8 amd64          command line tool for "
        "transferring data\n")
    missing = run(tree, "dpkg -s nope")
    assert missing.exit_code == 1
    assert missing.stderr.startswith(
        b"dpkg-query: package 'nope' is not installed and no information is available\n")


@pytest.mark.parametrize(("a", "op", "b", "holds"), [
    ("1.2-1", "lt", "1.10", True), ("1.0~rc1", "lt", "1.0", True), ("2:1", "gt", "3", True),
    ("1.0", "eq", "1.0-0", True), ("1.0", "eq", "1.0-1", False),
    ("7.88.1-10+deb12u8", "ge", "7.88.1-10", True),
    ("1.0a", "gt", "1.0", True), ("", "lt", "0", True), ("", "lt-nl", "0", False),
])
def test_dpkg_compare_versions(a: str, op: str, b: str, holds: bool) -> None:
    result = run(debian(), f"dpkg --compare-versions '{a}' {op} '{b}'")
    assert result.exit_code == (0 if holds else 1)


def test_apt_mark_saved_manual_pattern_of_official_images() -> None:
    tree = dpkg_tree()
    result = run(tree, 'savedAptMark="$(apt-mark showmanual)"; apt-mark auto ".*" > /dev/null; '
                       "apt-mark showmanual | wc -l; apt-mark showauto | tr '\\n' ' '; echo; "
                       "apt-mark manual $savedAptMark; apt-mark hold curl; apt-mark showhold; "
                       "dpkg -l curl | tail -1 | cut -c1-2; apt-mark auto nope")
    assert result.stdout.decode() == (
        "0\nadduser curl libc6 \nadduser set to manually installed.\n"
        "curl set to manually installed.\nlibc6 set to manually installed.\n"
        "curl set on hold.\ncurl\nhi\n")
    assert result.stderr == b"E: Unable to locate package nope\n"
    assert result.exit_code == 100


# -- find ----------------------------------------------------------------------------------------

def test_find_python_cleanup_expression() -> None:
    tree = debian()
    run(tree, "mkdir -p /usr/local/lib/py/test /usr/local/lib/py/x && touch "
              "/usr/local/lib/py/a.pyc /usr/local/lib/py/x/b.py /usr/local/lib/py/test/t.py "
              "/usr/local/lib/libpython3.12.a")
    result = run(tree, "find /usr/local -depth \\( \\( -type d -a \\( -name test -o -name tests "
                       "-o -name idle_test \\) \\) -o \\( -type f -a \\( -name '*.pyc' -o -name "
                       "'*.pyo' -o -name 'libpython*.a' \\) \\) \\) -exec rm -rf '{}' + && "
                       "find /usr/local/lib")
    assert result.stdout == b"/usr/local/lib\n/usr/local/lib/py\n/usr/local/lib/py/x\n" \
                            b"/usr/local/lib/py/x/b.py\n"


@pytest.mark.parametrize(("expr", "expected"), [
    ("-maxdepth 1 -type f", "/w/a.txt\n/w/run.sh\n"),
    ("-type f -executable", "/w/run.sh\n"),
    ("-name '*.txt' -o -name '*.sh'", "/w/a.txt\n/w/run.sh\n/w/sub/c.txt\n"),
    ("! -name '*.txt' -type f", "/w/run.sh\n"),
    ("-path '*/sub' -prune -o -type f -print", "/w/a.txt\n/w/run.sh\n"),
    ("-mindepth 2", "/w/sub/c.txt\n"),
    ("-empty", "/w/sub/c.txt\n"),
    ("-type f -size +0 -printf '%f %s\\n'", "a.txt 6\nrun.sh 8\n"),
    ("-perm -u+x -type f", "/w/run.sh\n"),
])
def test_find_expressions(expr: str, expected: str) -> None:
    tree = debian()
    run(tree, "mkdir -p /w/sub && echo hello > /w/a.txt && echo 'echo hi' > /w/run.sh && "
              "chmod +x /w/run.sh && touch /w/sub/c.txt")
    result = run(tree, f"find /w {expr}")
    assert (result.stdout.decode(), result.stderr) == (expected, b"")


def test_find_errors() -> None:
    result = run(debian(), "find /nope; find / -bogus")
    assert result.stderr == (b"find: '/nope': No such file or directory\n"
                             b"find: unknown predicate `-bogus'\n")
    assert result.exit_code == 1


def test_setcap_checks_its_file_and_ldconfig_succeeds() -> None:
    tree = debian()
    result = run(tree, "setcap cap_net_bind_service=+ep /usr/bin/curl && ldconfig && "
                       "setcap cap_net_bind_service=+ep /nope")
    assert (result.exit_code, result.stderr) == (
        1, b"Failed to set capabilities on file '/nope': No such file or directory\n")
    assert tree.get("/etc/ld.so.cache") is not None
