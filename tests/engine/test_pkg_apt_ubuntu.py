"""apt-get against Ubuntu 24.04 "noble": suite chosen from the image's deb822 sources, t64 names."""

from __future__ import annotations

import pytest

from tests.engine.catalogue_images import image_tree
from tests.engine.pkg_helpers import FakeWorld, run
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg.apt import apt_get
from tutor.engine.sh.pkg.catalogue import read_text


def test_update_then_install_curl_in_the_real_image() -> None:
    fs = image_tree("ubuntu:24.04")
    result = run_script("apt-get update && apt-get install -y curl", fs=fs,
                        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, cwd="/",
                        world=FakeWorld())  # type: ignore[arg-type]
    out = result.stdout.decode().splitlines()
    assert result.exit_code == 0, result.stderr
    assert out[0] == "Get:1 http://archive.ubuntu.com/ubuntu noble InRelease [256 kB]"
    assert "Get:2 http://security.ubuntu.com/ubuntu noble-security InRelease [126 kB]" in out
    assert ("Get:5 http://archive.ubuntu.com/ubuntu noble/universe amd64 Packages [19.3 MB]"
            in out)
    assert any(line.startswith("Get:") and line.endswith(
        "http://archive.ubuntu.com/ubuntu noble/main amd64 curl amd64 8.5.0-2ubuntu10.6 [227 kB]")
        for line in out)
    assert "Setting up libcurl4t64:amd64 (8.5.0-2ubuntu10.6) ..." in out
    assert "Processing triggers for libc-bin (2.39-0ubuntu8.3) ..." in out
    assert "/usr/bin/curl" in fs and "/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0" in fs
    lists = [p for p in fs.paths() if p.startswith("/var/lib/apt/lists/archive.ubuntu.com")]
    # docker-gzip-indexes keeps the lists compressed; docker-clean drops the downloaded .debs
    main = "archive.ubuntu.com_ubuntu_dists_noble_main_binary-amd64_Packages.lz4"
    assert f"/var/lib/apt/lists/{main}" in lists
    assert not [p for p in fs.paths() if p.startswith("/var/cache/apt/archives/") and p.endswith(
        ".deb")]


def test_the_image_ships_apts_tools_and_the_container_config() -> None:
    fs = image_tree("ubuntu:24.04")
    for tool in ("apt", "apt-get", "apt-cache", "apt-config", "apt-mark"):
        assert f"/usr/bin/{tool}" in fs
    languages = read_text(fs, "/etc/apt/apt.conf.d/docker-no-languages")
    assert languages == 'Acquire::Languages "none";\n'
    assert "Dir::Cache::pkgcache" in (read_text(fs, "/etc/apt/apt.conf.d/docker-clean") or "")
    status = read_text(fs, "/var/lib/dpkg/status") or ""
    assert status.count("Package: ") == 89
    assert "Package: libssl3t64\n" in status and "Package: perl-base\n" in status


@pytest.mark.parametrize(
    ("args", "new"),
    [
        (["curl"], "ca-certificates curl krb5-locales libbrotli1 libcurl4t64 libgssapi-krb5-2 "
         "libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libldap-common libldap2 "
         "libnghttp2-14 libpsl5t64 librtmp1 libsasl2-2 libsasl2-modules libsasl2-modules-db "
         "libssh-4 openssl publicsuffix"),
        (["--no-install-recommends", "curl"], "curl libbrotli1 libcurl4t64 libgssapi-krb5-2 "
         "libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libldap2 libnghttp2-14 libpsl5t64 "
         "librtmp1 libsasl2-2 libsasl2-modules-db libssh-4"),
        (["jq"], "jq libjq1 libonig5"),
        (["python3"], "libexpat1 libpython3-stdlib libpython3.12-minimal libpython3.12-stdlib "
         "libreadline8t64 libsqlite3-0 media-types netbase python3 python3-minimal python3.12 "
         "python3.12-minimal readline-common tzdata"),
    ],
    ids=["curl", "curl-no-recommends", "jq", "python3"],
)
def test_new_packages_match_noble(args: list[str], new: str) -> None:
    fs = image_tree("ubuntu:24.04")
    run(apt_get, ["apt-get", "update"], fs)
    proc = run(apt_get, ["apt-get", "install", "-y", *args], fs,
               env={"DEBIAN_FRONTEND": "noninteractive"})
    out = proc.stdout.decode()
    assert proc.returncode == 0
    listed = out.split("The following NEW packages will be installed:\n")[1].split("0 upgraded")[0]
    assert listed.split() == new.split()
    assert f"0 upgraded, {len(new.split())} newly installed, 0 to remove and 0 not upgraded." \
        in out


@pytest.mark.parametrize("name", ["libssl3", "libcurl4", "libpsl5"], ids=lambda n: n)
def test_pre_t64_names_are_gone(name: str) -> None:
    fs = image_tree("ubuntu:24.04")
    run(apt_get, ["apt-get", "update"], fs)
    proc = run(apt_get, ["apt-get", "install", "-y", name], fs)
    assert (proc.returncode, proc.stderr.decode()) == (100, f"E: Unable to locate package {name}\n")
