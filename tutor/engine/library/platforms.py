"""Official-images architecture names as OCI platforms (docker-library/official-images README,
"Architectures other than amd64?": amd64, arm32v5, arm32v6, arm32v7, arm64v8, i386, mips64le,
ppc64le, riscv64, s390x, windows-amd64)."""

from __future__ import annotations

from tutor.engine.catalogue import Platform

ARCHITECTURES: dict[str, Platform] = {
    "amd64": Platform("linux", "amd64"),
    "arm64v8": Platform("linux", "arm64", "v8"),
    "arm32v7": Platform("linux", "arm", "v7"),
    "arm32v6": Platform("linux", "arm", "v6"),
    "arm32v5": Platform("linux", "arm", "v5"),
    "i386": Platform("linux", "386"),
    "ppc64le": Platform("linux", "ppc64le"),
    "s390x": Platform("linux", "s390x"),
    "riscv64": Platform("linux", "riscv64"),
    "mips64le": Platform("linux", "mips64le"),
    "windows-amd64": Platform("windows", "amd64"),
}
"""Windows images are listed (a Linux pull of a Windows-only tag then says `no matching
manifest`, as Docker does) but never built: the simulated engine runs Linux containers."""


def platforms_of(architectures: tuple[str, ...]) -> tuple[Platform, ...]:
    """The platforms an image lists, amd64 first as registries order them."""
    found = [ARCHITECTURES[a] for a in architectures if a in ARCHITECTURES]
    order = list(ARCHITECTURES.values())
    return tuple(sorted(dict.fromkeys(found), key=order.index))
