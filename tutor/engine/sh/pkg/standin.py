"""Stand-in packages: what a registry plausibly serves for a name no catalogue line describes.

No registry index ships with the tutor, so the hand-written catalogues (`assets/packages/*.txt`)
are the realistic core and everything else is resolved by rule (docs/package-simulation.md):

* A *name* is accepted when it is valid for the ecosystem (each manager checks its own rules).
* A *version* is plausible when it is not newer than the newest release the catalogue knows for
  that name, or, for a name the catalogue does not know, when its major number is below
  `MAX_MAJOR` or is a calendar year up to `CATALOGUE_YEAR` (`2024.8.30`).
* Which version a range gets: the highest plausible candidate among the versions the range
  itself names (the author saw them), the name's *guessed latest* (a deterministic function of
  the name) and one release below each bound.
* Sizes and file lists derive from a hash of the name, so the same name always weighs the same;
  an older release of a catalogued package weighs what its catalogued release does.

Everything here is a pure function of its arguments: the same Dockerfile builds the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from tutor.engine.sh.pkg.catalogue import Package

MAX_MAJOR = 100
CATALOGUE_YEAR = 2025
"""The catalogues are a snapshot of early 2025: no calendar version after that exists yet."""
STANDIN_MARK = "!standin"
"""A deps token marking a package as made by rule (lockfiles and tests can tell)."""


def number(*parts: str) -> int:
    """A stable 64-bit number for `parts` (Python's hash() is salted per process)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def guessed_latest(ecosystem: str, name: str) -> tuple[int, int, int]:
    """The newest release a registry has of a name no catalogue knows: mostly 1.x–9.x."""
    n = number(ecosystem, "latest", name)
    return (1 + n % 9, (n >> 8) % 20, (n >> 16) % 12)


def plausible_major(major: int) -> bool:
    return major < MAX_MAJOR or 2000 <= major <= CATALOGUE_YEAR


def sizes(ecosystem: str, name: str, low: int, high: int) -> tuple[int, int]:
    """(download, installed) for a stand-in: installed log-uniform in [low, high), the download
    about a third of it (the compression registries' tarballs and wheels reach)."""
    n = number(ecosystem, "size", name)
    span = high / low
    installed = int(low * span ** ((n % 10_000) / 10_000))
    ratio = 0.25 + ((n >> 20) % 20) / 100
    return max(200, int(installed * ratio)), installed


def older_release(pkg: Package, version: str, keep_deps: bool = True) -> Package:
    """An older release of a catalogued package: same weight and files, its own version. Its
    dependency ranges are those of the catalogued release (`keep_deps`) or only their names,
    when an ecosystem's ranges would pull in releases too new for it."""
    deps = pkg.deps if keep_deps else tuple(_names_only(d) for d in pkg.deps)
    return replace(pkg, version=version, deps=(*deps, STANDIN_MARK))


def _names_only(token: str) -> str:
    if token.startswith("!"):
        return token
    for i, ch in enumerate(token):
        if ch in "<>=!~;[ ":
            return token[:i]
    return token


def is_standin(pkg: Package) -> bool:
    return STANDIN_MARK in pkg.deps


def pick_semver(ecosystem: str, name: str, spec: str) -> str | None:
    """The version a semver range gets for a name no catalogue knows (cargo, composer, gems):
    the highest plausible candidate among the versions the range names, one release below each
    bound and the guessed newest release; None when the range admits none of them."""
    from tutor.engine.sh.pkg import semver

    guess = guessed_latest(ecosystem, name)
    found = [semver.Version(*guess)]
    try:
        bounds = semver.parse_range(spec).bounds() if spec.strip() not in ("", "*") else []
    except semver.RangeError:
        return None
    for v in bounds:
        v = semver.Version(v.major, v.minor, v.patch)
        found.append(v)
        if v.patch:
            found.append(semver.Version(v.major, v.minor, v.patch - 1))
        if v.minor:
            found.append(semver.Version(v.major, v.minor - 1, guess[2]))
        if v.major:
            found.append(semver.Version(v.major - 1, guess[1], guess[2]))
    ok = [str(v) for v in found if plausible_major(v.major)]
    return semver.max_satisfying(ok, spec or "*")
