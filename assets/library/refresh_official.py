"""Regenerate `assets/library/official/*.json.gz` from the Docker Official Images library.

Usage:

    python assets/library/refresh_official.py OFFICIAL_IMAGES_GIT REPOS_DIR [--out DIR]
        [--only NAME…]

- `OFFICIAL_IMAGES_GIT`: a clone (bare or not) of github.com/docker-library/official-images.
  Its `library/<name>` files (HEAD) list every repository, tag group and architecture.
- `REPOS_DIR`: clones of the image repositories the library files name, laid out by their GitHub
  path: `REPOS_DIR/<owner>/<name>.git` (bare) or `REPOS_DIR/<owner>/<name>` (with a work tree),
  e.g. `REPOS_DIR/nodejs/docker-node.git`. Missing ones are skipped (their groups keep tags and
  architectures, with `from: null` and no history); `dotnet/dotnet-docker` adds the
  `mcr.microsoft.com/dotnet/*` repositories.
- `--out`: the `assets/library` directory to write (default: the one beside this script).
- `--only NAME…`: rewrite just these repositories (SOURCES.md and other files stay as they are);
  without it every file is rewritten, files of repositories the library dropped are removed and
  the official section of SOURCES.md is regenerated.

Problems (no clone, Dockerfile in no commit, a file that does not parse) go to stderr; those
groups keep their tags and architectures with `from: null` and an empty history.

Each group's Dockerfile (`GitCommit:Directory/File`) is read with git, parsed and planned with
the project's own Dockerfile front end, and its final stage replayed through the builder's own
metadata handlers and history wording, without running anything: `from`, the config the file
sets, and the history `docker history --no-trunc` shows for a BuildKit build of it. A group
whose GitCommit is not in the clone uses the newest commit that has its Dockerfile and records
it as `dockerfile_commit`. Groups built with `Builder: oci-import` have no Dockerfile: their
config and history come from the OCI image config committed beside `index.json`.

Output is deterministic: sorted keys, gzip with mtime 0. Needs only the standard library, git
and the project (`tutor`) importable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import posixpath
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent.parent) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(HERE.parent.parent))

from tutor.engine.build.builder import _run_command_string, copy_created_by  # noqa: E402
from tutor.engine.build.metadata import apply_metadata  # noqa: E402
from tutor.engine.build.stage import StageState  # noqa: E402
from tutor.engine.dockerfile import (  # noqa: E402
    Add,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    dispatch_step,
    parse,
    parse_dockerfile,
    plan_build,
    run_command_line,
)
from tutor.engine.dockerfile._stages import DEFAULT_PATH  # noqa: E402
from tutor.engine.errors import DockerfileError  # noqa: E402
from tutor.engine.fs import normalize  # noqa: E402
from tutor.engine.image import RunConfig  # noqa: E402

OFFICIAL = "docker-library/official-images"
ARCH_NAMESPACES = frozenset({"amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386",
                             "mips64le", "ppc64le", "riscv64", "s390x", "windows-amd64"})
"""Docker Hub namespaces holding one architecture of each official image."""
DEFAULT_ARCH = "amd64"
"""The architecture whose Dockerfile a group's config and history are read from when it has
per-architecture sources (the simulated engine is linux/amd64)."""

# -- the library files (RFC 2822-like blocks, as bashbrew reads them) -----------------------------


@dataclass
class Group:
    """One tag group of a library file, header fields applied."""

    tags: list[str]
    shared_tags: list[str]
    architectures: list[str]
    fields: dict[str, str]
    """Every other field (GitRepo, GitCommit, Directory, File, Builder, `<arch>-GitCommit`…)."""

    def get(self, key: str, arch: str = "") -> str:
        if arch and f"{arch}-{key}" in self.fields:
            return self.fields[f"{arch}-{key}"]
        return self.fields.get(key, "")


def _blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("#"):
            continue
        if not line:
            if current:
                blocks.append(current)
            current, last = {}, ""
            continue
        if raw[:1] in " \t" and last:  # continuation of the previous field
            current[last] += " " + line.strip()
            continue
        key, _, value = line.partition(":")
        last = key.strip()
        current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_library(text: str) -> list[Group]:
    """A `library/<name>` file as tag groups; per-block fields override the header's."""
    blocks = _blocks(text)
    if not blocks:
        return []
    header: dict[str, str] = {}
    if "Tags" not in blocks[0] and "SharedTags" not in blocks[0]:
        header = blocks.pop(0)
    groups = []
    for block in blocks:
        merged = {k: v for k, v in header.items() if k != "Maintainers"}
        merged.update(block)
        tags = _list(merged.pop("Tags", ""))
        shared = _list(merged.pop("SharedTags", ""))
        archs = _list(merged.pop("Architectures", "")) or [DEFAULT_ARCH]
        merged.pop("Maintainers", None)
        groups.append(Group(tags, shared, archs, merged))
    return groups


