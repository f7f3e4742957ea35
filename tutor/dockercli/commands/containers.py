"""Container commands: `run`, `create`, `ps`, `start`, `stop`, `restart`, `kill`, `pause`,
`unpause`, `rm`, `logs`, `exec`, `diff`, `commit`, `export`, `cp`, `port`, `inspect`,
`container prune` — printing what the Docker 28 CLI prints for each.

Every command here saves the engine's clock when it is done, and takes at least
`COMMAND_SECONDS` of simulated time (see `tutor.engine.containers` for the rule).
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.dockercli._flags import Flag, Parsed, content_trust
from tutor.dockercli._main import DAEMON, CliError, Context, command
from tutor.dockercli._prompt import confirm
from tutor.dockercli._session import check_tty, converse
from tutor.dockercli.commands.images import (
    daemon_error,
    image_inspect_doc,
    inspect_escapes_html,
    missing_image_name,
    pull_and_report,
    typed_inspect_view,
    write_formatted,
    write_inspect,
)
from tutor.dockercli.format import (
    created_since,
    ellipsis,
    go_quote,
    human_duration,
    human_size,
    human_size_precision,
)
from tutor.dockercli.templates import Struct
from tutor.engine.clock import rfc3339
from tutor.engine.containers import (
    COMMAND_SECONDS,
    START_SECONDS,
    Container,
    ContainerStore,
    CreateOptions,
    MountSpec,
    PortBinding,
    RestartPolicy,
    StartError,
)
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, FileTree, FsError, Node, symlink
from tutor.engine.layers import write_tar
from tutor.engine.reference import InvalidReference, parse_docker_ref, parse_reference


def _finish(ctx: Context, seconds: float = COMMAND_SECONDS) -> None:
    ctx.engine.advance(seconds)


def _store(ctx: Context) -> ContainerStore:
    return ctx.engine.containers


def _container(store: ContainerStore, name: str) -> Container:
    """The named container; a name that matches none fails as the daemon's answer does."""
    try:
        return store.get(name)
    except EngineError as exc:
        raise daemon_error(exc) from None


def _with_help(message: str, path: str, status: int = 125) -> CliError:
    return CliError(f"docker: {message}\n\nRun 'docker {path} --help' for more information",
                    status)


# -- run / create ----------------------------------------------------------------------------

CREATE_FLAGS = (
    Flag("detach", short="d", help="Run container in background and print container ID"),
    *content_trust("Skip image verification"),
    Flag("entrypoint", "string", help="Overwrite the default ENTRYPOINT of the image"),
    Flag("env", "list", short="e", help="Set environment variables"),
    Flag("env-file", "list", help="Read in a file of environment variables"),
    Flag("interactive", short="i", help="Keep STDIN open even if not attached"),
    Flag("label", "list", short="l", help="Set meta data on a container"),
    Flag("memory", "bytes", short="m", help="Memory limit"),
    Flag("mount", "list", metavar="mount", help="Attach a filesystem mount to the container"),
    Flag("name", "string", help="Assign a name to the container"),
    Flag("network", "string", metavar="network", help="Connect a container to a network"),
    Flag("platform", "string", help="Set platform if server is multi-platform capable"),
    Flag("publish", "list", short="p", help="Publish a container's port(s) to the host"),
    Flag("publish-all", short="P", help="Publish all exposed ports to random ports"),
    Flag("read-only", help="Mount the container's root filesystem as read only"),
    Flag("restart", "string", default="no",
         help="Restart policy to apply when a container exits"),
    Flag("rm", help="Automatically remove the container and its associated anonymous volumes "
                    "when it exits"),
    Flag("stop-timeout", "int", help="Timeout (in seconds) to stop a container"),
    Flag("tty", short="t", help="Allocate a pseudo-TTY"),
    Flag("user", "string", short="u", help="Username or UID (format: <name|uid>[:<group|gid>])"),
    Flag("volume", "list", short="v", help="Bind mount a volume"),
    Flag("workdir", "string", short="w", help="Working directory inside the container"),
)


HostPath = Callable[[str], Path]
"""`Context.path`: a host path as typed, checked against the tutorial's confinement."""


def _ports(specs: list[str]) -> tuple[PortBinding, ...]:
    out = []
    for spec in specs:
        body, _, proto = spec.partition("/")
        proto = proto or "tcp"
        parts = body.rsplit(":", 2)
        try:
            if len(parts) == 1:
                out.append(PortBinding(int(parts[0]), proto))
            elif len(parts) == 2:
                out.append(PortBinding(int(parts[1]), proto, "", int(parts[0]) if parts[0] else 0))
            else:
                host = int(parts[1]) if parts[1] else 0
                out.append(PortBinding(int(parts[2]), proto, parts[0], host))
        except ValueError:
            raise EngineError(f'invalid containerPort: {parts[-1]}') from None
    return tuple(out)


def _volume_spec(spec: str) -> list[str]:
    """`-v` split as the CLI's volume-spec parser splits it (it refuses empty sections), then
    checked as the daemon checks a raw mount (`volume/mounts/linux_parser.go`)."""
    parts = spec.split(":")
    if len(spec) > 2 and "" in parts:
        raise EngineError(f"invalid spec: {spec}: empty section between colons")
    if not parts[0] or len(parts) > 3 or (len(parts) == 2 and parts[1] in ("ro", "rw")):
        raise EngineError(f"{DAEMON}invalid volume specification: '{spec}'")
    target = parts[-1] if len(parts) < 3 else parts[1]
    if not target.startswith("/"):
        kind = "bind" if parts[0].startswith("/") and len(parts) > 1 else "volume"
        raise EngineError(
            f"{DAEMON}invalid volume specification: '{spec}': invalid mount config for type "
            f'"{kind}": invalid mount path: \'{target}\' mount path must be absolute')
    if posixpath.normpath(target) == "/":
        kind = "bind" if parts[0].startswith("/") else "volume"
        raise EngineError(f"{DAEMON}invalid volume specification: '{spec}': invalid mount "
                          f'config for type "{kind}": invalid specification: destination '
                          "can't be '/'")
    return parts


