"""Time inside the simulated engine.

Docker stamps layers, configs and containers with the time; we want the same inputs to give the
same digests on every machine, so the engine's clock is simulated: it starts at a fixed instant and
moves only by the simulated time that work takes (a download, an install, a `sleep 5`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

EPOCH = int(datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC).timestamp())
"""Where every new sandbox's clock starts."""
LATEST = float(int(datetime(9000, 1, 1, tzinfo=UTC).timestamp()))
"""The clock never goes past this: a `sleep 999999999999` must not carry it beyond the years that
timestamps (Go's and Python's alike) can show, with room left for what comes after."""


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since 1970, UTC."""
        ...

    def advance(self, seconds: float) -> None: ...


@dataclass
class SimulatedClock:
    """A clock that moves only when told to; the store persists `current` between commands."""

    current: float = float(EPOCH)

    def __post_init__(self) -> None:
        self.current = min(self.current, LATEST)  # a state saved before the limit existed

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current = min(self.current + max(0.0, seconds), LATEST)


def rfc3339(seconds: float) -> str:
    """Docker's timestamp with nanoseconds, as `docker inspect` shows it (`…T09:00:00.5Z`)."""
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    stamp = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        return f"{stamp}.{nanos:09d}".rstrip("0") + "Z"
    return stamp + "Z"


def parse_rfc3339(text: str) -> float:
    """The inverse of `rfc3339` (also accepts `+00:00` offsets)."""
    body = text.rstrip("Z")
    frac = 0.0
    if "." in body:
        body, digits = body.split(".", 1)
        digits = digits.split("+")[0]
        frac = float("0." + digits) if digits else 0.0
    body = body.split("+")[0]
    stamp = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return stamp.timestamp() + frac
