"""App servers read from their own files: node (Express, `http.createServer`, package.json
scripts), Python (Flask, FastAPI, gunicorn, uvicorn, `flask run`, Django's runserver), and
java/.NET apps that answer a plausible text. Each answers what its source says where the source
is readable; an app that cannot reach its database ends as the real one does."""

from __future__ import annotations

import html
import json
import posixpath
import re
import shlex
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from tutor.engine.fs import FileTree, FsError
from tutor.engine.pyapps import read_app
from tutor.engine.serverbase import (
    EXPRESS_404,
    FLASK_404,
    Resolve,
    Server,
    exists,
    fill,
    read_text,
)


def package_script(tree: FileTree, cwd: str, argv: list[str]) -> list[str] | None:
    """The command `npm start`, `npm run dev`, `yarn start`… runs: the package.json script's
    last command (`npm run build && node server.js` serves with `node server.js`), without its
    leading `VAR=value` words; `npm start` with no start script runs `node server.js`."""
    args = argv[1:]
    name = args[1] if len(args) > 1 and args[0] in ("run", "run-script") else \
        args[0] if args and args[0] not in ("run", "run-script", "install", "ci") else ""
    text = read_text(tree, "package.json", cwd)
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


def node_sources(tree: FileTree, main: str, cwd: str) -> str:
    """The app's main file and the local modules it requires, joined."""
    if not main:
        return ""
    todo = [posixpath.normpath(posixpath.join(cwd, main))]
    seen: set[str] = set()
    parts: list[str] = []
    while todo and len(seen) < MAX_MODULES:
        path = todo.pop(0)
        for candidate in (path, path + ".js", path + "/index.js"):
            text = read_text(tree, candidate, "/")
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


def node_server(spec: dict[str, Any], source: str, env: dict[str, str],
                 resolve: Resolve | None) -> Server:
    port = _node_port(source, env, int(spec["port"]))
    client = _node_client(spec, source, env) if resolve is not None else None
    if client is not None:
        host, db_port = client
        if host in ("localhost", "127.0.0.1"):
            text = fill(spec["errors"]["ECONNREFUSED"], {**env, "port": str(db_port)})
            return Server("node", port, None, (), tuple(text.splitlines()), "node",
                          exit_code=1)
        if resolve is not None and not resolve(host):
            text = fill(spec["errors"]["ENOTFOUND"], {**env, "host": host})
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
    """`pkg.mod:app`, `app.py`, `src/app.py:create_app()` → the module's file."""
    module = target.partition(":")[0] or "app"
    if module.endswith(".py"):
        return module
    return module.replace(".", "/") + ".py"


def _templates(tree: FileTree, app_file: str, cwd: str) -> Callable[[str], str | None]:
    """Flask's template folder: `templates/` beside the app's module."""
    folder = posixpath.join(posixpath.dirname(app_file), "templates")
    return lambda name: read_text(tree, posixpath.join(folder, name), cwd)


def _module_file(target: str, cwd: str, tree: FileTree) -> tuple[str, str | None]:
    """`pkg.mod:app` → (its file's name stem, its source)."""
    path = _module_path(target).removesuffix(".py")
    for candidate in (path + ".py", path + "/__init__.py"):
        text = read_text(tree, candidate, cwd)
        if text is not None:
            return posixpath.basename(path), text
    return posixpath.basename(path), None


