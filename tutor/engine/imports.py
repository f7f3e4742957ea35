"""`docker import`: a tarball becomes an image of one layer, with no history but a comment and
no config but what `--change` sets (the same changes `docker commit --change` applies).

As moby's `ImportImage` (daemon/containerd/image_import.go for the containerd store,
daemon/images/image_import.go for the classic one): the changes are applied to an empty config
by the classic builder's `BuildFromConfig`, which accepts only instructions that edit the
config; the layer's diffID is the digest of the (decompressed) tar stream; the one history
entry has no `created_by`, only the comment (the API's default is `Imported from <source>`).
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import replace
from typing import BinaryIO

from tutor.engine.build.export import export
from tutor.engine.clock import rfc3339
from tutor.engine.dockerfile import (
    Cmd,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Label,
    Onbuild,
    Stopsignal,
    User,
    Volume,
    Workdir,
    expand_command,
    parse,
    parse_command,
)
from tutor.engine.engine import Engine
from tutor.engine.errors import DockerfileError, EngineError
from tutor.engine.fs import FileTree
from tutor.engine.image import JSON, RunConfig, go_json
from tutor.engine.image import Healthcheck as HealthConfig
from tutor.engine.images import LocalImage
from tutor.engine.layers import apply
from tutor.engine.oci import parse_config
from tutor.engine.reference import parse_docker_ref

VALID_CHANGES = frozenset({"cmd", "entrypoint", "healthcheck", "env", "expose", "label",
                           "onbuild", "stopsignal", "user", "volume", "workdir"})
"""moby builder/dockerfile/builder.go `validCommitCommands`."""

MOBY_CONFIG_ORDER = ("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout",
                     "AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env",
                     "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
                     "Entrypoint", "OnBuild", "Labels", "StopSignal", "Shell")
"""moby's `container.Config` fields in struct order (the classic store's image config)."""


def config_from_changes(changes: list[str], base: RunConfig | None = None) -> RunConfig:
    """`base` (an empty config for import, the container's for commit) with `changes`
    (Dockerfile lines) applied, as moby's `BuildFromConfig` applies them."""
    cfg = base or RunConfig()
    if not changes:
        return cfg
    try:
        instructions = parse("\n".join(changes))
    except DockerfileError as err:
        raise EngineError(err.message) from None
    for instr in instructions:
        if instr.keyword.lower() not in VALID_CHANGES:
            raise EngineError(f"{instr.keyword.lower()} is not a valid change command")
    cmd_set = False
    for instr in instructions:
        try:
            command = expand_command(parse_command(instr),
                                     dict(e.split("=", 1) for e in cfg.env)).command
        except DockerfileError as err:
            raise EngineError(err.message) from None
        cfg = _apply(cfg, command)
        cmd_set = cmd_set or isinstance(command, Cmd)
        if isinstance(command, Entrypoint) and not cmd_set:
            # the classic builder's dispatchEntrypoint: no CMD given yet, so none is kept
            cfg = replace(cfg, cmd=())
    return cfg


def _apply(cfg: RunConfig, command: object) -> RunConfig:
    """One instruction as the classic builder's dispatchers apply it to the run config."""
    if isinstance(command, Env):
        env = [e for e in cfg.env if e.split("=", 1)[0] not in {p.key for p in command.pairs}]
        return replace(cfg, env=(*env, *(f"{p.key}={p.value}" for p in command.pairs)))
    if isinstance(command, Label):
        labels = dict(cfg.labels) | {p.key: p.value for p in command.pairs}
        return replace(cfg, labels=tuple(labels.items()))
    if isinstance(command, Cmd):
        argv = ("/bin/sh", "-c", " ".join(command.cmd_line)) if command.prepend_shell \
            else command.cmd_line
        return replace(cfg, cmd=tuple(argv))
    if isinstance(command, Entrypoint):
        line = command.cmd_line or ()
        argv = ("/bin/sh", "-c", " ".join(line)) if command.prepend_shell and line else line
        return replace(cfg, entrypoint=tuple(argv))
    if isinstance(command, Expose):
        return replace(cfg, exposed_ports=tuple(dict.fromkeys((*cfg.exposed_ports,
                                                               *command.ports))))
    if isinstance(command, Volume):
        return replace(cfg, volumes=tuple(dict.fromkeys((*cfg.volumes, *command.volumes))))
    if isinstance(command, User):
        return replace(cfg, user=command.user)
    if isinstance(command, Workdir):
        return replace(cfg, working_dir=command.path)
    if isinstance(command, Stopsignal):
        return replace(cfg, stop_signal=command.signal)
    if isinstance(command, Onbuild):
        return replace(cfg, on_build=(*cfg.on_build, command.expression))
    if isinstance(command, Healthcheck):
        return replace(cfg, healthcheck=HealthConfig(
            tuple(command.test), command.interval, command.timeout, command.start_period,
            command.start_interval, command.retries))
    return cfg


def _decompressed(data: bytes) -> bytes:
    """moby's `DecompressStream` for the compressions a learner's tools make: gzip or none."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _moby_config(cfg: RunConfig) -> dict[str, JSON]:
    """`container.Config` as encoding/json writes it, for a config no container made."""
    values: dict[str, JSON] = {
        "Hostname": "", "Domainname": "", "User": cfg.user, "AttachStdin": False,
        "AttachStdout": False, "AttachStderr": False,
        "ExposedPorts": {p: {} for p in sorted(set(cfg.exposed_ports))} or None,
        "Tty": False, "OpenStdin": False, "StdinOnce": False,
        "Env": list(cfg.env) or None, "Cmd": list(cfg.cmd) or None,
        "Healthcheck": cfg.healthcheck.to_json() if cfg.healthcheck else None,
        "ArgsEscaped": None, "Image": "",
        "Volumes": {v: {} for v in sorted(set(cfg.volumes))} or None,
        "WorkingDir": cfg.working_dir, "Entrypoint": list(cfg.entrypoint) or None,
        "OnBuild": list(cfg.on_build) or None, "Labels": dict(cfg.labels) or None,
        "StopSignal": cfg.stop_signal or None, "Shell": None,
    }
    omitempty = {"ExposedPorts", "Healthcheck", "ArgsEscaped", "StopSignal", "Shell"}
    return {k: values[k] for k in MOBY_CONFIG_ORDER
            if values[k] is not None or k not in omitempty}


def import_image(engine: Engine, stream: BinaryIO, *, ref: str | None, message: str,
                 changes: list[str]) -> LocalImage:
    """Make the image `docker import` makes from the tar in `stream`."""
    cfg = config_from_changes(changes)
    try:
        # read whole, as `docker load` is: the archives a learner imports are small
        layer = apply(FileTree(), io.BytesIO(_decompressed(stream.read())))
    except (OSError, EOFError, zlib.error) as err:
        raise EngineError("unexpected EOF") from err
    created = rfc3339(engine.clock)
    history: list[JSON] = [{"created": created, "comment": message}]
    rootfs: JSON = {"type": "layers", "diff_ids": [layer.diff_id]}
    platform = {"os": "linux", "architecture": "amd64"}
    image_id, blobs = "", None
    if engine.profile.containerd_store:
        raw = go_json({"created": created, "architecture": "amd64", "os": "linux",
                       "config": cfg.to_json(), "rootfs": rootfs, "history": history})
        out = export(raw, [layer], platform, None)
        image_id, blobs = out.image_id, out.blobs
    else:
        empty = _moby_config(RunConfig())
        raw = go_json({"comment": message, "created": created, "container_config": empty,
                       "docker_version": engine.profile.release.version,
                       "config": _moby_config(cfg), "architecture": "amd64", "os": "linux",
                       "rootfs": rootfs, "history": history})
    image = engine.images.add(parse_config(raw), [layer], engine.clock, tagged=bool(ref),
                              image_id=image_id, blobs=blobs)
    if ref:
        engine.images.tag(image.id, parse_docker_ref(ref))
    return engine.images.get(image.id)
