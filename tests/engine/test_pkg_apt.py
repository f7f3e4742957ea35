"""apt-get update/install/clean against a small bookworm tree and the shipped catalogue."""

from __future__ import annotations

import re

import pytest

from tests.engine.pkg_helpers import FakeWorld, debian_tree, run
from tutor.engine.sh.pkg.apt import apt_get, size_to_str
from tutor.engine.sh.pkg.catalogue import read_text
from tutor.engine.sh.pkg.debindex import suite_index

LISTS = "/var/lib/apt/lists"


def _version(name: str) -> str:
    """The candidate version in the shipped bookworm index (real data, refreshed over time)."""
    index = suite_index(FakeWorld().packages, "debian/bookworm")
    pkg = index.get(name) if index else None
    assert pkg is not None
    return pkg.version


def _out(proc) -> str:  # type: ignore[no-untyped-def]
    return proc.stdout.decode()


def _updated(docker_clean: bool = True):  # type: ignore[no-untyped-def]
    fs = debian_tree(docker_clean)
    run(apt_get, ["apt-get", "update"], fs)
    return fs


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (8808, "8808 "),
        (55_400, "55.4 k"),
        (151_000, "151 k"),
        (8_792_000, "8792 k"),
        (19_300_000, "19.3 M"),
        (22_345_678, "22.3 M"),
    ],
    ids=["bytes", "decimal-k", "k", "four-digit-k", "decimal-M", "rounded-M"],
)
def test_size_to_str(size: int, text: str) -> None:
    assert size_to_str(size) == text


def test_install_without_lists_cannot_locate() -> None:
    proc = run(apt_get, ["apt-get", "install", "-y", "curl"], debian_tree())
    assert proc.returncode == 100
    assert _out(proc) == (
        "Reading package lists...\nBuilding dependency tree...\nReading state information...\n"
    )
    assert proc.stderr.decode() == "E: Unable to locate package curl\n"


def test_update_writes_lists_and_reports_fetch() -> None:
    fs = debian_tree()
    out = _out(run(apt_get, ["apt-get", "update"], fs)).splitlines()
    assert out[0] == "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]"
    assert "Get:4 http://deb.debian.org/debian bookworm/main amd64 Packages [8790 kB]" in out
    assert out[-2].startswith("Fetched 9427 kB in ")
    assert out[-1] == "Reading package lists..."
    lists = [p for p in fs.paths() if p.startswith(LISTS + "/") and "Packages" in p]
    assert f"{LISTS}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4" in lists
    assert sum(fs.nodes[p].size for p in lists) > 10_000_000
    again = _out(run(apt_get, ["apt-get", "update"], fs)).splitlines()
    assert again[0] == "Hit:1 http://deb.debian.org/debian bookworm InRelease"
    assert not any(line.startswith("Get:") for line in again)


def test_install_curl_with_recommends() -> None:
    fs = _updated()
    proc = run(apt_get, ["apt-get", "install", "-y", "curl"], fs)
    out = _out(proc)
    assert proc.returncode == 0
    new = out.split("The following NEW packages will be installed:\n")[1].split("0 upgraded")[0]
    names = new.split()
    assert names == sorted(names) and {"curl", "libcurl4", "ca-certificates", "openssl"} <= set(
        names
    )
    # the tree's libc6 & co are older than the lists' candidates: apt counts them as held back
    assert re.search(
        rf"^0 upgraded, {len(names)} newly installed, 0 to remove and [1-9]\d* not upgraded\.$",
        out, re.M)
    assert "Selecting previously unselected package libcurl4:amd64." in out
    assert f"Setting up curl ({_version('curl')}) ..." in out
    assert "Processing triggers for libc-bin (2.36-9+deb12u9) ..." in out
    status = read_text(fs, "/var/lib/dpkg/status") or ""
    assert "Package: curl\nStatus: install ok installed" in status
    assert "Package: libc6\n" in status
    assert "/var/lib/dpkg/info/curl.list" in fs and "/usr/bin/curl" in fs
    assert not [p for p in fs.paths() if p.endswith(".deb")]  # docker-clean


def test_no_install_recommends_installs_less() -> None:
    full = _out(run(apt_get, ["apt-get", "install", "-y", "curl"], _updated()))
    lean_fs = _updated()
    lean = _out(
        run(apt_get, ["apt-get", "install", "-y", "--no-install-recommends", "curl"], lean_fs)
    )
    assert "Recommended packages:" in lean and "ca-certificates" in lean.split("Recommended")[1]
    counts = [int(re.search(r"0 upgraded, (\d+) newly", t)[1]) for t in (full, lean)]  # type: ignore[index]
    assert 0 < counts[1] < counts[0]
    assert "/usr/sbin/update-ca-certificates" not in lean_fs


def test_without_yes_aborts() -> None:
    fs = _updated()
    proc = run(apt_get, ["apt-get", "install", "git"], fs)
    assert proc.returncode == 1
    assert _out(proc).endswith("Do you want to continue? [Y/n] Abort.\n")
    assert "/usr/bin/git" not in fs


def test_archives_kept_without_docker_clean_and_removed_by_clean() -> None:
    fs = _updated(docker_clean=False)
    run(apt_get, ["apt-get", "install", "-y", "jq"], fs)
    debs = sorted(p for p in fs.paths() if p.endswith(".deb"))
    assert f"/var/cache/apt/archives/jq_{_version('jq')}_amd64.deb" in debs
    assert "/var/cache/apt/pkgcache.bin" in fs
    run(apt_get, ["apt-get", "clean"], fs)
    assert not [p for p in fs.paths() if p.endswith(".deb")]


def test_already_installed() -> None:
    fs = _updated()
    run(apt_get, ["apt-get", "install", "-y", "jq"], fs)
    out = _out(run(apt_get, ["apt-get", "install", "-y", "jq"], fs))
    assert f"jq is already the newest version ({_version('jq')}).\n" in out
    assert re.search(r"^0 upgraded, 0 newly installed, 0 to remove and \d+ not upgraded\.$", out,
                     re.M)


def test_debconf_notices_depend_on_frontend() -> None:
    noisy = run(apt_get, ["apt-get", "install", "-y", "tzdata"], _updated())
    quiet = run(
        apt_get,
        ["apt-get", "install", "-y", "tzdata"],
        _updated(),
        env={"DEBIAN_FRONTEND": "noninteractive"},
    )
    assert "debconf: unable to initialize frontend: Dialog" in noisy.stderr.decode()
    assert (
        quiet.stderr.decode()
        == "debconf: delaying package configuration, since apt-utils is not installed\n"
    )


def test_update_without_network_warns() -> None:
    proc = run(apt_get, ["apt-get", "update"], debian_tree(), world=None)
    assert proc.returncode == 0
    assert "Temporary failure resolving 'deb.debian.org'" in _out(proc)
    assert proc.stderr.decode().endswith("They have been ignored, or old ones used instead.\n")


def test_apt_front_end_warns() -> None:
    proc = run(apt_get, ["apt", "update"], debian_tree())
    assert proc.stderr.decode().startswith("\nWARNING: apt does not have a stable CLI interface.")
