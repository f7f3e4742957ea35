"""What a recognised server is (`Server`) and the small helpers every kind of server uses to
read the container's files and fill its log templates."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.engine.fs import FileTree, FsError
from tutor.engine.nginxconf import NginxConfig

Resolve = Callable[[str], bool]
"""Whether a host name resolves from the container (another container's name, localhost)."""

EXPRESS_404 = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<pre>Cannot GET {path}</pre>
</body>
</html>
"""
FLASK_404 = """<!doctype html>
<html lang=en>
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>The requested URL was not found on the server. If you entered the URL manually please check \
your spelling and try again.</p>
"""


@dataclass(frozen=True, slots=True)
class Server:
    """A recognised server process in one container."""

    name: str
    port: int
    stop_exit: int | None
    """Exit status after the stop signal; None when the process ignores it (PID 1 without a
    handler), so `docker stop` has to wait for the timeout and kill it."""
    stdout: tuple[str, ...] = ()
    stderr: tuple[str, ...] = ()
    http: str = ""
    root: str = ""
    routes: tuple[tuple[str, str], ...] = ()
    """(path, body) pairs an app answers; path "*" answers every path."""
    access_log: str = ""
    not_found: str = ""
    values: dict[str, str] = field(default_factory=dict)
    """Extra placeholders for the log templates (`{app}`, `{port}`)."""
    ports: tuple[int, ...] = ()
    """Every port it listens on, when more than `port` (nginx's `listen`s)."""
    loopback: bool = False
    """Bound to 127.0.0.1 only: nothing outside the container reaches it."""
    exit_code: int | None = None
    """The process ends as it starts, with this status (a configuration error, a database
    it cannot reach, a refusal); None while it serves."""
    nginx: NginxConfig | None = None
    access_stream: int = 1

    def listens(self, port: int) -> bool:
        return port in (self.ports or (self.port,))



def read_text(tree: FileTree, path: str, cwd: str) -> str | None:
    """A (small) file's text as the process would read it, or None."""
    try:
        _, node = tree.lookup(path, cwd)
    except FsError:
        return None
    if node.content is None or node.size > (1 << 20):
        return None
    return node.content.read().decode(errors="replace")



def exists(tree: FileTree, path: str, cwd: str = "/") -> bool:
    try:
        tree.lookup(path, cwd)
    except FsError:
        return False
    return True


def on_path(tree: FileTree, name: str, cwd: str, env: dict[str, str]) -> bool:
    candidates = [name] if "/" in name else [
        posixpath.join(d, name) for d in env.get("PATH", "").split(":") if d]
    for path in candidates:
        try:
            _, node = tree.lookup(path, cwd)
        except FsError:
            continue
        if not node.is_dir:
            return True
    return False



def fill(template: str, values: dict[str, str]) -> str:
    """`{name}` placeholders replaced by their values (unknown ones left as they are)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)

