"""dpkg's version ordering (deb-version(7)): epoch, then upstream and revision compared by
alternating non-digit runs (letters before other characters, `~` before everything, even the
end) and numeric runs."""

from __future__ import annotations


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        si, sj = i, j
        while i < len(a) and a[i].isdigit():
            i += 1
        while j < len(b) and b[j].isdigit():
            j += 1
        diff = int(a[si:i] or 0) - int(b[sj:j] or 0)
        if diff:
            return diff
    return 0


def _split(version: str) -> tuple[int, str, str]:
    epoch, _, rest = version.partition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return (int(epoch) if epoch.isdigit() else 0), upstream, revision


def compare(a: str, b: str) -> int:
    """Negative, zero or positive as `a` is older than, equal to or newer than `b`."""
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return ea - eb
    return _compare_part(ua, ub) or _compare_part(ra, rb)


def satisfies(version: str, op: str, wanted: str) -> bool:
    """Whether `version` meets a relation's `(op wanted)`; no operator is always met."""
    if not op:
        return True
    c = compare(version, wanted)
    return {
        "<<": c < 0,
        "<=": c <= 0,
        "=": c == 0,
        ">=": c >= 0,
        ">>": c > 0,
        "<": c <= 0,
        ">": c >= 0,
    }.get(op, True)
