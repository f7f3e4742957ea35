"""The server and toolchain images: real shapes, configs and key files.

Their aliases and shared base layers are checked with the rest in test_catalogue.py."""

from __future__ import annotations

import pytest

from tests.engine.catalogue_images import ASSETS, image, read, tree
from tutor.engine.catalogue import Catalogue, load_catalogue

# (image, real layer count, size Docker shows for linux/amd64 in MB); data must be within 20%.
REAL_SHAPE = [
    ("golang:1.22", 7, 800),
    ("golang:1.22-alpine", 5, 266),
    ("httpd:latest", 6, 148),
    ("redis:latest", 8, 117),
    ("registry:2", 5, 25.4),
    ("hello-world:latest", 1, 0.0101),
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ASSETS)


@pytest.mark.parametrize("platform", ["linux/amd64", "linux/arm64"])
@pytest.mark.parametrize(("ref", "count", "size_mb"), REAL_SHAPE, ids=[r[0] for r in REAL_SHAPE])
def test_real_layer_count_and_size(
    catalogue: Catalogue, ref: str, count: int, size_mb: float, platform: str
) -> None:
    spec = image(catalogue, ref, platform)
    assert len(spec.layers) == count
    assert sum(not h.empty_layer for h in spec.history) == count
    if platform == "linux/amd64":
        assert abs(spec.size - size_mb * 1_000_000) <= size_mb * 1_000_000 / 5
    for layer in spec.layers:
        assert abs(layer.size - layer.expected_size) <= max(layer.expected_size // 5, 4096)
    tree(spec)


def test_golang(catalogue: Catalogue) -> None:
    spec = image(catalogue, "golang:1.22")
    env = spec.config["Env"]
    assert env[0] == (
        "PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    )
    assert {"GOLANG_VERSION=1.22.12", "GOTOOLCHAIN=local", "GOPATH=/go"} <= set(env)
    assert spec.config["WorkingDir"] == "/go"
    assert spec.config["Cmd"] == ["bash"]
    files = tree(spec)
    for path in ("/usr/local/go/bin/go", "/usr/local/go/bin/gofmt"):
        node = files.get(path)
        assert node is not None and node.mode == 0o755 and node.size > 1_000_000
    assert files.nodes["/go/src"].mode == 0o1777
    assert "GOTOOLCHAIN=auto" in read(spec, "/usr/local/go/go.env")
    assert files.resolve("/usr/bin/gcc") == "/usr/bin/x86_64-linux-gnu-gcc-12"
    assert [h.created_by for h in spec.history[-3:]] == [
        "COPY /target/ / # buildkit",
        'RUN /bin/sh -c mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH" # buildkit',
        "WORKDIR /go",
    ]
    assert spec.layers[-1].entries == () and spec.layers[-1].size == 0
    arm = image(catalogue, "golang:1.22", "linux/arm64")
    assert tree(arm).get("/usr/local/go/pkg/tool/linux_arm64/compile") is not None


def test_golang_alpine_shares_the_go_tree_size(catalogue: Catalogue) -> None:
    alpine, debian = image(catalogue, "golang:1.22-alpine"), image(catalogue, "golang:1.22")
    assert alpine.layers[-3].size == debian.layers[-3].size
    assert "ca-certificates\n" in read(alpine, "/etc/apk/world")
    assert alpine.config["Cmd"] == ["/bin/sh"]


def test_httpd(catalogue: Catalogue) -> None:
    spec = image(catalogue, "httpd:latest")
    config = spec.config
    assert config["Cmd"] == ["httpd-foreground"]
    assert config["ExposedPorts"] == {"80/tcp": {}}
    assert config["StopSignal"] == "SIGWINCH"
    assert config["WorkingDir"] == "/usr/local/apache2"
    assert "HTTPD_VERSION=2.4.63" in config["Env"]
    assert "HTTPD_PREFIX=/usr/local/apache2" in config["Env"]
    assert list(config) == ["ExposedPorts", "Env", "Cmd", "WorkingDir", "StopSignal"]
    assert read(spec, "/usr/local/apache2/htdocs/index.html") == (
        "<html><body><h1>It works!</h1></body></html>\n"
    )
    conf = read(spec, "/usr/local/apache2/conf/httpd.conf")
    assert "User www-data\n" in conf and "ErrorLog /proc/self/fd/2\n" in conf
    assert read(spec, "/usr/local/bin/httpd-foreground").endswith('exec httpd -DFOREGROUND "$@"\n')
    files = tree(spec)
    assert files.get("/usr/local/apache2/bin/httpd") is not None
    prefix = files.nodes["/usr/local/apache2"]
    assert (prefix.uid, prefix.gid) == (33, 33)
    assert spec.history[-2].created_by == "EXPOSE map[80/tcp:{}]"


def test_redis(catalogue: Catalogue) -> None:
    spec = image(catalogue, "redis:latest")
    config = spec.config
    assert config["Entrypoint"] == ["docker-entrypoint.sh"]
    assert config["Cmd"] == ["redis-server"]
    assert config["ExposedPorts"] == {"6379/tcp": {}}
    assert config["Volumes"] == {"/data": {}}
    assert config["WorkingDir"] == "/data"
    assert "REDIS_VERSION=7.4.2" in config["Env"]
    passwd = read(spec, "/etc/passwd")
    assert passwd.startswith("root:x:0:0:") and "redis:x:999:999::/home/redis:/bin/sh\n" in passwd
    files = tree(spec)
    assert files.get("/usr/local/bin/redis-server") is not None
    assert files.get("/usr/local/bin/redis-cli") is not None
    assert files.resolve("/usr/local/bin/redis-sentinel") == "/usr/local/bin/redis-server"
    assert files.nodes["/data"].uid == 999
    assert read(spec, "/usr/local/bin/docker-entrypoint.sh").startswith("#!/bin/sh\n")
    assert "VOLUME [/data]" in [h.created_by for h in spec.history]


def test_registry(catalogue: Catalogue) -> None:
    spec = image(catalogue, "registry:2")
    config = spec.config
    assert config["Entrypoint"] == ["/entrypoint.sh"]
    assert config["Cmd"] == ["/etc/docker/registry/config.yml"]
    assert config["ExposedPorts"] == {"5000/tcp": {}}
    assert config["Volumes"] == {"/var/lib/registry": {}}
    assert "rootdirectory: /var/lib/registry\n" in read(spec, "/etc/docker/registry/config.yml")
    assert "registry serve" in read(spec, "/entrypoint.sh")
    assert tree(spec).get("/bin/registry") is not None
    apk = read(spec, "/lib/apk/db/installed")
    assert "P:ca-certificates\n" in apk and "P:musl\n" in apk


def test_hello_world(catalogue: Catalogue) -> None:
    spec = image(catalogue, "hello-world:latest")
    assert spec.config["Cmd"] == ["/hello"]
    assert [path for path, _ in spec.layers[0].entries] == ["/hello"]
    assert spec.layers[0].entries[0][1].mode == 0o755
    assert spec.history[0].created_by == "COPY hello / # buildkit"
