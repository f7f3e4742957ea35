"""Image commands: `pull`, `images`, `history`, `tag`, `rmi`, `image prune`, `save`, `load`,
`image inspect` — printing what the Docker 28 CLI prints for each."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from typing import Any, BinaryIO

from tutor.dockercli._flags import Flag, Parsed, content_trust
from tutor.dockercli._main import DAEMON, CliError, Context, command
from tutor.dockercli._prompt import confirm
from tutor.dockercli.format import (
    created_since,
    ellipsis,
    go_json,
    history_created_since,
    human_size,
    human_size_precision,
    inspect_json,
    truncate_id,
)
from tutor.dockercli.imagetree import Details, Platform, TreeImage, render
from tutor.dockercli.templates import NilMap, NilSlice, Struct, TemplateError, render_format
from tutor.engine import contentsave, oci
from tutor.engine.clock import rfc3339
from tutor.engine.distribution import (
    EXTRACT_BYTES_PER_SECOND,
    PULL_BYTES_PER_SECOND,
    PullResult,
)
from tutor.engine.engine import Engine
from tutor.engine.errors import EngineError
from tutor.engine.image import MEDIA_MANIFEST
from tutor.engine.images import ImageSummary, LocalImage, NoSuchImage
from tutor.engine.layers import snapshot_usage
from tutor.engine.reference import InvalidReference, Reference, parse_docker_ref, parse_reference
from tutor.engine.registry import ManifestUnknown, PullAccessDenied


def daemon_error(exc: EngineError) -> CliError:
    return CliError(DAEMON + exc.message)


def not_found_hint(engine: Engine, exc: EngineError, ref: Reference) -> str:
    """The tutor's line naming the closest references that exist, after a "not found"."""
    if not isinstance(exc, (PullAccessDenied, ManifestUnknown)) or ref.digest is not None:
        return ""
    from tutor.engine.library.suggest import suggestion

    return suggestion(engine.catalogue, ref.name, ref.tag or "latest")


# -- pull --------------------------------------------------------------------------------------

MAX_CONCURRENT_DOWNLOADS = 3


def pull_lines(result: PullResult, containerd: bool = False) -> Iterator[str]:
    """The non-TTY `docker pull` status lines, in the order a real pull reports them.

    Downloads run three at a time and extraction goes layer by layer, as the daemon does; the
    simulated timings decide which line comes when. The containerd store's progress has no
    `Verifying Checksum` (moby daemon/containerd/progress.go @ docker-v29.7.2)."""
    ids = [la.digest.removeprefix("sha256:")[:12] for la in result.layers]
    events: list[tuple[float, int, str]] = []
    waiting: list[int] = []
    slots = [0.0] * MAX_CONCURRENT_DOWNLOADS
    downloaded: dict[int, float] = {}
    for i, la in enumerate(result.layers):
        if la.existed:
            events.append((0.0, 0, f"{ids[i]}: Already exists"))
            continue
        events.append((0.0, 0, f"{ids[i]}: Pulling fs layer"))
        slot = min(range(len(slots)), key=lambda s: slots[s])
        start = slots[slot]
        if start > 0:
            waiting.append(i)
        done = start + la.size / PULL_BYTES_PER_SECOND
        slots[slot] = done
        downloaded[i] = done
        if not containerd:
            events.append((done, 1, f"{ids[i]}: Verifying Checksum"))
        events.append((done, 2, f"{ids[i]}: Download complete"))
    for i in waiting:
        events.append((0.0, 0, f"{ids[i]}: Waiting"))
    extracted = 0.0
    for i, la in enumerate(result.layers):
        if la.existed:
            continue
        extracted = max(extracted, downloaded[i]) + la.size / EXTRACT_BYTES_PER_SECOND
        events.append((extracted, 3, f"{ids[i]}: Pull complete"))
    events.sort(key=lambda e: (e[0], e[1]))
    for _, _, line in events:
        yield line


@command(
    "pull", "image pull",
    usage="[OPTIONS] NAME[:TAG|@DIGEST]",
    summary="Download an image from a registry",
    flags=(
        Flag("all-tags", short="a", help="Download all tagged images in the repository"),
        *content_trust("Skip image verification"),
        Flag("platform", "string", help="Set platform if server is multi-platform capable"),
        Flag("quiet", short="q", help="Suppress verbose output"),
    ),
    min_args=1, max_args=1,
)
def pull(ctx: Context, args: Parsed) -> None:
    name = args.args[0]
    try:
        ref = parse_reference(name)
    except InvalidReference as exc:
        raise CliError(exc.message) from None
    quiet = args.bool("quiet")
    if ref.tag is None and ref.digest is None and not quiet:
        ctx.out.write("Using default tag: latest\n")
    ref = parse_docker_ref(name)
    pull_and_report(ctx, ref, args.str("platform") or None, quiet)


