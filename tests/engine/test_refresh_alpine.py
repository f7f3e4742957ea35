"""refresh_alpine.py reads APKBUILDs as abuild would: expansions, subpackages, x86_64 only."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "assets" / "packages" / "refresh_alpine.py"

APKBUILD = '''\
# Maintainer: someone
pkgname=demo
_pkgreal=Demo
pkgver=2.4_rc1
_ver=${pkgver/_/-}
pkgrel=3
pkgdesc="A demo
	server"
arch="all"
depends="$pkgname-common=$pkgver-r$pkgrel so:libc.musl-x86_64.so.1 !old-demo"
makedepends="apr-dev openssl-dev linux-headers"
install="$pkgname.pre-install $pkgname-ssl.post-install"
subpackages="$pkgname-doc $pkgname-dev $pkgname-openrc $pkgname-ssl
	$pkgname-common::noarch $pkgname-tools:_tools"
source="https://example.org/$_pkgreal-${_ver%-*}.tar.gz"
if [ -n "$BOOTSTRAP" ]; then
	pkgname=demo-bootstrap
fi
case "$CARCH" in
x86_64|aarch64)
	subpackages="$subpackages $pkgname-jit"
	;;
armhf)
	depends="nothing-here"
	;;
esac

package() {
	make DESTDIR="$pkgdir" install
	install -Dm755 "$srcdir"/$pkgname.initd "$pkgdir"/etc/init.d/$pkgname
	install -Dm644 demo.conf "$pkgdir"/etc/demo/demo.conf
}

ssl() {
	pkgdesc="SSL module for demo"
	depends="$pkgname openssl"
	mv "$pkgdir"/usr/lib/demo/mod_ssl.so \\
		"$subpkgdir"/usr/lib/demo/
}

_tools() {
	amove usr/bin/democtl usr/share/demo/*
}
'''


@cache
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_alpine", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["refresh_alpine"] = module
    spec.loader.exec_module(module)
    return module


def _packages() -> dict[str, object]:
    made, devs = script().binaries(script().parse(APKBUILD, "demo"), "m")
    assert devs == ["apr-dev", "openssl-dev"]
    return {p.name: p for p in made}


def test_expansions_versions_and_descriptions() -> None:
    build = script().parse(APKBUILD, "demo")
    assert build.env["_ver"] == "2.4-rc1"
    assert build.env["source"] == "https://example.org/Demo-2.4.tar.gz"
    demo = _packages()["demo"]
    assert demo.version == "2.4_rc1-r3"  # type: ignore[attr-defined]
    assert demo.description == "A demo server"  # type: ignore[attr-defined]
    # versions, `so:` names and conflicts are not package names
    assert demo.depends == ["demo-common"]  # type: ignore[attr-defined]


def test_subpackages_their_functions_and_the_x86_64_arm_of_a_case() -> None:
    packages = _packages()
    assert set(packages) == {"demo", "demo-doc", "demo-dev", "demo-openrc", "demo-ssl",
                             "demo-common", "demo-tools", "demo-jit"}
    ssl = packages["demo-ssl"]
    assert ssl.origin == "demo" and ssl.description == "SSL module for demo"  # type: ignore[attr-defined]
    assert ssl.depends == ["demo", "openssl"]  # type: ignore[attr-defined]
    assert ssl.scripts == ["post-install"]  # type: ignore[attr-defined]
    assert packages["demo"].scripts == ["pre-install"]  # type: ignore[attr-defined]
    assert packages["demo-dev"].depends == ["demo"]  # type: ignore[attr-defined]


def test_placed_files_go_to_the_package_that_ends_up_with_them() -> None:
    packages = _packages()
    assert packages["demo-ssl"].files == ["/usr/lib/demo/mod_ssl.so"]  # type: ignore[attr-defined]
    assert packages["demo-tools"].files == ["/usr/bin/democtl"]  # a glob is not listed
    assert packages["demo-openrc"].files == ["/etc/init.d/demo"]  # type: ignore[attr-defined]
    assert packages["demo"].files == ["/etc/demo/demo.conf"]  # type: ignore[attr-defined]


def test_packages_not_built_for_x86_64_are_left_out() -> None:
    for arch in ('"aarch64 armv7"', '"all !x86_64"'):
        text = APKBUILD.replace('arch="all"', f"arch={arch}")
        made, _ = script().binaries(script().parse(text, "demo"), "m")
        assert made == []
