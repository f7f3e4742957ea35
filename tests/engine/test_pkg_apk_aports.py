"""apk past the hand-written catalogue: every package of the release from aports' APKBUILDs."""

from __future__ import annotations

from tests.engine.pkg_helpers import FakeWorld, alpine_tree, run
from tutor.engine.fs import FileTree
from tutor.engine.sh.pkg.apk import Installed, apk
from tutor.engine.sh.pkg.aports import AportsIndex, release_index
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.debindex import suite_index


def _aports(release: str = "v3.21") -> AportsIndex:
    index = release_index(FakeWorld().packages, release)
    assert index is not None
    return index


def _add(fs: FileTree, *names: str) -> tuple[int, list[str], str]:
    proc = run(apk, ["apk", "add", "--no-cache", *names], fs)
    return (proc.returncode, proc.stdout.decode().splitlines(),  # type: ignore[attr-defined]
            proc.stderr.decode())


def _db(fs: FileTree) -> Installed:
    return Installed.parse(read_text(fs, "/lib/apk/db/installed") or "")


def test_names_outside_the_catalogue_install_in_the_releases_version() -> None:
    fs = alpine_tree()
    code, out, err = _add(fs, "apr", "libsasl", "apache2-ssl", "dnsmasq-dnssec")
    assert code == 0, err
    db = _db(fs)
    index = _aports()
    for name in ("apr", "libsasl", "apache2-ssl", "dnsmasq-dnssec", "apache2"):
        row = index.row(name)
        assert row is not None and db.version(name) == row.version
    installing = [line.split()[2] for line in out if ") Installing " in line]
    # a subpackage's own dependency (apache2-ssl → apache2) comes first
    assert installing.index("apache2") < installing.index("apache2-ssl")
    # the install scripts the APKBUILD declares are reported
    version = db.version("dnsmasq-dnssec")
    assert f"  Executing dnsmasq-dnssec-{version}.pre-install" in out
    # apache2-ssl's module is where its split function moves it
    assert "/usr/lib/apache2/mod_ssl.so" in fs


def test_a_name_the_release_does_not_have_fails_as_apk_does() -> None:
    assert "postgresql17" not in _aports("v3.17") and "postgresql17" in _aports("v3.22")
    code, _, err = _add(alpine_tree("v3.17"), "postgresql17")
    assert code == 1
    assert err == ("ERROR: unable to select packages:\n  postgresql17 (no such package):\n"
                   "    required by: world[postgresql17]\n")
    assert _add(alpine_tree("v3.22"), "postgresql17")[0] == 0


def test_a_community_package_needs_the_community_repository() -> None:
    row = _aports().row("nodejs-current")
    assert row is not None and row.repo == "community"
    fs = alpine_tree()
    write_text(fs, "/etc/apk/repositories",
               "https://dl-cdn.alpinelinux.org/alpine/v3.21/main\n")
    assert _add(fs, "nodejs-current")[0] == 1
    assert _add(alpine_tree(), "nodejs-current")[0] == 0


def test_provides_and_the_files_apkbuilds_place() -> None:
    fs = alpine_tree()
    code, out, _ = _add(fs, "mysql-dev", "dpkg-dev", "memcached-openrc")
    assert code == 0
    assert "mariadb-dev" in _db(fs).blocks  # mariadb-dev provides mysql-dev
    # dpkg-dev's split function moves dpkg-architecture; the init script goes to -openrc
    assert "/usr/bin/dpkg-architecture" in fs and "/etc/init.d/memcached" in fs


def test_shared_library_dependencies_come_from_the_dev_build_dependencies() -> None:
    row = _aports().row("apache2-utils")
    assert row is not None and {"apr", "apr-util"} <= set(row.links)
    fs = alpine_tree()
    _, out, _ = _add(fs, "apache2-utils")
    installing = [line.split()[2] for line in out if ") Installing " in line]
    assert installing[-1] == "apache2-utils" and {"apr", "apr-util"} <= set(installing)


def test_sizes_are_debians_for_a_namesake_else_a_share_of_the_origin() -> None:
    index = _aports()
    debian = suite_index(FakeWorld().packages, "debian/trixie")
    assert debian is not None
    dnsmasq, deb = index.package("dnsmasq"), debian.get("dnsmasq")
    assert dnsmasq is not None and deb is not None and dnsmasq.size == deb.installed
    dev, apr = index.package("apr-dev"), index.package("apr")
    assert dev is not None and apr is not None and dev.size == int(apr.size * 0.25)


def test_update_counts_the_packages_of_the_configured_repositories() -> None:
    index = _aports("v3.24")
    both = run(apk, ["apk", "update"], alpine_tree("v3.24")).stdout.decode()  # type: ignore[attr-defined]
    total = int(both.splitlines()[-1].split()[1])
    # the release's packages, and the few later ones its hand-written catalogue adds
    assert len(index) <= total < len(index) + 50
    fs = alpine_tree("v3.24")
    write_text(fs, "/etc/apk/repositories",
               "https://dl-cdn.alpinelinux.org/alpine/v3.24/main\n")
    main = run(apk, ["apk", "update"], fs).stdout.decode()  # type: ignore[attr-defined]
    count = int(main.splitlines()[-1].split()[1])
    in_main = sum(1 for n in index.lines if index.repo_of(n) == "main")
    assert in_main <= count < in_main + 50 and count < total


def test_a_provided_name_installs_the_catalogues_package_when_it_lists_the_provider() -> None:
    # 3.24 has no libc-dev package: musl-dev provides it, and the catalogue lists musl-dev
    assert "libc-dev" not in _aports("v3.24") and _aports("v3.24").provider("libc-dev")
    fs = alpine_tree("v3.24")
    assert _add(fs, "libc-dev")[0] == 0
    assert "musl-dev" in _db(fs).blocks and "/usr/include/stdio.h" in fs
