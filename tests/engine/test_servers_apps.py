"""App servers answer what their source says: Python (Flask, FastAPI, gunicorn, uvicorn,
`flask run`, Django), node, java/.NET; databases refuse to start without a password."""

from __future__ import annotations

import pytest

from tutor.engine.fs import FileTree, directory, file
from tutor.engine.servers import Server, recognise, respond, startup_logs
from tutor.paths import content_dir

ASSETS = content_dir("assets")
PATH = "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
ENV = {"PATH": PATH, "HOSTNAME": "abc", "NODE_VERSION": "20.18.1"}
FLASK_APP = '''from flask import Flask, jsonify
app = Flask(__name__)

@app.route("/")
def hello():
    return f"Hello, Docker!"

@app.route("/api/items")
def items():
    return jsonify({"items": [1, 2], "ok": True})

@app.get("/users/<int:uid>")
def user(uid):
    return "a user", 200

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
'''
FASTAPI_APP = '''from fastapi import FastAPI
app = FastAPI()

@app.get("/")
async def root():
    return {"message": "Hello World"}

@app.get("/items/{item_id}")
def item(item_id: int):
    return {"item_id": item_id}
'''


def tree_with(files: dict[str, str]) -> FileTree:
    tree = FileTree()
    base = {"/usr/local/bin/python": "", "/usr/local/bin/python3": "",
            "/usr/local/bin/gunicorn": "", "/usr/local/bin/uvicorn": "",
            "/usr/local/bin/flask": "", "/usr/local/bin/fastapi": "",
            "/usr/local/bin/node": ""}
    for path, text in {**base, **files}.items():
        tree.makedirs(path.rsplit("/", 1)[0] or "/", directory())
        tree.put(path, file(text, 0o755))
    return tree


def start(argv: list[str], files: dict[str, str], env: dict[str, str] | None = None,
          resolves: tuple[str, ...] = ()) -> tuple[Server, FileTree]:
    tree = tree_with(files)
    server = recognise(ASSETS, argv, tree, "/app", {**ENV, **(env or {})},
                       lambda host: host in resolves)
    assert server is not None
    return server, tree


def test_flask_app_run_answers_its_views() -> None:
    server, tree = start(["python", "app.py"], {"/app/app.py": FLASK_APP})
    assert (server.port, server.loopback) == (8000, False)
    assert respond(server, tree, "/", ENV) == (200, b"Hello, Docker!")
    assert respond(server, tree, "/api/items", ENV) == (200, b'{"items":[1,2],"ok":true}\n')
    assert respond(server, tree, "/users/7", ENV) == (200, b"a user")
    status, body = respond(server, tree, "/nope", ENV)
    assert status == 404 and b"<title>404 Not Found</title>" in body
    lines = [t for _, t in startup_logs(server, 0.0, "172.17.0.2", ENV)]
    assert " * Running on http://172.17.0.2:8000" in lines


def test_flask_run_defaults_to_loopback_and_port_5000() -> None:
    server, _ = start(["flask", "run"], {"/app/app.py": FLASK_APP})
    assert (server.port, server.loopback) == (5000, True)
    lines = [t for _, t in startup_logs(server, 0.0, "172.17.0.2", ENV)]
    assert " * Running on http://127.0.0.1:5000" in lines
    assert not any("all addresses" in t for t in lines)
    server, _ = start(["python3", "-m", "flask", "run", "--host=0.0.0.0", "--port", "8080"],
                      {"/app/app.py": FLASK_APP})
    assert (server.port, server.loopback) == (8080, False)


def test_gunicorn_binds_and_serves_the_module() -> None:
    server, tree = start(["gunicorn", "-b", "0.0.0.0:8000", "--workers", "2", "app:app"],
                         {"/app/app.py": FLASK_APP})
    assert server.port == 8000 and not server.loopback
    assert respond(server, tree, "/", ENV) == (200, b"Hello, Docker!")
    lines = [t for _, t in startup_logs(server, 0.0, "172.17.0.2", ENV)]
    assert lines[0] == "[1970-01-01 00:00:00 +0000] [1] [INFO] Starting gunicorn 23.0.0"
    assert lines[1].endswith("Listening at: http://0.0.0.0:8000 (1)")
    default, _ = start(["gunicorn", "app:app"], {"/app/app.py": FLASK_APP})
    assert default.loopback and default.port == 8000
    by_env, _ = start(["gunicorn", "app:app"], {"/app/app.py": FLASK_APP}, {"PORT": "9000"})
    assert (by_env.port, by_env.loopback) == (9000, False)