# -- git ------------------------------------------------------------------------------------------


class Git:
    """Read-only access to one clone."""

    def __init__(self, path: Path) -> None:
        self.path = path / ".git" if (path / ".git").is_dir() else path

    def _run(self, *args: str) -> bytes | None:
        done = subprocess.run(["git", "--git-dir", str(self.path), *args], capture_output=True,
                              check=False)
        return done.stdout if done.returncode == 0 else None

    def has_commit(self, commit: str) -> bool:
        return bool(commit) and self._run("cat-file", "-e", f"{commit}^{{commit}}") is not None

    def show(self, commit: str, path: str) -> bytes | None:
        return self._run("show", f"{commit}:{path}")

    def commit_date(self, commit: str) -> str:
        out = self._run("log", "-1", "--format=%ct", commit)
        stamp = int(out.decode().strip()) if out else 0
        return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def head(self) -> str:
        out = self._run("rev-parse", "HEAD")
        return out.decode().strip() if out else ""

    def newest_with(self, path: str, ref: str = "") -> str:
        """The newest commit where `path` exists: on `ref`, else on the default branch, else
        on any ref."""
        refs = [ref] if ref and self._run("rev-parse", "--verify", "-q", ref) else []
        for where in ([*refs, "--"], ["HEAD", "--"], ["--all", "--"]):
            if where == ["--"]:
                continue
            out = self._run("log", "-1", "--diff-filter=AMR", "--format=%H", *where, path)
            if out and out.strip():
                return out.decode().strip()
        return ""

    def ls_files(self, commit: str, path: str) -> list[str] | None:
        """Files under `path` at `commit` (just `path` when it is a file); None if absent."""
        out = self._run("ls-tree", "-r", "--name-only", commit, "--", path)
        if out is None or not out.strip():
            return None
        return out.decode().splitlines()


