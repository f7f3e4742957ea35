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
import shlex
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tutor.engine.clock import rfc3339
from tutor.engine.fs import FileTree, FsError
from tutor.engine.nginxconf import (
    REASONS,
    ConfigError,
    NginxConfig,
    Upstream,
    answer,
    upstream_hosts,
)
from tutor.engine.nginxconf import load as load_nginx
from tutor.engine.pyapps import match, read_app

Resolve = Callable[[str], bool]
"""Whether a host name resolves from the container (another container's name, localhost)."""

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
              env: dict[str, str], resolve: Resolve | None = None) -> Server | None:
    """The server `argv` starts in this container, or None for an ordinary command.

    `resolve` is given when the process really starts: names it connects to are then looked
    up, and a server that cannot reach them (nginx's upstreams, a node app's database) ends."""
    specs = _specs(assets)
    wrapped = bool(argv) and posixpath.basename(argv[0]) in WRAPPERS
    argv = _unwrap(specs, argv, tree, cwd)
    if not argv:
        return None
    exe = posixpath.basename(argv[0])
    if exe in ("sh", "bash", "ash", "dash") and len(argv) == 3 and argv[1] == "-c":
        try:
            words = shlex.split(argv[2])
        except ValueError:
            return None
        if words and words[0] == "exec":
            words = words[1:]
        return recognise(assets, words, tree, cwd, env, resolve) if words else None
    if exe in ("nginx", "nginx-debug") and "nginx" in specs and not any(
            a in ("-v", "-V", "-t", "-T", "-h", "-?", "-s") for a in argv[1:]):
        return _nginx(assets, specs["nginx"], argv, tree, env, wrapped, resolve)
    for name in ("httpd", "redis", "registry"):
        spec = specs.get(name)
        if spec and exe in spec["commands"] and not any(a in ("-v", "-V", "-t", "--version")
                                                        for a in argv[1:]) \
                and argv[1:2] == ([spec["subcommand"]] if "subcommand" in spec else argv[1:2]):
            return _fixed_server(spec, tree)
    for name in ("postgres", "mysql"):
        spec = specs.get(name)
        if spec and wrapped and exe in spec["commands"]:
            return _database(spec, tree, env)
    program = go_program(tree, argv[0], cwd, env)
    if program is not None and "go" in specs:
        return _go_server(specs["go"], program)
    if exe in ("npm", "yarn", "pnpm") and len(argv) > 1:
        script = _package_script(tree, cwd, argv)
        return recognise(assets, script, tree, cwd, env, resolve) if script else None
    if exe == "nodemon" and not (_on_path(tree, argv[0], cwd, env) or _exists_in(
            tree, "node_modules/.bin/nodemon", cwd)):
        return None
    if exe in ("node", "nodejs", "nodemon") and len(argv) > 1 and "node" in specs:
        main = next((a for a in argv[1:] if not a.startswith("-")), "")
        source = _node_sources(tree, main, cwd)
        if source and specs["node"]["source_marker"] in source:
            return _node_server(specs["node"], source, env, resolve)
    if "python" in specs and (exe.startswith("python") or exe in specs["python"]["commands"]) \
            and _on_path(tree, argv[0], cwd, env):
        return _python_server(specs, argv, tree, cwd, env)
    if "jvm" in specs and exe in ("java", "dotnet"):
        return _jvm_server(specs["jvm"], argv, tree, cwd, env)
    return None


def _on_path(tree: FileTree, name: str, cwd: str, env: dict[str, str]) -> bool:
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


# -- nginx ---------------------------------------------------------------------------------


def _nginx_args(argv: list[str]) -> tuple[str, str]:
    """(`-c` configuration file, `-g` global directives) from nginx's command line."""
    conf, extra, i = "/etc/nginx/nginx.conf", "", 1
    while i < len(argv):
        if argv[i] in ("-c", "-g", "-p", "-e") and i + 1 < len(argv):
            if argv[i] == "-c":
                conf = argv[i + 1]
            elif argv[i] == "-g":
                extra = argv[i + 1]
            i += 2
            continue
        i += 1
    return conf, extra


