"""apt-get against the full, real Debian indexes: any package, its dependencies, recommends,
virtual packages, required upgrades, dpkg's status entries, lazy loading, arm64."""

from __future__ import annotations

import re

import pytest

from tests.engine.catalogue_images import image_tree
from tests.engine.pkg_helpers import FakeWorld, run
from tutor.engine.fs import FileTree
from tutor.engine.sh.pkg.apt import apt_get
from tutor.engine.sh.pkg.catalogue import Catalogue, read_text, write_text
from tutor.engine.sh.pkg.debindex import parse_relations, suite_index
from tutor.engine.sh.pkg.debversion import compare

NONINTERACTIVE = {"DEBIAN_FRONTEND": "noninteractive"}


def _bookworm() -> FileTree:
    fs = image_tree("debian:bookworm-slim")
    run(apt_get, ["apt-get", "update"], fs)
    return fs


def _install(fs: FileTree, *args: str) -> tuple[int, str, str]:
    proc = run(apt_get, ["apt-get", "install", "-y", *args], fs, env=NONINTERACTIVE)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()  # type: ignore[attr-defined]


def _block(out: str, title: str) -> list[str]:
    """The package names apt lists under `title` (indented lines), none if it is absent."""
    if title not in out:
        return []
    return _indented(out.split(title + "\n", 1)[1])


def _indented(text: str) -> list[str]:
    words: list[str] = []
    for line in text.splitlines():
        if not line.startswith("  "):
            break
        words += line.split()
    return words


def _index():  # type: ignore[no-untyped-def]
    index = suite_index(FakeWorld().packages, "debian/bookworm")
    assert index is not None
    return index


def test_build_essential_pulls_its_whole_toolchain() -> None:
    fs = _bookworm()
    code, out, err = _install(fs, "build-essential")
    assert code == 0, err
    new = _block(out, "The following NEW packages will be installed:")
    assert {"build-essential", "gcc", "gcc-12", "g++", "make", "dpkg-dev", "libc6-dev",
            "binutils", "perl"} <= set(new)
    assert new == sorted(new)
    # `libc6-dev | libc-dev`: the first alternative, a real package, is taken
    assert "libc6-dev" in new
    upgraded = _block(out, "The following packages will be upgraded:")
    counts = re.search(r"^(\d+) upgraded, (\d+) newly installed, 0 to remove and (\d+) not "
                       r"upgraded\.$", out, re.M)
    assert counts and int(counts[1]) == len(upgraded) and int(counts[2]) == len(new)
    # every dependency of every new package is installed now (or provided by one that is)
    status = read_text(fs, "/var/lib/dpkg/status") or ""
    installed = set(re.findall(r"^Package: (\S+)$", status, re.M))
    index = _index()
    provided = {n for name in installed if (p := index.get(name)) for n in p.provided_names()}
    for name in new:
        pkg = index.get(name)
        assert pkg is not None
        for group in parse_relations(pkg.pre_depends) + parse_relations(pkg.depends):
            assert any(a.name in installed | provided for a in group), (name, group)
    assert f"Setting up make ({index.get('make').version}) ..." in out  # type: ignore[union-attr]
    # hand-written entries keep their file lists; the others get files by rule
    assert "/usr/bin/make" in fs and "/usr/bin/gcc-12" in fs
    by_rule = [n for n in new if index.overlay.newest(n) is None]
    assert by_rule and all(f"/usr/share/doc/{n}/copyright" in fs for n in by_rule)


def test_a_dependency_on_a_newer_version_upgrades_the_installed_package() -> None:
    fs = _bookworm()
    code, out, _ = _install(fs, "libc6-dev")
    assert code == 0
    index = _index()
    libc = index.get("libc6")
    assert libc is not None
    before = read_text(image_tree("debian:bookworm-slim"), "/var/lib/dpkg/status") or ""
    old = re.search(r"Package: libc6\n(?:.+\n)*?Version: (\S+)", before)
    assert old is not None
    if compare(libc.version, old[1]) > 0:  # the shipped index is newer than the image
        assert "libc6" in _block(out, "The following packages will be upgraded:")
        assert f"Unpacking libc6:amd64 ({libc.version}) over ({old[1]}) ..." in out


@pytest.mark.parametrize("flag", ["", "--no-install-recommends"], ids=["recommends", "without"])
def test_recommends_are_installed_unless_turned_off(flag: str) -> None:
    fs = _bookworm()
    code, out, _ = _install(fs, *([flag] if flag else []), "python3-pip")
    assert code == 0
    new = set(_block(out, "The following NEW packages will be installed:"))
    assert {"python3-pip", "python3", "python3.11", "libpython3.11-stdlib"} <= new
    if flag:
        # python3-pip recommends build-essential, python3-dev, python3-setuptools, python3-wheel
        assert "build-essential" not in new
        assert {"build-essential", "python3-dev"} <= set(_block(out, "Recommended packages:"))
    else:
        assert {"build-essential", "python3-dev", "gcc"} <= new
        assert "Recommended packages:" not in out


