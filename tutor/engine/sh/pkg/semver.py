"""Semantic versions and npm's range grammar (the rules of node-semver, written from its docs).

A range is a `||`-separated list of comparator sets; a set is space-separated comparators that
must all hold. Sugar is desugared into primitive comparators first: hyphen ranges (`1.2 - 2`),
x-ranges (`1.x`, `1.2.*`, `*`, ``), tilde (`~1.2.3`) and caret (`^0.2.3`). A version with a
prerelease tag (`1.3.0-beta.1`) satisfies a set only when some comparator of that set names the
same `major.minor.patch` with a prerelease too, so `^1.2.0` never installs a beta.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_NUM = r"0|[1-9]\d*"
_VERSION = re.compile(
    rf"^\s*[v=]*\s*({_NUM})\.({_NUM})\.({_NUM})"
    r"(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-.]+))?\s*$"
)
_PARTIAL = re.compile(
    r"^[v=]*(\*|[xX]|\d+)(?:\.(\*|[xX]|\d+)(?:\.(\*|[xX]|\d+)"
    r"(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?)?)?$"
)


@total_ordering
@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return core + ("-" + ".".join(self.prerelease) if self.prerelease else "")

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def _key(self) -> tuple[object, ...]:
        # A release sorts after its prereleases; numeric identifiers sort before alphanumeric.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.core, not self.prerelease and 1 or 0, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()


def parse(text: str) -> Version | None:
    match = _VERSION.match(text)
    if match is None:
        return None
    pre = tuple(match[4].split(".")) if match[4] else ()
    return Version(int(match[1]), int(match[2]), int(match[3]), pre)


def valid(text: str) -> bool:
    return parse(text) is not None


Comparator = tuple[str, Version]
"""(`<` `<=` `>` `>=` `=`, version)."""


class RangeError(ValueError):
    """Text that is not a valid range (npm then treats the spec as a tag or a URL)."""


@dataclass(frozen=True, slots=True)
class Range:
    sets: tuple[tuple[Comparator, ...], ...]
    raw: str

    def test(self, version: Version | str) -> bool:
        v = parse(version) if isinstance(version, str) else version
        if v is None:
            return False
        return any(_test_set(s, v) for s in self.sets)

    def bounds(self) -> list[Version]:
        """Every version the range names, the candidates a stand-in may be (see standin.py)."""
        return [v for s in self.sets for _, v in s]


def _test_set(comparators: tuple[Comparator, ...], v: Version) -> bool:
    for op, target in comparators:
        if not _compare(op, v, target):
            return False
    if v.prerelease:
        return any(t.prerelease and t.core == v.core for _, t in comparators)
    return True


def _compare(op: str, a: Version, b: Version) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    return a == b


_ANY: tuple[Comparator, ...] = ((">=", Version(0, 0, 0)),)


def _wild(part: str | None) -> bool:
    return part is None or part in ("*", "x", "X")


def _partial(text: str) -> tuple[list[int], tuple[str, ...]]:
    match = _PARTIAL.match(text)
    if match is None:
        raise RangeError(text)
    numbers: list[int] = []
    for part in (match[1], match[2], match[3]):
        if _wild(part):
            break
        numbers.append(int(part))
    pre = tuple(match[4].split(".")) if match[4] and len(numbers) == 3 else ()
    return numbers, pre


def _low(numbers: list[int], pre: tuple[str, ...] = ()) -> Version:
    n = [*numbers, 0, 0, 0]
    return Version(n[0], n[1], n[2], pre)


def _next(numbers: list[int]) -> Version:
    """The first version above a partial (`1` → 2.0.0, `1.2` → 1.3.0); with a 0 prerelease so
    that `<2.0.0-0` excludes 2.0.0's prereleases, as node-semver's desugaring does."""
    if len(numbers) == 1:
        return Version(numbers[0] + 1, 0, 0, ("0",))
    return Version(numbers[0], numbers[1] + 1, 0, ("0",))


def _primitive(op: str, text: str) -> list[Comparator]:
    numbers, pre = _partial(text)
    if not numbers:
        return [] if op in ("", "=", ">=", "<=") else [("<", Version(0, 0, 0, ("0",)))]
    if len(numbers) == 3:
        return [(op or "=", _low(numbers, pre))]
    if op in ("", "="):
        return [(">=", _low(numbers)), ("<", _next(numbers))]
    if op == ">":
        return [(">=", _next(numbers))]
    if op == "<=":
        return [("<", _next(numbers))]
    return [(op, _low(numbers))]


def _tilde(text: str) -> list[Comparator]:
    numbers, pre = _partial(text)
    if not numbers:
        return []
    high = _next(numbers[:2] if len(numbers) > 1 else numbers)
    return [(">=", _low(numbers, pre)), ("<", high)]


def _caret(text: str) -> list[Comparator]:
    numbers, pre = _partial(text)
    if not numbers:
        return []
    n = [*numbers, 0, 0]
    if n[0] > 0 or len(numbers) == 1:
        high = Version(n[0] + 1, 0, 0, ("0",))
    elif n[1] > 0 or len(numbers) == 2:
        high = Version(0, n[1] + 1, 0, ("0",))
    else:
        high = Version(0, 0, n[2] + 1, ("0",))
    return [(">=", _low(numbers, pre)), ("<", high)]


def _hyphen(low: str, high: str) -> list[Comparator]:
    lo, lo_pre = _partial(low)
    hi, hi_pre = _partial(high)
    result: list[Comparator] = [(">=", _low(lo, lo_pre))] if lo else []
    if len(hi) == 3:
        result.append(("<=", _low(hi, hi_pre)))
    elif hi:
        result.append(("<", _next(hi)))
    return result


_TOKEN = re.compile(r"(\^|~>?|>=|<=|>|<|=)?\s*(\S+)")


def parse_range(text: str) -> Range:
    """The range `text` stands for; raises RangeError for what npm cannot read as one."""
    sets: list[tuple[Comparator, ...]] = []
    for alternative in text.split("||"):
        part = alternative.strip()
        hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", part)
        comparators: list[Comparator] = []
        if hyphen:
            comparators = _hyphen(hyphen[1], hyphen[2])
        else:
            part = re.sub(r"(\^|~>?|>=|<=|>|<|=)\s+", r"\1", part)
            for token in part.split():
                match = _TOKEN.fullmatch(token)
                if match is None:
                    raise RangeError(text)
                op, rest = match[1] or "", match[2]
                if op == "^":
                    comparators += _caret(rest)
                elif op.startswith("~"):
                    comparators += _tilde(rest)
                else:
                    comparators += _primitive(op, rest)
        sets.append(tuple(comparators) or _ANY)
    return Range(tuple(sets), text)


def satisfies(version: str, spec: str) -> bool:
    """Whether `version` is in the range `spec` (`latest`/empty mean any release)."""
    if spec.strip() in ("", "latest", "*", "x"):
        v = parse(version)
        return v is not None and not v.prerelease
    try:
        return parse_range(spec).test(version)
    except RangeError:
        return False


def max_satisfying(versions: list[str], spec: str) -> str | None:
    ok = [v for v in versions if satisfies(v, spec)]
    return max(ok, key=lambda v: parse(v) or Version(0, 0, 0)) if ok else None


def is_range(spec: str) -> bool:
    if spec.strip() in ("", "latest"):
        return True
    try:
        parse_range(spec)
    except RangeError:
        return False
    return True
