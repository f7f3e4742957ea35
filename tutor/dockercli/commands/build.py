"""`docker build` (which Docker 28 hands to `docker buildx build`): BuildKit's progress on
stderr, the image ID with `-q`, errors with the Dockerfile excerpt, lint warnings."""

from __future__ import annotations

import json
import os
import re
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
from tutor.dockercli.stdin_input import TooLarge, read_dockerfile
from tutor.engine.build import Builder, BuildOutcome, BuildRequest
from tutor.engine.build.request import Output, Secrets
from tutor.engine.errors import EngineError
from tutor.engine.reference import InvalidReference, parse_docker_ref, parse_reference

USAGE = "docker buildx build [OPTIONS] PATH | URL | -"
SUMMARY = "Start a build"

_BUILD_FLAG_TABLE: tuple[tuple[Flag, str], ...] = (
    # buildx `commands/build.go` @ v0.36.0 (the buildx Docker 29.7.2 ships), in pflag's sorted
    # order; the second item is pflag's `(default …)` suffix. `strings` is pflag's name for a
    # string slice, which it prints for --add-host.
    (Flag("add-host", "list", metavar="strings",
          help='Add a custom host-to-IP mapping (format: "host:ip")'), ""),
    (Flag("allow", "list", metavar="stringArray",
          help='Allow extra privileged entitlement (e.g., "network.host", "security.insecure", '
               '"device", "buildx.local.delete")'), ""),
    (Flag("annotation", "list", metavar="stringArray", help="Add annotation to the image"), ""),
    (Flag("attest", "list", metavar="stringArray",
          help='Attestation parameters (format: "type=sbom,generator=image")'), ""),
    (Flag("build-arg", "list", metavar="stringArray", help="Set build-time variables"), ""),
    (Flag("build-context", "list", metavar="stringArray",
          help="Additional build contexts (e.g., name=path)"), ""),
    (Flag("builder", "string", help="Override the configured builder instance"), ""),
    (Flag("cache-from", "list", metavar="stringArray",
          help='External cache sources (e.g., "user/app:cache", "type=local,src=path/to/dir")'),
     ""),
    (Flag("cache-to", "list", metavar="stringArray",
          help='Cache export destinations (e.g., "user/app:cache", '
               '"type=local,dest=path/to/dir")'), ""),
    (Flag("call", "string", default="build",
          help='Set method for evaluating build ("check", "outline", "targets")'),
     ' (default "build")'),
    (Flag("cgroup-parent", "string",
          help='Set the parent cgroup for the "RUN" instructions during build'), ""),
    (Flag("check", help='Shorthand for "--call=check"'), ""),
    (Flag("debug", short="D", help="Enable debug logging"), ""),
    (Flag("file", "string", short="f",
          help='Name of the Dockerfile (default: "PATH/Dockerfile")'), ""),
    (Flag("iidfile", "string", help="Write the image ID to a file"), ""),
    (Flag("label", "list", metavar="stringArray", help="Set metadata for an image"), ""),
    (Flag("load", help='Shorthand for "--output=type=docker"'), ""),
    (Flag("metadata-file", "string", help="Write build result metadata to a file"), ""),
    (Flag("network", "string", default="default",
          help='Set the networking mode for the "RUN" instructions during build'),
     ' (default "default")'),
    (Flag("no-cache", help="Do not use cache when building the image"), ""),
    (Flag("no-cache-filter", "list", metavar="stringArray",
          help="Do not cache specified stages"), ""),
    (Flag("output", "list", short="o", metavar="stringArray",
          help='Output destination (format: "type=local,dest=path")'), ""),
    (Flag("platform", "list", metavar="stringArray", help="Set target platform for build"), ""),
    (Flag("policy", "list", metavar="stringArray",
          help='Policy configuration (format: "filename=path[,filename=path][,reset=true|false]'
               '[,disabled=true|false][,strict=true|false][,log-level=level]")'), ""),
    (Flag("progress", "string", default="auto",
          help='Set type of progress output ("auto", "none",  "plain", "quiet", "rawjson", '
               '"tty"). Use plain to show container output'), ' (default "auto")'),
    (Flag("provenance", "string", help='Shorthand for "--attest=type=provenance"'), ""),
    (Flag("pull", help="Always attempt to pull all referenced images"), ""),
    (Flag("push", help='Shorthand for "--output=type=registry,unpack=false"'), ""),
    (Flag("quiet", short="q", help="Suppress the build output and print image ID on success"),
     ""),
    (Flag("resource", "list", metavar="stringArray",
          help='Resource limits for build containers (format: "memory=2g", "cpu-quota=50000")'),
     ""),
    (Flag("sbom", "string", help='Shorthand for "--attest=type=sbom"'), ""),
    (Flag("secret", "list", metavar="stringArray",
          help='Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")'), ""),
    (Flag("shm-size", "string", metavar="bytes", help="Shared memory size for build containers"),
     ""),
    (Flag("ssh", "list", metavar="stringArray",
          help='SSH agent socket or keys to expose to the build (format: '
               '"default|<id>[=<socket>|<key>[,<key>]]")'), ""),
    (Flag("tag", "list", short="t", metavar="stringArray",
          help='Image identifier (format: "[registry/]repository[:tag]")'), ""),
    (Flag("target", "string", help="Set the target build stage to build"), ""),
    (Flag("ulimit", "list", metavar="ulimit", help="Ulimit options"), " (default [])"),
)
_HIDDEN_FLAGS = (
    # still accepted, hidden (the classic builder's flags, ignored with BuildKit)
    Flag("compress", hidden=True), Flag("force-rm", hidden=True),
    Flag("isolation", "string", hidden=True), Flag("memory", "string", short="m", hidden=True),
    Flag("memory-swap", "string", hidden=True), Flag("cpu-shares", "string", short="c",
                                                     hidden=True),
    Flag("cpu-period", "string", hidden=True), Flag("cpu-quota", "string", hidden=True),
    Flag("cpuset-cpus", "string", hidden=True), Flag("cpuset-mems", "string", hidden=True),
    Flag("rm", default=True, hidden=True), Flag("security-opt", "list", hidden=True),
    Flag("squash", hidden=True), Flag("print", "string", hidden=True),
)
BUILD_FLAGS = tuple(f for f, _ in _BUILD_FLAG_TABLE) + _HIDDEN_FLAGS


