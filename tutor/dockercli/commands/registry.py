"""Registry commands: `push`, `login`, `logout`, `search`, `manifest inspect` — printing what the
Docker 28 CLI prints for each (cli/command/image/push.go, registry/*.go, manifest/inspect.go)."""

from __future__ import annotations

import base64
import json
import os
import posixpath
from typing import Any

from tutor.dockercli._flags import Flag, Parsed, content_trust
from tutor.dockercli._main import CliError, Context, command
from tutor.dockercli.commands.images import daemon_error, write_formatted
from tutor.dockercli.format import ellipsis
from tutor.dockercli.imagetree import INFO_FANCY, INFO_PLAIN
from tutor.dockercli.templates import Struct
from tutor.engine.distribution import PushDone
from tutor.engine.errors import EngineError
from tutor.engine.oci import parse_config
from tutor.engine.reference import (
    InvalidReference,
    Reference,
    parse_reference,
    with_default_tag,
)
from tutor.engine.registry import Manifest, Unreachable


def config_file(ctx: Context) -> str:
    """Where the learner's docker CLI keeps credentials: `$DOCKER_CONFIG/config.json`, else
    `~/.docker/config.json`. In the tutorial, the home is the one the learner's workspace sits
    in, as the tutorial's shell presents it (`/home/learner`)."""
    if ctx.confine_shown:
        return posixpath.join(posixpath.dirname(ctx.confine_shown.rstrip("/")), ".docker",
                              "config.json")
    folder = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return os.path.join(folder, "config.json")


def unencrypted_warning(ctx: Context) -> str:
    return (f"\nWARNING! Your credentials are stored unencrypted in '{config_file(ctx)}'.\n"
            "Configure a credential helper to remove this warning. See\n"
            "https://docs.docker.com/go/credential-store/\n\n")


def _parse(text: str) -> Reference:
    try:
        return parse_reference(text)
    except InvalidReference as exc:
        raise CliError(exc.message) from None


# -- push --------------------------------------------------------------------------------------

@command(
    "push", "image push",
    usage="[OPTIONS] NAME[:TAG]",
    summary="Upload an image to a registry",
    flags=(
        Flag("all-tags", short="a", help="Push all tags of an image to the repository"),
        *content_trust("Skip image signing"),
        Flag("platform", "string", help="Push a platform-specific manifest as a single-platform "
             "image to the registry."),
        Flag("quiet", short="q", help="Suppress verbose output"),
    ),
    min_args=1, max_args=1,
)
def push(ctx: Context, args: Parsed) -> None:
    ref = _parse(args.args[0])
    all_tags, quiet = args.bool("all_tags"), args.bool("quiet")
    if all_tags and (ref.tag is not None or ref.digest is not None):
        raise CliError("tag can't be used with --all-tags/-a")
    if not all_tags and ref.tag is None and ref.digest is None:
        ref = with_default_tag(ref)
        if not quiet:
            ctx.out.write("Using default tag: latest\n")
    out = ctx.out if not quiet else None
    if out:
        out.write(f"The push refers to repository [{ref.name}]\n")
    notes: list[str] = []
    try:
        for event in ctx.engine.push(ref, all_tags):
            if isinstance(event, PushDone) and event.instead_of:
                notes.append(_partial_push_note(ctx, event))
            if out is None:
                continue
            if isinstance(event, PushDone):
                out.write(f"{event.tag}: digest: {event.digest} size: {event.size}\n")
            else:
                out.write(f"{event.id}: {event.status}\n")
    except EngineError as exc:
        raise CliError(exc.message) from None
    else:
        if quiet:
            ctx.out.write(f"{ref}\n")
    finally:
        # the CLI prints its notes on stdout when the push returns, even when it failed
        # (cli/command/image/push.go: a deferred `tui.NewOutput(dockerCli.Out()).PrintNote`)
        for note in notes:
            ctx.out.write("\n" + note)


