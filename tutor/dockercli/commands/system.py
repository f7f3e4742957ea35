"""`docker version`, `docker info`, `docker system df` and `docker system prune`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tutor.dockercli._flags import Flag, Parsed
from tutor.dockercli._main import CliError, Context, command
from tutor.dockercli._prompt import confirm
from tutor.dockercli.commands.build import cache_id
from tutor.dockercli.commands.containers import PS_HEADERS, ps_row
from tutor.dockercli.commands.images import image_size, prune_images, write_formatted
from tutor.dockercli.commands.volumes import prune_volumes
from tutor.dockercli.format import (
    bytes_size,
    created_since,
    go_json,
    human_size,
    human_size_precision,
    tabwrite,
    truncate_id,
)
from tutor.dockercli.templates import Struct, TemplateError, parse
from tutor.engine.build.cache import BuildCache
from tutor.engine.build.mounts import CacheMounts
from tutor.engine.clock import parse_rfc3339
from tutor.engine.containers import Container
from tutor.engine.engine import Engine
from tutor.engine.images import LocalImage
from tutor.engine.kernel import KERNEL_RELEASE
from tutor.engine.layers import chain_ids, snapshot_usage
from tutor.engine.profile import Profile
from tutor.engine.volumes import Volume

PLATFORM_NAME = "Docker Engine - Community"
"""`version.PlatformName` of the docker-ce packages (the client's and the daemon's)."""


def version_doc(profile: Profile) -> dict[str, Any]:
    """The CLI's `versionInfo` (cli/command/system/version.go @ v29.7.2 and v28.5.1): the client
    and the daemon's `/version` with its components, Go field names in Go's order."""
    r = profile.release
    engine = {"ApiVersion": r.api_version, "Arch": "amd64", "BuildTime": r.built,
              "Experimental": "false", "GitCommit": r.engine_commit, "GoVersion": r.go_version,
              "KernelVersion": KERNEL_RELEASE, "MinAPIVersion": r.min_api_version, "Os": "linux"}
    return {
        "Client": {"Platform": {"Name": PLATFORM_NAME}, "Version": r.version,
                   "APIVersion": r.api_version, "DefaultAPIVersion": r.api_version,
                   "GitCommit": r.cli_commit, "GoVersion": r.go_version, "Os": "linux",
                   "Arch": "amd64", "BuildTime": r.built, "Context": "default"},
        "Server": {"Platform": {"Name": PLATFORM_NAME}, "Version": r.version,
                   "APIVersion": r.api_version, "MinAPIVersion": r.min_api_version,
                   "Os": "linux", "Arch": "amd64",
                   "Components": [
                       {"Name": "Engine", "Version": r.version, "Details": engine},
                       {"Name": "containerd", "Version": r.containerd,
                        "Details": {"GitCommit": r.containerd_commit}},
                       {"Name": "runc", "Version": r.runc,
                        "Details": {"GitCommit": r.runc_commit}},
                       {"Name": "docker-init", "Version": r.init_version,
                        "Details": {"GitCommit": r.init_commit}}],
                   "GitCommit": r.engine_commit, "GoVersion": r.go_version,
                   "KernelVersion": KERNEL_RELEASE, "Experimental": False,
                   "BuildTime": r.built},
    }


_JSON_NAMES = {"APIVersion": "ApiVersion"}
"""The json tags that differ from the Go field names in `versionInfo`."""


def _version_json(value: Any) -> Any:
    """`{{json .}}` of the version info: json tag names, `omitempty` fields left out."""
    if isinstance(value, dict):
        return {_JSON_NAMES.get(k, k): _version_json(v) for k, v in value.items()
                if v not in ("", False, None) or k == "Context"}
    if isinstance(value, list):
        return [_version_json(v) for v in value]
    return value


def _version_text(doc: dict[str, Any]) -> str:
    """`defaultVersionTemplate` through the CLI's tabwriter (minwidth 20, padding 1)."""
    c, s = doc["Client"], doc["Server"]
    lines = [f"Client: {c['Platform']['Name']}", f" Version:\t{c['Version']}",
             f" API version:\t{c['APIVersion']}", f" Go version:\t{c['GoVersion']}",
             f" Git commit:\t{c['GitCommit']}", f" Built:\t{c['BuildTime']}",
             f" OS/Arch:\t{c['Os']}/{c['Arch']}", f" Context:\t{c['Context']}", "",
             f"Server: {s['Platform']['Name']}"]
    for component in s["Components"]:
        details = component["Details"]
        lines.append(f" {component['Name']}:")
        if component["Name"] == "Engine":
            lines += [f"  Version:\t{component['Version']}",
                      f"  API version:\t{details['ApiVersion']} "
                      f"(minimum version {details['MinAPIVersion']})",
                      f"  Go version:\t{details['GoVersion']}",
                      f"  Git commit:\t{details['GitCommit']}",
                      f"  Built:\t{details['BuildTime']}",
                      f"  OS/Arch:\t{details['Os']}/{details['Arch']}",
                      f"  Experimental:\t{details['Experimental']}"]
        else:
            lines.append(f"  Version:\t{component['Version']}")
            lines += [f"  {key}:\t{details[key]}" for key in sorted(details)]
    return tabwrite("\n".join(lines) + "\n", min_width=20, padding=1)


