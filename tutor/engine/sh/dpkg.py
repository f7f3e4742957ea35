"""`dpkg`, `dpkg-query` and `apt-mark`: queries and marks on Debian's package database.

They read the files apt-get writes and the Debian images carry: `/var/lib/dpkg/status` (one
RFC822 block per package), `/var/lib/dpkg/info/<pkg>.list` (the files a package owns) and
`/var/lib/apt/extended_states` (`Auto-Installed: 1` for packages apt pulled in as dependencies).
Installing a `.deb` with `dpkg -i` is not simulated (the simulated web's `.deb` files are not
Debian archives); everything else official Dockerfiles do with these tools is.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import read_bytes, write_bytes

STATUS = "/var/lib/dpkg/status"
INFO = "/var/lib/dpkg/info"
EXTENDED = "/var/lib/apt/extended_states"


@dataclass
class Installed:
    fields: dict[str, str]
    block: str

    @property
    def name(self) -> str:
        return self.fields.get("Package", "")

    @property
    def version(self) -> str:
        return self.fields.get("Version", "")

    @property
    def arch(self) -> str:
        return self.fields.get("Architecture", "all")

    @property
    def status(self) -> str:
        return self.fields.get("Status", "install ok installed")

    @property
    def summary(self) -> str:
        return self.fields.get("Description", "").split("\n", 1)[0]


def _text(proc: Process, path: str) -> str:
    try:
        return read_bytes(proc, path).decode(errors="replace")
    except FsError:
        return ""


def _parse_blocks(text: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for chunk in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for line in chunk.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            out.append(fields)
    return out


def packages(proc: Process) -> list[Installed]:
    text = _text(proc, STATUS)
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    return [Installed(_parse_blocks(b)[0], b.strip("\n")) for b in blocks if _parse_blocks(b)]


def installed(proc: Process) -> dict[str, Installed]:
    return {p.name: p for p in packages(proc) if p.status.endswith(" installed")}


def architecture(proc: Process) -> str:
    native = _text(proc, "/var/lib/dpkg/arch").split()
    if native:
        return native[0]
    for pkg in packages(proc):
        if pkg.arch != "all":
            return pkg.arch
    return "amd64"


_OPS = {"lt": "<", "le": "<=", "eq": "=", "ne": "!=", "ge": ">=", "gt": ">",
        "<<": "<", "<=": "<=", "=": "=", ">=": ">=", ">>": ">", "<": "<=", ">": ">="}


def _compare_cmd(proc: Process, args: list[str]) -> int:
    if len(args) != 3:
        proc.err("dpkg: error: --compare-versions takes three arguments: <version> "
                 "<relation> <version>\n\nUse --help for help about querying packages.\n")
        return 2
    a, op, b = args
    empty_low = not op.endswith("-nl")
    rel = _OPS.get(op.removesuffix("-nl"))
    if rel is None:
        proc.err(f"dpkg: error: unknown relation '{op}'\n")
        return 2
    for v in (a, b):
        if v and not re.match(r"^(\d+:)?[0-9][A-Za-z0-9.+~:-]*$", v):
            proc.err(f"dpkg: warning: version '{v}' has bad syntax: version number does not "
                     "start with digit\n")
    if not a or not b:
        # An empty version is the oldest, or with -nl the newest.
        c = 0 if a == b else ((-1 if not a else 1) if empty_low else (1 if not a else -1))
    else:
        # imported here: importing the pkg package loads every package manager
        from tutor.engine.sh.pkg.debversion import compare

        c = compare(a, b)
    ok = {"<": c < 0, "<=": c <= 0, "=": c == 0, "!=": c != 0, ">=": c >= 0, ">": c > 0}[rel]
    return 0 if ok else 1


# -- queries ---------------------------------------------------------------------------------

def _not_installed(proc: Process, name: str) -> None:
    proc.err(f"dpkg-query: package '{name}' is not installed and no information is available\n")


def _status_cmd(proc: Process, names: list[str]) -> int:
    if not names:
        proc.err("dpkg-query: error: --status needs at least one package name argument\n\n"
                 "Use --help for help about querying packages.\n")
        return 2
    table = {p.name: p for p in packages(proc)}
    status = 0
    shown = 0
    for name in names:
        pkg = table.get(name.split(":")[0])
        if pkg is None:
            _not_installed(proc, name)
            status = 1
            continue
        if shown:
            proc.out("\n")
        proc.out(pkg.block + "\n")
        shown += 1
    if status:
        proc.err("Use dpkg --info (= dpkg-deb --info) to examine archive files.\n")
    return status


def _list_cmd(proc: Process, patterns: list[str]) -> int:
    pkgs = sorted(packages(proc), key=lambda p: p.name)
    rows: list[tuple[str, str, str, str, str]] = []
    missing = []
    for pattern in patterns or ["*"]:
        found = [p for p in pkgs if fnmatch.fnmatchcase(p.name, pattern)]
        if not found:
            missing.append(pattern)
        for p in found:
            state = p.status.split()
            want = {"install": "i", "hold": "h", "deinstall": "r", "purge": "p"}.get(
                state[0] if state else "", "u")
            now = {"installed": "i", "config-files": "c", "not-installed": "n",
                   "unpacked": "U", "half-configured": "F"}.get(state[-1] if state else "", "n")
            row = (want + now, p.name, p.version, p.arch, p.summary)
            if row not in rows:
                rows.append(row)
    if rows:
        widths = [max(14, *(len(r[i]) for r in rows)) for i in (1, 2, 3)]
        proc.out(
            "Desired=Unknown/Install/Remove/Purge/Hold\n"
            "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n"
            "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n"
            f"||/ {'Name':<{widths[0]}} {'Version':<{widths[1]}} {'Architecture':<{widths[2]}}"
            " Description\n"
            f"+++-{'=' * widths[0]}-{'=' * widths[1]}-{'=' * widths[2]}-"
            f"{'=' * 40}\n")
        for st, name, version, arch, desc in rows:
            proc.out(f"{st}  {name:<{widths[0]}} {version:<{widths[1]}} "
                     f"{arch:<{widths[2]}} {desc}\n")
    for pattern in missing:
        proc.err(f"dpkg-query: no packages found matching {pattern}\n")
    return 1 if missing else 0


def _list_file(proc: Process, name: str) -> str | None:
    for candidate in (name, f"{name}:{architecture(proc)}"):
        text = _text(proc, f"{INFO}/{candidate}.list")
        if text:
            return text
    return None


def _listfiles_cmd(proc: Process, names: list[str]) -> int:
    table = installed(proc)
    status = 0
    for name in names:
        text = _list_file(proc, name)
        if text is None:
            if name in table:
                proc.out("")
                continue
            proc.err(f"dpkg-query: package '{name}' is not installed\n")
            status = 1
            continue
        proc.out(text if text.endswith("\n") else text + "\n")
    if status:
        proc.err("Use dpkg --contents (= dpkg-deb --contents) to list archive files contents.\n")
    return status


def _search_cmd(proc: Process, patterns: list[str]) -> int:
    try:
        names = [n for n in proc.fs.listdir(proc.fs.resolve(INFO)) if n.endswith(".list")]
    except FsError:
        names = []
    owners: dict[str, list[str]] = {}
    for file in sorted(names):
        pkg = file[:-5]
        for path in _text(proc, f"{INFO}/{file}").splitlines():
            owners.setdefault(path, []).append(pkg)
    status = 0
    for pattern in patterns:
        glob = pattern if any(c in pattern for c in "*?[") else f"*{pattern}*"
        if pattern.startswith("/") and not any(c in pattern for c in "*?["):
            glob = pattern
        hits = [(p, o) for p, o in owners.items() if fnmatch.fnmatchcase(p, glob)]
        if not hits:
            proc.err(f"dpkg-query: no path found matching pattern {pattern}\n")
            status = 1
            continue
        for path, pkgs in sorted(hits):
            proc.out(f"{', '.join(pkgs)}: {path}\n")
    return status


_FIELD = re.compile(r"\$\{([^}:;]+)(?::(-?\d+))?\}")


def _show_cmd(proc: Process, fmt: str | None, patterns: list[str]) -> int:
    fmt = fmt if fmt is not None else "${binary:Package}\t${Version}\n"
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t")
    pkgs = sorted(packages(proc), key=lambda p: p.name)
    status = 0
    for pattern in patterns or ["*"]:
        found = [p for p in pkgs if fnmatch.fnmatchcase(p.name, pattern.split(":")[0])]
        if not found:
            proc.err(f"dpkg-query: no packages found matching {pattern}\n")
            status = 1
            continue
        for p in found:
            def field(m: re.Match[str], pkg: Installed = p) -> str:
                key = m.group(1)
                if key == "binary:Package":
                    value = pkg.name
                elif key == "db:Status-Abbrev":
                    value = "ii "
                elif key == "db:Status-Status":
                    value = pkg.status.split()[-1]
                else:
                    value = pkg.fields.get(key, "")
                width = m.group(2)
                if width:
                    w = int(width)
                    value = f"{value:<{w}}" if w > 0 else f"{value:>{-w}}"
                return value

            proc.out(_FIELD.sub(field, fmt))
    return status


def _query(proc: Process, args: list[str], me: str) -> int | None:
    """The query actions dpkg and dpkg-query share; None when `args` asks for none of them."""
    fmt: str | None = None
    rest: list[str] = []
    action = ""
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-f", "--showformat"):
            i += 1
            fmt = args[i] if i < len(args) else ""
        elif a.startswith("--showformat="):
            fmt = a.split("=", 1)[1]
        elif a.startswith("-f") and len(a) > 2:
            fmt = a[2:].removeprefix("=")  # dpkg's option parser drops a `=` after -f
        elif a in ("-s", "--status", "-l", "--list", "-L", "--listfiles", "-S", "--search",
                   "-W", "--show"):
            action = {"--status": "-s", "--list": "-l", "--listfiles": "-L", "--search": "-S",
                      "--show": "-W"}.get(a, a)
        elif a.startswith("--admindir") or a in ("--no-pager",):
            pass
        else:
            rest.append(a)
        i += 1
    if action == "-s":
        return _status_cmd(proc, rest)
    if action == "-l":
        return _list_cmd(proc, rest)
    if action == "-L":
        return _listfiles_cmd(proc, rest)
    if action == "-S":
        if not rest:
            proc.err(f"{me}: error: --search needs at least one file name pattern argument\n")
            return 2
        return _search_cmd(proc, rest)
    if action == "-W":
        return _show_cmd(proc, fmt, rest)
    return None


@program("dpkg-query")
def dpkg_query(proc: Process) -> int:
    result = _query(proc, proc.argv[1:], "dpkg-query")
    if result is None:
        proc.err("dpkg-query: error: need an action option\n\n"
                 "Use --help for help about querying packages.\n")
        return 2
    return result


@program("dpkg")
def dpkg(proc: Process) -> int:
    args = proc.argv[1:]
    if not args:
        proc.err("dpkg: error: need an action option\n\n"
                 "Type dpkg --help for help about installing and deinstalling packages [*];\n"
                 "Use 'apt' or 'aptitude' for user-friendly package management;\n"
                 "Type dpkg -Dhelp for a list of dpkg debug flag values;\n"
                 "Type dpkg --force-help for a list of forcing options;\n"
                 "Type dpkg-deb --help for help about manipulating *.deb files;\n\n"
                 "Options marked [*] produce a lot of output - pipe it through 'less' or "
                 "'more' !\n")
        return 2
    first = args[0]
    if first == "--print-architecture":
        proc.out(architecture(proc) + "\n")
        return 0
    if first == "--print-foreign-architectures":
        for arch in _text(proc, "/var/lib/dpkg/arch").split()[1:]:
            proc.out(arch + "\n")
        return 0
    if first == "--compare-versions":
        return _compare_cmd(proc, args[1:])
    if first in ("--add-architecture", "--remove-architecture") and len(args) == 2:
        arches = _text(proc, "/var/lib/dpkg/arch").split() or [architecture(proc)]
        if first == "--add-architecture" and args[1] not in arches:
            arches.append(args[1])
        elif first == "--remove-architecture" and args[1] in arches[1:]:
            arches.remove(args[1])
        write_bytes(proc, "/var/lib/dpkg/arch", ("\n".join(arches) + "\n").encode())
        return 0
    if first == "--get-selections":
        for p in sorted(installed(proc).values(), key=lambda p: p.name):
            state = "hold" if p.status.startswith("hold") else "install"
            proc.out(f"{p.name}\t\t\t\t\t\t{state}\n")
        return 0
    if first in ("-i", "--install"):
        for name in args[1:]:
            proc.err(f"dpkg-deb: error: '{name}' is not a Debian format archive\n"
                     f"dpkg: error processing archive {name} (--install):\n"
                     " dpkg-deb --control subprocess returned error exit status 2\n")
        proc.err("Errors were encountered while processing:\n" +
                 "".join(f" {n}\n" for n in args[1:]))
        return 1
    if first == "--version":
        proc.out("Debian 'dpkg' package management program version 1.21.22 (amd64).\n")
        return 0
    result = _query(proc, args, "dpkg")
    if result is None:
        proc.err(f"dpkg: error: unknown option {first}\n\n"
                 "Type dpkg --help for help about installing and deinstalling packages [*];\n")
        return 2
    return result


_GNU_TYPES = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu",
              "armhf": "arm-linux-gnueabihf", "i386": "i386-linux-gnu",
              "ppc64el": "powerpc64le-linux-gnu", "s390x": "s390x-linux-gnu"}
_CPUS = {"amd64": "amd64", "arm64": "arm64", "armhf": "arm", "i386": "i386",
         "ppc64el": "ppc64el", "s390x": "s390x"}


@program("dpkg-architecture")
def dpkg_architecture(proc: Process) -> int:
    arch = architecture(proc)
    gnu = _GNU_TYPES.get(arch, f"{arch}-linux-gnu")
    values = {}
    for side in ("BUILD", "HOST", "TARGET"):
        values.update({
            f"DEB_{side}_ARCH": arch, f"DEB_{side}_ARCH_ABI": "base",
            f"DEB_{side}_ARCH_BITS": "64", f"DEB_{side}_ARCH_CPU": _CPUS.get(arch, arch),
            f"DEB_{side}_ARCH_ENDIAN": "little", f"DEB_{side}_ARCH_LIBC": "gnu",
            f"DEB_{side}_ARCH_OS": "linux", f"DEB_{side}_GNU_CPU": gnu.split("-")[0],
            f"DEB_{side}_GNU_SYSTEM": "linux-gnu", f"DEB_{side}_GNU_TYPE": gnu,
            f"DEB_{side}_MULTIARCH": gnu,
        })
    args = proc.argv[1:]
    query = None
    for i, a in enumerate(args):
        if a in ("-q", "--query") and i + 1 < len(args):
            query = args[i + 1]
        elif a.startswith("-q") and len(a) > 2:
            query = a[2:]
        elif a.startswith("--query="):
            query = a.split("=", 1)[1]
    if query is not None:
        if query not in values:
            proc.err(f"dpkg-architecture: error: unknown variable {query}\n")
            return 2
        proc.out(values[query] + "\n")
        return 0
    proc.out("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
    return 0


# -- apt-mark ----------------------------------------------------------------------------------

def _auto_set(proc: Process) -> set[str]:
    return {f["Package"] for f in _parse_blocks(_text(proc, EXTENDED))
            if f.get("Auto-Installed") == "1" and "Package" in f}


def _write_auto(proc: Process, auto: set[str], arches: dict[str, str]) -> None:
    blocks = [f"Package: {n}\nArchitecture: {arches.get(n, 'amd64')}\nAuto-Installed: 1\n"
              for n in sorted(auto)]
    proc.fs.makedirs("/var/lib/apt")
    write_bytes(proc, EXTENDED, "\n".join(blocks).encode())


def _select(proc: Process, names: list[str], table: dict[str, Installed]) -> list[str] | str:
    """Installed packages named or matched (apt takes names with regex characters as regular
    expressions); the first name that matches nothing otherwise."""
    chosen: list[str] = []
    for name in names:
        base = name.split(":")[0]
        if base in table:
            chosen.append(base)
            continue
        if any(c in base for c in ".?+*|[^$"):
            try:
                rx = re.compile(base)
            except re.error:
                return name
            matched = [n for n in sorted(table) if rx.search(n)]
            if matched:
                chosen.extend(m for m in matched if m not in chosen)
                continue
            return name
        return name
    return chosen


def _set_hold(proc: Process, names: list[str], hold: bool) -> None:
    blocks = []
    for pkg in packages(proc):
        block = pkg.block
        if pkg.name in names:
            old = pkg.status
            state = old.split()
            state[0] = "hold" if hold else "install"
            block = block.replace(f"Status: {old}", "Status: " + " ".join(state), 1)
        blocks.append(block)
    write_bytes(proc, STATUS, ("\n\n".join(blocks) + "\n").encode())


@program("apt-mark")
def apt_mark(proc: Process) -> int:
    args = [a for a in proc.argv[1:] if not a.startswith("-")]
    if not args:
        proc.out("apt 2.6.1 (amd64)\nUsage: apt-mark [options] {auto|manual} pkg1 [pkg2 ...]\n")
        return 0
    command, names = args[0], args[1:]
    table = installed(proc)
    auto = _auto_set(proc) & set(table)
    if command in ("showauto", "showmanual", "showhold", "showinstall"):
        if command == "showauto":
            shown = sorted(auto)
        elif command == "showmanual":
            shown = sorted(set(table) - auto)
        elif command == "showhold":
            shown = sorted(n for n, p in table.items() if p.status.startswith("hold"))
        else:
            shown = sorted(table)
        if names:
            shown = [n for n in shown if n in names]
        proc.out("".join(f"{n}\n" for n in shown))
        return 0
    if command not in ("auto", "manual", "hold", "unhold", "install", "minimize-manual"):
        proc.err(f"E: Invalid operation {command}\n")
        return 100
    if command == "minimize-manual":
        return 0
    if not names:
        proc.err("E: No packages found\n")
        return 100
    chosen = _select(proc, names, table)
    if isinstance(chosen, str):
        proc.err(f"E: Unable to locate package {chosen}\n")
        return 100
    if proc.uid != 0:
        proc.err("E: Could not create temporary file for /var/lib/apt/extended_states - mkstemp "
                 "(13: Permission denied)\nE: Failed to write temporary StateFile "
                 "/var/lib/apt/extended_states\n")
        return 100
    arches = {n: p.arch for n, p in table.items()}
    if command in ("auto", "manual"):
        for name in chosen:
            is_auto = name in auto
            if command == "auto":
                proc.out(f"{name} was already set to automatically installed.\n" if is_auto
                         else f"{name} set to automatically installed.\n")
                auto.add(name)
            else:
                proc.out(f"{name} set to manually installed.\n" if is_auto
                         else f"{name} was already set to manually installed.\n")
                auto.discard(name)
        _write_auto(proc, auto, arches)
        return 0
    held = {n for n, p in table.items() if p.status.startswith("hold")}
    for name in chosen:
        if command == "hold":
            proc.out(f"{name} was already set on hold.\n" if name in held
                     else f"{name} set on hold.\n")
        elif command == "unhold":
            proc.out(f"Canceled hold on {name}.\n" if name in held
                     else f"{name} was already not on hold.\n")
    _set_hold(proc, chosen, command == "hold")
    return 0
