"""`docker build` (which Docker 28 hands to `docker buildx build`): BuildKit's progress on
stderr, the image ID with `-q`, errors with the Dockerfile excerpt, lint warnings."""

from __future__ import annotations

import os
from pathlib import Path

from tutor.dockercli._flags import Flag, Parsed
from tutor.dockercli._main import CliError, Context, command
from tutor.dockercli._prompt import confirm
from tutor.dockercli.buildprogress import (
    PlainPrinter,
    TtyPrinter,
    failure_block,
    snippet,
    warnings_block,
)
from tutor.engine.build import Builder, BuildOutcome, BuildRequest
from tutor.engine.errors import EngineError
from tutor.engine.reference import InvalidReference, parse_reference

USAGE = "docker buildx build [OPTIONS] PATH | URL | -"
SUMMARY = "Start a build"

BUILD_FLAGS = (
    Flag("add-host", "list", help="Add a custom host-to-IP mapping (format: \"host:ip\")"),
    Flag("build-arg", "list", help="Set build-time variables"),
    Flag("file", "string", short="f", metavar="string",
         help='Name of the Dockerfile (default: "PATH/Dockerfile")'),
    Flag("label", "list", help="Set metadata for an image"),
    Flag("load", help='Shorthand for "--output=type=docker"'),
    Flag("network", "string",
         help='Set the networking mode for the "RUN" instructions during build'),
    Flag("no-cache", help="Do not use cache when building the image"),
    Flag("platform", "list", help="Set target platform for build"),
    Flag("provenance", "string", help='Shorthand for "--attest=type=provenance"'),
    Flag("progress", "string", default="auto",
         help='Set type of progress output ("auto", "quiet", "plain", "tty", "rawjson"). '
              "Use plain to show container output"),
    Flag("pull", help="Always attempt to pull all referenced images"),
    Flag("quiet", short="q", help="Suppress the build output and print image ID on success"),
    Flag("tag", "list", short="t", help='Image identifier (format: "[registry/]repository[:tag]")'),
    Flag("target", "string", help="Set the target build stage to build"),
)


def _buildx_error(message: str) -> CliError:
    return CliError(f"ERROR: {message}")


@command("build", "image build", "buildx build", usage="[OPTIONS] PATH | URL | -",
         summary=SUMMARY, flags=BUILD_FLAGS)
def build(ctx: Context, args: Parsed) -> int:
    if len(args.args) != 1:
        raise _buildx_error(
            f'"docker buildx build" requires exactly 1 argument.\n'
            f"See 'docker buildx build --help'.\n\nUsage:  {USAGE}\n\n{SUMMARY}"
        )
    progress = args.str("progress")
    if progress not in ("auto", "plain", "tty", "quiet", "rawjson"):
        raise _buildx_error(f"invalid progress mode {progress}")
    tags = tuple(args.list("tag"))
    for tag in tags:
        try:
            ref = parse_reference(tag)
        except InvalidReference as exc:
            raise _buildx_error(f'invalid tag "{tag}": {exc.message}') from None
        if ref.digest is not None:
            raise _buildx_error(f'invalid tag "{tag}": tag cannot contain a digest')
    target_arg = args.args[0]
    dockerfile_text = None
    if target_arg == "-":
        # `docker build - < Dockerfile`: the Dockerfile comes on stdin and there is no
        # context at all, so COPY and ADD of local files find nothing
        raw = getattr(ctx.stdin, "buffer", None)
        data = raw.read() if raw is not None else ctx.stdin.read().encode(
            "utf-8", errors="surrogateescape")
        if data[257:262] == b"ustar" or data[:2] == b"\x1f\x8b":
            raise _buildx_error("a build context sent as a tar archive on stdin is not "
                                "supported by the simulated engine; use a directory")
        dockerfile_text = data.decode("utf-8", errors="surrogateescape")
        context = ctx.state / "empty-context"
        context.mkdir(parents=True, exist_ok=True)
    else:
        context = ctx.path(target_arg)
    if "://" in target_arg or target_arg.startswith("git@"):
        raise _buildx_error(
            f"failed to build: the simulated engine cannot fetch {target_arg}: no network"
        )
    if not context.exists():
        raise _buildx_error(f'unable to prepare context: path "{target_arg}" not found')
    dockerfile: Path | None = None
    file_flag = args.str("file")
    if file_flag == "-" and target_arg != "-":
        dockerfile_text = ctx.stdin.read()
    elif file_flag and target_arg != "-":
        dockerfile = ctx.path(file_flag)
    build_args: list[tuple[str, str | None]] = []
    for item in args.list("build_arg"):
        key, eq, value = item.partition("=")
        build_args.append((key, value if eq else os.environ.get(key)))
    labels = tuple((k, v) for k, _, v in (item.partition("=") for item in args.list("label")))
    platforms = args.list("platform")
    provenance = _provenance(args.str("provenance")) if "provenance" in args.changed else None
    if provenance and not ctx.profile.containerd_store:
        raise _buildx_error("failed to build: Attestation is not supported for the docker "
                            "driver.\nSwitch to a different driver, or turn on the containerd "
                            "image store, and try again.")
    request = BuildRequest(
        context=context, dockerfile=dockerfile, dockerfile_text=dockerfile_text, tags=tags,
        build_args=tuple(build_args), target=args.str("target") or None,
        no_cache=args.bool("no_cache"), pull=args.bool("pull"),
        platform=platforms[0] if platforms else None, labels=labels,
        provenance=provenance,
        no_default_attestations=bool(os.environ.get("BUILDX_NO_DEFAULT_ATTESTATIONS")),
    )
    quiet = args.bool("quiet") or progress == "quiet"
    use_tty = progress == "tty" or (progress == "auto" and ctx.tty)
    return run_build(ctx, request, quiet=quiet, tty=use_tty)