def find_clone(repos: Path, url: str) -> Path | None:
    match = re.match(r"https?://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    if not match:
        return None
    owner, name = match.groups()
    for candidate in (repos / owner / f"{name}.git", repos / owner / name / ".git",
                      repos / owner / name):
        if candidate.exists():
            return candidate
    return None


# -- replaying a Dockerfile -----------------------------------------------------------------------


@dataclass
class BaseInfo:
    """What a stage inherits from its base image that changes this file's history or config."""

    env: list[tuple[str, str]] = field(default_factory=list)
    shell: tuple[str, ...] = ()
    working_dir: str = ""


@dataclass
class _Stage:
    state: StageState
    own_env: list[str] = field(default_factory=list)
    """Keys this file's ENV set (the config lists only these)."""
    touched: set[str] = field(default_factory=set)
    """Config keys this file set."""
    ports: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    files: list[list[str] | None] = field(default_factory=list)
    """Per history entry: the paths a COPY created (None when unknown or not a COPY)."""
    root: str | None = None
    """The image the stage chain starts FROM ("scratch" for scratch)."""


@dataclass
class Replayed:
    base: str | None
    config: dict[str, Any]
    history: list[dict[str, Any]]


def normalize_ref(name: str) -> str:
    """A FROM reference as the library names it: `library/` dropped, `:latest` added."""
    ref = name
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            break
    if ref == "scratch":
        return ref
    name_part, _, digest = ref.partition("@")
    if ":" not in name_part.rsplit("/", 1)[-1]:
        name_part += ":latest"
    return name_part + ("@" + digest if digest else "")


def _copy_files(cmd: Copy | Add, workdir: str, context: list[str] | None) -> list[str] | None:
    """Destination paths a context COPY/ADD creates, when knowable from the repository tree."""
    if context is None:
        return None
    if isinstance(cmd, Add) or cmd.contents:
        return None  # ADD may unpack archives or download; heredocs are rare: not listed
    dest = normalize(cmd.dest, workdir or "/")
    into_dir = cmd.dest.endswith("/") or len(cmd.sources) > 1
    files: list[str] = []
    for src in cmd.sources:
        if any(ch in src for ch in "*?["):
            return None
        src = posixpath.normpath(src).lstrip("/") or "."
        if src in context:
            if into_dir:
                files.append(posixpath.join(dest, posixpath.basename(src)))
            elif posixpath.basename(dest) == posixpath.basename(src):
                files.append(dest)
            else:
                # `COPY a.sh /dir` writes /dir/a.sh when /dir is a directory of the image and
                # /dir otherwise: not knowable without the image
                return None
            continue
        below = [f for f in context if src == "." or f.startswith(src + "/")]
        if not below or ".dockerignore" in context:
            return None  # a directory's files, unless a .dockerignore leaves some out
        for name in below:
            rel = name if src == "." else name[len(src) + 1:]
            files.append(posixpath.join(dest, rel))
    return sorted(files)


def replay(text: str, base_info: Mapping[str, BaseInfo] | None = None,
           context: list[str] | None = None,
           build_args: Mapping[str, str] | None = None) -> Replayed:
    """The image a Dockerfile's last stage makes: its base, own config and own history.

    `base_info` gives the ENV/SHELL/WORKDIR of base images (by normalized reference) so that
    variable expansion and RUN's shell see what a real build sees; unknown bases start with
    BuildKit's default PATH. `context` lists the build context's files (for COPY's `files`).
    Raises `DockerfileError` when the file does not build.
    """
    bases = base_info or {}
    parsed = parse_dockerfile(text)
    plan = plan_build(parsed.instructions, build_args=dict(build_args or {}),
                      escape=parsed.escape_token, parse_trigger=parse)
    stages: dict[int, _Stage] = {}
    for index in plan.reachable:
        stage = plan.stages[index]
        if stage.base.stage is not None:
            parent = stages[stage.base.stage]
            ps = parent.state
            state = StageState(
                name=stage.name, config=ps.config, image_env=list(ps.image_env),
                state_env=list(ps.state_env), diff_ids=[], history=list(ps.history),
                key="", build_args=list(ps.build_args))  # cmd_set starts afresh, as in the builder
            current = _Stage(state, list(parent.own_env), set(parent.touched),
                             list(parent.ports), list(parent.volumes), dict(parent.labels),
                             list(parent.files), parent.root)
        else:
            root = normalize_ref(stage.base_name)
            info = bases.get(root.partition("@")[0]) or BaseInfo()
            env = [] if root == "scratch" else list(info.env)
            if not any(k == "PATH" for k, _ in env):
                env.append(("PATH", DEFAULT_PATH))
            config = RunConfig(shell=info.shell, working_dir=info.working_dir)
            state = StageState(name=stage.name, config=config, image_env=env,
                               state_env=list(env), diff_ids=[], history=[], key="")
            current = _Stage(state, root=root)
        stages[index] = current
        for planned in stage.commands:
            _step(plan, index, current, planned, context)
    final = stages[plan.target]
    return Replayed(final.root, _own_config(final), [
        _entry(h.created_by, not h.empty_layer, files)
        for h, files in zip(final.state.history, final.files, strict=True)
    ])


def _entry(created_by: str, layer: bool, files: list[str] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"created_by": created_by, "empty_layer": not layer}
    if files:
        entry["files"] = files
    return entry


def _step(plan: Any, index: int, current: _Stage, planned: Any,
          context: list[str] | None) -> None:
    state = current.state
    expansion = dispatch_step(plan, index, planned, dict(state.state_env))
    cmd = expansion.command
    before = len(state.history)
    entry_files: list[str] | None = None
    if isinstance(cmd, Entrypoint) and not state.cmd_set:
        current.touched.add("Cmd")  # an ENTRYPOINT resets the inherited CMD
    if apply_metadata(state, cmd, expansion.env):
        _note(current, cmd, expansion.env)
    elif isinstance(cmd, Workdir):
        path = normalize(cmd.path, state.config.working_dir or "/")
        state.config = replace(state.config, working_dir=path)
        state.commit(f"WORKDIR {path}", path != "/", None)
        current.touched.add("WorkingDir")
    elif isinstance(cmd, Run):
        line = run_command_line(cmd, state.config.shell or ("/bin/sh", "-c"))
        state.commit("RUN " + _run_command_string(list(line.argv), state) + " # buildkit",
                     True, None)
    elif isinstance(cmd, Copy | Add):
        from_context = not planned.sources
        entry_files = _copy_files(cmd, state.config.working_dir, context if from_context
                                  else None)
        state.commit(copy_created_by(cmd, cmd.sources), True, None)
    current.files += [entry_files] + [None] * (len(state.history) - before - 1) if (
        len(state.history) > before) else []


_KEY_OF = {Cmd: "Cmd", Entrypoint: "Entrypoint", User: "User", Stopsignal: "StopSignal",
           Shell: "Shell", Healthcheck: "Healthcheck", Onbuild: "OnBuild"}


def _note(current: _Stage, cmd: object, added: Iterable[tuple[str, str]]) -> None:
    """Remember which config keys the instruction set (the config lists only those)."""
    if isinstance(cmd, Env):
        for key, _ in added:
            if key not in current.own_env:
                current.own_env.append(key)
        current.touched.add("Env")
    elif isinstance(cmd, Label):
        current.labels.update({p.key: p.value for p in cmd.pairs})
        current.touched.add("Labels")
    elif isinstance(cmd, Expose):
        current.ports += [p for p in cmd.ports if p not in current.ports]
        current.touched.add("ExposedPorts")
    elif isinstance(cmd, Volume):
        current.volumes += [v for v in cmd.volumes if v not in current.volumes]
        current.touched.add("Volumes")
    elif type(cmd) in _KEY_OF:
        current.touched.add(_KEY_OF[type(cmd)])


def _own_config(stage: _Stage) -> dict[str, Any]:
    state = stage.state
    full = replace(state.config, env=tuple(f"{k}={v}" for k, v in state.image_env
                                           if k in stage.own_env),
                   exposed_ports=tuple(stage.ports), volumes=tuple(stage.volumes),
                   labels=tuple(stage.labels.items())).to_json()
    config = {k: v for k, v in full.items() if k in stage.touched}
    if "Cmd" in stage.touched and "Cmd" not in config:
        config["Cmd"] = []  # set to nothing: ENTRYPOINT without CMD drops the base's CMD
    return config


# -- OCI-imported images (Builder: oci-import) ----------------------------------------------------


def oci_image(git: Git, commit: str, directory: str, index_file: str) -> Replayed | None:
    """Config and history of an image committed as an OCI layout (debian, busybox…)."""
    def blob(digest: str) -> Any:
        algo, _, hexa = digest.partition(":")
        raw = git.show(commit, posixpath.join(directory, "blobs", algo, hexa))
        if raw is not None and len(raw) < 200 and not raw.lstrip().startswith(b"{"):
            # a symlink committed as such: its target, relative to blobs/<algo>/
            target = posixpath.normpath(posixpath.join(directory, "blobs", algo, raw.decode()))
            raw = git.show(commit, target)
        return json.loads(raw) if raw else None

    try:
        index = json.loads(git.show(commit, posixpath.join(directory, index_file)) or b"null")
        manifest = index
        while manifest and "manifests" in manifest:
            manifest = blob(manifest["manifests"][0]["digest"])
        config = blob(manifest["config"]["digest"]) if manifest else None
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(config, dict):
        return None
    history = [_entry(h.get("created_by", ""), not h.get("empty_layer", False), None)
               for h in config.get("history", [])]
    own = {k: v for k, v in (config.get("config") or {}).items()
           if k in {"Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts",
                    "Volumes", "Labels", "StopSignal", "Shell"} and v}
    return Replayed("scratch", own, history)


# -- the whole library ----------------------------------------------------------------------------


@dataclass
class Source:
    """Where one group's image definition is read from."""

    url: str
    commit: str
    directory: str
    file: str
    builder: str
    fetch: str
    build_args: dict[str, str] = field(default_factory=dict)
    """`--build-arg`s the image is built with (none for the Official Images)."""


def group_source(group: Group) -> Source:
    arch = DEFAULT_ARCH if DEFAULT_ARCH in group.architectures else group.architectures[0]
    builder = group.get("Builder", arch)
    default_file = "index.json" if builder == "oci-import" else "Dockerfile"
    return Source(group.get("GitRepo", arch), group.get("GitCommit", arch),
                  (group.get("Directory", arch) or ".").strip("/") or ".",
                  group.get("File", arch) or default_file, builder, group.get("GitFetch", arch))


@dataclass
class Built:
    image: dict[str, Any]
    info: BaseInfo


class Library:
    """Every repository of the library, each group replayed once its base is known."""

    def __init__(self, official: Path, repos: Path,
                 extra: Mapping[str, list[tuple[Group, Source]]] | None = None) -> None:
        self.official = Git(official)
        self.repos = repos
        self.groups: dict[str, list[tuple[Group, Source]]] = {}
        names = self.official._run("ls-tree", "--name-only", "HEAD:library") or b""
        for name in sorted(names.decode().split()):
            text = (self.official.show("HEAD", f"library/{name}") or b"").decode()
            self.groups[name] = [(g, group_source(g)) for g in parse_library(text)]
        self.groups.update(extra or {})
        self.by_tag: dict[str, tuple[str, int]] = {}
        for name, groups in self.groups.items():
            for i, (group, _) in enumerate(groups):
                for tag in [*group.tags, *group.shared_tags]:
                    self.by_tag.setdefault(f"{name}:{tag}", (name, i))
        self._built: dict[tuple[str, int], Built] = {}
        self._clones: dict[str, Git | None] = {}
        self.problems: list[str] = []
        self.read: dict[str, dict[str, int]] = {}
        """Per repository: how many groups were read at their GitCommit, at another commit,
        or not at all."""
        self.used: dict[str, tuple[str, str]] = {}
        """GitRepo → (commit of the clone's HEAD, its date), for SOURCES.md."""

    def clone(self, url: str) -> Git | None:
        if url not in self._clones:
            path = find_clone(self.repos, url)
            self._clones[url] = Git(path) if path else None
            if path:
                git = Git(path)
                head = git.head()
                self.used[url] = (head, git.commit_date(head) if head else "")
        return self._clones[url]

    def base_info(self, ref: str, seen: frozenset[tuple[str, int]]) -> BaseInfo | None:
        found = self.by_tag.get(ref)
        namespace, _, rest = ref.partition("/")
        if found is None and namespace in ARCH_NAMESPACES:
            found = self.by_tag.get(rest)  # `amd64/node:22` is node:22's amd64 image
        if found is None or found in seen:
            return None
        return self.build(*found, seen=seen).info

    def build(self, name: str, index: int,
              seen: frozenset[tuple[str, int]] = frozenset()) -> Built:
        key = (name, index)
        if key in self._built:
            return self._built[key]
        group, source = self.groups[name][index]
        image: dict[str, Any] = {"architectures": group.architectures, "from": None,
                                 "config": {}, "history": []}
        info = BaseInfo()
        git = self.clone(source.url)
        replayed = None
        if git is None:
            self.problems.append(f"{name}:{_label(group)}: no clone of {source.url}")
        else:
            replayed, info = self._replay(git, name, group, source, image, seen | {key})
        if replayed is not None:
            image["from"] = replayed.base
            image["config"] = replayed.config
            image["history"] = replayed.history
        counts = self.read.setdefault(name, {"listed": 0, "other": 0, "missing": 0})
        if replayed is None:
            counts["missing"] += 1
        else:
            counts["other" if "dockerfile_commit" in image else "listed"] += 1
        built = Built(image, info)
        self._built[key] = built
        return built

    def _replay(self, git: Git, name: str, group: Group, source: Source,
                image: dict[str, Any], seen: frozenset[tuple[str, int]]) -> tuple[
            Replayed | None, BaseInfo]:
        path = posixpath.normpath(posixpath.join(source.directory, source.file))
        commit = source.commit
        if not git.has_commit(commit) or git.show(commit, path) is None:
            ref = source.fetch.replace("refs/heads/", "refs/remotes/origin/") if (
                source.fetch) else ""
            fallback = git.newest_with(path, source.fetch.removeprefix("refs/heads/")) or (
                git.newest_with(path, ref))
            if not fallback:
                self.problems.append(f"{name}:{_label(group)}: {path} not found in "
                                     f"{source.url}")
                return None, BaseInfo()
            image["dockerfile_commit"] = fallback
            commit = fallback
        image["created"] = git.commit_date(commit)
        if source.builder == "oci-import":
            replayed = oci_image(git, commit, source.directory, source.file)
            if replayed is None:
                self.problems.append(f"{name}:{_label(group)}: unreadable OCI layout")
                return None, BaseInfo()
            env = [tuple(e.split("=", 1)) for e in replayed.config.get("Env", []) if "=" in e]
            return replayed, BaseInfo([(k, v) for k, v in env],
                                      tuple(replayed.config.get("Shell", ())),
                                      replayed.config.get("WorkingDir", ""))
        text = (git.show(commit, path) or b"").decode("utf-8", errors="replace")
        bases: dict[str, BaseInfo] = {}
        try:
            parsed = parse_dockerfile(text)
            plan = plan_build(parsed.instructions, build_args=source.build_args,
                              escape=parsed.escape_token)
            for stage in plan.stages:
                ref = normalize_ref(stage.base_name).partition("@")[0]
                if stage.base.stage is None and ref != "scratch":
                    found = self.base_info(ref, seen)
                    if found is not None:
                        bases[ref] = found
            context = git.ls_files(commit, source.directory) if source.directory != "." else (
                (git._run("ls-tree", "-r", "--name-only", commit) or b"").decode().splitlines())
            if context is not None and source.directory != ".":
                context = [f[len(source.directory) + 1:] for f in context]
            replayed = replay(text, bases, context, source.build_args)
        except DockerfileError as err:
            self.problems.append(f"{name}:{_label(group)}: {err.message}")
            return None, BaseInfo()
        parent = bases.get((replayed.base or "").partition("@")[0]) or BaseInfo()
        env = list(parent.env)
        for entry in replayed.config.get("Env", []):
            key, _, value = entry.partition("=")
            env = [(k, v) for k, v in env if k != key] + [(key, value)] if not any(
                k == key for k, _ in env) else [(k, value if k == key else v) for k, v in env]
        shell = tuple(replayed.config.get("Shell", ())) or parent.shell
        workdir = replayed.config.get("WorkingDir", "") or parent.working_dir
        return replayed, BaseInfo(env, shell, workdir)

    def document(self, name: str, repository: str = "") -> dict[str, Any]:
        head = self.official.head()
        images = []
        claimed: set[str] = set()
        for i, (group, _) in enumerate(self.groups[name]):
            image = dict(self.build(name, i).image)
            # SharedTags name one manifest list for several groups (Linux and Windows); the
            # first group, the Linux one, answers for them here
            tags = [t for t in [*group.tags, *group.shared_tags] if t not in claimed]
            claimed.update(tags)
            if not tags:
                continue
            image["tags"] = tags
            images.append(image)
        source = {"name": OFFICIAL, "commit": head, "date": self.official.commit_date(head)[:10]}
        urls = {s.url for _, s in self.groups[name]}
        if urls == {DOTNET_URL} and self.clone(DOTNET_URL) is not None:
            commit, date = self.used[DOTNET_URL]
            source = {"name": "dotnet/dotnet-docker", "commit": commit, "date": date[:10]}
        return {
            "repository": repository or name,
            "source": source,
            "images": images,
        }


def _label(group: Group) -> str:
    return (group.tags or group.shared_tags or ["?"])[0]


def write_json_gz(path: Path, document: Mapping[str, Any]) -> None:
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                               compresslevel=9) as out:
        out.write(data.encode())


