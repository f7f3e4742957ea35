"""Containers: a writable layer over an image, a simulated process, and Docker's state machine.

A container never copies its image's files. Its file system is the image's tree (built once per
image and shared by every container made from it) with the container's own *writable layer*, a
`Changes` recipe kept in `containers/<id>.json`, laid over it. Running or exec'ing a command lays
the changes over a copy-on-write copy of the image tree, runs the command there through the
simulated `/bin/sh`, and diffs the result against the image again: that diff is the new writable
layer, and exactly what `docker diff`, `commit` and `export` show.

Time. Every process runs to completion when it starts (its file changes and output happen then),
and its simulated duration says until when the container is "Up": `sleep 30` keeps a detached
container running for 30 simulated seconds. Servers (see `servers.py`), `sleep infinity`,
`tail -f` and a shell with stdin kept open (`-i`) never end by themselves. The clock moves only
by simulated work: starting a container takes `START_SECONDS`, a foreground `run` also waits for
its process, `stop` waits until the process is gone (at most the timeout), and every other
container command takes `COMMAND_SECONDS` (the time a learner takes to type it) — so "Up 3
seconds" grows as a session goes on. States are brought up to date (`refresh`) lazily, when read.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tutor.engine.clock import LATEST, rfc3339
from tutor.engine.errors import EngineError
from tutor.engine.fs import FileTree, FsError, normalize
from tutor.engine.image import JSON, HistoryEntry, RunConfig, go_json
from tutor.engine.images import LocalImage
from tutor.engine.layers import Change, Changes, apply_changes, built_size, diff, layer
from tutor.engine.names import VALID_NAME, generated_name
from tutor.engine.oci import parse_config
from tutor.engine.readonly import ReadOnlyMounts, under, writable
from tutor.engine.reference import parse_docker_ref
from tutor.engine.registry import forget_local
from tutor.engine.registry import http_get as registry_http_get
from tutor.engine.servers import (
    GoProgram,
    access_line,
    error_lines,
    go_program,
    process_argv,
    recognise,
    respond,
    shell_stays_pid1,
    startup_logs,
)
from tutor.engine.statefile import atomic_write
from tutor.engine.volumes import Volume, VolumeStore

if TYPE_CHECKING:
    from tutor.engine.engine import Engine
    from tutor.engine.health import Health
    from tutor.engine.sh.interactive import InteractiveShell

START_SECONDS = 0.4
COMMAND_SECONDS = 1.0
STOP_TIMEOUT = 10
FIRST_EPHEMERAL_PORT = 32768
MAX_PROXY_HOPS = 5
"""A proxy chain longer than this (nginx proxying to itself) answers 502 instead of looping."""
MAX_RESTART_DELAY = 60.0
DEFAULT_ENV_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MINIMUM_MEMORY = 6 * 1024 * 1024
"""The smallest `--memory` the daemon accepts (moby's `linuxMinMemory`)."""
REGISTRY_PORT = 5000
REGISTRY_ROOT = "/var/lib/registry"

# -- the state machine -------------------------------------------------------------------------

TRANSITIONS: dict[tuple[str, str], str] = {
    ("created", "start"): "running",
    ("exited", "start"): "running",
    ("running", "exit"): "exited",
    ("running", "stop"): "exited",
    ("running", "kill"): "exited",
    ("running", "pause"): "paused",
    ("paused", "unpause"): "running",
    ("paused", "stop"): "exited",
    ("paused", "kill"): "exited",
    ("running", "die-restart"): "restarting",
    ("restarting", "start"): "running",
    ("restarting", "stop"): "exited",
    ("restarting", "kill"): "exited",
    ("created", "remove"): "removed",
    ("exited", "remove"): "removed",
    ("running", "exec"): "running",
}
"""Docker's container lifecycle: (state, action) → next state. A pair missing here is refused
with the message in `REFUSALS`, or (start/stop of a container already there) is a no-op."""

NO_OPS = frozenset({("running", "start"), ("created", "stop"), ("exited", "stop")})

REFUSALS: dict[tuple[str, str], str] = {
    ("paused", "start"): "cannot start a paused container, try unpause instead",
    ("created", "kill"): "cannot kill container: {name}: container {id} is not running",
    ("exited", "kill"): "cannot kill container: {name}: container {id} is not running",
    ("created", "pause"): "container {id} is not running",
    ("exited", "pause"): "container {id} is not running",
    ("paused", "pause"): "container {id} is already paused",
    ("restarting", "pause"): "Container {id} is restarting, wait until the container is running",
    ("created", "unpause"): "Container {id} is not paused",
    ("exited", "unpause"): "Container {id} is not paused",
    ("running", "unpause"): "Container {id} is not paused",
    ("restarting", "unpause"): "Container {id} is not paused",
    ("created", "exec"): "container {id} is not running",
    ("exited", "exec"): "container {id} is not running",
    ("paused", "exec"): "Container {id} is paused, unpause the container before exec",
    ("restarting", "exec"): "Container {id} is restarting, wait until the container is running",
    ("running", "remove"): 'cannot remove container "{name}": container is running: stop the '
                           "container before removing or force remove",
    ("restarting", "remove"): 'cannot remove container "{name}": container is restarting: stop '
                              "the container before removing or force remove",
    ("paused", "remove"): 'cannot remove container "{name}": container is paused and must be '
                          "unpaused first",
}


class NoSuchContainer(EngineError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No such container: {name}")


class ContainerStateError(EngineError):
    """An action the container's current state refuses (Docker's conflict errors)."""


class StartError(EngineError):
    """The container's process could not be started; `status` is the CLI's exit code."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# -- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortBinding:
    container_port: int
    proto: str = "tcp"
    host_ip: str = ""
    host_port: int = 0
    """0 until the daemon picks an ephemeral port (`-p 80`, `-P`)."""

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.proto}"


@dataclass(frozen=True, slots=True)
class MountSpec:
    kind: str
    """"volume" or "bind"."""
    source: str
    """Volume name ("" for a new anonymous volume) or absolute host path."""
    target: str
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    name: str = "no"
    max_retries: int = 0


@dataclass(frozen=True, slots=True)
class CreateOptions:
    """What `docker run`/`create` asked for, before the image's defaults are merged in."""

    image: str
    cmd: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    workdir: str = ""
    user: str = ""
    ports: tuple[PortBinding, ...] = ()
    publish_all: bool = False
    mounts: tuple[MountSpec, ...] = ()
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    auto_remove: bool = False
    tty: bool = False
    stdin_open: bool = False
    name: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    stop_timeout: int | None = None
    read_only: bool = False
    """`--read-only`: the root file system refuses writes; mounts keep their own mode."""
    memory: int = 0
    """`--memory` in bytes; 0: no limit set (the simulation's own default applies)."""


# -- the container -----------------------------------------------------------------------------


@dataclass
class Container:
    """One container as the daemon keeps it (mutable: its state changes in place)."""

    id: str
    name: str
    created: float
    image_id: str
    image_ref: str
    entrypoint: list[str]
    cmd: list[str]
    env: list[str]
    workdir: str
    user: str
    exposed: list[str]
    labels: dict[str, str]
    tty: bool
    stdin_open: bool
    stop_signal: str
    stop_timeout: int | None
    ports: list[PortBinding]
    mounts: list[MountSpec]
    restart: RestartPolicy
    auto_remove: bool
    read_only: bool = False
    memory: int = 0
    oom_killed: bool = False
    """Its last run ended because it used more memory than it may (State.OOMKilled)."""
    running: bool = False
    paused: bool = False
    restarting: bool = False
    exit_code: int = 0
    error: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    run_until: float | None = None
    """When the process ends by itself; None: it never does (a server)."""
    server: str = ""
    manually_stopped: bool = False
    paused_since: float = 0.0
    restart_count: int = 0
    ip: str = ""
    logs: list[tuple[float, int, str]] = field(default_factory=list)
    """(time, stream 1|2, text) chunks as the process wrote them."""
    changes: Changes = field(default_factory=Changes)
    image_layers: list[str] = field(default_factory=list)
    """The diffIDs of its image: a container keeps its image's layers, so it still starts,
    copies and exports after `docker rmi -f` removed the image (empty in older sandboxes)."""

    @property
    def argv(self) -> list[str]:
        return [*self.entrypoint, *self.cmd]

    @property
    def state(self) -> str:
        """moby's `State.StateString()` order."""
        if self.running:
            if self.paused:
                return "paused"
            return "restarting" if self.restarting else "running"
        if self.started_at == 0.0:
            return "created"
        return "exited"

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def is_up(self) -> bool:
        return self.running and not self.restarting

    def env_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.env:
            key, _, value = item.partition("=")
            out[key] = value
        return out

    # -- persistence ------------------------------------------------------------------------

    def to_json(self, encode: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            k: getattr(self, k) for k in (
                "id", "name", "created", "image_id", "image_ref", "entrypoint", "cmd", "env",
                "workdir", "user", "exposed", "labels", "tty", "stdin_open", "stop_signal",
                "stop_timeout", "auto_remove", "read_only", "running", "paused", "restarting",
                "exit_code", "error", "started_at", "finished_at", "run_until", "server",
                "manually_stopped", "paused_since", "restart_count", "ip", "logs",
                "image_layers", "memory", "oom_killed")
        }
        doc["ports"] = [[p.container_port, p.proto, p.host_ip, p.host_port] for p in self.ports]
        doc["mounts"] = [[m.kind, m.source, m.target, m.read_only] for m in self.mounts]
        doc["restart"] = [self.restart.name, self.restart.max_retries]
        doc["changes"] = [[c.kind, c.opaque, *encode(c.path, c.node)] for c in self.changes.items]
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any], decode: Any) -> Container:
        items = []
        for kind, opaque, *encoded in doc.pop("changes"):
            path, node = decode(encoded)
            items.append(Change(kind, path, node, opaque))
        ports = [PortBinding(*p) for p in doc.pop("ports")]
        mounts = [MountSpec(*m) for m in doc.pop("mounts")]
        restart = RestartPolicy(*doc.pop("restart"))
        logs = [(float(t), int(s), str(x)) for t, s, x in doc.pop("logs")]
        return cls(**doc, ports=ports, mounts=mounts, restart=restart, logs=logs,
                   changes=Changes(tuple(items)))