DEFAULT_CONF = "/etc/nginx/conf.d/default.conf"
IPV6_SCRIPT = "10-listen-on-ipv6-by-default.sh: info: "


@cache
def _packaged_default_conf(assets: Path) -> str:
    doc = tomllib.loads((assets / "base-images" / "nginx.toml").read_text(encoding="utf-8"))
    return str(doc["fragments"]["nginx-conf"]["files"][DEFAULT_CONF])


def _nginx_entrypoint(assets: Path, spec: dict[str, Any], tree: FileTree) -> tuple[str, ...]:
    """The entrypoint's lines; its IPv6 script reports on default.conf as it finds it (missing,
    already listening on IPv6, changed from the packaged file, or enabled now)."""
    text = _read(tree, DEFAULT_CONF, "/")
    if text is None:
        ipv6 = [f"{IPV6_SCRIPT}{DEFAULT_CONF} is not a file or does not exist"]
    elif "listen  [::]:80;" in text and text != _packaged_default_conf(assets):
        ipv6 = [f"{IPV6_SCRIPT}IPv6 listen already enabled"]
    elif text != _packaged_default_conf(assets):
        ipv6 = [f"{IPV6_SCRIPT}Getting the checksum of {DEFAULT_CONF}",
                f"{IPV6_SCRIPT}{DEFAULT_CONF} differs from the packaged version"]
    else:
        return tuple(spec["stdout"])
    out: list[str] = []
    for line in spec["stdout"]:
        if line.startswith(IPV6_SCRIPT):
            if ipv6:
                out += ipv6
                ipv6 = []
            continue
        out.append(line)
    return tuple(out)


def _nginx(assets: Path, spec: dict[str, Any], argv: list[str], tree: FileTree,
           env: dict[str, str], wrapped: bool, resolve: Resolve | None) -> Server:
    """nginx as its configuration makes it: the ports it listens on, or the `[emerg]` it
    stops with; without `daemon off;` it forks into the background and PID 1 exits at once."""
    entry = _nginx_entrypoint(assets, spec, tree) \
        if wrapped and not env.get("NGINX_ENTRYPOINT_QUIET_LOGS") else ()
    conf_path, extra = _nginx_args(argv)
    base = _fixed_server(spec, tree)
    if conf_path == "/etc/nginx/nginx.conf" and not _exists(tree, conf_path):
        # An image whose nginx files are not modelled (no main configuration at all): it
        # serves its document root as the packaged configuration would.
        return replace(base, stdout=entry)
    try:
        conf = load_nginx(tree, assets, conf_path, extra)
        if resolve is not None:
            for host, d in upstream_hosts(conf):
                if not resolve(host.rpartition(":")[0] if ":" in host else host):
                    raise ConfigError(f'host not found in upstream "{host}" {d.where()}')
    except ConfigError as e:
        stderr = (f"{{nginx_time}} [emerg] 1#1: {e}", f"nginx: [emerg] {e}")
        return replace(base, stdout=entry, stderr=stderr, exit_code=1)
    daemon = [d.args for d in conf.main if d.name == "daemon"]
    if not daemon or daemon[-1] != ["off"]:
        return replace(base, stdout=entry, stderr=(), exit_code=0)
    ports = tuple(conf.ports)
    return replace(base, stdout=entry, port=ports[0] if ports else 80, ports=ports, nginx=conf)


# -- databases -----------------------------------------------------------------------------


