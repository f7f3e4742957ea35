"""Typed Dockerfile instructions, built from parser records with BuildKit's checks and messages.

`parse_command` is BuildKit's `instructions.ParseInstruction`: it checks flags and arguments and
returns one frozen record per instruction. Its errors carry the instruction's lines but not the
`dockerfile parse error on line N:` prefix: BuildKit adds that only when it parses the whole file
(see `_stages.parse_stages`), not when it parses an ONBUILD trigger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from tutor.engine.dockerfile._ast import Instruction
from tutor.engine.dockerfile._flags import FlagKind, ParsedFlags, parse_flags
from tutor.engine.dockerfile._go import GoError, parse_duration, parse_int
from tutor.engine.dockerfile._gotext import SPACE, lower, quote
from tutor.engine.dockerfile._lex import chomp_heredoc, parse_heredoc_word
from tutor.engine.dockerfile._mounts import Mount, mount_from
from tutor.engine.dockerfile._suggest import with_suggestion
from tutor.engine.errors import DockerfileError

INSTRUCTION_NAMES = ("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
                     "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL",
                     "USER", "VOLUME", "WORKDIR")
STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*\Z")
"""What `FROM … AS <name>` accepts, once lower-cased."""


@dataclass(frozen=True, slots=True)
class Command:
    """What every instruction shares."""

    keyword: str
    """As written (`run`, `RUN`): the casing checks look at it."""
    start_line: int
    end_line: int
    code: str
    """The instruction's source text, trimmed (BuildKit's `String()`)."""


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: str
    legacy: bool = False
    """Written as `KEY value` instead of `KEY=value` (the LegacyKeyValueFormat check)."""


@dataclass(frozen=True, slots=True)
class ArgDef:
    key: str
    value: str | None
    """The default after `=`, None when the ARG has none."""


@dataclass(frozen=True, slots=True)
class SourceContent:
    """A heredoc used as a COPY/ADD source: a file named `path` holding `data`."""

    path: str
    data: str
    expand: bool
    """Variables in `data` are expanded (the delimiter was unquoted)."""


@dataclass(frozen=True, slots=True)
class InlineFile:
    """A heredoc attached to RUN."""

    name: str
    data: str
    chomp: bool


@dataclass(frozen=True, slots=True)
class From(Command):
    base_name: str
    stage_name: str
    """Lower-cased `AS` name, "" for an unnamed stage."""
    written_name: str
    """The `AS` name as written, "" when there is none."""
    as_keyword: str
    """The second argument as written (`AS`, `as`), "" when FROM has one argument."""
    platform: str
    """`--platform` as written, before variable expansion; "" when absent."""


@dataclass(frozen=True, slots=True)
class Run(Command):
    cmd_line: tuple[str, ...]
    prepend_shell: bool
    """Shell form: the image's SHELL (default `/bin/sh -c`) runs `cmd_line[0]`."""
    files: tuple[InlineFile, ...]
    mount_specs: tuple[str, ...]
    """Each `--mount` value as written."""
    mount_froms: tuple[str, ...]
    """The `from=` of each mount as parsing sees it ("" for none)."""
    network: str
    security: str
    devices: tuple[str, ...]
    flags_used: tuple[str, ...]
    mounts: tuple[Mount, ...] | None = None
    """The validated mounts, filled in by step-time expansion (None before)."""


@dataclass(frozen=True, slots=True)
class Cmd(Command):
    cmd_line: tuple[str, ...]
    prepend_shell: bool


@dataclass(frozen=True, slots=True)
class Entrypoint(Command):
    cmd_line: tuple[str, ...] | None
    """None for `ENTRYPOINT []`, which clears the entrypoint."""
    prepend_shell: bool


@dataclass(frozen=True, slots=True)
class Copy(Command):
    sources: tuple[str, ...]
    contents: tuple[SourceContent, ...]
    dest: str
    from_: str
    chown: str
    chmod: str
    link: bool
    excludes: tuple[str, ...]
    parents: bool


@dataclass(frozen=True, slots=True)
class Add(Command):
    sources: tuple[str, ...]
    contents: tuple[SourceContent, ...]
    dest: str
    chown: str
    chmod: str
    link: bool
    excludes: tuple[str, ...]
    keep_git_dir: bool | None
    checksum: str
    unpack: bool | None


@dataclass(frozen=True, slots=True)
class Env(Command):
    pairs: tuple[KeyValue, ...]


@dataclass(frozen=True, slots=True)
class Label(Command):
    pairs: tuple[KeyValue, ...]


@dataclass(frozen=True, slots=True)
class Arg(Command):
    args: tuple[ArgDef, ...]


@dataclass(frozen=True, slots=True)
class Expose(Command):
    ports: tuple[str, ...]
    """As written and sorted; after step-time expansion, normalised `port/proto` entries."""