def test_libpq_dev_installs_headers_and_libraries_sized_like_the_packages() -> None:
    fs = _bookworm()
    code, out, _ = _install(fs, "--no-install-recommends", "libpq-dev")
    assert code == 0
    new = _block(out, "The following NEW packages will be installed:")
    assert {"libpq-dev", "libpq5", "libssl-dev"} <= set(new)
    index = _index()
    for name in new:
        pkg = index.get(name)
        assert pkg is not None
        info = f"{name}:amd64" if pkg.multi_arch == "same" else name
        paths = (read_text(fs, f"/var/lib/dpkg/info/{info}.list") or "").split()
        files = [fs.nodes[fs.resolve(p)] for p in paths]
        # a package's files weigh its Installed-Size (KiB, as dpkg counts it)
        assert sum(n.size for n in files if n.type == "file") == pkg.installed, name
    assert any(p.startswith("/usr/lib/x86_64-linux-gnu/libpq.so.5") for p in fs.paths())
    assert any(p.startswith("/usr/include/postgresql/") for p in fs.paths())
    status = read_text(fs, "/var/lib/dpkg/status") or ""
    pq = index.get("libpq5")
    assert pq is not None
    block = status.split("Package: libpq5\n")[1].split("\n\n")[0]
    keys = [line.split(":")[0] for line in block.splitlines()]
    assert keys[:6] == ["Status", "Priority", "Section", "Installed-Size", "Architecture",
                        "Multi-Arch"]
    assert f"Version: {pq.version}" in block and f"Depends: {pq.depends}" in block
    assert "/var/lib/dpkg/info/libpq5:amd64.list" in fs


def test_a_virtual_package_with_one_provider_selects_it() -> None:
    fs = _bookworm()
    code, out, _ = _install(fs, "ack-grep")
    assert code == 0
    assert "Note, selecting 'ack' instead of 'ack-grep'\n" in out
    assert "ack" in _block(out, "The following NEW packages will be installed:")


def test_an_installed_provider_is_marked_but_apt_still_wants_a_choice() -> None:
    code, out, err = _install(_bookworm(), "awk")
    assert code == 100
    assert re.search(r"^  mawk \S+ \[Installed\]$", out, re.M)
    assert err == "E: Package 'awk' has no installation candidate\n"


def test_a_virtual_package_with_several_providers_must_be_chosen() -> None:
    fs = _bookworm()
    code, out, err = _install(fs, "mail-transport-agent")
    assert code == 100
    assert out.splitlines()[3] == "Package mail-transport-agent is a virtual package provided by:"
    assert re.search(r"^  exim4-daemon-light \S+$", out, re.M)
    assert "You should explicitly select one to install." in out
    assert err == "E: Package 'mail-transport-agent' has no installation candidate\n"


@pytest.mark.parametrize("name", ["no-such-package", "libssl3t64", "python3.12"])
def test_unknown_names_fail_as_apt_does(name: str) -> None:
    code, _, err = _install(_bookworm(), name)
    assert (code, err) == (100, f"E: Unable to locate package {name}\n")


def test_a_version_that_does_not_exist_is_refused() -> None:
    code, _, err = _install(_bookworm(), "jq=0.0-1")
    assert (code, err) == (100, "E: Version '0.0-1' for 'jq' was not found\n")
    version = _index().get("jq").version  # type: ignore[union-attr]
    code, out, _ = _install(_bookworm(), f"jq={version}")
    assert code == 0 and f"Setting up jq ({version}) ..." in out


def test_security_updates_come_from_the_security_mirror() -> None:
    index = _index()
    name = next(n for n in ("openssl", "libssl3", "curl", "libcurl4")
                if index.get(n) and index.get(n).pocket == "security")  # type: ignore[union-attr]
    fs = _bookworm()
    _, out, _ = _install(fs, "--no-install-recommends", name)
    assert re.search(rf"^Get:\d+ http://deb.debian.org/debian-security bookworm-security/main "
                     rf"amd64 {re.escape(name)} ", out, re.M)


def test_trixie_and_bullseye_have_their_own_indexes() -> None:
    catalogue = FakeWorld().packages
    versions = {}
    for suite in ("bullseye", "bookworm", "trixie"):
        index = suite_index(catalogue, f"debian/{suite}")
        assert index is not None and len(index) > 50_000
        versions[suite] = index.get("libc6").version  # type: ignore[union-attr]
        assert [w[1] for w in index.meta_lines("index")][:1] == [suite]
    assert versions["bullseye"].startswith("2.31") and versions["bookworm"].startswith("2.36")
    assert versions["trixie"].startswith("2.41")


