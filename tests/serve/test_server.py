"""`tutor serve` over HTTP and websockets: the start page, the links, the password, and that
no session leaves a process behind however it ends."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")

from tests.serve.served import Served, descendants, serving, wait_until  # noqa: E402

WS_STUDENT = Path(__file__).with_name("ws_student.py")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def post_name(served: Served, name: str, password: str | None = None) -> tuple[int, str]:
    """(status, Location or body) of the start form sent with `name`."""
    fields = {"name": name} | ({} if password is None else {"password": password})
    request = urllib.request.Request(served.url + "/",
                                     data=urllib.parse.urlencode(fields).encode())
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:
        if answer.code == 303:
            return 303, answer.headers["Location"]
        return answer.code, answer.read().decode()


def get(served: Served, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(served.url + path, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path) as running:
        yield running


def test_a_name_gets_a_link_to_the_students_own_session(served: Served) -> None:
    status, link = post_name(served, "Ana María")
    assert status == 303
    assert re.fullmatch(r"/s/ana-maria/[0-9a-f]{32}", link)
    assert (served.state / "classes/default/students/ana-maria/student.toml").is_file()
    status, page = get(served, link)
    assert status == 200
    websocket = link.replace("/s/", "/ws/")
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.url.rsplit(":", 1)[1]}' \
           f'{websocket}"' in page
    assert post_name(served, "ana  maría") == (303, link)


def test_the_start_page_offers_to_resume_the_last_student(served: Served) -> None:
    fields = urllib.parse.urlencode({"name": "Ana María"}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(urllib.request.Request(served.url + "/", data=fields), timeout=30)
    cookie = answer.value.headers["Set-Cookie"].split(";")[0]
    link = answer.value.headers["Location"]
    request = urllib.request.Request(served.url + "/", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        page = response.read().decode()
    assert f'href="{link}">Resume as Ana María</a>' in page
    forged = cookie.split("=")[0] + '="/s/ana-maria/' + "0" * 32 + '"'
    request = urllib.request.Request(served.url + "/", headers={"Cookie": forged})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "Resume as" not in response.read().decode()


def test_pages_fetch_nothing_from_outside_the_server(served: Served) -> None:
    _, link = post_name(served, "Bo")
    for path in ("/", link):
        _, page = get(served, path)
        outside = re.findall(r"(?:src|href)=\"(?!/)([^\"]+)\"|url\(\"?(?!/)([^)\"]+)", page)
        assert outside == []
        for resource in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"|url\(\"(/static/[^\"]+)",
                                   page):
            assert get(served, "".join(resource))[0] == 200


def test_a_refused_name_is_explained_on_the_start_page(served: Served) -> None:
    post_name(served, "Ana Maria")
    status, page = post_name(served, "Ana-Maria")
    assert status == 400
    assert "already uses this place in the class" in page
    status, page = post_name(served, "Ana<Maria")
    assert status == 400 and "Ana&lt;Maria" in page and "Ana<Maria" not in page


def test_a_made_up_link_opens_nothing(served: Served) -> None:
    post_name(served, "Ana")
    assert get(served, "/s/ana/" + "0" * 32)[0] == 404
    assert get(served, "/ws/ana/" + "0" * 32)[0] == 404
    assert get(served, "/s/..%2F..%2Fetc/" + "0" * 32)[0] == 404


def test_the_instructor_sees_the_class(served: Served) -> None:
    post_name(served, "Zoë")
    status, page = get(served, "/instructor")
    assert status == 200 and "Zoë" in page


def test_a_room_with_a_password_wants_it(tmp_path: Path) -> None:
    with serving(tmp_path, "--password", "s3cret", "--class", "monday") as served:
        status, page = post_name(served, "Ana")
        assert status == 400 and "password" in page and "Class monday" in page
        assert post_name(served, "Ana", "wrong")[0] == 400
        assert not (tmp_path / "classes/monday/students/ana").exists()
        assert post_name(served, "Ana", "s3cret")[0] == 303
        assert (tmp_path / "classes/monday/students/ana/student.toml").is_file()


def _connect(served: Served, link: str) -> subprocess.Popen[str]:
    """A websocket client on the student's session, once the tutorial has drawn."""
    url = served.url.replace("http:", "ws:") + link.replace("/s/", "/ws/")
    client = subprocess.Popen([sys.executable, str(WS_STUDENT), url], stdout=subprocess.PIPE,
                              text=True)
    assert client.stdout is not None
    assert client.stdout.readline().strip() == "ready"
    return client


@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_a_tab_that_vanishes_leaves_no_process(served: Served, how: str) -> None:
    """Killed: the browser crashed or the laptop closed (the socket closes). Frozen: Wi-Fi
    lost (the socket stays open and silent until the heartbeat gives up on it)."""
    _, link = post_name(served, "Ana")
    client = _connect(served, link)
    assert descendants(served.process.pid), "no app process started"
    try:
        client.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        assert wait_until(lambda: not descendants(served.process.pid), limit=120)
    finally:
        client.kill()
        client.wait()


def test_an_idle_session_is_suspended_and_resumes(tmp_path: Path) -> None:
    with serving(tmp_path, "--idle", "0.02") as served:
        _, link = post_name(served, "Ana")
        client = _connect(served, link)
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "closed"
        client.wait()
        assert wait_until(lambda: not descendants(served.process.pid))
        client = _connect(served, link)
        client.kill()
        client.wait()


async def test_an_app_that_ignores_quit_is_killed_with_its_children(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual_serve.download_manager import DownloadManager

    from tutor.serve import appprocess

    monkeypatch.setattr(appprocess, "QUIT_GRACE", 0.5)
    pid_file = tmp_path / "grandchild"
    spinning = ("import subprocess, sys, time\n"
                f"child = subprocess.Popen(['sleep', '1000'])\n"
                f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
                "print('__GANGLION__', flush=True)\n"
                "while True: pass\n")

    async def ignore(*args: object) -> None:
        return None

    app = appprocess.StudentApp([sys.executable, "-c", spinning], tmp_path,
                                write_bytes=ignore, write_str=ignore, close=ignore,
                                download_manager=DownloadManager())
    await app.start(80, 24)
    while not pid_file.exists() or not pid_file.read_text():
        await asyncio.sleep(0.05)
    grandchild = int(pid_file.read_text())
    pid = app.pid
    assert pid is not None
    await app.stop()
    assert not Path(f"/proc/{pid}").exists()
    assert wait_until(lambda: not _alive(grandchild))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def test_a_students_link_outlives_the_server(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        _, link = post_name(served, "Ana")
    with serving(tmp_path) as served:
        assert get(served, link)[0] == 200
        assert post_name(served, "Ana") == (303, link)


def test_stopping_the_server_stops_every_app(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        _, link = post_name(served, "Ana")
        client = _connect(served, link)
        apps = descendants(served.process.pid)
        assert apps
    try:
        assert served.process.returncode == 0
        assert wait_until(lambda: not any(_alive(pid) for pid in apps))
    finally:
        client.kill()
        client.wait()