def _database(spec: dict[str, Any], tree: FileTree, env: dict[str, str]) -> Server:
    """A database image's entrypoint: it refuses to initialise without a password."""
    marker = _fill(spec.get("data_marker", ""), env)
    initialised = bool(marker) and _exists(tree, marker)
    allowed = any(env.get(k) for k in spec.get("needs_any_env", [])) or any(
        env.get(k) == v for k, v in spec.get("or_env", {}).items())
    if not initialised and not allowed:
        return Server(spec["name"], int(spec["port"]), 0, tuple(spec["refusal_stdout"]),
                      tuple(spec["refusal_stderr"]), "", exit_code=1)
    return Server(spec["name"], int(spec["port"]), spec.get("stop_exit"), tuple(spec["stdout"]),
                  tuple(spec["stderr"]), "")


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


def _package_script(tree: FileTree, cwd: str, argv: list[str]) -> list[str] | None:
    """The command `npm start`, `npm run dev`, `yarn start`… runs: the package.json script's
    last command (`npm run build && node server.js` serves with `node server.js`), without its
    leading `VAR=value` words; `npm start` with no start script runs `node server.js`."""
    args = argv[1:]
    name = args[1] if len(args) > 1 and args[0] in ("run", "run-script") else \
        args[0] if args and args[0] not in ("run", "run-script", "install", "ci") else ""
    text = _read(tree, "package.json", cwd)
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        return None
    if not name or not isinstance(doc, dict):
        return None
    scripts = doc.get("scripts", {})
    script = scripts.get(name) if isinstance(scripts, dict) else None
    if not script:
        return ["node", "server.js"] if name == "start" and doc else None
    last = re.split(r"&&|;", str(script))[-1]
    try:
        words = shlex.split(last)
    except ValueError:
        return None
    while words and re.match(r"^\w+=", words[0]):
        words = words[1:]
    return words or None


# -- node ----------------------------------------------------------------------------------

_STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
MAX_MODULES = 20
"""How many of an app's own modules (`require('./x')`) are read for its routes and clients."""


def _literal(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _node_sources(tree: FileTree, main: str, cwd: str) -> str:
    """The app's main file and the local modules it requires, joined."""
    if not main:
        return ""
    todo = [posixpath.normpath(posixpath.join(cwd, main))]
    seen: set[str] = set()
    parts: list[str] = []
    while todo and len(seen) < MAX_MODULES:
        path = todo.pop(0)
        for candidate in (path, path + ".js", path + "/index.js"):
            text = _read(tree, candidate, "/")
            if text is not None:
                break
        if text is None or candidate in seen:
            continue
        seen.add(candidate)
        parts.append(text)
        for m in re.finditer(r"""(?:require\(|from\s+)['"](\.{1,2}/[^'"]+)['"]""", text):
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(candidate),
                                                          m.group(1))))
    return "\n".join(parts)


def _node_port(source: str, env: dict[str, str], default: int) -> int:
    m = re.search(r"\.listen\(\s*(\d+)", source)
    if m:
        return int(m.group(1))
    var = re.search(r"\.listen\(\s*([A-Za-z_$][\w$.]*)", source)
    if var and var.group(1).startswith("process.env."):
        value = env.get(var.group(1).removeprefix("process.env."), "")
        return int(value) if value.isdigit() else default
    decl = re.search(rf"\b{re.escape(var.group(1))}\s*=\s*([^;\n]+)", source) if var else None
    if decl is None:
        return default
    from_env = re.search(r"process\.env\.(\w+)", decl.group(1))
    if from_env and env.get(from_env.group(1), "").isdigit():
        return int(env[from_env.group(1)])
    fallback = re.search(r"(\d+)\s*\)?\s*$", decl.group(1).strip())
    return int(fallback.group(1)) if fallback else default


def _js_json(text: str) -> str | None:
    """`res.json({ message: 'hi' })` as Express sends it (compact JSON), for literals only."""
    body = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(_literal("'" + m.group(1) + "'")),
                  text)
    body = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', body)
    body = re.sub(r",\s*([}\]])", r"\1", body)
    try:
        return json.dumps(json.loads(body), separators=(",", ":"))
    except ValueError:
        return None