def _buildx_help() -> str:
    """`docker build --help` as buildx prints it: Docker hands `build` to `buildx build`, whose
    cobra command carries the `aliases` annotation the CLI's help template shows."""
    cells = []
    for flag, default in _BUILD_FLAG_TABLE:
        name = f"-{flag.short}, --{flag.long}" if flag.short else f"    --{flag.long}"
        if flag.kind != "bool":
            name += " " + (flag.metavar or "string")
        cells.append((name, flag.help + default))
    width = max(len(n) for n, _ in cells)
    lines = [
        f"Usage:  {USAGE}", "", SUMMARY, "", "Aliases:",
        "  docker build, docker builder build, docker image build, docker buildx b", "",
        "Options:",
        *(f"  {n.ljust(width)}   {h}" for n, h in cells),
    ]
    return "\n".join(lines) + "\n"


CANCELED = "failed to solve: Canceled: context canceled"
"""What BuildKit's solve returns when the client cancels it (Ctrl+C)."""


def _buildx_error(message: str) -> CliError:
    return CliError(f"ERROR: {message}")


@command("build", "image build", "builder build", "buildx build", "buildx b",
         usage="[OPTIONS] PATH | URL | -", summary=SUMMARY, flags=BUILD_FLAGS,
         help_text=_buildx_help())
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
        try:
            data = read_dockerfile(raw) if raw is not None else ctx.stdin.read().encode(
                "utf-8", errors="surrogateescape")
        except TooLarge as exc:
            raise _buildx_error(str(exc)) from None
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
        # a link at the end is BuildKit's to resolve, inside the Dockerfile's own directory
        dockerfile = ctx.path(file_flag, follow=False)
    build_args: list[tuple[str, str | None]] = []
    for item in args.list("build_arg"):
        key, eq, value = item.partition("=")
        build_args.append((key, value if eq else os.environ.get(key)))
    labels = tuple((k, v) for k, _, v in (item.partition("=") for item in args.list("label")))
    platforms = args.list("platform")
    call = "check" if args.bool("check") else args.str("call")
    if call not in ("build", "check"):
        raise _buildx_error(f"the simulated builder answers --call=build and --call=check, "
                            f"not {call}")
    output = _output(ctx, args.list("output"), args.bool("push"), args.bool("load"))
    offered = Secrets(_secrets(ctx, args.list("secret")), _ssh(args.list("ssh")))
    provenance = _provenance(args.str("provenance")) if "provenance" in args.changed else None
    request = BuildRequest(
        context=context, dockerfile=dockerfile, dockerfile_text=dockerfile_text, tags=tags,
        build_args=tuple(build_args), target=args.str("target") or None,
        no_cache=args.bool("no_cache"), pull=args.bool("pull"),
        platform=platforms[0] if platforms else None, labels=labels, secrets=offered,
        output=output, no_cache_stages=tuple(args.list("no_cache_filter")),
        check_only=call == "check",
        provenance=provenance,
        no_default_attestations=bool(os.environ.get("BUILDX_NO_DEFAULT_ATTESTATIONS")),
        sbom=args.str("sbom") if "sbom" in args.changed else None,
        build_contexts=_build_contexts(ctx, args.list("build_context")),
        cache_from=_cache_dirs(ctx, args.list("cache_from"), "src"),
        cache_to=next(iter(_cache_dirs(ctx, args.list("cache_to"), "dest")), None),
    )
    from tutor.engine.build import driver

    refusal = driver.attestation_refusal(request.provenance, request.sbom,
                                         ctx.profile.containerd_store)
    if refusal is not None:
        raise _buildx_error(f"failed to build: {refusal}")
    if request.check_only:
        return run_check(ctx, request)
    quiet = args.bool("quiet") or progress in ("quiet", "none")
    use_tty = progress == "tty" or (progress == "auto" and ctx.tty)
    status, outcome = _build(ctx, request, quiet=quiet, tty=use_tty)
    if status != 0 or not outcome.image_id:
        return status
    if args.str("iidfile"):
        _write(ctx, args.str("iidfile"), outcome.image_id)
    if args.str("metadata_file"):
        _write(ctx, args.str("metadata_file"), json.dumps(_metadata(outcome), indent=2))
    if args.bool("push"):
        _push(ctx, outcome)
    return 0