def pull_and_report(ctx: Context, ref: Reference, platform: str | None, quiet: bool) -> None:
    """Pull `ref` and print what `docker pull` prints (also used by `docker run`)."""
    engine = ctx.engine
    try:
        resolved = engine.resolve_remote(ref, platform)
    except EngineError as exc:
        error = daemon_error(exc)
        error.hint = not_found_hint(engine, exc, ref)
        raise error from None
    if not quiet:
        ctx.out.write(f"{ref.tag or ref.digest}: Pulling from {ref.path}\n")
    result = engine.pull(ref, platform, resolved)
    if result.warning:
        ctx.out.write(result.warning + "\n")
    if not quiet:
        if not result.image_existed:
            for line in pull_lines(result, ctx.profile.containerd_store):
                ctx.out.write(line + "\n")
        ctx.out.write(f"Digest: {result.digest}\n")
        if result.up_to_date:
            ctx.out.write(f"Status: Image is up to date for {ref.familiar}\n")
        else:
            ctx.out.write(f"Status: Downloaded newer image for {ref.familiar}\n")
    ctx.out.write(f"{ref}\n")


# -- images ------------------------------------------------------------------------------------

IMAGE_HEADERS = {
    "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "ID": "IMAGE ID",
    "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
    "Containers": "CONTAINERS", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
    "VirtualSize": "SIZE",
}


def image_users(engine: Engine) -> dict[str, int]:
    """How many containers (running or not) use each image ID."""
    users: dict[str, int] = {}
    for c in engine.containers.all():
        users[c.image_id] = users.get(c.image_id, 0) + 1
    return users


def image_size(engine: Engine, image: LocalImage, containerd: bool) -> int:
    """The API's `Size`: the unpacked layers on the classic store; on the containerd store the
    snapshots' block usage plus the content blobs (moby daemon/containerd/image_list.go:
    TotalSize)."""
    unpacked = engine.images.unpacked_size(image, containerd)
    return unpacked + engine.images.content_size(image) if containerd else unpacked


def _image_rows(
    summaries: list[ImageSummary], engine: Engine, *, no_trunc: bool, digests: bool,
    need_digest: bool, containerd: bool = False,
) -> list[dict[str, str]]:
    """The CLI formatter's rows: one per tag (per tag and digest when digests are wanted),
    then one per repository known only by digest, or one `<none>` row."""
    rows: list[dict[str, str]] = []
    users = image_users(engine)
    for summary in summaries:
        image = summary.image
        size = human_size_precision(image_size(engine, image, containerd), 3)
        base = {
            "ID": image.id if no_trunc else truncate_id(image.id),
            "CreatedSince": created_since(int(image.created), engine.clock),
            "CreatedAt": rfc3339(image.created).replace("T", " ").replace("Z", " +0000 UTC"),
            "Size": size, "VirtualSize": size,
            # moby counts the containers of every listed image (daemon/images/image_list.go
            # @ v28.5.1 and docker-v29.7.2); shared sizes only on request.
            "Containers": str(users.get(image.id, 0)), "SharedSize": "N/A",
            "UniqueSize": "N/A",
        }
        if not summary.repo_tags and not summary.repo_digests:
            rows.append(dict(base, Repository="<none>", Tag="<none>", Digest="<none>"))
            continue
        by_repo: dict[str, list[str]] = {}
        for repo_digest in summary.repo_digests:
            ref = parse_docker_ref(repo_digest)
            by_repo.setdefault(ref.familiar_name, []).append(str(ref.digest))
        if containerd:  # one target per containerd image: RepoDigests is `name@target` for
            # every tag, local builds too (daemon/containerd/image_list.go @ docker-v29.7.2)
            by_repo.update({ref.familiar_name: [image.id] for ref in summary.repo_tags})
        for ref in summary.repo_tags:
            repo_digests = by_repo.get(ref.familiar_name, []) if need_digest else []
            for digest in repo_digests or ["<none>"]:
                rows.append(dict(base, Repository=ref.familiar_name, Tag=ref.tag or "<none>",
                                 Digest=digest))
        tagged = {ref.familiar_name for ref in summary.repo_tags}
        for repo, repo_digests in by_repo.items():
            if repo not in tagged:
                for digest in repo_digests if digests else [""]:
                    rows.append(dict(base, Repository=repo, Tag="<none>", Digest=digest))
    return rows


IMAGE_SUBCOMMANDS = ("build", "history", "import", "inspect", "list", "load", "ls", "prune",
                     "pull", "push", "rm", "save", "tag")
"""`docker image` subcommands: `docker images ls` finding nothing gets a hint."""


def parse_filters(specs: list[str]) -> dict[str, list[str]]:
    """The CLI's `FilterOpt`: `name=value`, the name lower-cased, both trimmed, duplicates
    dropped."""
    filters: dict[str, list[str]] = {}
    for spec in specs:
        if not spec:
            continue
        name, _, value = spec.partition("=")
        values = filters.setdefault(name.strip().lower(), [])
        if value.strip() not in values:
            values.append(value.strip())
    return filters


