"""`RUN --mount` while the step runs: what each mount shows, and taking it away again afterwards.

Follows BuildKit's Dockerfile frontend (`dockerfile2llb/convert_runmount.go`,
`convert_secrets.go`, `convert_ssh.go`) and its mount manager (`solver/llbsolver/mounts`):

- `bind` shows a path of the build context, of an earlier stage or of an image, read-only
  unless `rw` — and even then what the step writes there is thrown away (`ForceNoOutput`).
  Its content is part of the step's cache key.
- `cache` is a directory that outlives the build (kept in the sandbox, keyed by `id`, which
  defaults to the target) and is never part of the image or of the cache key; `docker builder
  prune` clears it.
- `tmpfs` is an empty directory that is gone after the step.
- `secret` is a file (default `/run/secrets/<id>`) or an environment variable with a value the
  client gave with `--secret`; `ssh` a socket (`SSH_AUTH_SOCK`) when the client forwards an agent
  with `--ssh`. Neither is part of the key, and a missing one is skipped unless `required`.

A mount point that did not exist is removed again after the step, with the parents it needed
(BuildKit's mount stub cleaner), so mounts leave no trace in the layer.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.engine.build.copy import SourceFiles
from tutor.engine.build.request import Secrets
from tutor.engine.dockerfile._mounts import Mount
from tutor.engine.errors import EngineError
from tutor.engine.fs import Data, FileTree, Node, directory, normalize
from tutor.engine.layers import apply_changes, layer
from tutor.engine.store import Store

MOUNTS_FILE = "cache/mounts.json"
"""Cache mounts of the sandbox: id → {diff_id of their content, size, created}."""
SSH_SOCKET_DIR = "/run/buildkit"


class MountFailed(EngineError):
    """A mount BuildKit refuses while the step runs; the message is BuildKit's."""


@dataclass
class Prepared:
    """One mount ready to be laid over the step's file system."""

    target: str
    entries: list[tuple[str, Node]]
    writable: bool
    cache_id: str = ""
    """Set for a cache mount: where its content goes back after the step."""
    keep: bool = False
    """A writable cache mount: what the step leaves there is kept for the next build."""


@dataclass
class MountPlan:
    """Everything the mounts of one RUN contribute: the key part, the env, the overlays."""

    key: list[object] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[Prepared] = field(default_factory=list)
    checksums: list[str] = field(default_factory=list)
    """Content checksums of the bind mounts, in order."""
    files: dict[str, str] = field(default_factory=dict)
    """Context files behind those checksums (path → checksum)."""
    missing: str = ""
    """A required secret or SSH agent the client did not give: the step fails with this when
    it runs (a cached step does not need it)."""


SANDBOX_HOSTNAME = "buildkitsandbox"


def sandbox_files(hostname: str) -> list[Prepared]:
    """The files BuildKit's executor mounts into every RUN container (`executor/oci/hosts.go`):
    `/etc/hostname` and `/etc/hosts` naming the sandbox; never part of the layer."""
    hosts = (f"127.0.0.1\tlocalhost {hostname}\n"
             "::1\tlocalhost ip6-localhost ip6-loopback\n")
    return [
        Prepared("/etc/hostname", [("", Node("file", 0o644, content=Data(
            (hostname + "\n").encode())))], writable=True),
        Prepared("/etc/hosts", [("", Node("file", 0o644, content=Data(hosts.encode())))],
                 writable=True),
    ]


