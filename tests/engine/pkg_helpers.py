"""Small trees and a world for driving the package managers directly through `Process`."""

from __future__ import annotations

from pathlib import Path

from tutor.engine.fs import FileTree
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import Catalogue, write_text

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "packages"


# One catalogue for every test: it is read-only, and a full suite index loads in about a second.
_SHARED = Catalogue(ASSETS)


class FakeWorld:
    """A network that reaches the shipped package repositories and nothing else."""

    def __init__(self) -> None:
        self.packages = _SHARED

    def fetch_url(self, url: str) -> bytes | None:
        return None


def run(fn, argv: list[str], fs: FileTree, *, world: object = "default", env=None) -> Process:  # type: ignore[no-untyped-def]
    proc = Process(
        list(argv), fs, dict(env or {}), world=FakeWorld() if world == "default" else world
    )  # type: ignore[arg-type]
    proc.argv = list(argv)
    proc.returncode = fn(proc)  # type: ignore[attr-defined]
    return proc


def alpine_tree(release: str = "v3.21") -> FileTree:
    fs = FileTree()
    base = "https://dl-cdn.alpinelinux.org/alpine"
    write_text(fs, "/etc/apk/repositories", f"{base}/{release}/main\n{base}/{release}/community\n")
    write_text(fs, "/etc/apk/world", "alpine-baselayout\nbusybox\n")
    write_text(
        fs,
        "/lib/apk/db/installed",
        "C:Q1abc=\nP:musl\nV:1.2.5-r9\nA:x86_64\nS:403000\nI:684000\nT:libc\nF:lib\n"
        "R:ld-musl-x86_64.so.1\n\n"
        "C:Q1def=\nP:busybox\nV:1.37.0-r12\nA:x86_64\nS:507000\nI:808000\nT:bb\nD:musl\n"
        "F:bin\nR:busybox\n\n"
        "C:Q1ghi=\nP:alpine-baselayout\nV:3.6.8-r1\nA:x86_64\nS:8700\nI:8000\nT:base\n\n",
    )
    return fs


DEBIAN_SOURCES = (
    "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n"
    "Components: main\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\n"
    "Suites: bookworm-security\nComponents: main\n"
)
DOCKER_CLEAN = (
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
    '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
    'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
)


def debian_tree(docker_clean: bool = True) -> FileTree:
    fs = FileTree()
    write_text(fs, "/etc/apt/sources.list.d/debian.sources", DEBIAN_SOURCES)
    write_text(fs, "/etc/apt/apt.conf.d/docker-gzip-indexes", 'Acquire::GzipIndexes "true";\n')
    if docker_clean:
        write_text(fs, "/etc/apt/apt.conf.d/docker-clean", DOCKER_CLEAN)
    status = "".join(
        f"Package: {name}\nStatus: install ok installed\nVersion: {version}\n\n"
        for name, version in (
            ("libc6", "2.36-9+deb12u9"),
            ("libc-bin", "2.36-9+deb12u9"),
            ("zlib1g", "1:1.2.13.dfsg-1"),
            ("libzstd1", "1.5.4+dfsg2-5"),
            ("libgnutls30", "3.7.9-2+deb12u3"),
            ("libidn2-0", "2.3.3-1+b1"),
            ("libunistring2", "1.0-2"),
        )
    )
    write_text(fs, "/var/lib/dpkg/status", status)
    fs.makedirs("/var/lib/apt/lists/partial")
    return fs