@command(
    "images", "image ls", "image list",
    usage="[OPTIONS] [REPOSITORY[:TAG]]",
    summary="List images",
    flags=(
        Flag("all", short="a", help="Show all images (default hides intermediate images)",
             docker=(28,)),
        Flag("all", short="a",
             help="Show all images (default hides intermediate and dangling images)",
             docker=(29,)),
        Flag("digests", help="Show digests"),
        Flag("filter", "list", short="f", metavar="filter",
             help="Filter output based on conditions provided"),
        Flag("format", "string", help="Format output using a custom template"),
        Flag("no-trunc", help="Don't truncate output"),
        Flag("quiet", short="q", help="Only show image IDs"),
        Flag("tree", help="List multi-platform images as a tree (EXPERIMENTAL)", docker=(29,)),
    ),
    max_args=1,
)
def images(ctx: Context, args: Parsed) -> None:
    filters = parse_filters(args.list("filter"))
    match = args.args[0] if args.args else ""
    if match and match not in filters.get("reference", []):
        filters.setdefault("reference", []).append(match)
    docker29 = ctx.profile.docker >= 29
    tree = docker29 and _use_tree(args)
    engine = ctx.engine
    try:
        summaries = engine.images.summaries(filters, show_all=args.bool("all"),
                                            now=engine.clock)
    except EngineError as exc:
        raise daemon_error(exc) from None
    if docker29 and not args.bool("all") and (
            "dangling" not in filters or "false" in filters["dangling"]):
        # The 29 CLI hides untagged images in every view (cli/command/image/list.go @ v29.7.2).
        summaries = [s for s in summaries if s.repo_tags]
    if tree:
        listed = _write_tree(ctx, summaries, expanded=args.bool("tree"))
    else:
        listed = _write_table(ctx, args, summaries, docker29)
    if not listed and match in IMAGE_SUBCOMMANDS:
        ctx.err.write(f'{"" if docker29 else chr(10)}No images found matching "{match}": '
                      f'did you mean "docker image {match}"?\n')


def _use_tree(args: Parsed) -> bool:
    """`shouldUseTree` (list.go @ v29.7.2): the legacy table whenever one of its options is
    given; `--tree` refuses them."""
    for key, name in (("quiet", "--quiet"), ("no_trunc", "--no-trunc"),
                      ("digests", "--show-digest"), ("format", "--format")):
        if args.bool(key):
            if args.bool("tree"):
                raise CliError(f"{name} is not yet supported with --tree")
            return False
    return True


def _write_table(ctx: Context, args: Parsed, summaries: list[ImageSummary],
                 docker29: bool) -> int:
    fmt = args.str("format")
    if not fmt or fmt == "table":
        fmt = "table {{.Repository}}\t{{.Tag}}\t"
        if args.bool("digests"):
            fmt += "{{.Digest}}\t"
        fmt += "{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    engine = ctx.engine
    rows = _image_rows(summaries, engine, no_trunc=args.bool("no_trunc"),
                       digests=args.bool("digests"),
                       need_digest=args.bool("digests") or "{{.Digest}}" in fmt,
                       containerd=ctx.profile.containerd_store)
    if docker29:  # removed from the 29 formatter (cli/command/formatter/image.go @ v29.7.2)
        for row in rows:
            del row["VirtualSize"]
    if args.bool("quiet"):
        for row in rows:
            ctx.out.write(row["ID"] + "\n")
    else:
        write_formatted(ctx, fmt, [Struct("formatter.imageContext", r) for r in rows],
                        IMAGE_HEADERS)
    return len(summaries)


def _write_tree(ctx: Context, summaries: list[ImageSummary], *, expanded: bool) -> int:
    """`runTree` (tree.go @ v29.7.2): sizes as each store reports them; the classic store
    returns no manifests, so CONTENT SIZE is 0B and there are no platform lines."""
    engine = ctx.engine
    containerd = ctx.profile.containerd_store
    users = image_users(engine)
    view: list[TreeImage] = []
    for summary in summaries:
        image = summary.image
        unpacked = engine.images.unpacked_size(image, containerd)
        content = engine.images.content_size(image) if containerd else 0
        in_use = users.get(image.id, 0) > 0
        details = Details(image.id, human_size_precision(unpacked + content, 3),
                          human_size_precision(content, 3), in_use)
        children: tuple[Platform, ...] = ()
        if containerd and expanded:
            # platforms the store lacks are listed faint with nothing on disk (tree.go)
            children = tuple(
                Platform(name, available, Details(
                    manifest, details.disk_usage if available else "0B",
                    details.content_size if available else "0B", in_use and available))
                for name, manifest, available in engine.images.platforms(image))
        names = sorted(ref.familiar for ref in summary.repo_tags)
        if expanded:
            view.append(TreeImage(tuple(names), details, children))
            continue
        if not names:
            view.append(TreeImage((), details, children))
        view += [TreeImage((name,), details, children) for name in names]
    view.sort(key=lambda i: (not i.names, i.names[0] if i.names else ""))
    ctx.out.write(render(view, terminal=ctx.out_is_tty, colour=not os.environ.get("NO_COLOR"),
                         width=ctx.width))
    return len(view)


