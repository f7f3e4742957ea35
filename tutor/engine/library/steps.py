"""One history step of a generated image → the recipe of the layer it made, by rule.

A recipe is the same mapping the hand-written `assets/base-images/*.toml` layers use (`dirs`,
`files`, `symlinks`, `blobs`, `append`, `modes`, `owners`, `fill`), so one layer builder serves
both. What a step's text states is taken literally: directories `mkdir -p` makes, links `ln -s`
makes, `WORKDIR`, the files COPY/ADD wrote, users and groups `useradd`/`adduser`/`groupadd`/
`addgroup` create (appended to /etc/passwd and /etc/group). What no text states is filled by rule:
the bulk of the layer is deterministic synthetic bytes under a directory the step names (or
/usr/local/lib/<repository>), so each layer weighs its (real or estimated) size.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tutor.engine.library.data import StepRecord
from tutor.engine.library.rules import Rules


def entrypoint_script(program: str) -> str:
    """The entry point a generated image gets (written by Image Tutor, not the upstream script):
    the command the container was given runs as is, except that options alone go to the image's
    main program (its CMD), as the official images' entry points do (`docker run node -v`)."""
    lead = ""
    if program and re.fullmatch(r"[\w./+-]+", program):
        lead = f'if [ "${{1#-}}" != "$1" ]; then\n  set -- {program} "$@"\nfi\n'
    return ("#!/bin/sh\n# Entry point of this simulated image (written by Image Tutor, not the "
            "upstream script):\n# run the command the container was given.\nset -e\n"
            f'{lead}exec "$@"\n')

_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_SEPARATORS = re.compile(r"&&|\|\||;|\n|\|")


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    """RUN, COPY, ADD, WORKDIR, ROOTFS (an OS root: `ADD file:… in /`, debuerreotype), OTHER."""
    body: str


def classify(created_by: str) -> Step:
    """The instruction behind a `docker history` line, BuildKit's or the classic builder's."""
    text = created_by.strip()
    text = text.removesuffix("# buildkit").strip()
    if text.startswith("RUN #"):
        text = text[4:]  # a debuerreotype line as some tools print it
    if text.startswith("#"):
        return Step("ROOTFS", text)
    nop = re.match(r"/bin/sh -c #\(nop\)\s*(.*)", text, re.S)
    if nop:
        text = nop.group(1).strip()
    else:
        run = re.match(r"(?:RUN )?(?:\|\d+ (?:\S+=\S* )*)?/bin/(?:ba)?sh -c (.*)", text, re.S)
        if run:
            return Step("RUN", run.group(1))
    word, _, rest = text.partition(" ")
    word = word.upper()
    if word in ("ADD", "COPY"):
        if re.match(r"(?:file|dir|multi):[0-9a-f]+ in /\s*$", rest) or (
                re.search(r"rootfs\.tar|minirootfs|busybox\.tar", rest) and rest.rstrip()
                .endswith(" /")):
            return Step("ROOTFS", rest)
        return Step(word, rest)
    if word in ("RUN", "WORKDIR"):
        return Step(word, rest)
    return Step("OTHER", text)


def expand(text: str, env: Mapping[str, str]) -> str | None:
    """`$VAR`/`${VAR}` from the image's environment; None when a variable is unknown."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1) or match.group(2)
        if name not in env:
            missing = True
            return ""
        return env[name]

    out = _VAR.sub(value, text)
    return None if missing else out


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True, posix=True)
    except ValueError:
        return command.split()


def commands(body: str) -> list[list[str]]:
    """A RUN body's simple commands as word lists (good enough to spot mkdir/ln/useradd)."""
    found = []
    for part in _SEPARATORS.split(body.replace("\\\n", " ")):
        words = _words(part.strip())
        while words and (words[0] in ("set", "exec", "then", "do", "else", "{", "(")
                         or "=" in words[0] and not words[0].startswith("-")):
            if words[0] == "set":
                words = []
                break
            words = words[1:]
        if words:
            found.append(words)
    return found


