"""Image configs of generated images: the base's merged with the image's own, as a Dockerfile
build does it, and the environment a step runs with (for `$VAR` in step text)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def env_map(entries: Any) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in entries or ():
        key, _, value = str(item).partition("=")
        env[key] = value
    return env


_ENV_LINE = re.compile(r"^(?:/bin/sh -c #\(nop\)\s*)?ENV\s+(.*)$", re.S)


def track_env(created_by: str, env: dict[str, str]) -> None:
    match = _ENV_LINE.match(created_by.strip())
    if not match:
        return
    body = match.group(1).strip()
    if "=" not in body.split(" ", 1)[0]:
        key, _, value = body.partition(" ")
        env[key] = value.strip()
        return
    for item in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', body):
        env[item[0]] = item[1].strip('"')


def merge_config(base: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """The image config a Dockerfile's final stage gets: Env merged by key, a new Entrypoint
    resetting an inherited Cmd (as BuildKit does), maps merged, other keys replaced."""
    merged: dict[str, Any] = {k: v for k, v in base.items()}
    for key, value in own.items():
        if key == "Env":
            env = env_map(merged.get("Env", []))
            env.update(env_map(value))
            merged["Env"] = [f"{k}={v}" for k, v in env.items()]
        elif key in ("ExposedPorts", "Volumes", "Labels") and isinstance(value, dict):
            merged[key] = {**dict(merged.get(key) or {}), **value}
        else:
            merged[key] = value
    if "Entrypoint" in own and "Cmd" not in own:
        merged.pop("Cmd", None)
    return merged
