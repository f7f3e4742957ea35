"""Instructions that only edit the image config: no op, no layer, no cache key of their own.

Each records a history entry (`empty_layer`) worded as BuildKit's `commitToHistory` words it
(convert.go), and changes what later steps see only through the config or the environment:
ENV, ARG, USER and SHELL reach later RUNs; LABEL, CMD, EXPOSE… reach nothing but the image.
ONBUILD records no history at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tutor.engine.build.stage import StageState, set_env
from tutor.engine.dockerfile import (
    Arg,
    Cmd,
    Command,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Shell,
    Stopsignal,
    User,
    Volume,
)
from tutor.engine.gotext import quote_list
from tutor.engine.image import Healthcheck as HealthConfig

Added = tuple[tuple[str, str], ...]
"""What the instruction adds to the stage's environment (ENV, and ARGs with a value)."""


def go_slice(items: tuple[str, ...] | list[str]) -> str:
    """Go's `%v` of a []string: `[a b c]`."""
    return "[" + " ".join(items) + "]"


def go_duration(nanos: int) -> str:
    """Go's `time.Duration.String()`: `30s`, `1m30s`, `1h0m0s`, `500ms`, `0s`."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    n = abs(nanos)
    if n < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if n >= size:
                return sign + _trim(f"{n / size:.9f}") + unit
    seconds = _trim(f"{(n % 60_000_000_000) / 1e9:.9f}") + "s"
    minutes = n // 60_000_000_000
    if minutes == 0:
        return sign + seconds
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return f"{sign}{minutes}m{seconds}"
    return f"{sign}{hours}h{minutes}m{seconds}"


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _with_shell(state: StageState, args: tuple[str, ...]) -> tuple[str, ...]:
    shell = state.config.shell or ("/bin/sh", "-c")
    return (*shell, " ".join(args))


def _env(state: StageState, cmd: Env, added: Added) -> None:
    for key, value in added:
        set_env(state.image_env, key, value)
        set_env(state.state_env, key, value)
    state.commit("ENV " + " ".join(f"{p.key}={p.value}" for p in cmd.pairs), False, None)


def _arg(state: StageState, cmd: Arg, added: Added) -> None:
    for key, value in added:
        set_env(state.state_env, key, value)
    state.build_args += [(a.key, a.value) for a in cmd.args]
    state.commit("ARG " + " ".join(
        a.key + (f"={a.value}" if a.value is not None else "") for a in cmd.args
    ), False, None)


def _label(state: StageState, cmd: Label, _: Added) -> None:
    labels = dict(state.config.labels)
    labels.update({p.key: p.value for p in cmd.pairs})
    state.config = replace(state.config, labels=tuple(labels.items()))
    state.commit("LABEL " + " ".join(f"{p.key}={p.value}" for p in cmd.pairs), False, None)


def _maintainer(state: StageState, cmd: Maintainer, _: Added) -> None:
    state.author = cmd.maintainer
    state.commit(f"MAINTAINER {cmd.maintainer}", False, None)


def _cmd(state: StageState, cmd: Cmd, _: Added) -> None:
    args = _with_shell(state, cmd.cmd_line) if cmd.prepend_shell else cmd.cmd_line
    state.config = replace(state.config, cmd=tuple(args), args_escaped=True)
    state.cmd_set = True
    state.commit(f"CMD {quote_list(args)}", False, None)


def _entrypoint(state: StageState, cmd: Entrypoint, _: Added) -> None:
    line = cmd.cmd_line or ()
    args = _with_shell(state, line) if cmd.prepend_shell else line
    state.config = replace(state.config, entrypoint=tuple(args))
    if not state.cmd_set:  # an ENTRYPOINT drops the CMD inherited from the base image
        state.config = replace(state.config, cmd=())
    state.commit(f"ENTRYPOINT {quote_list(args)}", False, None)


def _healthcheck(state: StageState, cmd: Healthcheck, _: Added) -> None:
    health = HealthConfig(tuple(cmd.test), cmd.interval, cmd.timeout, cmd.start_period,
                          cmd.start_interval, cmd.retries)
    state.config = replace(state.config, healthcheck=health)
    state.commit(
        f"HEALTHCHECK {{Test:{go_slice(list(health.test))} "
        f"Interval:{go_duration(health.interval)} Timeout:{go_duration(health.timeout)} "
        f"StartPeriod:{go_duration(health.start_period)} "
        f"StartInterval:{go_duration(health.start_interval)} Retries:{health.retries}}}",
        False, None,
    )


def _expose(state: StageState, cmd: Expose, _: Added) -> None:
    ports = tuple(dict.fromkeys([*state.config.exposed_ports, *cmd.ports]))
    state.config = replace(state.config, exposed_ports=ports)
    state.commit(f"EXPOSE {go_slice(list(cmd.ports))}", False, None)


def _user(state: StageState, cmd: User, _: Added) -> None:
    state.config = replace(state.config, user=cmd.user)
    state.commit(f"USER {cmd.user}", False, None)


def _volume(state: StageState, cmd: Volume, _: Added) -> None:
    volumes = tuple(dict.fromkeys([*state.config.volumes, *cmd.volumes]))
    state.config = replace(state.config, volumes=volumes)
    state.commit(f"VOLUME {go_slice(list(cmd.volumes))}", False, None)


def _stopsignal(state: StageState, cmd: Stopsignal, _: Added) -> None:
    state.config = replace(state.config, stop_signal=cmd.signal)
    state.commit(f"STOPSIGNAL {cmd.signal}", False, None)


def _shell(state: StageState, cmd: Shell, _: Added) -> None:
    state.config = replace(state.config, shell=tuple(cmd.shell))
    state.commit(f"SHELL {go_slice(list(cmd.shell))}", False, None)


def _onbuild(state: StageState, cmd: Onbuild, _: Added) -> None:
    state.config = replace(state.config, on_build=(*state.config.on_build, cmd.expression))


_HANDLERS: dict[type[Command], Callable[[StageState, object, Added], None]] = {
    Env: _env, Arg: _arg, Label: _label, Maintainer: _maintainer, Cmd: _cmd,  # type: ignore[dict-item]
    Entrypoint: _entrypoint, Healthcheck: _healthcheck, Expose: _expose,  # type: ignore[dict-item]
    User: _user, Volume: _volume, Stopsignal: _stopsignal, Shell: _shell,  # type: ignore[dict-item]
    Onbuild: _onbuild,  # type: ignore[dict-item]
}


def apply_metadata(state: StageState, cmd: Command, added: Added) -> bool:
    """Apply a metadata instruction to the stage; False when `cmd` is a step (RUN, COPY…)."""
    handler = _HANDLERS.get(type(cmd))
    if handler is None:
        return False
    handler(state, cmd, added)
    return True