def _mounts(volumes: list[str], mounts: list[str], host_path: HostPath
            ) -> tuple[MountSpec, ...]:
    out = []
    for spec in volumes:
        parts = _volume_spec(spec)
        ro = len(parts) > 2 and "ro" in parts[2].split(",")
        if len(parts) == 1:
            out.append(MountSpec("volume", "", parts[0], False))
            continue
        source, target = parts[0], parts[1]
        # Only `/` and `.` make a bind mount: `~` is the shell's to expand, never docker's
        if source.startswith((".", "/")):
            out.append(MountSpec("bind", str(host_path(source).resolve()), target, ro))
        else:
            out.append(MountSpec("volume", source, target, ro))
    for spec in mounts:
        fields = dict(f.partition("=")[::2] for f in spec.split(","))
        kind = fields.get("type", "volume")
        source = fields.get("source", fields.get("src", ""))
        target = fields.get("target", fields.get("destination", fields.get("dst", "")))
        if not target:
            raise EngineError("invalid argument \"" + spec + "\" for \"--mount\" flag: "
                              "target is required")
        if kind == "bind":
            source = str(host_path(source).resolve())
        out.append(MountSpec(kind, source, target, "readonly" in fields or "ro" in fields))
    return tuple(out)


def _env(values: list[str], files: list[str], host_path: HostPath) -> tuple[str, ...]:
    import os

    out = []
    for path in files:
        try:
            raw = host_path(path).read_bytes()
        except OSError as exc:
            raise EngineError(f"open {path}: {(exc.strerror or '').lower()}") from None
        values = _env_file_lines(path, raw) + values
    for item in values:
        if "=" in item:
            out.append(item)
        elif item in os.environ:
            out.append(f"{item}={os.environ[item]}")
    return tuple(out)


