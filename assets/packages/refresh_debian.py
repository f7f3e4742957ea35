#!/usr/bin/env python3
"""Turn apt's downloaded list files into the compact package indexes the simulated apt reads.

Usage (in the project's environment, whose dpkg version ordering it shares with the engine;
see SOURCES.md for how the list files are fetched without touching the system's apt state):

    python3 refresh_debian.py LISTS_DIR OUT_DIR [SUITE ...]

For every suite (default: trixie bookworm bullseye) it merges `SUITE/main`, `SUITE-updates/main`
and `SUITE-security/main` as apt does (the highest version of a name wins) and writes
`OUT_DIR/debian/SUITE.tsv.xz` (amd64) plus `OUT_DIR/debian/SUITE-arm64.tsv.xz`, a small delta
(names missing on arm64 and arm64-only packages; everything else is taken from amd64).

Each data file starts with `#` header lines (suite, release date, the sha256 and size of every
list file it was made from), `@index` lines (what `apt-get update` fetches, with real sizes from
the Release file), `@provides VIRTUAL PKG...` lines and then one tab-separated line per package:

    name version flags priority section installed_kib size depends pre_depends recommends
    suggests provides source description

`flags`: `a` Architecture: all, `e` Essential: yes, `s`/`f` Multi-Arch: same/foreign, `U`/`S`
from the -updates/-security pocket. `priority` is the first letter of Priority. Relation fields
keep Debian's syntax (`a (>= 1) | b, c`); `source` is empty when it equals the name.
"""

from __future__ import annotations

import hashlib
import lzma
import sys
from pathlib import Path

# dpkg's version ordering, as the engine's apt compares versions (run from the project's venv)
from tutor.engine.sh.pkg.debversion import compare

HOSTS = {
    "main": "http://deb.debian.org/debian",
    "updates": "http://deb.debian.org/debian",
    "security": "http://deb.debian.org/debian-security",
}
FIELDS = (
    "Depends",
    "Pre-Depends",
    "Recommends",
    "Suggests",
    "Provides",
)
# Virtual names left out of the `@provides` table (see provides_lines).
SCANNED_VIRTUALS = ("librust-", "libghc-", "node-")
# With `Acquire::GzipIndexes` (the official images' docker-gzip-indexes) apt keeps each list
# lz4-compressed on disk; lz4 is not in the standard library, so its size is estimated from the
# gzip size the Release file states (lz4 output of these lists is ~1.5 times gzip's).
LZ4_PER_GZIP = 1.52


def list_name(uri: str, path: str) -> str:
    return uri.split("://", 1)[1].replace("/", "_") + "_dists_" + path.replace("/", "_")


def stanzas(path: Path) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                if current:
                    found.append(current)
                current = {}
                continue
            if line[0] in " \t":
                continue  # continuation lines: only the Description's long part has them here
            key, _, value = line.partition(":")
            current[key] = value.strip()
    if current:
        found.append(current)
    return found


# -- one suite ---------------------------------------------------------------------------------


def release_info(lists: Path, uri: str, suite: str) -> tuple[str, dict[str, tuple[str, int]]]:
    """The Release file's date and its sha256/size table."""
    text = (lists / list_name(uri, f"{suite}/InRelease")).read_text(errors="replace")
    date = next((ln[6:] for ln in text.splitlines() if ln.startswith("Date: ")), "")
    table: dict[str, tuple[str, int]] = {}
    in_sha = False
    for line in text.splitlines():
        if line.startswith("SHA256:"):
            in_sha = True
            continue
        if in_sha and line.startswith(" "):
            digest, size, name = line.split()
            table[name] = (digest, int(size))
        elif in_sha:
            in_sha = False
    return date, table


def pockets(suite: str) -> list[tuple[str, str, str]]:
    return [
        ("main", HOSTS["main"], suite),
        ("updates", HOSTS["updates"], f"{suite}-updates"),
        ("security", HOSTS["security"], f"{suite}-security"),
    ]