@dataclass(frozen=True, slots=True)
class User(Command):
    user: str


@dataclass(frozen=True, slots=True)
class Volume(Command):
    volumes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Workdir(Command):
    path: str


@dataclass(frozen=True, slots=True)
class Shell(Command):
    shell: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Healthcheck(Command):
    test: tuple[str, ...]
    """`("NONE",)`, `("CMD", *argv)` or `("CMD-SHELL", command)`."""
    interval: int
    """Nanoseconds; 0 means Docker's default. Likewise the next three."""
    timeout: int
    start_period: int
    start_interval: int
    retries: int


@dataclass(frozen=True, slots=True)
class Stopsignal(Command):
    signal: str


@dataclass(frozen=True, slots=True)
class Onbuild(Command):
    expression: str
    """The trigger's source text (what the image config stores and a child build re-parses)."""
    trigger: str
    """The trigger instruction, upper-cased."""


@dataclass(frozen=True, slots=True)
class Maintainer(Command):
    maintainer: str


_STRING, _STRINGS, _BOOL = FlagKind.STRING, FlagKind.STRINGS, FlagKind.BOOL
_RUN_FLAGS = {"device": (_STRINGS, ""), "mount": (_STRINGS, ""), "network": (_STRING, "default"),
              "security": (_STRING, "sandbox")}
_COPY_FLAGS = {"chown": (_STRING, ""), "from": (_STRING, ""), "chmod": (_STRING, ""),
               "link": (_BOOL, "false"), "exclude": (_STRINGS, ""), "parents": (_BOOL, "false")}
PARENTS_STABLE: ContextVar[bool] = ContextVar("parents_stable", default=True)
"""Whether `COPY --parents` is a flag of the built-in Dockerfile frontend: stable since dockerfile
1.20 (BuildKit v0.26, commit "dockerfile: promote --parents flag from labs"), which Docker 29
vendors; Docker 28.5 (BuildKit v0.25) knows it only in the labs frontend, so there it is an
unknown flag. The builder sets it from the Docker profile; `--exclude` is stable in both
(dockerfile 1.19)."""
LABS_FRONTEND: ContextVar[bool] = ContextVar("labs_frontend", default=False)
"""Set while a Dockerfile whose `# syntax=` names a labs frontend (`docker/dockerfile:1-labs`)
is read: that frontend has `COPY --parents` in every Docker version."""
_ADD_FLAGS = {"chown": (_STRING, ""), "chmod": (_STRING, ""), "link": (_BOOL, "false"),
              "keep-git-dir": (_BOOL, "false"), "checksum": (_STRING, ""),
              "unpack": (_BOOL, "false"), "exclude": (_STRINGS, "")}
_HEALTH_FLAGS = {name: (_STRING, "") for name in
                 ("interval", "timeout", "start-period", "start-interval", "retries")}
_NO_FLAGS: dict[str, tuple[FlagKind, str]] = {}
_ONBUILD_PREFIX = re.compile(r"^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*", re.IGNORECASE)


def parse_command(instr: Instruction) -> Command:
    """The typed instruction for `instr`, or BuildKit's error for it.

    Raises `DockerfileError` on the instruction's lines, without the parse-error prefix.
    """
    try:
        return _parse(instr)
    except DockerfileError as err:
        raise DockerfileError(err.message, instr.start_line, instr.end_line) from None


def _args(instr: Instruction) -> tuple[str, ...]:
    if instr.keyword.lower() == "onbuild" and instr.sub_cmd is not None:
        return (instr.sub_cmd, *instr.value)
    return instr.value