def _node_routes(source: str) -> list[tuple[str, str]]:
    routes = []
    for r in re.finditer(r"\.(?:get|all)\(\s*" + _STRING + r"(.*?)res(?:\.status\(\d+\))?"
                         r"\.(send|end|json)\(\s*(" + _STRING[1:-1] + r"|\{[^()]*?\}|\[[^()]*?\])",
                         source, re.S):
        value = r.group(4)
        if value[0] in "{[":
            body = _js_json(value)
            if body is None:
                continue
        else:
            body = _literal(value)
            if r.group(3) == "json":
                body = json.dumps(body)
        routes.append((_literal(r.group(1)), body))
    return routes


def _node_client(spec: dict[str, Any], source: str,
                 env: dict[str, str]) -> tuple[str, int] | None:
    """(host, port) of the database or cache the app connects to as it starts, if any."""
    clients: dict[str, int] = spec.get("clients", {})
    used = [name for name in clients if re.search(
        r"""require\(\s*['"]""" + re.escape(name) + r"""(?:/promise)?['"]\s*\)|from\s+['"]"""
        + re.escape(name) + r"""['"]""", source)]
    if not used:
        return None
    port = int(clients[used[0]])
    url = re.search(r"(?:mysql|postgres(?:ql)?|mongodb|redis)://(?:[^@/'\"`\s]*@)?"
                    r"([A-Za-z0-9_.-]+)", source)
    if url and "${" not in url.group(0):
        return url.group(1), port
    m = re.search(r"\bhost\s*:\s*(process\.env\.(\w+)(?:\s*(?:\|\||\?\?)\s*" + _STRING
                  + r")?|" + _STRING + r")", source)
    if m is None:
        return None
    if m.group(2):
        value = env.get(m.group(2)) or (_literal(m.group(3)) if m.group(3) else "")
        return (value, port) if value else None
    return _literal(m.group(4)), port


def _node_server(spec: dict[str, Any], source: str, env: dict[str, str],
                 resolve: Resolve | None) -> Server:
    port = _node_port(source, env, int(spec["port"]))
    client = _node_client(spec, source, env) if resolve is not None else None
    if client is not None:
        host, db_port = client
        if host in ("localhost", "127.0.0.1"):
            text = _fill(spec["errors"]["ECONNREFUSED"], {**env, "port": str(db_port)})
            return Server("node", port, None, (), tuple(text.splitlines()), "node",
                          exit_code=1)
        if resolve is not None and not resolve(host):
            text = _fill(spec["errors"]["ENOTFOUND"], {**env, "host": host})
            return Server("node", port, None, (), tuple(text.splitlines()), "node",
                          exit_code=1)
    lines = []
    for call in re.finditer(r"console\.log\(\s*" + _STRING + r"(\s*\+\s*[\w$.]+)?", source):
        text = re.sub(r"\$\{[^}]*\}", str(port), _literal(call.group(1)))
        lines.append(text + (str(port) if call.group(2) else ""))
    routes = _node_routes(source)
    if not routes:
        body = re.search(r"res\.(?:send|end)\(\s*" + _STRING, source)
        if body:
            routes.append(("*", _literal(body.group(1))))
    local = re.search(r"\.listen\([^,)]+,\s*['\"](127\.0\.0\.1|localhost)['\"]", source)
    return Server("node", port, None, tuple(lines), (), "node", "", tuple(routes),
                  "", EXPRESS_404 if "express" in source else "", loopback=local is not None)


# -- python --------------------------------------------------------------------------------


def _options(args: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str]]:
    """`--port 80`, `--port=80`, `-b 0.0.0.0:80` → {"--port": "80"}; the rest positional."""
    opts: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and "=" in a:
            k, _, v = a.partition("=")
            opts[k] = v
        elif a in with_value and i + 1 < len(args):
            opts[a] = args[i + 1]
            i += 1
        elif a.startswith("-"):
            opts[a] = ""
        else:
            rest.append(a)
        i += 1
    return opts, rest


