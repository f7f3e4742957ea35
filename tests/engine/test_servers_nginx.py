"""nginx reads its own configuration files and answers as its configuration says."""

from __future__ import annotations

import pytest

from tutor.engine.fs import FileTree, directory, file
from tutor.engine.nginxconf import ConfigError, answer, error_page, load, upstream_hosts
from tutor.engine.servers import recognise, respond
from tutor.paths import content_dir

ASSETS = content_dir("assets")
MAIN = """user  nginx;
worker_processes  auto;
events {
    worker_connections  1024;
}
http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    sendfile        on;
    include /etc/nginx/conf.d/*.conf;
}
"""
MIME = "types {\n    text/html html htm;\n    application/javascript js;\n}\n"
ENV = {"NGINX_VERSION": "1.27.4", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def tree_with(files: dict[str, str]) -> FileTree:
    tree = FileTree()
    base = {"/etc/nginx/nginx.conf": MAIN, "/etc/nginx/mime.types": MIME,
            "/usr/sbin/nginx": "ELF"}
    for path, text in {**base, **files}.items():
        tree.makedirs(path.rsplit("/", 1)[0] or "/", directory(mtime=1_765_000_000))
        tree.put(path, file(text, 0o755 if path.endswith("nginx") else 0o644,
                            mtime=1_765_000_000))
    return tree


def get(tree: FileTree, path: str, port: int = 80) -> tuple[int, bytes]:
    return answer(load(tree, ASSETS), tree, port, path, "1.27.4")


def page(status: int, title: str) -> bytes:
    return (f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {title}</h1></center>\r\n"
            "<hr><center>nginx/1.27.4</center>\r\n</body>\r\n</html>\r\n").encode()


SPA = """server {
    listen 80;
    server_name localhost;
    root /usr/share/nginx/html;
    index index.html;
    location / {
        try_files $uri $uri/ /index.html;
    }
    location = /health {
        return 200 'ok';
    }
    location ^~ /static/ {
        expires 1y;
    }
    location ~* \\.(png|jpg)$ {
        return 410;
    }
    location /old {
        return 301 https://$host$request_uri;
    }
}
"""
SITE = {"/etc/nginx/conf.d/default.conf": SPA,
        "/usr/share/nginx/html/index.html": "<h1>app</h1>\n",
        "/usr/share/nginx/html/static/app.js": "console.log(1)\n",
        "/usr/share/nginx/html/about.html": "about\n"}


def test_spa_try_files_falls_back_to_index() -> None:
    tree = tree_with(SITE)
    assert get(tree, "/") == (200, b"<h1>app</h1>\n")
    assert get(tree, "/users/42") == (200, b"<h1>app</h1>\n")
    assert get(tree, "/about.html") == (200, b"about\n")


def test_location_kinds_are_chosen_as_nginx_does() -> None:
    tree = tree_with(SITE)
    assert get(tree, "/health") == (200, b"ok")
    assert get(tree, "/static/app.js") == (200, b"console.log(1)\n")
    assert get(tree, "/static/missing.js") == (404, page(404, "Not Found"))
    assert get(tree, "/logo.png") == (410, page(410, "Gone"))
    assert get(tree, "/static/logo.png")[0] == 404  # ^~ stops the regex search
    assert get(tree, "/old/page") == (301, page(301, "Moved Permanently"))


def test_default_site_statuses_and_pages() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": """server {
    listen       80;
    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
}
""", "/usr/share/nginx/html/index.html": "hi\n", "/usr/share/nginx/html/empty/.keep": ""})
    assert get(tree, "/") == (200, b"hi\n")
    assert get(tree, "/nope") == (404, page(404, "Not Found"))
    assert get(tree, "/empty/") == (403, page(403, "Forbidden"))
    assert get(tree, "/empty") == (301, page(301, "Moved Permanently"))
    assert get(tree, "/", port=8080) == (404, page(404, "Not Found"))


def test_error_page_serves_its_uri_with_the_original_status() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": """server {
    listen 8080;
    root /srv;
    error_page 404 /404.html;
    error_page 500 502 503 504 =200 /oops.html;
    location /api/ { proxy_pass http://api:3000/; }
}
""", "/srv/404.html": "custom 404\n", "/srv/oops.html": "oops\n"})
    assert get(tree, "/missing", 8080) == (404, b"custom 404\n")
    assert get(tree, "/api/x", 8080) == (200, b"oops\n")  # no upstream answers: 502 → =200


def test_proxy_pass_rewrites_the_location_prefix() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": """upstream backend {
    server app:5000;
}
server {
    listen 80;
    location /api/ { proxy_pass http://backend/; }
    location / { proxy_pass http://web:3000; }
}
"""})
    seen: list[tuple[str, int, str]] = []

    def upstream(host: str, port: int, path: str) -> tuple[int, bytes] | None:
        seen.append((host, port, path))
        return (200, b"from " + host.encode()) if host == "app" else None

    conf = load(tree, ASSETS)
    assert answer(conf, tree, 80, "/api/users?x=1", "1.27.4", upstream) == (200, b"from app")
    assert answer(conf, tree, 80, "/home", "1.27.4", upstream) == (502, page(502, "Bad Gateway"))
    assert seen == [("app", 5000, "/users?x=1"), ("web", 3000, "/home")]
    assert [h for h, _ in upstream_hosts(conf)] == ["app:5000", "web:3000"]


def test_autoindex_lists_folders_first_as_nginx_formats_it() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf":
                      "server { listen 80; root /data; autoindex on; }\n",
                      "/data/b.txt": "12345", "/data/a/x": "", "/data/.hidden": "x"})
    status, body = get(tree, "/")
    assert status == 200
    assert body == (
        b"<html>\r\n<head><title>Index of /</title></head>\r\n<body>\r\n"
        b'<h1>Index of /</h1><hr><pre><a href="../">../</a>\r\n'
        b'<a href="a/">a/</a>' + b" " * 48 + b" 06-Dec-2025 05:46                   -\r\n"
        b'<a href="b.txt">b.txt</a>' + b" " * 45 + b" 06-Dec-2025 05:46                   5\r\n"
        b"</pre><hr></body>\r\n</html>\r\n")


def test_a_regex_python_cannot_read_matches_nothing() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf":
                      "server { listen 80; server_name \"~^(?<x>a\";\n"
                      "  location ~ \"(\" { return 200 'bad'; }\n"
                      "  location / { return 200 'ok'; } }\n"})
    assert get(tree, "/") == (200, b"ok")


def test_server_name_and_default_server_pick_the_virtual_server() -> None:
    tree = tree_with({"/etc/nginx/conf.d/a.conf":
                      "server { listen 80; server_name example.com; return 200 'a'; }\n",
                      "/etc/nginx/conf.d/b.conf":
                      "server { listen 80 default_server; return 200 'b'; }\n"})
    assert get(tree, "/") == (200, b"b")
    conf = load(tree, ASSETS)
    assert answer(conf, tree, 80, "/", "1.27.4", host="example.com") == (200, b"a")


@pytest.mark.parametrize(("config", "message"), [
    ("server {\n    listen 80;\n    foo bar;\n}\n",
     'unknown directive "foo" in /etc/nginx/conf.d/default.conf:3'),
    ("server {\n    listen 80;\n", 'unexpected end of file, expecting "}" in '
     "/etc/nginx/conf.d/default.conf:2"),
    ("server {\n    listen 80\n}\n", 'unexpected "}" in /etc/nginx/conf.d/default.conf:3'),
    ("server;\n", 'directive "server" has no opening "{" in /etc/nginx/conf.d/default.conf:1'),
    ("server {\n  root /x {\n  }\n}\n",
     'directive "root" is not terminated by ";" in /etc/nginx/conf.d/default.conf:2'),
    ("include /etc/nginx/nope.conf;\n", 'open() "/etc/nginx/nope.conf" failed '
     "(2: No such file or directory) in /etc/nginx/conf.d/default.conf:1"),
    ("server {\n  location / {\n    return;\n  }\n}\n",
     'invalid number of arguments in "return" directive in /etc/nginx/conf.d/default.conf:3'),
    ("server {\n  root /a /b;\n}\n",
     'invalid number of arguments in "root" directive in /etc/nginx/conf.d/default.conf:2'),
])
def test_configuration_errors_say_what_nginx_says(config: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tree_with({"/etc/nginx/conf.d/default.conf": config}), ASSETS)
    assert str(err.value) == message


def test_a_broken_config_stops_the_container_with_emerg() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": "server {\n  listen 80;\n  foo;\n}\n"})
    server = recognise(ASSETS, ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"], tree,
                       "/", ENV, lambda _host: True)
    assert server is not None and server.exit_code == 1
    assert server.stderr[1] == \
        'nginx: [emerg] unknown directive "foo" in /etc/nginx/conf.d/default.conf:3'
    assert server.stderr[0].endswith(
        '[emerg] 1#1: unknown directive "foo" in /etc/nginx/conf.d/default.conf:3')


def test_unresolvable_upstream_stops_nginx_at_start() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf":
                      "server {\n  listen 80;\n  location / {\n    proxy_pass http://api:3000;\n"
                      "  }\n}\n"})
    argv = ["nginx", "-g", "daemon off;"]
    server = recognise(ASSETS, argv, tree, "/", ENV, lambda host: host != "api")
    assert server is not None and server.exit_code == 1 and server.stderr[1] == (
        'nginx: [emerg] host not found in upstream "api:3000" in '
        "/etc/nginx/conf.d/default.conf:4")
    running = recognise(ASSETS, argv, tree, "/", ENV, lambda host: True)
    assert running is not None and running.exit_code is None


def test_without_daemon_off_nginx_forks_and_pid_1_exits() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": "server { listen 80; }\n"})
    server = recognise(ASSETS, ["nginx"], tree, "/", ENV, lambda host: True)
    assert server is not None and server.exit_code == 0 and server.stderr == ()


def test_bad_global_directive_on_the_command_line() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": "server { listen 80; }\n"})
    server = recognise(ASSETS, ["nginx", "-g", "daemon off; bogus on;"], tree, "/", ENV, None)
    assert server is not None and server.stderr[1] == \
        'nginx: [emerg] unknown directive "bogus" in command line'


def test_quoted_daemon_off_in_a_json_cmd_is_the_classic_mistake() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": "server { listen 80; }\n"})
    server = recognise(ASSETS, ["nginx", "-g", "'daemon off;'"], tree, "/", ENV, None)
    assert server is not None and server.exit_code == 1 and server.stderr[1] == \
        'nginx: [emerg] unexpected end of parameter, expecting ";" in command line'


def test_listen_ports_and_respond_through_the_server() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf":
                      "server { listen 8080; location / { return 200 'eight'; } }\n"
                      "server { listen [::]:9090; listen 9090; return 200 'nine'; }\n"})
    server = recognise(ASSETS, ["nginx", "-g", "daemon off;"], tree, "/", ENV)
    assert server is not None and server.ports == (8080, 9090)
    assert server.listens(9090) and not server.listens(80)
    assert respond(server, tree, "/", ENV, port=9090) == (200, b"nine")
    assert respond(server, tree, "/x", ENV, port=8080) == (200, b"eight")


def test_error_page_has_crlf_line_ends_as_nginx_sends_them() -> None:
    assert error_page(404, "1.27.4") == page(404, "Not Found")
    assert error_page(200, "1.27.4") == b""


def test_shell_form_cmd_keeps_its_quoted_arguments() -> None:
    tree = tree_with({"/etc/nginx/conf.d/default.conf": "server { listen 8081; }\n"})
    server = recognise(ASSETS, ["/bin/sh", "-c", "exec nginx -g \"daemon off;\""], tree, "/",
                       ENV, None)
    assert server is not None and server.exit_code is None and server.ports == (8081,)


def test_an_image_without_nginx_files_serves_the_packaged_root() -> None:
    tree = FileTree()
    files = {"/usr/sbin/nginx": "ELF", "/usr/share/nginx/html/index.html": "hi\n"}
    for path, text in files.items():
        tree.makedirs(path.rsplit("/", 1)[0], directory())
        tree.put(path, file(text))
    server = recognise(ASSETS, ["nginx", "-g", "daemon off;"], tree, "/", ENV, lambda h: True)
    assert server is not None and server.exit_code is None and server.nginx is None
    assert respond(server, tree, "/", ENV) == (200, b"hi\n")