def _version_struct(value: Any, name: str) -> Any:
    if isinstance(value, dict) and name != "Details":
        return Struct(f"system.{name}", {k: _version_struct(v, k) for k, v in value.items()})
    if isinstance(value, list):
        return [_version_struct(v, name) for v in value]
    return value


@command("version", usage="[OPTIONS]", summary="Show the Docker version information",
         flags=(Flag("format", "string", short="f",
                     help="Format output using a custom template:\n"
                     "'json':             Print in JSON format\n"
                     "'TEMPLATE':         Print output using the given Go template.\n"
                     "Refer to https://docs.docker.com/go/formatting/ for more information "
                     "about formatting output with templates"),),
         max_args=0)
def version(ctx: Context, args: Parsed) -> None:
    doc = version_doc(ctx.profile)
    fmt = args.str("format")
    if not fmt:
        ctx.out.write(_version_text(doc))
        return
    if fmt == "json":
        ctx.out.write(go_json(_version_json(doc), escape_html=False) + "\n")
        return
    try:
        template = parse(fmt)
    except TemplateError as exc:
        raise CliError(f"template parsing error: {exc.message}", 64) from None
    try:
        ctx.out.write(tabwrite(template.execute(_version_struct(doc, "versionInfo")) + "\n",
                               min_width=20, padding=1))
    except TemplateError as exc:
        ctx.out.write(exc.partial + "\n")
        raise CliError(exc.message) from None


# -- info ------------------------------------------------------------------------------------

PLUGIN_DIR = "/usr/libexec/docker/cli-plugins"
MEM_TOTAL = 4_102_148_096
OVERLAY2_STATUS = [["Backing Filesystem", "extfs"], ["Supports d_type", "true"],
                   ["Using metacopy", "false"], ["Native Overlay Diff", "true"],
                   ["userxattr", "false"]]
"""overlay2's status lines on an ext4 host."""
SNAPSHOTTER_STATUS = [["driver-type", "io.containerd.snapshotter.v1"]]
"""The containerd store's only status line: moby `daemon/containerd/service.go` (`StorageDriver`
reports the snapshotter, `overlayfs`) @ docker-v29.7.2; docker/cli#6996 shows the real diff."""


def _storage(profile: Profile) -> tuple[str, list[list[str]]]:
    if profile.containerd_store:
        return "overlayfs", SNAPSHOTTER_STATUS
    return "overlay2", OVERLAY2_STATUS