def _module_path(target: str) -> str:
    return (target.partition(":")[0] or "app").replace(".", "/") + ".py"


def _templates(tree: FileTree, app_file: str, cwd: str) -> Callable[[str], str | None]:
    """Flask's template folder: `templates/` beside the app's module."""
    folder = posixpath.join(posixpath.dirname(app_file), "templates")
    return lambda name: _read(tree, posixpath.join(folder, name), cwd)


def _module_file(target: str, cwd: str, tree: FileTree) -> tuple[str, str | None]:
    """`pkg.mod:app` → (its file's name stem, its source)."""
    module = target.partition(":")[0] or "app"
    path = module.replace(".", "/")
    for candidate in (path + ".py", path + "/__init__.py"):
        text = _read(tree, candidate, cwd)
        if text is not None:
            return posixpath.basename(path), text
    return posixpath.basename(path), None


def _python_server(specs: dict[str, dict[str, Any]], argv: list[str], tree: FileTree,
                   cwd: str, env: dict[str, str]) -> Server | None:
    spec = specs["python"]
    exe = posixpath.basename(argv[0])
    args = argv[1:]
    if exe.startswith("python"):
        while args and args[0].startswith("-") and args[0] != "-m":
            args = args[1:]
        if not args:
            return None
        if args[0] == "-m" and len(args) > 1:
            exe, args = args[1], args[2:]
        elif posixpath.basename(args[0]) == "manage.py" and "runserver" in args:
            return _django(spec, args, tree, cwd)
        else:
            source = _read(tree, args[0], cwd)
            app = read_app(source, _templates(tree, args[0], cwd)) if source else None
            if app is None or source is None:
                return None
            name = posixpath.splitext(posixpath.basename(args[0]))[0]
            if app.framework == "flask":
                host = _run_host(source) or "127.0.0.1"
                return _flask(specs, app.routes, name, app.port or 5000, host)
            host = _run_host(source) or "127.0.0.1"
            return _uvicorn(spec, app.routes, host, app.port or 8000)
    if exe == "gunicorn":
        opts, rest = _options(args, {"-b", "--bind", "-w", "--workers", "-k",
                                     "--worker-class", "-c", "--config", "--chdir", "-t",
                                     "--timeout", "--threads"})
        default = f"0.0.0.0:{env['PORT']}" if env.get("PORT") else "127.0.0.1:8000"
        bind = opts.get("-b") or opts.get("--bind") or default
        host, _, port = bind.rpartition(":")
        where = opts.get("--chdir", cwd)
        _, source = _module_file(rest[0] if rest else "", where, tree)
        app = read_app(source, _templates(tree, _module_path(rest[0] if rest else ""),
                                          where)) if source else None
        routes = app.routes if app else (("*", spec["plausible"]),)
        worker = "uvicorn.workers.UvicornWorker" if "uvicorn" in opts.get(
            "-k", opts.get("--worker-class", "")) else ""
        lines = [t.replace("Using worker: sync", f"Using worker: {worker}") if worker else t
                 for t in spec["gunicorn"]]
        return Server("python", int(port) if port.isdigit() else 8000, None, (),
                      tuple(lines), "python", "", routes,
                      loopback=host in ("127.0.0.1", "localhost"),
                      values={"bind": bind, "gunicorn_version": spec["gunicorn_version"]},
                      not_found=FLASK_404 if app and app.framework == "flask" else
                      '{"detail":"Not Found"}')
    if exe in ("uvicorn", "fastapi"):
        opts, rest = _options(args, {"--host", "--port", "--workers", "--app-dir"})
        if exe == "fastapi":
            rest = [r.removesuffix(".py") for r in rest if r not in ("run", "dev")]
        _, source = _module_file(rest[0] if rest else "main", cwd, tree)
        app = read_app(source, _templates(tree, _module_path(rest[0] if rest else "main"),
                                          cwd)) if source else None
        routes = app.routes if app else (("*", json.dumps({"message": spec["plausible"]})),)
        default_host = "0.0.0.0" if exe == "fastapi" and "run" in args else "127.0.0.1"
        port = opts.get("--port", "8000")
        return _uvicorn(spec, routes, opts.get("--host", default_host),
                        int(port) if port.isdigit() else 8000)
    if exe == "flask":
        opts, rest = _options(args, {"--host", "-h", "--port", "-p", "--app", "-A"})
        if "run" not in rest:
            return None
        target = opts.get("--app") or opts.get("-A") or env.get("FLASK_APP", "")
        name, source = _module_file(target, cwd, tree) if target else ("app", None)
        for stem in ([] if target else ["app", "wsgi"]):
            name, source = _module_file(stem, cwd, tree)
            if source is not None:
                break
        app = read_app(source, _templates(tree, _module_path(target or name), cwd)) \
            if source else None
        port = opts.get("--port") or opts.get("-p") or env.get("FLASK_RUN_PORT", "5000")
        host = opts.get("--host") or opts.get("-h") or env.get("FLASK_RUN_HOST", "127.0.0.1")
        return _flask(specs, app.routes if app else (), name,
                      int(port) if port.isdigit() else 5000, host)
    return None