def write_formatted(
    ctx: Context, fmt: str, rows: list[Any], headers: dict[str, str]
) -> None:
    try:
        ctx.out.write(render_format("json" if fmt == "json" else fmt, rows, headers))
    except TemplateError as exc:
        raise CliError(exc.message) from None


# -- history -----------------------------------------------------------------------------------

HISTORY_HEADERS = {
    "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
    "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT",
}


@command(
    "history", "image history",
    usage="[OPTIONS] IMAGE",
    summary="Show the history of an image",
    flags=(
        Flag("format", "string", help="Format output using a custom template"),
        Flag("human", short="H", default=True,
             help="Print sizes and dates in human readable format"),
        Flag("no-trunc", help="Don't truncate output"),
        Flag("quiet", short="q", help="Only show image IDs"),
    ),
    min_args=1, max_args=1,
)
def history(ctx: Context, args: Parsed) -> None:
    engine = ctx.engine
    try:
        image = engine.images.resolve(args.args[0])
    except EngineError as exc:
        raise daemon_error(exc) from None
    no_trunc, human = args.bool("no_trunc"), args.bool("human")
    entries = list(image.config.history)
    # the containerd store measures each layer's snapshot in blocks (WORKDIR /app: 8.19kB)
    containerd = engine.profile.containerd_store
    sizes = iter(snapshot_usage(la) if containerd else la.size
                 for la in engine.images.layers(image))
    rows: list[dict[str, str]] = []
    for entry in entries:
        size = 0 if entry.empty_layer else next(sizes, 0)
        created = _parse_time(entry.created)
        created_by = entry.created_by.replace("\t", " ")
        rows.append({
            "ID": "<missing>",
            "CreatedSince": history_created_since(int(created), engine.clock)
            if human else rfc3339(created),
            "CreatedAt": rfc3339(created),
            "CreatedBy": created_by if no_trunc else ellipsis(created_by, 45),
            "Size": human_size_precision(size, 3) if human else str(size),
            "Comment": entry.comment,
        })
    rows.reverse()
    for row, image_id in zip(rows, _ancestry(engine, image), strict=False):
        row["ID"] = image_id if no_trunc else truncate_id(image_id)
    if args.bool("quiet"):
        for row in rows:
            ctx.out.write(row["ID"] + "\n")
        return
    fmt = args.str("format") or (
        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
        if human else
        "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
    )
    write_formatted(ctx, fmt, [Struct("history.historyContext", r) for r in rows],
                    HISTORY_HEADERS)


def _ancestry(engine: Engine, image: LocalImage) -> Iterator[str]:
    """moby's history IDs: the image's on the top row, then its parent's on the next while
    the parent (as the store records it, for commits) is still there; the rest `<missing>`."""
    current: LocalImage | None = image
    while current is not None:
        yield current.id
        parent = current.record.parent
        current = engine.images.find(parent) if parent else None


def _parse_time(stamp: str) -> float:
    from tutor.engine.clock import parse_rfc3339

    try:
        return parse_rfc3339(stamp) if stamp else 0.0
    except ValueError:
        return 0.0


# -- tag ---------------------------------------------------------------------------------------

@command("tag", "image tag", usage="SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
         summary="Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", min_args=2, max_args=2)
def tag(ctx: Context, args: Parsed) -> None:
    source, target = args.args
    for text in (source, target):
        try:
            parse_reference(text)
        except InvalidReference as exc:
            if text == source and _looks_like_id(text):
                continue
            raise CliError(
                f'Error parsing reference: "{text}" is not a valid repository/tag: {exc.message}'
            ) from None
    ref = parse_reference(target)
    if ref.digest is not None:
        raise CliError("refusing to create a tag with a digest reference")
    engine = ctx.engine
    try:
        image = engine.images.resolve(source)
    except EngineError as exc:
        raise daemon_error(exc) from None
    engine.images.tag(image.id, parse_docker_ref(target), engine.clock)


def _looks_like_id(text: str) -> bool:
    hexpart = text.removeprefix("sha256:")
    return len(hexpart) == 64 and all(c in "0123456789abcdef" for c in hexpart)


# -- rmi ---------------------------------------------------------------------------------------

@command(
    "rmi", "image rm", "image remove",
    usage="[OPTIONS] IMAGE [IMAGE...]",
    summary="Remove one or more images",
    flags=(
        Flag("force", short="f", help="Force removal of the image"),
        Flag("no-prune", help="Do not delete untagged parents"),
    ),
    min_args=1,
)
def rmi(ctx: Context, args: Parsed) -> int:
    engine = ctx.engine
    status = 0
    for name in args.args:
        try:
            for line in remove_image(engine, name, args.bool("force")):
                ctx.out.write(line + "\n")
        except EngineError as exc:
            ctx.err.write(DAEMON + exc.message + "\n")
            status = 1
    return status


