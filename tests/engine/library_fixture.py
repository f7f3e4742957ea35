"""Small generated-library files in the real format (docs/open-world-images.md), for tests.

The steps are those of the real upstream Dockerfiles (node and python steps as the hand-written
recipes record them, with the versions of the tags named here); the repo-info sizes are those
docker-library/repo-info published for node:22-alpine3.21 (linux/amd64), rounded.
"""

from __future__ import annotations

import gzip
import json
import tomllib
from pathlib import Path
from typing import Any

from tutor.engine.catalogue import _joined_run

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _toml_steps(repo: str, image: str, versions: dict[str, str]) -> list[dict[str, Any]]:
    """The history of a hand-written image as BuildKit records it, with versions swapped."""
    doc = tomllib.loads((ASSETS / "base-images" / f"{repo}.toml").read_text())
    steps = []
    for item in doc["images"][image]["history"]:
        if "run" in item:
            text, empty = f"RUN /bin/sh -c {_joined_run(item['run'])} # buildkit", False
        else:
            text, empty = str(item["by"]), not item.get("layer", False)
        for old, new in versions.items():
            text = text.replace(old, new)
        step: dict[str, Any] = {"created_by": text, "empty_layer": empty}
        if text.startswith("COPY docker-entrypoint.sh"):
            step["files"] = ["/usr/local/bin/docker-entrypoint.sh"]
        steps.append(step)
    return steps


