"""The Dockerfile front end, as BuildKit's: the parser, typed instructions, variable expansion,
stage planning with BuildKit's validation, and its lint checks.

Names are loaded from their modules on first use, so that importing one piece (the parser, say)
does not pay for all the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.engine.dockerfile._ast import (
        Heredoc as Heredoc,
        Instruction as Instruction,
    )
    from tutor.engine.dockerfile._expand import (
        StepExpansion as StepExpansion,
        expand_command as expand_command,
        run_command_line as run_command_line,
    )
    from tutor.engine.dockerfile._instructions import (
        Add as Add,
        Arg as Arg,
        Cmd as Cmd,
        Command as Command,
        Copy as Copy,
        Entrypoint as Entrypoint,
        Env as Env,
        Expose as Expose,
        From as From,
        Healthcheck as Healthcheck,
        Label as Label,
        Maintainer as Maintainer,
        Onbuild as Onbuild,
        Run as Run,
        Shell as Shell,
        Stopsignal as Stopsignal,
        User as User,
        Volume as Volume,
        Workdir as Workdir,
        parse_command as parse_command,
    )
    from tutor.engine.dockerfile._lint import (
        BaseImage as BaseImage,
        LintWarning as LintWarning,
        lint as lint,
    )
    from tutor.engine.dockerfile._parser import (
        ParsedDockerfile as ParsedDockerfile,
        ParseWarning as ParseWarning,
        parse as parse,
        parse_dockerfile as parse_dockerfile,
    )
    from tutor.engine.dockerfile._stages import (
        BuildPlan as BuildPlan,
        PlannedCommand as PlannedCommand,
        Source as Source,
        Stage as Stage,
        dispatch_step as dispatch_step,
        image_onbuild_commands as image_onbuild_commands,
        plan_build as plan_build,
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
