"""The classroom web server: a start page where a student types their name, then the tutorial
itself, one app process per tab, run in that student's own state directory.

Routes: `/` (start page; POST: a name, and the room's password if it has one), `/s/<slug>/<key>`
(the tutorial page; also the student's resume link), `/ws/<slug>/<key>` (its websocket),
`/static/…` (textual-serve's own scripts, styles and fonts), `/instructor` (the class list,
answered only to the instructor's own machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.server import Server

from tutor.course.classroom import (
    DEFAULT_CLASS,
    STUDENTS_DIR,
    class_dir,
    recorded_name,
    slug_of,
    student_dir,
    students,
)
from tutor.serve.access import StudentKeys, password_ok
from tutor.serve.appprocess import StudentApp

log = logging.getLogger("tutor.serve")

TEMPLATES = Path(__file__).resolve().parent / "templates"
RESUME_COOKIE = "tutor-resume"
SIZE_LIMIT = (400, 200)
"""Columns and rows a browser may ask for (a huge size would only cost the server memory)."""


@dataclass(frozen=True, slots=True)
class Room:
    """What one `tutor serve` serves."""

    root: Path
    """The state root (`tutor --state`); the class lives below it."""
    class_name: str
    lessons: tuple[Path, ...] = ()
    password: str | None = None
    idle_seconds: float = 20 * 60
    """A session nobody typed in for this long is suspended (its app quits, progress kept)."""


@dataclass(slots=True)
class _Live:
    app: StudentApp
    websocket: web.WebSocketResponse


class ClassroomServer(Server):
    def __init__(self, room: Room, *, host: str, port: int, public_url: str) -> None:
        super().__init__("tutor", host=host, port=port, title="Image Tutor",
                         public_url=public_url.rstrip("/"), templates_path=TEMPLATES)
        self.room = room
        self.class_folder = class_dir(room.root, room.class_name)
        self.class_folder.mkdir(parents=True, exist_ok=True)
        self.keys = StudentKeys(self.class_folder)
        self.live: dict[str, _Live] = {}
        self._idle_watch: asyncio.Task[None] | None = None

    # The app ------------------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application()
        loader = jinja2.FileSystemLoader(self.templates_path)
        aiohttp_jinja2.setup(app, loader=loader, autoescape=True)
        app.add_routes([
            web.get("/", self.handle_start),
            web.post("/", self.handle_start),
            web.get("/s/{slug}/{key}", self.handle_student_page),
            web.get("/ws/{slug}/{key}", self.handle_websocket),
            web.get("/download/{key}", self.handle_download),
            web.get("/instructor", self.handle_instructor),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        self._idle_watch = asyncio.create_task(self._suspend_idle_sessions())
        self.console.print(f"Image Tutor is serving class {self.room.class_name!r}.")
        self.console.print(f"Students open: [bold]{self.public_url}/[/]")
        self.console.print(f"Class list (this machine only): http://127.0.0.1:{self.port}"
                           "/instructor")
        self.console.print("Press Ctrl+C to stop.")

    async def on_shutdown(self, app: web.Application) -> None:
        if self._idle_watch is not None:
            self._idle_watch.cancel()
        await asyncio.gather(*(live.websocket.close() for live in list(self.live.values())),
                             return_exceptions=True)
        await asyncio.gather(*(live.app.stop() for live in list(self.live.values())),
                             return_exceptions=True)

    # Pages --------------------------------------------------------------------------------

    async def handle_start(self, request: web.Request) -> web.StreamResponse:
        error = ""
        name = ""
        if request.method == "POST":
            form = await request.post()
            name = str(form.get("name", ""))
            if not password_ok(self.room.password, str(form.get("password", ""))):
                error = "That is not the room's password: ask your instructor."
            else:
                try:
                    folder = await asyncio.to_thread(
                        student_dir, self.room.root, self.room.class_name, name)
                except ValueError as exc:
                    error = str(exc)
                else:
                    link = self._student_link(folder.name)
                    response = web.Response(status=303, headers={"Location": link})
                    response.set_cookie(RESUME_COOKIE, link, max_age=60 * 60 * 24 * 365,
                                        httponly=True, samesite="Strict")
                    return response
        resume = request.cookies.get(RESUME_COOKIE, "")
        resume_name = self._resume_name(resume)
        context = {"error": error, "name": name, "password": self.room.password is not None,
                   "resume": resume if resume_name else "", "resume_name": resume_name,
                   "class_name": "" if self.room.class_name == DEFAULT_CLASS
                   else self.room.class_name}
        return aiohttp_jinja2.render_template("start.html", request, context,
                                              status=400 if error else 200)

    def _student_link(self, slug: str) -> str:
        return f"/s/{slug}/{self.keys.key_for(slug)}"

    def _resume_name(self, link: str) -> str:
        """The name behind a resume link this server made, or ""."""
        parts = link.split("/")
        if len(parts) != 4 or parts[1] != "s" or not self.keys.valid(parts[2], parts[3]):
            return ""
        return recorded_name(self.class_folder / STUDENTS_DIR / parts[2]) or ""

    def _student_from(self, request: web.Request) -> Path:
        """The state directory the request's link opens (404 for any other link)."""
        slug, key = request.match_info["slug"], request.match_info["key"]
        folder = self.class_folder / STUDENTS_DIR / slug
        if slug_of(slug) != slug or not self.keys.valid(slug, key) or not folder.is_dir():
            raise web.HTTPNotFound(text="No such student: start again from the first page.")
        return folder

    async def handle_student_page(self, request: web.Request) -> web.StreamResponse:
        self._student_from(request)
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": _to_int(request.query.get("fontsize", "16"), 16, 8, 48),
            "app_websocket_url": f"{scheme}://{request.host}/ws/{request.match_info['slug']}/"
                                 f"{request.match_info['key']}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
            "resume_url": request.path,
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_instructor(self, request: web.Request) -> web.StreamResponse:
        if not _is_loopback(request.remote):
            raise web.HTTPForbidden(text="The class list opens only on the instructor's "
                                         "machine.")
        context = {"class_name": self.room.class_name,
                   "students": students(self.room.root, self.room.class_name),
                   "live": set(self.live)}
        return aiohttp_jinja2.render_template("instructor.html", request, context)

    # The tutorial's websocket -------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        folder = self._student_from(request)
        slug = folder.name
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        # One tab per student: two apps writing one state directory would lose progress.
        previous = self.live.pop(slug, None)
        if previous is not None:
            await previous.websocket.close(message=b"opened in another tab")
            await previous.app.stop()

        async def close() -> None:
            await websocket.close()

        app = StudentApp(
            self._app_argv(folder), folder,
            write_bytes=websocket.send_bytes, write_str=websocket.send_str,
            close=close, download_manager=self.download_manager,
        )
        live = _Live(app, websocket)
        self.live[slug] = live
        width = _to_int(request.query.get("width", "80"), 80, 10, SIZE_LIMIT[0])
        height = _to_int(request.query.get("height", "24"), 24, 5, SIZE_LIMIT[1])
        try:
            await app.start(width, height)
            await self._relay(websocket, app)
        except Exception:
            log.exception("session of %s failed", slug)
        finally:
            if self.live.get(slug) is live:
                del self.live[slug]
            await app.stop()
            await websocket.close()
        return websocket

    def _app_argv(self, folder: Path) -> list[str]:
        return [sys.executable, "-m", "tutor.serve.student", str(folder),
                *(str(path) for path in self.room.lessons)]

    async def _relay(self, websocket: web.WebSocketResponse, app: StudentApp) -> None:
        """Keys, resizes and focus from the browser to the app until the tab goes."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = message.json()
            except (ValueError, TypeError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await app.send_bytes(data.encode())
            elif kind == "resize" and isinstance(data, dict):
                await app.set_terminal_size(
                    _to_int(data.get("width"), 80, 10, SIZE_LIMIT[0]),
                    _to_int(data.get("height"), 24, 5, SIZE_LIMIT[1]))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app.blur()
            elif kind == "focus":
                await app.focus()

    async def _suspend_idle_sessions(self) -> None:
        """Close the sessions nobody typed in for `idle_seconds`: their apps quit (progress is
        saved as it is made) and the page offers to resume."""
        every = max(1.0, min(60.0, self.room.idle_seconds / 4))
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            for live in list(self.live.values()):
                app = live.app
                if app.drawn and now - app.last_input >= self.room.idle_seconds:
                    with contextlib.suppress(Exception):
                        await live.websocket.close(message=b"idle")


def _to_int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False
