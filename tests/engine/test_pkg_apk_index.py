"""apk with deep dependency trees, virtual packages, split subpackages, version constraints and
every Alpine release from 3.17 to 3.24."""

from __future__ import annotations

import pytest

from tests.engine.pkg_helpers import alpine_tree, run
from tutor.engine.fs import FileTree
from tutor.engine.sh.pkg.apk import Installed, apk
from tutor.engine.sh.pkg.catalogue import read_text, write_text


def _add(fs: FileTree, *args: str) -> tuple[int, list[str], str]:
    proc = run(apk, ["apk", "add", "--no-cache", *args], fs)
    return proc.returncode, proc.stdout.decode().splitlines(), proc.stderr.decode()  # type: ignore[attr-defined]


def _installed(out: list[str]) -> list[str]:
    return [line.split()[2] for line in out if ") Installing " in line]


def test_build_base_installs_the_toolchain_dependencies_first() -> None:
    fs = alpine_tree()
    code, out, err = _add(fs, "build-base")
    assert code == 0, err
    names = _installed(out)
    assert names[-1] == "build-base"
    for before, after in (("binutils", "gcc"), ("gcc", "g++"), ("musl-dev", "libc-dev"),
                          ("libstdc++-dev", "g++")):
        assert names.index(before) < names.index(after)
    assert {"make", "patch", "fortify-headers", "file"} <= set(names)
    assert "/usr/bin/gcc" in fs and "/usr/bin/make" in fs


def test_postgresql_dev_resolves_through_provides_to_postgresql17_dev() -> None:
    fs = alpine_tree()
    code, out, _ = _add(fs, "postgresql-dev")
    assert code == 0
    names = _installed(out)
    assert names[-1] == "postgresql17-dev"
    assert {"libpq-dev", "libpq", "libecpg-dev", "postgresql17", "openssl-dev"} <= set(names)
    assert names.index("libpq") < names.index("libpq-dev") < names.index("postgresql17-dev")
    # the world records what was asked for, the database what was installed
    assert "postgresql-dev" in (read_text(fs, "/etc/apk/world") or "").split()
    assert "/usr/include/postgresql/libpq-fe.h" in fs


def test_split_subpackages_follow_their_origin() -> None:
    fs = alpine_tree()
    code, out, _ = _add(fs, "zstd-dev", "nginx-openrc")
    assert code == 0
    db = Installed.parse(read_text(fs, "/lib/apk/db/installed") or "")
    # zstd-dev links zstd-libs; nginx-openrc (no dependency in its APKBUILD) comes in the
    # version the catalogue has for its origin
    assert db.version("zstd-dev") == db.version("zstd-libs") != ""
    assert "zstd-libs" in db.depends("zstd-dev")
    assert db.version("nginx-openrc") == "1.26.3-r0"
    assert "/etc/init.d/nginx" in fs and "/usr/include/zstd.h" in fs


def test_virtual_build_deps_are_removed_with_everything_they_pulled() -> None:
    fs = alpine_tree()
    before = set(Installed.parse(read_text(fs, "/lib/apk/db/installed") or "").blocks)
    code, out, _ = _add(fs, "--virtual", ".build-deps", "build-base", "libpq-dev")
    assert code == 0
    assert any(") Installing .build-deps (" in line for line in out)
    run(apk, ["apk", "add", "--no-cache", "libpq"], fs)  # kept: the world asks for it
    proc = run(apk, ["apk", "del", ".build-deps"], fs)
    after = Installed.parse(read_text(fs, "/lib/apk/db/installed") or "")
    assert set(after.blocks) == before | {"libpq", "libcrypto3", "libssl3"}
    assert "Purging gcc (" in proc.stdout.decode()
    assert "/usr/bin/gcc" not in fs and "/usr/lib/libpq.so.5.17" in fs


def test_a_pinned_version_installs_or_breaks_the_world() -> None:
    fs = alpine_tree()
    code, out, _ = _add(fs, "jq=1.7.1-r0")
    assert code == 0 and "Installing jq (1.7.1-r0)" in "\n".join(out)
    assert "jq=1.7.1-r0" in (read_text(fs, "/etc/apk/world") or "").split()
    code, _, err = _add(alpine_tree(), "jq=1.6-r0")
    assert code == 1
    assert err == (
        "ERROR: unable to select packages:\n  jq-1.7.1-r0:\n    breaks: world[jq=1.6-r0]\n"
    )
    code, _, _ = _add(alpine_tree(), "jq>1.6")
    assert code == 0


def test_unknown_names_and_unknown_subpackage_origins_fail() -> None:
    for name in ("no-such-package", "no-such-origin-dev"):
        code, _, err = _add(alpine_tree(), name)
        assert code == 1
        assert err == (f"ERROR: unable to select packages:\n  {name} (no such package):\n"
                       f"    required by: world[{name}]\n")


@pytest.mark.parametrize("release", ["v3.17", "v3.18", "v3.19", "v3.22", "v3.23", "v3.24"])
def test_every_release_from_3_17_to_3_24_installs(release: str) -> None:
    fs = alpine_tree(release)
    code, out, _ = _add(fs, "curl")
    assert code == 0
    assert out[0] == f"fetch https://dl-cdn.alpinelinux.org/alpine/{release}/main/x86_64/APKINDEX.tar.gz"
    assert "/usr/bin/curl" in fs


def test_releases_carry_their_own_base_versions() -> None:
    versions = {}
    for release in ("v3.17", "v3.21", "v3.24"):
        fs = alpine_tree(release)
        _add(fs, "libssl3")
        versions[release] = Installed.parse(read_text(fs, "/lib/apk/db/installed") or "").version(
            "libssl3")
    assert versions == {"v3.17": "3.0.7-r2", "v3.21": "3.3.3-r0", "v3.24": "3.5.8-r0"}


def test_update_counts_what_a_release_without_a_real_count_offers() -> None:
    out = run(apk, ["apk", "update"], alpine_tree("v3.24")).stdout.decode().splitlines()  # type: ignore[attr-defined]
    assert out[-1].startswith("OK: ") and out[-1].endswith(" distinct packages available")
    assert not any("v3.21" in line for line in out)


def test_print_arch_names_the_images_architecture() -> None:
    fs = alpine_tree()
    assert run(apk, ["apk", "--print-arch"], fs).stdout.decode() == "x86_64\n"  # type: ignore[attr-defined]
    write_text(fs, "/etc/apk/arch", "aarch64\n")
    assert run(apk, ["apk", "--print-arch"], fs).stdout.decode() == "aarch64\n"  # type: ignore[attr-defined]