def _write(ctx: Context, name: str, text: str) -> None:
    try:
        ctx.path(name).write_text(text)
    except OSError as exc:
        raise _buildx_error(f"open {name}: {(exc.strerror or '').lower()}") from None


def _metadata(outcome: BuildOutcome) -> dict[str, object]:
    """`--metadata-file`: the keys buildx writes for an image export (`exptypes`)."""
    data: dict[str, object] = {
        "buildx.build.ref": "default/default/" + outcome.image_id.removeprefix("sha256:")[:25],
        "containerimage.config.digest": outcome.image_id,
    }
    if outcome.tags:
        data["image.name"] = ",".join(
            t if (":" in t.rsplit("/", 1)[-1] or "@" in t) else t + ":latest"
            for t in outcome.tags)
    return data


def _push(ctx: Context, outcome: BuildOutcome) -> None:
    """`--push`: each tag goes to its registry once the image is built."""
    from tutor.engine.reference import parse_docker_ref

    for tag in outcome.tags:
        try:
            for _ in ctx.engine.push(parse_docker_ref(tag)):
                pass
        except EngineError as exc:
            raise _buildx_error(f"failed to build: failed to push {tag}: {exc.message}"
                                ) from None


def _output(ctx: Context, values: list[str], push: bool, load: bool) -> Output | None:
    """`-o`: buildx's `ParseExports` (a bare path is `type=local`, `-` is `type=tar`)."""
    chosen: Output | None = None
    for value in values:
        if "=" not in value and "," not in value:
            kind, dest = ("tar", "-") if value == "-" else ("local", value)
        else:
            fields = dict(f.partition("=")[::2] for f in value.split(","))
            kind = fields.get("type", "")
            dest = fields.get("dest", "")
            if not kind:
                raise _buildx_error("type is required for output")
        if kind in ("docker", "image", "moby", "registry"):
            continue  # the image store is where the build goes anyway
        if kind not in ("local", "tar"):
            raise _buildx_error(f"the simulated builder cannot export type={kind}")
        if not dest:
            raise _buildx_error(f"dest is required for {kind} exporter")
        chosen = Output(kind, dest if dest == "-" else str(ctx.path(dest)))
    if chosen is not None and (push or load):
        raise _buildx_error("--push and --load cannot be used with a local or tar output")
    return chosen


