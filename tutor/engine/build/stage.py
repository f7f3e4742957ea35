"""One stage's state while it is built: the image config being assembled, the environment later
steps run with, the layers made so far and the cache key of the file system they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tutor.engine.clock import rfc3339
from tutor.engine.fs import FileTree
from tutor.engine.image import HistoryEntry, ImageConfig, RunConfig

BUILDKIT_COMMENT = "buildkit.dockerfile.v0"


def set_env(pairs: list[tuple[str, str]], key: str, value: str) -> None:
    """Replace `key` in place, or append it (BuildKit's addEnv keeps the original order)."""
    for i, (k, _) in enumerate(pairs):
        if k == key:
            pairs[i] = (key, value)
            return
    pairs.append((key, value))


@dataclass
class StageState:
    """Everything one stage has built so far."""

    name: str
    config: RunConfig
    image_env: list[tuple[str, str]]
    """The image's Env (ENV instructions and the base image's)."""
    state_env: list[tuple[str, str]]
    """What RUN steps see: image Env plus ARGs with a value, in the order they were set."""
    diff_ids: list[str]
    history: list[HistoryEntry]
    key: str
    """Cache key of the file system so far."""
    architecture: str = "amd64"
    os: str = "linux"
    variant: str = ""
    author: str = ""
    build_args: list[tuple[str, str | None]] = field(default_factory=list)
    """ARGs declared in this stage, in order (for `RUN |N K=V …` history lines)."""
    tree: FileTree | None = None
    """The file system, when it has been materialised (a step had to run)."""
    pending_times: list[float | None] = field(default_factory=list)
    """For each history entry this build adds: when its layer was made (None: metadata)."""
    base_created: float = 0.0
    """When the base image was made: the time of history entries with no layer near them."""
    cmd_set: bool = False
    rebuilt: bool = False
    """A step of this stage missed the cache (so the ones after it miss too)."""

    def commit(self, created_by: str, with_layer: bool, when: float | None) -> None:
        self.history.append(HistoryEntry(
            created="", created_by=created_by, comment=BUILDKIT_COMMENT,
            empty_layer=not with_layer,
        ))
        self.pending_times.append(when)

    def image_config(self, fallback_time: float) -> ImageConfig:
        """The final config: history entries of this build get the time their layer was made;
        metadata entries take the nearest earlier layer time (else the next one), so a fully
        cached rebuild writes the very same config, hence the same image ID."""
        own = self.pending_times
        times: list[float] = []
        last: float | None = None
        for t in own:
            last = t if t is not None else last
            times.append(last if last is not None else -1.0)
        following: float | None = None
        for i in range(len(times) - 1, -1, -1):
            if own[i] is not None:
                following = own[i]
            if times[i] < 0:
                times[i] = following if following is not None else fallback_time
        start = len(self.history) - len(own)
        history = list(self.history)
        for i, t in enumerate(times):
            history[start + i] = replace(history[start + i], created=rfc3339(t))
        config = replace(self.config, env=tuple(f"{k}={v}" for k, v in self.image_env))
        return ImageConfig(
            diff_ids=tuple(self.diff_ids), history=tuple(history), config=config,
            architecture=self.architecture, os=self.os, variant=self.variant,
            author=self.author,
        )
