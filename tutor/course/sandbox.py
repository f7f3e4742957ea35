"""Each lesson's own sandbox: an engine state directory and a workspace on disk, so experiments in
one lesson never break another, and a reset brings a lesson back to its setup.

Layout under the root (the tutorial's state directory):
`sandboxes/<lesson-id>/engine/` (what `docker …` sees) and `sandboxes/<lesson-id>/workspace/`,
with `sandboxes/<lesson-id>/undo/` holding the engine states that undo steps back to (undo.py).
"""

from __future__ import annotations

import io
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from tutor.course.lessons import Lesson

_READY = ".ready"
"""Written last by a reset: a sandbox without it was interrupted mid-reset and is reset again."""


@dataclass(frozen=True, slots=True)
class SetupResult:
    ok: bool
    output: str
    """What the setup's `docker pull`s printed (shown to the learner when something failed)."""


@dataclass(frozen=True, slots=True)
class Sandbox:
    lesson: Lesson
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "sandboxes" / self.lesson.id

    @property
    def state(self) -> Path:
        return self.home / "engine"

    @property
    def workspace(self) -> Path:
        return self.home / "workspace"

    @property
    def ready(self) -> bool:
        return (self.home / _READY).is_file()

    def ensure(self) -> SetupResult:
        """The sandbox as it was left, or freshly set up when it never was (or a reset died)."""
        if self.ready:
            self._pin_profile()  # a sandbox made before its lesson was pinned follows the pin
            return SetupResult(True, "")
        return self.reset()

    def _pin_profile(self) -> None:
        if not self.lesson.docker:
            return
        from tutor.engine.profile import PROFILE_FILE, parse_profile, save_profile
        from tutor.engine.statefile import read_json

        pinned = parse_profile(self.lesson.docker)
        saved = read_json(self.state / PROFILE_FILE, {})
        if saved != {"docker": pinned.docker, "store": pinned.store}:
            save_profile(self.state, pinned)

    def reset(self) -> SetupResult:
        """Wipe everything and re-create the lesson's setup: its workspace files, then its images
        pulled through the docker command line exactly as a learner would pull them."""
        from tutor.dockercli import main as docker

        if self.home.exists():
            shutil.rmtree(self.home)
        self.state.mkdir(parents=True)
        self._pin_profile()  # before the setup's pulls, which already show that Docker
        if self.lesson.workspace is not None:
            shutil.copytree(self.lesson.workspace, self.workspace, symlinks=True,
                            ignore=_not_plain)
        else:
            self.workspace.mkdir()
        out = io.StringIO()
        ok = True
        for ref in self.lesson.images:
            status = docker(["pull", ref], state=self.state, stdout=out, stderr=out, tty=False)
            ok = ok and status == 0
        if ok:
            (self.home / _READY).touch()
        return SetupResult(ok, out.getvalue())


def _not_plain(folder: str, names: list[str]) -> set[str]:
    """What a workspace copy leaves out: links (lint refuses them; one added after loading
    must still not lead the workspace outside) and FIFOs, sockets and devices."""
    skipped: set[str] = set()
    for name in names:
        try:
            mode = os.lstat(os.path.join(folder, name)).st_mode
        except OSError:
            skipped.add(name)
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            skipped.add(name)
    return skipped
