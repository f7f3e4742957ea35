"""`docker build` of the sample projects Docker's guides use, with dependencies no catalogue
line lists: they resolve by rule (docs/package-simulation.md) and the build succeeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.dockercli.conftest import Docker, write

V1_LOCK = {
    "name": "getting-started", "version": "1.0.0", "lockfileVersion": 1, "requires": True,
    "dependencies": {
        "express": {"version": "4.17.1", "requires": {"ms": "2.0.0"}},
        "ms": {"version": "2.0.0"},
        "mysql2": {"version": "2.2.5"},
        "uuid": {"version": "8.3.2"},
        "jest": {"version": "27.2.5", "dev": True},
        "nodemon": {"version": "2.0.13", "dev": True},
    },
}
TODO_APP = {
    "Dockerfile": ("FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\n"
                   "RUN npm ci --omit=dev\nCOPY src ./src\nCMD [\"node\", \"src/index.js\"]\n"),
    "package.json": json.dumps({
        "name": "getting-started", "version": "1.0.0", "main": "index.js",
        "scripts": {"dev": "nodemon src/index.js", "test": "jest"},
        "dependencies": {"express": "^4.17.1", "mysql2": "^2.2.5", "uuid": "^8.3.2"},
        "devDependencies": {"jest": "^27.2.5", "nodemon": "^2.0.13"}}, indent=2),
    "package-lock.json": json.dumps(V1_LOCK, indent=2),
    "src/index.js": "const express = require('express');\n",
}
FLASK_APP = {
    "Dockerfile": ("FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
                   "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
                   'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n'),
    "requirements.txt": "Flask==2.0.1\ngunicorn==20.1.0\nredis>=4\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n",
}


def test_node_todo_app_with_v1_lockfile_and_npm_ci(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "todo", TODO_APP)
    result = docker("build", "--progress=plain", "-t", "todo", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "npm warn old lockfile" in result.err
    assert "added 4 packages, and audited 5 packages in " in result.err
    listing = docker("run", "--rm", "todo", "ls", "/app/node_modules")
    assert listing.out.split() == ["express", "ms", "mysql2", "uuid"]


def test_flask_app_with_pinned_old_flask(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "flask", FLASK_APP)
    result = docker("build", "--progress=plain", "-t", "flask-app", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "Collecting Flask==2.0.1 (from -r requirements.txt (line 1))" in result.err
    assert "Successfully installed " in result.err and " Flask-2.0.1 " in result.err
    shown = docker("run", "--rm", "flask-app", "ls", "/usr/local/lib/python3.12/site-packages")
    assert "flask-2.0.1.dist-info" in shown.out.split()
    assert "gunicorn-20.1.0.dist-info" in shown.out.split()


def test_pinning_a_version_no_index_has_fails_the_build(docker: Docker,
                                                         tmp_path: Path) -> None:
    ctx = write(tmp_path / "bad", {**FLASK_APP, "requirements.txt": "flask==99\n"})
    result = docker("build", "--progress=plain", "-t", "bad", ".", cwd=ctx)
    assert result.status == 1
    assert ("ERROR: Could not find a version that satisfies the requirement flask==99 (from "
            "versions: 3.1.0)") in result.err


REACT_APP = {
    "Dockerfile": ("FROM node:20-alpine AS build\nWORKDIR /app\nCOPY package.json ./\n"
                   "RUN npm install\nCOPY . .\nRUN npm run build\n\n"
                   "FROM nginx:alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n"),
    "package.json": json.dumps({
        "name": "web", "private": True, "version": "0.0.0", "type": "module",
        "scripts": {"dev": "vite", "build": "tsc -b && vite build"},
        "dependencies": {"react": "^18.3.1", "react-dom": "^18.3.1"},
        "devDependencies": {"@vitejs/plugin-react": "^4.3.4", "typescript": "~5.6.2",
                            "vite": "^6.0.5"}}, indent=2),
    "index.html": ('<!doctype html>\n<html lang="en">\n  <head>\n    <title>Vite + React</title>\n'
                   '  </head>\n  <body>\n    <div id="root"></div>\n    <script type="module" '
                   'src="/src/main.tsx"></script>\n  </body>\n</html>\n'),
    "tsconfig.json": '{\n  // project references\n  "files": [],\n}\n',
    "src/main.tsx": "import React from 'react'\nexport const x: number = 1\n",
    "src/index.css": "body { margin: 0 }\n",
}


def test_vite_react_app_builds_dist_for_nginx(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "web", REACT_APP)
    result = docker("build", "--progress=plain", "-t", "web", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "> web@0.0.0 build\n" in result.err and "> tsc -b && vite build\n" in result.err
    shown = docker("run", "--rm", "web", "find", "/usr/share/nginx/html", "-type", "f")
    files = shown.out.split()
    assert "/usr/share/nginx/html/index.html" in files
    assert any(re.fullmatch(r"/usr/share/nginx/html/assets/index-[0-9a-f]{8}\.js", f)
               for f in files)
    page = docker("run", "--rm", "web", "cat", "/usr/share/nginx/html/index.html").out
    assert "<title>Vite + React</title>" in page and "/src/main.tsx" not in page
