""".dockerignore: reading the file and deciding which context paths reach the builder.

Three pieces of Docker are reproduced, each with its quirks:

- moby/patternmatcher's `ignorefile.ReadAll` turns the file into patterns (comments only in column
  0, Go's whitespace trimming, `filepath.Clean`, a leading `/` dropped, `!` kept in front);
- `patternmatcher` compiles each pattern, mostly into a Go regular expression in which `[`, `]`,
  `^` and `\\` escapes keep their regexp meaning, and matches slash-separated paths with "the last
  matching line wins";
- fsutil's filter decides, while walking the context, whether an excluded directory is skipped
  whole or walked into because a `!` exception might re-include something below it, and sends an
  excluded directory after all when something inside it is re-included.

Everything here works on path strings only; `_context` does the walking.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tutor.engine import _gopath
from tutor.engine._goregexp import compile_go
from tutor.engine.dockerfile._gotext import SPACE
from tutor.engine.errors import ContextError

_UTF8_BOM = b"\xef\xbb\xbf"
_MAX_LINE = 64 * 1024  # bufio.Scanner's default token limit
_REGEXP_ESCAPED = frozenset(".+()|{}$")
_GLOB_CHARS = frozenset("*[]?^\\")

MatchInfo = tuple[bool, ...]


def parse_dockerignore(data: bytes, name: str = ".dockerignore") -> tuple[str, ...]:
    """The patterns of an ignore file, as `ignorefile.ReadAll` hands them to the builder."""
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()
    patterns: list[str] = []
    for number, raw in enumerate(lines):
        if len(raw) >= _MAX_LINE:
            raise ContextError(
                f"failed to read dockerignore patterns: failed parsing {name}: "
                "bufio.Scanner: token too long"
            )
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if number == 0:
            raw = raw.removeprefix(_UTF8_BOM)
        text = raw.decode("utf-8", "surrogateescape")
        if text.startswith("#"):
            continue
        text = text.strip(SPACE)
        if not text:
            continue
        invert = text.startswith("!")
        if invert:
            text = text[1:].strip(SPACE)
        if text:
            text = _gopath.clean(text)
            if len(text) > 1 and text.startswith("/"):
                text = text[1:]
        patterns.append("!" + text if invert else text)
    return tuple(patterns)


class _Kind(enum.Enum):
    EXACT = enum.auto()
    PREFIX = enum.auto()
    SUFFIX = enum.auto()
    REGEXP = enum.auto()


def _compile(pattern: str) -> tuple[_Kind, str]:
    """patternmatcher's translation of a cleaned pattern into a match kind and a Go regexp."""
    regexp = "^"
    kind = _Kind.EXACT
    i = 0
    first = True
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*" and pattern[i : i + 1] == "*":
            i += 1
            if pattern[i : i + 1] == "/":
                i += 1
            if i >= len(pattern):
                if kind is _Kind.EXACT:
                    kind = _Kind.PREFIX
                else:
                    regexp += ".*"
                    kind = _Kind.REGEXP
            else:
                regexp += "(.*/)?"
                kind = _Kind.REGEXP
            if first:
                kind = _Kind.SUFFIX
        elif ch == "*":
            regexp += "[^/]*"
            kind = _Kind.REGEXP
        elif ch == "?":
            regexp += "[^/]"
            kind = _Kind.REGEXP
        elif ch in _REGEXP_ESCAPED:
            regexp += "\\" + ch
        elif ch == "\\":
            if i < len(pattern):
                regexp += "\\" + pattern[i]
                i += 1
                kind = _Kind.REGEXP
            else:
                regexp += "\\"
        elif ch in "[]":
            regexp += ch
            kind = _Kind.REGEXP
        else:
            regexp += ch
        first = False
    return kind, regexp + "$"


@dataclass(frozen=True, slots=True)
class Pattern:
    """One cleaned pattern; `exclusion` is set for a `!` line (an exception that re-includes)."""

    text: str
    exclusion: bool

    def matches(self, path: str) -> bool:
        """Whether the slash-separated `path` matches; raises `BadPatternError` when the Go
        regexp behind the pattern does not compile."""
        kind, compiled = _compiled(self.text)
        if kind is _Kind.EXACT:
            return path == self.text
        if kind is _Kind.PREFIX:
            return path.startswith(self.text[:-2])
        if kind is _Kind.SUFFIX:
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])
        if compiled is None:
            raise _gopath.BadPatternError
        return compiled.match(path) is not None

    @property
    def without_trailing_glob(self) -> str:
        """The pattern minus a final `/**` or `/*`, used to tell whether it can only match below
        one directory."""
        return self.text.removesuffix("/**").removesuffix("/*")


@functools.lru_cache(maxsize=1024)
def _compiled(text: str) -> tuple[_Kind, re.Pattern[str] | None]:
    kind, regexp = _compile(text)
    return kind, compile_go(regexp) if kind is _Kind.REGEXP else None


class PatternError(ContextError):
    """A pattern that patternmatcher refuses outright (before any path is matched)."""


