"""What the JavaScript build tools an npm project runs leave behind.

Running a package's command (`tsc`, `vite build`, `react-scripts build`, …) is not simulated
line by line, but the files it writes matter to the next Dockerfile step (`COPY --from=build
/app/dist /usr/share/nginx/html`). Each tool below writes its conventional output, derived from
the project's sources so that it changes when they do:

* web bundlers (vite, react-scripts, webpack, parcel, vue-cli-service, rollup, ng): an
  `index.html` (the project's own, else a minimal one) and hashed script and style bundles under
  their output folder (`dist/`, `build/`, `dist/<project>/browser/` for Angular);
* TypeScript compilers (tsc, nest): one `.js` file per `.ts` source, in tsconfig's `outDir`
  (`dist/` for nest);
* next: a `.next/` folder with its BUILD_ID and server bundle.

Any other package command finishes with status 0 and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re

from tutor.engine.fs import Data, Node, Synthetic
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg.catalogue import put_file, read_text, write_text

_WEB = {"vite": "dist", "react-scripts": "build", "webpack": "dist", "webpack-cli": "dist",
        "parcel": "dist", "@vue/cli-service": "dist", "rollup": "dist", "@angular/cli": "dist"}
_SOURCES = (".js", ".jsx", ".ts", ".tsx", ".vue", ".svelte", ".css", ".scss")


def package_of(real: str) -> str:
    """The package a file under `node_modules` belongs to (`@vue/cli-service`, `vite`)."""
    rest = real.rsplit("/node_modules/", 1)[1]
    parts = rest.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def _project_root(proc: Process, real: str) -> str:
    return real.rsplit("/node_modules/", 1)[0] if "/node_modules/" in real else proc.cwd


def _sources(proc: Process, root: str, suffixes: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for base in ("src", "app", "pages", "public"):
        folder = f"{root}/{base}"
        if folder not in proc.fs:
            continue
        for path in sorted(proc.fs.walk(folder)):
            if path.endswith(suffixes) and not path.endswith(".d.ts"):
                found.append((path, read_text(proc.fs, path) or ""))
    return found


def run_tool(proc: Process, real: str, args: list[str]) -> int:
    """Play the command `real` (a script inside node_modules) with `args`."""
    package = package_of(real)
    root = proc.cwd if proc.cwd.startswith(_project_root(proc, real)) else _project_root(
        proc, real)
    if package in ("typescript", "@nestjs/cli") and not {"-v", "--version", "--noEmit",
                                                         "--help"} & set(args):
        if package == "typescript" or "build" in args:
            _typescript(proc, root, "dist" if package == "@nestjs/cli" else "")
    elif package == "next" and "build" in args:
        _next(proc, root)
    elif package in _WEB and (package in ("webpack", "webpack-cli", "rollup", "parcel") or
                              "build" in args):
        _bundle(proc, root, package)
    proc.spend(0.3)
    return 0


def _tsconfig(proc: Process, root: str) -> dict[str, object]:
    text = read_text(proc.fs, f"{root}/tsconfig.json") or "{}"
    # tsconfig allows comments and trailing commas
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    options = data.get("compilerOptions") if isinstance(data, dict) else None
    return options if isinstance(options, dict) else {}


def _typescript(proc: Process, root: str, default_out: str) -> None:
    options = _tsconfig(proc, root)
    out_dir = str(options.get("outDir") or default_out or "")
    root_dir = str(options.get("rootDir") or "src").strip("./") or "src"
    for path, text in _sources(proc, root, (".ts", ".tsx")):
        rel = posixpath.relpath(path, f"{root}/{root_dir}")
        if rel.startswith(".."):
            rel = posixpath.relpath(path, root)
        target = posixpath.normpath(posixpath.join(root, out_dir, rel)) if out_dir else path
        target = re.sub(r"\.tsx?$", ".js", target)
        # Types erased: a little smaller than the source, deterministic in it.
        body = re.sub(r":\s*[A-Za-z_][\w<>\[\]|, ]*(?=[,)=;{])", "", text)
        write_text(proc.fs, target, '"use strict";\n' + body)


def _digest(parts: list[tuple[str, str]], salt: str) -> str:
    return hashlib.sha256(json.dumps([salt, parts]).encode()).hexdigest()


def _bundle(proc: Process, root: str, package: str) -> None:
    sources = _sources(proc, root, _SOURCES)
    out = f"{root}/{_WEB[package]}"
    if package == "@angular/cli":
        name = json.loads(read_text(proc.fs, f"{root}/package.json") or "{}").get("name", "app")
        out = f"{out}/{name}/browser"
    digest = _digest(sources, package)
    scripts = sum(len(t) for p, t in sources if not p.endswith((".css", ".scss")))
    styles = sum(len(t) for p, t in sources if p.endswith((".css", ".scss")))
    if package == "react-scripts":
        js = f"static/js/main.{digest[:8]}.js"
        css = f"static/css/main.{digest[8:16]}.css"
    else:
        js = f"assets/index-{digest[:8]}.js"
        css = f"assets/index-{digest[8:16]}.css"
    # A framework runtime is bundled with the app's code: ~140 kB of React or Vue, minified.
    put_file(proc.fs, f"{out}/{js}", Node("file", 0o644, content=Synthetic(
        140_000 + scripts // 2, f"bundle:{digest}")))
    if styles:
        put_file(proc.fs, f"{out}/{css}", Node("file", 0o644, content=Synthetic(
            styles, f"styles:{digest}")))
    page = read_text(proc.fs, f"{root}/index.html") or read_text(
        proc.fs, f"{root}/public/index.html") or (
        '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n'
        "    <title>App</title>\n  </head>\n  <body>\n    <div id=\"root\"></div>\n"
        "  </body>\n</html>\n")
    page = re.sub(r"<script[^>]*src=\"[^\"]*\"[^>]*></script>\s*", "", page)
    tags = f'<script type="module" crossorigin src="/{js}"></script>' + (
        f'<link rel="stylesheet" crossorigin href="/{css}">' if styles else "")
    page = page.replace("</head>", f"  {tags}\n  </head>", 1)
    put_file(proc.fs, f"{out}/index.html", Node("file", 0o644, content=Data(page.encode())))
    public = f"{root}/public"
    if public in proc.fs:
        for path in sorted(proc.fs.walk(public)):
            node = proc.fs.get(path)
            if node is not None and node.type == "file" and not path.endswith("/index.html"):
                put_file(proc.fs, out + path[len(public):], node)


def _next(proc: Process, root: str) -> None:
    sources = _sources(proc, root, _SOURCES)
    digest = _digest(sources, "next")
    out = f"{root}/.next"
    write_text(proc.fs, f"{out}/BUILD_ID", digest[:21])
    put_file(proc.fs, f"{out}/server/app/page.js", Node("file", 0o644, content=Synthetic(
        60_000 + sum(len(t) for _, t in sources), f"next:{digest}")))
    put_file(proc.fs, f"{out}/static/chunks/main-{digest[:16]}.js", Node(
        "file", 0o644, content=Synthetic(120_000, f"next-main:{digest}")))
    write_text(proc.fs, f"{out}/build-manifest.json", json.dumps(
        {"pages": {"/_app": [f"static/chunks/main-{digest[:16]}.js"]}}, indent=2) + "\n")