def remove_image(engine: Engine, name: str, force: bool) -> list[str]:
    """moby's ImageDelete, with its container conflicts (the classic store's; the containerd
    store reports only the names it removes and the image)."""
    image = engine.images.find(name)
    if image is None:
        raise NoSuchImage(missing_image_name(name))
    by_id = _is_id_of(image, name)
    users = engine.containers.users_of_image(image.id)
    running = next((c for c in users if c.running), None)
    lines: list[str] = []
    if not by_id:
        if not force and len(image.tags) == 1 and users:
            raise EngineError(
                f'conflict: unable to remove repository reference "{name}" (must force) - '
                f"container {users[0].short_id} is using its referenced image "
                f"{truncate_id(image.id)}"
            )
        ref = parse_docker_ref(name)
        engine.images.untag(ref)
        lines.append(f"Untagged: {ref.familiar}")
        if engine.images.tags_of(image.id):
            return lines
        if running is not None:  # the quiet delete after a forced untag keeps a used image
            return lines
    else:
        if running is not None:
            raise EngineError(
                f"conflict: unable to delete {truncate_id(image.id)} (cannot be forced) - "
                f"image is being used by running container {running.short_id}"
            )
        if users and not force:
            raise EngineError(
                f"conflict: unable to delete {truncate_id(image.id)} (must be forced) - "
                f"image is being used by stopped container {users[0].short_id}"
            )
        repos = {t.name for t in image.tags}
        if len(repos) > 1 and not force:
            raise EngineError(
                f"conflict: unable to delete {truncate_id(image.id)} (must be forced) - "
                "image is referenced in multiple repositories"
            )
        for ref in image.tags:
            engine.images.untag(ref)
            lines.append(f"Untagged: {ref.familiar}")
    deleted = engine.images.delete(image)
    if engine.profile.containerd_store:
        # the image's names are its only references; the record goes, the snapshots and
        # blobs go with containerd's garbage collection, unreported (moby
        # daemon/containerd/image_delete.go deleteAll @ docker-v29.7.2)
        return lines + deleted[:1]
    for repo_digest in image.record.repo_digests:
        lines.append(f"Untagged: {_familiar_digest(repo_digest)}")
    return lines + deleted


def _is_id_of(image: LocalImage, name: str) -> bool:
    """Whether `name` named the image by (a prefix of) its ID rather than by a tag."""
    return image.id[7:].startswith(name.removeprefix("sha256:")) and not _is_tag_of(image, name)


def _is_tag_of(image: LocalImage, name: str) -> bool:
    try:
        ref = parse_docker_ref(name)
    except EngineError:
        return False
    return any(str(t) == str(ref) for t in image.tags)


def _familiar_digest(repo_digest: str) -> str:
    name, _, digest = repo_digest.partition("@")
    return f"{parse_reference(name).familiar_name}@{digest}"


def missing_image_name(name: str) -> str:
    try:
        ref = parse_docker_ref(name)
    except EngineError:
        return name
    return ref.familiar if ref.digest is None else name


# -- prune -------------------------------------------------------------------------------------

@command(
    "image prune",
    usage="[OPTIONS]",
    summary="Remove unused images",
    flags=(
        Flag("all", short="a", help="Remove all unused images, not just dangling ones"),
        Flag("filter", "list", metavar="filter",
             help='Provide filter values (e.g. "until=<timestamp>")'),
        Flag("force", short="f", help="Do not prompt for confirmation"),
    ),
    max_args=0,
)
def image_prune(ctx: Context, args: Parsed) -> int:
    everything = args.bool("all")
    if not args.bool("force"):
        warning = (
            "WARNING! This will remove all images without at least one container associated "
            "to them." if everything else "WARNING! This will remove all dangling images."
        )
        if not confirm(ctx, f"{warning}\nAre you sure you want to continue?"):
            return 0
    deleted, reclaimed = prune_images(ctx.engine, everything)
    if deleted:
        ctx.out.write("Deleted Images:\n" + "".join(f"{d}\n" for d in deleted) + "\n")
    ctx.out.write(f"Total reclaimed space: {human_size(reclaimed)}\n")
    return 0


def prune_images(engine: Engine, everything: bool) -> tuple[list[str], int]:
    """Remove dangling images (every image no container uses, with `everything`): the
    `untagged:`/`deleted:` lines and the layer bytes freed."""
    deleted: list[str] = []
    reclaimed = 0
    used = {c.image_id for c in engine.containers.all()}
    for image in engine.images.all():
        if (image.tags and not everything) or image.id in used:
            continue
        for ref in image.tags:
            engine.images.untag(ref)
            deleted.append(f"untagged: {ref.familiar}")
        before = _stored_layer_bytes(engine)
        lines = engine.images.delete(image)
        if engine.profile.containerd_store:  # only the image itself, as rmi reports it
            lines = lines[:1]
        deleted += [line.replace("Deleted: ", "deleted: ") for line in lines]
        reclaimed += before - _stored_layer_bytes(engine)
    return deleted, reclaimed