class PatternMatcher:
    """A list of patterns where the last one matching a path decides (patternmatcher.New)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[Pattern] = []
        for raw in patterns:
            text = raw.strip(SPACE)
            if not text:
                continue
            text = _gopath.clean(text)
            exclusion = text.startswith("!")
            if exclusion:
                if len(text) == 1:
                    raise PatternError('illegal exclusion pattern: "!"')
                text = text[1:]
            try:
                _gopath.match(text, ".")
            except _gopath.BadPatternError as err:
                raise PatternError(err.message) from None
            self.patterns.append(Pattern(text, exclusion))
        self.has_exclusions = any(p.exclusion for p in self.patterns)

    def matches_using_parent_results(
        self, path: str, parent: MatchInfo | None
    ) -> tuple[bool, MatchInfo]:
        """Whether `path` is matched, reusing which patterns matched its parent directory, as
        fsutil does during a walk; also returns the per-pattern results for its children."""
        matched = False
        info: list[bool] = []
        for i, pattern in enumerate(self.patterns):
            hit = parent[i] if parent else False
            if not hit and pattern.exclusion == matched:
                hit = pattern.matches(path)
                if not hit and not parent:
                    hit = _parent_matches(pattern, path)
            info.append(hit)
            if hit:
                matched = not pattern.exclusion
        return matched, tuple(info)

    def matches_or_parent_matches(self, path: str) -> bool:
        """Whether `path` or one of its parent directories is matched (no walk state needed)."""
        return self.matches_using_parent_results(_gopath.clean(path), None)[0]


def _parent_matches(pattern: Pattern, path: str) -> bool:
    parent = path.rpartition("/")[0]
    if not parent:
        return False
    parts = parent.split("/")
    return any(pattern.matches("/".join(parts[: i + 1])) for i in range(len(parts)))


@dataclass(frozen=True, slots=True)
class Visit:
    """What the walk does with one path: the paths to send now (directories held back until
    something inside them turned out to be included, then the path itself), whether the path
    itself is excluded, and whether the walk goes into it."""

    send: tuple[str, ...]
    excluded: bool
    descend: bool


@dataclass(slots=True)
class _Held:
    path: str
    info: MatchInfo
    sent: bool


class IgnoreFilter:
    """fsutil's exclude filter, fed the context's paths in walk order.

    An excluded directory is skipped whole unless a `!` exception could match something inside it:
    when every exception is a plain path that test is a prefix check; as soon as one exception holds
    a wildcard, every excluded directory is walked into.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        try:
            self._matcher = PatternMatcher(patterns) if patterns else None
        except PatternError as err:
            listed = " ".join(patterns)
            raise ContextError(f"invalid excludepatterns: [{listed}]: {err.message}") from None
        exceptions = [p for p in (self._matcher.patterns if self._matcher else []) if p.exclusion]
        self._prefix_only = not any(
            _GLOB_CHARS.intersection(p.without_trailing_glob) for p in exceptions
        )
        self._exception_dirs = [p.without_trailing_glob + "/" for p in exceptions]
        self._held: list[_Held] = []

    @property
    def active(self) -> bool:
        """Whether any pattern is set (without one, every path is sent)."""
        return self._matcher is not None

    def visit(self, path: str, is_dir: bool) -> Visit:
        """Raises `ContextError` when a pattern turns out not to compile, as the walk would."""
        if self._matcher is None:
            return Visit((path,), False, True)
        while self._held and not path.startswith(self._held[-1].path + "/"):
            self._held.pop()
        parent = self._held[-1].info if self._held else None
        try:
            excluded, info = self._matcher.matches_using_parent_results(path, parent)
        except _gopath.BadPatternError as err:
            raise ContextError(
                f"error from sender: failed to match excludepatterns: {err.message}"
            ) from None
        if excluded and is_dir and self._prefix_only and not self._may_reinclude(path):
            return Visit((), True, False)
        send: list[str] = []
        if not excluded:
            for held in self._held:
                if not held.sent:
                    held.sent = True
                    send.append(held.path)
            send.append(path)
        if is_dir:
            self._held.append(_Held(path, info, not excluded))
        return Visit(tuple(send), excluded, True)

    def _may_reinclude(self, directory: str) -> bool:
        prefix = directory + "/"
        return any(d.startswith(prefix) for d in self._exception_dirs)


def walk_order_key(path: str) -> tuple[bytes, ...]:
    """Sort key giving the order of a walk: names compared as bytes, a directory's contents
    right after it."""
    return tuple(part.encode("utf-8", "surrogateescape") for part in path.split("/"))


def filter_paths(patterns: Sequence[str], tree: Iterable[str]) -> list[str]:
    """The paths of `tree` that the builder receives, in walk order.

    `tree` lists a context: directories end with `/`, parents are implied. The result keeps that
    spelling. A pure helper for tests and lessons; `_context` runs the same filter on a real walk.
    """
    dirs: set[str] = set()
    files: set[str] = set()
    for raw in tree:
        path = raw.rstrip("/")
        (dirs if raw.endswith("/") else files).add(path)
        parts = path.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    flt = IgnoreFilter(patterns)
    sent: list[str] = []
    pruned: str | None = None
    for path in sorted(dirs | files, key=walk_order_key):
        if pruned is not None and path.startswith(pruned):
            continue
        pruned = None
        visit = flt.visit(path, path in dirs)
        if not visit.descend:
            pruned = path + "/"
        sent.extend(p + "/" if p in dirs else p for p in visit.send)
    return sent