def test_uvicorn_serves_fastapi_json() -> None:
    server, tree = start(["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "80"],
                         {"/app/main.py": FASTAPI_APP})
    assert server.port == 80 and not server.loopback
    assert respond(server, tree, "/", ENV) == (200, b'{"message":"Hello World"}')
    assert respond(server, tree, "/nope", ENV) == (404, b'{"detail":"Not Found"}')
    lines = [t for _, t in startup_logs(server, 0.0, "172.17.0.2", ENV)]
    assert lines[-1] == "INFO:     Uvicorn running on http://0.0.0.0:80 (Press CTRL+C to quit)"
    run, _ = start(["fastapi", "run", "main.py"], {"/app/main.py": FASTAPI_APP})
    assert (run.port, run.loopback) == (8000, False)


def test_django_runserver_listens_where_told() -> None:
    server, tree = start(["python", "manage.py", "runserver", "0.0.0.0:8000"], {
        "/app/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                          "'mysite.settings')\n"}, {"PYTHONUNBUFFERED": "1"})
    assert server.port == 8000 and not server.loopback
    assert respond(server, tree, "/", ENV)[0] == 200
    out = [t for s, t in startup_logs(server, 0.0, "", ENV) if s == 1]
    assert "Django version 5.1.4, using settings 'mysite.settings'" in out
    assert "Starting development server at http://0.0.0.0:8000/" in out
    buffered, _ = start(["python", "manage.py", "runserver"], {"/app/manage.py": ""})
    assert buffered.stdout == () and buffered.loopback  # stdout never flushed; 127.0.0.1


def test_missing_server_program_is_not_a_server() -> None:
    tree = FileTree()
    tree.makedirs("/app", directory())
    tree.put("/app/app.py", file(FLASK_APP))
    assert recognise(ASSETS, ["gunicorn", "app:app"], tree, "/app", ENV) is None


EXPRESS = """const express = require('express');
const db = require('./db');
const app = express();
app.get('/', (req, res) => res.send('Hello from Express'));
app.get('/api', (req, res) => {
  res.status(200).json({ status: 'ok', count: 3 });
});
const PORT = process.env.PORT || 3000;
app.listen(PORT, () => console.log(`Listening on ${PORT}`));
"""
DB = """const mysql = require('mysql2');
const pool = mysql.createPool({ host: process.env.DB_HOST || 'mysql', user: 'root' });
module.exports = pool;
"""


def test_express_json_and_required_modules() -> None:
    server, tree = start(["node", "server.js"], {"/app/server.js": EXPRESS, "/app/db.js": DB},
                         {"PORT": "8080"}, resolves=("mysql",))
    assert server.exit_code is None and server.port == 8080
    assert respond(server, tree, "/", ENV) == (200, b"Hello from Express")
    assert respond(server, tree, "/api", ENV) == (200, b'{"status":"ok","count":3}')


def test_node_app_whose_database_host_does_not_resolve_exits() -> None:
    server, _ = start(["node", "server.js"], {"/app/server.js": EXPRESS, "/app/db.js": DB})
    assert server.exit_code == 1
    assert server.stderr[0] == "Error: getaddrinfo ENOTFOUND mysql"
    assert server.stderr[-1] == "Node.js v20.18.1"
    local, _ = start(["node", "server.js"], {"/app/server.js": EXPRESS, "/app/db.js": DB},
                     {"DB_HOST": "localhost"})
    assert local.exit_code == 1 and local.stderr[0] == "Error: connect ECONNREFUSED 127.0.0.1:3306"


def test_http_create_server_answers_every_path() -> None:
    source = ("const http = require('http');\nhttp.createServer((req, res) => {\n"
              "  res.end('plain node\\n');\n}).listen(8000);\n")
    server, tree = start(["node", "index.js"], {"/app/index.js": source})
    assert server.port == 8000
    assert respond(server, tree, "/anything", ENV) == (200, b"plain node\n")


def test_java_and_dotnet_answer_on_8080() -> None:
    java, tree = start(["java", "-jar", "app.jar"], {"/app/app.jar": "PK"})
    assert java.port == 8080 and respond(java, tree, "/", ENV)[0] == 200
    dotnet, _ = start(["dotnet", "App.dll"], {"/app/App.dll": "MZ"},
                      {"ASPNETCORE_HTTP_PORTS": "8080"})
    assert dotnet.port == 8080
    lines = [t for _, t in startup_logs(dotnet, 0.0, "", ENV)]
    assert "      Now listening on: http://[::]:8080" in lines
    assert recognise(ASSETS, ["java", "-jar", "missing.jar"], tree, "/app", ENV) is None


POSTGRES_ENV = {"PGDATA": "/var/lib/postgresql/data", "PG_MAJOR": "17"}


@pytest.mark.parametrize(("env", "code"), [({}, 1), ({"POSTGRES_PASSWORD": "pw"}, None),
                                           ({"POSTGRES_HOST_AUTH_METHOD": "trust"}, None)])
def test_postgres_refuses_without_a_password(env: dict[str, str], code: int | None) -> None:
    server, _ = start(["docker-entrypoint.sh", "postgres"], {"/usr/local/bin/postgres": ""},
                      {**POSTGRES_ENV, **env})
    assert server.exit_code == code
    if code:
        assert server.stderr[0] == ("Error: Database is uninitialized and superuser password "
                                    "is not specified.")
        assert server.stderr[-1].strip() == \
            "https://www.postgresql.org/docs/current/auth-trust.html"


def test_postgres_with_existing_data_needs_no_password() -> None:
    server, _ = start(["docker-entrypoint.sh", "postgres"],
                      {"/var/lib/postgresql/data/PG_VERSION": "17\n"}, POSTGRES_ENV)
    assert server.exit_code is None and server.port == 5432


def test_mysql_refuses_without_a_root_password() -> None:
    server, _ = start(["docker-entrypoint.sh", "mysqld"], {}, {"MYSQL_VERSION": "8.4.3-1.el9"})
    assert server.exit_code == 1
    logs = startup_logs(server, 0.0, "", {"MYSQL_VERSION": "8.4.3-1.el9"})
    assert logs[0] == (1, "1970-01-01 00:00:00+00:00 [Note] [Entrypoint]: Entrypoint script "
                          "for MySQL Server 8.4.3-1.el9 started.")
    assert (2, "1970-01-01 00:00:00+00:00 [ERROR] [Entrypoint]: Database is uninitialized and "
               "password option is not specified") in logs
    ok, _ = start(["docker-entrypoint.sh", "mysqld"], {}, {"MYSQL_ROOT_PASSWORD": "x"})
    assert ok.exit_code is None and ok.port == 3306


def test_flask_render_template_answers_the_template() -> None:
    app = ('from flask import Flask, render_template\napp = Flask(__name__)\n\n@app.route("/")\n'
           'def index():\n    return render_template("index.html", title="x")\n\n'
           'app.run(host="0.0.0.0")\n')
    server, tree = start(["python", "app.py"], {
        "/app/app.py": app,
        "/app/templates/index.html": "<h1>{{ title }}</h1>{% if x %}<p>x</p>{% endif %}\n"})
    assert respond(server, tree, "/", ENV) == (200, b"<h1></h1><p>x</p>\n")


def test_package_scripts_run_their_last_command() -> None:
    package = ('{"scripts": {"start": "node server.js", '
               '"dev": "npm run build && NODE_ENV=dev node src/index.js"}}')
    files = {"/app/package.json": package,
             "/app/server.js": "require('http').createServer((req, res) => res.end('start'))"
                               ".listen(3000);\n",
             "/app/src/index.js": "require('http').createServer((req, res) => res.end('dev'))"
                                  ".listen(4000);\n",
             "/usr/local/bin/npm": "", "/usr/local/bin/yarn": ""}
    for argv, port, body in ((["npm", "start"], 3000, b"start"),
                             (["npm", "run", "dev"], 4000, b"dev"),
                             (["yarn", "dev"], 4000, b"dev")):
        server, tree = start(argv, files)
        assert server.port == port and respond(server, tree, "/", ENV) == (200, body)
    tree = tree_with(files)
    assert recognise(ASSETS, ["npm", "run", "missing"], tree, "/app", ENV) is None


def test_nodemon_must_be_installed() -> None:
    files = {"/app/index.js": "require('http').createServer((req, res) => res.end('hi'))"
                              ".listen(3000);\n"}
    tree = tree_with(files)
    assert recognise(ASSETS, ["nodemon", "index.js"], tree, "/app", ENV) is None
    server, _ = start(["nodemon", "index.js"], {**files, "/app/node_modules/.bin/nodemon": ""})
    assert server.port == 3000


def test_node_listening_on_localhost_is_loopback_only() -> None:
    server, _ = start(["node", "index.js"], {
        "/app/index.js": "const express = require('express');\nconst app = express();\n"
                         "app.get('/', (req, res) => res.send('hi'));\n"
                         "app.listen(3000, '127.0.0.1');\n"})
    assert server.loopback


@pytest.mark.parametrize(("env", "port", "line", "loopback"), [
    ({"ASPNETCORE_HTTP_PORTS": "8080"}, 8080, "http://[::]:8080", False),
    ({"ASPNETCORE_URLS": "http://+:80"}, 80, "http://[::]:80", False),
    ({}, 5000, "http://localhost:5000", True),
])
def test_kestrel_listens_where_its_environment_says(env: dict[str, str], port: int, line: str,
                                                    loopback: bool) -> None:
    server, _ = start(["dotnet", "App.dll"], {"/app/App.dll": "MZ"}, env)
    assert (server.port, server.loopback) == (port, loopback)
    assert f"      Now listening on: {line}" in server.stdout


def test_flask_app_named_by_its_file() -> None:
    env = {"FLASK_APP": "hello.py", "FLASK_RUN_PORT": "8000", "FLASK_RUN_HOST": "0.0.0.0",
           "PYTHONUNBUFFERED": "1"}
    server, tree = start(["flask", "run"], {"/app/hello.py": FLASK_APP}, env)
    assert (server.port, server.loopback) == (8000, False)
    assert respond(server, tree, "/", ENV) == (200, b"Hello, Docker!")
    logs = startup_logs(server, 0.0, "172.17.0.2", ENV)
    assert logs[:2] == [(1, " * Serving Flask app 'hello.py'"), (1, " * Debug mode: off")]
    found, _ = start(["flask", "run"], {"/app/app.py": FLASK_APP}, {"PYTHONUNBUFFERED": "1"})
    assert found.stdout == (" * Debug mode: off",)  # no import path given: no "Serving" line


def test_mariadb_refuses_without_a_root_password() -> None:
    env = {"MARIADB_VERSION": "1:11.4.4+maria~ubu2404"}
    server, _ = start(["docker-entrypoint.sh", "mariadbd"], {}, env)
    assert server.name == "mariadb" and server.exit_code == 1
    logs = startup_logs(server, 0.0, "", env)
    assert logs[-1] == (2, "\tYou need to specify one of MARIADB_ROOT_PASSWORD, "
                           "MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and "
                           "MARIADB_RANDOM_ROOT_PASSWORD")
    ok, _ = start(["docker-entrypoint.sh", "mysqld"], {}, {**env, "MYSQL_ROOT_PASSWORD": "x"})
    assert ok.name == "mariadb" and ok.exit_code is None


def test_shell_scripts_serve_with_their_last_command() -> None:
    files = {"/app/web/app.py": FLASK_APP, "/app/web/manage.py": ""}
    script = "cd web && python manage.py migrate && exec gunicorn -b 0.0.0.0:9000 app:app"
    server, tree = start(["/bin/sh", "-c", script], files)  # from /app
    assert server.port == 9000 and respond(server, tree, "/", ENV) == (200, b"Hello, Docker!")
    tree = tree_with(files)
    assert recognise(ASSETS, ["sh", "-c", "python app.py | tee log"], tree, "/app/web",
                     ENV) is None


def test_python_http_server_serves_files_and_listings() -> None:
    server, tree = start(["python3", "-m", "http.server", "9000"],
                         {"/app/site/B.txt": "b\n", "/app/site/a dir/x": "",
                          "/app/report.html": "r"}, {"PYTHONUNBUFFERED": "1"})
    assert server.port == 9000 and not server.loopback
    assert server.stdout == ("Serving HTTP on :: port 9000 (http://[::]:9000/) ...",)
    assert respond(server, tree, "/report.html", ENV) == (200, b"r")
    assert respond(server, tree, "/site/B.txt", ENV) == (200, b"b\n")
    assert respond(server, tree, "/site", ENV)[0] == 301
    assert respond(server, tree, "/site/", ENV) == (200, (
        b'<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        b"<title>Directory listing for /site/</title>\n</head>\n<body>\n"
        b"<h1>Directory listing for /site/</h1>\n<hr>\n<ul>\n"
        b'<li><a href="a%20dir/">a dir/</a></li>\n<li><a href="B.txt">B.txt</a></li>\n'
        b"</ul>\n<hr>\n</body>\n</html>\n"))
    status, body = respond(server, tree, "/nope", ENV)
    assert status == 404 and b"<p>Message: File not found.</p>" in body
    local, _ = start(["python", "-m", "http.server", "--bind", "127.0.0.1"], {})
    assert (local.port, local.loopback, local.stdout) == (8000, True, ())