def _parse(instr: Instruction) -> Command:
    name = instr.keyword.lower()
    base = (instr.keyword, instr.start_line, instr.end_line, node_original(instr).strip(SPACE))
    args = _args(instr)
    flags = instr.flags
    if name == "env":
        parse_flags(flags, _NO_FLAGS)
        return Env(*base, _key_values(instr, "ENV"))
    if name == "label":
        parse_flags(flags, _NO_FLAGS)
        return Label(*base, _key_values(instr, "LABEL"))
    if name == "maintainer":
        if len(args) != 1:
            raise _exactly_one("MAINTAINER")
        parse_flags(flags, _NO_FLAGS)
        return Maintainer(*base, args[0])
    if name in ("add", "copy"):
        return _copy_or_add(instr, base, args)
    if name == "from":
        return _from(base, args, flags)
    if name == "onbuild":
        return _onbuild(instr, base, args)
    if name == "workdir":
        if len(args) != 1:
            raise _exactly_one("WORKDIR")
        parse_flags(flags, _NO_FLAGS)
        return Workdir(*base, args[0])
    if name == "run":
        return _run(instr, base, args)
    if name == "cmd":
        parse_flags(flags, _NO_FLAGS)
        return Cmd(*base, _json_args(args, instr.json), not instr.json)
    if name == "entrypoint":
        parse_flags(flags, _NO_FLAGS)
        return Entrypoint(*base, _json_args(args, instr.json) or None, not instr.json)
    if name == "healthcheck":
        return _healthcheck(instr, base, args)
    if name == "expose":
        if not args:
            raise _at_least_one("EXPOSE")
        parse_flags(flags, _NO_FLAGS)
        return Expose(*base, tuple(sorted(args)))
    if name == "user":
        if len(args) != 1:
            raise _exactly_one("USER")
        parse_flags(flags, _NO_FLAGS)
        return User(*base, args[0])
    if name == "volume":
        return _volume(base, args, flags)
    if name == "stopsignal":
        if len(args) != 1:
            raise _exactly_one("STOPSIGNAL")
        return Stopsignal(*base, args[0])
    if name == "arg":
        return _arg(base, args)
    if name == "shell":
        parse_flags(flags, _NO_FLAGS)
        shell = _json_args(args, instr.json)
        if not shell:
            raise _at_least_one("SHELL")
        if not instr.json:
            raise DockerfileError("SHELL requires the arguments to be in JSON form")
        return Shell(*base, shell)
    raise DockerfileError(with_suggestion(f"unknown instruction: {instr.keyword}", instr.keyword,
                                          INSTRUCTION_NAMES, case_sensitive=False))


def node_original(instr: Instruction) -> str:
    """The instruction line as BuildKit keeps it: without the heredoc bodies the record appends."""
    return instr.original.partition("\n")[0] if instr.heredocs else instr.original


def _at_least_one(command: str) -> DockerfileError:
    return DockerfileError(f"{command} requires at least one argument")


def _exactly_one(command: str) -> DockerfileError:
    return DockerfileError(f"{command} requires exactly one argument")


def _json_args(args: Sequence[str], is_json: bool) -> tuple[str, ...]:
    """BuildKit's `handleJSONArgs`: exec form as is, shell form as one string."""
    if not args:
        return ()
    return tuple(args) if is_json else (" ".join(args),)


def _key_values(instr: Instruction, command: str) -> tuple[KeyValue, ...]:
    args = instr.value
    if not args:
        raise _at_least_one(command)
    if len(args) % 2:
        raise DockerfileError(f"Bad input to {command}, too many arguments")
    pairs = []
    for key, value in zip(args[::2], args[1::2], strict=True):
        if not key:
            raise DockerfileError(f"{command} names can not be blank")
        pairs.append(KeyValue(key, value, instr.legacy_key_value))
    return tuple(pairs)


def _from(base: tuple[str, int, int, str], args: Sequence[str], written: Sequence[str]) -> From:
    stage_name = written_name = as_keyword = ""
    if len(args) == 3 and args[1].lower() == "as":
        stage_name, written_name, as_keyword = lower(args[2]), args[2], args[1]
        if not STAGE_NAME.match(stage_name):
            raise DockerfileError(f"invalid name for build stage: {quote(args[2])}, name can't "
                                  "start with a number or contain symbols")
    elif len(args) != 1:
        raise DockerfileError("FROM requires either one or three arguments")
    platform = parse_flags(written, {"platform": (_STRING, "")}).value("platform")
    return From(*base, base_name=args[0], stage_name=stage_name, written_name=written_name,
                as_keyword=as_keyword, platform=platform)


def _onbuild(instr: Instruction, base: tuple[str, int, int, str], args: Sequence[str]) -> Onbuild:
    if not args:
        raise _at_least_one("ONBUILD")
    parse_flags(instr.flags, _NO_FLAGS)
    trigger = args[0].strip().upper()
    if trigger == "ONBUILD":
        raise DockerfileError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if trigger in ("MAINTAINER", "FROM"):
        raise DockerfileError(f"{trigger} isn't allowed as an ONBUILD trigger")
    expression = _ONBUILD_PREFIX.sub("", node_original(instr), count=1)
    for heredoc in instr.heredocs:
        expression += "\n" + heredoc.content + heredoc.name
    return Onbuild(*base, expression, trigger)