def _stored_layer_bytes(engine: Engine) -> int:
    used = {d for image in engine.images.all() for d in image.diff_ids}
    return sum(engine.store.get_layer(d).size for d in used)


# -- save / load -------------------------------------------------------------------------------

@command(
    "save", "image save",
    usage="[OPTIONS] IMAGE [IMAGE...]",
    summary="Save one or more images to a tar archive (streamed to STDOUT by default)",
    flags=(Flag("output", "string", short="o", help="Write to a file, instead of STDOUT"),
           Flag("platform", "list", help="Save only the given platform(s)")),
    min_args=1,
)
def save(ctx: Context, args: Parsed) -> None:
    engine = ctx.engine
    containerd = engine.profile.containerd_store
    chosen: list[tuple[Any, list[str]]] = []
    for name in args.args:
        try:
            image = engine.images.resolve(name)
        except EngineError as exc:
            raise daemon_error(exc) from None
        tags = [] if _is_id_of(image, name) else [str(parse_docker_ref(name))]
        chosen.append((engine.images.content_image(image) if containerd
                       else engine.images.oci_image(image), tags))

    def write(handle: BinaryIO) -> None:
        # the containerd store writes its compressed blobs and indexes, the classic store
        # regenerates manifests around uncompressed layer tars
        (contentsave.save if containerd else oci.save)(chosen, handle)

    output = args.str("output")
    if output:
        target = ctx.path(output)
        try:
            with open(target, "wb") as handle:
                write(handle)
        except OSError as exc:
            raise CliError(f"failed to save image: invalid output path: {exc.strerror}") from None
        return
    stream = getattr(ctx.out, "buffer", None)
    if stream is None or ctx.out.isatty():
        raise CliError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    write(stream)


@command(
    "load", "image load",
    usage="[OPTIONS]",
    summary="Load an image from a tar archive or STDIN",
    flags=(Flag("input", "string", short="i", help="Read from tar archive file, instead of STDIN"),
           Flag("quiet", short="q", help="Suppress the load output")),
    max_args=0,
)
def load(ctx: Context, args: Parsed) -> None:
    path = args.str("input")
    engine = ctx.engine
    handle: BinaryIO
    if path:
        try:
            handle = open(ctx.path(path), "rb")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise CliError(f"open {path}: {(exc.strerror or '').lower()}") from None
    else:
        # the archive is read whole (a pipe cannot seek, and the loader needs to), but no
        # further than a tar reader would go
        from tutor.dockercli.stdin_input import read_archive

        raw = getattr(ctx.stdin, "buffer", None)
        data = read_archive(raw) if raw is not None else b""
        if not data:
            raise CliError("requested load from stdin, but stdin is empty")
        handle = io.BytesIO(data)
    with handle:
        try:
            loaded = oci.load(handle)
        except EngineError as exc:
            raise daemon_error(exc) from None
    for item in loaded:
        image = engine.images.add_loaded(item, engine.clock, engine.profile.containerd_store)
        if item.repo_tags:
            for tag_text in item.repo_tags:
                engine.images.tag(image.id, parse_docker_ref(tag_text))
                ctx.out.write(f"Loaded image: {tag_text}\n")
        else:
            ctx.out.write(f"Loaded image ID: {image.id}\n")



@command(
    "import", "image import",
    usage="[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    summary="Import the contents from a tarball to create a filesystem image",
    flags=(Flag("change", "list", short="c",
                help="Apply Dockerfile instruction to the created image"),
           Flag("message", "string", short="m", help="Set commit message for imported image"),
           Flag("platform", "string", help="Set platform if server is multi-platform capable")),
    min_args=1, max_args=2,
)
def import_(ctx: Context, args: Parsed) -> None:
    source = args.args[0]
    ref = args.args[1] if len(args.args) > 1 else None
    if ref is not None:
        try:
            parse_reference(ref)
        except InvalidReference as exc:
            raise CliError(exc.message) from None
    if source.startswith(("http://", "https://")):
        raise CliError("importing from a URL is not simulated: download the archive first")
    handle: BinaryIO
    if source == "-":
        raw = getattr(ctx.stdin, "buffer", None)
        handle = io.BytesIO(raw.read() if raw is not None else b"")
    else:
        try:
            handle = open(ctx.path(source), "rb")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise CliError(f"open {source}: {(exc.strerror or '').lower()}") from None
    from tutor.engine.imports import import_image

    with handle:
        try:
            # the CLI sends a file as the request body: the daemon's source is "-" either way
            image = import_image(ctx.engine, handle, ref=ref, changes=args.list("change"),
                                 message=args.str("message") or "Imported from -")
        except EngineError as exc:
            raise daemon_error(exc) from None
    ctx.out.write(image.id + "\n")

# -- inspect -----------------------------------------------------------------------------------

