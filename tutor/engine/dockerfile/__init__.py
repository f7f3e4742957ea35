"""The Dockerfile front end, as BuildKit's: the parser, typed instructions, variable expansion,
stage planning with BuildKit's validation, and its lint checks."""

from tutor.engine.dockerfile._ast import Heredoc, Instruction
from tutor.engine.dockerfile._expand import (
    StepExpansion,
    expand_command,
    run_command_line,
)
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
from tutor.engine.dockerfile._parser import ParsedDockerfile, ParseWarning, parse, parse_dockerfile
from tutor.engine.dockerfile._stages import (
    BuildPlan,
    PlannedCommand,
    Source,
    Stage,
    dispatch_step,
    plan_build,
)

__all__ = [
    "Add", "Arg", "BaseImage", "BuildPlan", "Cmd", "Command", "Copy", "Entrypoint", "Env",
    "Expose", "From", "Healthcheck", "Heredoc", "Instruction", "Label", "LintWarning",
    "Maintainer", "Onbuild", "ParseWarning", "ParsedDockerfile", "PlannedCommand", "Run",
    "Shell", "Source", "Stage", "StepExpansion", "Stopsignal", "User", "Volume", "Workdir",
    "dispatch_step", "expand_command", "lint", "parse", "parse_command", "parse_dockerfile",
    "plan_build", "run_command_line",
]