def _env_file_lines(path: str, raw: bytes) -> list[str]:
    """The settings of an env file, read as the CLI's `opts.ParseEnvFile` reads them."""
    lines = []
    for number, line in enumerate(raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"), 1):
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            shown = " ".join(str(b) for b in line)
            raise EngineError(f"env file {path} contains invalid utf8 bytes at line {number}: "
                              f"[{shown}]") from None
        if text and not text.startswith("#"):
            lines.append(text)
    return lines


def _restart(text: str) -> RestartPolicy:
    name, _, count = text.partition(":")
    if name not in ("no", "always", "unless-stopped", "on-failure", ""):
        raise EngineError(f"invalid restart policy: unknown policy '{name}'; use one of 'no', "
                          "'always', 'on-failure', or 'unless-stopped'")
    if count and name != "on-failure":
        raise EngineError("invalid restart policy: maximum retry count can only be used with "
                          "'on-failure'")
    return RestartPolicy(name or "no", int(count) if count.isdigit() else 0)


def _labels(items: list[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(x).partition("=")[0], str(x).partition("=")[2]) for x in items)


def _options(args: Parsed, host_path: HostPath) -> CreateOptions:
    image, *cmd = args.args
    entry = args.values["entrypoint"] if "entrypoint" in args.changed else None
    return CreateOptions(
        image=image, cmd=tuple(cmd),
        entrypoint=None if entry is None else (tuple(str(entry).split()) if entry else ()),
        env=_env(args.list("env"), args.list("env_file"), host_path),
        workdir=args.str("workdir"),
        user=args.str("user"), ports=_ports(args.list("publish")),
        publish_all=args.bool("publish_all"),
        mounts=_mounts(args.list("volume"), args.list("mount"), host_path),
        restart=_restart(args.str("restart")), auto_remove=args.bool("rm"),
        tty=args.bool("tty"), stdin_open=args.bool("interactive"), name=args.str("name"),
        labels=_labels(args.list("label")),
        stop_timeout=args.int("stop_timeout") if "stop_timeout" in args.changed else None,
        read_only=args.bool("read_only"), memory=args.int("memory"),
    )


def _create(ctx: Context, args: Parsed, path: str) -> Container:
    name = args.args[0]
    try:
        ref = parse_reference(name)
    except InvalidReference as exc:
        if not all(c in "0123456789abcdef" for c in name):
            raise _with_help(exc.message, path) from None
        ref = None
    engine = ctx.engine
    try:
        opts = _options(args, ctx.path)
    except EngineError as exc:
        raise _with_help(exc.message, path) from None
    image = engine.images.find(name)
    if image is None:
        if ref is None:
            raise _with_help(f"{DAEMON}No such image: {name}", path)
        docker_ref = parse_docker_ref(name)
        ctx.err.write(f"Unable to find image '{docker_ref.familiar}' locally\n")
        pulled = Context(ctx.state, ctx.err, ctx.err, ctx.tty)
        pulled.__dict__["engine"] = engine
        try:
            pull_and_report(pulled, docker_ref, args.str("platform") or None, quiet=False)
        except CliError as exc:
            error = _with_help(str(exc), path)
            error.hint = exc.hint
            raise error from None
        image = engine.images.resolve(name)
    try:
        return _store(ctx).create(opts, image)
    except EngineError as exc:
        raise _with_help(DAEMON + exc.message, path) from None


@command("create", "container create", usage="[OPTIONS] IMAGE [COMMAND] [ARG...]",
         summary="Create a new container", flags=CREATE_FLAGS, min_args=1, interspersed=False)
def create(ctx: Context, args: Parsed) -> None:
    c = _create(ctx, args, "create")
    ctx.out.write(c.id + "\n")
    _finish(ctx)


@command("run", "container run", usage="[OPTIONS] IMAGE [COMMAND] [ARG...]",
         summary="Create and run a new container from an image", flags=CREATE_FLAGS,
         min_args=1, interspersed=False)
def run(ctx: Context, args: Parsed) -> int:
    if not args.bool("detach"):
        check_tty(ctx, args.bool("interactive"), args.bool("tty"))
    c = _create(ctx, args, "run")
    store = _store(ctx)
    try:
        outcome = store.start(c)
    except StartError as exc:
        if c.auto_remove:  # moby's containerStart removes an AutoRemove container it failed
            store.remove(c, force=True, volumes=True)
        _finish(ctx, START_SECONDS)
        raise _with_help(DAEMON + exc.message, "run", exc.status) from None
    if args.bool("detach"):
        ctx.out.write(c.id + "\n")
        _finish(ctx, START_SECONDS)
        return 0
    assert outcome is not None
    for stream, text in outcome.output:
        (ctx.out if stream == 1 else ctx.err).write(text)
    if c.stdin_open and _is_shell(c.argv):
        _finish(ctx, START_SECONDS)
        return converse(ctx, store.session(c, tty=c.tty))
    ends = c.run_until is not None  # false too for a process that would outlive the clock
    _finish(ctx, START_SECONDS + (outcome.seconds if ends else 0.0))
    if not ends:
        return 0
    ctx.engine.advance(0.001)
    current = store.find(c.id)
    return c.exit_code if current is None else current.exit_code


# -- ps --------------------------------------------------------------------------------------

PS_HEADERS = {
    "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS",
    "Size": "SIZE", "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS",
    "Networks": "NETWORKS", "LocalVolumes": "LOCAL VOLUMES", "Image ID": "IMAGE ID",
}


def status_text(c: Container, now: float, health: str = "") -> str:
    """moby's `State.String()`; `health` is the HEALTHCHECK status when the image has one."""
    if c.running:
        if c.paused:
            return f"Up {human_duration(now - c.started_at)} (Paused)"
        if c.restarting:
            return f"Restarting ({c.exit_code}) {human_duration(now - c.finished_at)} ago"
        up = f"Up {human_duration(now - c.started_at)}"
        if health == "starting":
            return f"{up} (health: starting)"
        return f"{up} ({health})" if health else up
    if c.started_at == 0.0:
        return "Created"
    return f"Exited ({c.exit_code}) {human_duration(now - c.finished_at)} ago"


def _health_doc(store: ContainerStore, c: Container) -> dict[str, Any]:
    found = store.health(c)
    if found is None:
        return {}
    return {"Health": {"Status": found.status, "FailingStreak": found.failing_streak,
                       "Log": []}}


def _health_status(store: ContainerStore, c: Container) -> str:
    found = store.health(c)
    return found.status if found is not None else ""


def ports_text(c: Container) -> str:
    parts = []
    published = {p.key for p in c.ports if c.running}
    if c.running:
        for p in sorted(c.ports, key=lambda p: (p.host_port, p.container_port)):
            if p.host_ip:
                parts.append(f"{p.host_ip}:{p.host_port}->{p.key}")
            else:
                parts.append(f"0.0.0.0:{p.host_port}->{p.key}")
                parts.append(f"[::]:{p.host_port}->{p.key}")
    parts += [k for k in c.exposed if k not in published]
    return ", ".join(parts)


def image_column(ctx: Context, c: Container) -> str:
    name = c.image_ref
    found = ctx.engine.images.find(name)
    if found is None or found.id != c.image_id or c.image_id[7:].startswith(name):
        return c.image_id[7:19]
    try:
        ref = parse_reference(name)
    except InvalidReference:
        return name
    return ref.familiar if ref.tag else ref.familiar_name


def ps_row(ctx: Context, c: Container, *, no_trunc: bool, size: bool) -> dict[str, Any]:
    now = ctx.engine.clock
    command_text = " ".join(c.argv)
    store = _store(ctx)
    row: dict[str, Any] = {
        "ID": c.id if no_trunc else c.short_id,
        "Image": image_column(ctx, c),
        "Command": go_quote(command_text if no_trunc else ellipsis(command_text, 20)),
        "CreatedAt": rfc3339(float(int(c.created))).replace("T", " ").replace("Z", " +0000 UTC"),
        "RunningFor": created_since(int(c.created), now),
        "Ports": ports_text(c),
        "State": c.state,
        "Status": status_text(c, now, _health_status(store, c)),
        "Names": c.name,
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(c.labels.items())),
        "Mounts": ",".join(m.source[:15] if m.kind == "volume" else m.source for m in c.mounts),
        "Networks": "bridge",
        "LocalVolumes": str(sum(1 for m in c.mounts if m.kind == "volume")),
        "Label": lambda key: c.labels.get(str(key), ""),
    }
    if size:
        rw = store.size_rw(c)
        row["Size"] = f"{human_size_precision(rw, 3)} (virtual " \
                      f"{human_size_precision(store.size_root(c), 3)})"
    else:
        row["Size"] = "0B"
    return row


def _matches(ctx: Context, c: Container, filters: list[str]) -> bool:
    by_key: dict[str, list[str]] = {}
    for spec in filters:
        key, _, value = spec.partition("=")
        by_key.setdefault(key, []).append(value)
    for key, values in by_key.items():
        if key == "status":
            ok = c.state in values
        elif key == "name":
            ok = any(v.removeprefix("/") in c.name for v in values)
        elif key == "id":
            ok = any(c.id.startswith(v) for v in values)
        elif key == "exited":
            ok = not c.running and c.started_at > 0 and str(c.exit_code) in values
        elif key == "ancestor":
            ok = False
            for v in values:
                image = ctx.engine.images.find(v)
                ok = ok or (image is not None and image.id == c.image_id)
        elif key == "label":
            ok = all((k in c.labels) if not eq else c.labels.get(k) == val
                     for k, eq, val in (v.partition("=") for v in values))
        elif key == "publish":
            ok = any(str(p.host_port) == v.split("/")[0] for p in c.ports for v in values)
        elif key == "expose":
            ok = any(v in c.exposed or f"{v}/tcp" in c.exposed for v in values)
        else:
            raise CliError(f"{DAEMON}invalid filter '{key}'")
        if not ok:
            return False
    return True