# -- .NET images from the Microsoft Artifact Registry (dotnet/dotnet-docker manifest.json) --------

DOTNET_URL = "https://github.com/dotnet/dotnet-docker"
DOTNET_IMAGES = ("sdk", "aspnet", "runtime", "runtime-deps")


def dotnet_groups(repos: Path) -> dict[str, list[tuple[Group, Source]]]:
    """`mcr.microsoft.com/dotnet/<image>` tag groups from dotnet-docker's `manifest.json`.

    Each Linux platform of an image is a group with its own (`…-arm64v8`) tags; the amd64 one
    also carries the image's shared tags and lists every architecture they cover.
    """
    path = find_clone(repos, DOTNET_URL)
    if path is None:
        return {}
    git = Git(path)
    head = git.head()
    try:
        manifest = json.loads(git.show(head, "manifest.json") or b"{}")
        variables: dict[str, Any] = dict(manifest.get("variables", {}))
        for include in manifest.get("includes", []):
            variables.update(json.loads(git.show(head, include) or b"{}").get("variables", {}))
    except ValueError:
        return {}
    registry = manifest.get("registry", "mcr.microsoft.com")
    for repo in manifest.get("repos", []):
        variables[f"Repo:{repo.get('id', '')}"] = f"{registry}/{repo.get('name', '')}"
    out: dict[str, list[tuple[Group, Source]]] = {}
    for repo in manifest.get("repos", []):
        image_name = repo.get("name", "").rsplit("/", 1)[-1]
        if repo.get("name", "").count("/") != 1 or image_name not in DOTNET_IMAGES:
            continue
        groups: list[tuple[Group, Source]] = []
        for image in repo.get("images", []):
            platforms = []
            for platform in image.get("platforms", []):
                if platform.get("os") != "linux":
                    continue
                arch = _dotnet_arch(platform)
                tags = [_dotnet_var(t, variables) for t in platform.get("tags", {})]
                args = {k: _dotnet_var(v, variables)
                        for k, v in platform.get("buildArgs", {}).items()}
                directory = platform.get("dockerfile", "").strip("/")
                file = "Dockerfile"
                if directory.endswith("Dockerfile"):
                    directory, file = posixpath.split(directory)
                platforms.append((arch, tags, Source(DOTNET_URL, head, directory, file,
                                                     "buildkit", "", args)))
            if not platforms:
                continue
            archs = sorted({arch for arch, _, _ in platforms})
            shared = [_dotnet_var(t, variables) for t in image.get("sharedTags", {})]
            platforms.sort(key=lambda p: p[0] != DEFAULT_ARCH)
            for i, (arch, tags, source) in enumerate(platforms):
                group = Group([t for t in tags if "$(" not in t],
                              [t for t in shared if "$(" not in t] if i == 0 else [],
                              archs if i == 0 else [arch], {})
                groups.append((group, source))
        out[f"{registry}/dotnet/{image_name}"] = groups
    return out


