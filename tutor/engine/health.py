"""HEALTHCHECK for running containers: `Up 2 minutes (healthy)`.

The daemon runs the image's check every interval (30 s by default) once the container has
started; the first success makes it healthy, `retries` failures in a row (3 by default) make it
unhealthy, and until either happens it is `starting` (failures during the start period do not
count). The check runs like `docker exec` would, through the simulated shell; inside the
container, `localhost` reaches the container's own server, so the usual
`curl -f http://localhost/ || exit 1` works as it does in real Docker. Everything is derived
from the simulated clock, so a learner sees the status move as time passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tutor.engine.image import Healthcheck

if TYPE_CHECKING:
    from tutor.engine.containers import Container, ContainerStore

SECOND = 1_000_000_000
DEFAULT_INTERVAL = 30 * SECOND
DEFAULT_RETRIES = 3
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


@dataclass(frozen=True)
class Health:
    status: str
    """`starting`, `healthy` or `unhealthy` (moby's words)."""
    failing_streak: int


class _ContainerWorld:
    """The network from inside one container: its own server on loopback, else the web."""

    def __init__(self, store: ContainerStore, c: Container) -> None:
        self.store, self.c = store, c
        self.outside = store.engine.world

    def host_exists(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return host in _LOOPBACK or self.outside.host_exists(url)

    def fetch_url(self, url: str) -> bytes | None:
        parts = urlsplit(url)
        if (parts.hostname or "") not in _LOOPBACK:
            return self.outside.fetch_url(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        answer = self.store.serve_inside(self.c, port, parts.path or "/")
        if answer is None or answer[0] >= 400:
            return None
        return answer[1]


def health(store: ContainerStore, c: Container, check: Healthcheck | None,
           now: float) -> Health | None:
    """The container's health at `now`, or None when it has no check (or `HEALTHCHECK NONE`)."""
    if check is None or not check.test or check.test[0] == "NONE" or not c.is_up:
        return None
    interval = (check.interval or DEFAULT_INTERVAL) / SECOND
    retries = check.retries or DEFAULT_RETRIES
    start_period = check.start_period / SECOND
    runs = int((now - c.started_at) // interval)
    if runs < 1:
        return Health("starting", 0)
    if store.probe(c, check.test, _ContainerWorld(store, c)):
        return Health("healthy", 0)
    counted = sum(1 for n in range(1, runs + 1) if n * interval > start_period)
    return Health("unhealthy" if counted >= retries else "starting", counted)
