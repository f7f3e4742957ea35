"""Trees for the tests of the tools official Dockerfiles run: the small Alpine- and Debian-like
trees of `sh_trees`, plus the binaries those tools come as in the real images."""

from __future__ import annotations

from tests.engine.sh_trees import BINARY, ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, file, symlink
from tutor.engine.sh import Result, run_script

LATER = 1_767_225_600
"""2026-01-01: after the simulated web's Last-Modified, as a real build's clock is."""

DEBIAN_BINS = [
    "curl", "wget", "gpg", "gpgv", "gpgconf", "mktemp", "nproc", "getconf", "install", "xz",
    "unxz", "bzip2", "unzip", "sha512sum", "ldd", "ldconfig", "setcap", "chpasswd", "gosu",
    "tini", "update-ca-certificates", "usermod", "userdel", "groupmod", "groupdel", "adduser",
    "addgroup", "deluser", "delgroup", "dpkg", "dpkg-query", "dpkg-architecture", "apt-mark",
    "make", "gcc", "cc", "g++", "cmake", "mawk",
]
ALPINE_EXTRA = ["mktemp", "nproc", "install", "xz", "unzip", "sha512sum", "chpasswd",
                "su-exec", "tini", "deluser", "delgroup", "awk", "bzip2"]


def debian() -> FileTree:
    tree = debian_tree()
    for name in DEBIAN_BINS:
        folder = "/usr/sbin" if name in ("usermod", "userdel", "groupmod", "groupdel", "adduser",
                                         "addgroup", "deluser", "delgroup", "chpasswd",
                                         "ldconfig", "update-ca-certificates") else "/usr/bin"
        tree.put(f"{folder}/{name}", file(BINARY + name.encode(), 0o755))
    tree.put("/usr/bin/awk", symlink("/usr/bin/mawk"))
    tree.makedirs("/lib64")
    tree.put("/lib64/ld-linux-x86-64.so.2", file(BINARY + b"ld.so", 0o755))
    tree.put("/etc/group", file("root:x:0:\nusers:x:100:\nnogroup:x:65534:\n"))
    _libc_dev(tree)
    return tree


def _libc_dev(tree: FileTree) -> None:
    """The C library's development files gcc needs (libc6-dev, musl-dev)."""
    tree.makedirs("/usr/include")
    tree.put("/usr/include/stdio.h", file("/* stdio.h */\n"))


def alpine() -> FileTree:
    tree = busybox_tree()
    for name in ALPINE_EXTRA:
        tree.put(f"/bin/{name}", symlink("/bin/busybox"))
    # curl, su-exec, tini and gcc are packages of their own on Alpine.
    for name in ("curl", "su-exec", "tini", "gcc", "make"):
        tree.put(f"/usr/bin/{name}", file(BINARY + name.encode(), 0o755))
    tree.makedirs("/lib")
    tree.put("/lib/ld-musl-x86_64.so.1", file(BINARY + b"musl", 0o755))
    _libc_dev(tree)
    return tree


def run(tree: FileTree, script: str, *, uid: int = 0, epoch: int = EPOCH,
        stdin: bytes = b"") -> Result:
    return run_script(script, fs=tree, env=dict(ENV), epoch=epoch, uid=uid, stdin=stdin)


def text(tree: FileTree, path: str) -> str:
    node = tree.get(path)
    assert node is not None and node.content is not None, path
    return node.content.read().decode()
