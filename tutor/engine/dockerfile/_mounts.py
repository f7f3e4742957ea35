"""`RUN --mount=…` specifications, read as BuildKit reads them.

BuildKit reads a mount twice: when the Dockerfile is parsed it only checks the CSV and the `from`
field (which may name another stage), and when the RUN step is dispatched it expands variables in
every value and validates all fields. Both readings live here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tutor.engine.dockerfile._go import (
    GoError,
    csv_fields,
    parse_bool,
    parse_uint,
    ram_in_bytes,
)
from tutor.engine.dockerfile._gotext import quote
from tutor.engine.dockerfile._suggest import with_suggestion
from tutor.engine.errors import DockerfileError

MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
SHARING_MODES = ("shared", "private", "locked")
_KEYS = ("type", "from", "source", "target", "readonly", "id", "sharing", "required", "size",
         "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env")


@dataclass(frozen=True, slots=True)
class Mount:
    """One validated, variable-expanded `--mount`."""

    type: str = "bind"
    from_: str = ""
    source: str = ""
    target: str = ""
    readonly: bool = True
    size_limit: int = 0
    """tmpfs size in bytes, 0 when unlimited."""
    cache_id: str = ""
    sharing: str = ""
    required: bool = False
    env: str | None = None
    """Secret exposed as this environment variable instead of (or besides) a file."""
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None


def _fields(spec: str) -> list[str]:
    try:
        return csv_fields(spec)
    except GoError as err:
        raise DockerfileError(f"failed to parse csv mounts: {err}") from None


def mount_from(spec: str) -> str:
    """The `from=` of a mount as the parse-time reading sees it ("" when none).

    Raises `DockerfileError` (line 0) for a bad CSV or a variable in `from`.
    """
    source = ""
    for field in _fields(spec):
        key, has_value, value = field.partition("=")
        if has_value and key.lower() == "from":
            dollar = value.find("$")
            if dollar != -1 and dollar != len(value) - 1:
                raise DockerfileError("'from' doesn't support variable expansion, define alias "
                                      "stage instead")
            source = value
    return source


def parse_mount(spec: str, expand: Callable[[str], str]) -> Mount:
    """Read a mount at dispatch time: expand each value with `expand`, then validate everything.

    Raises `DockerfileError` (line 0) with BuildKit's wording.
    """
    mount = Mount()
    readonly_auto = True
    for field in _fields(spec):
        raw_key, has_value, value = field.partition("=")
        key = raw_key.lower()
        if not has_value:
            if key in ("readonly", "ro", "readwrite", "rw"):
                mount, readonly_auto = replace(mount, readonly=key in ("readonly", "ro")), False
            elif key == "required":
                _check_required(key, mount)
                mount = replace(mount, required=True)
            else:
                raise DockerfileError(f"invalid field '{field}' must be a key=value pair")
            continue
        value = expand(value)
        if key == "type":
            if value.lower() not in MOUNT_TYPES:
                raise DockerfileError(with_suggestion(f"unsupported mount type {quote(value)}",
                                                      value, MOUNT_TYPES, case_sensitive=True))
            mount = replace(mount, type=value.lower())
        elif key == "from":
            mount = replace(mount, from_=value)
        elif key in ("source", "src"):
            mount = replace(mount, source=value)
        elif key in ("target", "dst", "destination"):
            mount = replace(mount, target=value)
        elif key in ("readonly", "ro", "readwrite", "rw"):
            flag = _bool(key, value)
            mount = replace(mount, readonly=flag if key in ("readonly", "ro") else not flag)
            readonly_auto = False
        elif key == "required":
            _check_required(key, mount)
            mount = replace(mount, required=_bool(key, value))
        elif key == "size":
            if mount.type != "tmpfs":
                raise DockerfileError(f"unexpected key '{key}' for mount type '{mount.type}'")
            size = ram_in_bytes(value)
            if size is None:
                raise DockerfileError(f"invalid value for {key}: {value}")
            mount = replace(mount, size_limit=size)
        elif key == "id":
            mount = replace(mount, cache_id=value)
        elif key == "sharing":
            if value.lower() not in SHARING_MODES:
                raise DockerfileError(with_suggestion(
                    f"unsupported sharing value {quote(value)}", value, SHARING_MODES,
                    case_sensitive=True))
            mount = replace(mount, sharing=value.lower())
        elif key == "mode":
            mount = replace(mount, mode=_uint(key, value, 8))
        elif key == "uid":
            mount = replace(mount, uid=_uint(key, value, 10))
        elif key == "gid":
            mount = replace(mount, gid=_uint(key, value, 10))
        elif key == "env":
            mount = replace(mount, env=value)
        else:
            raise DockerfileError(with_suggestion(f"unexpected key '{key}' in '{field}'", key,
                                                  _KEYS, case_sensitive=True))
    if readonly_auto:
        mount = replace(mount, readonly=mount.type not in ("cache", "tmpfs"))
    return _validated(mount)


def _check_required(key: str, mount: Mount) -> None:
    if mount.type not in ("secret", "ssh"):
        raise DockerfileError(f"unexpected key '{key}' for mount type '{mount.type}'")


def _bool(key: str, value: str) -> bool:
    try:
        return parse_bool(value)
    except GoError:
        raise DockerfileError(f"invalid value for {key}: {value}") from None


def _uint(key: str, value: str, base: int) -> int:
    try:
        return parse_uint(value, base, 32)
    except GoError:
        raise DockerfileError(f"invalid value {value} for {key}") from None


def _validated(mount: Mount) -> Mount:
    kind = mount.type
    if kind not in ("secret", "ssh", "cache"):
        for key, value in (("mode", mount.mode), ("uid", mount.uid), ("gid", mount.gid)):
            if value is not None:
                raise DockerfileError(f"{key} not allowed for {quote(kind)} type mounts")
    if kind == "secret":
        if mount.from_:
            raise DockerfileError("secret mount should not have a from")
        if mount.sharing:
            raise DockerfileError("secret mount should not define sharing")
        if not (mount.source or mount.target or mount.cache_id):
            raise DockerfileError("invalid secret mount. one of source, target required")
        if mount.source and mount.cache_id:
            raise DockerfileError("both source and id can't be set")
    if mount.sharing and kind != "cache":
        raise DockerfileError(f"invalid cache sharing set for {kind} mount")
    return mount
