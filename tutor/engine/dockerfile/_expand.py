"""Step-time work BuildKit does on one instruction before it becomes a build step.

When BuildKit dispatches an instruction it expands variables in exactly these places, with the
environment of the stage at that point (image ENV, then ARG and ENV values in the order they were
set), and validates what only makes sense after expansion:

- ENV and LABEL: every key and value. All pairs of one instruction see the environment from
  *before* it (`ENV A=1 B=$A` gives B the old A).
- COPY: `--chown`, `--chmod`, sources and destination; ADD also `--checksum`. Never `--from`,
  `--exclude` or `--link`. Heredoc sources are expanded unless their delimiter was quoted, with
  quotes left as they are.
- WORKDIR, USER, VOLUME (each path), STOPSIGNAL (then checked as a signal).
- EXPOSE: expanded and split into words, then checked as ports.
- RUN: only the values of `--mount` fields (then every field is validated). The command itself is
  left to the shell. CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER are never
  expanded.
- ARG: the default, unless a `--build-arg` gives the value (see `expand_arg`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tutor.engine.dockerfile._go import parse_atoi
from tutor.engine.dockerfile._gotext import quote
from tutor.engine.dockerfile._instructions import (
    Add,
    Arg,
    ArgDef,
    Command,
    Copy,
    Env,
    Expose,
    InlineFile,
    KeyValue,
    Label,
    Run,
    SourceContent,
    Stopsignal,
    User,
    Volume,
    Workdir,
)
from tutor.engine.dockerfile._lex import Lexer, chomp_heredoc, parse_heredoc_word
from tutor.engine.dockerfile._mounts import parse_mount
from tutor.engine.errors import DockerfileError

NON_ENV_ARGS = frozenset({"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"})
"""ARGs that configure BuildKit and never reach the build environment."""

_SIGNALS = frozenset(
    ("ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
     "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
     "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
     *(f"RTMIN+{n}" for n in range(1, 16)), *(f"RTMAX-{n}" for n in range(1, 15))))
"""Signal names Docker accepts on Linux (moby/sys `SignalMap`), without the `SIG` prefix."""


@dataclass(frozen=True, slots=True)
class StepExpansion:
    """An instruction as BuildKit dispatches it."""

    command: Command
    """The instruction with variables expanded where BuildKit expands them."""
    used: tuple[str, ...]
    """Variables that were looked up and set, in first-use order."""
    unmatched: tuple[str, ...]
    """Variables that were looked up but are not set (what UndefinedVar reports)."""
    env: tuple[tuple[str, str], ...] = ()
    """What the step adds to the stage's environment, in order (ENV, and ARGs with a value)."""
    display: str | None = None
    """The step's name in the progress output (RUN, COPY, ADD, WORKDIR), e.g. `RUN echo hi`."""


class _Expander:
    """Collects matches across the words of one instruction."""

    def __init__(self, env: Mapping[str, str], lexer: Lexer) -> None:
        self._env = env
        self._lexer = lexer
        self.used: dict[str, None] = {}
        self.unmatched: dict[str, None] = {}

    def __call__(self, word: str) -> str:
        found = self._lexer.process_word(word, self._env)
        self.used.update(dict.fromkeys(found.matched))
        self.unmatched.update(dict.fromkeys(found.unmatched))
        return found.result

    def many(self, words: Sequence[str]) -> tuple[str, ...]:
        return tuple(self(word) for word in words)

    def pairs(self, pairs: Sequence[KeyValue]) -> tuple[KeyValue, ...]:
        return tuple(KeyValue(self(p.key), self(p.value), p.legacy) for p in pairs)

    def contents(self, contents: Sequence[SourceContent]) -> tuple[SourceContent, ...]:
        raw = _Expander(self._env, Lexer(skip_process_quotes=True))
        out = tuple(replace(c, data=raw(c.data)) if c.expand else c for c in contents)
        self.used.update(raw.used)
        self.unmatched.update(raw.unmatched)
        return out

    def result(self, command: Command, *, env: tuple[tuple[str, str], ...] = (),
               display: str | None = None) -> StepExpansion:
        return StepExpansion(command, tuple(self.used), tuple(self.unmatched), env, display)


def expand_command(command: Command, env: Mapping[str, str], *,
                   escape: str = "\\") -> StepExpansion:
    """Expand and check `command` at dispatch time with the stage's environment `env`.

    ARG needs the build arguments: use `expand_arg`. Raises `DockerfileError` on the
    instruction's lines, in BuildKit's words (`failed to process "${X": …`, `invalid signal: …`).
    """
    try:
        return _expand(command, env, escape)
    except DockerfileError as err:
        raise DockerfileError(err.message, command.start_line, command.end_line) from None


