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
    )
    from tutor.engine.dockerfile._ast import (
        Instruction as Instruction,
    )
    from tutor.engine.dockerfile._expand import (
        StepExpansion as StepExpansion,
    )
    from tutor.engine.dockerfile._expand import (
        expand_command as expand_command,
    )
    from tutor.engine.dockerfile._expand import (
        run_command_line as run_command_line,
    )
    from tutor.engine.dockerfile._instructions import (
        Add as Add,
    )
    from tutor.engine.dockerfile._instructions import (
        Arg as Arg,
    )
    from tutor.engine.dockerfile._instructions import (
        Cmd as Cmd,
    )
    from tutor.engine.dockerfile._instructions import (
        Command as Command,
    )
    from tutor.engine.dockerfile._instructions import (
        Copy as Copy,
    )
    from tutor.engine.dockerfile._instructions import (
        Entrypoint as Entrypoint,
    )
    from tutor.engine.dockerfile._instructions import (
        Env as Env,
    )
    from tutor.engine.dockerfile._instructions import (
        Expose as Expose,
    )
    from tutor.engine.dockerfile._instructions import (
        From as From,
    )
    from tutor.engine.dockerfile._instructions import (
        Healthcheck as Healthcheck,
    )
    from tutor.engine.dockerfile._instructions import (
        Label as Label,
    )
    from tutor.engine.dockerfile._instructions import (
        Maintainer as Maintainer,
    )
    from tutor.engine.dockerfile._instructions import (
        Onbuild as Onbuild,
    )
    from tutor.engine.dockerfile._instructions import (
        Run as Run,
    )
    from tutor.engine.dockerfile._instructions import (
        Shell as Shell,
    )
    from tutor.engine.dockerfile._instructions import (
        Stopsignal as Stopsignal,
    )
    from tutor.engine.dockerfile._instructions import (
        User as User,
    )
    from tutor.engine.dockerfile._instructions import (
        Volume as Volume,
    )
    from tutor.engine.dockerfile._instructions import (
        Workdir as Workdir,
    )
    from tutor.engine.dockerfile._instructions import (
        parse_command as parse_command,
    )
    from tutor.engine.dockerfile._lint import (
        BaseImage as BaseImage,
    )
    from tutor.engine.dockerfile._lint import (
        LintWarning as LintWarning,
    )
    from tutor.engine.dockerfile._lint import (
        lint as lint,
    )
    from tutor.engine.dockerfile._parser import (
        ParsedDockerfile as ParsedDockerfile,
    )
    from tutor.engine.dockerfile._parser import (
        ParseWarning as ParseWarning,
    )
    from tutor.engine.dockerfile._parser import (
        parse as parse,
    )
    from tutor.engine.dockerfile._parser import (
        parse_dockerfile as parse_dockerfile,
    )
    from tutor.engine.dockerfile._stages import (
        BuildPlan as BuildPlan,
    )
    from tutor.engine.dockerfile._stages import (
        PlannedCommand as PlannedCommand,
    )
    from tutor.engine.dockerfile._stages import (
        Source as Source,
    )
    from tutor.engine.dockerfile._stages import (
        Stage as Stage,
    )
    from tutor.engine.dockerfile._stages import (
        dispatch_step as dispatch_step,
    )
    from tutor.engine.dockerfile._stages import (
        image_onbuild_commands as image_onbuild_commands,
    )
    from tutor.engine.dockerfile._stages import (
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
