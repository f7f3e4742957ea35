"""Well-known servers a container may run: what they log when they start and what they answer.

No server really runs. A container's command is recognised (nginx, httpd, redis, a node or Flask
app) from its argv and the files it would execute; the server then "stays up", its start-up lines
are the ones the real image prints (data in `assets/servers/*.toml`), and HTTP requests to its port
are answered from the container's own file system: nginx serves `index.html` from its document
root, a node app the string its `res.send(…)` sends, a Flask app what its view `return`s.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tutor.engine.fs import FileTree, FsError

WRAPPERS = frozenset({"docker-entrypoint.sh", "entrypoint.sh"})
"""Entrypoint scripts that end in `exec "$@"`: the process is whatever follows them."""

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


@cache
def _specs(assets: Path) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {}
    for path in sorted((assets / "servers").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        specs[doc["name"]] = doc
    return specs


def process_argv(argv: list[str]) -> list[str]:
    """The argv that ends up as PID 1 once wrapper entrypoints have exec'd what follows them."""
    rest = list(argv)
    while len(rest) > 1 and posixpath.basename(rest[0]) in WRAPPERS:
        rest = rest[1:]
    return rest


def _read(tree: FileTree, path: str, cwd: str) -> str | None:
    try:
        _, node = tree.lookup(path, cwd)
    except FsError:
        return None
    if node.content is None or node.size > (1 << 20):
        return None
    return node.content.read().decode(errors="replace")


def recognise(assets: Path, argv: list[str], tree: FileTree, cwd: str,
              env: dict[str, str]) -> Server | None:
    """The server `argv` starts in this container, or None for an ordinary command."""
    argv = process_argv(argv)
    if not argv:
        return None
    specs = _specs(assets)
    exe = posixpath.basename(argv[0])
    if exe in ("sh", "bash", "ash", "dash") and len(argv) == 3 and argv[1] == "-c":
        words = argv[2].split()
        if words and words[0] == "exec":
            words = words[1:]
        return recognise(assets, words, tree, cwd, env) if words else None
    for name in ("nginx", "httpd", "redis"):
        spec = specs.get(name)
        if spec and exe in spec["commands"] and not any(a in ("-v", "-V", "-t", "--version")
                                                        for a in argv[1:]):
            return _fixed_server(spec, tree)
    if exe == "npm" and argv[1:2] in (["start"], ["run"]):
        script = _npm_start(tree, cwd)
        return recognise(assets, script, tree, cwd, env) if script else None
    if exe in ("node", "nodejs") and len(argv) > 1 and "node" in specs:
        source = _read(tree, argv[1], cwd)
        if source is not None and specs["node"]["source_marker"] in source:
            return _node_server(specs["node"], source, env)
    if exe.startswith("python") and len(argv) > 1 and "flask" in specs:
        source = _read(tree, argv[1], cwd)
        if source is not None and specs["flask"]["source_marker"] in source:
            app = posixpath.splitext(posixpath.basename(argv[1]))[0]
            return _flask_server(specs["flask"], source, app)
    return None


def _fixed_server(spec: dict[str, Any], tree: FileTree) -> Server:
    root = spec.get("root", "")
    conf_path = spec.get("root_from")
    if conf_path:
        conf = _read(tree, conf_path, "/") or ""
        m = re.search(r"location\s+/\s*\{[^}]*?root\s+([^;\s]+);", conf)
        root = m.group(1) if m else root
        listen = re.search(r"^\s*listen\s+(\d+)", conf, re.M)
        port = int(listen.group(1)) if listen else int(spec["port"])
    else:
        port = int(spec["port"])
    alpine = "/etc/alpine-release" in tree
    gcc = "gcc 14.2.0 (Alpine 14.2.0)" if alpine else "gcc 12.2.0 (Debian 12.2.0-14)"
    stderr = tuple(spec["stderr"])
    if alpine:  # the alpine image's worker pids start lower: fewer processes ran before
        stderr = tuple(s.replace("process 29", "process 21").replace("process 30", "process 22")
                       for s in stderr)
    return Server(spec["name"], port, spec.get("stop_exit"), tuple(spec["stdout"]), stderr,
                  spec.get("http", ""), root, (), spec.get("access_log", ""),
                  spec.get("not_found", ""), {"nginx_gcc": gcc})


def _npm_start(tree: FileTree, cwd: str) -> list[str] | None:
    text = _read(tree, "package.json", cwd)
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        return None
    script = doc.get("scripts", {}).get("start") if isinstance(doc, dict) else None
    return str(script).split() if script else (["node", "server.js"] if doc else None)


_STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)"""


def _literal(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _node_port(source: str, env: dict[str, str], default: int) -> int:
    m = re.search(r"\.listen\(\s*(\d+)", source)
    if m:
        return int(m.group(1))
    var = re.search(r"\.listen\(\s*([A-Za-z_$][\w$]*)", source)
    decl = re.search(rf"\b{re.escape(var.group(1))}\s*=\s*([^;\n]+)", source) if var else None
    if decl is None:
        return default
    from_env = re.search(r"process\.env\.(\w+)", decl.group(1))
    if from_env and env.get(from_env.group(1), "").isdigit():
        return int(env[from_env.group(1)])
    fallback = re.search(r"(\d+)\s*$", decl.group(1).strip())
    return int(fallback.group(1)) if fallback else default


def _node_server(spec: dict[str, Any], source: str, env: dict[str, str]) -> Server:
    port = _node_port(source, env, int(spec["port"]))
    lines = []
    for call in re.finditer(r"console\.log\(\s*" + _STRING + r"(\s*\+\s*[\w$.]+)?", source):
        text = re.sub(r"\$\{[^}]*\}", str(port), _literal(call.group(1)))
        lines.append(text + (str(port) if call.group(2) else ""))
    routes = [(_literal(r.group(1)), _literal(r.group(3))) for r in re.finditer(
        r"\.get\(\s*" + _STRING + r"(.*?)res\.(?:send|end|json)\(\s*" + _STRING, source, re.S)]
    if not routes:
        body = re.search(r"res\.(?:send|end)\(\s*" + _STRING, source)
        if body:
            routes.append(("*", _literal(body.group(1))))
    return Server("node", port, None, tuple(lines), (), "node", "", tuple(routes),
                  "", EXPRESS_404 if "express" in source else "")


def _flask_server(spec: dict[str, Any], source: str, app: str) -> Server:
    port = int(spec["port"])
    m = re.search(r"\.run\([^)]*port\s*=\s*(\d+)", source)
    if m:
        port = int(m.group(1))
    routes = [(_literal(r.group(1)), _literal(r.group(2))) for r in re.finditer(
        r"@\w+\.(?:route|get)\(\s*" + _STRING + r".*?return\s+" + _STRING, source, re.S)]
    return Server("flask", port, None, tuple(spec["stdout"]), tuple(spec["stderr"]), "flask",
                  "", tuple(routes), spec.get("access_log", ""), FLASK_404,
                  {"app": app, "port": str(port)})


# -- logs -----------------------------------------------------------------------------------


def _placeholders(now: float, ip: str, env: dict[str, str],
                  extra: dict[str, str]) -> dict[str, str]:
    moment = datetime.fromtimestamp(now, UTC)
    values = {
        "nginx_time": moment.strftime("%Y/%m/%d %H:%M:%S"),
        "nginx_access_time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "werkzeug_time": moment.strftime("%d/%b/%Y %H:%M:%S"),
        "redis_time": moment.strftime("%d %b %Y %H:%M:%S.") + f"{moment.microsecond // 1000:03d}",
        "apache_time": moment.strftime("%a %b %d %H:%M:%S.%f %Y"),
        "ip": ip,
    }
    return {**env, **values, **extra}


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def startup_logs(server: Server, now: float, ip: str,
                 env: dict[str, str]) -> list[tuple[int, str]]:
    """(stream, line) pairs the server prints as it starts (1 = stdout, 2 = stderr)."""
    values = _placeholders(now, ip, env, server.values)
    return [(1, _fill(t, values)) for t in server.stdout] + \
        [(2, _fill(t, values)) for t in server.stderr]


# -- HTTP -----------------------------------------------------------------------------------


def respond(server: Server, tree: FileTree, path: str, env: dict[str, str]) -> tuple[int, bytes]:
    """The status and body the server answers `GET path` with."""
    clean = path.split("?", 1)[0] or "/"
    if server.http == "static":
        return _static(server, tree, clean, env)
    for route, body in server.routes:
        if route in ("*", clean):
            return 200, body.encode()
    if server.not_found:
        return 404, server.not_found.replace("{path}", clean).encode()
    return 404, b""


def _static(server: Server, tree: FileTree, path: str, env: dict[str, str]) -> tuple[int, bytes]:
    target = posixpath.normpath(posixpath.join(server.root, path.lstrip("/")))
    missing = 404, _fill(server.not_found, env).encode()
    try:
        real, node = tree.lookup(target)
        if node.is_dir:
            real, node = tree.lookup(posixpath.join(real, "index.html"))
    except FsError:
        return missing
    if node.content is None or node.is_dir:
        return missing
    return 200, node.content.read()


def access_line(server: Server, now: float, path: str, status: int, size: int) -> str | None:
    """The access-log line a request leaves in the container's logs, if the server logs it."""
    if not server.access_log:
        return None
    values = _placeholders(now, "", {}, {"path": path, "status": str(status),
                                         "bytes": str(size)})
    return _fill(server.access_log, values)