def _expand(command: Command, env: Mapping[str, str], escape: str) -> StepExpansion:
    lexer = Lexer(escape)
    ex = _Expander(env, lexer)
    if isinstance(command, Env):
        expanded_env = replace(command, pairs=ex.pairs(command.pairs))
        return ex.result(expanded_env, env=tuple((p.key, p.value) for p in expanded_env.pairs))
    if isinstance(command, Label):
        return ex.result(replace(command, pairs=ex.pairs(command.pairs)))
    if isinstance(command, Copy | Add):
        return _expand_copy(command, ex, env, lexer)
    if isinstance(command, Workdir):
        workdir = replace(command, path=ex(command.path))
        return ex.result(workdir, display=_display(workdir.code, env, lexer))
    if isinstance(command, User):
        return ex.result(replace(command, user=ex(command.user)))
    if isinstance(command, Volume):
        volumes = ex.many(command.volumes)
        if "" in volumes:
            raise DockerfileError("VOLUME specified can not be an empty string")
        return ex.result(replace(command, volumes=volumes))
    if isinstance(command, Stopsignal):
        signal = ex(command.signal)
        _check_signal(signal)
        return ex.result(replace(command, signal=signal))
    if isinstance(command, Expose):
        words = [w for port in command.ports for w in lexer.process_words(port, env)]
        return ex.result(replace(command, ports=parse_ports(words)))
    if isinstance(command, Run):
        return _expand_run(command, ex, env, lexer)
    return ex.result(command)


def _expand_copy(command: Copy | Add, ex: _Expander, env: Mapping[str, str],
                 lexer: Lexer) -> StepExpansion:
    chown, chmod = ex(command.chown), ex(command.chmod)
    checksum = ex(command.checksum) if isinstance(command, Add) else ""
    sources, dest = ex.many(command.sources), ex(command.dest)
    contents = ex.contents(command.contents)
    expanded: Copy | Add
    if isinstance(command, Add):
        expanded = replace(command, chown=chown, chmod=chmod, checksum=checksum, sources=sources,
                           dest=dest, contents=contents)
    else:
        expanded = replace(command, chown=chown, chmod=chmod, sources=sources, dest=dest,
                           contents=contents)
    return ex.result(expanded, display=_display(command.code, env, lexer))


def _expand_run(command: Run, ex: _Expander, env: Mapping[str, str],
                lexer: Lexer) -> StepExpansion:
    mounts = tuple(parse_mount(spec, ex) for spec in command.mount_specs)
    shown = dict(env)
    for mount in mounts:
        if mount.type == "secret" and mount.env is not None:
            shown[mount.env] = "****"  # the progress line shows that a secret is used, not it
    name = command.code
    if command.files and command.cmd_line and parse_heredoc_word(command.cmd_line[0]):
        name += f" ({_summarize(command.files[0].data)})"
    raw_lexer = Lexer(lexer.escape, raw_quotes=True, skip_unset_env=True)
    return ex.result(replace(command, mounts=mounts), display=_display(name, shown, raw_lexer))


def _summarize(data: str) -> str:
    lines = data.strip().replace("\r\n", "\n").split("\n")
    return lines[0] + ("..." if len(lines) > 1 else "")


def _display(code: str, env: Mapping[str, str], lexer: Lexer) -> str:
    """BuildKit's progress name: the source text expanded (as is if that fails), keyword upper."""
    try:
        text = lexer.process_word(code, env).result
    except DockerfileError:
        text = code
    keyword, space, rest = text.partition(" ")
    return keyword.upper() + space + rest


def _check_signal(signal: str) -> None:
    number = parse_atoi(signal)
    if number is not None:
        if number == 0:
            raise DockerfileError(f"invalid signal: {signal}")
        return
    name = signal.upper()
    if name.startswith("SIG"):
        name = name[3:]
    if name not in _SIGNALS:
        raise DockerfileError(f"invalid signal: {signal}")


def expand_arg(command: Arg, env: Mapping[str, str], *, build_args: Mapping[str, str],
               global_args: Mapping[str, str], escape: str = "\\") -> StepExpansion:
    """Resolve an ARG inside a stage as BuildKit does.

    A `--build-arg` wins over the default; an ARG with neither takes the value of the same-named
    global (pre-FROM or predefined) ARG; a default is expanded with the environment as it stands,
    so `ARG A=1 B=$A` gives B "1". `command.args` in the result hold the final values (None: no
    value, the variable stays unset).
    """
    current = dict(env)
    used: dict[str, None] = {}
    unmatched: dict[str, None] = {}
    resolved: list[ArgDef] = []
    added: list[tuple[str, str]] = []
    lexer = Lexer(escape)
    for arg in command.args:
        value = arg.value
        if arg.key in build_args:
            value = build_args[arg.key]
        elif value is not None:
            try:
                found = lexer.process_word(value, current)
            except DockerfileError as err:
                raise DockerfileError(err.message, command.start_line, command.end_line) from None
            used.update(dict.fromkeys(found.matched))
            unmatched.update(dict.fromkeys(found.unmatched))
            value = found.result
        elif arg.key in global_args:
            value = global_args[arg.key]
        if value is not None and arg.key not in NON_ENV_ARGS:
            current[arg.key] = value
            added.append((arg.key, value))
        resolved.append(ArgDef(arg.key, value))
    return StepExpansion(replace(command, args=tuple(resolved)), tuple(used), tuple(unmatched),
                         env=tuple(added))