def _provenance(value: str) -> bool:
    """buildx's `--provenance`: a boolean, or attributes (`mode=max`) that turn it on unless
    they say `disabled=true`."""
    lowered = value.strip().lower()
    if lowered in ("false", "0", "f"):
        return False
    if lowered in ("true", "1", "t", ""):
        return True
    return "disabled=true" not in lowered.split(",")


def run_build(ctx: Context, request: BuildRequest, *, quiet: bool, tty: bool) -> int:
    """Run a build and print what `docker build` prints; shared with the tutorial."""
    builder = Builder(ctx.engine, request)
    printer: PlainPrinter | TtyPrinter | None = None
    if not quiet:
        printer = TtyPrinter(ctx.err, width=ctx.width, color=tty) if tty else PlainPrinter(
            ctx.err)
    try:
        for event in builder.run():
            if printer is not None:
                printer.feed(event)
    except EngineError as exc:
        raise _buildx_error(f"failed to build: {exc.message}") from None
    if printer is not None:
        printer.close()
    return report(ctx, builder.outcome, quiet)


def report(ctx: Context, outcome: BuildOutcome, quiet: bool) -> int:
    failure = outcome.failure
    if failure is not None:
        if failure.step_name:
            ctx.err.write(failure_block(failure.step_name, list(failure.logs)))
        ctx.err.write(warnings_block(outcome.warnings))
        if failure.start_line:
            ctx.err.write(snippet(failure.dockerfile_text, failure.start_line, failure.end_line,
                                  failure.dockerfile_name))
        ctx.err.write(f"ERROR: failed to build: {failure.message}\n")
        return 1
    if quiet:
        ctx.out.write(outcome.image_id + "\n")
    ctx.err.write(warnings_block(outcome.warnings))
    return 0


@command(
    "builder prune", "buildx prune",
    usage="[OPTIONS]",
    summary="Remove build cache",
    flags=(
        Flag("all", short="a", help="Include internal/frontend images"),
        Flag("filter", "list", help='Provide filter values (e.g., "until=24h")'),
        Flag("force", short="f", help="Do not prompt for confirmation"),
        Flag("keep-storage", "string", help="Amount of disk space to keep for cache"),
    ),
    max_args=0,
)
def builder_prune(ctx: Context, args: Parsed) -> int:
    """`docker builder prune` (answered by buildx in Docker 28): its table, then the total."""
    from tutor.dockercli.format import created_since, human_size
    from tutor.engine.build.cache import BuildCache

    everything = args.bool("all")
    if not args.bool("force"):
        what = "all build cache" if everything else "all dangling build cache"
        if not confirm(ctx, f"WARNING! This will remove {what}. "
                            "Are you sure you want to continue?"):
            return 0
    engine = ctx.engine
    # Every step record goes, with or without -a: BuildKit keeps the image store apart from
    # its cache, and -a only adds its internal records (frontends, context snapshots).
    removed = BuildCache(engine.store).prune()
    total = 0
    rows = []
    for key, record in removed:
        size = engine.store.get_layer(record.diff_id).size if engine.store.has_layer(
            record.diff_id) else 0
        total += size
        rows.append(f"{cache_id(key)}\ttrue\t{human_size(size)}\t"
                    f"{created_since(int(record.created), engine.clock)}")
    if rows:
        ctx.out.write(_tabs(["ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED", *rows]))
    ctx.out.write(f"Total:\t{human_size(total)}\n")
    return 0


def cache_id(key: str) -> str:
    """BuildKit shows cache records by a 25-character base-36 id."""
    number = int(key.removeprefix("sha256:"), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(25):
        number, rest = divmod(number, 36)
        out.append(alphabet[rest])
    return "".join(out)


def _tabs(lines: list[str]) -> str:
    """buildx's tabwriter (minwidth 1, tabwidth 8, padding 1, padchar tab): cells are padded
    with tabs to the next multiple of 8 past the widest cell of the column."""
    table = [line.split("\t") for line in lines]
    widths = [max(len(row[i]) for row in table if i < len(row))
              for i in range(max(len(r) for r in table))]
    out = []
    for row in table:
        cells = []
        for i, cell in enumerate(row):
            if i == len(row) - 1:
                cells.append(cell)
                continue
            width = (widths[i] + 1 + 7) // 8 * 8
            tabs = (width - len(cell) + 7) // 8
            cells.append(cell + "\t" * max(tabs, 1))
        out.append("".join(cells))
    return "\n".join(out) + "\n"
