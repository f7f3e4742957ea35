"""The lazy command index answers every registered command with the module that registers it."""

from __future__ import annotations

from tutor.dockercli import commands
from tutor.dockercli._main import COMMANDS


def test_every_command_is_found_through_the_index() -> None:
    commands.load_all()
    assert COMMANDS
    for path, command in COMMANDS.items():
        module = command.run.__module__.rsplit(".", 1)[1]
        assert commands.module_for(path.split()) == module, path


def test_unknown_words_load_nothing() -> None:
    assert commands.module_for(["buidl"]) is None
    assert commands.module_for([]) is None