def test_indexes_load_lazily_and_only_the_suite_apt_needs() -> None:
    catalogue = Catalogue(FakeWorld().packages.assets_dir)

    class World(FakeWorld):
        def __init__(self) -> None:
            self.packages = catalogue

    fs = image_tree("debian:bookworm-slim")
    run(apt_get, ["apt-get", "install", "-y", "jq"], fs, world=World())  # no lists: no index
    assert catalogue._memo == {}
    run(apt_get, ["apt-get", "update"], fs, world=World())
    run(apt_get, ["apt-get", "install", "-y", "jq"], fs, world=World())
    assert list(catalogue._memo) == ["deb:debian/bookworm:amd64"]


def test_arm64_images_fetch_arm64_packages() -> None:
    fs = image_tree("debian:bookworm-slim")
    status = read_text(fs, "/var/lib/dpkg/status") or ""
    write_text(fs, "/var/lib/dpkg/status", status.replace("Architecture: amd64",
                                                          "Architecture: arm64"))
    update = run(apt_get, ["apt-get", "update"], fs).stdout.decode()
    assert "bookworm/main arm64 Packages" in update
    _, out, _ = _install(fs, "--no-install-recommends", "libpq5")
    assert re.search(r"^Get:\d+ \S+ \S+ arm64 libpq5 arm64 ", out, re.M)
    assert "Setting up libpq5:arm64 (" in out
    assert any(p.startswith("/usr/lib/aarch64-linux-gnu/libpq.so.5") for p in fs.paths())


def test_ubuntu_jammy_derives_from_bookworm_with_ubuntu_versions() -> None:
    fs = image_tree("ubuntu:22.04")
    run(apt_get, ["apt-get", "update"], fs)
    code, out, _ = _install(fs, "--no-install-recommends", "netbase")
    assert code == 0
    debian = _index().get("netbase").version  # type: ignore[union-attr]
    assert f"Setting up netbase ({debian}build1) ..." in out
    assert "http://archive.ubuntu.com/ubuntu jammy/main amd64 netbase all" in out


def test_purge_with_auto_remove_takes_the_build_dependencies_away() -> None:
    fs = _bookworm()
    before = set(fs.paths())
    _install(fs, "--no-install-recommends", "gcc", "libpq-dev")
    states = read_text(fs, "/var/lib/apt/extended_states") or ""
    assert "Package: cpp-12\nArchitecture: amd64\nAuto-Installed: 1\n" in states
    assert "Package: gcc\n" not in states  # asked for by name: manually installed
    proc = run(apt_get, ["apt-get", "purge", "-y", "--auto-remove", "gcc", "libpq-dev"], fs)
    out = proc.stdout.decode()  # type: ignore[attr-defined]
    assert proc.returncode == 0  # type: ignore[attr-defined]
    removed = _block(out, "The following packages will be REMOVED:")
    assert {"gcc*", "libpq-dev*", "cpp-12*", "libpq5*"} <= set(removed)
    assert re.search(rf"^0 upgraded, 0 newly installed, {len(removed)} to remove and \d+ not "
                     r"upgraded\.$", out, re.M)
    assert re.search(r"^After this operation, [0-9.]+ MB disk space will be freed\.$", out, re.M)
    assert "Removing gcc (" in out and "Removing libpq5:amd64 (" in out
    status = read_text(fs, "/var/lib/dpkg/status") or ""
    assert "Package: gcc\n" not in status and "Package: libc6\n" in status
    assert "/usr/bin/gcc-12" not in fs
    # what stays is what still-installed packages own (the ones gcc-12 made apt upgrade)
    owned = {path for name in fs.listdir("/var/lib/dpkg/info") if name.endswith(".list")
             for path in (read_text(fs, f"/var/lib/dpkg/info/{name}") or "").split()}
    files = {p for p in fs.paths() if fs.nodes[p].type == "file"}
    leftovers = {p for p in files - before - owned
                 if not p.startswith(("/var/lib/", "/var/cache/"))}
    assert leftovers == set()


def test_remove_of_a_package_that_is_not_installed() -> None:
    proc = run(apt_get, ["apt-get", "remove", "-y", "jq"], _bookworm())
    assert proc.returncode == 0  # type: ignore[attr-defined]
    assert "Package 'jq' is not installed, so not removed\n" in proc.stdout.decode()  # type: ignore[attr-defined]


def test_options_with_values_are_not_package_names() -> None:
    fs = _bookworm()
    proc = run(apt_get, ["apt-get", "-o", "Dpkg::Options::=--force-confold", "install", "-y",
                         "-o", "APT::Install-Recommends=false", "curl:amd64"], fs)
    assert proc.returncode == 0, proc.stderr  # type: ignore[attr-defined]
    assert "ca-certificates" in _block(proc.stdout.decode(), "Recommended packages:")  # type: ignore[attr-defined]