def info_doc(engine: Engine) -> dict[str, Any]:
    """`GET /info` (a subset of moby's `system.Info`, in its field order) with the CLI's
    `ClientInfo`: the object `docker info --format` templates run on."""
    profile = engine.profile
    release = profile.release
    driver, driver_status = _storage(profile)
    containers = engine.containers.all()
    running = sum(1 for c in containers if c.running and not c.paused)
    paused = sum(1 for c in containers if c.paused)
    return {
        "ID": "5c1e2f3a-7b4d-4e8f-9a0b-1c2d3e4f5a6b",
        "Containers": len(containers), "ContainersRunning": running,
        "ContainersPaused": paused, "ContainersStopped": len(containers) - running - paused,
        "Images": len(engine.images.all()),
        "Driver": driver, "DriverStatus": driver_status,
        "Plugins": {"Volume": ["local"],
                    "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
                    "Authorization": None,
                    "Log": ["awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file",
                            "local", "splunk", "syslog"]},
        "MemoryLimit": True, "SwapLimit": True, "CpuCfsPeriod": True, "CpuCfsQuota": True,
        "CPUShares": True, "CPUSet": True, "PidsLimit": True, "IPv4Forwarding": True,
        "Debug": False, "OomKillDisable": False,
        "LoggingDriver": "json-file", "CgroupDriver": "systemd", "CgroupVersion": "2",
        "KernelVersion": KERNEL_RELEASE, "OperatingSystem": "Ubuntu 24.04.3 LTS",
        "OSVersion": "24.04", "OSType": "linux", "Architecture": "x86_64",
        "IndexServerAddress": "https://index.docker.io/v1/",
        "NCPU": 2, "MemTotal": MEM_TOTAL, "DockerRootDir": "/var/lib/docker",
        "HttpProxy": "", "HttpsProxy": "", "NoProxy": "", "Name": "tutor", "Labels": [],
        "ExperimentalBuild": False, "ServerVersion": release.version,
        "Runtimes": {"io.containerd.runc.v2": {"path": "runc", "status": {}},
                     "runc": {"path": "runc", "status": {}}},
        "DefaultRuntime": "runc",
        "Swarm": {"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive",
                  "ControlAvailable": False, "Error": "", "RemoteManagers": None},
        "LiveRestoreEnabled": False, "Isolation": "", "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": release.containerd_commit},
        "RuncCommit": {"ID": release.runc_commit},
        "InitCommit": {"ID": release.init_commit},
        "SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin", "name=cgroupns"],
        "CDISpecDirs": ["/etc/cdi", "/var/run/cdi"],
        **({"FirewallBackend": {"Driver": "iptables", "Info": [["EnableUserlandProxy", "true"]]}}
           if profile.docker >= 29 else {}),
        "Warnings": None,
        "ClientInfo": {
            "Debug": False, "Version": release.version, "GitCommit": release.cli_commit,
            "GoVersion": release.go_version, "Os": "linux", "Arch": "amd64", "BuildTime": "",
            "Context": "default",
            "Plugins": [{"SchemaVersion": "0.1.0", "Vendor": "Docker Inc.", "Version": version,
                         "ShortDescription": short, "Name": name,
                         "Path": f"{PLUGIN_DIR}/docker-{name}"}
                        for name, short, version in (
                            ("buildx", "Docker Buildx", release.buildx),
                            ("compose", "Docker Compose", release.compose))],
            "Warnings": None,
        },
    }