def _copy_or_add(instr: Instruction, base: tuple[str, int, int, str],
                 args: Sequence[str]) -> Copy | Add:
    command = instr.keyword.upper()
    if len(args) < 2:
        raise DockerfileError(f"{command} requires at least two arguments, but only one was "
                              "provided. Destination could not be determined")
    is_copy = command == "COPY"
    known = _ADD_FLAGS
    if is_copy:
        known = _COPY_FLAGS if PARENTS_STABLE.get() or LABS_FRONTEND.get() else {
            k: v for k, v in _COPY_FLAGS.items() if k != "parents"}
    flags = parse_flags(instr.flags, known)
    dest = args[-1]
    if parse_heredoc_word(dest) is not None:
        raise DockerfileError(f"{command} cannot accept a heredoc as a destination")
    bodies = {heredoc.name: heredoc.content for heredoc in instr.heredocs}
    sources: list[str] = []
    contents: list[SourceContent] = []
    for src in args[:-1]:
        word = parse_heredoc_word(src)
        if word is None:
            sources.append(src)
            continue
        data = bodies.get(word.name, "")
        if word.chomp:
            data = chomp_heredoc(data)
        contents.append(SourceContent(word.name, data, word.expand))
    if is_copy:
        return Copy(*base, sources=tuple(sources), contents=tuple(contents), dest=dest,
                    from_=flags.value("from"), chown=flags.value("chown"),
                    chmod=flags.value("chmod"), link=flags.is_true("link"),
                    excludes=flags.lists["exclude"],
                    parents="parents" in known and flags.is_true("parents"))
    return Add(*base, sources=tuple(sources), contents=tuple(contents), dest=dest,
               chown=flags.value("chown"), chmod=flags.value("chmod"), link=flags.is_true("link"),
               excludes=flags.lists["exclude"], keep_git_dir=flags.bool_if_used("keep-git-dir"),
               checksum=flags.value("checksum"), unpack=flags.bool_if_used("unpack"))


def _run(instr: Instruction, base: tuple[str, int, int, str], args: Sequence[str]) -> Run:
    flags: ParsedFlags = parse_flags(instr.flags, _RUN_FLAGS)
    files = tuple(InlineFile(h.name, h.content, h.chomp) for h in instr.heredocs)
    mount_specs = flags.lists["mount"]
    froms = tuple(mount_from(spec) for spec in mount_specs)
    network, security = flags.value("network"), flags.value("security")
    if network not in ("default", "none", "host"):
        raise DockerfileError(f"invalid network mode {quote(network)}")
    if security not in ("insecure", "sandbox"):
        raise DockerfileError(f"security {quote(security)} is not valid")
    return Run(*base, _json_args(args, instr.json), not instr.json, files, mount_specs, froms,
               network, security, flags.lists["device"], flags.used)


def _interval(flags: ParsedFlags, name: str) -> int:
    text = flags.value(name)
    if not text:
        return 0
    try:
        duration = parse_duration(text)
    except GoError as err:
        raise DockerfileError(str(err)) from None
    if duration == 0:
        return 0
    if duration < 1_000_000:
        raise DockerfileError(f"Interval {quote(name)} cannot be less than 1ms")
    return duration


def _healthcheck(instr: Instruction, base: tuple[str, int, int, str],
                 args: Sequence[str]) -> Healthcheck:
    if not args:
        raise _at_least_one("HEALTHCHECK")
    kind = args[0].upper()
    if kind == "NONE":
        if len(args) > 1:
            raise DockerfileError("HEALTHCHECK NONE takes no arguments")
        return Healthcheck(*base, ("NONE",), 0, 0, 0, 0, 0)
    flags = parse_flags(instr.flags, _HEALTH_FLAGS)
    if kind != "CMD":
        raise DockerfileError(f"Unknown type {quote(kind)} in HEALTHCHECK (try CMD)")
    command = _json_args(args[1:], instr.json)
    if not command:
        raise DockerfileError("Missing command after HEALTHCHECK CMD")
    test = ("CMD", *command) if instr.json else ("CMD-SHELL", *command)
    interval, timeout = _interval(flags, "interval"), _interval(flags, "timeout")
    start_period = _interval(flags, "start-period")
    start_interval = _interval(flags, "start-interval")
    retries = 0
    if flags.value("retries"):
        try:
            retries = parse_int(flags.value("retries"), 32)
        except GoError as err:
            raise DockerfileError(str(err)) from None
        if retries < 0:
            raise DockerfileError(f"--retries cannot be negative ({retries})")
    return Healthcheck(*base, test, interval, timeout, start_period, start_interval, retries)


def _volume(base: tuple[str, int, int, str], args: Sequence[str],
            written: Sequence[str]) -> Volume:
    if not args:
        raise _at_least_one("VOLUME")
    parse_flags(written, _NO_FLAGS)
    volumes = []
    for raw in args:
        volume = raw.strip(SPACE)
        if not volume:
            raise DockerfileError("VOLUME specified can not be an empty string")
        volumes.append(volume)
    return Volume(*base, tuple(volumes))


def _arg(base: tuple[str, int, int, str], args: Sequence[str]) -> Arg:
    if not args:
        raise _at_least_one("ARG")
    defs = []
    for arg in args:
        key, has_value, value = arg.partition("=")
        if has_value and not key:
            raise DockerfileError("ARG names can not be blank")
        defs.append(ArgDef(key, value if has_value else None))
    return Arg(*base, tuple(defs))
