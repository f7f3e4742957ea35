"""Older tags tutorials still name resolve by rule, down to each repository's first release line;
tags that never could exist stay unknown with Docker's error."""

from __future__ import annotations

import pytest

from tests.dockercli.conftest import Docker


@pytest.mark.parametrize(("ref", "command", "expected"), [
    ("node:14.17.3-alpine3.14", ["node", "--version"], "v14.17.3\n"),
    ("node:lts-buster-slim", ["cat", "/etc/debian_version"], "10.13\n"),
    ("rust:buster", ["cat", "/etc/debian_version"], "10.13\n"),
    ("python:3.7-alpine", ["python", "--version"], "Python 3.7.0\n"),
    ("alpine:3.5", ["cat", "/etc/alpine-release"], "3.5.0\n"),
    ("debian:stretch", ["cat", "/etc/debian_version"], "9.13\n"),
    ("mcr.microsoft.com/dotnet/aspnet:6.0", ["ls", "/usr/share/dotnet"], None),
])
def test_an_older_tag_runs_as_that_release(docker: Docker, ref: str, command: list[str],
                                           expected: str | None) -> None:
    result = docker("run", "--rm", ref, *command)
    assert result.status == 0, result.err
    if expected is not None:
        assert result.out == expected


def test_an_os_release_the_library_dropped_is_built_on_that_release(docker: Docker) -> None:
    result = docker("run", "--rm", "eclipse-temurin:17-jre-focal", "cat", "/etc/os-release")
    assert result.status == 0, result.err
    assert 'VERSION_ID="20.04"' in result.out


@pytest.mark.parametrize("ref", ["node:99", "node:18-alpine3.99", "alpine:2.0", "nginx:1.6"])
def test_tags_that_cannot_exist_stay_unknown(docker: Docker, ref: str) -> None:
    result = docker("pull", ref)
    assert result.status == 1
    name, _, tag = ref.partition(":")
    assert result.err.startswith(
        f"Error response from daemon: manifest for {name}:{tag} not found: manifest unknown")


@pytest.mark.parametrize("ref", ["nginx:stable", "nginx:1.21.6", "nginx:mainline-alpine-slim",
                                 "nginx:1.19.7-alpine"])
def test_a_rewritten_install_step_still_installs_the_software(docker: Docker, ref: str) -> None:
    # upstream rewrote nginx's install RUN since the hand-written recipe's release; the step
    # is still nginx's install, so the image has nginx's files (what `rm …/default.conf` needs)
    result = docker("run", "--rm", ref, "ls", "/etc/nginx/conf.d/", "/etc/nginx/nginx.conf")
    assert result.status == 0, result.err
    assert "default.conf" in result.out


@pytest.mark.parametrize(("ref", "shown"), [
    ("node:20-alpine", "v20.18.3\n"),   # the hand-written image: node's own entrypoint script
    ("node:18-alpine", "v18.13.0\n"),   # repo-info data: `COPY file:<digest> in /usr/local/bin/`
    ("node:24", "v24.19.0\n"),          # official-images data
])
def test_the_entrypoint_script_runs_with_the_arguments(docker: Docker, ref: str,
                                                       shown: str) -> None:
    # `docker run IMAGE -v`: runc execs docker-entrypoint.sh with `-v`, which hands options
    # alone to the image's main program
    result = docker("run", "--rm", ref, "-v")
    assert (result.status, result.out) == (0, shown), result.err
