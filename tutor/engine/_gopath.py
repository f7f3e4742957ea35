"""Go's `path.Clean` and `path.Match`, which decide how BuildKit reads paths and globs.

`.dockerignore` patterns, COPY sources and their wildcards all go through these two functions in
BuildKit, so their corner cases (a leading `..` kept on a relative path, `[` classes, `\\` escapes,
the "syntax error in pattern" raised even when nothing matched) are reproduced exactly. Also here:
how Go words a failed system call, which BuildKit passes on verbatim.
"""

from __future__ import annotations

import os

from tutor.engine.errors import ContextError

_SURROGATE_ESCAPES = range(0xDC80, 0xDD00)  # bytes that were not UTF-8 in a host file name


class BadPatternError(ContextError):
    """Go's `filepath.ErrBadPattern`; callers add the wrapping BuildKit puts around it."""

    def __init__(self) -> None:
        super().__init__("syntax error in pattern")


def clean(path: str) -> str:
    """`path.Clean`: the shortest equivalent path, "." for an empty one, `/..` folded into `/`."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    floor = 0  # leading ".." elements of a relative path cannot be removed
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part != "..":
            parts.append(part)
        elif len(parts) > floor:
            parts.pop()
        elif not rooted:
            parts.append("..")
            floor = len(parts)
    joined = "/".join(parts)
    if rooted:
        return "/" + joined
    return joined or "."


def join(*elements: str) -> str:
    """`path.Join`: the non-empty elements joined by `/` and cleaned ("" when all are empty)."""
    kept = [e for e in elements if e]
    return clean("/".join(kept)) if kept else ""


def match(pattern: str, name: str) -> bool:
    """`path.Match`: shell-style matching where `*` and `?` never cross a `/`.

    Raises `BadPatternError` for a malformed pattern, also when the name already failed to match
    (Go validates the rest of the pattern before answering false).
    """
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and not chunk:
            return "/" not in name
        rest = _match_chunk(chunk, name)
        if rest is not None and (not rest or pattern):
            name = rest
            continue
        if star:
            after = _match_after_star(chunk, name, pattern)
            if after is not None:
                name = after
                continue
        while pattern:
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, "")
        return False
    return not name


def _match_after_star(chunk: str, name: str, pattern: str) -> str | None:
    """What is left of `name` once a star swallowed some non-`/` characters and `chunk` matched."""
    for i, ch in enumerate(name):
        if ch == "/":
            break
        rest = _match_chunk(chunk, name[i + 1 :])
        if rest is not None and (pattern or not rest):
            return rest
    return None


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    in_range = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif ch == "[":
            in_range = True
        elif ch == "]":
            in_range = False
        elif ch == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _match_chunk(chunk: str, s: str) -> str | None:
    """The rest of `s` after `chunk` matched its beginning, or None; the whole chunk is always
    parsed so that a malformed one raises even after a mismatch."""
    failed = False
    i = j = 0
    while i < len(chunk):
        failed = failed or j >= len(s)
        ch = chunk[i]
        if ch == "[":
            rune = -1
            if not failed:
                rune = ord(s[j])
                j += 1
            i += 1
            negated = i < len(chunk) and chunk[i] == "^"
            if negated:
                i += 1
            found = False
            ranges = 0
            while True:
                if i < len(chunk) and chunk[i] == "]" and ranges > 0:
                    i += 1
                    break
                lo, i = _get_esc(chunk, i)
                hi = lo
                if chunk[i] == "-":
                    hi, i = _get_esc(chunk, i + 1)
                found = found or lo <= rune <= hi
                ranges += 1
            failed = failed or found == negated
            continue
        if ch == "?":
            if not failed:
                failed = s[j] == "/"
                j += 1
            i += 1
            continue
        if ch == "\\":
            i += 1
            if i >= len(chunk):
                raise BadPatternError
        if not failed:
            failed = chunk[i] != s[j]
            j += 1
        i += 1
    return None if failed else s[j:]


def _get_esc(chunk: str, i: int) -> tuple[int, int]:
    if i >= len(chunk) or chunk[i] in "-]":
        raise BadPatternError
    if chunk[i] == "\\":
        i += 1
        if i >= len(chunk):
            raise BadPatternError
    rune = ord(chunk[i])
    i += 1
    if rune in _SURROGATE_ESCAPES or i >= len(chunk):
        raise BadPatternError
    return rune, i


def contains_wildcards(name: str) -> bool:
    """Whether BuildKit treats a COPY source as a glob: an unescaped `*`, `?` or `[`."""
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == "\\":
            i += 1
        elif ch in "*?[":
            return True
        i += 1
    return False


def split_wildcards(path: str) -> tuple[str, str]:
    """The literal leading directories of a glob and the rest (`/src/*/x` → `/src`, `*/x`)."""
    literal: list[str] = []
    wild: list[str] = []
    for part in clean(path).split("/"):
        if wild or contains_wildcards(part):
            wild.append(part or "/")
        else:
            literal.append(part or "/")
    return join(*literal), join(*wild)


def strerror(err: OSError) -> str:
    """Go's text for an errno (`syscall.Errno.Error()`): the C library's, starting lower-case."""
    if err.errno is None:
        return str(err)
    text = os.strerror(err.errno)
    return text[:1].lower() + text[1:]
