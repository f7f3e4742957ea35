"""`readlink` as busybox (alpine) and GNU coreutils (debian) run it, errors included."""

from __future__ import annotations

import pytest

from tests.engine.sh_trees import BINARY, ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import FileTree, directory, file, symlink
from tutor.engine.sh import run_script


def _tree(flavour: str) -> FileTree:
    fs = busybox_tree() if flavour == "bb" else debian_tree(bash=False)
    if flavour == "bb":
        fs.put("/usr/bin/readlink", symlink("/bin/busybox"))
    else:
        fs.put("/usr/bin/readlink", file(BINARY + b"readlink", 0o755))
    fs.put("/data", directory())
    fs.put("/data/real.txt", file(b"x"))
    fs.put("/data/rel", symlink("real.txt"))
    fs.put("/data/abs", symlink("/data/real.txt"))
    fs.put("/data/chain", symlink("/link-dir/rel"))
    fs.put("/link-dir", symlink("data"))
    fs.put("/data/dangling", symlink("gone"))
    fs.put("/data/dangling-deep", symlink("/nowhere/gone"))
    fs.put("/data/loop", symlink("loop"))
    return fs


def _run(flavour: str, script: str, cwd: str = "/") -> tuple[str, str, int]:
    result = run_script(script, fs=_tree(flavour), env=dict(ENV), epoch=EPOCH, cwd=cwd)
    return result.stdout.decode(), result.stderr.decode(), result.exit_code


BB_USAGE = (
    "BusyBox v1.36.1 multi-call binary.\n\nUsage: readlink [-fnv] FILE\n\n"
    "Display the value of a symlink\n\n\t-f\tCanonicalize by following all symlinks\n"
    "\t-n\tDon't add newline\n\t-v\tVerbose\n"
)
BOTH = ("bb", "gnu")

