"""Simulated package managers; importing this package registers their programs."""

from tutor.engine.sh.pkg import (
    apk,
    apt,
    cargo,
    dotnet,
    golang,
    gradle,
    jvm,
    maven,
    npm,
    pip,
    yarn,
)

__all__ = ["apk", "apt", "cargo", "dotnet", "golang", "gradle", "jvm", "maven", "npm", "pip",
           "yarn"]