LEGACY_CONFIG: dict[str, Any] = {
    "Cmd": None, "Entrypoint": None, "Env": None, "Labels": None, "OnBuild": None, "User": "",
    "Volumes": None, "WorkingDir": "",
}
"""Image-config fields API 1.50+ still prints when empty (moby's `legacyConfigFields`)."""


def _sorted_deep(value: Any) -> Any:
    """A value after Go's map round trip: every object's keys sorted."""
    if isinstance(value, dict):
        return {k: _sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_deep(v) for v in value]
    return value


def inspect_escapes_html(engine: Engine) -> bool:
    """Engine 28 marshals image inspect through `json.Marshal` (HTML-escaped); 29 writes it
    with SetEscapeHTML(false) (daemon/internal/compat/compat.go @ docker-v29.7.2)."""
    return engine.profile.docker < 29


def image_inspect_doc(engine: Engine, image: LocalImage) -> dict[str, Any]:
    """`docker image inspect` as the profile's engine answers it."""
    if engine.profile.docker >= 29:
        return _inspect_doc_29(engine, image)
    return _inspect_doc_28(engine, image)


def _inspect_doc_29(engine: Engine, image: LocalImage) -> dict[str, Any]:
    """Engine 29 (API 1.55 ≥ 1.52): `InspectResponse` in its field order, empty `omitempty`
    fields left out, no legacy config fields (daemon/server/router/image/image_routes.go and
    api/types/image/image_inspect.go @ docker-v29.7.2). The containerd store names the image by
    its target (`Descriptor`), lists `name@target` for every tag in RepoDigests, reports the
    packed size and no GraphDriver (daemon/containerd/image_inspect.go)."""
    config = image.config
    containerd = engine.profile.containerd_store
    tags = sorted(t.familiar for t in image.tags)
    digests = [_familiar_digest(d) for d in image.record.repo_digests]
    if containerd:
        named = [f"{t.familiar_name}@{image.id}" for t in sorted(image.tags, key=str)]
        digests = list(dict.fromkeys(named + digests))
    raw = _raw_config(image)
    comment = str(raw.get("comment") or config.comment)
    doc: dict[str, Any] = {"Id": image.id, "RepoTags": tags, "RepoDigests": digests}
    if comment:
        doc["Comment"] = comment
    if config.created_at:
        doc["Created"] = config.created_at
    if config.author:
        doc["Author"] = config.author
    doc["Config"] = config.config.to_json()
    doc["Architecture"] = config.architecture
    if config.variant:
        doc["Variant"] = config.variant
    doc["Os"] = config.os
    doc["Size"] = engine.images.packed_size(image) if containerd else engine.images.size(image)
    if not containerd:
        doc["GraphDriver"] = {"Data": _graph_driver_data(image) or None, "Name": "overlay2"}
    doc["RootFS"] = {"Type": "layers", "Layers": list(image.diff_ids)}
    doc["Metadata"] = {"LastTagTime": rfc3339(image.record.last_tag_time)
                       if image.record.last_tag_time else "0001-01-01T00:00:00Z"}
    if containerd:
        top = image.record.blobs.get(image.id)
        data = top.encode() if top is not None else engine.images.manifest(image)
        media = str(json.loads(data).get("mediaType", MEDIA_MANIFEST))
        doc["Descriptor"] = {"mediaType": media, "digest": image.id, "size": len(data)}
    extra = {k: v for k, v in (("Parent", image.record.parent),
                               ("DockerVersion", raw.get("docker_version"))) if v}
    if extra:  # compat.Wrap: the response goes through a map, so every key comes sorted
        wrapped: dict[str, Any] = _sorted_deep({**doc, **extra})
        return wrapped
    return doc


def _inspect_doc_28(engine: Engine, image: LocalImage) -> dict[str, Any]:
    """`docker image inspect` as Engine 28 (API 1.51, classic store) answers it.

    The daemon marshals the response, then re-decodes `Config` into a map to add the legacy
    empty fields: so `Config` comes last, its keys (nested ones too) sorted, and — being
    marshalled by `json.Marshal` — its `<`, `>`, `&` are HTML-escaped (see `write_inspect`)."""
    config = image.config
    raw = _raw_config(image)
    docker_version = raw.get("docker_version")
    return {
        "Id": image.id,
        "RepoTags": sorted(t.familiar for t in image.tags),
        "RepoDigests": [_familiar_digest(d) for d in image.record.repo_digests],
        "Parent": image.record.parent,  # store metadata: moby ignores a config's `parent`
        "Comment": str(raw.get("comment") or config.comment),
        **({"Created": config.created_at} if config.created_at else {}),
        "DockerVersion": docker_version if isinstance(docker_version, str) else "",
        "Author": config.author,
        "Architecture": config.architecture,
        **({"Variant": config.variant} if config.variant else {}),
        "Os": config.os,
        "Size": engine.images.size(image),
        "GraphDriver": {
            "Data": _graph_driver_data(image) or None,
            "Name": "overlay2",
        },
        "RootFS": {"Type": "layers", "Layers": list(image.diff_ids)},
        "Metadata": {"LastTagTime": rfc3339(image.record.last_tag_time)
                     if image.record.last_tag_time else "0001-01-01T00:00:00Z"},
        "Config": _sorted_deep({**LEGACY_CONFIG, **config.config.to_json()}),
    }


