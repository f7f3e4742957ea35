"""The build cache, keyed as BuildKit keys its operations.

A step's key digests its parent's key and the step's own definition (argv, env, working dir and
user for RUN; sources, destination, flags and the content checksum of the selected files for
COPY/ADD; the path and owner for WORKDIR's mkdir). The display name is never part of a key, and
metadata instructions (LABEL, CMD, EXPOSE…) make no key at all, so changing them leaves the steps
after them cached — BuildKit's behaviour, unlike the classic builder's.

Beside the cache itself we remember, per build context and Dockerfile, what each step's inputs
were last time, so that a miss can be explained: which file changed, which instruction changed,
or that an earlier step was rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tutor.engine.store import Store

CACHE_FILE = "cache/build.json"
HISTORY_FILE = "cache/last-builds.json"


def cache_key(parent: str, definition: Any) -> str:
    """The key of an op: its definition digested together with its parent's key."""
    blob = json.dumps([parent, definition], sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class CacheRecord:
    diff_id: str
    created: float
    """When the layer was first made: a cached layer keeps its original time in the image."""
    seconds: float


@dataclass(frozen=True)
class StepInputs:
    """What decided one step's key, kept to explain the next build's misses."""

    name: str
    parent: str
    definition: str
    """Digest of the op definition without its parent."""
    files: dict[str, str]
    """Selected source path → checksum, for COPY/ADD from the context."""
    text: str
    """The instruction as shown, to say what changed in words."""


class BuildCache:
    """The cache records of one sandbox, loaded on first use and saved after a build."""

    def __init__(self, store: Store) -> None:
        self.store = store
        raw = store.load_json(CACHE_FILE, {})
        self.records: dict[str, CacheRecord] = {}
        if isinstance(raw, dict):
            for key, value in raw.items():
                try:
                    self.records[key] = CacheRecord(
                        str(value["diff_id"]), float(value["created"]), float(value["seconds"])
                    )
                except (KeyError, TypeError, ValueError):
                    continue

    def get(self, key: str) -> CacheRecord | None:
        record = self.records.get(key)
        if record is not None and not self.store.has_layer(record.diff_id):
            return None
        return record

    def put(self, key: str, record: CacheRecord) -> None:
        self.records[key] = record

    def save(self) -> None:
        self.store.save_json(CACHE_FILE, {
            key: {"diff_id": r.diff_id, "created": r.created, "seconds": r.seconds}
            for key, r in self.records.items()
        })

    def prune(self, keep: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, CacheRecord]]:
        """Forget every step record whose layer is not in `keep`; returns what was removed."""
        removed = [(k, r) for k, r in self.records.items()
                   if r.diff_id and r.diff_id not in keep]
        for key, _ in removed:
            del self.records[key]
        self.save()
        return removed

    # -- explaining misses -----------------------------------------------------------------

    def previous_steps(self, build_id: str) -> dict[str, StepInputs]:
        raw = self.store.load_json(HISTORY_FILE, {})
        steps = raw.get(build_id, {}) if isinstance(raw, dict) else {}
        out: dict[str, StepInputs] = {}
        for slot, value in steps.items():
            try:
                out[slot] = StepInputs(value["name"], value["parent"], value["definition"],
                                       dict(value["files"]), value["text"])
            except (KeyError, TypeError):
                continue
        return out

    def remember_steps(self, build_id: str, steps: dict[str, StepInputs]) -> None:
        raw = self.store.load_json(HISTORY_FILE, {})
        if not isinstance(raw, dict):
            raw = {}
        raw[build_id] = {
            slot: {"name": s.name, "parent": s.parent, "definition": s.definition,
                   "files": s.files, "text": s.text}
            for slot, s in steps.items()
        }
        self.store.save_json(HISTORY_FILE, raw)


def explain_miss(
    now: StepInputs, before: StepInputs | None, parent_was_rebuilt: bool, no_cache: bool
) -> str:
    """Why a step was not taken from the cache, in words a learner can act on."""
    if no_cache:
        return "--no-cache: every step is rebuilt"
    if before is None:
        return "not in the cache yet (first build of this step)"
    if parent_was_rebuilt:
        return "an earlier step was rebuilt, so everything after it is rebuilt too"
    if before.parent != now.parent:
        return "the image or step it starts from changed"
    if before.definition != now.definition:
        if before.text != now.text:
            return f"instruction changed (was: {before.text})"
        return "its environment changed (ENV, ARG, USER, WORKDIR or SHELL before it)"
    changed = sorted(
        path for path in set(before.files) | set(now.files)
        if before.files.get(path) != now.files.get(path)
    )
    if changed:
        shown = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
        return f"changed files: {shown}"
    return "not in the cache (it was pruned)"
