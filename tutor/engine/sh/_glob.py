"""Shell pattern matching (`case`, `${x#pat}`) and pathname expansion against the file tree."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from tutor.engine.fs import FileTree, FsError, normalize

GLOB_CHARS = set("*?[")


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    """A regex for a shell pattern; `\\x` escapes one character (how quoted text reaches us)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                negate = body[:1] in ("!", "^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\").replace("^", "\\^")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def match(pattern: str, text: str) -> bool:
    try:
        return _compile(pattern).fullmatch(text) is not None
    except re.error:
        return pattern == text


def has_magic(pattern: str) -> bool:
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] in GLOB_CHARS:
            return True
        i += 1
    return False


def unescape(pattern: str) -> str:
    return re.sub(r"\\(.)", r"\1", pattern, flags=re.DOTALL)


def strip(value: str, pattern: str, op: str) -> str:
    """`${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`."""
    n = len(value)
    if op in ("#", "##"):
        ends = range(n + 1) if op == "#" else range(n, -1, -1)
        for end in ends:
            if match(pattern, value[:end]):
                return value[end:]
    else:
        starts = range(n, -1, -1) if op == "%" else range(n + 1)
        for start in starts:
            if match(pattern, value[start:]):
                return value[:start]
    return value


def glob(fs: FileTree, pattern: str, cwd: str) -> list[str]:
    """Paths matching `pattern`, sorted (C locale); dot files only match a leading dot."""
    absolute = pattern.startswith("/")
    segments = [s for s in pattern.split("/") if s]
    results = [("/" if absolute else "", normalize(".", cwd) if not absolute else "/")]
    for index, seg in enumerate(segments):
        last = index == len(segments) - 1
        nxt: list[tuple[str, str]] = []
        for shown, real in results:
            if not has_magic(seg):
                name = unescape(seg)
                cand = posixpath.join(real, name)
                try:
                    resolved = fs.resolve(cand)
                except FsError:
                    continue
                if resolved in fs and (last or fs.nodes[resolved].is_dir):
                    nxt.append((shown + name + ("" if last else "/"), resolved))
                continue
            try:
                names = fs.listdir(fs.resolve(real))
            except FsError:
                continue
            for name in names:
                if name.startswith(".") and not seg.startswith((".", "\\.")):
                    continue
                if not match(seg, name):
                    continue
                cand = posixpath.join(real, name)
                try:
                    resolved = fs.resolve(cand)
                except FsError:
                    continue
                if not last and not (resolved in fs and fs.nodes[resolved].is_dir):
                    continue
                nxt.append((shown + name + ("" if last else "/"), resolved))
        results = nxt
    if pattern.endswith("/"):
        return sorted(s for s, _ in results)
    return sorted(s.rstrip("/") or "/" for s, _ in results)
