"""The simulated Docker engine: one sandbox's images, build cache and clock, behind one object.

Front ends (the docker CLI, the tutorial) open an `Engine` on a state directory, call it, and let
`close()` persist what changed. The engine itself never prints; it returns data and events.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.engine.build.request import BuildOutcome, StepRecord
from tutor.engine.fs import FileTree
from tutor.engine.images import ImageStore, LocalImage
from tutor.engine.layers import apply_changes
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.engine.statefile import sweep_temp_files
from tutor.engine.statelock import StateLock
from tutor.engine.store import Store

BUILDS_FILE = "builds.json"
LAST_BUILD = "<last>"

if TYPE_CHECKING:
    from tutor.engine.accounts import Logins
    from tutor.engine.catalogue import Catalogue
    from tutor.engine.containers import ContainerStore, ContainerSummary
    from tutor.engine.distribution import PullResult, PushEvent, Resolved
    from tutor.engine.profile import Profile
    from tutor.engine.registry import Registries, Registry
    from tutor.engine.world import SimulatedWorld

class Engine:
    """One sandbox: a state directory and the catalogue of base images."""

    def __init__(self, store: Store, assets: Path, lock: StateLock | None = None) -> None:
        self.store = store
        self.assets = assets
        self.images = ImageStore(store)
        self._lock = lock
        if lock is not None:
            # an engine dropped without `close` (a reader that only looked) still lets go of
            # the sandbox once it is collected; `release` is idempotent
            weakref.finalize(self, lock.release)

    @classmethod
    def open(cls, state: Path, assets: Path) -> Engine:
        """The sandbox in `state`, held for this engine alone until `close` (statelock.py):
        everything it reads stays true until it has written its changes back."""
        state.mkdir(parents=True, exist_ok=True)
        lock = StateLock(state)
        try:
            if lock.unclean:
                sweep_temp_files(state)
            return cls(Store(state), assets, lock)
        except BaseException:
            lock.release()
            raise

    def close(self) -> None:
        """Persist the clock and counters (every other change is written as it happens) and
        let other processes at the sandbox."""
        try:
            self.store.save_meta()
        finally:
            if self._lock is not None:
                self._lock.release()

    @property
    def clock(self) -> float:
        return self.store.clock.now()

    def advance(self, seconds: float) -> None:
        self.store.clock.advance(seconds)

    @cached_property
    def profile(self) -> Profile:
        """The Docker release and image store this sandbox imitates."""
        from tutor.engine.profile import load_profile

        return load_profile(self.store.root)

    @cached_property
    def catalogue(self) -> Catalogue:
        from tutor.engine.catalogue import load_catalogue

        return load_catalogue(self.assets)

    @cached_property
    def world(self) -> SimulatedWorld:
        from tutor.engine.world import SimulatedWorld

        return SimulatedWorld(self.assets)

    @cached_property
    def containers(self) -> ContainerStore:
        from tutor.engine.containers import ContainerStore

        return ContainerStore(self)

    def container_views(self) -> list[ContainerSummary]:
        """Every container as lesson checks see it (`docker ps -a`)."""
        return self.containers.summaries()

    def http_get(self, host_port: int, path: str) -> tuple[int, bytes] | None:
        """What `curl localhost:<host_port><path>` on the host gets from a published port:
        (status, body), or None when nothing answers (connection refused)."""
        return self.containers.http_get(host_port, path)

    # -- registries: pull and push (registry.py, distribution.py) ------------------------------

    @cached_property
    def registries(self) -> Registries:
        from tutor.engine.registry import Registries

        return Registries(self.store, self.catalogue, self.assets, self.containers.registry_key)

    @cached_property
    def logins(self) -> Logins:
        from tutor.engine.accounts import Logins

        return Logins(self.store, self.assets, self.registries)

    def registry_at(self, host: str) -> Registry | None:
        """The registry answering at `host` (`docker.io`, `localhost:5000`), or None."""
        return self.registries.at(host)

    def resolve_remote(self, ref: Reference, platform: str | None = None) -> Resolved:
        """What `ref` names in its registry for `platform`, or Docker's pull errors."""
        from tutor.engine import distribution

        return distribution.resolve(self, ref, platform)

    def pull(
        self, ref: Reference, platform: str | None = None, resolved: Resolved | None = None
    ) -> PullResult:
        from tutor.engine import distribution

        return distribution.pull(self, ref, platform, resolved)

    def push(self, ref: Reference, all_tags: bool = False) -> Iterator[PushEvent]:
        from tutor.engine import distribution

        return distribution.push(self, ref, all_tags)

    def local_or_pull(self, name: str, platform: str | None = None) -> LocalImage:
        """An image as `COPY --from=<image>` finds it: local first, else pulled."""
        image = self.images.find(name)
        if image is not None:
            return image
        return self.pull(parse_docker_ref(name), platform).image

    # -- builds ---------------------------------------------------------------------------------

    def remember_build(self, outcome: BuildOutcome) -> None:
        """Keep the steps of the latest build of each tag, for the tutorial's timeline."""
        builds = self.store.load_json(BUILDS_FILE, {})
        if not isinstance(builds, dict):
            builds = {}
        record = [
            {"name": s.name, "cached": s.cached, "seconds": s.seconds, "reason": s.reason,
             "stage": s.stage}
            for s in outcome.steps
        ]
        for tag in outcome.tags or (outcome.image_id,):
            builds[tag] = record
        builds[LAST_BUILD] = record
        self.store.save_json(BUILDS_FILE, builds)

    def last_build(self, ref: str | None = None) -> list[StepRecord] | None:
        """The steps of the latest build that tagged `ref` (of any build when None)."""
        builds = self.store.load_json(BUILDS_FILE, {})
        key = LAST_BUILD if ref is None else str(parse_docker_ref(ref))
        raw = builds.get(key) if isinstance(builds, dict) else None
        if not isinstance(raw, list):
            return None
        try:
            return [StepRecord(r["name"], bool(r["cached"]), float(r["seconds"]),
                               str(r["reason"]), str(r["stage"])) for r in raw]
        except (KeyError, TypeError, ValueError):
            return None

    # -- file systems -------------------------------------------------------------------------

    def tree(self, diff_ids: tuple[str, ...] | list[str]) -> FileTree:
        """The file system a stack of layers makes, lower layers first."""
        tree = FileTree()
        for diff_id in diff_ids:
            apply_changes(tree, self.store.get_layer(diff_id).changes)
        return tree