def _run_host(source: str) -> str | None:
    m = re.search(r"\.run\([^)]*host\s*=\s*['\"]([^'\"]+)['\"]", source)
    return m.group(1) if m else None


def _flask(specs: dict[str, dict[str, Any]], routes: tuple[tuple[str, str], ...], app: str,
           port: int, host: str) -> Server:
    spec = specs["flask"]
    stderr = list(spec["stderr"])
    if host not in ("0.0.0.0", "::"):  # one address only: the banner names just it
        stderr = [t for t in stderr if "all addresses" not in t and "{ip}" not in t]
        stderr = [t.replace("http://127.0.0.1:", f"http://{host}:") for t in stderr]
    return Server("flask", port, None, tuple(spec["stdout"]), tuple(stderr), "flask",
                  "", routes, spec.get("access_log", ""), FLASK_404,
                  {"app": app, "port": str(port)}, loopback=host in ("127.0.0.1", "localhost"),
                  access_stream=2)


def _uvicorn(spec: dict[str, Any], routes: tuple[tuple[str, str], ...], host: str,
             port: int) -> Server:
    return Server("python", port, None, (), tuple(spec["uvicorn"]), "python", "", routes,
                  spec.get("uvicorn_access", ""), '{"detail":"Not Found"}',
                  {"host": host, "port": str(port)},
                  loopback=host in ("127.0.0.1", "localhost"))


def _django(spec: dict[str, Any], args: list[str], tree: FileTree, cwd: str) -> Server:
    after = args[args.index("runserver") + 1:]
    addr = next((a for a in after if not a.startswith("-")), "127.0.0.1:8000")
    host, _, port = addr.rpartition(":") if ":" in addr else ("127.0.0.1", "", addr)
    manage = _read(tree, args[0], cwd) or ""
    settings = re.search(r"DJANGO_SETTINGS_MODULE['\"],\s*['\"]([\w.]+)", manage)
    return Server("python", int(port) if port.isdigit() else 8000, None,
                  tuple(spec["django_stdout"]), tuple(spec["django"]), "python", "",
                  (("*", spec["plausible"]),), "", "",
                  {"host": host or "127.0.0.1", "port": port,
                   "settings": settings.group(1) if settings else "settings",
                   "django_version": spec["django_version"]},
                  loopback=host in ("127.0.0.1", "localhost", ""))


# -- java, .NET ----------------------------------------------------------------------------


