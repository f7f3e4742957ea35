"""Python web apps read from their source: which routes they have and what each returns.

The source is parsed with Python's own `ast` (nothing runs): a view decorated with
`@app.route("/")`, `@app.get("/")` or `@bp.route(…)` whose `return` is a plain string, an
f-string made of plain text, a dict/list literal, or `jsonify({...})` of literals answers that
text or that JSON, as Flask (`jsonify`: compact, newline-terminated) and FastAPI (compact) send
it. A view whose answer cannot be read answers a plausible short text instead.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PyApp:
    framework: str
    """"flask", "fastapi" or "django"."""
    routes: tuple[tuple[str, str], ...]
    port: int | None
    """The port `app.run(port=…)` / `uvicorn.run(…, port=…)` gives, if the source says."""


def _json(value: object, flask: bool) -> str:
    if flask:
        return json.dumps(value, separators=(",", ":")) + "\n"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _text(node: ast.expr | None, flask: bool) -> str | None:
    """What `return <node>` sends, when it is made of literals only."""
    if node is None:
        return None
    if isinstance(node, ast.Tuple) and node.elts:  # `return "x", 200`
        return _text(node.elts[0], flask)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        if len(parts) == len(node.values):
            return "".join(str(p) for p in parts)
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("jsonify", "JSONResponse", "PlainTextResponse", "HTMLResponse"):
        arg = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "content"), None)
        if node.func.id in ("PlainTextResponse", "HTMLResponse"):
            return _text(arg, flask)
        if arg is None and node.keywords:
            try:
                return _json({k.arg: ast.literal_eval(k.value) for k in node.keywords}, flask)
            except ValueError:
                return None
        return _literal_json(arg, flask or node.func.id == "jsonify")
    if isinstance(node, (ast.Dict, ast.List)):
        return _literal_json(node, flask)
    return None


def _literal_json(node: ast.expr | None, flask: bool) -> str | None:
    if node is None:
        return None
    try:
        return _json(ast.literal_eval(node), flask)
    except ValueError:
        return None


def _route_path(dec: ast.expr) -> str | None:
    if not isinstance(dec, ast.Call) or not isinstance(dec.func, ast.Attribute):
        return None
    if dec.func.attr not in ("route", "get", "api_route"):
        return None
    if dec.args and isinstance(dec.args[0], ast.Constant) and isinstance(dec.args[0].value, str):
        return dec.args[0].value
    return None


Templates = Callable[[str], "str | None"]
"""A template's text by its name (Flask's `templates/` folder beside the app), or None."""


def _rendered(node: ast.expr | None, templates: Templates | None) -> str | None:
    """`render_template("index.html", …)`: the template with Jinja's tags left out (no
    variable is known, so each renders empty, as an undefined one does)."""
    if templates is None or not isinstance(node, ast.Call) or not isinstance(
            node.func, ast.Name) or node.func.id != "render_template" or not node.args:
        return None
    name = node.args[0]
    if not isinstance(name, ast.Constant) or not isinstance(name.value, str):
        return None
    text = templates(name.value)
    if text is None:
        return None
    return re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", "", text, flags=re.S)


def read_app(source: str, templates: Templates | None = None) -> PyApp | None:
    """The web app `source` defines, or None when it is no Flask/FastAPI app."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    framework = "fastapi" if re.search(r"\bFastAPI\s*\(", source) else \
        "flask" if re.search(r"\bFlask\s*\(", source) else ""
    if not framework:
        return None
    flask = framework == "flask"
    routes: list[tuple[str, str]] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        paths = [p for p in (_route_path(d) for d in fn.decorator_list) if p is not None]
        if not paths:
            continue
        returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
        body = next((t for t in (_text(r.value, flask) or _rendered(r.value, templates)
                                 for r in returns) if t is not None), None)
        if body is None:
            body = f"{fn.name}\n" if flask else _json({"view": fn.name}, False)
        for p in paths:
            routes.append((p, body))
    return PyApp(framework, tuple(routes), _run_port(tree))


def match(routes: tuple[tuple[str, str], ...], path: str) -> str | None:
    """The body of the route `path` selects (Flask `<x>` and FastAPI `{x}` parameters match
    one path segment)."""
    for route, body in routes:
        if route == path:
            return body
    for route, body in routes:
        pattern = re.sub(r"<(?:[^:>]+:)?[^>]+>|\{[^}]+\}", "[^/]+", re.escape(route)
                         .replace(r"\<", "<").replace(r"\>", ">")
                         .replace(r"\{", "{").replace(r"\}", "}"))
        if re.fullmatch(pattern, path):
            return body
    return None


def _run_port(tree: ast.Module) -> int | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "run":
            for k in node.keywords:
                if k.arg == "port" and isinstance(k.value, ast.Constant) and \
                        isinstance(k.value.value, int):
                    return k.value.value
                if k.arg == "port" and isinstance(k.value, ast.Call):
                    # `int(os.environ.get("PORT", 5000))`: the default when PORT is unset
                    for a in ast.walk(k.value):
                        if isinstance(a, ast.Constant) and isinstance(a.value, (int, str)) \
                                and str(a.value).isdigit():
                            return int(a.value)
    return None
