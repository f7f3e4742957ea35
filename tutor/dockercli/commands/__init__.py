"""The docker commands, one module per area; importing this package registers them all."""

from tutor.dockercli.commands import build, images, system  # noqa: F401
