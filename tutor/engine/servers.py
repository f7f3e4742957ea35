"""Well-known servers a container may run: what they log when they start and what they answer.

No server really runs. A container's command is recognised (nginx, httpd, redis, registry,
postgres/mysql, a Go program, a node/Python/java/.NET app) from its argv and the files it would
execute; the server then "stays up" (or ends as the real one would: a configuration error, a
refusal, a database it cannot reach), its start-up lines are the ones the real image prints (data
in `assets/servers/*.toml`), and HTTP requests to its port are answered from the container's own
file system: nginx as its configuration says (`nginxconf.py`), an app what its source says
(`appservers.py`, `pyapps.py`).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import shlex
import tomllib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tutor.engine.appservers import (
    jvm_server,
    node_server,
    node_sources,
    package_script,
    python_http,
    python_server,
)
from tutor.engine.clock import rfc3339
from tutor.engine.fs import FileTree, FsError
from tutor.engine.nginxconf import (
    REASONS,
    ConfigError,
    Upstream,
    answer,
    upstream_hosts,
)
from tutor.engine.nginxconf import load as load_nginx
from tutor.engine.pyapps import match
from tutor.engine.serverbase import Resolve, Server, exists, fill, on_path, read_text

__all__ = ["GoProgram", "Server", "access_line", "error_lines", "go_program", "process_argv",
           "recognise", "respond", "shell_stays_pid1", "startup_logs"]

WRAPPERS = frozenset({"docker-entrypoint.sh", "entrypoint.sh"})
"""Entrypoint scripts that end in `exec "$@"`: the process is whatever follows them."""


@cache
def _specs(assets: Path) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {}
    for path in sorted((assets / "servers").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        specs[doc["name"]] = doc
    return specs


_EXECS_ITS_ARGUMENTS = re.compile(r'(?m)(?:^|[;&|]\s*)\s*exec\s+(?:"\$@"|"\$\{@\}"|\$@|\$\{@\})')


def shell_stays_pid1(tree: FileTree, argv: list[str], cwd: str, env: dict[str, str]) -> bool:
    """Whether a wrapper entrypoint script runs its command as a child instead of `exec "$@"`:
    the shell then stays PID 1, and a shell as PID 1 with no trap ignores SIGTERM, so
    `docker stop` waits out its timeout and kills (exit 137). An unreadable script is taken to
    exec, as every official image's does."""
    if len(argv) < 2 or posixpath.basename(argv[0]) not in WRAPPERS:
        return False
    name = argv[0]
    paths = [name] if "/" in name else [
        posixpath.join(d, name) for d in env.get("PATH", "").split(":") if d]
    for path in paths:
        script = read_text(tree, path, cwd)
        if script is not None:
            return _EXECS_ITS_ARGUMENTS.search(script) is None
    return False


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
        script = read_text(tree, argv[0], cwd) or ""
        for spec in specs.values():
            marker = spec.get("wrapper_marker", "")
            if marker and marker in script:
                return [*marker.removeprefix("set -- ").split(), *argv[1:]]
    return process_argv(argv)



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
        found = _last_command(argv[2], cwd)
        return recognise(assets, found[0], tree, found[1], env, resolve) if found else None
    if exe in ("nginx", "nginx-debug") and "nginx" in specs and not any(
            a in ("-v", "-V", "-t", "-T", "-h", "-?", "-s") for a in argv[1:]):
        return _nginx(assets, specs["nginx"], argv, tree, env, wrapped, resolve)
    for name in ("httpd", "redis", "registry"):
        spec = specs.get(name)
        if spec and exe in spec["commands"] and not any(a in ("-v", "-V", "-t", "--version")
                                                        for a in argv[1:]) \
                and argv[1:2] == ([spec["subcommand"]] if "subcommand" in spec else argv[1:2]):
            return _fixed_server(spec, tree)
    for name in ("postgres", "mariadb", "mysql"):
        spec = specs.get(name)
        if spec and wrapped and exe in spec["commands"] and (
                "image_env" not in spec or spec["image_env"] in env):
            return _database(spec, tree, env)
    program = go_program(tree, argv[0], cwd, env)
    if program is not None and "go" in specs:
        return _go_server(specs["go"], program)
    if exe in ("npm", "yarn", "pnpm") and len(argv) > 1:
        script = package_script(tree, cwd, argv)
        return recognise(assets, script, tree, cwd, env, resolve) if script else None
    if exe == "nodemon" and not (on_path(tree, argv[0], cwd, env) or exists(
            tree, "node_modules/.bin/nodemon", cwd)):
        return None
    if exe in ("node", "nodejs", "nodemon") and len(argv) > 1 and "node" in specs:
        main = next((a for a in argv[1:] if not a.startswith("-")), "")
        source = node_sources(tree, main, cwd)
        if source and specs["node"]["source_marker"] in source:
            return node_server(specs["node"], source, env, resolve)
    if "python" in specs and (exe.startswith("python") or exe in specs["python"]["commands"]) \
            and on_path(tree, argv[0], cwd, env):
        return python_server(specs, argv, tree, cwd, env)
    if "jvm" in specs and exe in ("java", "dotnet"):
        return jvm_server(specs["jvm"], argv, tree, cwd, env)
    return None



def _last_command(script: str, cwd: str) -> tuple[list[str], str] | None:
    """The command a `sh -c` script ends in, and the directory it runs in: `cd /app && python
    manage.py migrate && exec gunicorn app:app` serves with gunicorn in /app (the commands
    before it are taken to finish). Leading `VAR=value` words and `exec` are dropped."""
    try:
        lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return None
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in ("&&", ";", "||", "&"):
            commands.append([])
        else:
            commands[-1].append(token)
    for words in commands[:-1]:
        if words[:1] == ["cd"] and len(words) == 2:
            cwd = posixpath.normpath(posixpath.join(cwd, words[1]))
    words = commands[-1]
    while words and (words[0] == "exec" or re.match(r"^\w+=", words[0])):
        words = words[1:]
    return (words, cwd) if words and "|" not in words else None


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
    text = read_text(tree, DEFAULT_CONF, "/")
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
    if conf_path == "/etc/nginx/nginx.conf" and not exists(tree, conf_path):
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
    marker = fill(spec.get("data_marker", ""), env)
    initialised = bool(marker) and exists(tree, marker)
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
        runnable = not isinstance(interpreter, str) or exists(tree, interpreter)
        listen = manifest.get("listen")
        return GoProgram(path, str(manifest.get("stdout") or ""),
                         listen if isinstance(listen, str) else None,
                         str(manifest.get("response") or ""), runnable)
    return None


GO_HEADER_BYTES = 1 << 16
"""The ELF header, build info and manifest all sit in an executable's first pages."""



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
        conf = read_text(tree, conf_path, "/") or ""
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
        "mysql_time_plain": moment.strftime("%Y-%m-%d %H:%M:%S"),
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



def startup_logs(server: Server, now: float, ip: str,
                 env: dict[str, str]) -> list[tuple[int, str]]:
    """(stream, line) pairs the server prints as it starts (1 = stdout, 2 = stderr)."""
    values = _placeholders(now, ip, env, server.values)
    return [(1, fill(t, values)) for t in server.stdout] + \
        [(2, fill(t, values)) for t in server.stderr]


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
    if server.http == "pyhttp":
        return python_http(tree, server.root, clean)
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
    missing = 404, fill(server.not_found, env).encode()
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
    return fill(server.access_log, values)