def python_server(specs: dict[str, dict[str, Any]], argv: list[str], tree: FileTree,
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
            return _django(spec, args, tree, cwd, env)
        else:
            source = read_text(tree, args[0], cwd)
            app = read_app(source, _templates(tree, args[0], cwd)) if source else None
            if app is None or source is None:
                return None
            name = posixpath.splitext(posixpath.basename(args[0]))[0]
            if app.framework == "flask":
                host = _run_host(source) or "127.0.0.1"
                return _flask(specs, app.routes, name, app.port or 5000, host, env)
            host = _run_host(source) or "127.0.0.1"
            return _uvicorn(spec, app.routes, host, app.port or 8000)
    if exe == "http.server":
        return _http_server(spec, args, cwd, env)
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
        return _flask(specs, app.routes if app else (), target or None,
                      int(port) if port.isdigit() else 5000, host, env)
    return None


def _http_server(spec: dict[str, Any], args: list[str], cwd: str,
                 env: dict[str, str]) -> Server:
    """`python -m http.server [port] [--bind addr] [--directory dir]`: files and listings of a
    folder. Its "Serving HTTP on …" line is print()ed to a block-buffered stdout."""
    opts, rest = _options(args, {"-b", "--bind", "-d", "--directory", "-p", "--protocol"})
    port = int(rest[0]) if rest and rest[0].isdigit() else 8000
    bind = opts.get("-b") or opts.get("--bind") or ""
    folder = posixpath.normpath(posixpath.join(cwd, opts.get("-d") or opts.get("--directory")
                                               or "."))
    shown = f"{bind} port {port} (http://{bind}:{port}/)" if bind else \
        f":: port {port} (http://[::]:{port}/)"
    return Server("python", port, None,
                  (f"Serving HTTP on {shown} ...",) if _unbuffered(env) else (), (),
                  "pyhttp", folder, (), spec.get("http_server_access", ""), "",
                  loopback=bind in ("127.0.0.1", "localhost", "::1"), access_stream=2)


def _run_host(source: str) -> str | None:
    m = re.search(r"\.run\([^)]*host\s*=\s*['\"]([^'\"]+)['\"]", source)
    return m.group(1) if m else None


def _unbuffered(env: dict[str, str]) -> bool:
    """Python block-buffers stdout into a pipe: what a server prints there (not what it logs to
    stderr) only shows in `docker logs` with PYTHONUNBUFFERED set."""
    return bool(env.get("PYTHONUNBUFFERED"))


def _flask(specs: dict[str, dict[str, Any]], routes: tuple[tuple[str, str], ...],
           app: str | None, port: int, host: str, env: dict[str, str]) -> Server:
    """Werkzeug's development server; `app` is the import path the banner names (None when
    `flask run` found the app by itself: the banner then leaves that line out)."""
    spec = specs["flask"]
    stdout = [t for t in spec["stdout"] if app is not None or "{app}" not in t] \
        if _unbuffered(env) else []
    stderr = list(spec["stderr"])
    if host not in ("0.0.0.0", "::"):  # one address only: the banner names just it
        stderr = [t for t in stderr if "all addresses" not in t and "{ip}" not in t]
        stderr = [t.replace("http://127.0.0.1:", f"http://{host}:") for t in stderr]
    return Server("flask", port, None, tuple(stdout), tuple(stderr), "flask",
                  "", routes, spec.get("access_log", ""), FLASK_404,
                  {"app": app or "", "port": str(port)},
                  loopback=host in ("127.0.0.1", "localhost"), access_stream=2)


def _uvicorn(spec: dict[str, Any], routes: tuple[tuple[str, str], ...], host: str,
             port: int) -> Server:
    return Server("python", port, None, (), tuple(spec["uvicorn"]), "python", "", routes,
                  spec.get("uvicorn_access", ""), '{"detail":"Not Found"}',
                  {"host": host, "port": str(port)},
                  loopback=host in ("127.0.0.1", "localhost"))


def _django(spec: dict[str, Any], args: list[str], tree: FileTree, cwd: str,
            env: dict[str, str]) -> Server:
    after = args[args.index("runserver") + 1:]
    addr = next((a for a in after if not a.startswith("-")), "127.0.0.1:8000")
    host, _, port = addr.rpartition(":") if ":" in addr else ("127.0.0.1", "", addr)
    manage = read_text(tree, args[0], cwd) or ""
    settings = re.search(r"DJANGO_SETTINGS_MODULE['\"],\s*['\"]([\w.]+)", manage)
    return Server("python", int(port) if port.isdigit() else 8000, None,
                  tuple(spec["django_stdout"]) if _unbuffered(env) else (),
                  tuple(spec["django"]), "python", "",
                  (("*", spec["plausible"]),), "", "",
                  {"host": host or "127.0.0.1", "port": port,
                   "settings": settings.group(1) if settings else "settings",
                   "django_version": spec["django_version"]},
                  loopback=host in ("127.0.0.1", "localhost", ""))


# -- java, .NET ----------------------------------------------------------------------------


def jvm_server(spec: dict[str, Any], argv: list[str], tree: FileTree, cwd: str,
                env: dict[str, str]) -> Server | None:
    exe = posixpath.basename(argv[0])
    if exe == "java":
        jar = argv[argv.index("-jar") + 1] if "-jar" in argv[:-1] else ""
        if not jar or not exists(tree, jar, cwd):
            return None
        port = env.get("SERVER_PORT", "")
        m = re.search(r"--server\.port=(\d+)", " ".join(argv))
        value = int(m.group(1)) if m else int(port) if port.isdigit() else int(spec["port"])
        return Server("java", value, 143, tuple(spec["java_stdout"]), (), "app", "",
                      (("*", spec["java_body"]),), "", "", {"port": str(value)})
    dll = argv[1] if len(argv) > 1 and argv[1].endswith(".dll") else ""
    if not dll or not exists(tree, dll, cwd):
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


PY_ERROR = """<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: 404</p>
        <p>Message: File not found.</p>
        <p>Error code explanation: 404 - Nothing matches the given URI.</p>
    </body>
</html>
"""
"""http.server's DEFAULT_ERROR_MESSAGE, filled for a missing file."""


def python_http(tree: FileTree, root: str, path: str) -> tuple[int, bytes]:
    """What `python -m http.server` answers: a file, a folder's index.html, or its listing
    (names sorted case-blind, folders with "/"); a folder asked without "/" redirects."""
    target = posixpath.normpath(posixpath.join(root, path.lstrip("/")))
    try:
        _, node = tree.lookup(target)
    except FsError:
        return 404, PY_ERROR.encode()
    if not node.is_dir:
        return 200, node.content.read() if node.content is not None else b""
    if not path.endswith("/"):
        return 301, b""
    for index in ("index.html", "index.htm"):
        if exists(tree, posixpath.join(target, index)):
            return python_http(tree, root, path + index)
    names = sorted(tree.listdir(target), key=str.lower)
    items = []
    for name in names:
        is_dir = tree.lookup(posixpath.join(target, name))[1].is_dir
        shown = name + "/" if is_dir else name
        items.append(f'<li><a href="{quote(shown)}">{html.escape(shown, quote=False)}</a></li>')
    title = f"Directory listing for {html.escape(path, quote=False)}"
    page = "\n".join(['<!DOCTYPE HTML>', '<html lang="en">', "<head>",
                      '<meta charset="utf-8">', f"<title>{title}</title>\n</head>",
                      f"<body>\n<h1>{title}</h1>", "<hr>\n<ul>", *items,
                      "</ul>\n<hr>\n</body>\n</html>\n"])
    return 200, page.encode()
