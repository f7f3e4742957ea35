"""One student's tutorial process behind one browser tab, and the guarantee that it ends.

textual-serve's own app service asks the app to quit when the tab goes and then waits for it
forever: an app that is busy (a build on a spinning CPU) or wedged never answers, and its process
outlives the tab. Here the app runs in its own process group, is asked to quit, is given a few
seconds, and is then killed with everything it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shlex
import signal
import time
from asyncio.subprocess import PIPE, Process
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

log = logging.getLogger("tutor.serve")

QUIT_GRACE = 5.0
"""Seconds an app gets to save and quit before it is killed."""


class StudentApp(AppService):
    """The app process of one student's tab: `argv` run in `cwd`, reaped on `stop`."""

    def __init__(
        self,
        argv: list[str],
        cwd: Path,
        *,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        download_manager: DownloadManager,
    ) -> None:
        super().__init__(shlex.join(argv), write_bytes=write_bytes, write_str=write_str,
                         close=close, download_manager=download_manager)
        self._argv = argv
        self._cwd = cwd
        self.last_input = time.monotonic()
        """When the student last typed or clicked, or the app first drew: for suspending
        idle sessions."""
        self.drawn = False
        """Whether the app has sent its first screen (a loaded server can take a while to
        start it, and a session is not idle before the student has seen it)."""

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        # No shell between us and the app (nothing typed reaches a command line), and a
        # process group of its own so that killing it leaves no grandchild behind.
        self._process = process = await asyncio.create_subprocess_exec(
            *self._argv, stdin=PIPE, stdout=PIPE, stderr=PIPE, cwd=self._cwd,
            env=self._build_environment(width=width, height=height), start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def send_bytes(self, data: bytes) -> bool:
        self.last_input = time.monotonic()
        return await super().send_bytes(data)

    async def on_data(self, payload: bytes) -> None:
        if not self.drawn:
            self.drawn = True
            self.last_input = time.monotonic()
        await super().on_data(payload)

    async def on_meta(self, data: bytes) -> None:
        # A link in a lesson must not send a classroom's browsers to the internet.
        if json.loads(data).get("type") == "open_url":
            return
        await super().on_meta(data)

    async def stop(self) -> None:
        """Ask the app to quit, wait `QUIT_GRACE` seconds, then kill its process group."""
        process, task = self._process, self._task
        if process is None:
            return
        self._task = None
        if process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._download_manager.cancel_app_downloads(
                    app_service_id=self.app_service_id), QUIT_GRACE)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), QUIT_GRACE)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        if task is not None:
            try:
                await asyncio.wait_for(task, QUIT_GRACE)
            except TimeoutError:
                log.warning("output reader of app %s did not finish", process.pid)
