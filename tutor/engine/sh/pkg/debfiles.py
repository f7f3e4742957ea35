"""The files a Debian package without a hand-written file list installs, by rule.

The indexes carry no file lists (Contents files are ten times their size), so the paths follow
Debian policy's layout from the package's name and section: shared libraries under
`/usr/lib/<triplet>/` named after their soname, headers and a pkg-config file for `-dev`
packages, Python modules under `dist-packages`, Perl modules under `/usr/share/perl5`, data
under `/usr/share/<pkg>`, a program named after the package in `/usr/bin` for a tool, and
always `/usr/share/doc/<pkg>/copyright` and `changelog.Debian.gz`. `file_plan` then spreads the
Installed-Size over the unsized paths, so a layer weighs what the real package does.
"""

from __future__ import annotations

import re

from tutor.engine.sh.pkg.debindex import DebPackage

TRIPLETS = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
# Sections whose packages are programs a learner runs by their name.
_TOOL_SECTIONS = frozenset({
    "admin", "utils", "net", "web", "devel", "editors", "shells", "vcs", "text", "database",
    "httpd", "mail", "interpreters", "python", "javascript", "ruby", "golang", "rust", "java",
    "perl", "php", "graphics", "video", "sound", "science", "math", "misc", "otherosfs",
    "debug", "embedded", "electronics", "hamradio", "news", "x11", "gnome", "kde", "games",
})
_SONAME = re.compile(r"^lib(.+?)-?(\d[\d.]*?)(?:t64|a|c2|v5|gf)?$")


def rule_files(pkg: DebPackage, arch: str = "amd64") -> tuple[str, ...]:
    triplet = TRIPLETS.get(arch, f"{arch}-linux-gnu")
    name = pkg.name
    doc = f"/usr/share/doc/{name}"
    files = [f"{doc}/copyright:1.5K", f"{doc}/changelog.Debian.gz:1K"]
    if pkg.installed_kib <= 8 or pkg.section == "metapackages":
        return tuple(files)  # a metapackage: its documentation is all it installs
    lib = _SONAME.match(name)
    if name.endswith("-dev"):
        base = name[3:-4] if name.startswith("lib") else name[:-4]
        base = re.sub(r"\d[\d.]*$", "", base).rstrip("-.") or base
        files += [
            f"/usr/include/{base}.h",
            f"/usr/lib/{triplet}/lib{base}.a",
            f"/usr/lib/{triplet}/pkgconfig/{base}.pc:300",
            f"/usr/lib/{triplet}/lib{base}.so->lib{base}.so.0",
        ]
    elif name.startswith("python3-"):
        module = name[8:].replace("-", "_")
        files += [f"/usr/lib/python3/dist-packages/{module}/__init__.py"]
    elif name.startswith("lib") and name.endswith("-perl"):
        module = name[3:-5].replace("-", "/")
        files += [f"/usr/share/perl5/{module}.pm"]
    elif lib and pkg.section in ("libs", "oldlibs", "") and not pkg.arch_all:
        base, soversion = lib[1], lib[2]
        files += [f"/usr/lib/{triplet}/lib{base}.so.{soversion}"]
    elif pkg.arch_all or name.endswith(("-data", "-common", "-doc")) or name.startswith("fonts-"):
        files += [f"/usr/share/{name}/{name}.dat"]
    elif pkg.section in _TOOL_SECTIONS:
        files += [f"/usr/bin/{name}"]
    else:
        files += [f"/usr/lib/{triplet}/{name}/{name}.so"]
    return tuple(files)