@dataclass
class Recipe:
    """A layer recipe being assembled (the hand-written recipes' keys)."""

    dirs: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    blobs: dict[str, int] = field(default_factory=dict)
    append: dict[str, str] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    fill: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("dirs", "files", "symlinks", "blobs", "append", "modes", "owners", "fill"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    def paths(self) -> set[str]:
        return {*self.dirs, *self.files, *self.symlinks, *self.blobs}


@dataclass
class StepContext:
    repository: str
    family: str
    """alpine, debian, ubuntu, busybox or scratch: decides user-tool defaults."""
    env: dict[str, str]
    lower_files: set[str]
    """Regular files in the layers below (only those can be appended to)."""
    rules: Rules
    users: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    entrypoint: str = ""
    """The image's Entrypoint program (`docker-entrypoint.sh`): the script a classic-builder
    `COPY file:<digest> in /usr/local/bin/` line copied, when the line itself cannot name it."""
    command: str = ""
    """The image's CMD program (`node`), which its entry point hands options alone to."""


def step_recipe(record: StepRecord, ctx: StepContext) -> tuple[Recipe, int]:
    """The layer `record` made, and the size the rule estimates for it."""
    step = classify(record.created_by)
    recipe = Recipe()
    estimate = ctx.rules.size("run_small")
    if step.kind in ("COPY", "ADD"):
        for dest in record.files or _copy_destinations(step.body, ctx.env) or \
                _digest_copy(step.body, ctx.entrypoint):
            _copied_file(recipe, dest, ctx.command)
        estimate = ctx.rules.size("copy_file") * max(1, len(recipe.files) + len(recipe.blobs))
    elif step.kind == "WORKDIR":
        path = expand(step.body.strip(), ctx.env)
        if path and path.startswith("/"):
            recipe.dirs.append(posixpath.normpath(path))
        estimate = 0
    elif step.kind == "RUN":
        estimate = _run(recipe, step.body, ctx)
    return recipe, estimate


def _copy_destinations(body: str, env: Mapping[str, str]) -> list[str]:
    words = [w for w in _words(body) if not w.startswith("--")]
    if len(words) < 2:
        return []
    *sources, dest = words
    dest = expand(dest, env) or dest
    if not dest.startswith("/") or any(s.startswith(("file:", "dir:", "multi:")) for s in sources):
        return []
    if dest.endswith("/") or len(sources) > 1:
        return [posixpath.join(dest, posixpath.basename(s.rstrip("/"))) for s in sources
                if s not in (".", "./") and posixpath.basename(s.rstrip("/"))]
    return [dest]


def _digest_copy(body: str, entrypoint: str) -> list[str]:
    """A classic builder's `COPY file:<digest> in DIR/` names no file; when the image's entry
    point is a script that would be found there (`docker-entrypoint.sh` in /usr/local/bin/, or
    that very path), this is the step that copied it."""
    words = body.split()
    if not entrypoint or len(words) < 2 or not words[0].startswith("file:"):
        return []
    folder = words[-1]
    if folder.startswith("/") and folder.endswith("/"):
        path = entrypoint if entrypoint.startswith("/") else folder + entrypoint
        if posixpath.dirname(path) == folder.rstrip("/"):
            return [path]
    return []


def _copied_file(recipe: Recipe, path: str, command: str) -> None:
    """A COPY'd script (`*.sh`, an entry point, anything put in a bin directory) is the generic
    script; a name without an extension elsewhere a directory (`COPY /usr/share/maven …`); any
    other file a small data file (its content is the upstream repository's)."""
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    if name.endswith(".sh") or "entrypoint" in name or folder in ("bin", "sbin"):
        recipe.files[path] = entrypoint_script(command)
        recipe.modes[path] = "755"
    elif "." not in name:
        recipe.dirs.append(path)
    else:
        recipe.blobs[path] = 1024


def _run(recipe: Recipe, body: str, ctx: StepContext) -> int:
    sizes = ctx.rules
    estimate = sizes.size("run_small")
    packages = 0
    downloads = False
    for words in commands(body):
        name = posixpath.basename(words[0])
        args = words[1:]
        if name == "mkdir":
            for arg in args:
                path = expand(arg, ctx.env)
                if path and path.startswith("/") and not arg.startswith("-"):
                    recipe.dirs.append(posixpath.normpath(path))
        elif name == "ln" and any(a.startswith("-") and "s" in a for a in args):
            paths = [a for a in args if not a.startswith("-")]
            if len(paths) == 2:
                target, link = (expand(p, ctx.env) for p in paths)
                if target and link and link.startswith("/") and not link.endswith("/"):
                    recipe.symlinks[posixpath.normpath(link)] = target
        elif name in ("useradd", "adduser"):
            _user(recipe, name, [expand(a, ctx.env) or a for a in args], ctx)
        elif name in ("groupadd", "addgroup"):
            _group(recipe, [expand(a, ctx.env) or a for a in args], ctx)
        elif name == "apk" and args[:1] == ["add"]:
            packages += len([a for a in args[1:] if not a.startswith(("-", "."))])
            estimate = max(estimate, packages * sizes.size("apk_package"))
        elif name in ("apt-get", "apt") and "install" in args:
            packages += len([a for a in args[args.index("install") + 1:]
                             if not a.startswith("-") and "=" not in a])
            estimate = max(estimate, packages * sizes.size("apt_package"))
        elif name in ("curl", "wget"):
            downloads = True
    if downloads:
        estimate = max(estimate, sizes.size("download"))
    return estimate


def _flag(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


_VALUE_FLAGS = {"-u", "--uid", "-g", "--gid", "-G", "--groups", "--ingroup", "-d", "--home",
                "--home-dir", "-h", "-s", "--shell", "-c", "--comment", "--gecos", "-k", "-K",
                "-e", "-f", "-p", "--password"}


def _last_name(args: list[str]) -> str | None:
    names = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _VALUE_FLAGS:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        names.append(arg)
    return names[-1] if names else None


def _next_id(taken: Mapping[str, int], system: bool) -> int:
    used = set(taken.values())
    candidate = 999 if system else 1000
    while candidate in used:
        candidate += -1 if system else 1
    return candidate


def _append(recipe: Recipe, ctx: StepContext, path: str, line: str) -> None:
    if path in ctx.lower_files:
        recipe.append[path] = recipe.append.get(path, "") + line


def _group(recipe: Recipe, args: list[str], ctx: StepContext) -> None:
    name = _last_name(args)
    if not name or name in ctx.groups:
        return
    system = any(a in ("-r", "--system", "-S") for a in args)
    gid_text = _flag(args, "-g", "--gid")
    gid = int(gid_text) if gid_text and gid_text.isdigit() else _next_id(ctx.groups, system)
    ctx.groups[name] = gid
    _append(recipe, ctx, "/etc/group", f"{name}:x:{gid}:\n")


def _user(recipe: Recipe, tool: str, args: list[str], ctx: StepContext) -> None:
    name = _last_name(args)
    if not name or name in ctx.users:
        return
    if tool == "adduser" and len([a for a in args if not a.startswith("-")]) >= 2 and not any(
            a.startswith("-") for a in args):
        return  # `adduser USER GROUP` (Debian): adds a user to a group
    system = any(a in ("-r", "--system", "-S") for a in args)
    uid_text = _flag(args, "-u", "--uid")
    uid = int(uid_text) if uid_text and uid_text.isdigit() else _next_id(ctx.users, system)
    group = _flag(args, "-g", "--gid", "-G", "--ingroup")
    if group is not None and group.isdigit():
        gid = int(group)
    elif group is not None and group in ctx.groups:
        gid = ctx.groups[group]
    else:
        gid = ctx.groups.get(name, uid)
        if name not in ctx.groups:
            ctx.groups[name] = gid
            _append(recipe, ctx, "/etc/group", f"{name}:x:{gid}:\n")
    home = _flag(args, "-d", "--home", "--home-dir", "-h") or f"/home/{name}"
    shell = _flag(args, "-s", "--shell") or ("/sbin/nologin" if system and ctx.family == "alpine"
                                             else "/bin/sh")
    ctx.users[name] = uid
    _append(recipe, ctx, "/etc/passwd", f"{name}:x:{uid}:{gid}::{home}:{shell}\n")
    creates_home = ("-m" in args or "--create-home" in args
                    or (tool == "adduser" and "-H" not in args and "--no-create-home" not in args
                        and not system))
    if creates_home and home.startswith("/") and home != "/":
        recipe.dirs.append(home)
        recipe.owners[home] = f"{uid}:{gid}"
