"""The Dockerfile front end, as BuildKit's: the parser, typed instructions, variable expansion,
stage planning with BuildKit's validation, and its lint checks.

Names are loaded from their modules on first use, so that importing one piece (the parser, say)
does not pay for all the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.engine.dockerfile._ast import Heredoc, Instruction
    from tutor.engine.dockerfile._expand import StepExpansion, expand_command, run_command_line
    from tutor.engine.dockerfile._instructions import (
        Add,
        Arg,
        Cmd,
        Command,
        Copy,
        Entrypoint,
        Env,
        Expose,
        From,
        Healthcheck,
        Label,
        Maintainer,
        Onbuild,
        Run,
        Shell,
        Stopsignal,
        User,
        Volume,
        Workdir,
        parse_command,
    )
    from tutor.engine.dockerfile._lint import BaseImage, LintWarning, lint
    from tutor.engine.dockerfile._parser import (
        ParsedDockerfile,
        ParseWarning,
        parse,
        parse_dockerfile,
    )
    from tutor.engine.dockerfile._stages import (
        BuildPlan,
        PlannedCommand,
        Source,
        Stage,
        dispatch_step,
        image_onbuild_commands,
        plan_build,
    )

_WHERE = {
    "_ast": ("Heredoc", "Instruction"),
    "_expand": ("StepExpansion", "expand_command", "run_command_line"),
    "_instructions": (
        "Add", "Arg", "Cmd", "Command", "Copy", "Entrypoint", "Env", "Expose", "From",
        "Healthcheck", "Label", "Maintainer", "Onbuild", "Run", "Shell", "Stopsignal", "User",
        "Volume", "Workdir", "parse_command",
    ),
    "_lint": ("BaseImage", "LintWarning", "lint"),
    "_parser": ("ParsedDockerfile", "ParseWarning", "parse", "parse_dockerfile"),
    "_stages": ("BuildPlan", "PlannedCommand", "Source", "Stage", "dispatch_step",
                "image_onbuild_commands", "plan_build"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
