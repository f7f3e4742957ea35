"""`apt-get remove`, `purge`, `autoremove` and `--auto-remove`: what leaves the image again.

Removing a package also removes the installed packages that depend on it; `autoremove` removes
the automatically installed packages (see `aptstate`) that no manually installed package needs
through Depends, Pre-Depends or Recommends (apt keeps what is recommended by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg import aptstate
from tutor.engine.sh.pkg.catalogue import list_dir, read_text, remove_file, write_text
from tutor.engine.sh.pkg.debindex import parse_relations

STATUS = "/var/lib/dpkg/status"
INFO = "/var/lib/dpkg/info"


@dataclass(frozen=True, slots=True)
class Installed:
    name: str
    version: str
    arch: str
    size: int  # bytes
    depends: str
    recommends: str
    essential: bool
    multi_arch: str


def parse(block: str) -> Installed:
    fields: dict[str, str] = {}
    for line in block.splitlines():
        key, _, value = line.partition(":")
        if value and not line.startswith(" "):
            fields[key] = value.strip()
    kib = fields.get("Installed-Size", "0")
    depends = ", ".join(v for v in (fields.get("Pre-Depends", ""), fields.get("Depends", "")) if v)
    return Installed(
        name=fields.get("Package", ""),
        version=fields.get("Version", ""),
        arch=fields.get("Architecture", ""),
        size=int(kib) * 1024 if kib.isdigit() else 0,
        depends=depends,
        recommends=fields.get("Recommends", ""),
        essential=fields.get("Essential") == "yes",
        multi_arch=fields.get("Multi-Arch", ""),
    )


def _needs(pkg: Installed, recommends: bool = True) -> set[str]:
    text = pkg.depends + (", " + pkg.recommends if recommends and pkg.recommends else "")
    return {alt.name for group in parse_relations(text) for alt in group}


def doomed_by(names: list[str], installed: dict[str, Installed]) -> list[str]:
    """`names` and every installed package that (transitively) depends on one of them."""
    doomed = [n for n in names if n in installed]
    changed = True
    while changed:
        changed = False
        for pkg in installed.values():
            if pkg.name in doomed:
                continue
            groups = parse_relations(pkg.depends)
            if any(all(alt.name in doomed for alt in group) for group in groups):
                doomed.append(pkg.name)
                changed = True
    return doomed


def unneeded(installed: dict[str, Installed], auto: dict[str, str], gone: set[str]) -> list[str]:
    """Auto-installed packages nothing manually installed (and staying) needs."""
    keep: set[str] = set()
    todo = [n for n in installed if n not in auto and n not in gone]
    while todo:
        name = todo.pop()
        if name in keep or name in gone:
            continue
        keep.add(name)
        pkg = installed.get(name)
        if pkg is not None:
            todo.extend(n for n in _needs(pkg) if n in installed)
    return sorted(n for n in installed if n in auto and n not in keep and n not in gone)


def remove(proc: Process, status: dict[str, str], names: list[str], purge: bool) -> list[str]:
    """Delete the packages' files and database entries; the lines dpkg prints for it."""
    lines: list[str] = []
    for name in names:
        pkg = parse(status[name])
        lines.append(f"Removing {_display(pkg)} ({pkg.version}) ...\n")
        for info in (f"{name}:{pkg.arch}", name):
            list_file = f"{INFO}/{info}.list"
            if list_file in proc.fs:
                for path in (read_text(proc.fs, list_file) or "").split():
                    remove_file(proc.fs, path)
                remove_file(proc.fs, list_file)
        del status[name]
        proc.spend(pkg.size / 300e6 + 0.02)
    if any(n.startswith("lib") for n in names) and "libc-bin" in status:
        lines.append(
            f"Processing triggers for libc-bin ({parse(status['libc-bin']).version}) ...\n"
        )
    write_text(proc.fs, STATUS, "\n\n".join(status.values()) + "\n")
    auto = aptstate.auto_installed(proc.fs)
    if any(n in auto for n in names):
        aptstate.save(proc.fs, {n: a for n, a in auto.items() if n not in names})
    del purge  # no package here has configuration files left to purge
    return lines


def _display(pkg: Installed) -> str:
    """dpkg names a Multi-Arch: same package with its architecture (the image's entries may
    lack the field: then a library is taken to be one)."""
    same = pkg.multi_arch == "same" or (not pkg.multi_arch and pkg.name.startswith("lib"))
    return f"{pkg.name}:{pkg.arch}" if same and pkg.arch != "all" else pkg.name


def database_size(proc: Process) -> int:
    paths: set[str] = set()
    for name in list_dir(proc.fs, INFO):
        if name.endswith(".list"):
            paths.update((read_text(proc.fs, f"{INFO}/{name}") or "").split())
    return len(paths) or len(proc.fs)