# (id, flavours, script, stdout, stderr, status, cwd)
CASES = [
    ("relative-target", BOTH, "readlink /data/rel", "real.txt\n", "", 0, "/"),
    ("absolute-target", BOTH, "readlink /data/abs", "/data/real.txt\n", "", 0, "/"),
    ("dangling-target", BOTH, "readlink /data/dangling", "gone\n", "", 0, "/"),
    ("not-a-link-silent", BOTH, "readlink /data/real.txt", "", "", 1, "/"),
    ("missing-silent", BOTH, "readlink /nope", "", "", 1, "/"),
    ("no-newline", BOTH, "readlink -n /data/rel", "real.txt", "", 0, "/"),
    ("through-dir-link", BOTH, "readlink /link-dir/abs", "/data/real.txt\n", "", 0, "/"),
    ("f-follows-chain", BOTH, "readlink -f /data/chain", "/data/real.txt\n", "", 0, "/"),
    ("f-plain-file", BOTH, "readlink -f real.txt", "/data/real.txt\n", "", 0, "/data"),
    ("f-dot-dot", BOTH, "readlink -f ../data/./rel", "/data/real.txt\n", "", 0, "/data"),
    ("f-missing-last", BOTH, "readlink -f /data/new", "/data/new\n", "", 0, "/"),
    ("f-dangling-link", BOTH, "readlink -f /data/dangling", "/data/gone\n", "", 0, "/data"),
    ("f-missing-dir", BOTH, "readlink -f /nope/x", "", "", 1, "/"),
    ("f-dangling-deep", BOTH, "readlink -f /data/dangling-deep", "", "", 1, "/"),
    ("f-loop", BOTH, "readlink -f /data/loop", "", "", 1, "/"),
    ("verbose-not-link-bb", ("bb",), "readlink -v /data/real.txt", "",
     "readlink: /data/real.txt: cannot read link: not a symlink\n", 1, "/"),
    ("verbose-missing-bb", ("bb",), "readlink -v /nope", "",
     "readlink: /nope: cannot read link: No such file or directory\n", 1, "/"),
    ("verbose-not-link-gnu", ("gnu",), "readlink -v /data/real.txt", "",
     "readlink: /data/real.txt: Invalid argument\n", 1, "/"),
    ("verbose-missing-gnu", ("gnu",), "readlink --verbose /nope", "",
     "readlink: /nope: No such file or directory\n", 1, "/"),
    ("verbose-f-gnu", ("gnu",), "readlink -fv /nope/x", "",
     "readlink: /nope/x: No such file or directory\n", 1, "/"),
    ("verbose-f-bb-silent", ("bb",), "readlink -fv /nope/x", "", "", 1, "/"),
    # busybox keeps a missing last component only when the name has a slash
    ("f-bare-missing-bb", ("bb",), "readlink -f new", "", "", 1, "/data"),
    ("f-bare-missing-gnu", ("gnu",), "readlink -f new", "/data/new\n", "", 0, "/data"),
    ("e-missing-gnu", ("gnu",), "readlink -e /data/new", "", "", 1, "/"),
    ("e-existing-gnu", ("gnu",), "readlink -e /data/rel", "/data/real.txt\n", "", 0, "/"),
    ("m-missing-gnu", ("gnu",), "readlink -m /nope/a/../b", "/nope/b\n", "", 0, "/"),
    ("m-through-link-gnu", ("gnu",), "readlink -m /link-dir/x/y", "/data/x/y\n", "", 0, "/"),
    ("many-gnu", ("gnu",), "readlink /data/rel /data/real.txt /data/abs",
     "real.txt\n/data/real.txt\n", "", 1, "/"),
    ("many-no-newline-gnu", ("gnu",), "readlink -n /data/rel /data/abs",
     "real.txt\n/data/real.txt\n",
     "readlink: ignoring --no-newline with multiple arguments\n", 0, "/"),
    ("zero-gnu", ("gnu",), "readlink -z /data/rel", "real.txt\0", "", 0, "/"),
    ("long-canonicalize-gnu", ("gnu",), "readlink --canonicalize /data/rel",
     "/data/real.txt\n", "", 0, "/"),
    ("missing-operand-gnu", ("gnu",), "readlink", "",
     "readlink: missing operand\nTry 'readlink --help' for more information.\n", 1, "/"),
    ("bad-option-gnu", ("gnu",), "readlink -x /data/rel", "",
     "readlink: invalid option -- 'x'\nTry 'readlink --help' for more information.\n", 1, "/"),
    ("bad-long-option-gnu", ("gnu",), "readlink --bogus /data/rel", "",
     "readlink: unrecognized option '--bogus'\nTry 'readlink --help' for more information.\n",
     1, "/"),
    ("no-operand-bb", ("bb",), "readlink", "", BB_USAGE, 1, "/"),
    ("two-operands-bb", ("bb",), "readlink /data/rel /data/abs", "", BB_USAGE, 1, "/"),
    ("bad-option-bb", ("bb",), "readlink -e /data/rel", "",
     "readlink: unrecognized option: e\n" + BB_USAGE, 1, "/"),
]


@pytest.mark.parametrize(
    ("flavour", "script", "stdout", "stderr", "status", "cwd"),
    [pytest.param(f, script, out, err, code, cwd, id=f"{name}[{f}]")
     for name, flavours, script, out, err, code, cwd in CASES for f in flavours],
)
def test_readlink(flavour: str, script: str, stdout: str, stderr: str, status: int,
                  cwd: str) -> None:
    assert _run(flavour, script, cwd) == (stdout, stderr, status)


def test_busybox_takes_a_dangling_links_relative_target_from_the_current_directory() -> None:
    # xmalloc_realpath_coreutils joins the target to getcwd(), not to the link's directory
    assert _run("bb", "readlink -f /data/dangling", "/tmp") == ("/tmp/gone\n", "", 0)
    assert _run("gnu", "readlink -f /data/dangling", "/tmp") == ("/data/gone\n", "", 0)