@command(
    "ps", "container ls", "container list", "container ps",
    usage="[OPTIONS]", summary="List containers",
    flags=(
        Flag("all", short="a", help="Show all containers (default shows just running)"),
        Flag("filter", "list", short="f", metavar="filter",
             help="Filter output based on conditions provided"),
        Flag("format", "string", help="Format output using a custom template"),
        Flag("last", "int", short="n", default=-1,
             help="Show n last created containers (includes all states)"),
        Flag("latest", short="l", help="Show the latest created container (includes all states)"),
        Flag("no-trunc", help="Don't truncate output"),
        Flag("quiet", short="q", help="Only display container IDs"),
        Flag("size", short="s", help="Display total file sizes"),
    ),
    max_args=0,
)
def ps(ctx: Context, args: Parsed) -> None:
    containers = _store(ctx).all()
    filters: list[str] = [str(f) for f in args.list("filter")]
    last = 1 if args.bool("latest") else args.int("last")
    show_all = args.bool("all") or last > 0 or any(
        f.startswith(("status=", "exited=")) for f in filters)
    if not show_all:
        containers = [c for c in containers if c.running]
    containers = [c for c in containers if _matches(ctx, c, filters)]
    if last > 0:
        containers = containers[:last]
    fmt = args.str("format")
    size = args.bool("size") or "{{.Size}}" in fmt.replace(" ", "")
    rows = [ps_row(ctx, c, no_trunc=args.bool("no_trunc"), size=size) for c in containers]
    if args.bool("quiet"):
        ctx.out.write("".join(r["ID"] + "\n" for r in rows))
    else:
        if not fmt:
            fmt = ("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
                   "{{.Ports}}\t{{.Names}}") + ("\t{{.Size}}" if size else "")
        write_formatted(ctx, fmt, [Struct("formatter.ContainerContext", r, True) for r in rows],
                        PS_HEADERS)
    _finish(ctx)


# -- lifecycle -------------------------------------------------------------------------------


def _each(ctx: Context, names: list[str], action: Any) -> int:
    """Apply `action` to each named container, echoing names and collecting errors as the
    CLI does (errors on stderr, exit status 1 if any failed)."""
    status = 0
    store = _store(ctx)
    for name in names:
        try:
            action(store, store.get(name))
        except EngineError as exc:
            ctx.err.write(DAEMON + exc.message + "\n")
            status = 1
            continue
        ctx.out.write(name + "\n")
    _finish(ctx)
    return status


_TIME = (Flag("signal", "string", short="s", help="Signal to send to the container"),
         Flag("time", "int", short="t", help="Seconds to wait before killing the container"),
         Flag("timeout", "int", hidden=True))


def _timeout(args: Parsed) -> int | None:
    if "time" in args.changed:
        return args.int("time")
    return args.int("timeout") if "timeout" in args.changed else None


@command("start", "container start", usage="[OPTIONS] CONTAINER [CONTAINER...]",
         summary="Start one or more stopped containers",
         flags=(Flag("attach", short="a", help="Attach STDOUT/STDERR and forward signals"),
                Flag("interactive", short="i", help="Attach container's STDIN")),
         min_args=1)
def start(ctx: Context, args: Parsed) -> int:
    if args.bool("attach") and len(args.args) == 1:
        store = _store(ctx)
        try:
            c = store.get(args.args[0])
            outcome = store.start(c)
        except StartError as exc:
            raise CliError(f"{DAEMON}{exc.message}", exc.status) from None
        except EngineError as exc:
            raise daemon_error(exc) from None
        if outcome is not None:
            for stream, text in outcome.output:
                (ctx.out if stream == 1 else ctx.err).write(text)
            _finish(ctx, START_SECONDS + outcome.seconds)
            return c.exit_code if outcome.ends else 0
        return 0
    status = 0
    store = _store(ctx)
    failed = []
    for name in args.args:
        try:
            store.start(store.get(name))
        except EngineError as exc:
            failed.append(exc.message)
            continue
        ctx.out.write(name + "\n")
    _finish(ctx, START_SECONDS)
    if failed:
        ctx.err.write(DAEMON + "\n".join(failed) + "\nError: failed to start containers: "
                      + ", ".join(n for n in args.args if store.find(n) is None
                                  or not store.find(n).running) + "\n")  # type: ignore[union-attr]
        status = 1
    return status


@command("stop", "container stop", usage="[OPTIONS] CONTAINER [CONTAINER...]",
         summary="Stop one or more running containers", flags=_TIME, min_args=1)
def stop(ctx: Context, args: Parsed) -> int:
    timeout = _timeout(args)

    def act(store: ContainerStore, c: Container) -> None:
        ctx.engine.advance(store.stop(c, timeout))

    return _each(ctx, args.args, act)


@command("restart", "container restart", usage="[OPTIONS] CONTAINER [CONTAINER...]",
         summary="Restart one or more containers", flags=_TIME, min_args=1)
def restart(ctx: Context, args: Parsed) -> int:
    timeout = _timeout(args)
    return _each(ctx, args.args, lambda store, c: store.restart(c, timeout))


@command("kill", "container kill", usage="[OPTIONS] CONTAINER [CONTAINER...]",
         summary="Kill one or more running containers",
         flags=(Flag("signal", "string", short="s", default="KILL",
                     help="Signal to send to the container"),), min_args=1)
def kill(ctx: Context, args: Parsed) -> int:
    return _each(ctx, args.args, lambda store, c: store.kill(c, args.str("signal")))


@command("pause", "container pause", usage="CONTAINER [CONTAINER...]",
         summary="Pause all processes within one or more containers", min_args=1)
def pause(ctx: Context, args: Parsed) -> int:
    return _each(ctx, args.args, lambda store, c: store.pause(c))


@command("unpause", "container unpause", usage="CONTAINER [CONTAINER...]",
         summary="Unpause all processes within one or more containers", min_args=1)
