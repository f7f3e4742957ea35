"""`docker version`, `docker system df` and `docker system prune`."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from tutor.dockercli._flags import Flag, Parsed
from tutor.dockercli._main import DOCKER_BUILD, DOCKER_VERSION, Context, command
from tutor.dockercli.commands.build import cache_id
from tutor.dockercli.commands.containers import PS_HEADERS, ps_row
from tutor.dockercli.commands.images import prune_images, write_formatted
from tutor.dockercli.commands.volumes import prune_volumes
from tutor.dockercli.format import created_since, human_size, human_size_precision, truncate_id
from tutor.engine.build.cache import BuildCache
from tutor.engine.clock import parse_rfc3339
from tutor.engine.containers import Container
from tutor.engine.engine import Engine
from tutor.engine.images import LocalImage
from tutor.engine.layers import chain_ids
from tutor.engine.volumes import Volume


@command("version", usage="[OPTIONS]", summary="Show the Docker version information", max_args=0)
def version(ctx: Context, _: Parsed) -> None:
    ctx.out.write(
        "Client:\n"
        f" Version:           {DOCKER_VERSION}\n"
        " API version:       1.51\n"
        " Go version:        go1.24.8\n"
        f" Git commit:        {DOCKER_BUILD}\n"
        " OS/Arch:           linux/amd64\n"
        " Context:           default\n"
        "\n"
        "Server: Image Tutor simulated engine\n"
        " Engine:\n"
        f"  Version:          {DOCKER_VERSION}\n"
        "  API version:      1.51 (minimum version 1.24)\n"
        "  OS/Arch:          linux/amd64\n"
    )


# -- disk usage --------------------------------------------------------------------------------

DF_HEADERS = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
              "Reclaimable": "RECLAIMABLE"}
DF_IMAGE_HEADERS = {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID",
                    "CreatedSince": "CREATED", "Size": "SIZE", "SharedSize": "SHARED SIZE",
                    "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"}
DF_VOLUME_HEADERS = {"Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"}
DF_CACHE_HEADERS = {"ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE",
                    "CreatedSince": "CREATED", "LastUsedSince": "LAST USED",
                    "UsageCount": "USAGE", "Shared": "SHARED"}


@dataclass(frozen=True, slots=True)
class ImageUsage:
    image: LocalImage
    size: int
    shared: int
    containers: int


@dataclass(frozen=True, slots=True)
class CacheUsage:
    id: str
    size: int
    created: float


@dataclass(frozen=True, slots=True)
class DiskUsage:
    """What the daemon's `/system/df` reports (classic store), before the CLI formats it."""

    images: list[ImageUsage]
    layers_size: int
    containers: list[tuple[Container, int]]
    volumes: list[tuple[Volume, int]]
    """Each volume with its number of containers."""
    cache: list[CacheUsage]


def disk_usage(engine: Engine) -> DiskUsage:
    containers = engine.containers.all()
    users: dict[str, int] = {}
    links: dict[str, int] = {}
    for c in containers:
        users[c.image_id] = users.get(c.image_id, 0) + 1
        for m in c.mounts:
            if m.kind == "volume":
                links[m.source] = links.get(m.source, 0) + 1
    images = engine.images.all()
    refs: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for image in images:
        for chain, diff_id in zip(chain_ids(image.diff_ids), image.diff_ids, strict=True):
            refs[chain] = refs.get(chain, 0) + 1
            sizes[chain] = engine.store.get_layer(diff_id).size
    usage = []
    for image in images:
        shared = sum(sizes[ch] for ch in chain_ids(image.diff_ids) if refs[ch] > 1)
        usage.append(ImageUsage(image, engine.images.size(image), shared,
                                users.get(image.id, 0)))
    cache = [CacheUsage(key, engine.store.get_layer(r.diff_id).size, r.created)
             for key, r in BuildCache(engine.store).records.items()
             if r.diff_id and engine.store.has_layer(r.diff_id)]
    return DiskUsage(
        usage, sum(sizes.values()),
        [(c, engine.containers.size_rw(c)) for c in containers],
        [(v, links.get(v.name, 0)) for v in engine.containers.volumes.all()], cache)


def _with_percent(reclaimable: int, total: int) -> str:
    if total > 0:
        return f"{human_size(reclaimable)} ({reclaimable * 100 // total}%)"
    return human_size(reclaimable)


def _summary_rows(du: DiskUsage) -> list[dict[str, str]]:
    used_unique = sum(i.size - i.shared for i in du.images if i.containers)
    active = [(c, s) for c, s in du.containers if c.state in ("running", "paused", "restarting")]
    rw_total = sum(s for _, s in du.containers)
    vol_total = sum(v.size for v, _ in du.volumes)
    cache_total = sum(r.size for r in du.cache)
    return [
        {"Type": "Images", "TotalCount": str(len(du.images)),
         "Active": str(sum(1 for i in du.images if i.containers)),
         "Size": human_size(du.layers_size),
         "Reclaimable": _with_percent(du.layers_size - used_unique, du.layers_size)},
        {"Type": "Containers", "TotalCount": str(len(du.containers)), "Active": str(len(active)),
         "Size": human_size(rw_total),
         "Reclaimable": _with_percent(rw_total - sum(s for _, s in active), rw_total)},
        {"Type": "Local Volumes", "TotalCount": str(len(du.volumes)),
         "Active": str(sum(1 for _, n in du.volumes if n)), "Size": human_size(vol_total),
         "Reclaimable": _with_percent(sum(v.size for v, n in du.volumes if not n), vol_total)},
        # BuildKit's records are never in use between builds, nor shared with the images.
        {"Type": "Build Cache", "TotalCount": str(len(du.cache)), "Active": "0",
         "Size": human_size(cache_total), "Reclaimable": human_size(cache_total)},
    ]


