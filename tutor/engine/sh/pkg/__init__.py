"""Simulated package managers; importing this package registers their programs."""

from tutor.engine.sh.pkg import (
    apk,
    apt,
    cargo,
    composer,
    dotnet,
    golang,
    gradle,
    jartool,
    jvm,
    maven,
    npm,
    pip,
    pipenv,
    poetry,
    ruby,
    yarn,
)

__all__ = ["apk", "apt", "cargo", "composer", "dotnet", "golang", "gradle", "jartool", "jvm",
           "maven", "npm", "pip", "pipenv", "poetry", "ruby", "yarn"]
