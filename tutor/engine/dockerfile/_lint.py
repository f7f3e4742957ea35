"""BuildKit's build checks: the warnings `docker build` lists as ` - Rule: msg (line N)`.

`lint` reports them in the order BuildKit raises them: while parsing (casing, MAINTAINER), after
parsing (stage names, instruction casing), while reading FROM lines, then while dispatching the
steps of the stages the target needs (UndefinedVar, JSONArgsRecommended, …). The dispatch-time
checks depend on the base images' ENV and SHELL, which a caller can supply. Not covered:
CopyIgnoredFile (needs the context's .dockerignore), InvalidBaseImagePlatform (needs the pulled
image), the experimental InvalidDefinitionDescription, and `# check=` directives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tutor.engine.dockerfile._expand import NON_ENV_ARGS, expand_arg, split_port
from tutor.engine.dockerfile._go import GoError
from tutor.engine.dockerfile._gotext import quote
from tutor.engine.dockerfile._instructions import (
    Arg,
    Cmd,
    Command,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Shell,
    Workdir,
)
from tutor.engine.dockerfile._lex import Lexer
from tutor.engine.dockerfile._platforms import parse_platform
from tutor.engine.dockerfile._stages import DEFAULT_PATH, BuildPlan, Stage, dispatch_step
from tutor.engine.dockerfile._suggest import suggest
from tutor.engine.errors import DockerfileError


@dataclass(frozen=True, slots=True)
class LintWarning:
    rule: str
    message: str
    line: int
    """First line the warning points at, 0 when it points at none."""


@dataclass(frozen=True, slots=True)
class BaseImage:
    """What the checks need to know about a base image's config."""

    env: tuple[tuple[str, str], ...] = ()
    shell: tuple[str, ...] = ()


_SECRET = re.compile(r"(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|"
                     r"secret|token)(?:_|$)", re.IGNORECASE)
_NOT_SECRET = re.compile(r"(?:_|^)(?:public|file|version)(?:_|$)", re.IGNORECASE)
_RESERVED_STAGE_NAMES = ("context", "scratch")


def _consistent(word: str) -> bool:
    return word in (word.lower(), word.upper())


@dataclass
class _StageState:
    env: dict[str, str]
    shell: tuple[str, ...]
    declared: list[str] = field(default_factory=list)
    workdir_set: bool = False