@dataclass(frozen=True, slots=True)
class ContainerSummary:
    """A container as lesson checks look at it."""

    name: str
    image: str
    """The reference it was created with, as typed (`alpine:3.21`)."""
    running: bool
    host_ports: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What starting a container's process gave, for a foreground `docker run` to print."""

    output: list[tuple[int, str]]
    seconds: float
    ends: bool
    """False when the process keeps running (a server, `sleep infinity`)."""


def _forever(argv: list[str], stdin_open: bool) -> bool:
    """Processes that never end by themselves (their own simulation would not model it)."""
    words = process_argv(argv)
    if not words:
        return False
    exe = posixpath.basename(words[0])
    if exe == "sleep" and words[1:] in (["infinity"], ["inf"]):
        return True
    if exe == "tail" and "-f" in words[1:]:
        return True
    shells = ("sh", "bash", "ash", "dash")
    return stdin_open and exe in shells and "-c" not in words[1:]


class ContainerStore:
    """The daemon's containers: creation, lifecycle, file systems and what they serve."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self.folder = engine.store.root / "containers"
        self.volumes = VolumeStore(engine.store)
        self._cache: dict[str, Container] = {}
        self._trees: dict[str, FileTree] = {}
        self._proxy_depth = 0

    # -- persistence --------------------------------------------------------------------------

    def _path(self, cid: str) -> Any:
        return self.folder / f"{cid}.json"

    def save(self, c: Container) -> None:
        self._cache[c.id] = c
        doc = c.to_json(self.store._encode)  # noqa: SLF001  (the layers' encoding, reused)
        atomic_write(self._path(c.id), json.dumps(doc, separators=(",", ":")).encode())

    def _load(self, cid: str) -> Container | None:
        if cid in self._cache:
            return self._cache[cid]
        try:
            doc = json.loads(self._path(cid).read_bytes())
            c = Container.from_json(doc, self.store._decode)  # noqa: SLF001
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError):  # any shape but ours
            self.store.problems.append(f"container {cid[:12]} was unreadable and is ignored")
            return None
        self._cache[cid] = c
        return c

    def ids(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return [p.stem for p in self.folder.glob("*.json")]

    def all(self) -> list[Container]:
        """Every container, newest first, with states brought up to the clock."""
        out = [c for c in (self._load(i) for i in self.ids()) if c is not None]
        for c in out:
            self.refresh(c)
        live = [c for c in out if self._load(c.id) is not None]
        return sorted(live, key=lambda c: (-c.created, c.id))

    def find(self, name: str) -> Container | None:
        """By full ID, by name, else by unique ID prefix (moby's `GetContainer` order)."""
        ids = self.ids()
        if name in ids:
            c = self._load(name)
        else:
            wanted = name.removeprefix("/")
            c = next((x for x in (self._load(i) for i in ids) if x and x.name == wanted), None)
            if c is None and name and all(ch in "0123456789abcdef" for ch in name):
                matches = [i for i in ids if i.startswith(name)]
                if len(matches) > 1:
                    raise EngineError(f"multiple IDs found with provided prefix: {name}")
                c = self._load(matches[0]) if matches else None
        if c is not None:
            self.refresh(c)
            if self._load(c.id) is None:
                return None
        return c

    def get(self, name: str) -> Container:
        c = self.find(name)
        if c is None:
            raise NoSuchContainer(name)
        return c

    # -- creation -----------------------------------------------------------------------------

    def create(self, opts: CreateOptions, image: LocalImage) -> Container:
        name = opts.name.removeprefix("/")
        if name and not VALID_NAME.fullmatch(name):
            raise EngineError(f"Invalid container name ({name}), only "
                              "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        taken = {c.name: c.id for c in (self._load(i) for i in self.ids()) if c is not None}
        if name in taken:
            raise EngineError(
                f'Conflict. The container name "/{name}" is already in use by container '
                f'"{taken[name]}". You have to remove (or rename) that container to be able to '
                "reuse that name.")
        seed = self.store.next_counter("containers")
        if not name:
            retry = 0
            name = generated_name(self.engine.assets, seed, retry)
            while name in taken:
                retry += 1
                name = generated_name(self.engine.assets, seed, retry)
        cfg = image.config.config
        entrypoint = list(cfg.entrypoint) if opts.entrypoint is None else list(opts.entrypoint)
        if opts.cmd:
            cmd = list(opts.cmd)
        elif opts.entrypoint is not None:
            cmd = []
        else:
            cmd = list(cfg.cmd)
        if not entrypoint and not cmd:
            raise EngineError("no command specified")
        if 0 < opts.memory < MINIMUM_MEMORY:
            raise EngineError("Minimum memory limit allowed is 6MB")
        if opts.workdir and not opts.workdir.startswith("/"):
            raise EngineError(f"the working directory '{opts.workdir}' is invalid, it needs to "
                              "be an absolute path")
        env = _merge_env(list(cfg.env) or [DEFAULT_ENV_PATH], list(opts.env))
        exposed = sorted(set(cfg.exposed_ports) | {p.key for p in opts.ports})
        ports = list(opts.ports)
        if opts.publish_all:
            bound = {p.key for p in ports}
            ports += [PortBinding(int(k.split("/")[0]), k.split("/")[1]) for k in exposed
                      if k not in bound]
        mounts = list(opts.mounts)
        targets = {m.target for m in mounts}
        mounts += [MountSpec("volume", "", v) for v in cfg.volumes if v not in targets]
        resolved = []
        for m in mounts:
            if m.kind == "volume":
                vol = self.volumes.create(m.source, self.engine.clock) if m.source else \
                    self.volumes.new_anonymous(f"{seed}-{m.target}", self.engine.clock)
                m = replace(m, source=vol.name)
            resolved.append(m)
        c = Container(
            id=hashlib.sha256(f"container-{self.engine.store.host}-{seed}".encode()).hexdigest(),
            name=name, created=self.engine.clock, image_id=image.id, image_ref=opts.image,
            image_layers=list(image.diff_ids),
            entrypoint=entrypoint, cmd=cmd, env=env,
            workdir=normalize(opts.workdir) if opts.workdir else cfg.working_dir,
            user=opts.user or cfg.user, exposed=exposed,
            labels={**dict(cfg.labels), **dict(opts.labels)}, tty=opts.tty,
            stdin_open=opts.stdin_open, stop_signal=cfg.stop_signal or "SIGTERM",
            stop_timeout=opts.stop_timeout, ports=ports, mounts=resolved, restart=opts.restart,
            auto_remove=opts.auto_remove, read_only=opts.read_only, memory=opts.memory)
        self.save(c)
        return c

    # -- file systems -------------------------------------------------------------------------

    def image_tree(self, image_id: str, layers: list[str] | None = None) -> FileTree:
        """The image's file system, built once per image and never changed (copies are).
        `layers` (a container's own record of them) serve when the image is gone."""
        tree = self._trees.get(image_id)
        if tree is None:
            if layers and self.engine.store.get_image(image_id) is None:
                tree = self.engine.tree(layers)
            else:
                tree = self.engine.tree(self.engine.images.get(image_id).diff_ids)
            self._trees[image_id] = tree
        return tree

    def rootfs(self, c: Container) -> FileTree:
        """The container's file system without its mounts: image + writable layer."""

        tree = self.image_tree(c.image_id, c.image_layers).copy()
        apply_changes(tree, c.changes)
        return tree

    def _mounted(self, c: Container) -> tuple[FileTree, list[Volume | None]]:
        tree = self.rootfs(c)
        vols: list[Volume | None] = []
        for m in c.mounts:
            if m.kind == "volume":
                vols.append(self.volumes.mount(self.volumes.get(m.source), tree, m.target))
            else:
                from tutor.engine.hostfiles import read_host_tree

                vols.append(None)
                read_host_tree(m.source, tree, m.target)
        return tree, vols

    @staticmethod
    def _as_process_sees(c: Container, tree: FileTree) -> FileTree:
        """The mounted tree with the container's read-only parts enforced (itself when none)."""
        if not c.read_only and not any(m.read_only for m in c.mounts):
            return tree
        from tutor.engine.hostfiles import container_target

        # a bind mount landed where its target resolves in the container (hostfiles.py)
        mounts = [(container_target(tree, m.target) if m.kind == "bind" else m.target,
                   not m.read_only) for m in c.mounts]
        return ReadOnlyMounts.over(tree, read_only_root=c.read_only, mounts=mounts)

    def _settle(self, c: Container, tree: FileTree, vols: list[Volume | None]) -> None:
        """Take a run's results back: mounts to their volumes (or host), the rest to the
        writable layer."""
        from tutor.engine.hostfiles import container_target

        mountpoints = []
        for m, vol in zip(c.mounts, vols, strict=True):
            if vol is not None:
                self.volumes.unmount(vol, tree, m.target)
            elif not m.read_only:
                from tutor.engine.hostfiles import write_host_tree

                write_host_tree(tree, m.target, m.source)
            mountpoints.append(container_target(tree, m.target) if vol is None else m.target)
        for target in sorted(mountpoints, reverse=True):
            if target in tree:
                for child in list(tree.children.get(target, ())):
                    tree.remove(child)
        c.changes = diff(self.image_tree(c.image_id, c.image_layers), tree,
                         whiteout_mtime=int(self.engine.clock))

    def size_rw(self, c: Container) -> int:
        return built_size(c.changes)

    def size_root(self, c: Container) -> int:
        if self.engine.store.get_image(c.image_id) is None:  # removed by `rmi -f`
            return sum(self.engine.store.layer_size(d) or 0 for d in c.image_layers) \
                + self.size_rw(c)
        return self.engine.images.size(self.engine.images.get(c.image_id)) + self.size_rw(c)

    # -- the process --------------------------------------------------------------------------

    @staticmethod
    def _process_env(c: Container) -> dict[str, str]:
        return _daemon_env(c, c.tty)

    def _run_process(self, c: Container, at: float) -> RunOutcome:
        c.oom_killed = False
        tree, vols = self._mounted(c)
        env = self._process_env(c)
        cwd = c.workdir or "/"
        if cwd not in tree:
            tree.makedirs(cwd)
        uid, gid = self._user(c, tree)
        server = recognise(self.engine.assets, c.argv, tree, cwd, env, self._resolves)
        c.server = server.name if server else ""
        if server is not None:
            self._settle(c, tree, vols)
            lines = [(s, t + "\n") for s, t in startup_logs(server, at, c.ip, env)]
            if server.exit_code is not None:  # it stops as it starts (config error, refusal)
                c.server, c.exit_code = "", server.exit_code
                return RunOutcome(lines, 0.0, True)
            return RunOutcome(lines, 0.0, False)
        words = process_argv(c.argv)
        program = go_program(tree, words[0], cwd, env) if words else None
        if program is not None:
            self._settle(c, tree, vols)
            return self._go_outcome(c, program)
        from tutor.engine.sh import run_argv  # loaded to run, not for every command

        result = run_argv(list(c.argv), fs=self._as_process_sees(c, tree), env=env,
                          cwd=cwd, uid=uid, gid=gid, world=self.engine.world, epoch=int(at),
                          memory=c.memory or None)
        c.oom_killed = result.oom_killed
        if result.exec_error is not None:
            message = result.exec_error.message
            status = 126 if "permission denied" in message or "is a directory" in message \
                else 127 if ("not found" in message or "no such file" in message) else 125
            raise StartError(
                "failed to create task for container: failed to create shim task: OCI runtime "
                "create failed: runc create failed: unable to start container process: error "
                f"during container init: {message}: unknown", status)
        self._settle(c, tree, vols)
        c.exit_code = result.exit_code
        output = result.output if c.tty else b""
        chunks: list[tuple[int, str]] = []
        if c.tty:
            chunks.append((1, output.decode(errors="replace").replace("\n", "\r\n")))
        else:
            if result.stdout:
                chunks.append((1, result.stdout.decode(errors="replace")))
            if result.stderr:
                chunks.append((2, result.stderr.decode(errors="replace")))
        ends = not _forever(c.argv, c.stdin_open)
        return RunOutcome(chunks, result.seconds, ends)

    def _go_outcome(self, c: Container, program: GoProgram) -> RunOutcome:
        """A Go program that serves nothing: it prints and ends. A dynamically linked one
        whose loader the image lacks fails in execve, after the container has started: runc
        prints the error as the container's output and the container exits 1."""
        if program.runnable:
            c.exit_code, chunk = 0, (1, program.stdout)
        else:
            c.exit_code, chunk = 1, (2, f"exec {program.path}: no such file or directory\n")
        if not chunk[1]:
            return RunOutcome([], 0.0, True)
        if c.tty:
            chunk = (1, chunk[1].replace("\n", "\r\n"))
        return RunOutcome([chunk], 0.0, True)

    def _user(self, c: Container, tree: FileTree) -> tuple[int, int]:
        if not c.user:
            return 0, 0
        name, _, group = c.user.partition(":")
        if name.isdigit():
            return int(name), int(group) if group.isdigit() else 0
        try:
            passwd = tree.lookup("/etc/passwd")[1]
            text = passwd.content.read().decode() if passwd.content else ""
        except FsError:
            text = ""
        for line in text.splitlines():
            fields = line.split(":")
            if len(fields) > 3 and fields[0] == name:
                return int(fields[2]), int(fields[3])
        raise StartError(
            "failed to create task for container: failed to create shim task: OCI runtime "
            "create failed: runc create failed: unable to start container process: error "
            f"during container init: unable to find user {name}: no matching entries in passwd "
            "file: unknown", 126)

    def _allocate(self, c: Container) -> None:
        """Bind the published host ports, or Docker's error when another container has one."""
        used: dict[int, str] = {}
        for other in (self._load(i) for i in self.ids()):
            if other is not None and other.id != c.id and other.running:
                for p in other.ports:
                    used[p.host_port] = other.id
        bound: list[PortBinding] = []
        for p in c.ports:
            port = p.host_port
            if port == 0:
                port = FIRST_EPHEMERAL_PORT
                while port in used or port in {b.host_port for b in bound}:
                    port += 1
            elif port in used or port in {b.host_port for b in bound}:
                ip = p.host_ip or "0.0.0.0"
                endpoint = hashlib.sha256(f"endpoint-{c.id}".encode()).hexdigest()
                raise StartError(
                    "failed to set up container networking: driver failed programming external "
                    f"connectivity on endpoint {c.name} ({endpoint}): Bind for {ip}:{port} "
                    "failed: port is already allocated", 125)
            bound.append(replace(p, host_port=port))
        c.ports = bound

    def _assign_ip(self, c: Container) -> None:
        taken = {o.ip for o in (self._load(i) for i in self.ids())
                 if o is not None and o.running and o.id != c.id}
        n = 2
        while f"172.17.0.{n}" in taken:
            n += 1
        c.ip = f"172.17.0.{n}"

    def start(self, c: Container) -> RunOutcome | None:
        """Start `c` (None when it was already running, which Docker accepts silently)."""
        self.refresh(c)
        state = c.state
        if (state, "start") in NO_OPS:
            return None
        self._check(c, "start")
        at = self.engine.clock + START_SECONDS
        try:
            self._allocate(c)
            self._assign_ip(c)
            outcome = self._run_process(c, at)
        except StartError as exc:
            c.exit_code = exc.status if exc.status != 125 else 128
            c.error = exc.message
            c.ports = [replace(p, host_port=p.host_port) for p in c.ports]
            self.save(c)
            raise
        c.running, c.paused, c.restarting = True, False, False
        c.started_at, c.manually_stopped, c.error = at, False, ""
        c.run_until = _end_time(at, outcome)
        c.logs += [(at, stream, text) for stream, text in outcome.output]
        self.save(c)
        return outcome

    def _check(self, c: Container, action: str) -> None:
        key = (c.state, action)
        if key in TRANSITIONS:
            return
        message = REFUSALS.get(key, f"cannot {action} container {c.id}: container is {c.state}")
        raise ContainerStateError(message.format(name=c.name, id=c.id))

    def refresh(self, c: Container) -> None:
        """Bring `c` up to the clock: a process that has ended exits; restart policies and
        `--rm` apply."""
        now = self.engine.clock
        changed = False
        for _ in range(200):
            if c.restarting:
                delay = min(MAX_RESTART_DELAY, 0.1 * 2 ** max(0, c.restart_count - 1))
                if c.finished_at + delay > now:
                    break
                c.restarting = False
                c.restart_count += 1
                at = c.finished_at + delay
                try:
                    outcome = self._run_process(c, at)
                except StartError as exc:
                    c.running, c.error, c.exit_code = False, exc.message, exc.status
                    changed = True
                    break
                c.started_at = at
                c.run_until = _end_time(at, outcome)
                c.logs += [(at, s, t) for s, t in outcome.output]
                changed = True
                continue
            if not c.running or c.paused or c.run_until is None or c.run_until > now:
                break
            c.running = False
            c.finished_at = c.run_until
            c.run_until = None
            changed = True
            if self._should_restart(c):
                c.running, c.restarting = True, True
        if changed:
            if not c.running and c.auto_remove:
                self._delete(c)
                return
            self.save(c)

    def _should_restart(self, c: Container) -> bool:
        if c.manually_stopped:
            return False
        policy = c.restart
        if policy.name in ("always", "unless-stopped"):
            return True
        if policy.name == "on-failure":
            return c.exit_code != 0 and (policy.max_retries == 0
                                         or c.restart_count < policy.max_retries)
        return False

    def stop(self, c: Container, timeout: int | None = None) -> float:
        """SIGTERM (the image's stop signal), then SIGKILL after the timeout; returns the
        simulated seconds it took."""
        self.refresh(c)
        if (c.state, "stop") in NO_OPS:
            return 0.0
        self._check(c, "stop")
        wait = timeout if timeout is not None else (
            c.stop_timeout if c.stop_timeout is not None else STOP_TIMEOUT)
        now = self.engine.clock
        if c.restarting:
            took, code = 0.0, c.exit_code
        elif c.server and self._server_stop_exit(c) is not None and not self._shell_is_pid1(c):
            took, code = 0.1, self._server_stop_exit(c) or 0
        elif c.run_until is not None and c.run_until - now <= wait:
            took, code = max(0.0, c.run_until - now), c.exit_code
        else:
            took, code = float(wait), 137
        self._exit(c, now + took, code, manual=True)
        return took

    def _shell_is_pid1(self, c: Container) -> bool:
        return shell_stays_pid1(self.tree(c), c.argv, c.workdir or "/", c.env_map())

    def _server_stop_exit(self, c: Container) -> int | None:
        from tutor.engine.servers import _specs

        spec = _specs(self.engine.assets).get(c.server, {})
        value = spec.get("stop_exit")
        return int(value) if value is not None else None

    def _exit(self, c: Container, at: float, code: int, *, manual: bool) -> None:
        c.running = c.paused = c.restarting = False
        c.exit_code, c.finished_at, c.run_until = code, at, None
        c.manually_stopped = manual
        if c.auto_remove:
            self._delete(c)
        else:
            self.save(c)

    def kill(self, c: Container, signal: str = "KILL") -> None:
        self.refresh(c)
        self._check(c, "kill")
        sig = signal.upper().removeprefix("SIG")
        numbers = {"KILL": 9, "TERM": 15, "INT": 2, "HUP": 1, "QUIT": 3, "USR1": 10, "USR2": 12}
        number = int(sig) if sig.isdigit() else numbers.get(sig)
        if number is None:
            raise EngineError(f"Invalid signal: {signal}")
        handled: int | None = None
        if number != 9:
            if not c.server or self._shell_is_pid1(c):
                return  # PID 1 without a handler ignores every catchable signal
            handled = self._server_stop_exit(c)
        code = 128 + number if handled is None else handled
        self._exit(c, self.engine.clock, code, manual=True)

    def pause(self, c: Container) -> None:
        self.refresh(c)
        self._check(c, "pause")
        c.paused, c.paused_since = True, self.engine.clock
        self.save(c)

    def unpause(self, c: Container) -> None:
        self.refresh(c)
        self._check(c, "unpause")
        c.paused = False
        if c.run_until is not None:  # a frozen process made no progress meanwhile
            c.run_until += self.engine.clock - c.paused_since
        self.save(c)

    def restart(self, c: Container, timeout: int | None = None) -> float:
        took = self.stop(c, timeout) if c.running else 0.0
        self.engine.advance(took)
        if self._load(c.id) is None:  # --rm containers are gone once stopped
            return took
        c.manually_stopped = False
        self.start(c)
        return took

    def remove(self, c: Container, *, force: bool = False, volumes: bool = False) -> None:
        self.refresh(c)
        if self._load(c.id) is None:
            return
        if force and c.running:
            self._exit(c, self.engine.clock, 137, manual=True)
            if self._load(c.id) is None:
                return
        self._check(c, "remove")
        self._delete(c, volumes=volumes)

    def _delete(self, c: Container, *, volumes: bool = False) -> None:
        self._cache.pop(c.id, None)
        self._path(c.id).unlink(missing_ok=True)
        forget_local(self.store, c.id)
        if volumes or c.auto_remove:
            for m in c.mounts:
                vol = self.volumes.find(m.source) if m.kind == "volume" else None
                if vol is not None and vol.anonymous:
                    self.volumes.remove(vol.name)

    # -- exec, logs, files --------------------------------------------------------------------

    def exec(self, c: Container, argv: list[str], *, env: list[str] = (),  # type: ignore[assignment]
             workdir: str = "", user: str = "", tty: bool = False) -> tuple[int, bytes, bytes]:
        """Run `argv` in the running container; (status, stdout, stderr). A command that
        cannot start raises StartError with the runtime's message."""
        self.refresh(c)
        self._check(c, "exec")
        tree, vols = self._mounted(c)
        uid, gid = self._user(replace_user(c, user), tree)
        from tutor.engine.sh import run_argv

        result = run_argv(argv, fs=self._as_process_sees(c, tree), env=_exec_env(c, env, tty),
                          cwd=workdir or c.workdir or "/",
                          uid=uid, gid=gid, world=self.engine.world, epoch=int(self.engine.clock),
                          memory=c.memory or None)
        if result.exec_error is not None:
            message = result.exec_error.message
            status = 126 if "permission denied" in message or "is a directory" in message \
                else 127
            raise StartError("OCI runtime exec failed: exec failed: unable to start container "
                             f"process: {message}: unknown", status)
        self._settle(c, tree, vols)
        self.save(c)
        self.engine.advance(result.seconds)
        if tty:
            return result.exit_code, result.output.replace(b"\n", b"\r\n"), b""
        return result.exit_code, result.stdout, result.stderr

    def session(self, c: Container, argv: list[str] | None = None, *, tty: bool,
                env: Sequence[str] = (), workdir: str = "", user: str = "") -> ContainerSession:
        """A shell typed into inside the running `c`: its main process (`argv` None: `docker run
        -i`, `docker attach`) or one more (`docker exec -i`)."""
        from tutor.engine.sh.interactive import InteractiveShell

        self.refresh(c)
        self._check(c, "exec")
        tree, vols = self._mounted(c)
        if argv is None:
            environment = self._process_env(c)
            cwd = c.workdir or "/"
            uid, gid = self._user(c, tree)
        else:
            environment = _exec_env(c, env, tty)
            cwd = workdir or c.workdir or "/"
            uid, gid = self._user(replace_user(c, user), tree)
        shell = InteractiveShell(argv or c.argv, fs=self._as_process_sees(c, tree),
                                 env=environment, cwd=cwd, uid=uid, gid=gid,
                                 world=self.engine.world, epoch=int(self.engine.clock), tty=tty,
                                 memory=c.memory or None)
        return ContainerSession(self, c, shell, tree, vols, main=argv is None)

    def tree(self, c: Container) -> FileTree:
        """What the container sees, mounts included (for `cp`, `export` reads the rootfs)."""
        return self._mounted(c)[0]

    def put_files(self, c: Container, entries: list[tuple[str, Any]]) -> None:
        """Write (absolute path, Node) entries into the container (`docker cp` into it)."""
        tree, vols = self._mounted(c)
        guarded = self._as_process_sees(c, tree)
        for path, _ in entries:
            if not writable(guarded, path):
                # moby refuses the whole copy up front, naming what is read-only.
                in_mount = any(under(path, m.target) for m in c.mounts)
                raise EngineError("mounted volume is marked read-only" if in_mount
                                  else "container rootfs is marked read-only")
        for path, node in entries:
            parent = posixpath.dirname(path) or "/"
            if parent not in tree:
                tree.makedirs(parent)
            tree.put(path, node)
        self._settle(c, tree, vols)
        self.save(c)

    def commit(self, c: Container, ref: str | None, *, message: str = "", author: str = "",
               changes: Sequence[str] = ()) -> LocalImage:
        """A new image: the container's image plus its writable layer as one more layer.

        The config is what moby's `NewChildImage` marshals (the container's full config twice,
        its ID, the engine version); the parent is store metadata, and only a commit with a
        name goes through TagImage, which stamps LastTagTime."""
        image = self.engine.images.get(c.image_id)
        base = image.config
        new_layer = layer(c.changes)
        empty = not c.changes.items
        cfg = replace(
            base.config, env=tuple(c.env), cmd=tuple(c.cmd), entrypoint=tuple(c.entrypoint),
            working_dir=c.workdir, user=c.user, exposed_ports=tuple(c.exposed),
            labels=tuple(sorted(c.labels.items())))
        if changes:  # moby's commit: BuildFromConfig(container config, changes)
            from tutor.engine.imports import config_from_changes

            cfg = config_from_changes(list(changes), cfg)
        created = rfc3339(self.engine.clock)
        entry = HistoryEntry(created, " ".join(c.argv), message, empty, author)
        diff_ids = base.diff_ids + (() if empty else (new_layer.diff_id,))
        profile = self.engine.profile
        history: list[JSON] = [h.to_json() for h in (*base.history, entry)]
        rootfs: JSON = {"type": "layers", "diff_ids": list(diff_ids)}
        top: dict[str, JSON]
        if profile.containerd_store:
            # moby daemon/containerd/image_commit.go @ docker-v29.7.2: a DockerOCIImage, in
            # its field order, with no container, container_config or docker_version
            top = {"created": created, "author": author, "architecture": base.architecture,
                   "os": base.os, "config": _container_config(c, cfg, base.config),
                   "rootfs": rootfs, "history": history}
            raw = go_json({k: v for k, v in top.items() if v != ""})
        else:
            top = {
                "architecture": base.architecture, "author": author,
                "config": _container_config(c, cfg, base.config),
                "container": c.id,
                "container_config": _container_config(c, _run_config_of(c, base.config),
                                                      base.config),
                "created": created,
                # NewChildImage stopped writing the engine version in 29
                # (daemon/internal/image/image.go @ docker-v29.7.2)
                "docker_version": ENGINE_VERSION if profile.docker < 29 else "",
                "history": history, "os": base.os, "rootfs": rootfs,
                "variant": base.variant,
            }
            raw = go_json({k: v for k, v in top.items() if v != "" or k == "created"})
        layers = [self.store.get_layer(d) for d in base.diff_ids]
        layers += [] if empty else [new_layer]
        config = parse_config(raw)
        image_id, blobs = "", None
        if profile.containerd_store:  # named by its manifest, as createImageOCI stores it
            from tutor.engine.build.export import export

            out = export(raw, layers, {"os": base.os, "architecture": base.architecture,
                                       "variant": base.variant}, None)
            image_id, blobs = out.image_id, out.blobs
        new = self.engine.images.add(config, layers, self.engine.clock, tagged=bool(ref),
                                     parent=image.id, image_id=image_id, blobs=blobs)
        if ref:
            self.engine.images.tag(new.id, parse_docker_ref(ref))
        return self.engine.images.get(new.id)

    def rename(self, c: Container, name: str) -> None:
        if self.find(name) is not None:
            raise EngineError(f'Conflict. The container name "/{name}" is already in use by '
                              f'container "{self.get(name).id}". You have to remove (or rename) '
                              "that container to be able to reuse that name.")
        c.name = name
        self.save(c)

    def prune(self) -> tuple[list[str], int]:
        """Remove every stopped container; (IDs, bytes reclaimed)."""
        removed, reclaimed = [], 0
        for c in self.all():
            if not c.running:
                reclaimed += self.size_rw(c)
                self._delete(c)
                removed.append(c.id)
        return removed, reclaimed

    def summaries(self) -> list[ContainerSummary]:
        return [ContainerSummary(c.name, c.image_ref, c.running,
                                 tuple(p.host_port for p in c.ports) if c.running else ())
                for c in self.all()]

    def users_of_image(self, image_id: str) -> list[Container]:
        return [c for c in self.all() if c.image_id == image_id]

    # -- the host's view of published ports ---------------------------------------------------

    def _serving(self, host_port: int) -> tuple[Container, PortBinding] | None:
        """The running container publishing `host_port` (TCP), if any."""
        for c in self.all():
            if not c.is_up or c.paused:
                continue
            for p in c.ports:
                if p.host_port == host_port and p.proto == "tcp":
                    return c, p
        return None

    def registry_key(self, host_port: int) -> str | None:
        """Where the `registry:2` answering on `host_port` keeps its data: the volume mounted
        at its storage root (so a new container over the same named volume sees the same
        images), else the container itself. None when no registry answers there."""
        found = self._serving(host_port)
        if found is None or found[0].server != "registry" or \
                found[1].container_port != REGISTRY_PORT:
            return None
        c = found[0]
        for m in c.mounts:
            vol = self.volumes.find(m.source) if m.kind == "volume" and \
                m.target == REGISTRY_ROOT else None
            if vol is not None:
                return f"volume-{vol.name}-{int(vol.created * 1000)}"
        return c.id

    # -- health ------------------------------------------------------------------------------

    def health(self, c: Container) -> Health | None:
        """The HEALTHCHECK status of a running container (None when its image has no check)."""
        from tutor.engine.health import health

        image = self.engine.images.find(c.image_id)
        check = image.config.config.healthcheck if image is not None else None
        return health(self, c, check, self.engine.clock)

    def serve_inside(self, c: Container, port: int, path: str, *,
                     from_outside: bool = False) -> tuple[int, bytes] | None:
        """What the container's own server answers on its port `port` (from inside it, or from
        another container: then a server bound to 127.0.0.1 only cannot be reached)."""
        tree = self.tree(c)
        env = c.env_map()
        server = recognise(self.engine.assets, c.argv, tree, c.workdir or "/", env)
        if server is None or not server.listens(port) or server.http in ("", "registry") \
                or (from_outside and server.loopback):
            return None
        return respond(server, tree, path, env, port=port, upstream=self._upstream)

    def _by_name(self, host: str) -> Container | None:
        """The running container a host name reaches: its name (as on a user-defined
        network, where Docker's DNS answers container names), its hostname or short id."""
        for c in self.all():
            if c.is_up and not c.paused and host in (c.name, c.short_id, c.id,
                                                       c.env_map().get("HOSTNAME")):
                return c
        return None

    def _resolves(self, host: str) -> bool:
        return host in ("localhost", "127.0.0.1") or self._by_name(host) is not None

    def _upstream(self, host: str, port: int, path: str) -> tuple[int, bytes] | None:
        """What the server at host:port answers (nginx's `proxy_pass`)."""
        c = self._by_name(host)
        if c is None or self._proxy_depth > MAX_PROXY_HOPS:
            return None
        self._proxy_depth += 1
        try:
            return self.serve_inside(c, port, path, from_outside=True)
        finally:
            self._proxy_depth -= 1

    def probe(self, c: Container, test: tuple[str, ...], world: object) -> bool:
        """Run a health check's test in the container (on a copy: probes leave no trace)."""
        from tutor.engine.sh import run_script

        tree, _ = self._mounted(c)
        tree = tree.copy()
        env = {"HOSTNAME": c.short_id, **c.env_map()}
        cwd = c.workdir or "/"
        if test[0] == "CMD-SHELL":
            result = run_script(" ".join(test[1:]), fs=tree, env=env, cwd=cwd,
                                world=world,  # type: ignore[arg-type]
                                epoch=int(self.engine.clock))
        else:
            from tutor.engine.sh import run_argv

            result = run_argv(list(test[1:]), fs=tree, env=env, cwd=cwd,
                              world=world,  # type: ignore[arg-type]
                              epoch=int(self.engine.clock))
        return result.exec_error is None and result.exit_code == 0

    def http_get(self, host_port: int, path: str,
                 accept: tuple[str, ...] = ()) -> tuple[int, bytes] | None:
        """What `curl localhost:<host_port><path>` gets; None when nothing answers."""
        found = self._serving(host_port)
        if found is None:
            return None
        c, p = found
        tree = self.tree(c)
        env = c.env_map()
        server = recognise(self.engine.assets, c.argv, tree, c.workdir or "/", env)
        if server is None or not server.listens(p.container_port) or not server.http \
                or server.loopback:
            return None
        messages: list[str] = []
        if server.http == "registry":
            registry = self.engine.registry_at(f"localhost:{host_port}")
            if registry is None:
                return None
            answer = registry_http_get(registry, path or "/", accept)
            status, body = answer.status, answer.body
        else:
            status, body = respond(server, tree, path or "/", env, port=p.container_port,
                                   upstream=self._upstream, log=messages)
            # nginx numbers connections: each earlier request was one
            served = 1 + sum(1 for _, _, text in c.logs if '"GET ' in text and " HTTP/1.1\" "
                             in text)
            for text in error_lines(server, tree, self.engine.clock, messages, served,
                                    f"localhost:{host_port}"):
                c.logs.append((self.engine.clock, 2, text + "\n"))
        logged = len(c.logs)
        line = access_line(server, self.engine.clock, path or "/", status, len(body))
        if line is not None:
            c.logs.append((self.engine.clock, server.access_stream, line + "\n"))
        if len(c.logs) != logged or messages:
            self.save(c)
        return status, body


def replace_user(c: Container, user: str) -> Container:
    if not user:
        return c
    clone = Container(**{k: getattr(c, k) for k in c.__dataclass_fields__})
    clone.user = user
    return clone


def _merge_env(base: list[str], extra: list[str]) -> list[str]:
    out: dict[str, str] = {}
    for item in [*base, *extra]:
        key, _, _ = item.partition("=")
        out[key] = item
    return list(out.values())


ENGINE_VERSION = "28.5.1"
"""moby's `dockerversion.Version`, which commits write as `docker_version`."""


def _run_config_of(c: Container, image: RunConfig) -> RunConfig:
    """The container's own settings in image-config terms (what `container_config` holds)."""
    return replace(image, env=tuple(c.env), cmd=tuple(c.cmd), entrypoint=tuple(c.entrypoint),
                   working_dir=c.workdir, user=c.user, exposed_ports=tuple(c.exposed),
                   labels=tuple(sorted(c.labels.items())))


def _container_config(c: Container, cfg: RunConfig, image: RunConfig) -> dict[str, JSON]:
    """moby's `container.Config` as encoding/json writes it (struct order, few omitempty
    fields). Attach flags follow an attached run: the sandbox does not record `-d`."""
    pairs: list[tuple[str, JSON]] = [
        ("Hostname", c.short_id), ("Domainname", ""), ("User", cfg.user),
        ("AttachStdin", c.stdin_open), ("AttachStdout", True), ("AttachStderr", True),
        ("ExposedPorts", {p: {} for p in sorted(set(cfg.exposed_ports))} or None),
        ("Tty", c.tty), ("OpenStdin", c.stdin_open), ("StdinOnce", c.stdin_open),
        ("Env", list(cfg.env) or None), ("Cmd", list(cfg.cmd) or None),
        ("Healthcheck", cfg.healthcheck.to_json() if cfg.healthcheck else None),
        ("ArgsEscaped", cfg.args_escaped or None),
        ("Image", c.image_ref),
        ("Volumes", {v: {} for v in sorted(set(cfg.volumes))} or None),
        ("WorkingDir", cfg.working_dir), ("Entrypoint", list(cfg.entrypoint) or None),
        ("OnBuild", list(cfg.on_build) or None), ("Labels", dict(cfg.labels)),
        ("StopSignal", cfg.stop_signal or None),
        ("StopTimeout", c.stop_timeout),
        ("Shell", list(cfg.shell) or None),
    ]
    omitempty = {"ExposedPorts", "Healthcheck", "ArgsEscaped", "StopSignal", "StopTimeout",
                 "Shell"}
    return {k: v for k, v in pairs if v is not None or k not in omitempty}


def _end_time(started: float, outcome: RunOutcome) -> float | None:
    """When the process ends, or None while it runs until stopped: a process that would outlive
    the simulated clock (`sleep 999999999999`) is, for every purpose, one that never ends."""
    if not outcome.ends or started + outcome.seconds >= LATEST:
        return None
    return started + outcome.seconds


def _daemon_env(c: Container, tty: bool, extra: Sequence[str] = ()) -> dict[str, str]:
    """A container process's environment in the order `env` prints it: moby's
    CreateDaemonEnvironment (PATH, HOSTNAME, TERM under a terminal), the container's own
    variables replacing or following those, an exec's `-e` values, and HOME last where the
    runtime adds it when nothing set it."""
    from tutor.engine.dockerfile._stages import DEFAULT_PATH  # loaded to start a process only

    environment = {"PATH": DEFAULT_PATH, "HOSTNAME": c.short_id}
    if tty:
        environment["TERM"] = "xterm"
    environment.update(c.env_map())
    for item in extra:
        key, _, value = item.partition("=")
        environment[key] = value
    environment.setdefault("HOME", "/root")
    return environment


def _exec_env(c: Container, env: Sequence[str], tty: bool) -> dict[str, str]:
    """The environment of a process `docker exec` starts, with its `-e` values."""
    return _daemon_env(c, tty, env)


class ContainerSession:
    """A shell session inside a container: each line's file changes reach the writable layer
    when the line ends, and the clock moves by the time its commands took. Ending the session
    of the main process ends the container, as that shell's exit would."""

    def __init__(self, store: ContainerStore, c: Container, shell: InteractiveShell,
                 tree: FileTree, vols: list[Volume | None], *, main: bool) -> None:
        self.store, self.container, self.shell = store, c, shell
        self.tree, self.vols, self.main = tree, vols, main

    @property
    def prompt(self) -> str:
        return self.shell.prompt

    @property
    def exited(self) -> int | None:
        return self.shell.exited

    def run_line(self, line: str) -> str:
        before = self.shell.seconds
        output = self.shell.run_line(line)
        self._settle(self.shell.seconds - before)
        return self._shown(output)

    def end_of_input(self) -> str:
        return self._shown(self.shell.end_of_input())

    def close(self) -> None:
        """The shell has ended: a main process takes its container with it."""
        c = self.container
        if not self.main or self.shell.exited is None:
            return
        c.exit_code, c.oom_killed = self.shell.exited, self.shell.oom_killed
        c.run_until = self.store.engine.clock
        self.store.refresh(c)

    def _settle(self, seconds: float) -> None:
        self.store._settle(self.container, self.tree, self.vols)
        self.store.save(self.container)
        self.store.engine.advance(seconds)

    def _shown(self, output: bytes) -> str:
        text = output.decode(errors="replace")
        return text.replace("\n", "\r\n") if self.shell.tty else text
