"""`stat -c` directives with printf widths and `id -G`/`-Gn`, as BuildKit's own tests use them to
check what a build made (frontend/dockerfile/dockerfile_test.go: `stat -c %04a`, `id -G`)."""

from __future__ import annotations

import pytest

from tests.engine import shell_tools_trees
from tests.engine.sh_trees import ENV, EPOCH, busybox_tree, debian_tree
from tutor.engine.fs import file
from tutor.engine.sh import run_script


@pytest.mark.parametrize("tree", [busybox_tree, debian_tree], ids=["busybox", "gnu"])
def test_stat_formats(tree: object) -> None:
    script = ("touch /f && chmod 640 /f && mkdir /d && "
              "stat -c '%a %04a %U:%G %u/%g %s %n|%F|%h|%%' /f && "
              "stat -c '%-5a|%6s|%F' /d")
    result = run_script(script, fs=tree(), env=dict(ENV), epoch=EPOCH)  # type: ignore[operator]
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode() == (
        "640 0640 root:root 0/0 0 /f|regular empty file|1|%\n"
        "755  |     0|directory\n")


def test_id_lists_every_group_by_number_or_name() -> None:
    result = run_script("addgroup -g 2000 extra && addgroup root extra && id -G && id -Gn",
                        fs=busybox_tree(), env=dict(ENV), epoch=EPOCH)
    assert result.exit_code == 0, result.stderr
    numbers, names = result.stdout.decode().splitlines()
    assert numbers.split()[0] == "0" and "2000" in numbers.split()
    assert names.split()[0] == "root" and "extra" in names.split()


def test_usermod_adds_to_group_and_gshadow_alike() -> None:
    script = ("groupadd extra && useradd -m alice && usermod -aG extra alice && "
              "grep '^extra:' /etc/group /etc/gshadow")
    tree = shell_tools_trees.debian()
    if tree.get("/etc/gshadow") is None:
        tree.put("/etc/gshadow", file(b"root:*::\n"))
    result = run_script(script, fs=tree, env=dict(ENV), epoch=EPOCH)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert [line.rsplit(":", 1)[-1] for line in lines] == ["alice", "alice"]