def _partial_push_note(ctx: Context, done: PushDone) -> str:
    """The note `docker push` prints on stdout when only the local platform's manifest was
    pushed (docker/cli cli/command/image/push.go `handleAux`, internal/tui `PrintNote`): the
    index digest in red, the pushed manifest's in green, each line italic, when stdout is a
    terminal."""
    lines = ["Not all multiplatform-content is present and only the available single-platform "
             "image was pushed"]
    if ctx.out_is_tty:
        lines.append(f"\x1b[31m{done.instead_of}\x1b[0m -> \x1b[32m{done.digest}\x1b[0m")
        header = INFO_FANCY
        lines = [f"\x1b[3m{line}\x1b[0m" for line in lines]
    else:
        lines.append(f"{done.instead_of} -> {done.digest}")
        header = INFO_PLAIN
    padding = " " * len(INFO_PLAIN)  # len("i Info > ") on a terminal: the same width
    return header + lines[0] + "\n" + "".join(padding + line + "\n" for line in lines[1:])


# -- login / logout ----------------------------------------------------------------------------

@command(
    "login",
    usage="[OPTIONS] [SERVER]",
    summary="Authenticate to a registry",
    flags=(
        Flag("password", "string", short="p",
             help="Password or Personal Access Token (PAT)"),
        Flag("password-stdin",
             help="Take the Password or Personal Access Token (PAT) from stdin"),
        Flag("username", "string", short="u", help="Username"),
    ),
    max_args=1,
)
def login(ctx: Context, args: Parsed) -> None:
    user, password = args.str("username"), args.str("password")
    if "password_stdin" in args.changed:
        if "password" in args.changed:
            raise CliError("conflicting options: cannot specify both --password and "
                           "--password-stdin")
        if "username" not in args.changed:
            raise CliError("the --password-stdin option requires --username to be set")
    if "username" in args.changed and not user:
        raise CliError("username is empty")
    if "password" in args.changed and not password:
        raise CliError("password is empty")
    if password:
        ctx.err.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n")
    if args.bool("password_stdin"):
        password = ctx.stdin.read().removesuffix("\n").removesuffix("\r")
    server = args.args[0] if args.args else None
    if not user or not password:
        raise CliError("Error: Cannot perform an interactive login from a non TTY device")
    try:
        ctx.engine.logins.login(server, user, password)
    except EngineError as exc:
        raise daemon_error(exc) from None
    ctx.err.write(unencrypted_warning(ctx))
    ctx.out.write("Login Succeeded\n")


@command("logout", usage="[SERVER]", summary="Log out from a registry", max_args=1)
def logout(ctx: Context, args: Parsed) -> None:
    server = args.args[0] if args.args else None
    key = ctx.engine.logins.logout(server)
    ctx.out.write(f"Removing login credentials for {key}\n")


# -- search ------------------------------------------------------------------------------------

SEARCH_HEADERS = {"Name": "NAME", "Description": "DESCRIPTION", "StarCount": "STARS",
                  "IsOfficial": "OFFICIAL"}


