"""The docker commands, one module per area; importing this package registers them all."""

from tutor.dockercli.commands import build, containers, images, registry, system, volumes  # noqa: F401
