"""Well-known servers a container may run: what they log when they start and what they answer.

No server really runs. A container's command is recognised (nginx, httpd, redis, a node or Flask
app) from its argv and the files it would execute; the server then "stays up", its start-up lines
are the ones the real image prints (data in `assets/servers/*.toml`), and HTTP requests to its port
are answered from the container's own file system: nginx serves `index.html` from its document
root, a node app the string its `res.send(…)` sends, a Flask app what its view `return`s.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tutor.engine.clock import rfc3339
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


def _unwrap(specs: dict[str, dict[str, Any]], argv: list[str], tree: FileTree,
            cwd: str) -> list[str]:
    """PID 1's argv: an entrypoint script that rewrites a config-file argument into a server
    command (registry's `*.yml` → `registry serve <file>`) first, then the plain wrappers."""
    if len(argv) > 1 and posixpath.basename(argv[0]) in WRAPPERS \
            and argv[1].endswith((".yml", ".yaml")):
        script = _read(tree, argv[0], cwd) or ""
        for spec in specs.values():
            marker = spec.get("wrapper_marker", "")
            if marker and marker in script:
                return [*marker.removeprefix("set -- ").split(), *argv[1:]]
    return process_argv(argv)


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
    specs = _specs(assets)
    argv = _unwrap(specs, argv, tree, cwd)
    if not argv:
        return None
    exe = posixpath.basename(argv[0])
    if exe in ("sh", "bash", "ash", "dash") and len(argv) == 3 and argv[1] == "-c":
        words = argv[2].split()
        if words and words[0] == "exec":
            words = words[1:]
        return recognise(assets, words, tree, cwd, env) if words else None
    for name in ("nginx", "httpd", "redis", "registry"):
        spec = specs.get(name)
        if spec and exe in spec["commands"] and not any(a in ("-v", "-V", "-t", "--version")
                                                        for a in argv[1:]) \
                and argv[1:2] == ([spec["subcommand"]] if "subcommand" in spec else argv[1:2]):
            return _fixed_server(spec, tree)
    program = go_program(tree, argv[0], cwd, env)
    if program is not None and "go" in specs:
        return _go_server(specs["go"], program)
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


@dataclass(frozen=True, slots=True)
class GoProgram:
    """An executable `go build` wrote, as the runtime finds it."""

    path: str
    """What runc reports: the name as given when it has a slash, else where PATH found it."""
    stdout: str
    listen: str | None
    response: str
    runnable: bool
    """False when it is dynamically linked and its loader is missing (`FROM scratch`)."""


def go_program(tree: FileTree, name: str, cwd: str, env: dict[str, str]) -> GoProgram | None:
    """The Go program `name` starts, or None when it is something else."""
    from tutor.engine.sh.pkg.golang import read_manifest

    candidates = [name] if "/" in name else [
        posixpath.join(d, name) for d in env.get("PATH", "").split(":") if d]
    for path in candidates:
        try:
            _, node = tree.lookup(path, cwd)
        except FsError:
            continue
        if node.is_dir or node.content is None or not node.mode & 0o111:
            continue
        manifest = read_manifest(node.content.read()[:GO_HEADER_BYTES])
        if manifest is None:
            return None
        interpreter = manifest.get("interpreter")
        runnable = not isinstance(interpreter, str) or _exists(tree, interpreter)
        listen = manifest.get("listen")
        return GoProgram(path, str(manifest.get("stdout") or ""),
                         listen if isinstance(listen, str) else None,
                         str(manifest.get("response") or ""), runnable)
    return None


GO_HEADER_BYTES = 1 << 16
"""The ELF header, build info and manifest all sit in an executable's first pages."""


def _exists(tree: FileTree, path: str) -> bool:
    try:
        tree.lookup(path)
    except FsError:
        return False
    return True


def _go_server(spec: dict[str, Any], program: GoProgram) -> Server | None:
    if program.listen is None or not program.runnable:
        return None
    port_text = program.listen.rpartition(":")[2]
    port = int(port_text) if port_text.isdigit() else 80
    return Server(spec["name"], port, spec.get("stop_exit"),
                  tuple(program.stdout.splitlines()), (), spec["http"], "",
                  (("*", program.response),), "", "404 page not found\n")


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
        "logrus_time": rfc3339(now),
        "ip": ip,
    }
    # Per-process random values (a UUID, a jitter) derived from the container's hostname, so a
    # container's logs stay the same when read again.
    seed = hashlib.sha256(f"process-{env.get('HOSTNAME', '')}-{now}".encode()).digest()
    values["instance_id"] = str(uuid.UUID(bytes=seed[:16], version=4))
    values["purge_minutes"] = str(seed[16] % 60)
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