def merged(lists: Path, suite: str, arch: str) -> tuple[dict[str, tuple[str, dict[str, str]]],
                                                         list[str], list[str]]:
    packages: dict[str, tuple[str, dict[str, str]]] = {}
    header: list[str] = []
    index_lines: list[str] = []
    for pocket, uri, name in pockets(suite):
        path = lists / list_name(uri, f"{name}/main/binary-{arch}/Packages")
        if not path.is_file():
            continue
        inrelease = lists / list_name(uri, f"{name}/InRelease")
        date, table = release_info(lists, uri, name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rows = stanzas(path)
        header.append(
            f"#list {uri} {name}/main binary-{arch} date={date.replace(' ', '_')} "
            f"sha256={digest} packages={len(rows)}"
        )
        xz = table.get(f"main/binary-{arch}/Packages.xz", (digest, path.stat().st_size))[1]
        gz = table.get(f"main/binary-{arch}/Packages.gz", (digest, path.stat().st_size))[1]
        release_size = inrelease.stat().st_size
        index_lines.append(f"@index {uri} {name} InRelease {release_size} {release_size}")
        index_lines.append(
            f"@index {uri} {name}/main {arch} Packages {xz} {round(gz * LZ4_PER_GZIP)}"
        )
        for row in rows:
            pkg = row.get("Package", "")
            old = packages.get(pkg)
            if old is None or compare(row.get("Version", ""), old[1]["Version"]) > 0:
                packages[pkg] = (pocket, row)
    # apt prints the InRelease lines first, then the Packages lines.
    index_lines.sort(key=lambda ln: "InRelease" not in ln)
    return packages, header, index_lines


def clean(value: str) -> str:
    return value.replace("\t", " ")


def row_line(pocket: str, row: dict[str, str]) -> str:
    flags = ""
    if row.get("Architecture") == "all":
        flags += "a"
    if row.get("Essential") == "yes":
        flags += "e"
    multi = row.get("Multi-Arch", "")
    if multi in ("same", "foreign"):
        flags += multi[0]
    flags += {"updates": "U", "security": "S"}.get(pocket, "")
    source = row.get("Source", "")
    if source.split(" ")[0] == row["Package"] and "(" not in source:
        source = ""
    cols = [
        row["Package"],
        row.get("Version", ""),
        flags,
        row.get("Priority", "optional")[:1],
        row.get("Section", ""),
        row.get("Installed-Size", "0"),
        row.get("Size", "0"),
        *(row.get(f, "") for f in FIELDS),
        source,
        row.get("Description", ""),
    ]
    return "\t".join(clean(c) for c in cols)


def provides_lines(packages: dict[str, tuple[str, dict[str, str]]]) -> list[str]:
    """`@provides VIRTUAL PKG…`: who provides each purely virtual name (apt only looks for
    providers of a name no real package has), so none of the lines needs parsing for it. The
    language ecosystems' virtual names (`librust-*`, `libghc-*`, `node-*`: nine in ten, and not
    what a Dockerfile installs) are left out; the engine scans the lines for those."""
    providers: dict[str, list[str]] = {}
    for name in sorted(packages):
        for part in packages[name][1].get("Provides", "").split(","):
            virtual = part.strip().split(" ")[0].split(":")[0]
            if virtual and name not in providers.setdefault(virtual, []):
                providers[virtual].append(name)
    return [
        f"@provides {v} {' '.join(p)}"
        for v, p in sorted(providers.items())
        if v not in packages and not v.startswith(SCANNED_VIRTUALS)
    ]


def write(path: Path, lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode()
    # xz rather than gzip: a third smaller, and a suite still decompresses in a quarter second.
    path.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    print(f"{path}: {len(lines)} lines, {path.stat().st_size} bytes", file=sys.stderr)


def refresh(lists: Path, out: Path, suite: str) -> None:
    amd, header, index_lines = merged(lists, suite, "amd64")
    arm, arm_header, _ = merged(lists, suite, "arm64")
    target = out / "debian"
    target.mkdir(parents=True, exist_ok=True)
    head = [
        "#tutor-deb-index 1",
        f"#suite {suite} (Debian main, amd64; generated by refresh_debian.py)",
        *header,
        *index_lines,
    ]
    rows = [row_line(*amd[n]) for n in sorted(amd)]
    write(target / f"{suite}.tsv.xz", head + provides_lines(amd) + rows)
    delta = [
        "#tutor-deb-index 1",
        f"#suite {suite} arm64 delta over {suite}.tsv.xz",
        *arm_header,
    ]
    for name in sorted(set(amd) - set(arm)):
        delta.append(f"-{name}")
    for name in sorted(set(arm) - set(amd)):
        delta.append(row_line(*arm[name]))
    write(target / f"{suite}-arm64.tsv.xz", delta)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    lists, out = Path(argv[1]), Path(argv[2])
    for suite in argv[3:] or ["trixie", "bookworm", "bullseye"]:
        refresh(lists, out, suite)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
