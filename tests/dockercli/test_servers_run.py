"""End to end: what was built runs as the real server would, and `curl localhost:PORT` gets
what that server answers."""

from __future__ import annotations

from pathlib import Path

from tests.dockercli.conftest import Docker, write
from tutor.engine import Engine
from tutor.paths import content_dir

SPA_CONF = """server {
    listen       8080;
    server_name  localhost;
    root   /usr/share/nginx/html;
    location / {
        try_files $uri $uri/ /index.html;
    }
    location /api/ {
        proxy_pass http://api:3000/;
    }
    location = /healthz {
        return 200 'healthy';
    }
}
"""
API = """const express = require('express');
const app = express();
app.get('/users', (req, res) => res.json({ users: ['ada', 'linus'] }));
app.listen(3000, () => console.log('API on 3000'));
"""


def curl(state: Path, port: int, path: str) -> tuple[int, bytes] | None:
    engine = Engine.open(state, content_dir("assets"))
    try:
        return engine.http_get(port, path)
    finally:
        engine.close()


def test_nginx_serves_what_its_config_says_and_proxies_to_another_container(
        docker: Docker, isolated_state: Path, tmp_path: Path) -> None:
    web = write(tmp_path / "web", {
        "Dockerfile": "FROM nginx:alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n"
                      "COPY dist/ /usr/share/nginx/html/\n",
        "nginx.conf": SPA_CONF, "dist/index.html": "<div id=app></div>\n",
        "dist/app.js": "boot()\n"})
    api = write(tmp_path / "api", {
        "Dockerfile": 'FROM node:20-alpine\nWORKDIR /srv\nCOPY server.js .\n'
                      'CMD ["node", "server.js"]\n',
        "server.js": API})
    assert docker("build", "-q", "-t", "web", ".", cwd=web).status == 0
    assert docker("build", "-q", "-t", "api", ".", cwd=api).status == 0
    assert docker("run", "-d", "--name", "api", "api").status == 0
    assert docker("run", "-d", "--name", "web", "-p", "8080:8080", "web").status == 0
    assert curl(isolated_state, 8080, "/") == (200, b"<div id=app></div>\n")
    assert curl(isolated_state, 8080, "/app.js") == (200, b"boot()\n")
    assert curl(isolated_state, 8080, "/some/route") == (200, b"<div id=app></div>\n")
    assert curl(isolated_state, 8080, "/healthz") == (200, b"healthy")
    assert curl(isolated_state, 8080, "/api/users") == (200, b'{"users":["ada","linus"]}')
    logs = docker("logs", "web").out.splitlines()
    assert "10-listen-on-ipv6-by-default.sh: info: /etc/nginx/conf.d/default.conf differs " \
        "from the packaged version" in logs
    assert logs[-1].startswith('172.17.0.1 - - [') and '"GET /api/users HTTP/1.1" 200 25' in \
        logs[-1]
    assert docker("stop", "api").status == 0  # the upstream is gone: nginx answers 502
    status, body = curl(isolated_state, 8080, "/api/users") or (0, b"")
    assert status == 502 and b"<title>502 Bad Gateway</title>" in body


def test_nginx_with_a_broken_config_exits_1_with_emerg(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path, {"Dockerfile": "FROM nginx:alpine\nCOPY site.conf "
                                         "/etc/nginx/conf.d/default.conf\n",
                           "site.conf": "server {\n    listen 80;\n    lisen 81;\n}\n"})
    assert docker("build", "-q", "-t", "broken", ".", cwd=ctx).status == 0
    r = docker("run", "--name", "bad", "broken")
    assert r.status == 1
    assert r.err.splitlines()[-1] == \
        'nginx: [emerg] unknown directive "lisen" in /etc/nginx/conf.d/default.conf:3'
    assert "Exited (1)" in docker("ps", "-a").out


def test_nginx_proxy_to_a_missing_host_fails_at_start(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path, {"Dockerfile": "FROM nginx:alpine\nCOPY site.conf "
                                         "/etc/nginx/conf.d/default.conf\n",
                           "site.conf": SPA_CONF})
    assert docker("build", "-q", "-t", "proxy", ".", cwd=ctx).status == 0
    r = docker("run", "proxy")
    assert r.status == 1 and r.err.splitlines()[-1] == (
        'nginx: [emerg] host not found in upstream "api:3000" in '
        "/etc/nginx/conf.d/default.conf:9")


def test_nginx_without_daemon_off_exits_at_once(docker: Docker) -> None:
    r = docker("run", "--name", "fg", "nginx:alpine", "nginx")
    assert r.status == 0
    assert "Exited (0)" in docker("ps", "-a").out