def unpause(ctx: Context, args: Parsed) -> int:
    return _each(ctx, args.args, lambda store, c: store.unpause(c))


@command("rm", "container rm", "container remove", usage="[OPTIONS] CONTAINER [CONTAINER...]",
         summary="Remove one or more containers",
         flags=(Flag("force", short="f", help="Force the removal of a running container "
                                                "(uses SIGKILL)"),
                Flag("link", short="l", help="Remove the specified link"),
                Flag("volumes", short="v", help="Remove anonymous volumes associated with the "
                                                 "container")),
         min_args=1)
def rm(ctx: Context, args: Parsed) -> int:
    force, volumes = args.bool("force"), args.bool("volumes")
    status = 0
    store = _store(ctx)
    for name in args.args:
        c = store.find(name)
        if c is None:
            if not force:
                ctx.err.write(f"{DAEMON}No such container: {name}\n")
                status = 1
            continue
        try:
            store.remove(c, force=force, volumes=volumes)
        except EngineError as exc:
            ctx.err.write(DAEMON + exc.message + "\n")
            status = 1
            continue
        ctx.out.write(name + "\n")
    _finish(ctx)
    return status


@command("rename", "container rename", usage="CONTAINER NEW_NAME",
         summary="Rename a container", min_args=2, max_args=2)
def rename(ctx: Context, args: Parsed) -> None:
    store = _store(ctx)
    try:
        store.rename(store.get(args.args[0]), args.args[1])
    except EngineError as exc:
        raise daemon_error(exc) from None
    _finish(ctx)


# -- logs / exec -----------------------------------------------------------------------------


@command("logs", "container logs", usage="[OPTIONS] CONTAINER",
         summary="Fetch the logs of a container",
         flags=(Flag("details", help="Show extra details provided to logs"),
                Flag("follow", short="f", help="Follow log output"),
                Flag("since", "string", help="Show logs since timestamp"),
                Flag("tail", "string", short="n", default="all",
                     help='Number of lines to show from the end of the logs'),
                Flag("timestamps", short="t", help="Show timestamps"),
                Flag("until", "string", help="Show logs before a timestamp")),
         min_args=1, max_args=1)
def logs(ctx: Context, args: Parsed) -> None:
    store = _store(ctx)
    c = _container(store, args.args[0])
    if args.bool("follow") and c.running and not c.paused and c.run_until is not None:
        # Following a process that ends: wait (in simulated time) for it, then stop following.
        # A process that never ends is followed no further than its output so far.
        ctx.engine.advance(max(0.0, c.run_until - ctx.engine.clock))
        store.refresh(c)
    lines: list[tuple[float, int, str]] = []
    for at, stream, text in c.logs:
        for line in text.splitlines(keepends=True):
            lines.append((at, stream, line))
    tail = args.str("tail")
    if tail not in ("all", "") and tail.lstrip("-").isdigit():
        n = int(tail)
        lines = lines[-n:] if n > 0 else ([] if n == 0 else lines)
    for at, stream, line in lines:
        prefix = rfc3339(at) + " " if args.bool("timestamps") else ""
        (ctx.out if stream == 1 else ctx.err).write(prefix + line)
    _finish(ctx)


@command("exec", "container exec", usage="[OPTIONS] CONTAINER COMMAND [ARG...]",
         summary="Execute a command in a running container",
         flags=(Flag("detach", short="d", help="Detached mode: run command in the background"),
                Flag("env", "list", short="e", help="Set environment variables"),
                Flag("interactive", short="i", help="Keep STDIN open even if not attached"),
                Flag("tty", short="t", help="Allocate a pseudo-TTY"),
                Flag("user", "string", short="u", help="Username or UID"),
                Flag("workdir", "string", short="w",
                     help="Working directory inside the container")),
         min_args=2, interspersed=False)
def exec_(ctx: Context, args: Parsed) -> int:
    store = _store(ctx)
    name, *argv = args.args
    interactive = args.bool("interactive") and not args.bool("detach")
    if interactive:
        check_tty(ctx, True, args.bool("tty"))
    try:
        c = store.get(name)
        if interactive and _is_shell(argv):
            session = store.session(c, argv, tty=args.bool("tty"), env=args.list("env"),
                                    workdir=args.str("workdir"), user=args.str("user"))
            status = converse(ctx, session)
            _finish(ctx)
            return status
        status, out, err = store.exec(c, argv, env=args.list("env"), workdir=args.str("workdir"),
                                      user=args.str("user"), tty=args.bool("tty"))
    except StartError as exc:
        ctx.out.write(exc.message + "\n")
        _finish(ctx)
        return exc.status
    except EngineError as exc:
        raise daemon_error(exc) from None
    if not args.bool("detach"):
        ctx.out.write(out.decode(errors="replace"))
        ctx.err.write(err.decode(errors="replace"))
    _finish(ctx)
    return 0 if args.bool("detach") else status


def _is_shell(argv: list[str]) -> bool:
    """Whether `argv` reads its commands from stdin: the simulated shell is loaded only then
    (`docker ps`, `rm` or `logs` need none of it)."""
    from tutor.engine.sh.interactive import is_shell

    return is_shell(argv)


@command("attach", "container attach", usage="[OPTIONS] CONTAINER",
         summary="Attach local standard input, output, and error streams to a running container",
         flags=(Flag("detach-keys", "string",
                     help="Override the key sequence for detaching a container"),
                Flag("no-stdin", help="Do not attach STDIN"),
                Flag("sig-proxy", default=True,
                     help="Proxy all received signals to the process")),
         min_args=1, max_args=1)