@dataclass(frozen=True, slots=True)
class RunCommandLine:
    """What a RUN step executes."""

    argv: tuple[str, ...]
    script: InlineFile | None = None
    """A heredoc starting with `#!`: BuildKit writes it to `/dev/pipes/<name>` (mode 0755)
    and runs that file instead of a shell."""


def run_command_line(run: Run, shell: Sequence[str]) -> RunCommandLine:
    """The argv of a RUN step, heredocs included; `shell` is the image's SHELL or `/bin/sh -c`."""
    args = run.cmd_line
    script = None
    if run.files:
        if len(args) != 1 or not run.prepend_shell:
            raise DockerfileError(f"parsing produced an invalid run command: [{' '.join(args)}]",
                                  run.start_line, run.end_line)
        if parse_heredoc_word(args[0]) is not None:
            first = run.files[0]
            data = chomp_heredoc(first.data) if first.chomp else first.data
            if data.startswith("#!"):
                script = InlineFile(first.name, data, False)
                return RunCommandLine(("/dev/pipes/" + first.name,), script)
            args = (data,)
        else:
            args = (args[0] + "".join(f"\n{f.data}{f.name}" for f in run.files),)
    if run.prepend_shell:
        return RunCommandLine((*shell, " ".join(args)))
    return RunCommandLine(args)


# --- EXPOSE ---------------------------------------------------------------------------------------

def split_port(raw: str) -> tuple[str, str, str]:
    """(host IP, host port, container port[/proto]) of an EXPOSE word, split at its colons."""
    parts = raw.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _split_proto(raw: str, container: str) -> tuple[str, str]:
    port, _, proto = container.partition("/")
    if not port:
        raise DockerfileError(f"invalid port: {quote(raw)}: no port specified")
    if proto.lower() not in ("", "tcp", "udp", "sctp"):
        raise DockerfileError(f"invalid port: {quote(raw)}: invalid proto: {proto}")
    return port, proto or "tcp"


def _port_number(text: str) -> int | None:
    number = parse_atoi(text)
    return number if number is not None and 0 <= number <= 65535 else None


def _port_range(text: str) -> tuple[int, int] | None:
    if not text:
        return None
    start_text, has_end, end_text = text.partition("-")
    start = _port_number(start_text)
    if start is None:
        return None
    if not has_end or start_text == end_text:
        return start, start
    end = _port_number(end_text)
    if end is None or end < start:
        return None
    return start, end


def _check_ip(ip: str) -> None:
    if ip.startswith("["):
        address = ip + ":"
        close = address.find("]")
        reason = ""
        if close < 0:
            reason = "missing ']' in address"
        elif close + 1 != len(address) - 1:
            reason = "too many colons in address" if address[close + 1] == ":" else (
                "missing port in address")
        elif "[" in address[1:]:
            reason = "unexpected '[' in address"
        elif "]" in address[close + 1:]:
            reason = "unexpected ']' in address"
        if reason:
            raise DockerfileError(f"invalid IP address {ip}: address {address}: {reason}")
        ip = address[1:close]
    if not ip:
        return
    try:
        if "%" in ip:
            raise ValueError(ip)
        ipaddress.ip_address(ip)
    except ValueError:
        raise DockerfileError("invalid IP address: " + ip) from None


def _parse_port(raw: str) -> list[str]:
    ip, host_port, container = split_port(raw)
    port, proto = _split_proto(raw, container)
    _check_ip(ip)
    span = _port_range(port)
    if span is None:
        raise DockerfileError("invalid containerPort: " + port)
    if host_port:
        host_span = _port_range(host_port)
        if host_span is None:
            raise DockerfileError("invalid hostPort: " + host_port)
        if span[1] - span[0] != host_span[1] - host_span[0] and span[0] != span[1]:
            raise DockerfileError("invalid ranges specified for container and host Ports: "
                                  f"{port} and {host_port}")
    return [f"{number}/{proto.lower()}" for number in range(span[0], span[1] + 1)]


def parse_ports(words: Sequence[str]) -> tuple[str, ...]:
    """EXPOSE words as the image config records them (`80/tcp`, ranges unrolled)."""
    return tuple(port for word in words for port in _parse_port(word))

