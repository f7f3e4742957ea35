"""The image config and manifest, serialized to the exact bytes whose digests Docker shows.

The config is what BuildKit's exporter writes: the image struct marshalled by Go's encoding/json,
then re-marshalled through a map (`patchImageConfig`), so top-level keys come out sorted while
nested objects keep Go struct order. json.Marshal escapes `<`, `>`, `&`, U+2028 and U+2029, and
every empty field here is `omitempty` in the Go types.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tutor.engine.layers import Layer

JSON = str | int | bool | None | list["JSON"] | dict[str, "JSON"]

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
            "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_string(text: str) -> str:
    out = []
    for c in text:
        esc = _ESCAPES.get(c)
        if esc is None and c < " ":
            esc = f"\\u{ord(c):04x}"
        out.append(esc if esc is not None else c)
    return '"' + "".join(out) + '"'


def go_json(value: JSON) -> bytes:
    """Go's json.Marshal output for `value` (dict order is the caller's: struct or sorted)."""
    return _encode(value).encode()


def _encode(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return "{" + ",".join(_go_string(k) + ":" + _encode(v) for k, v in value.items()) + "}"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def rfc3339nano(ns: int) -> str:
    """Go's time.RFC3339Nano for a UTC instant in Unix nanoseconds (trailing zeros dropped)."""
    seconds, frac = divmod(ns, 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f".{frac:09d}".rstrip("0") if frac else ""
    return f"{stamp}{fraction}Z"


@dataclass(frozen=True, slots=True)
class Healthcheck:
    """Docker's HealthConfig; durations in nanoseconds, as the JSON carries them."""

    test: tuple[str, ...] = ()
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0

    def to_json(self) -> dict[str, JSON]:
        pairs: list[tuple[str, JSON]] = [
            ("Test", list(self.test) or None), ("Interval", self.interval),
            ("Timeout", self.timeout), ("StartPeriod", self.start_period),
            ("StartInterval", self.start_interval), ("Retries", self.retries),
        ]
        return {k: v for k, v in pairs if v}


@dataclass(frozen=True, slots=True)
class RunConfig:
    """The image's `config` object, fields in the order of Docker's DockerOCIImageConfig."""

    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    working_dir: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    stop_signal: str = ""
    args_escaped: bool = False
    healthcheck: Healthcheck | None = None
    on_build: tuple[str, ...] = ()
    shell: tuple[str, ...] = ()

    def to_json(self) -> dict[str, JSON]:
        pairs: list[tuple[str, JSON]] = [
            ("User", self.user),
            ("ExposedPorts", {p: {} for p in sorted(set(self.exposed_ports))}),
            ("Env", list(self.env)),
            ("Entrypoint", list(self.entrypoint)),
            ("Cmd", list(self.cmd)),
            ("Volumes", {v: {} for v in sorted(set(self.volumes))}),
            ("WorkingDir", self.working_dir),
            ("Labels", dict(sorted(dict(self.labels).items()))),
            ("StopSignal", self.stop_signal),
            ("ArgsEscaped", self.args_escaped),
            ("Healthcheck", self.healthcheck.to_json() if self.healthcheck else None),
            ("OnBuild", list(self.on_build)),
            ("Shell", list(self.shell)),
        ]
        return {k: v for k, v in pairs if v}


def run_config_from_json(cfg: dict[str, Any]) -> RunConfig:
    """A `config` object as Docker writes it (field names as in its JSON) → `RunConfig`."""
    health = cfg.get("Healthcheck")
    return RunConfig(
        user=cfg.get("User", ""),
        exposed_ports=tuple(cfg.get("ExposedPorts") or ()),
        env=tuple(cfg.get("Env") or ()),
        entrypoint=tuple(cfg.get("Entrypoint") or ()),
        cmd=tuple(cfg.get("Cmd") or ()),
        volumes=tuple(cfg.get("Volumes") or ()),
        working_dir=cfg.get("WorkingDir", ""),
        labels=tuple((cfg.get("Labels") or {}).items()),
        stop_signal=cfg.get("StopSignal", ""),
        args_escaped=bool(cfg.get("ArgsEscaped")),
        healthcheck=Healthcheck(
            tuple(health.get("Test") or ()), health.get("Interval", 0),
            health.get("Timeout", 0), health.get("StartPeriod", 0),
            health.get("StartInterval", 0), health.get("Retries", 0),
        ) if health else None,
        on_build=tuple(cfg.get("OnBuild") or ()),
        shell=tuple(cfg.get("Shell") or ()),
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    created: str
    created_by: str = ""
    comment: str = ""
    empty_layer: bool = False
    author: str = ""

    def to_json(self) -> dict[str, JSON]:
        pairs: list[tuple[str, JSON]] = [
            ("created", self.created), ("created_by", self.created_by),
            ("author", self.author), ("comment", self.comment),
            ("empty_layer", self.empty_layer),
        ]
        return {k: v for k, v in pairs if v}


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The config blob; `created` defaults to the last history entry's, as BuildKit does."""

    diff_ids: tuple[str, ...]
    history: tuple[HistoryEntry, ...] = ()
    config: RunConfig = field(default_factory=RunConfig)
    architecture: str = "amd64"
    os: str = "linux"
    variant: str = ""
    created: str = ""
    author: str = ""
    raw: bytes = b""
    """The bytes as loaded, when re-serializing the fields would not reproduce them."""

    @property
    def created_at(self) -> str:
        return self.created or (self.history[-1].created if self.history else "")

    def to_json(self) -> dict[str, JSON]:
        top: dict[str, JSON] = {
            "architecture": self.architecture,
            "author": self.author,
            "config": self.config.to_json(),
            "created": self.created_at,
            "history": [h.to_json() for h in self.history],
            "os": self.os,
            "rootfs": {"type": "layers", "diff_ids": list(self.diff_ids)},
            "variant": self.variant,
        }
        return {k: v for k, v in sorted(top.items()) if v or k in ("config", "rootfs")}

    def to_bytes(self) -> bytes:
        return self.raw or go_json(self.to_json())

    @property
    def id(self) -> str:
        """The image ID of the classic store: the digest of the config bytes."""
        return digest(self.to_bytes())

    @property
    def comment(self) -> str:
        """What `docker inspect` shows as Comment: the last history entry's comment."""
        return self.history[-1].comment if self.history else ""


def descriptor(media_type: str, dgst: str, size: int,
               annotations: dict[str, str] | None = None) -> dict[str, JSON]:
    out: dict[str, JSON] = {"mediaType": media_type, "digest": dgst, "size": size}
    if annotations:
        out["annotations"] = dict(sorted(annotations.items()))
    return out


def manifest_bytes(config: bytes, layers: tuple[Layer, ...], *, compressed: bool = True) -> bytes:
    """An OCI manifest: with the layers' gzip blobs (what registries and the containerd
    content store hold), or with the uncompressed tars (what the classic store's `docker save`
    writes: moby tarexport regenerates the manifest around the layer tars)."""
    return go_json({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": descriptor(MEDIA_CONFIG, digest(config), len(config)),
        "layers": [descriptor(MEDIA_LAYER_GZIP, la.gzip_digest, la.gzip_size) if compressed
                   else descriptor(MEDIA_LAYER, la.diff_id, la.tar_size) for la in layers],
    })


def schema2_manifest_bytes(config: bytes, layers: tuple[Layer, ...]) -> bytes:
    """The Docker schema2 manifest the classic store's push builds (moby distribution
    push_v2.go, `schema2.FromStruct`: `json.MarshalIndent` with three spaces, descriptors in the
    field order of docker/distribution's `Descriptor`: mediaType, size, digest)."""
    def desc(media_type: str, dgst: str, size: int) -> dict[str, JSON]:
        return {"mediaType": media_type, "size": size, "digest": dgst}

    doc = {
        "schemaVersion": 2,
        "mediaType": MEDIA_DOCKER_MANIFEST,
        "config": desc(MEDIA_DOCKER_CONFIG, digest(config), len(config)),
        "layers": [desc(MEDIA_DOCKER_LAYER, la.gzip_digest, la.gzip_size) for la in layers],
    }
    return json.dumps(doc, indent=3, ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class Image:
    """An image as the classic store holds it, without its tags."""

    config: ImageConfig
    layers: tuple[Layer, ...]
    manifest_digest: str = ""
    """Known once pulled or pushed (RepoDigests)."""

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def size(self) -> int:
        """`docker images` SIZE on the classic store: the sum of the layers' sizes."""
        return sum(la.size for la in self.layers)
