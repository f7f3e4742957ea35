"""`docker version` and `docker info`: what the learner's simulated Docker is."""

from __future__ import annotations

from tutor.dockercli._flags import Parsed
from tutor.dockercli._main import DOCKER_BUILD, DOCKER_VERSION, Context, command


@command("version", usage="[OPTIONS]", summary="Show the Docker version information", max_args=0)
def version(ctx: Context, _: Parsed) -> None:
    ctx.out.write(
        "Client:\n"
        f" Version:           {DOCKER_VERSION}\n"
        " API version:       1.51\n"
        " Go version:        go1.24.8\n"
        f" Git commit:        {DOCKER_BUILD}\n"
        " OS/Arch:           linux/amd64\n"
        " Context:           default\n"
        "\n"
        "Server: Image Tutor simulated engine\n"
        " Engine:\n"
        f"  Version:          {DOCKER_VERSION}\n"
        "  API version:      1.51 (minimum version 1.24)\n"
        "  OS/Arch:          linux/amd64\n"
    )