def _info_text(doc: dict[str, Any]) -> str:
    """The CLI's `prettyPrintInfo` for a healthy local daemon."""
    client = doc["ClientInfo"]
    lines = ["Client: Docker Engine - Community", f" Version:    {client['Version']}",
             f" Context:    {client['Context']}", " Debug Mode: false", " Plugins:"]
    for plugin in client["Plugins"]:
        lines += [f"  {plugin['Name']}: {plugin['ShortDescription']} ({plugin['Vendor']})",
                  f"    Version:  {plugin['Version']}", f"    Path:     {plugin['Path']}"]
    lines += ["", "Server:",
              f" Containers: {doc['Containers']}", f"  Running: {doc['ContainersRunning']}",
              f"  Paused: {doc['ContainersPaused']}", f"  Stopped: {doc['ContainersStopped']}",
              f" Images: {doc['Images']}", f" Server Version: {doc['ServerVersion']}",
              f" Storage Driver: {doc['Driver']}"]
    lines += [f"  {key}: {value}" for key, value in doc["DriverStatus"]]
    plugins = doc["Plugins"]
    lines += [f" Logging Driver: {doc['LoggingDriver']}",
              f" Cgroup Driver: {doc['CgroupDriver']}",
              f" Cgroup Version: {doc['CgroupVersion']}", " Plugins:",
              "  Volume: " + " ".join(plugins["Volume"]),
              "  Network: " + " ".join(plugins["Network"]),
              "  Log: " + " ".join(plugins["Log"]), " CDI spec directories:"]
    lines += [f"  {d}" for d in doc["CDISpecDirs"]]
    lines += [f" Swarm: {doc['Swarm']['LocalNodeState']}",
              " Runtimes: " + " ".join(doc["Runtimes"]),
              f" Default Runtime: {doc['DefaultRuntime']}",
              f" Init Binary: {doc['InitBinary']}",
              f" containerd version: {doc['ContainerdCommit']['ID']}",
              f" runc version: {doc['RuncCommit']['ID']}",
              f" init version: {doc['InitCommit']['ID']}", " Security Options:"]
    for option in doc["SecurityOptions"]:
        fields = dict(kv.split("=", 1) for kv in option.split(","))
        lines.append(f"  {fields['name']}")
        if "profile" in fields:
            lines.append(f"   Profile: {fields['profile']}")
    lines += [f" Kernel Version: {doc['KernelVersion']}",
              f" Operating System: {doc['OperatingSystem']}", f" OSType: {doc['OSType']}",
              f" Architecture: {doc['Architecture']}", f" CPUs: {doc['NCPU']}",
              f" Total Memory: {bytes_size(doc['MemTotal'])}", f" Name: {doc['Name']}",
              f" ID: {doc['ID']}", f" Docker Root Dir: {doc['DockerRootDir']}",
              " Debug Mode: false", " Experimental: false", " Insecure Registries:",
              "  ::1/128", "  127.0.0.0/8", " Live Restore Enabled: false"]
    # The 29 CLI prints the firewall the daemon reports (moby daemon/libnetwork/
    # controller_linux.go: the userland proxy listed since 29.5); the 28 CLI did not.
    firewall = doc.get("FirewallBackend")
    if firewall:
        lines.append(f" Firewall Backend: {firewall['Driver']}")
        lines += [f"  {key}: {value}" for key, value in firewall["Info"]]
    lines += ["", ""]
    return "\n".join(lines)


def _go_struct(value: Any, name: str) -> Any:
    """The info document as the Go values a template sees: objects are structs (a missing
    field is an error), lists stay slices."""
    if isinstance(value, dict) and name != "Runtimes":
        return Struct(f"system.{name}", {k: _go_struct(v, k) for k, v in value.items()})
    if isinstance(value, list):
        return [_go_struct(v, name) for v in value]
    return value


@command("info", "system info", usage="[OPTIONS]", summary="Display system-wide information",
         flags=(Flag("format", "string", short="f",
                     help="Format output using a custom template"),),
         max_args=0)
def info(ctx: Context, args: Parsed) -> None:
    doc = info_doc(ctx.engine)
    fmt = args.str("format")
    if not fmt:
        ctx.out.write(_info_text(doc))
        return
    try:
        template = parse("{{json .}}" if fmt == "json" else fmt)
    except TemplateError as exc:
        raise CliError(f"template parsing error: {exc.message}", 64) from None
    try:
        ctx.out.write(template.execute(_go_struct(doc, "dockerInfo")) + "\n")
    except TemplateError as exc:  # Go keeps what it wrote, then the CLI ends the line
        ctx.out.write(exc.partial + "\n")
        raise CliError(exc.message) from None


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


def _image_parts(engine: Engine, image: LocalImage,
                 containerd: bool) -> tuple[dict[str, int], dict[str, int]]:
    """What an image occupies: its snapshots (layer chains, unpacked sizes) and, on the
    containerd store, its content blobs (by digest)."""
    # keyed apart: a base layer's chain ID is its diffID, the digest of its blob
    chains = {"snapshot:" + chain: (snapshot_usage(la) if containerd else la.size)
              for chain, la in zip(chain_ids(image.diff_ids), engine.images.layers(image),
                                   strict=True)}
    blobs: dict[str, int] = {}
    if containerd:
        for la in engine.images.layers(image):
            blobs[la.gzip_digest] = la.gzip_size
        config = image.record.config
        blobs["sha256:" + hashlib.sha256(config).hexdigest()] = len(config)
        documents = {d: len(t.encode()) for d, t in image.record.blobs.items()}
        if not documents:
            manifest = engine.images.manifest(image)
            documents = {"sha256:" + hashlib.sha256(manifest).hexdigest(): len(manifest)}
        blobs.update(documents)
    return chains, blobs


