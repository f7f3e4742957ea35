"""The host's view of published ports: what `curl localhost:PORT/path` gets from a sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tutor.engine import Engine
from tutor.paths import content_dir


def engine_curl(state: Path) -> Callable[[int, str], str | None]:
    """A host-shell curl hook answering from the engine in `state` (None: connection refused).

    The engine is opened per request and closed after it, as the docker CLI does, so requests
    see every container change made in between and their clock and access logs are kept."""

    def curl(host_port: int, path: str) -> str | None:
        engine = Engine.open(state, content_dir("assets"))
        try:
            answer = engine.http_get(host_port, path)
        finally:
            engine.close()
        return None if answer is None else answer[1].decode(errors="replace")

    return curl
