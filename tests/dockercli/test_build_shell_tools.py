"""`docker build` of Dockerfiles shaped like official images' RUN steps: the tools between the
package manager and the final binary (accounts, awk, downloads, checksums, archives)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.dockercli.conftest import Docker, write


def _tree_of(isolated_state: Path, ref: str):  # type: ignore[no-untyped-def]
    from tutor.engine import Engine
    from tutor.paths import content_dir

    engine = Engine.open(isolated_state, content_dir("assets"))
    return engine.tree(engine.images.resolve(ref).diff_ids)


def test_debian_accounts_awk_and_dpkg(docker: Docker, tmp_path: Path,
                                      isolated_state: Path) -> None:
    ctx = write(tmp_path / "deb", {"Dockerfile": (
        "FROM debian:bookworm-slim\n"
        "RUN set -eux; groupadd -r redis --gid=999; "
        "useradd -r -g redis --uid=999 --home-dir=/var/lib/redis --no-log-init redis; "
        "awk -F: '$3 >= 999 && $3 < 65534 {print \"account\", $1}' /etc/passwd; "
        "echo \"arch=$(dpkg --print-architecture) cpus=$(nproc)\"; "
        "dpkg --compare-versions \"$(dpkg-query -W -f='${Version}' mawk)\" ge 1.3; "
        "tmp=\"$(mktemp -d)\"; rm -rf \"$tmp\"\n"
    )})
    result = docker("build", "--progress=plain", "-t", "deb:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "account redis" in result.err
    assert re.search(r"arch=(amd64|arm64) cpus=2", result.err)
    tree = _tree_of(isolated_state, "deb:1")
    passwd = tree.get("/etc/passwd")
    assert passwd is not None and passwd.content is not None
    assert b"redis:x:999:999::/var/lib/redis:/bin/sh\n" in passwd.content.read()


def test_alpine_download_verify_and_unpack(docker: Docker, tmp_path: Path,
                                           isolated_state: Path) -> None:
    ctx = write(tmp_path / "alp", {"Dockerfile": (
        "FROM alpine:3.21\n"
        "RUN set -eux; cd /tmp; "
        "wget -q -O tool.tar.gz https://github.com/acme/tool/releases/download/v1.4.2/"
        "tool-v1.4.2-linux-amd64.tar.gz; "
        "echo '9f2c5a1b3d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8  tool.tar.gz'"
        " | sha256sum -c -; "
        "tar -xzf tool.tar.gz -C /usr/local --strip-components=1; rm tool.tar.gz; "
        "ls /usr/local/bin; awk '/^ID=/' /etc/os-release\n"
    )})
    result = docker("build", "--progress=plain", "-t", "alp:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "tool.tar.gz: OK" in result.err
    assert "ID=alpine" in result.err
    tree = _tree_of(isolated_state, "alp:1")
    assert tree.get("/usr/local/bin/tool") is not None


def test_a_wrong_checksum_of_a_learners_file_fails_the_build(docker: Docker,
                                                             tmp_path: Path) -> None:
    ctx = write(tmp_path / "bad", {
        "Dockerfile": (
            "FROM alpine:3.21\n"
            "COPY app.txt /app.txt\n"
            "RUN echo '0000000000000000000000000000000000000000000000000000000000000000  "
            "/app.txt' | sha256sum -c -\n"
        ),
        "app.txt": "mine\n",
    })
    result = docker("build", "--progress=plain", ".", cwd=ctx)
    assert result.status == 1
    assert "/app.txt: FAILED" in result.err
    assert "sha256sum: WARNING: 1 of 1 computed checksums did NOT match" in result.err


def test_c_program_built_on_alpine_needs_static_linking_for_scratch(docker: Docker,
                                                                   tmp_path: Path) -> None:
    source = '#include <stdio.h>\nint main(void) {\n    printf("Hello from C\\n");\n}\n'
    for flags, tag in (("", "dyn:1"), ("-static ", "static:1")):
        ctx = write(tmp_path / tag.replace(":", "-"), {
            "Dockerfile": (
                "FROM alpine:3.21 AS build\n"
                "RUN apk add --no-cache build-base\n"
                "COPY hello.c /src/\n"
                f"RUN gcc {flags}-O2 -o /hello /src/hello.c && /hello\n"
                "FROM scratch\n"
                "COPY --from=build /hello /hello\n"
                'CMD ["/hello"]\n'
            ),
            "hello.c": source,
        })
        result = docker("build", "--progress=plain", "-t", tag, ".", cwd=ctx)
        assert result.status == 0, result.err
        assert "Hello from C" in result.err
    assert docker("run", "--rm", "static:1").out == "Hello from C\n"
    failed = docker("run", "--rm", "dyn:1")
    assert failed.status != 0
    assert "exec /hello: no such file or directory" in failed.err


def test_debian_verify_and_build_from_source(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "src", {"Dockerfile": (
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl "
        "gnupg dirmngr build-essential\n"
        "RUN set -eux; export GNUPGHOME=\"$(mktemp -d)\"; cd /tmp; "
        "curl -fsSLO https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz; "
        "curl -fsSLO https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz.sig; "
        "gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "
        "7CF6A7A6A1CE40E3F37C4F0EB99A1F7E1C4F9A35; "
        "gpg --batch --verify hello-2.12.tar.gz.sig hello-2.12.tar.gz; "
        "gpgconf --kill all; rm -rf \"$GNUPGHOME\"; mkdir -p /usr/src/hello; "
        "tar -xzf hello-2.12.tar.gz -C /usr/src/hello --strip-components=1; "
        "cd /usr/src/hello; ./configure; make -j\"$(nproc)\"; make install; "
        "cd /; rm -rf /usr/src/hello /tmp/hello-2.12.tar.gz*\n"
        'CMD ["hello"]\n'
    )})
    result = docker("build", "--progress=plain", "-t", "hello:src", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "gpg: Good signature from" in result.err
    assert "cp hello /usr/local/bin/hello" in result.err
    assert docker("run", "--rm", "hello:src").out == "hello 2.12\n"


def test_the_compiler_is_the_distributions(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "gcc", {"Dockerfile": (
        "FROM alpine:3.21\n"
        "RUN apk add --no-cache build-base\n"
        "RUN gcc --version | head -1\n"
    )})
    result = docker("build", "--progress=plain", "-t", "cc:1", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert "gcc (Alpine 14.2.0) 14.2.0" in result.err
    assert "Debian" not in result.err