def _node(tags: list[str], base: str, version: str, toml_image: str) -> dict[str, Any]:
    return {
        "tags": tags, "architectures": ["amd64", "arm64v8", "arm32v7"], "from": base,
        "created": "2025-03-27T17:06:59Z",
        "config": {"Env": [f"NODE_VERSION={version}", "YARN_VERSION=1.22.22"],
                   "Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["node"]},
        "history": _toml_steps("node", toml_image, {"20.18.3": version}),
    }


ALPINE_OFFICIAL = {
    "repository": "alpine",
    "source": {"name": "docker-library/official-images", "commit": "0" * 40, "date": "2025-07-15"},
    "description": "A minimal Docker image based on Alpine Linux with a complete package index "
                   "and only 5 MB in size!",
    "images": [
        {"tags": ["3.19", "3.19.8"], "architectures": ["amd64", "arm64v8", "arm32v7"],
         "from": "scratch", "created": "2025-07-15T12:00:00Z",
         "config": {"Cmd": ["/bin/sh"], "Env": [
             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
         "history": [{"created_by": "ADD alpine-minirootfs-3.19.8-x86_64.tar.gz / # buildkit",
                      "empty_layer": False},
                     {"created_by": 'CMD ["/bin/sh"]', "empty_layer": True}]},
        {"tags": ["3.22", "3.22.1", "3", "latest"], "architectures": ["amd64", "arm64v8"],
         "from": "scratch", "created": "2025-07-15T12:00:00Z",
         "config": {"Cmd": ["/bin/sh"], "Env": [
             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
         "history": [{"created_by": "ADD alpine-minirootfs-3.22.1-x86_64.tar.gz / # buildkit",
                      "empty_layer": False},
                     {"created_by": 'CMD ["/bin/sh"]', "empty_layer": True}]},
    ],
}

NODE_OFFICIAL = {
    "repository": "node",
    "source": {"name": "docker-library/official-images", "commit": "1" * 40, "date": "2025-07-15"},
    "description": "Node.js is a JavaScript-based platform for server-side and networking "
                   "applications.",
    "images": [
        _node(["18-alpine", "18-alpine3.21", "18.20.8-alpine", "hydrogen-alpine"], "alpine:3.21",
              "18.20.8", "20-alpine"),
        _node(["18-alpine3.19", "18.20.8-alpine3.19"], "alpine:3.19", "18.20.8", "20-alpine"),
        _node(["22-alpine", "22-alpine3.22", "22.17.1-alpine", "jod-alpine", "lts-alpine"],
              "alpine:3.22", "22.17.1", "20-alpine"),
        _node(["22", "22-bookworm", "22.17.1", "jod", "lts", "latest"],
              "buildpack-deps:bookworm", "22.17.1", "20"),
        _node(["24", "24-bookworm", "24.4.1", "current"], "buildpack-deps:bookworm", "24.4.1",
              "20"),
    ],
}

NODE_REPOINFO = {
    "repository": "node",
    "source": {"name": "docker-library/repo-info", "commit": "2" * 40, "date": "2025-07-15"},
    "images": [{
        "tags": ["22-alpine3.21"], "architectures": ["amd64"], "from": "alpine:3.21",
        "base_history": 2, "created": "2025-07-09T10:31:55Z",
        "config": {"Env": ["NODE_VERSION=22.17.1", "YARN_VERSION=1.22.22"],
                   "Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["node"]},
        "history": [{"created_by": "ADD alpine-minirootfs-3.21.3-x86_64.tar.gz / # buildkit",
                     "empty_layer": False},
                    {"created_by": 'CMD ["/bin/sh"]', "empty_layer": True},
                    *_toml_steps("node", "20-alpine", {"20.18.3": "22.17.1"})],
        "layers": [{"size": 7833000, "compressed": 3642000},
                   {"size": 150900000, "compressed": 51200000},
                   {"size": 5340000, "compressed": 1260000},
                   {"size": 388, "compressed": 446}],
        "size": 164073388,
        "packages": {"format": "apk", "list": ["musl 1.2.5-r9", "libstdc++ 14.2.0-r4"]},
    }],
}

PYTHON_OFFICIAL = {
    "repository": "python",
    "source": {"name": "docker-library/official-images", "commit": "3" * 40, "date": "2025-07-15"},
    "description": "Python is an interpreted, interactive, object-oriented, open-source "
                   "programming language.",
    "images": [
        {"tags": ["3.11-slim", "3.11-slim-bookworm", "3.11.13-slim"],
         "architectures": ["amd64", "arm64v8"], "from": "debian:bookworm-slim",
         "created": "2025-06-04T01:03:03Z",
         "config": {"Env": ["PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                            "/sbin:/bin", "LANG=C.UTF-8",
                            "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
                            "PYTHON_VERSION=3.11.13",
                            "PYTHON_SHA256=8fb5f9fbc7609fa822cb31549884575db7fd9657cbffb89510b5d7975963a83a"],
                    "Cmd": ["python3"]},
         "history": _toml_steps("python", "3-12-slim", {
             "3.12.9": "3.11.13",
             "7169605F62C751356D054A26A821E680E5FA6305": "A035C8C19219BA821ECEA86B64E628F8D684696D",
             "7220835d9f90b37c006e9842a8dff4580aaca4278d5e5f8a25dcbdc5f36bc77d":
                 "8fb5f9fbc7609fa822cb31549884575db7fd9657cbffb89510b5d7975963a83a"})},
        {"tags": ["3.11-slim-bullseye", "3.11.13-slim-bullseye"],
         "architectures": ["amd64", "arm64v8"], "from": "debian:bullseye-slim",
         "created": "2025-06-04T01:03:03Z",
         "config": {"Env": ["PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                            "/sbin:/bin", "LANG=C.UTF-8", "PYTHON_VERSION=3.11.13"],
                    "Cmd": ["python3"]},
         "history": _toml_steps("python", "3-12-slim", {"3.12.9": "3.11.13"})},
    ],
}

GOLANG_OFFICIAL = {
    "repository": "golang",
    "source": {"name": "docker-library/official-images", "commit": "4" * 40, "date": "2023-02-14"},
    "images": [{
        "tags": ["1.18-alpine", "1.18.10-alpine", "1.18-alpine3.17"],
        "architectures": ["amd64", "arm64v8"], "from": "alpine:3.17",
        "created": "2023-01-10T21:43:01Z",
        "config": {"Env": ["PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:"
                           "/usr/sbin:/usr/bin:/sbin:/bin", "GOLANG_VERSION=1.18.10",
                           "GOPATH=/go"],
                   "Cmd": ["/bin/sh"], "WorkingDir": "/go"},
        "history": [
            {"created_by": "RUN /bin/sh -c apk add --no-cache ca-certificates # buildkit",
             "empty_layer": False},
            {"created_by": "RUN /bin/sh -c [ ! -e /etc/nsswitch.conf ] && echo 'hosts: files dns'"
                           " > /etc/nsswitch.conf # buildkit", "empty_layer": False},
            {"created_by": "ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:"
                           "/usr/sbin:/usr/bin:/sbin:/bin", "empty_layer": True},
            {"created_by": "ENV GOLANG_VERSION=1.18.10", "empty_layer": True},
            {"created_by": "RUN /bin/sh -c set -eux; apk add --no-cache --virtual .fetch-deps "
                           "gnupg; arch=\"$(apk --print-arch)\"; url=; wget -O go.tgz.asc "
                           "\"$url.asc\"; wget -O go.tgz \"$url\"; tar -C /usr/local -xzf go.tgz;"
                           " rm go.tgz; apk del --no-network .fetch-deps; go version # buildkit",
             "empty_layer": False},
            {"created_by": "ENV GOPATH=/go", "empty_layer": True},
            {"created_by": "RUN /bin/sh -c mkdir -p \"$GOPATH/src\" \"$GOPATH/bin\" && chmod -R "
                           "777 \"$GOPATH\" # buildkit", "empty_layer": False},
            {"created_by": "WORKDIR /go", "empty_layer": False},
        ],
    }],
}

MAVEN_OFFICIAL = {
    "repository": "maven",
    "source": {"name": "docker-library/official-images", "commit": "5" * 40, "date": "2025-07-15"},
    "images": [{
        "tags": ["3.9-eclipse-temurin-17", "3.9.11-eclipse-temurin-17", "3-eclipse-temurin-17"],
        "architectures": ["amd64", "arm64v8"], "from": "eclipse-temurin:17-jdk",
        "created": "2025-07-14T17:12:23Z",
        "config": {"Env": ["MAVEN_HOME=/usr/share/maven", "MAVEN_CONFIG=/root/.m2"],
                   "Entrypoint": ["/usr/local/bin/mvn-entrypoint.sh"], "Cmd": ["mvn"]},
        "history": [
            {"created_by": "RUN /bin/sh -c apt-get update && apt-get install -y git openssh-client"
                           " && rm -rf /var/lib/apt/lists/* # buildkit", "empty_layer": False},
            {"created_by": "ENV MAVEN_HOME=/usr/share/maven", "empty_layer": True},
            {"created_by": "COPY /usr/share/maven /usr/share/maven # buildkit",
             "empty_layer": False},
            {"created_by": "RUN /bin/sh -c ln -s ${MAVEN_HOME}/bin/mvn /usr/bin/mvn # buildkit",
             "empty_layer": False},
            {"created_by": "ENV MAVEN_CONFIG=/root/.m2", "empty_layer": True},
            {"created_by": "COPY mvn-entrypoint.sh /usr/local/bin/mvn-entrypoint.sh # buildkit",
             "empty_layer": False, "files": ["/usr/local/bin/mvn-entrypoint.sh"]},
            {"created_by": "COPY settings-docker.xml /usr/share/maven/ref/ # buildkit",
             "empty_layer": False, "files": ["/usr/share/maven/ref/settings-docker.xml"]},
            {"created_by": 'ENTRYPOINT ["/usr/local/bin/mvn-entrypoint.sh"]', "empty_layer": True},
            {"created_by": 'CMD ["mvn"]', "empty_layer": True},
        ],
    }],
}

TEMURIN_OFFICIAL = {
    "repository": "eclipse-temurin",
    "source": {"name": "docker-library/official-images", "commit": "6" * 40, "date": "2025-07-15"},
    "images": [{
        "tags": ["17-jdk", "17", "17-jdk-noble", "17.0.16_8-jdk"],
        "architectures": ["amd64", "arm64v8"], "from": "ubuntu:24.04",
        "created": "2025-07-23T10:11:12Z",
        "config": {"Env": ["JAVA_HOME=/opt/java/openjdk",
                           "PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                           "/usr/bin:/sbin:/bin", "LANG=en_US.UTF-8", "LANGUAGE=en_US:en",
                           "LC_ALL=en_US.UTF-8", "JAVA_VERSION=jdk-17.0.16+8"],
                   "Entrypoint": ["/__cacert_entrypoint.sh"], "Cmd": ["jshell"]},
        "history": [
            {"created_by": "ENV JAVA_HOME=/opt/java/openjdk", "empty_layer": True},
            {"created_by": "ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:"
                           "/usr/sbin:/usr/bin:/sbin:/bin", "empty_layer": True},
            {"created_by": "ENV LANG=en_US.UTF-8 LANGUAGE=en_US:en LC_ALL=en_US.UTF-8",
             "empty_layer": True},
            {"created_by": "RUN /bin/sh -c set -eux; apt-get update; DEBIAN_FRONTEND=noninteractive"
                           " apt-get install -y --no-install-recommends curl wget fontconfig "
                           "ca-certificates p11-kit tzdata locales; rm -rf /var/lib/apt/lists/* "
                           "# buildkit", "empty_layer": False},
            {"created_by": "ENV JAVA_VERSION=jdk-17.0.16+8", "empty_layer": True},
            {"created_by": "RUN /bin/sh -c set -eux; curl -LfsSo /tmp/openjdk.tar.gz ${BINARY_URL};"
                           " mkdir -p \"$JAVA_HOME\"; tar --extract --file /tmp/openjdk.tar.gz "
                           "--directory \"$JAVA_HOME\" --strip-components 1 --no-same-owner; "
                           "rm -f /tmp/openjdk.tar.gz ${JAVA_HOME}/lib/src.zip; # buildkit",
             "empty_layer": False},
            {"created_by": "RUN /bin/sh -c set -eux; echo \"Verifying install ...\"; "
                           "fileEncoding=\"$(echo 'System.out.println(System.getProperty(\"file."
                           "encoding\"))' | jshell -s -)\"; echo \"javac --version\"; javac "
                           "--version; echo \"java --version\"; java --version; echo \"Complete.\""
                           " # buildkit", "empty_layer": False},
            {"created_by": "COPY --chmod=755 entrypoint.sh /__cacert_entrypoint.sh # buildkit",
             "empty_layer": False, "files": ["/__cacert_entrypoint.sh"]},
            {"created_by": 'ENTRYPOINT ["/__cacert_entrypoint.sh"]', "empty_layer": True},
            {"created_by": 'CMD ["jshell"]', "empty_layer": True},
        ],
    }],
}

MEMCACHED_REPOINFO = {
    "repository": "memcached",
    "source": {"name": "docker-library/repo-info", "commit": "8" * 40, "date": "2025-07-15"},
    "images": [{
        "tags": ["1.6-alpine3.21"], "architectures": ["amd64"], "from": "alpine:3.21",
        "base_history": 2, "created": "2025-03-11T18:40:08Z",
        "config": {"User": "memcache", "Entrypoint": ["docker-entrypoint.sh"],
                   "Cmd": ["memcached"], "ExposedPorts": {"11211/tcp": {}}},
        "history": [
            {"created_by": "ADD alpine-minirootfs-3.21.3-x86_64.tar.gz / # buildkit",
             "empty_layer": False},
            {"created_by": 'CMD ["/bin/sh"]', "empty_layer": True},
            {"created_by": "RUN /bin/sh -c addgroup -g 11211 memcache && adduser -D -u 11211 -G "
                           "memcache memcache # buildkit", "empty_layer": False},
            {"created_by": "RUN /bin/sh -c apk add --no-cache libsasl # buildkit",
             "empty_layer": False},
            {"created_by": "ENV MEMCACHED_VERSION=1.6.38", "empty_layer": True},
            {"created_by": "RUN /bin/sh -c set -x && apk add --no-cache --virtual .build-deps "
                           "ca-certificates coreutils cyrus-sasl-dev gcc libc-dev libevent-dev "
                           "make openssl-dev perl && wget -O memcached.tar.gz \"https://memcached"
                           ".org/files/memcached-$MEMCACHED_VERSION.tar.gz\" && make install && "
                           "apk del --no-network .build-deps && memcached -V # buildkit",
             "empty_layer": False},
            {"created_by": "COPY docker-entrypoint.sh /usr/local/bin/ # buildkit",
             "empty_layer": False, "files": ["/usr/local/bin/docker-entrypoint.sh"]},
            {"created_by": "RUN /bin/sh -c ln -s usr/local/bin/docker-entrypoint.sh /entrypoint.sh"
                           " # backwards compat # buildkit", "empty_layer": False},
            {"created_by": 'ENTRYPOINT ["docker-entrypoint.sh"]', "empty_layer": True},
            {"created_by": "USER memcache", "empty_layer": True},
            {"created_by": "EXPOSE map[11211/tcp:{}]", "empty_layer": True},
            {"created_by": 'CMD ["memcached"]', "empty_layer": True},
        ],
        "layers": [{"compressed": 3642000}, {"compressed": 1210}, {"compressed": 74000},
                   {"compressed": 1790000}, {"compressed": 283}, {"compressed": 120}],
        "size": 13100000,
        "packages": {"format": "apk", "list": ["musl 1.2.5-r9", "libsasl 2.1.28-r8",
                                               "libevent 2.1.12-r7"]},
    }],
}

DEBIAN_OFFICIAL = {
    "repository": "debian",
    "source": {"name": "docker-library/official-images", "commit": "7" * 40, "date": "2025-07-15"},
    "images": [{
        "tags": ["trixie", "13", "13.0", "testing"], "architectures": ["amd64", "arm64v8"],
        "from": "scratch", "created": "2025-07-21T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["bash"]},
        "history": [{"created_by": "# debian.sh --arch 'amd64' out/ 'trixie' '@1753056000'",
                     "empty_layer": False}],
    }],
}

FILES = {
    "official/alpine": ALPINE_OFFICIAL,
    "official/node": NODE_OFFICIAL,
    "repo-info/node": NODE_REPOINFO,
    "official/python": PYTHON_OFFICIAL,
    "official/golang": GOLANG_OFFICIAL,
    "official/maven": MAVEN_OFFICIAL,
    "official/eclipse-temurin": TEMURIN_OFFICIAL,
    "official/debian": DEBIAN_OFFICIAL,
    "repo-info/memcached": MEMCACHED_REPOINFO,
}


def write_library(root: Path) -> Path:
    """The fixture library under `root` (created), in the shipped layout; returns `root`."""
    for name, doc in FILES.items():
        path = root / f"{name}.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(json.dumps(doc, sort_keys=True).encode(), mtime=0))
    (root / "rules.toml").write_bytes((ASSETS / "library" / "rules.toml").read_bytes())
    return root