class _Linter:
    def __init__(self, plan: BuildPlan) -> None:
        self.plan = plan
        self.found: list[LintWarning] = []

    def warn(self, rule: str, message: str, line: int) -> None:
        self.found.append(LintWarning(rule, message, line))

    # --- while parsing ---------------------------------------------------------------------------

    def parse_time(self) -> None:
        written: list[Command] = [*self.plan.meta_args]
        for stage in self.plan.stages:
            written.append(stage.from_)
            written.extend(c.command for c in stage.commands if not c.from_onbuild)
        for command in sorted(written, key=lambda c: c.start_line):
            if isinstance(command, Maintainer):
                self.warn("MaintainerDeprecated",
                          "Maintainer instruction is deprecated in favor of using label",
                          command.start_line)
            if isinstance(command, From):
                self._from_casing(command)

    def _from_casing(self, from_: From) -> None:
        if from_.written_name != from_.written_name.lower():
            self.warn("StageNameCasing", f"Stage name '{from_.written_name}' should be lowercase",
                      from_.start_line)
        keyword, as_keyword = from_.keyword, from_.as_keyword
        if not as_keyword or not _consistent(keyword):
            return
        expected = as_keyword.lower() if keyword == keyword.lower() else as_keyword.upper()
        if as_keyword != expected:
            self.warn("FromAsCasing", f"'{as_keyword}' and '{keyword}' keywords' casing do not "
                      "match", from_.start_line)

    # --- after parsing ---------------------------------------------------------------------------

    def stage_names(self) -> None:
        seen: set[str] = set()
        for stage in self.plan.stages:
            if not stage.name:
                continue
            if stage.name in _RESERVED_STAGE_NAMES:
                self.warn("ReservedStageName", "Stage name should not use the same name as "
                          f"reserved stage {quote(stage.name)}", stage.from_.start_line)
            if stage.name in seen:
                self.warn("DuplicateStageName", f"Duplicate stage name {quote(stage.name)}, "
                          "stage names should be unique", stage.from_.start_line)
            seen.add(stage.name)

    def instruction_casing(self) -> None:
        commands: list[Command] = []
        for stage in self.plan.stages:
            commands.append(stage.from_)
            commands.extend(c.command for c in stage.commands if not c.from_onbuild)
        consistent = [c.keyword for c in commands if _consistent(c.keyword)]
        lower = sum(1 for k in consistent if k == k.lower())
        majority_lower = lower > len(consistent) - lower
        for command in commands:
            name = command.keyword
            if majority_lower and name != name.lower():
                casing = "lowercase"
            elif not majority_lower and name != name.upper():
                casing = "uppercase"
            else:
                continue
            self.warn("ConsistentInstructionCasing", f"Command '{name}' should match the case "
                      f"of the command majority ({casing})", command.start_line)

    # --- reading FROM lines ----------------------------------------------------------------------

    def default_base_names(self, valid_reference: Callable[[str], bool]) -> None:
        lexer = Lexer(self.plan.escape)
        args = dict(self.plan.predefined_args)
        try:
            for command in self.plan.meta_args:
                for arg in command.args:
                    if arg.value is not None:
                        args.pop(arg.key, None)
                        args[arg.key] = lexer.process_word(arg.value, args).result
            names = [(s, lexer.process_word(s.from_.base_name, args).result)
                     for s in self.plan.stages]
        except DockerfileError:
            return
        for stage, name in names:
            if not valid_reference(name):
                self.warn("InvalidDefaultArgInFrom", "Default value for ARG "
                          f"{stage.from_.base_name} results in empty or invalid base image name",
                          stage.from_.start_line)

    def from_lines(self) -> None:
        lexer = Lexer(self.plan.escape)
        declared = {a.key for c in self.plan.meta_args for a in c.args}
        known = declared | set(self.plan.global_args)
        for stage in self.plan.stages:
            line = stage.from_.start_line
            base = lexer.process_word(stage.from_.base_name, self.plan.global_args)
            self._undeclared_from_args(base.unmatched, known, line)
            if not stage.from_.platform:
                continue
            spec = lexer.process_word(stage.from_.platform, self.plan.global_args)
            self._undeclared_from_args(spec.unmatched, known, line)
            target = self.plan.global_args.get("TARGETPLATFORM")
            if spec.matched == ("TARGETPLATFORM",) and not spec.unmatched and (
                    spec.result == target):
                self.warn("RedundantTargetPlatform", "Setting platform to predefined "
                          f"{stage.from_.platform} in FROM is redundant as this is the default "
                          "behavior", line)
            if not spec.matched and not spec.unmatched:
                self._const_platform(stage, spec.result, line)

    def _undeclared_from_args(self, unmatched: tuple[str, ...], known: set[str],
                              line: int) -> None:
        for name in unmatched:
            if name in known:
                continue
            hint = suggest(name, known, case_sensitive=True)
            self.warn("UndefinedArgInFrom", f"FROM argument '{name}' is not declared"
                      + (f" (did you mean {hint}?)" if hint else ""), line)

    def _const_platform(self, stage: Stage, value: str, line: int) -> None:
        try:
            platform = parse_platform(value, self.plan.build_platform)
        except GoError:
            return  # BuildKit skips the check; the build fails on the value later
        if platform.os in stage.name or platform.architecture in stage.name:
            return
        self.warn("FromPlatformFlagConstDisallowed",
                  f"FROM --platform flag should not use constant value {quote(value)}", line)

    # --- dispatching -----------------------------------------------------------------------------

    def dispatch(self, base_image: Callable[[str], BaseImage]) -> None:
        finished: dict[int, _StageState] = {}
        for index in self.plan.reachable:
            stage = self.plan.stages[index]
            if stage.base.stage is not None:
                parent = finished[stage.base.stage]
                state = _StageState(dict(parent.env), parent.shell, list(parent.declared),
                                    parent.workdir_set)
            else:
                image = base_image(stage.base_name)
                state = _StageState(dict(image.env), image.shell)
                state.env.setdefault("PATH", DEFAULT_PATH)
            try:
                self._dispatch_stage(stage, state)
            except DockerfileError:
                return  # the build stops here, and so do its checks
            finished[index] = state

    def _dispatch_stage(self, stage: Stage, state: _StageState) -> None:
        used_once: dict[type, int] = {}
        for step in stage.commands:
            command = step.command
            line = command.start_line
            if isinstance(command, Arg):
                self._arg(command, state)
                continue
            expanded = dispatch_step(self.plan, stage.index, step, state.env)
            self._undefined(expanded.unmatched, state, line)
            result = expanded.command
            if isinstance(result, Env | Label):
                for pair in result.pairs:
                    if pair.legacy:
                        self.warn("LegacyKeyValueFormat", f'"{command.keyword} key=value" should '
                                  f'be used instead of legacy "{command.keyword} key value" format',
                                  line)
                    if isinstance(result, Env):
                        self._secret("ENV", pair.key, line)
            if isinstance(result, Cmd | Entrypoint | Healthcheck):
                previous = used_once.get(type(result))
                if previous is not None:
                    self.warn("MultipleInstructionsDisallowed", f"Multiple {command.keyword} "
                              "instructions should not be used in the same stage because only "
                              "the last one will be used", previous)
                used_once[type(result)] = line
                if isinstance(result, Cmd | Entrypoint) and result.prepend_shell and (
                        not state.shell):
                    self.warn("JSONArgsRecommended", "JSON arguments recommended for "
                              f"{command.keyword} to prevent unintended behavior related to OS "
                              "signals", line)
            if isinstance(result, Workdir):
                if not state.workdir_set and not result.path.startswith("/"):
                    self.warn("WorkdirRelativePath", f"Relative workdir {quote(result.path)} can "
                              "have unexpected results if the base image changes", line)
                state.workdir_set = True
            if isinstance(result, Shell):
                state.shell = result.shell
            if isinstance(command, Expose):
                self._expose(command, state, line)
            for key, value in expanded.env:
                state.env.pop(key, None)
                state.env[key] = value

    def _arg(self, command: Arg, state: _StageState) -> None:
        for arg in command.args:
            self._secret("ARG", arg.key, command.start_line)
            single = Arg(command.keyword, command.start_line, command.end_line, command.code,
                         (arg,))
            expanded = expand_arg(single, state.env, build_args=self.plan.build_args,
                                  global_args=self.plan.global_args, escape=self.plan.escape)
            self._undefined(expanded.unmatched, state, command.start_line)
            for key, value in expanded.env:
                state.env.pop(key, None)
                state.env[key] = value
            state.declared.append(arg.key)

    def _undefined(self, unmatched: tuple[str, ...], state: _StageState, line: int) -> None:
        for name in unmatched:
            if name in state.declared or name in NON_ENV_ARGS:
                continue
            hint = suggest(name, state.env, case_sensitive=True)
            self.warn("UndefinedVar", f"Usage of undefined variable '${name}'"
                      + (f" (did you mean ${hint}?)" if hint else ""), line)

    def _secret(self, instruction: str, key: str, line: int) -> None:
        if _SECRET.search(key) and not _NOT_SECRET.search(key):
            self.warn("SecretsUsedInArgOrEnv", "Do not use ARG or ENV instructions for sensitive "
                      f"data ({instruction} {quote(key)})", line)

    def _expose(self, command: Expose, state: _StageState, line: int) -> None:
        lexer = Lexer(self.plan.escape)
        for raw in (w for p in command.ports for w in lexer.process_words(p, state.env)):
            ip, host_port, container = split_port(raw)
            proto = container.partition("/")[2]
            if proto != proto.lower():
                self.warn("ExposeProtoCasing", f"Defined protocol '{raw}' in EXPOSE instruction "
                          "should be lowercase", line)
            if ip or host_port:
                self.warn("ExposeInvalidFormat", "EXPOSE instruction should not define an IP "
                          f"address or host-port mapping, found '{raw}'", line)


def lint(plan: BuildPlan, *, base_image: Callable[[str], BaseImage] | None = None,
         valid_reference: Callable[[str], bool] | None = None,
         empty_continuation_lines: Sequence[int] = ()) -> tuple[LintWarning, ...]:
    """BuildKit's warnings for a planned build.

    `base_image` gives the config of an image a stage is built FROM (default: no ENV, no
    SHELL). `valid_reference` says whether a base image name parses as a reference; by default
    only an empty name is invalid. `empty_continuation_lines` are the lines of the parser's
    empty-continuation warnings, which BuildKit reports first as NoEmptyContinuation.
    """
    linter = _Linter(plan)
    for line in empty_continuation_lines:
        linter.warn("NoEmptyContinuation", "Empty continuation line", line)
    linter.parse_time()
    linter.stage_names()
    linter.instruction_casing()
    linter.default_base_names(valid_reference or bool)
    linter.from_lines()
    linter.dispatch(base_image or (lambda _name: BaseImage()))
    return tuple(linter.found)