def _secrets(ctx: Context, values: list[str]) -> tuple[tuple[str, bytes], ...]:
    """`--secret id=…[,src=…|env=…]` (buildx `util/buildflags/secrets.go`): a secret with
    neither src nor env is the environment variable named like it, else the file named so."""
    out = []
    for value in values:
        if not value:
            continue
        secret_id = src = env = kind = ""
        for field in value.split(","):
            key, eq, val = field.partition("=")
            if not eq:
                raise _buildx_error(f"invalid field '{field}' must be a key=value pair")
            key = key.lower()
            if key == "type":
                if val not in ("file", "env"):
                    raise _buildx_error(f'unsupported secret type "{val}"')
                kind = val
            elif key == "id":
                secret_id = val
            elif key in ("source", "src"):
                src = val
            elif key == "env":
                env = val
            else:
                raise _buildx_error(f"unexpected key '{key}' in '{field}'")
        if kind == "env" and not env:
            env, src = src, ""
        if not src and not env:
            if secret_id in os.environ:
                env = secret_id
            else:
                src = secret_id
        if env:
            data = os.environ.get(env, "").encode()
        else:
            path = ctx.path(src)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise _buildx_error(f"failed to stat {src}: stat {src}: "
                                    f"{(exc.strerror or '').lower()}") from None
        out.append((secret_id or (src or env), data))
    return tuple(out)


def _cache_dirs(ctx: Context, values: list[str], key: str) -> tuple[str, ...]:
    """`--cache-from/--cache-to` (buildx `ParseCacheEntry`): the local type's directories. A
    value without `type=` is a registry reference (`user/app:cache`), which, like the other
    backends, the simulated builder does not reach."""
    from tutor.engine.build import driver

    out = []
    for value in values:
        if not value:
            continue
        fields = dict(f.partition("=")[::2] for f in value.split(",")) if "=" in value \
            else {"type": "registry", "ref": value}
        kind = fields.get("type", "")
        if kind == "inline":
            continue  # the cache metadata travels inside the image config
        refusal = (driver.cache_export_refusal(ctx.profile.containerd_store) if key == "dest"
                   else None)
        if refusal is not None:
            raise _buildx_error(f"failed to build: {refusal}")
        if kind != "local":
            raise _buildx_error(f"the simulated builder has no {kind or 'unknown'} cache "
                                "backend (no network); use type=local")
        where = fields.get(key, "")
        if not where:
            raise _buildx_error(f"{key} is required for local cache")
        out.append(str(ctx.path(where)))
    return tuple(out)