def attach(ctx: Context, args: Parsed) -> int:
    store = _store(ctx)
    c = _container(store, args.args[0])
    store.refresh(c)
    if not c.running:
        raise CliError("cannot attach to a stopped container, start it first")
    if c.paused:
        raise CliError("cannot attach to a paused container, unpause it first")
    if c.restarting:
        raise CliError("cannot attach to a restarting container, wait until it is running")
    check_tty(ctx, not args.bool("no_stdin"), c.tty)
    if c.stdin_open and not args.bool("no_stdin") and _is_shell(c.argv):
        return converse(ctx, store.session(c, tty=c.tty))
    # Nothing the simulation would print arrives: wait, as docker does, until the learner
    # interrupts (the process itself never ends here).
    try:
        while ctx.stdin.readline():
            pass
    except KeyboardInterrupt:
        return 130 if not c.tty else 0
    return 0


# -- file system -----------------------------------------------------------------------------


@command("diff", "container diff", usage="CONTAINER",
         summary="Inspect changes to files or directories on a container's filesystem",
         min_args=1, max_args=1)
def diff_(ctx: Context, args: Parsed) -> None:
    store = _store(ctx)
    c = _container(store, args.args[0])
    ctx.out.write("".join(f"{ch.kind} {ch.path}\n" for ch in c.changes.items))
    _finish(ctx)


@command("commit", "container commit", usage="[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
         summary="Create a new image from a container's changes",
         flags=(Flag("author", "string", short="a",
                     help='Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'),
                Flag("change", "list", short="c",
                     help="Apply Dockerfile instruction to the created image"),
                Flag("message", "string", short="m", help="Commit message"),
                Flag("no-pause", help="Disable pausing container during commit")),
         min_args=1, max_args=2)
def commit(ctx: Context, args: Parsed) -> None:
    store = _store(ctx)
    ref = args.args[1] if len(args.args) > 1 else None
    if ref is not None:
        try:
            parse_reference(ref)
        except InvalidReference as exc:
            raise CliError(f"invalid reference format: {exc.message}".replace(
                "invalid reference format: invalid reference format", "invalid reference format"
            )) from None
    try:
        c = store.get(args.args[0])
        image = store.commit(c, ref, message=args.str("message"), author=args.str("author"),
                             changes=args.list("change"))
    except EngineError as exc:
        raise daemon_error(exc) from None
    ctx.out.write(image.id + "\n")
    _finish(ctx)


def _tar_size(tree_entries: list[tuple[str, Node]]) -> int:
    total = 1024
    for _, node in tree_entries:
        total += 512 + (node.size + 511) // 512 * 512
    return total


@command("export", "container export", usage="[OPTIONS] CONTAINER",
         summary="Export a container's filesystem as a tar archive",
         flags=(Flag("output", "string", short="o", help="Write to a file, instead of STDOUT"),),
         min_args=1, max_args=1)
def export(ctx: Context, args: Parsed) -> None:
    store = _store(ctx)
    c = _container(store, args.args[0])
    tree = store.rootfs(c)
    output = args.str("output")
    if output:
        try:
            with open(ctx.path(output), "wb") as handle:
                write_tar(tree, handle)
        except OSError as exc:
            raise CliError(f"failed to export container: {exc.strerror}") from None
    else:
        stream = getattr(ctx.out, "buffer", None)
        if stream is None or ctx.out.isatty():
            raise CliError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
        write_tar(tree, stream)
    _finish(ctx)


def _split_cp(arg: str) -> tuple[str | None, str]:
    if ":" in arg and not arg.startswith(("/", ".")):
        name, _, path = arg.partition(":")
        return name, path
    return None, arg


@command("cp", "container cp", usage="[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp "
         "[OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
         summary="Copy files/folders between a container and the local filesystem",
         flags=(Flag("archive", short="a", help="Archive mode (copy all uid/gid information)"),
                Flag("follow-link", short="L", help="Always follow symbol link in SRC_PATH"),
                Flag("quiet", short="q", help="Suppress progress output during copy")),
         min_args=2, max_args=2)
def cp(ctx: Context, args: Parsed) -> None:
    (src_c, src), (dst_c, dst) = _split_cp(args.args[0]), _split_cp(args.args[1])
    if src_c is None and dst_c is None:
        raise CliError("must specify at least one container source")
    if src_c is not None and dst_c is not None:
        raise CliError("copying between containers is not supported")
    store = _store(ctx)
    c = _container(store, src_c or dst_c or "")
    if src_c is not None:
        size = _copy_out(ctx, store, c, src, dst)
        where = dst if dst == "-" else ctx.shown(ctx.path(dst).resolve())
    else:
        size = _copy_in(ctx, store, c, src, dst, args.bool("follow_link"))
        where = f"{c.name}:{dst}"
    if not args.bool("quiet") and dst != "-":
        ctx.err.write(f"Successfully copied {human_size(size)} to {where}\n")
    _finish(ctx)


def _copy_out(ctx: Context, store: ContainerStore, c: Container, src: str, dst: str) -> int:
    tree = store.tree(c)
    try:
        real, node = tree.lookup(src, c.workdir or "/")
    except FsError:
        raise CliError(f"{DAEMON}Could not find the file {src} in container {c.name}") from None
    entries = [(p, tree.nodes[p]) for p in tree.walk(real)] if node.is_dir else [(real, node)]
    if dst == "-":
        return _copy_out_tar(ctx, entries, real)
    target = ctx.path(dst)
    base = target / posixpath.basename(real) if target.is_dir() else target
    for path, item in entries:
        host = base / path[len(real):].lstrip("/") if path != real else base
        host = ctx.path(str(host))  # in the tutorial, never written through a link out
        if item.is_dir:
            host.mkdir(parents=True, exist_ok=True)
        elif item.type == "file" and item.content is not None:
            host.parent.mkdir(parents=True, exist_ok=True)
            host.write_bytes(item.content.read())
            host.chmod(item.mode & 0o777)
    return _tar_size(entries)


def _copy_out_tar(ctx: Context, entries: list[tuple[str, Node]], real: str) -> int:
    """`docker cp CONTAINER:PATH -`: a tar of PATH (named by its last component) on stdout."""
    stream = getattr(ctx.out, "buffer", None)
    if stream is None:
        raise CliError("cannot write a tar archive to this output")
    name = "/" + (posixpath.basename(real) or "root")
    archive = FileTree()
    for path, item in entries:
        archive.put(name + path[len(real):], item)
    ctx.out.flush()
    write_tar(archive, stream)
    return _tar_size(entries)


