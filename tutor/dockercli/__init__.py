"""`tutor docker …`: the docker command line a learner types, answered by the simulated engine."""

from __future__ import annotations

from tutor.dockercli._main import main, parse_command_line

__all__ = ["main", "parse_command_line"]