def _image_row(engine: Engine, usage: ImageUsage) -> dict[str, str]:
    image = usage.image
    repo = tag = "<none>"
    if image.tags:
        repo, tag = image.tags[0].familiar_name, image.tags[0].tag or "<none>"
    return {"Repository": repo, "Tag": tag, "ID": truncate_id(image.id),
            "CreatedSince": created_since(int(parse_rfc3339(image.config.created_at))
                                          if image.config.created_at else 0, engine.clock),
            "Size": human_size_precision(usage.size, 3),
            "SharedSize": human_size_precision(usage.shared, 3),
            "UniqueSize": human_size_precision(usage.size - usage.shared, 3),
            "Containers": str(usage.containers)}


@command("system df", usage="[OPTIONS]", summary="Show docker disk usage",
         flags=(Flag("format", "string", help="Format output using a custom template"),
                Flag("verbose", short="v", help="Show detailed information on space usage")),
         max_args=0)
def system_df(ctx: Context, args: Parsed) -> None:
    engine = ctx.engine
    du = disk_usage(engine)
    fmt = args.str("format")
    if not args.bool("verbose"):
        write_formatted(ctx, fmt or "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}"
                        "\t{{.Reclaimable}}", _summary_rows(du), DF_HEADERS)
        return
    ctx.out.write("Images space usage:\n\n")
    write_formatted(ctx, "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                    "\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
                    [_image_row(engine, i) for i in du.images], DF_IMAGE_HEADERS)
    ctx.out.write("\nContainers space usage:\n\n")
    rows = []
    for c, size in du.containers:
        row = ps_row(ctx, c, no_trunc=False, size=False)
        row["Size"] = human_size_precision(size, 3)
        rows.append(row)
    write_formatted(ctx, "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}"
                    "\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}", rows, PS_HEADERS)
    ctx.out.write("\nLocal Volumes space usage:\n\n")
    write_formatted(ctx, "table {{.Name}}\t{{.Links}}\t{{.Size}}",
                    [{"Name": v.name, "Links": str(n), "Size": human_size_precision(v.size, 3)}
                     for v, n in du.volumes], DF_VOLUME_HEADERS)
    ctx.out.write(f"\nBuild cache usage: {human_size(sum(r.size for r in du.cache))}\n\n")
    cache = sorted(du.cache, key=lambda r: (r.created, cache_id(r.id)))
    write_formatted(ctx, "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}"
                    "\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
                    [{"ID": cache_id(r.id)[:12], "CacheType": "regular",
                      "Size": human_size_precision(r.size, 3),
                      "CreatedSince": created_since(int(r.created), engine.clock),
                      "LastUsedSince": created_since(int(r.created), engine.clock),
                      "UsageCount": "1", "Shared": "false"} for r in cache], DF_CACHE_HEADERS)


# -- prune -------------------------------------------------------------------------------------


@command("system prune", usage="[OPTIONS]", summary="Remove unused data",
         flags=(Flag("all", short="a", help="Remove all unused images not just dangling ones"),
                Flag("filter", "list", metavar="filter",
                     help='Provide filter values (e.g. "label=<key>=<value>")'),
                Flag("force", short="f", help="Do not prompt for confirmation"),
                Flag("volumes", help="Prune anonymous volumes")),
         max_args=0)
def system_prune(ctx: Context, args: Parsed) -> int:
    everything, volumes = args.bool("all"), args.bool("volumes")
    if not args.bool("force"):
        warnings = ["all stopped containers", "all networks not used by at least one container"]
        if volumes:
            warnings.append("all anonymous volumes not used by at least one container")
        warnings.append("all images without at least one container associated to them"
                        if everything else "all dangling images")
        warnings.append("all build cache" if everything else "unused build cache")
        ctx.out.write("WARNING! This will remove:\n" + "".join(f"  - {w}\n" for w in warnings)
                      + "\nAre you sure you want to continue? [y/N] ")
        answer = sys.stdin.readline() if sys.stdin and not sys.stdin.closed else ""
        if answer.strip().lower() not in ("y", "yes"):
            ctx.out.write("\n")
            return 0
    engine = ctx.engine
    removed, total = engine.containers.prune()
    sections = [("Deleted Containers:", removed)]
    if volumes:
        names, freed = prune_volumes(ctx, everything=False)
        sections.append(("Deleted Volumes:", names))
        total += freed
    lines, freed = prune_images(engine, everything)
    sections.append(("Deleted Images:", lines))
    total += freed
    cache = BuildCache(engine.store)
    pruned = cache.prune()
    total += sum(engine.store.get_layer(r.diff_id).size for _, r in pruned
                 if engine.store.has_layer(r.diff_id))
    sections.append(("Deleted build cache objects:", [cache_id(k) for k, _ in pruned]))
    for title, items in sections:
        if items:
            ctx.out.write(title + "\n" + "".join(i + "\n" for i in items) + "\n")
    ctx.out.write(f"Total reclaimed space: {human_size(total)}\n")
    return 0