def _host_files(source: Path) -> list[Path]:
    """`source` and, for a directory, everything under it, without following any link."""
    if not source.is_dir() or source.is_symlink():
        return [source]
    found = [source]
    for folder, dirs, files in os.walk(source, followlinks=False):
        dirs.sort()
        found += [Path(folder, name) for name in sorted(dirs + files)]
    return sorted(found)


def _copy_in(ctx: Context, store: ContainerStore, c: Container, src: str, dst: str,
             follow: bool = False) -> int:
    source = ctx.path(src, follow=bool(follow))
    if follow:  # `-L`: what the link points at is copied (confined: already resolved)
        source = source.resolve()
    if not os.path.lexists(source):
        raise CliError(f"lstat {ctx.shown(source.resolve())}: no such file or directory")
    tree = store.tree(c)
    target = posixpath.normpath(posixpath.join(c.workdir or "/", dst))
    existing = tree.get(target)
    if existing is not None and existing.is_dir:
        target = posixpath.join(target, source.name)
    entries: list[tuple[str, Node]] = []
    now = int(ctx.engine.clock)
    for path in _host_files(source):
        rel = path.relative_to(source).as_posix()
        inside = target if rel == "." else f"{target}/{rel}"
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            entries.append((inside, Node("dir", info.st_mode & 0o7777, mtime=now)))
        elif stat.S_ISLNK(info.st_mode):
            # a link is copied as a link, as Docker's archive holds it: never followed here
            entries.append((inside, symlink(os.readlink(path), mtime=now)))
        elif stat.S_ISREG(info.st_mode):
            entries.append((inside, Node("file", info.st_mode & 0o7777, mtime=now,
                                         content=Data(path.read_bytes()))))
        # FIFOs, sockets and devices have no place in this file system: left out, unopened
    try:
        store.put_files(c, entries)
    except EngineError as exc:
        raise CliError(f"{DAEMON}{exc.message}") from None
    return _tar_size(entries)


@command("port", "container port", usage="CONTAINER [PRIVATE_PORT[/PROTO]]",
         summary="List port mappings or a specific mapping for the container",
         min_args=1, max_args=2)
def port(ctx: Context, args: Parsed) -> None:
    store = _store(ctx)
    c = _container(store, args.args[0])
    bindings = c.ports if c.running else []
    lines = []
    want = None
    if len(args.args) > 1:
        num, _, proto = args.args[1].partition("/")
        want = f"{num}/{proto or 'tcp'}"
    for p in sorted(bindings, key=lambda p: (p.container_port, p.proto)):
        if want and p.key != want:
            continue
        hosts = [f"{p.host_ip}:{p.host_port}"] if p.host_ip else \
            [f"0.0.0.0:{p.host_port}", f"[::]:{p.host_port}"]
        lines += hosts if want else [f"{p.key} -> {h}" for h in hosts]
    if want and not lines:
        raise CliError(f"Error: No public port '{want}' published for {args.args[0]}")
    ctx.out.write("".join(line + "\n" for line in lines))
    _finish(ctx)


# -- inspect ---------------------------------------------------------------------------------


def container_inspect_doc(ctx: Context, c: Container) -> dict[str, Any]:
    """`docker container inspect` (API 1.51): SizeRw/SizeRootFs only with `--size`."""
    image = ctx.engine.images.find(c.image_id)
    image_volumes = set(image.config.config.volumes) if image is not None else set()
    zero = "0001-01-01T00:00:00Z"
    ports: dict[str, Any] = {k: None for k in c.exposed}
    for p in c.ports:
        if c.running:
            hosts = [{"HostIp": p.host_ip, "HostPort": str(p.host_port)}] if p.host_ip else [
                {"HostIp": "0.0.0.0", "HostPort": str(p.host_port)},
                {"HostIp": "::", "HostPort": str(p.host_port)}]
            ports[p.key] = (ports.get(p.key) or []) + hosts
    argv = c.argv
    return {
        "Id": c.id,
        "Created": rfc3339(c.created),
        "Path": argv[0] if argv else "",
        "Args": argv[1:],
        "State": {
            "Status": c.state, "Running": c.running, "Paused": c.paused,
            "Restarting": c.restarting, "OOMKilled": c.oom_killed, "Dead": False,
            "Pid": 1000 + int(c.id[:4], 16) % 9000 if c.running else 0,
            "ExitCode": c.exit_code, "Error": c.error,
            "StartedAt": rfc3339(c.started_at) if c.started_at else zero,
            "FinishedAt": rfc3339(c.finished_at) if c.finished_at else zero,
            **_health_doc(_store(ctx), c),
        },
        "Image": c.image_id,
        "ResolvConfPath": f"/var/lib/docker/containers/{c.id}/resolv.conf",
        "HostnamePath": f"/var/lib/docker/containers/{c.id}/hostname",
        "HostsPath": f"/var/lib/docker/containers/{c.id}/hosts",
        "LogPath": f"/var/lib/docker/containers/{c.id}/{c.id}-json.log",
        "Name": "/" + c.name,
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": None,
        "HostConfig": {
            "PortBindings": {p.key: [{"HostIp": p.host_ip, "HostPort": str(p.host_port or "")}]
                             for p in c.ports},
            "RestartPolicy": {"Name": c.restart.name,
                              "MaximumRetryCount": c.restart.max_retries},
            "AutoRemove": c.auto_remove,
            "Binds": [f"{m.source}:{m.target}" + (":ro" if m.read_only else "")
                      for m in c.mounts if m.kind == "bind"] or None,
            "NetworkMode": "bridge",
            "ReadonlyRootfs": c.read_only,
            "Memory": c.memory,
        },
        "Mounts": [
            {"Type": m.kind, "Source": m.source if m.kind == "bind" else
             f"/var/lib/docker/volumes/{m.source}/_data",
             **({"Name": m.source, "Driver": "local"} if m.kind == "volume" else {}),
             "Destination": m.target, "Mode": "", "RW": not m.read_only,
             "Propagation": "rprivate" if m.kind == "bind" else ""}
            for m in c.mounts
        ],
        "Config": {
            "Hostname": c.short_id, "Domainname": "", "User": c.user,
            "AttachStdin": False, "AttachStdout": True, "AttachStderr": True,
            **({"ExposedPorts": {k: {} for k in c.exposed}} if c.exposed else {}),
            "Tty": c.tty, "OpenStdin": c.stdin_open, "StdinOnce": False,
            "Env": c.env, "Cmd": c.cmd or None, "Image": c.image_ref,
            "Volumes": {m.target: {} for m in c.mounts if m.target in image_volumes} or None,
            "WorkingDir": c.workdir, "Entrypoint": c.entrypoint or None,
            "OnBuild": None, "Labels": c.labels,
            **({"StopSignal": c.stop_signal} if c.stop_signal != "SIGTERM" else {}),
            **({"StopTimeout": c.stop_timeout} if c.stop_timeout is not None else {}),
        },
        "NetworkSettings": {
            "Ports": ports,
            "IPAddress": c.ip if c.running else "",
            "Gateway": "172.17.0.1" if c.running else "",
            "Networks": {"bridge": {"IPAddress": c.ip if c.running else "",
                                    "Gateway": "172.17.0.1" if c.running else ""}},
        },
    }


