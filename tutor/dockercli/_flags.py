"""Command-line flags parsed the way the docker CLI's library (spf13/pflag) parses them.

Learners type real docker commands, so `-it`, `-tvalue`, `--tag=x`, `--tag x`, `--` and the exact
wording of pflag's errors all matter.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from typing import Literal

FlagKind = Literal["bool", "string", "list", "int", "bytes"]


@dataclass(frozen=True, slots=True)
class Flag:
    long: str
    kind: FlagKind = "bool"
    short: str = ""
    default: object = None
    help: str = ""
    metavar: str = ""
    hidden: bool = False
    deprecated: str = ""
    """pflag's `MarkDeprecated` message: the flag is hidden from help and using it says so."""
    docker: tuple[int, ...] = ()
    """The Docker releases whose CLI has this flag (all when empty)."""

    @property
    def key(self) -> str:
        return self.long.replace("-", "_")

    def initial(self) -> object:
        if self.kind == "list":
            return list(self.default) if isinstance(self.default, list | tuple) else []
        if self.default is not None:
            return self.default
        return {"bool": False, "string": "", "int": 0, "bytes": 0}.get(self.kind)


class FlagError(Exception):
    """A flag the docker CLI would refuse; the message is pflag's."""


@dataclass
class Parsed:
    values: dict[str, object]
    args: list[str]
    changed: set[str] = field(default_factory=set)

    # Named after the flag kinds (`args.str("tag")`), so the builtins are spelled in full here.
    def str(self, key: builtins.str) -> builtins.str:
        value = self.values[key]
        assert isinstance(value, builtins.str)
        return value

    def bool(self, key: builtins.str) -> builtins.bool:
        return builtins.bool(self.values[key])

    def int(self, key: builtins.str) -> builtins.int:
        value = self.values[key]
        assert isinstance(value, builtins.int)
        return value

    def list(self, key: builtins.str) -> builtins.list[builtins.str]:
        value = self.values[key]
        assert isinstance(value, builtins.list)
        return value


def _parse_bool(text: str, flag: Flag, spelled: str) -> bool:
    lowered = text
    if lowered in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if lowered in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise FlagError(
        f'invalid argument "{text}" for "{spelled}" flag: strconv.ParseBool: '
        f'parsing "{text}": invalid syntax'
    )


_RAM_SIZE = re.compile(r"(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?")


def ram_in_bytes(text: str) -> int | None:
    """A size as go-units' `RAMInBytes` reads `--memory` (binary multipliers), None if invalid."""
    m = _RAM_SIZE.fullmatch(text)
    if m is None:
        return None
    try:
        number = float(m.group(1))
    except ValueError:
        return None
    power = " kmgtp".index((m.group(2) or " ").lower())
    return int(number * 1024**power)


def _spelled(flag: Flag) -> str:
    return f"-{flag.short}, --{flag.long}" if flag.short else f"--{flag.long}"


def _store(parsed: Parsed, flag: Flag, text: str) -> None:
    parsed.changed.add(flag.key)
    if flag.kind == "bool":
        parsed.values[flag.key] = _parse_bool(text, flag, _spelled(flag))
    elif flag.kind == "int":
        try:
            parsed.values[flag.key] = int(text, 0)
        except ValueError:
            raise FlagError(
                f'invalid argument "{text}" for "{_spelled(flag)}" flag: strconv.ParseInt: '
                f'parsing "{text}": invalid syntax'
            ) from None
    elif flag.kind == "bytes":
        size = ram_in_bytes(text)
        if size is None:
            raise FlagError(
                f'invalid argument "{text}" for "{_spelled(flag)}" flag: invalid size: '
                f"'{text}'")
        parsed.values[flag.key] = size
    elif flag.kind == "list":
        current = parsed.values[flag.key]
        assert isinstance(current, list)
        current.append(text)
    else:
        parsed.values[flag.key] = text


def parse_flags(
    argv: list[str], flags: tuple[Flag, ...], *, interspersed: bool = True
) -> Parsed:
    """Split `argv` into flag values and positional arguments.

    With `interspersed=False` (as `docker run` and `docker exec` set) everything after the first
    positional argument is left alone, so `docker run alpine ls -l` passes `-l` to `ls`.
    """
    by_long = {f.long: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    parsed = Parsed({f.key: f.initial() for f in flags}, [])
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            parsed.args.extend(argv[i:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            flag = by_long.get(name)
            if flag is None:
                raise FlagError(f"unknown flag: --{name}")
            if eq:
                _store(parsed, flag, value)
            elif flag.kind == "bool":
                _store(parsed, flag, "true")
            elif i < len(argv):
                _store(parsed, flag, argv[i])
                i += 1
            else:
                raise FlagError(f"flag needs an argument: --{name}")
        elif arg.startswith("-") and len(arg) > 1:
            shorts = arg[1:]
            j = 0
            while j < len(shorts):
                c = shorts[j]
                flag = by_short.get(c)
                if flag is None:
                    raise FlagError(f"unknown shorthand flag: '{c}' in {arg}")
                rest = shorts[j + 1 :]
                if flag.kind == "bool":
                    if rest.startswith("="):
                        _store(parsed, flag, rest[1:])
                        break
                    _store(parsed, flag, "true")
                    j += 1
                    continue
                if rest:
                    _store(parsed, flag, rest[1:] if rest.startswith("=") else rest)
                elif i < len(argv):
                    _store(parsed, flag, argv[i])
                    i += 1
                else:
                    raise FlagError(f"flag needs an argument: '{c}' in -{c}")
                break
        else:
            parsed.args.append(arg)
            if not interspersed:
                parsed.args.extend(argv[i:])
                break
    return parsed


def content_trust(help_28: str) -> tuple[Flag, Flag]:
    """`--disable-content-trust` in each release. In 28 it changes nothing here (content trust is
    off unless DOCKER_CONTENT_TRUST is set, and the simulated Docker has no notary); 29 removed
    content trust and keeps the flag hidden and deprecated (cli/command/image/pull.go, push.go,
    container/run.go, create.go @ v29.7.2)."""
    return (
        Flag("disable-content-trust", default=True, help=help_28, docker=(28,)),
        Flag("disable-content-trust", default=True, help="Skip image verification (deprecated)",
             deprecated="support for docker content trust was removed", docker=(29,)),
    )