@command(
    "search",
    usage="[OPTIONS] TERM",
    summary="Search Docker Hub for images",
    flags=(
        Flag("filter", "list", short="f", metavar="filter",
             help="Filter output based on conditions provided"),
        Flag("format", "string", help="Pretty-print search using a Go template"),
        Flag("limit", "int", help="Max number of search results"),
        Flag("no-trunc", help="Don't truncate output"),
    ),
    min_args=1, max_args=1,
)
def search(ctx: Context, args: Parsed) -> None:
    term = args.args[0]
    min_stars, official = 0, None
    for spec in args.list("filter"):
        key, _, value = str(spec).partition("=")
        if key == "stars":
            try:
                min_stars = int(value)
            except ValueError:
                raise CliError(f'Error response from daemon: invalid filter "stars={value}"'
                               ) from None
        elif key == "is-official":
            if value not in ("true", "false"):
                raise CliError(f'Error response from daemon: invalid filter '
                               f'"is-official={value}"')
            official = value == "true"
        else:
            raise CliError(f"Error response from daemon: invalid filter '{key}'")
    limit = args.int("limit") or 25
    if not 1 <= limit <= 100:
        raise CliError(f"Error response from daemon: limit {limit} is outside the range of "
                       "[1, 100]")
    needle = term.lower()
    found = [r for r in ctx.engine.registries.hub.search_info()
             if needle in r.name.lower() or needle in r.description.lower()]
    found = [r for r in found if r.stars >= min_stars
             and (official is None or r.official == official)]
    found.sort(key=lambda r: (r.name.split("/")[-1] != needle, not r.official, -r.stars, r.name))
    trunc = not args.bool("no_trunc")
    fmt = args.str("format")
    as_json = fmt == "json"
    rows = []
    for r in found[:limit]:
        desc = r.description.replace("\n", " ").replace("\r", " ")
        rows.append(Struct("registry.searchContext", {
            "Name": r.name,
            "Description": ellipsis(desc, 45) if trunc else desc,
            "StarCount": str(r.stars),
            "IsOfficial": ("true" if r.official else "false") if as_json
            else ("[OK]" if r.official else ""),
        }))
    write_formatted(ctx, fmt or "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t"
                    "{{.IsOfficial}}", rows, SEARCH_HEADERS)


# -- manifest inspect --------------------------------------------------------------------------

@command(
    "manifest inspect",
    usage="[OPTIONS] [MANIFEST_LIST] MANIFEST",
    summary="Display an image manifest, or manifest list",
    flags=(
        Flag("insecure", help="Allow communication with an insecure registry"),
        Flag("verbose", short="v", help="Output additional info including layers and platform"),
    ),
    min_args=1, max_args=2,
)
def manifest_inspect(ctx: Context, args: Parsed) -> None:
    if len(args.args) == 2:
        raise CliError(f"No such manifest: {args.args[1]}")
    ref = _parse(args.args[0])
    if ref.tag is None and ref.digest is None:
        ref = with_default_tag(ref)
    engine = ctx.engine
    registry = engine.registry_at(ref.domain)
    try:
        if registry is None:
            raise Unreachable(ref.domain)
        top = registry.manifest(ref.path, ref.digest or str(ref.tag))
    except EngineError as exc:
        raise CliError(exc.message) from None
    if top is None:
        raise CliError(f"no such manifest: {ref}")
    verbose = args.bool("verbose")
    if not top.is_index:
        if verbose:
            config = parse_config(registry.config(top.doc["config"]["digest"]))
            platform = {"architecture": config.architecture, "os": config.os}
            if config.variant:
                platform["variant"] = config.variant
            ctx.out.write(_tabbed(_verbose(ref, top, platform)) + "\n")
        else:
            ctx.out.write(_tabbed(top.doc) + "\n")
        return
    entries = []
    for entry in top.doc["manifests"]:
        child = registry.manifest(ref.path, entry["digest"])
        if child is not None:
            entries.append((entry, child))
    if verbose:
        ctx.out.write(_tabbed([_verbose(ref, child, entry["platform"])
                               for entry, child in entries]) + "\n")
        return
    listing = {
        "schemaVersion": 2,
        "mediaType": top.doc["mediaType"],
        "manifests": [{"mediaType": child.doc["mediaType"], "size": len(child.data),
                       "digest": child.digest, "platform": entry["platform"]}
                      for entry, child in entries],
    }
    ctx.out.write(json.dumps(listing, indent=3) + "\n")


def _verbose(ref: Reference, manifest: Manifest, platform: dict[str, Any]) -> dict[str, Any]:
    """The CLI's ImageManifest: Ref, Descriptor (with platform), Raw (base64) and OCIManifest."""
    return {
        "Ref": str(ref),
        "Descriptor": {"mediaType": manifest.doc["mediaType"], "digest": manifest.digest,
                       "size": len(manifest.data), "platform": platform},
        "Raw": base64.b64encode(manifest.data).decode(),
        "OCIManifest": manifest.doc,
    }


def _tabbed(value: Any) -> str:
    return json.dumps(value, indent="\t", ensure_ascii=False)