@command("container inspect", usage="[OPTIONS] CONTAINER [CONTAINER...]",
         summary="Display detailed information on one or more containers",
         flags=(Flag("format", "string", short="f", help="Format output using a custom template"),
                Flag("size", short="s", help="Display total file sizes")),
         min_args=1)
def container_inspect(ctx: Context, args: Parsed) -> int:
    return _inspect(ctx, args, images=False)


@command("inspect", usage="[OPTIONS] NAME|ID [NAME|ID...]",
         summary="Return low-level information on Docker objects",
         flags=(Flag("format", "string", short="f", help="Format output using a custom template"),
                Flag("size", short="s", help="Display total file sizes"),
                Flag("type", "string", help="Only inspect objects of the given type")),
         min_args=1)
def inspect(ctx: Context, args: Parsed) -> int:
    return _inspect(ctx, args, images=True)


INSPECT_TYPES = ("config", "container", "image", "network", "node", "plugin", "secret",
                 "service", "task", "volume")


def _inspect(ctx: Context, args: Parsed, *, images: bool) -> int:
    """`docker inspect` looks for containers, then images, then volumes (docker/cli's
    `inspectAll`); `container inspect` only for containers. With `--type`, the one lookup's own
    error is reported; without, `Error: No such object`."""
    store = _store(ctx)
    kind = (args.str("type") or None) if images else "container"
    if images and kind is None and "type" in args.changed:
        raise CliError('type is empty: must be one of "' + '", "'.join(INSPECT_TYPES) + '"')
    if kind and kind not in INSPECT_TYPES:
        raise CliError(f'unknown type: "{kind}": must be one of "'
                       + '", "'.join(INSPECT_TYPES) + '"')
    docs: list[Any] = []
    escaped: set[int] = set()
    errors: list[str] = []
    for name in args.args:
        c = store.find(name) if kind in (None, "container") else None
        if c is not None:
            doc = container_inspect_doc(ctx, c)
            if args.bool("size"):
                doc["SizeRw"] = store.size_rw(c)
                doc["SizeRootFs"] = store.size_root(c)
            docs.append(doc)
            continue
        image = ctx.engine.images.find(name) if kind in (None, "image") else None
        if image is not None:
            if args.bool("size"):
                ctx.err.write("WARNING: --size ignored for image\n")
            if inspect_escapes_html(ctx.engine):
                escaped.add(len(docs))
            doc = image_inspect_doc(ctx.engine, image)
            # The CLI runs a template on the typed image response first, as `image inspect`
            # does (cli/command/system/inspect.go inspectImages).
            if args.str("format"):
                doc = typed_inspect_view(doc, ctx.engine.profile.docker >= 29)
            docs.append(doc)
            continue
        volume = store.volumes.find(name) if kind in (None, "volume") else None
        if volume is not None:
            if args.bool("size"):
                ctx.err.write("WARNING: --size ignored for volume\n")
            docs.append(volume.inspect())
            continue
        errors.append({
            None: f"Error: No such object: {name}",
            "container": f"{DAEMON}No such container: {name}",
            "image": f"{DAEMON}No such image: {missing_image_name(name)}",
            "volume": f"{DAEMON}get {name}: no such volume",
        }.get(kind, f"Error: No such object: {name}"))
    write_inspect(ctx, docs, args.str("format"), frozenset(escaped))
    ctx.err.write("".join(e + "\n" for e in errors))
    _finish(ctx)
    return 1 if errors else 0


# -- prune -----------------------------------------------------------------------------------


@command("container prune", usage="[OPTIONS]", summary="Remove all stopped containers",
         flags=(Flag("filter", "list", metavar="filter",
                     help='Provide filter values (e.g. "until=<timestamp>")'),
                Flag("force", short="f", help="Do not prompt for confirmation")),
         max_args=0)
def container_prune(ctx: Context, args: Parsed) -> int:
    if not args.bool("force") and not confirm(
            ctx, "WARNING! This will remove all stopped containers.\n"
                 "Are you sure you want to continue?"):
        return 0
    removed, reclaimed = _store(ctx).prune()
    if removed:
        ctx.out.write("Deleted Containers:\n" + "".join(i + "\n" for i in removed) + "\n")
    ctx.out.write(f"Total reclaimed space: {human_size(reclaimed)}\n")
    _finish(ctx)
    return 0


__all__ = ["container_inspect_doc", "ports_text", "ps_row", "status_text"]
