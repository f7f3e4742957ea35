"""The docker commands, one module per area.

A module registers its commands when imported. A command line loads only the module that answers
it (`module_for`), so that `tutor docker images` does not pay for the builder's imports;
`load_all` is for help listings and completion. `tests/dockercli/test_command_index.py` keeps the
index and the registrations in step.
"""

from __future__ import annotations

import importlib

MODULES = ("build", "containers", "images", "registry", "system", "volumes")

_BY_WORD = {
    "build": "build", "builder": "build", "buildx": "build",
    "images": "images", "history": "images", "tag": "images", "rmi": "images", "pull": "images",
    "save": "images", "load": "images", "import": "images",
    "push": "registry", "login": "registry", "logout": "registry", "search": "registry",
    "manifest": "registry",
    "container": "containers", "run": "containers", "create": "containers", "ps": "containers",
    "start": "containers", "stop": "containers", "restart": "containers", "kill": "containers",
    "pause": "containers", "unpause": "containers", "rm": "containers", "logs": "containers",
    "exec": "containers", "attach": "containers", "diff": "containers", "commit": "containers",
    "export": "containers",
    "cp": "containers", "port": "containers", "rename": "containers", "inspect": "containers",
    "volume": "volumes",
    "system": "system", "version": "system", "info": "system",
}
_IMAGE_GROUP = {"build": "build", "push": "registry"}


def module_for(words: list[str]) -> str | None:
    """The module answering a command line's first words (`["image", "push"]` → registry)."""
    if not words:
        return None
    if words[0] == "image":
        return _IMAGE_GROUP.get(words[1] if len(words) > 1 else "", "images")
    return _BY_WORD.get(words[0])


def load(words: list[str]) -> None:
    name = module_for(words)
    if name is not None:
        importlib.import_module(f"{__name__}.{name}")


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