class CacheMounts:
    """The persistent cache mounts of a sandbox. Their content is kept as a layer blob (a real
    tar of the directory), so `docker builder prune` can report its size."""

    def __init__(self, store: Store) -> None:
        self.store = store
        raw = store.load_json(MOUNTS_FILE, {})
        self.records: dict[str, dict[str, object]] = raw if isinstance(raw, dict) else {}

    def load(self, cache_id: str) -> list[tuple[str, Node]] | None:
        record = self.records.get(cache_id)
        if not isinstance(record, dict):
            return None
        diff_id = str(record.get("diff_id", ""))
        if not self.store.has_layer(diff_id):
            return None
        tree = FileTree()
        apply_changes(tree, self.store.get_layer(diff_id).changes)
        return [(p.lstrip("/"), tree.nodes[p]) for p in tree.walk("/")]

    def save(self, cache_id: str, tree: FileTree, now: float) -> None:
        built = layer(tree)
        self.store.put_layer(built)
        old = self.records.get(cache_id)
        created = old.get("created", now) if isinstance(old, dict) else now
        self.records[cache_id] = {"diff_id": built.diff_id, "size": built.size,
                                  "created": created}
        self.store.save_json(MOUNTS_FILE, self.records)

    def listing(self) -> list[tuple[str, int, float]]:
        """(id, size, created) of every cache mount."""
        out = []
        for cache_id, record in sorted(self.records.items()):
            if isinstance(record, dict):
                size = record.get("size", 0)
                created = record.get("created", 0.0)
                out.append((cache_id, int(size) if isinstance(size, int) else 0,
                            float(created) if isinstance(created, int | float) else 0.0))
        return out

    def prune(self) -> list[tuple[str, int, float]]:
        """Forget every cache mount; returns (id, size, created) of each."""
        removed = self.listing()
        self.records = {}
        self.store.save_json(MOUNTS_FILE, {})
        return removed


def mount_target(mount: Mount, cwd: str) -> str:
    """The absolute target: a relative one is joined to the working directory."""
    target = normalize(mount.target, cwd) if mount.target else ""
    if mount.target and target == "/":
        raise MountFailed(f'invalid mount target "{target}"')
    return target


def source_entries(source: SourceFiles, path: str) -> tuple[
        list[tuple[str, Node]], str, dict[str, str]]:
    """The content a bind mount shows for `path` of a source, its checksum, and the checksum of
    each file (to name the changed ones when the step misses the cache)."""
    selector = posixpath.join("/", path).lstrip("/") or "."
    selection = source.select([selector])
    items = selection.items()
    if selection.single_file and len(items) == 1:
        return [("", items[0][0])], selection.checksum, selection.files
    entries: list[tuple[str, Node]] = [("", directory(0o755))]
    entries += sorted(((rel, node) for node, rel in items), key=lambda e: e[0].count("/"))
    return entries, selection.checksum, selection.files


def prepare_mounts(
    mounts: tuple[Mount, ...],
    sources: list[tuple[SourceFiles, str] | None],
    cwd: str,
    offered: Secrets,
    caches: CacheMounts,
) -> MountPlan:
    """Read each mount's content and key. `sources[i]` is (files, key of those files) for a bind
    or cache mount with content (context, stage or image); None for the others."""
    plan = MountPlan()
    ssh_count = 0
    for mount, source in zip(mounts, sources, strict=True):
        target = mount_target(mount, cwd)
        if mount.type == "bind":
            assert source is not None
            files, source_key = source
            entries, checksum, plan_files = source_entries(files, mount.source)
            plan.key.append(["bind", source_key, mount.source, target, mount.readonly])
            # a bind mount's content is part of the key (BuildKit's content checksum of the
            # mounted source), kept apart so that a miss names the changed files
            plan.checksums.append(checksum)
            if source_key == "context":
                plan.files.update(plan_files)
            plan.mounts.append(Prepared(target, entries, writable=not mount.readonly))
        elif mount.type == "cache":
            cache_id = mount.cache_id or posixpath.normpath(mount.target)
            plan.key.append(["cache", cache_id, target, mount.readonly, mount.uid, mount.gid,
                             mount.mode])
            entries_or_none = caches.load(cache_id)
            if entries_or_none is None:
                root = directory(mount.mode if mount.mode is not None else 0o755,
                                 uid=mount.uid or 0, gid=mount.gid or 0)
                entries_or_none = [("", root)]
                if source is not None and mount.from_:
                    # a cache seeded from another stage's directory when it is first made
                    seeded, _, _ = source_entries(source[0], mount.source)
                    entries_or_none = seeded
            plan.mounts.append(Prepared(target, entries_or_none, writable=not mount.readonly,
                                        cache_id=cache_id, keep=not mount.readonly))
        elif mount.type == "tmpfs":
            plan.key.append(["tmpfs", target, mount.size_limit])
            plan.mounts.append(Prepared(target, [("", directory(0o1777))], writable=True))
        elif mount.type == "secret":
            _secret(mount, target, offered, plan)
        elif mount.type == "ssh":
            ssh_count += 1
            _ssh(mount, target, offered, plan, ssh_count)
    return plan