def _jvm_server(spec: dict[str, Any], argv: list[str], tree: FileTree, cwd: str,
                env: dict[str, str]) -> Server | None:
    exe = posixpath.basename(argv[0])
    if exe == "java":
        jar = argv[argv.index("-jar") + 1] if "-jar" in argv[:-1] else ""
        if not jar or not _exists_in(tree, jar, cwd):
            return None
        port = env.get("SERVER_PORT", "")
        m = re.search(r"--server\.port=(\d+)", " ".join(argv))
        value = int(m.group(1)) if m else int(port) if port.isdigit() else int(spec["port"])
        return Server("java", value, 143, tuple(spec["java_stdout"]), (), "app", "",
                      (("*", spec["java_body"]),), "", "", {"port": str(value)})
    dll = argv[1] if len(argv) > 1 and argv[1].endswith(".dll") else ""
    if not dll or not _exists_in(tree, dll, cwd):
        return None
    # Kestrel listens where ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS (set to 8080 by the .NET 8+
    # images) say, else on http://localhost:5000 only.
    ports = env.get("ASPNETCORE_HTTP_PORTS", "").split(",")[0].split(";")[0]
    urls = re.search(r"://([^:/;]+):(\d+)", env.get("ASPNETCORE_URLS", ""))
    if urls:
        value, local = int(urls.group(2)), urls.group(1) in ("localhost", "127.0.0.1")
        shown = f"http://{'localhost' if local else '[::]'}:{value}"
    elif ports.isdigit():
        value, local, shown = int(ports), False, f"http://[::]:{ports}"
    else:
        value, local, shown = 5000, True, "http://localhost:5000"
    lines = tuple(t.replace("http://[::]:{port}", shown) for t in spec["dotnet_stdout"])
    return Server("dotnet", value, 0, lines, (), "app", "", (("*", spec["dotnet_body"]),), "",
                  "", {"port": str(value), "cwd": cwd}, loopback=local)


def _exists_in(tree: FileTree, path: str, cwd: str) -> bool:
    try:
        tree.lookup(path, cwd)
    except FsError:
        return False
    return True


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
        "pg_time": moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}",
        "mysql_time": moment.strftime("%Y-%m-%d %H:%M:%S+00:00"),
        "iso_time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z",
        "gunicorn_time": moment.strftime("%Y-%m-%d %H:%M:%S +0000"),
        "django_date": moment.strftime("%B %d, %Y - %H:%M:%S"),
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


def respond(server: Server, tree: FileTree, path: str, env: dict[str, str], *,
            port: int | None = None, upstream: Upstream | None = None,
            log: list[str] | None = None) -> tuple[int, bytes]:
    """The status and body the server answers `GET path` on `port` with; `upstream` answers
    for the servers nginx proxies to; nginx's error-log messages go to `log`."""
    clean = path.split("?", 1)[0] or "/"
    if server.nginx is not None:
        return answer(server.nginx, tree, port or server.port, path or "/",
                      env.get("NGINX_VERSION", ""), upstream, log=log)
    if server.http == "static":
        return _static(server, tree, clean, env)
    if server.http in ("flask", "python"):
        body = match(server.routes, clean)
        if body is None:
            body = next((b for r, b in server.routes if r == "*"), None)
        if body is not None:
            return 200, body.encode()
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


def error_lines(server: Server, tree: FileTree, now: float, messages: list[str], requests: int,
                host: str) -> list[str]:
    """nginx's `[error]` lines for one request (its error log is the container's stderr):
    the worker's pid, the connection's number, then the message and the request's host."""
    pid = "21" if "/etc/alpine-release" in tree else "29"
    values = _placeholders(now, "", {}, {})
    return [f"{values['nginx_time']} [error] {pid}#{pid}: *{requests} {m}, host: \"{host}\""
            for m in messages]


def access_line(server: Server, now: float, path: str, status: int, size: int) -> str | None:
    """The access-log line a request leaves in the container's logs, if the server logs it."""
    if not server.access_log:
        return None
    values = _placeholders(now, "", {}, {"path": path, "status": str(status),
                                         "bytes": str(size), "client_port": "54321",
                                         "reason": REASONS.get(status, "OK")})
    return _fill(server.access_log, values)
