"""Volume commands: `volume create`, `ls`, `inspect`, `rm`, `prune`."""

from __future__ import annotations

from typing import Any

from tutor.dockercli._flags import Flag, Parsed
from tutor.dockercli._main import DAEMON, CliError, Context, command
from tutor.dockercli._prompt import confirm
from tutor.dockercli.commands.images import write_formatted, write_inspect
from tutor.dockercli.format import human_size
from tutor.dockercli.templates import Struct
from tutor.engine.errors import EngineError
from tutor.engine.volumes import NoSuchVolume, VolumeInUse


@command("volume create", usage="[OPTIONS] [VOLUME]", summary="Create a volume",
         flags=(Flag("driver", "string", short="d", default="local",
                     help="Specify volume driver name"),
                Flag("label", "list", help="Set metadata for a volume"),
                Flag("name", "string", help="Specify volume name")),
         max_args=1)
def volume_create(ctx: Context, args: Parsed) -> None:
    import hashlib

    engine = ctx.engine
    name = args.args[0] if args.args else args.str("name")
    if not name:
        name = hashlib.sha256(f"volume-{engine.store.next_counter('volumes')}".encode()).hexdigest()
    try:
        volume = engine.containers.volumes.create(name, engine.clock)
    except EngineError as exc:
        raise CliError(DAEMON + exc.message) from None
    ctx.out.write(volume.name + "\n")


@command("volume ls", "volume list", usage="[OPTIONS]", summary="List volumes",
         flags=(Flag("filter", "list", short="f", metavar="filter",
                     help="Provide filter values (e.g. \"dangling=true\")"),
                Flag("format", "string", help="Format output using a custom template"),
                Flag("quiet", short="q", help="Only display volume names")),
         max_args=0)
def volume_ls(ctx: Context, args: Parsed) -> None:
    volumes = ctx.engine.containers.volumes.all()
    if args.bool("quiet"):
        ctx.out.write("".join(v.name + "\n" for v in volumes))
        return
    rows = [Struct("formatter.volumeContext", {"Driver": "local", "Name": v.name,
                                               "Scope": "local", "Mountpoint": v.mountpoint},
                   True) for v in volumes]
    write_formatted(ctx, args.str("format") or "table {{.Driver}}\t{{.Name}}", rows,
                    {"Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE",
                     "Mountpoint": "MOUNTPOINT"})


@command("volume inspect", usage="[OPTIONS] VOLUME [VOLUME...]",
         summary="Display detailed information on one or more volumes",
         flags=(Flag("format", "string", short="f", help="Format output using a custom template"),),
         min_args=1)
def volume_inspect(ctx: Context, args: Parsed) -> int:
    docs: list[Any] = []
    status = 0
    for name in args.args:
        volume = ctx.engine.containers.volumes.find(name)
        if volume is None:
            ctx.err.write(f"{DAEMON}get {name}: no such volume\n")
            status = 1
        else:
            docs.append(volume.inspect())
    write_inspect(ctx, docs, args.str("format"))
    return status


@command("volume rm", "volume remove", usage="[OPTIONS] VOLUME [VOLUME...]",
         summary="Remove one or more volumes. You cannot remove a volume that is in use by a "
                 "container.",
         flags=(Flag("force", short="f", help="Force the removal of one or more volumes"),),
         min_args=1)
def volume_rm(ctx: Context, args: Parsed) -> int:
    store = ctx.engine.containers
    status = 0
    users = volume_users(ctx)
    for name in args.args:
        try:
            store.volumes.get(name)
            if name in users:
                raise VolumeInUse(name, users[name])
        except NoSuchVolume as exc:
            if args.bool("force"):
                continue
            ctx.err.write(f"{DAEMON}{exc.message}\n")
            status = 1
            continue
        except EngineError as exc:
            ctx.err.write(f"{DAEMON}{exc.message}\n")
            status = 1
            continue
        store.volumes.remove(name)
        ctx.out.write(name + "\n")
    return status


def volume_users(ctx: Context) -> dict[str, list[str]]:
    """Volume name → IDs of the containers (running or not) that mount it."""
    users: dict[str, list[str]] = {}
    for c in ctx.engine.containers.all():
        for m in c.mounts:
            if m.kind == "volume":
                users.setdefault(m.source, []).append(c.id)
    return users


def prune_volumes(ctx: Context, everything: bool) -> tuple[list[str], int]:
    """Remove the anonymous volumes no container uses (named ones too with `everything`, as
    API 1.42+ does): their names and the bytes freed."""
    store = ctx.engine.containers.volumes
    users = volume_users(ctx)
    removed, reclaimed = [], 0
    for volume in store.all():
        if volume.name in users or not (volume.anonymous or everything):
            continue
        reclaimed += volume.size
        store.remove(volume.name)
        removed.append(volume.name)
    return removed, reclaimed


@command("volume prune", usage="[OPTIONS]", summary="Remove unused local volumes",
         flags=(Flag("all", short="a", help="Remove all unused volumes, not just anonymous ones"),
                Flag("filter", "list", metavar="filter",
                     help='Provide filter values (e.g. "label=<label>")'),
                Flag("force", short="f", help="Do not prompt for confirmation")),
         max_args=0)
def volume_prune(ctx: Context, args: Parsed) -> int:
    everything = args.bool("all")
    if not args.bool("force"):
        what = "all local volumes" if everything else "anonymous local volumes"
        if not confirm(ctx, f"WARNING! This will remove {what} not used by at least one "
                            "container.\nAre you sure you want to continue?"):
            return 0
    removed, reclaimed = prune_volumes(ctx, everything)
    if removed:
        ctx.out.write("Deleted Volumes:\n" + "".join(n + "\n" for n in removed) + "\n")
    ctx.out.write(f"Total reclaimed space: {human_size(reclaimed)}\n")
    return 0