def _build_contexts(ctx: Context, values: list[str]) -> tuple[tuple[str, str], ...]:
    """`--build-context name=value` (buildx `ParseContextNames`): a value without a scheme is
    a local directory, relative to where docker runs."""
    out = []
    for value in values:
        name, eq, where = value.partition("=")
        if not eq or not name:
            raise _buildx_error(f"invalid context value: {value}, expected key=value")
        if "://" not in where:
            where = str(ctx.path(where))
        out.append((name.lower(), where))
    return tuple(out)


def _ssh(values: list[str]) -> tuple[str, ...]:
    """`--ssh default|<id>[=<socket>|<key>]`: the ids offered (the agent itself is simulated)."""
    return tuple(v.partition("=")[0] for v in values if v)


def run_check(ctx: Context, request: BuildRequest) -> int:
    """`--call=check` / `--check`: the lint result, as buildx `printResult` prints it."""
    builder = Builder(ctx.engine, request)
    for _ in builder.run():
        pass
    outcome = builder.outcome
    if outcome.failure is not None:
        return report(ctx, outcome, True)
    count = len(outcome.warnings)
    if count == 0:
        ctx.out.write("Check complete, no warnings found.\n")
        return 0
    ctx.out.write("Check complete, "
                  + ("1 warning has been found!" if count == 1
                     else f"{count} warnings have been found!") + "\n")
    # lint `LintResults.PrintTo`: by line, each with its rule's page and the source excerpt
    text, name = builder.dockerfile_source()
    for rule, message, line in sorted(outcome.warnings, key=lambda w: w[2]):
        ctx.out.write(f"\nWARNING: {rule} - https://docs.docker.com/go/dockerfile/rule/"
                      f"{_kebab(rule)}/\n{message}\n")
        ctx.out.write(snippet(text, line, line, name))
    return 1


def _kebab(rule: str) -> str:
    """`JSONArgsRecommended` → `json-args-recommended`, as the rules' pages are named."""
    import re

    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", rule).lower()


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
    return _build(ctx, request, quiet=quiet, tty=tty)[0]


def _build(ctx: Context, request: BuildRequest, *, quiet: bool,
           tty: bool) -> tuple[int, BuildOutcome]:
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
    except KeyboardInterrupt:  # Ctrl+C cancels the build's context; buildx reports it so
        if printer is not None:
            printer.cancel()
        raise _buildx_error(f"failed to build: {CANCELED}") from None
    if printer is not None:
        printer.close()
    return report(ctx, builder.outcome, quiet), builder.outcome


_UNRESOLVED = re.compile(r"failed to resolve source metadata for (\S+): (?:pull access denied|"
                         r"\S+: not found)")


def _base_hint(ctx: Context, message: str) -> str:
    """The tutor's line after BuildKit's error when a FROM names an image that does not exist."""
    found = _UNRESOLVED.search(message)
    if found is None:
        return ""
    from tutor.engine.library.suggest import suggestion

    try:
        ref = parse_docker_ref(found.group(1))
    except InvalidReference:
        return ""
    if ref.digest is not None:
        return ""
    return suggestion(ctx.engine.catalogue, ref.name, ref.tag or "latest")


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
        hint = _base_hint(ctx, failure.message)
        if hint:
            ctx.err.write(hint + "\n")
        return 1
    if outcome.tarball:
        raw = getattr(ctx.out, "buffer", None)
        if raw is not None:
            ctx.out.flush()
            raw.write(outcome.tarball)
        else:
            ctx.out.write(outcome.tarball.decode("latin-1"))
    elif quiet and outcome.image_id:
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
    # cache mounts (`RUN --mount=type=cache`) are build cache too, and go with the rest
    from tutor.engine.build.mounts import CacheMounts

    for cache_name, size, created in CacheMounts(engine.store).prune():
        total += size
        rows.append(f"{cache_id('sha256:' + _digest(cache_name))}\ttrue\t{human_size(size)}\t"
                    f"{created_since(int(created), engine.clock)}")
    if rows:
        ctx.out.write(_tabs(["ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED", *rows]))
    ctx.out.write(f"Total:\t{human_size(total)}\n")
    return 0


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


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
