"""Checking that a "try it" command is one the real docker CLI would accept.

Only syntax is checked (command path, flags as spf13/pflag parses them, number of arguments), from
a grammar kept as data in `assets/questions/_schema/docker-cli.toml`; whether the command would
succeed depends on the sandbox's state, which a lint cannot know.
"""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CommandSpec:
    path: str
    min_args: int
    max_args: int
    """-1 for no limit."""
    bool_flags: frozenset[str]
    value_flags: frozenset[str]
    shorts: dict[str, str]
    """Short letter -> long name."""


Grammar = dict[str, CommandSpec]

_STARTS_A_PROCESS = frozenset({"run", "container run", "exec", "container exec"})


def load_grammar(path: Path) -> Grammar:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    grammar: Grammar = {}
    for entry in data["commands"].values():
        bools: set[str] = set()
        values: set[str] = set()
        shorts: dict[str, str] = {}
        for spec in entry["flags"]:
            takes_value = spec.endswith("=")
            short, _, long = spec.rstrip("=").rpartition(",")
            (values if takes_value else bools).add(long)
            if short:
                shorts[short] = long
        lo, hi = entry["args"]
        for name in entry["names"]:
            grammar[name] = CommandSpec(
                name, lo, hi, frozenset(bools), frozenset(values), dict(shorts)
            )
    return grammar


def _match(words: list[str], grammar: Grammar) -> tuple[CommandSpec, list[str]] | None:
    """The longest command path at the start of `words` (`image ls` before `image`)."""
    for n in (3, 2, 1):
        spec = grammar.get(" ".join(words[:n]))
        if spec is not None:
            return spec, words[n:]
    return None


def _short_cluster(word: str, rest: list[str], spec: CommandSpec) -> str | None:
    """Checks `-it`, `-tname`, `-t name`; consumes a separate value from `rest`."""
    letters = word[1:]
    for i, letter in enumerate(letters):
        long = spec.shorts.get(letter)
        if long is None:
            return f"unknown shorthand flag: '{letter}' in {word}"
        if long in spec.value_flags:
            if i + 1 < len(letters):
                return None
            if not rest:
                return f"flag needs an argument: '{letter}' in -{letter}"
            rest.pop(0)
            return None
    return None


def check_command(command: str, grammar: Grammar) -> str | None:
    """None when `command` is a well-formed docker command, else what is wrong with it."""
    try:
        words = shlex.split(command)
    except ValueError as err:
        return f"cannot split into words: {err}"
    if not words or words[0] != "docker":
        return "must start with `docker`"
    matched = _match(words[1:], grammar)
    if matched is None:
        return f"unknown docker command: {' '.join(words[1:3])!r}"
    spec, rest = matched
    args: list[str] = []
    while rest:
        word = rest.pop(0)
        if word == "--":
            args.extend(rest)
            break
        if word.startswith("--"):
            name, eq, _ = word[2:].partition("=")
            if name in spec.value_flags:
                if not eq and not rest:
                    return f"flag needs an argument: --{name}"
                if not eq:
                    rest.pop(0)
            elif name not in spec.bool_flags:
                return f"unknown flag: --{name}"
        elif word.startswith("-") and word != "-":
            problem = _short_cluster(word, rest, spec)
            if problem:
                return problem
        else:
            args.append(word)
            if spec.path in _STARTS_A_PROCESS:
                # Everything after the image (run) or container (exec) belongs to the process
                # being started, not to docker, so it is not parsed as docker flags.
                args.extend(rest)
                break
    if len(args) < spec.min_args:
        return f'"docker {spec.path}" requires at least {spec.min_args} argument(s)'
    if spec.max_args != -1 and len(args) > spec.max_args:
        return f'"docker {spec.path}" accepts at most {spec.max_args} argument(s)'
    return None
