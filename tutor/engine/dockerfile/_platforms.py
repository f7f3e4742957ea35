"""Platform specifiers (`linux/arm64`, `linux/arm/v7`) as BuildKit reads them.

Needed for `--platform`, `FROM --platform=…` and the TARGET*/BUILD* build args. OS-version and
OS-feature suffixes (`windows(10.0.17763)`) are parsed but the simulated engine builds Linux only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from tutor.engine.dockerfile._go import GoError
from tutor.engine.dockerfile._gotext import quote


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""
    os_version: str = ""

    def format(self) -> str:
        """containerd's `Format`: `os/arch[/variant]`."""
        if not self.os:
            return "unknown"
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def format_all(self) -> str:
        """containerd's `FormatAll`: `Format` plus an `(os-version)` suffix when there is one."""
        if not self.os_version:
            return self.format()
        version = self.os_version
        for raw, encoded in (("%", "%25"), ("+", "%2B"), ("(", "%28"), (")", "%29"), ("/", "%2F")):
            version = version.replace(raw, encoded)
        return "/".join(p for p in (f"{self.os}({version})", self.architecture, self.variant) if p)


_KNOWN_OS = frozenset({"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios",
                       "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows",
                       "zos"})
_KNOWN_ARCH = frozenset({"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64",
                         "ppc64le", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32",
                         "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc",
                         "sparc64", "wasm"})
# containerd's expressions as Go spells them: its messages quote them.
_SPECIFIER_GO = r"^[A-Za-z0-9_.-]+$"
_OS_GO = r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$"
_SPECIFIER = re.compile(_SPECIFIER_GO[:-1] + r"\Z")
_OS = re.compile(_OS_GO[:-1] + r"\Z")


def normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", {"8": "", "v8": "", "v8.0": "", "9": "v9", "9.0": "v9",
                         "v9.0": "v9"}.get(variant, variant)
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        return "arm", {"": "v7", "7": "v7", "5": "v5", "6": "v6", "8": "v8"}.get(variant, variant)
    return arch, variant


def normalize(platform: Platform) -> Platform:
    os = platform.os.lower() or "linux"
    arch, variant = normalize_arch(platform.architecture, platform.variant)
    return Platform("darwin" if os == "macos" else os, arch, variant, platform.os_version)


def parse_platform(specifier: str, host: Platform) -> Platform:
    """containerd's `platforms.Parse`; `host` fills in what a one-word specifier leaves out.

    Raises `GoError` with containerd's message.
    """
    invalid = "invalid argument"
    if "*" in specifier:
        raise GoError(f"{quote(specifier)}: wildcards not yet supported: {invalid}")
    parts = specifier.split("/", 3)
    found = _OS.match(parts[0])
    if found is None:
        raise GoError(f"{quote(parts[0])} is an invalid OS component of {quote(specifier)}: "
                      "OSAndVersion specifier component must match "
                      f"{quote(_OS_GO)}: {invalid}")
    os = found.group(1).lower()
    os = "darwin" if os == "macos" else os
    os_version = unquote(found.group(2) or "")
    for part in parts[1:]:
        if not _SPECIFIER.match(part):
            raise GoError(f"{quote(part)} is an invalid component of {quote(specifier)}: "
                          "platform specifier component must match "
                          f"{quote(_SPECIFIER_GO)}: {invalid}")
    if len(parts) == 1:
        if os in _KNOWN_OS:
            return Platform(os, host.architecture, host.variant if host.architecture == "arm"
                            and host.variant != "v7" else "", os_version)
        arch, variant = normalize_arch(parts[0], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        if arch in _KNOWN_ARCH:
            return Platform(host.os, arch, variant, os_version)
        raise GoError(f"{quote(specifier)}: unknown operating system or architecture: {invalid}")
    if len(parts) == 2:
        arch, variant = normalize_arch(parts[1], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        return Platform(os, arch, variant, os_version)
    if len(parts) == 3:
        arch, variant = normalize_arch(parts[1], parts[2])
        if arch == "arm64" and not variant:
            variant = "v8"
        return Platform(os, arch, variant, os_version)
    raise GoError(f"{quote(specifier)}: cannot parse platform specifier: {invalid}")
