"""Instruction flags (`--from=build`, `--link`) checked the way BuildKit's `BFlags` checks them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from tutor.engine.dockerfile._suggest import with_suggestion
from tutor.engine.errors import DockerfileError


class FlagKind(Enum):
    BOOL = "bool"
    STRING = "string"
    STRINGS = "strings"
    """May repeat; every value is kept (`--mount`, `--exclude`)."""


@dataclass(frozen=True, slots=True)
class ParsedFlags:
    values: dict[str, str]
    """Last value of each bool/string flag, defaults included (bools as "true"/"false")."""
    lists: dict[str, tuple[str, ...]]
    """Every value of each repeatable flag, in order."""
    used: tuple[str, ...]
    """Names of the flags that were written, in first-use order."""

    def value(self, name: str) -> str:
        return self.values[name]

    def is_true(self, name: str) -> bool:
        return self.values[name] == "true"

    def bool_if_used(self, name: str) -> bool | None:
        return self.is_true(name) if name in self.used else None


def parse_flags(written: Sequence[str], allowed: dict[str, tuple[FlagKind, str]]) -> ParsedFlags:
    """Check `written` against `allowed` (name → kind and default), as `BFlags.Parse` does.

    Raises `DockerfileError` (line 0) with BuildKit's wording.
    """
    values = {name: default for name, (kind, default) in allowed.items()
              if kind is not FlagKind.STRINGS}
    lists: dict[str, list[str]] = {name: [] for name, (kind, _) in allowed.items()
                                   if kind is FlagKind.STRINGS}
    used: dict[str, None] = {}
    for flag in written:
        if flag == "--":
            break  # POSIX end of options
        if not flag.startswith("--"):
            raise DockerfileError(f"arg should start with -- : {flag}")
        written_name, has_value, value = flag.partition("=")
        name = written_name[2:]
        if name not in allowed:
            raise DockerfileError(with_suggestion(f"unknown flag: {written_name}", name, allowed,
                                                  case_sensitive=True))
        kind = allowed[name][0]
        if name in used and kind is not FlagKind.STRINGS:
            raise DockerfileError(f"duplicate flag specified: {written_name}")
        used[name] = None
        if kind is FlagKind.BOOL:
            if has_value and not value:
                raise DockerfileError(f"missing a value on flag: {written_name}")
            if value.lower() not in ("", "true", "false"):
                raise DockerfileError(
                    f"expecting boolean value for flag {written_name}, not: {value}")
            values[name] = "false" if value.lower() == "false" else "true"
            continue
        if not has_value:
            raise DockerfileError(f"missing a value on flag: {written_name}")
        if kind is FlagKind.STRING:
            values[name] = value
        else:
            lists[name].append(value)
    return ParsedFlags(values, {k: tuple(v) for k, v in lists.items()}, tuple(used))