def disk_usage(engine: Engine) -> DiskUsage:
    """The daemon's `/system/df`. Shared sizes count the snapshots (and, on the containerd
    store, the content blobs) that more than one image uses (moby daemon/containerd/
    image_list.go computeSharedSize, daemon/images/image_list.go @ docker-v29.7.2); the total
    counts each once (containerd service.go ImageDiskUsage)."""
    containerd = engine.profile.containerd_store
    containers = engine.containers.all()
    users: dict[str, int] = {}
    links: dict[str, int] = {}
    for c in containers:
        users[c.image_id] = users.get(c.image_id, 0) + 1
        for m in c.mounts:
            if m.kind == "volume":
                links[m.source] = links.get(m.source, 0) + 1
    images = engine.images.all()
    parts = {image.id: _image_parts(engine, image, containerd) for image in images}
    refs: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for chains, blobs in parts.values():
        for key, size in (*chains.items(), *blobs.items()):
            refs[key] = refs.get(key, 0) + 1
            sizes[key] = size
    usage = []
    for image in images:
        chains, blobs = parts[image.id]
        shared = sum(size for key, size in (*chains.items(), *blobs.items()) if refs[key] > 1)
        usage.append(ImageUsage(image, image_size(engine, image, containerd), shared,
                                users.get(image.id, 0)))
    cache = [CacheUsage(key, engine.store.get_layer(r.diff_id).size, r.created)
             for key, r in BuildCache(engine.store).records.items()
             if r.diff_id and engine.store.has_layer(r.diff_id)]
    # cache mounts (RUN --mount=type=cache) are build cache records too
    cache += [CacheUsage("sha256:" + hashlib.sha256(name.encode()).hexdigest(), size, created)
              for name, size, created in CacheMounts(engine.store).listing()]
    return DiskUsage(
        usage, sum(sizes.values()),
        [(c, engine.containers.size_rw(c)) for c in containers],
        [(v, links.get(v.name, 0)) for v in engine.containers.volumes.all()], cache)


def _with_percent(reclaimable: int, total: int) -> str:
    if total > 0:
        return f"{human_size(reclaimable)} ({reclaimable * 100 // total}%)"
    return human_size(reclaimable)


def _summary_rows(du: DiskUsage, docker: int) -> list[dict[str, str]]:
    if docker >= 29:  # the daemon sums the unused images' unique parts (disk_usage.go)
        reclaimable = sum(i.size - i.shared for i in du.images if not i.containers)
    else:  # the 28 CLI: all minus what the images in use hold alone
        reclaimable = du.layers_size - sum(i.size - i.shared for i in du.images if i.containers)
    active = [(c, s) for c, s in du.containers if c.state in ("running", "paused", "restarting")]
    rw_total = sum(s for _, s in du.containers)
    vol_total = sum(v.size for v, _ in du.volumes)
    cache_total = sum(r.size for r in du.cache)
    return [
        {"Type": "Images", "TotalCount": str(len(du.images)),
         "Active": str(sum(1 for i in du.images if i.containers)),
         "Size": human_size(du.layers_size),
         "Reclaimable": _with_percent(reclaimable, du.layers_size)},
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
                        "\t{{.Reclaimable}}", _summary_rows(du, ctx.profile.docker), DF_HEADERS)
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
        if not confirm(ctx, "WARNING! This will remove:\n"
                       + "".join(f"  - {w}\n" for w in warnings)
                       + "\nAre you sure you want to continue?"):
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
    mounts = CacheMounts(engine.store).prune()
    total += sum(size for _, size, _ in mounts)
    sections.append(("Deleted build cache objects:", [cache_id(k) for k, _ in pruned] + [
        cache_id("sha256:" + hashlib.sha256(name.encode()).hexdigest())
        for name, _, _ in mounts]))
    for title, items in sections:
        if items:
            ctx.out.write(title + "\n" + "".join(i + "\n" for i in items) + "\n")
    ctx.out.write(f"Total reclaimed space: {human_size(total)}\n")
    return 0