TYPED_NILS: dict[tuple[str, str], type[NilMap] | type[NilSlice]] = {
    ("GraphDriver", "Data"): NilMap,
    **{("Config", k): NilMap for k in ("ExposedPorts", "Labels", "Volumes")},
    **{("Config", k): NilSlice for k in ("Cmd", "Entrypoint", "Env", "OnBuild", "Shell")},
}
"""The nil-able map and slice fields of the typed image inspect response."""


TYPED_ZEROS_29: dict[str, Any] = {"Comment": "", "Created": "", "Author": "", "Variant": "",
                                  "OsVersion": ""}
"""The `omitempty` string fields of API 1.52+: the typed response still has them, empty."""
CONFIG_ZEROS: dict[str, Any] = {"User": "", "WorkingDir": "", "StopSignal": "",
                                "ArgsEscaped": False}


def typed_inspect_view(doc: dict[str, Any], docker29: bool = False) -> dict[str, Any]:
    """`doc` as a template run on the typed response sees it: a `null` map or slice is
    still a value of its type (`{{.Config.Labels}}` prints `map[]`, not `<no value>`). Docker
    29's response omits empty fields, which the typed struct still holds."""
    view = dict(doc)
    if docker29:
        view = {**TYPED_ZEROS_29, **view}
        config = view.get("Config")
        if isinstance(config, dict):
            view["Config"] = {**CONFIG_ZEROS,
                              **{k: None for (section, k) in TYPED_NILS if section == "Config"},
                              **config}
    for (section, key), nil in TYPED_NILS.items():
        part = view.get(section)
        if isinstance(part, dict) and key in part and part[key] is None:
            view[section] = part = dict(part)
            part[key] = nil()
    return view


def _raw_config(image: LocalImage) -> dict[str, Any]:
    """Top-level config fields the typed config does not keep (`parent`, `docker_version`)."""
    import json

    try:
        doc = json.loads(image.config.raw) if image.config.raw else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _graph_driver_data(image: LocalImage) -> dict[str, str]:
    from tutor.engine.layers import chain_ids

    chains = [c.removeprefix("sha256:") for c in chain_ids(image.diff_ids)]
    if not chains:
        return {}
    root = "/var/lib/docker/overlay2"
    top = chains[-1]
    data = {
        "MergedDir": f"{root}/{top}/merged",
        "UpperDir": f"{root}/{top}/diff",
        "WorkDir": f"{root}/{top}/work",
    }
    if len(chains) > 1:
        data["LowerDir"] = ":".join(f"{root}/{c}/diff" for c in reversed(chains[:-1]))
    return dict(sorted(data.items()))


@command(
    "image inspect",
    usage="[OPTIONS] IMAGE [IMAGE...]",
    summary="Display detailed information on one or more images",
    flags=(Flag("format", "string", short="f", help="Format output using a custom template"),),
    min_args=1,
)
def image_inspect(ctx: Context, args: Parsed) -> int:
    engine = ctx.engine
    docs: list[Any] = []
    missing: list[str] = []
    for name in args.args:
        image = engine.images.find(name)
        if image is None:
            missing.append(name)
        else:
            docs.append(image_inspect_doc(engine, image))
    fmt = args.str("format")
    if fmt:
        docs = [typed_inspect_view(doc, engine.profile.docker >= 29) for doc in docs]
    write_inspect(ctx, docs, fmt,
                  frozenset(range(len(docs))) if inspect_escapes_html(engine) else frozenset())
    for name in missing:
        ctx.err.write(f"{DAEMON}No such image: {missing_image_name(name)}\n")
    return 1 if missing else 0


def write_inspect(ctx: Context, docs: list[Any], fmt: str,
                  escaped: frozenset[int] = frozenset()) -> None:
    """The inspect output: a JSON array, or `fmt` per object. Objects whose index is in
    `escaped` come from a daemon that HTML-escapes them (image inspect)."""
    if not fmt:
        if not escaped:
            ctx.out.write(inspect_json(docs))
            return
        items = []
        for i, doc in enumerate(docs):
            text = go_json([doc], escape_html=i in escaped, indent="    ")
            items.append(text[2:-2])  # the element, without the one-item array around it
        ctx.out.write("[\n" + ",\n".join(items) + "\n]\n")
        return
    from tutor.dockercli.templates import parse

    try:
        template = parse(fmt)
        for doc in docs:
            ctx.out.write(template.execute(doc, missing_key_error=True) + "\n")
    except TemplateError as exc:
        raise CliError(f"template parsing error: {exc.message}") from None


__all__ = ["daemon_error", "missing_image_name", "prune_images", "pull_and_report",
           "remove_image", "write_formatted"]