def _secret(mount: Mount, target: str, offered: Secrets, plan: MountPlan) -> None:
    secret_id = mount.source or mount.cache_id or posixpath.basename(mount.target)
    dest = target if mount.target else ""
    if mount.env is None and not dest:
        dest = "/run/secrets/" + posixpath.basename(secret_id)
    plan.key.append(["secret", secret_id, dest, mount.env, mount.required, mount.uid,
                     mount.gid, mount.mode])
    value = offered.secret(secret_id)
    if value is None:
        if mount.required and not plan.missing:
            plan.missing = f"secret {secret_id}: not found"
        return
    if mount.env is not None:
        plan.env[mount.env] = value.decode(errors="replace")
    if dest:
        node = Node("file", mount.mode if mount.mode is not None else 0o400,
                    uid=mount.uid or 0, gid=mount.gid or 0, content=Data(value))
        plan.mounts.append(Prepared(dest, [("", node)], writable=False))


def _ssh(mount: Mount, target: str, offered: Secrets, plan: MountPlan, count: int) -> None:
    if mount.source:
        raise MountFailed("ssh does not support source")
    agent = mount.cache_id or "default"
    dest = target or f"{SSH_SOCKET_DIR}/ssh_agent.{count - 1}"
    plan.key.append(["ssh", agent, dest, mount.required, mount.uid, mount.gid, mount.mode])
    if agent not in offered.ssh:
        if mount.required and not plan.missing:
            plan.missing = f'no SSH key "{agent}" forwarded from the client'
        return
    # the simulated file system has no sockets: the agent's socket is an empty file
    node = Node("file", mount.mode if mount.mode is not None else 0o600,
                uid=mount.uid or 0, gid=mount.gid or 0, content=Data(b""))
    plan.mounts.append(Prepared(dest, [("", node)], writable=False))
    plan.env.setdefault("SSH_AUTH_SOCK", dest)


@dataclass
class _Covered:
    target: str
    hidden: list[tuple[str, Node]] | None
    """What the mount hid, put back after the step (None: the mount point was a stub)."""
    stubs: list[str]
    """Mount point and parents created for the mount, removed again afterwards."""


def overlay(tree: FileTree, plan: MountPlan) -> Callable[[], dict[str, FileTree]]:
    """Lay the mounts over `tree` in order (a later one over an earlier one); returns the
    function that takes them away and gives the content each kept cache mount was left with."""
    if plan.missing:
        raise MountFailed(plan.missing)
    covered: list[_Covered] = []
    for prepared in plan.mounts:
        real = tree.resolve(prepared.target, missing_ok=True)
        stubs = []
        current = real
        while current not in tree.nodes:
            stubs.append(current)
            current = posixpath.dirname(current)
        parent = tree.nodes[current]
        if parent.type != "dir" and stubs:
            raise MountFailed(f"mkdir {current}: not a directory")
        hidden = None if stubs else [
            (p[len(real):].lstrip("/"), tree.nodes[p]) for p in tree.walk(real)]
        if real in tree.nodes and real != "/":
            tree.remove(real)
        tree.makedirs(posixpath.dirname(real) or "/")
        for rel, node in prepared.entries:
            path = posixpath.join(real, rel) if rel else real
            if posixpath.dirname(path) not in tree.nodes:
                tree.makedirs(posixpath.dirname(path))
            tree.put(path, node)
        prepared.target = real
        covered.append(_Covered(real, hidden, stubs))

    def restore() -> dict[str, FileTree]:
        kept: dict[str, FileTree] = {}
        for prepared, cover in reversed(list(zip(plan.mounts, covered, strict=True))):
            real = cover.target
            if prepared.keep and prepared.cache_id and real in tree.nodes:
                content = FileTree()
                content.nodes["/"] = tree.nodes[real]
                for path in tree.walk(real):
                    if path != real:
                        rel = "/" + path[len(real):].lstrip("/")
                        content.put(rel, tree.nodes[path])
                kept[prepared.cache_id] = content
            if real in tree.nodes:
                tree.remove(real)
            if cover.hidden is not None:
                for rel, node in cover.hidden:
                    tree.put(posixpath.join(real, rel) if rel else real, node)
            else:
                for stub in cover.stubs[1:]:
                    if stub in tree.nodes and not tree.children.get(stub):
                        tree.remove(stub)
        return kept

    return restore
