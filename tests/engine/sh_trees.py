"""Small busybox-like and Debian-like trees for the shell tests."""

from __future__ import annotations

from tutor.engine.fs import FileTree, directory, file, symlink

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ENV = {"PATH": PATH, "HOME": "/root", "HOSTNAME": "buildkitsandbox"}
EPOCH = 1_700_000_000
APPLETS = [
    "sh",
    "wget",
    "ping",
    "ash",
    "ls",
    "cat",
    "echo",
    "mkdir",
    "rm",
    "cp",
    "mv",
    "ln",
    "chmod",
    "chown",
    "grep",
    "sed",
    "head",
    "tail",
    "wc",
    "sort",
    "uniq",
    "tr",
    "cut",
    "touch",
    "env",
    "printenv",
    "id",
    "whoami",
    "adduser",
    "addgroup",
    "find",
    "xargs",
    "tee",
    "date",
    "sleep",
    "uname",
    "basename",
    "dirname",
    "printf",
    "test",
    "[",
    "true",
    "false",
    "pwd",
    "seq",
    "which",
    "stat",
    "du",
    "df",
    "hostname",
    "tar",
    "gzip",
    "gunzip",
    "sha256sum",
    "md5sum",
]

# Debian has the same tools as separate GNU binaries, but not busybox's own applets (its /bin/sh
# is dash) and shadow's useradd/groupadd in /usr/sbin instead of adduser/addgroup.
BUSYBOX_ONLY = ("sh", "wget", "ping", "ash", "adduser", "addgroup")
GNU_TOOLS = [t for t in APPLETS if t not in BUSYBOX_ONLY] + ["useradd", "groupadd"]

BINARY = b"\x7fELF\x02\x01\x01"


def _base() -> FileTree:
    fs = FileTree()
    for d in (
        "/bin",
        "/sbin",
        "/usr",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local",
        "/usr/local/bin",
        "/etc",
        "/home",
        "/root",
        "/tmp",
        "/var",
        "/dev",
    ):
        fs.put(d, directory(0o1777 if d == "/tmp" else 0o755))
    fs.put(
        "/etc/passwd",
        file(
            "root:x:0:0:root:/root:/bin/sh\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        ),
    )
    fs.put("/etc/group", file("root:x:0:\nnogroup:x:65534:\n"))
    fs.put("/etc/shadow", file("root:*:19000:0:99999:7:::\n", 0o640))
    return fs


def busybox_tree() -> FileTree:
    """Alpine-like: one busybox binary, every tool a symlink to it, /bin/sh = ash."""
    fs = _base()
    fs.put("/bin/busybox", file(BINARY + b"busybox", 0o755))
    for name in APPLETS:
        fs.put(f"/bin/{name}", symlink("/bin/busybox"))
    return fs


def debian_tree(bash: bool = True) -> FileTree:
    """Debian-like: GNU tools as separate binaries, /bin/sh -> dash, and bash."""
    fs = _base()
    fs.put("/bin/dash", file(BINARY + b"dash", 0o755))
    fs.put("/bin/sh", symlink("dash"))
    if bash:
        fs.put("/bin/bash", file(BINARY + b"bash", 0o755))
    for name in GNU_TOOLS:
        target = "/usr/sbin" if name in ("useradd", "groupadd") else "/bin"
        fs.put(f"{target}/{name}", file(BINARY + name.encode(), 0o755))
    return fs