def test_flask_app_answers_its_route(docker: Docker, isolated_state: Path,
                                     tmp_path: Path) -> None:
    ctx = write(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nEXPOSE 5000\n"
                      'CMD ["python", "app.py"]\n',
        "app.py": 'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/")\n'
                  'def index():\n    return "Hello from Flask!"\n\n'
                  'if __name__ == "__main__":\n    app.run(host="0.0.0.0", port=5000)\n'})
    assert docker("build", "-q", "-t", "flaskapp", ".", cwd=ctx).status == 0
    assert docker("run", "-d", "--name", "flask", "-p", "5000:5000", "flaskapp").status == 0
    assert curl(isolated_state, 5000, "/") == (200, b"Hello from Flask!")
    assert (curl(isolated_state, 5000, "/missing") or (0, b""))[0] == 404
    logs = docker("logs", "flask")
    assert logs.out == ""  # Flask's banner went to a block-buffered stdout
    assert logs.err.startswith("WARNING: This is a development server.")
    assert '"GET / HTTP/1.1" 200 -' in logs.err
    assert docker("run", "-d", "--name", "unbuffered", "-e", "PYTHONUNBUFFERED=1",
                  "flaskapp").status == 0
    assert docker("logs", "unbuffered").out == " * Serving Flask app 'app'\n * Debug mode: off\n"


def test_flask_on_loopback_is_unreachable_from_the_host(docker: Docker, isolated_state: Path,
                                                       tmp_path: Path) -> None:
    ctx = write(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\n"
                      'CMD ["python", "app.py"]\n',
        "app.py": 'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/")\n'
                  'def index():\n    return "hi"\n\napp.run()\n'})
    assert docker("build", "-q", "-t", "local", ".", cwd=ctx).status == 0
    assert docker("run", "-d", "-p", "5000:5000", "local").status == 0
    assert curl(isolated_state, 5000, "/") is None


def test_node_app_without_its_database_exits_with_enotfound(docker: Docker,
                                                            tmp_path: Path) -> None:
    ctx = write(tmp_path, {
        "Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
        "index.js": "const mysql = require('mysql2');\nconst express = require('express');\n"
                    "const db = mysql.createConnection({ host: 'mysql', user: 'root' });\n"
                    "const app = express();\napp.listen(3000);\n"})
    assert docker("build", "-q", "-t", "needsdb", ".", cwd=ctx).status == 0
    r = docker("run", "needsdb")
    assert r.status == 1
    assert r.err.startswith("Error: getaddrinfo ENOTFOUND mysql\n")
    assert r.err.rstrip().splitlines()[-1].startswith("Node.js v20.")


def test_nginx_logs_what_it_could_not_serve(docker: Docker, isolated_state: Path) -> None:
    assert docker("run", "-d", "--name", "site", "-p", "8088:80", "nginx:alpine").status == 0
    assert (curl(isolated_state, 8088, "/") or (0, b""))[0] == 200
    assert (curl(isolated_state, 8088, "/nope.html") or (0, b""))[0] == 404
    logs = docker("logs", "site")
    error = logs.err.splitlines()[-1]
    assert error.endswith(
        ' [error] 21#21: *2 open() "/usr/share/nginx/html/nope.html" failed (2: No such file or '
        'directory), client: 172.17.0.1, server: localhost, request: "GET /nope.html HTTP/1.1", '
        'host: "localhost:8088"')
    assert logs.out.splitlines()[-1].split('"')[1] == "GET /nope.html HTTP/1.1"


def test_nginx_cannot_proxy_to_an_app_bound_to_loopback(docker: Docker, isolated_state: Path,
                                                       tmp_path: Path) -> None:
    api = write(tmp_path / "api", {
        "Dockerfile": 'FROM node:20-alpine\nCOPY server.js .\nCMD ["node", "server.js"]\n',
        "server.js": API.replace("app.listen(3000,", "app.listen(3000, '127.0.0.1',")})
    web = write(tmp_path / "web", {
        "Dockerfile": "FROM nginx:alpine\nCOPY site.conf /etc/nginx/conf.d/default.conf\n",
        "site.conf": "server {\n    listen 80;\n"
                     "    location / { proxy_pass http://api:3000; }\n}\n"})
    assert docker("build", "-q", "-t", "api", ".", cwd=api).status == 0
    assert docker("build", "-q", "-t", "web", ".", cwd=web).status == 0
    assert docker("run", "-d", "--name", "api", "api").status == 0
    assert docker("run", "-d", "--name", "web", "-p", "8090:80", "web").status == 0
    status, body = curl(isolated_state, 8090, "/users") or (0, b"")
    assert status == 502 and b"502 Bad Gateway" in body
