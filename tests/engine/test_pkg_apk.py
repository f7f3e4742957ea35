"""apk add/del/update against a small Alpine tree and the shipped v3.20/v3.21 repositories."""

from __future__ import annotations

import pytest

from tests.engine.pkg_helpers import alpine_tree, run
from tutor.engine.sh.pkg.apk import Installed, apk
from tutor.engine.sh.pkg.catalogue import read_text


def _out(proc) -> str:  # type: ignore[no-untyped-def]
    return proc.stdout.decode()


def _cache(fs) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for p in fs.paths() if p.startswith("/var/cache/apk/APKINDEX.")]


def test_add_no_cache_installs_closure_in_dependency_order() -> None:
    fs = alpine_tree()
    proc = run(apk, ["apk", "add", "--no-cache", "curl"], fs)
    out = _out(proc).splitlines()
    assert proc.returncode == 0
    assert out[:2] == [
        "fetch https://dl-cdn.alpinelinux.org/alpine/v3.21/main/x86_64/APKINDEX.tar.gz",
        "fetch https://dl-cdn.alpinelinux.org/alpine/v3.21/community/x86_64/APKINDEX.tar.gz",
    ]
    installs = [line for line in out if "Installing" in line]
    names = [line.split()[2] for line in installs]
    assert names[-1] == "curl" and names.index("libcurl") < names.index("curl")
    assert names.index("libunistring") < names.index("libidn2") < names.index("libpsl")
    assert "musl" not in names  # already installed
    assert installs[0].startswith(f"(1/{len(installs)}) Installing ")
    assert "Executing busybox-1.37.0-r12.trigger" in out
    assert "Executing ca-certificates-20241121-r1.trigger" in out
    assert out[-1].startswith("OK: ") and out[-1].endswith(f" in {len(installs) + 3} packages")
    assert _cache(fs) == []
    assert "/usr/bin/curl" in fs


def test_add_without_no_cache_leaves_indexes_and_skips_refetch() -> None:
    fs = alpine_tree()
    first = run(apk, ["apk", "add", "jq"], fs)
    assert len(_cache(fs)) == 2
    assert sum(fs.nodes[p].size for p in _cache(fs)) > 1_000_000
    second = run(apk, ["apk", "add", "bash"], fs)
    assert "fetch " in _out(first) and "fetch " not in _out(second)


def test_database_and_world_are_updated() -> None:
    fs = alpine_tree()
    run(apk, ["apk", "add", "--no-cache", "jq"], fs)
    db = Installed.parse(read_text(fs, "/lib/apk/db/installed") or "")
    assert db.version("jq") == "1.7.1-r0"
    assert db.version("oniguruma") == "6.9.9-r0"
    assert "/usr/bin/jq" in db.files("jq")
    assert "musl" in db.blocks  # existing entries survive the rewrite
    assert (read_text(fs, "/etc/apk/world") or "").split() == ["alpine-baselayout", "busybox", "jq"]


@pytest.mark.parametrize(
    ("argv", "owner"),
    [
        (["apk", "add", "nope"], "world[nope]"),
        (["apk", "add", "--no-cache", "curl", "nope"], "world[nope]"),
        (["apk", "add", "--virtual", ".deps", "nope"], ".deps-20250214.093000[nope]"),
    ],
    ids=["plain", "mixed", "virtual"],
)
def test_unknown_package(argv: list[str], owner: str) -> None:
    fs = alpine_tree()
    proc = run(apk, argv, fs)
    assert proc.returncode == 1
    assert proc.stderr.decode() == (
        f"ERROR: unable to select packages:\n  nope (no such package):\n    required by: {owner}\n"
    )
    assert "/usr/bin/curl" not in fs


def test_virtual_then_del_removes_everything_it_pulled() -> None:
    fs = alpine_tree()
    before = set(fs.paths()) | {"/lib/apk/db/installed", "/etc/apk/world"}
    added = run(apk, ["apk", "add", "--no-cache", "--virtual", ".build-deps", "gcc", "make"], fs)
    assert "Installing .build-deps (20250214.093000)" in _out(added)
    assert (read_text(fs, "/etc/apk/world") or "").split().count(".build-deps") == 1
    removed = run(apk, ["apk", "del", ".build-deps"], fs)
    out = _out(removed)
    assert "(1/" in out and "Purging .build-deps (20250214.093000)" in out
    assert "Purging gcc (14.2.0-r4)" in out
    assert "/usr/bin/gcc" not in fs and "/usr/bin/make" not in fs
    assert "busybox" in Installed.parse(read_text(fs, "/lib/apk/db/installed") or "").blocks
    leftovers = {p for p in fs.paths() if fs.nodes[p].type == "file"} - before
    assert leftovers == set()


def test_release_is_read_from_repositories() -> None:
    fs = alpine_tree("v3.20")
    proc = run(apk, ["apk", "add", "--no-cache", "nodejs"], fs)
    assert "v3.20/main" in _out(proc)
    assert "Installing nodejs (20.15.1-r0)" in _out(proc)


def test_update_prints_repository_descriptions() -> None:
    fs = alpine_tree()
    out = _out(run(apk, ["apk", "update"], fs)).splitlines()
    assert out[2] == "v3.21.3-4-g53a2b4cf5a6 [https://dl-cdn.alpinelinux.org/alpine/v3.21/main]"
    assert out[-1] == "OK: 25421 distinct packages available"


def test_without_network_nothing_can_be_selected() -> None:
    fs = alpine_tree()
    proc = run(apk, ["apk", "add", "curl"], fs, world=None)
    err = proc.stderr.decode()
    assert "WARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.21/main" in err
    assert "curl (no such package)" in err and proc.returncode == 1


def test_install_is_deterministic_and_layer_sized() -> None:
    a, b = alpine_tree(), alpine_tree()
    pa = run(apk, ["apk", "add", "--no-cache", "git"], a)
    pb = run(apk, ["apk", "add", "--no-cache", "git"], b)
    assert pa.stdout == pb.stdout and pa.seconds == pb.seconds > 0
    assert a.nodes["/usr/bin/git"].content.read() == b.nodes["/usr/bin/git"].content.read()  # type: ignore[union-attr]
    assert a.total_size() > 15_000_000