def _dotnet_arch(platform: Mapping[str, Any]) -> str:
    arch = platform.get("architecture", "amd64")
    if arch == "arm64":
        return "arm64v8"
    if arch == "arm":
        return "arm32" + str(platform.get("variant", "v7"))
    return str(arch)


def _dotnet_var(text: str, variables: Mapping[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        value = variables.get(match.group(1))
        return str(value) if value is not None else match.group(0)
    for _ in range(8):
        text = re.sub(r"\$\(([^()]+)\)", sub, text)
    return text


# -- SOURCES.md -----------------------------------------------------------------------------------

BEGIN, END = "<!-- official:begin -->", "<!-- official:end -->"


def sources_section(library: Library, names: Iterable[str]) -> str:
    head = library.official.head()
    lines = [
        BEGIN,
        "## Official Images (`official/`)",
        "",
        f"- Library definitions: {OFFICIAL} at `{head}` "
        f"({library.official.commit_date(head)[:10]}), `library/<name>`.",
        "- Image definitions: each group's Dockerfile at its `GitRepo` @ `GitCommit`, "
        "`Directory`/`File` (`dockerfile_commit` marks groups read at another commit because "
        "the listed one was not available).",
        "- Refresh: clone official-images and the image repositories as "
        "`REPOS/<owner>/<name>.git`, then run "
        "`python assets/library/refresh_official.py OFFICIAL_IMAGES_GIT REPOS`.",
        "",
        "Groups: read at the library's GitCommit / at another commit of the clone (newest "
        "with the file) / not read (no clone, or the file is in none of its commits).",
        "",
        "| Repository | Source repository | Clone HEAD | Date | Groups |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        urls = sorted({s.url for _, s in library.groups.get(name, [])})
        counts = library.read.get(name, {})
        tally = f"{counts.get('listed', 0)} / {counts.get('other', 0)} / " \
                f"{counts.get('missing', 0)}"
        for url in urls:
            commit, date = library.used.get(url, ("", ""))
            where = url.removeprefix("https://").removesuffix(".git")
            lines.append(f"| {name} | {where} | `{commit[:12] or 'not available'}` | "
                         f"{date[:10]} | {tally} |")
    lines.append(END)
    return "\n".join(lines) + "\n"


def update_sources(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Sources of `assets/library/`\n\n"
    if BEGIN in text and END in text:
        start = text.index(BEGIN)
        end = text.index(END) + len(END)
        text = text[:start] + section.rstrip("\n") + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def file_name(repository: str) -> str:
    return repository.replace("/", "__") + ".json.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("official_images", type=Path)
    parser.add_argument("repos", type=Path)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    library = Library(args.official_images, args.repos, dotnet_groups(args.repos))
    names = [n for n in library.groups if args.only is None or n in args.only]
    for name in names:
        write_json_gz(args.out / "official" / file_name(name), library.document(name))
    if args.only is None:
        # a full refresh: repositories the library dropped go, and SOURCES.md is rewritten
        written = {file_name(n) for n in names}
        for old in (args.out / "official").glob("*.json.gz"):
            if old.name not in written:
                old.unlink()
        update_sources(args.out / "SOURCES.md", sources_section(library, library.groups))
    for problem in library.problems:
        print(problem, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
