"""From parsed instructions to a build plan: stages, build args, targets and what depends on what.

`plan_build` runs every check BuildKit makes before it starts any step, in BuildKit's order
(`instructions.Parse`, then `dockerfile2llb.toDispatchState` up to the dependency graph), and
raises the first failure as BuildKit reports it. Two groups of checks remain for the builder,
because they need the base images: the image references themselves (`failed to parse stage
name …`) and everything BuildKit checks while dispatching the steps of the reachable stages, which
`dispatch_step` does one instruction at a time. BuildKit dispatches all reachable stages before
it executes anything, so a faithful builder calls `dispatch_step` for every step first.

Only a refused instruction (`parse_command`) is reported as `dockerfile parse error on line N:
<reason>`. The parser's own errors, `no build stage in current context` and every later error
carry no prefix; some (a bad `--from`, an unknown target) point at no line at all. The CLI prints
any of them after `ERROR: failed to build: failed to solve: `.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from tutor.engine.dockerfile._ast import Instruction
from tutor.engine.dockerfile._expand import StepExpansion, expand_arg, expand_command
from tutor.engine.dockerfile._go import GoError, parse_atoi
from tutor.engine.dockerfile._gotext import lower, quote
from tutor.engine.dockerfile._instructions import (
    Arg,
    Command,
    Copy,
    From,
    Onbuild,
    Run,
    parse_command,
)
from tutor.engine.dockerfile._lex import Lexer
from tutor.engine.dockerfile._platforms import Platform, normalize, parse_platform
from tutor.engine.dockerfile._suggest import suggest, with_suggestion
from tutor.engine.errors import DockerfileError

PROXY_ARGS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
              "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy")
"""Predefined ARGs: usable by RUN without an ARG line, and kept out of the cache key and history
unless the Dockerfile declares them."""

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The PATH BuildKit gives a Linux stage whose base image sets none."""

ParseTrigger = Callable[[str], Sequence[Instruction]]
"""Parses an ONBUILD trigger's text into parser records (the Dockerfile parser's `parse`)."""


@dataclass(frozen=True, slots=True)
class Source:
    """What `COPY --from`, `RUN --mount=from=` or `FROM` names: a stage of this file or an image."""

    stage: int | None = None
    """Index into `BuildPlan.stages`."""
    image: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedCommand:
    command: Command
    sources: tuple[Source | None, ...] = ()
    """COPY: its `--from` (one entry, or none without `--from`). RUN: one per mount, None when the
    mount reads the build context or nothing."""
    from_onbuild: bool = False
    """Inserted from the base stage's ONBUILD (progress shows `ONBUILD` before it)."""


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    from_: From
    """The FROM instruction as written."""
    name: str
    """Lower-cased `AS` name, "" when unnamed."""
    progress_name: str
    """How progress lines name the stage: its name, `stage-N` when unnamed, "" when the build
    has a single stage."""
    base_name: str
    """FROM's image or stage, global ARGs expanded."""
    base: Source
    platform: Platform | None
    """`FROM --platform`, expanded and parsed; None when absent."""
    commands: tuple[PlannedCommand, ...]


@dataclass(frozen=True, slots=True)
class BuildPlan:
    stages: tuple[Stage, ...]
    """Every stage of the file, in order."""
    target: int
    reachable: tuple[int, ...]
    """Stages the target needs (itself included), in the order BuildKit dispatches them."""
    meta_args: tuple[Arg, ...]
    """ARGs before the first FROM."""
    predefined_args: Mapping[str, str]
    """BUILDPLATFORM, TARGETARCH, TARGETSTAGE… with their values (build-args applied)."""
    global_args: Mapping[str, str]
    """The predefined platform ARGs and the pre-FROM ARGs with their values (build-args
    applied): what FROM lines expand with and what `ARG NAME` in a stage inherits."""
    build_args: Mapping[str, str]
    target_platform: Platform
    build_platform: Platform
    proxy_env: tuple[tuple[str, str], ...]
    """Proxy build-args every RUN gets in its environment (not in its cache key)."""
    escape: str
    images: tuple[tuple[str, int, int], ...] = ()
    """Image references BuildKit resolves, with the lines of the instruction naming them: base
    images of every stage and images named by `--from`, in BuildKit's order."""

    def stage_named(self, name: str) -> Stage | None:
        """The stage a `--from`/`--target` name selects (case-insensitive; the last one wins)."""
        found = None
        for stage in self.stages:
            if stage.name and stage.name == lower(name):
                found = stage
        return found


@dataclass(frozen=True, slots=True)
class ParsedFile:
    meta_args: tuple[Arg, ...]
    stages: tuple[tuple[From, tuple[Command, ...]], ...]


def _located(message: str, command: Command | Instruction) -> DockerfileError:
    return DockerfileError(message, command.start_line, command.end_line)


def parse_stages(instructions: Sequence[Instruction]) -> ParsedFile:
    """BuildKit's `instructions.Parse`: typed instructions grouped into stages.

    An instruction BuildKit refuses gives `dockerfile parse error on line N: <reason>`; anything
    but ARG before the first FROM gives `no build stage in current context`.
    """
    meta: list[Arg] = []
    stages: list[tuple[From, list[Command]]] = []
    for instr in instructions:
        try:
            command = parse_command(instr)
        except DockerfileError as err:
            raise _located(f"dockerfile parse error on line {instr.start_line}: {err.message}",
                           instr) from None
        if isinstance(command, From):
            stages.append((command, []))
        elif not stages and isinstance(command, Arg):
            meta.append(command)
        elif not stages:
            raise _located("no build stage in current context", instr)
        else:
            stages[-1][1].append(command)
    return ParsedFile(tuple(meta), tuple((f, tuple(c)) for f, c in stages))


def _platform(spec: str, host: Platform, what: str) -> Platform:
    try:
        return normalize(parse_platform(spec, host))
    except GoError as err:
        raise DockerfileError(f"failed to parse {what} platform {spec}: {err}") from None


def predefined_args(build: Platform, target: Platform, target_stage: str) -> dict[str, str]:
    """The ARGs BuildKit defines before any FROM (BUILDPLATFORM, TARGETARCH, TARGETSTAGE…)."""
    return {
        "BUILDPLATFORM": build.format(), "BUILDOS": build.os, "BUILDOSVERSION": build.os_version,
        "BUILDARCH": build.architecture, "BUILDVARIANT": build.variant,
        "TARGETPLATFORM": target.format_all(), "TARGETOS": target.os,
        "TARGETOSVERSION": target.os_version, "TARGETARCH": target.architecture,
        "TARGETVARIANT": target.variant, "TARGETSTAGE": target_stage or "default",
    }


def _set(env: dict[str, str], key: str, value: str) -> None:
    # BuildKit's env lists move a re-set variable to the end.
    env.pop(key, None)
    env[key] = value


def _global_args(parsed: ParsedFile, build_args: Mapping[str, str], defaults: dict[str, str],
                 lexer: Lexer) -> dict[str, str]:
    args = dict(defaults)
    for command in parsed.meta_args:
        for arg in command.args:
            value = arg.value
            if arg.key in build_args:
                value = build_args[arg.key]
            elif value is not None:
                try:
                    value = lexer.process_word(value, args).result
                except DockerfileError as err:
                    raise _located(err.message, command) from None
            if value is not None:
                _set(args, arg.key, value)
    return args


class _Graph:
    """BuildKit's dispatch states: stages first, then images named by `--from` as they appear."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.by_name: dict[str, int] = {}
        """Lower-cased stage names; a later duplicate replaces an earlier one, as in BuildKit."""
        self.images: list[str] = []
        self.deps: list[dict[int, Command]] = [{} for _ in names]

    def lookup(self, name: str) -> Source:
        index = self.by_name.get(lower(name))
        if index is not None:
            return Source(stage=index)
        self.images.append(name)
        return Source(image=name)

    def source_of(self, stage: int, command: Command) -> tuple[Source | None, ...]:
        if isinstance(command, Copy) and command.from_:
            if Lexer().process_word(command.from_, {}).result != command.from_:
                raise DockerfileError("variable expansion is not supported for --from, define a "
                                      "new stage with FROM using ARG from global scope as a "
                                      "workaround")
            index = parse_atoi(command.from_)
            if index is None:
                source = self.lookup(command.from_)
            elif 0 <= index < len(self.names) + len(self.images):
                source = Source(stage=index) if index < len(self.names) else Source(
                    image=self.images[index - len(self.names)])
            else:
                raise DockerfileError(f"invalid stage index {index}")
            self._depend(stage, source, command)
            return (source,)
        if isinstance(command, Run):
            sources: list[Source | None] = []
            for mount_from in command.mount_froms:
                # BuildKit looks a mount without `from` up as "scratch": that adds a scratch source
                # (so a one-stage build with a mount is no longer "single") or, when a stage is
                # named "scratch", depends on that stage.
                source = self.lookup(mount_from or "scratch")
                self._depend(stage, source, command)
                sources.append(source if mount_from or source.stage is not None else None)
            return tuple(sources)
        return ()

    def _depend(self, stage: int, source: Source, command: Command) -> None:
        if source.stage is not None:
            self.deps[stage].setdefault(source.stage, command)

    def check_cycles(self) -> None:
        visited: set[int] = set()

        def visit(state: int, path: set[int], trail: list[Command]) -> list[Command] | None:
            if state in visited:
                return None
            visited.add(state)
            path.add(state)
            for dep, command in self.deps[state].items():
                if dep in path:
                    return [*trail, command]
                found = visit(dep, path, [*trail, command])
                if found is not None:
                    return found
            path.discard(state)
            return None

        for state in range(len(self.names)):
            cycle = visit(state, set(), [])
            if cycle is not None:
                raise _located(f"circular dependency detected on stage: {self.names[state]}",
                               cycle[0])


def plan_build(instructions: Sequence[Instruction], *, build_args: Mapping[str, str],
               target: str | None = None, platform: str | None = None,
               build_platform: str = "linux/amd64", escape: str = "\\",
               parse_trigger: ParseTrigger | None = None) -> BuildPlan:
    """Check a Dockerfile as BuildKit does before building, and plan the build.

    `platform` is `docker build --platform` (None: build for `build_platform`, the daemon's own
    platform). `parse_trigger` parses the text of ONBUILD instructions that a stage inherits from
    an earlier stage; without it such triggers are skipped. Raises the first `DockerfileError`
    BuildKit would report.
    """
    parsed = parse_stages(instructions)
    if not parsed.stages:
        raise DockerfileError("dockerfile contains no stages to build")
    host = _platform(build_platform, Platform("linux", "amd64"), "build")
    target_platform = _platform(platform, host, "target") if platform else host
    target_stage = target or parsed.stages[-1][0].stage_name
    lexer = Lexer(escape)
    defaults = {key: build_args.get(key, value) for key, value in
                predefined_args(host, target_platform, target_stage).items()}
    global_args = _global_args(parsed, build_args, defaults, lexer)

    heads = [_stage_head(from_, global_args, lexer, host) for from_, _ in parsed.stages]
    graph = _Graph([name or f"stage-{i}" for i, (_, name, _, _) in enumerate(heads)])
    bases: list[Source] = []
    images: list[tuple[str, Command]] = []
    for i, (from_, name, base_name, _) in enumerate(heads):
        # FROM looks stages up by the exact name (`FROM Build` is an image), earlier stages only.
        base_index = graph.by_name.get(base_name)
        bases.append(Source(stage=base_index) if base_index is not None else Source(
            image=base_name))
        if base_index is None:
            images.append((base_name, from_))
        if name:
            graph.by_name[name] = i

    target_index = len(heads) - 1
    if target:
        found = graph.by_name.get(lower(target))
        if found is None:
            raise DockerfileError(with_suggestion(
                f"target stage {quote(target)} could not be found", target, graph.names,
                case_sensitive=True))
        target_index = found

    planned: list[list[PlannedCommand]] = []
    for i, (_, commands) in enumerate(parsed.stages):
        stage_commands = []
        for command in commands:
            before = len(graph.images)
            sources = graph.source_of(i, command)
            images.extend((image, command) for image in graph.images[before:])
            stage_commands.append(PlannedCommand(command, sources))
        planned.append(stage_commands)
    graph.check_cycles()

    reachable = _reachable(target_index, bases, graph)
    if parse_trigger is not None:
        reachable = _insert_triggers(parsed, planned, bases, graph, target_index, reachable,
                                     parse_trigger)
    single = len(heads) == 1 and not graph.images
    stages = tuple(
        Stage(index=i, from_=from_, name=name, progress_name="" if single else graph.names[i],
              base_name=base_name, base=bases[i], platform=plat, commands=tuple(planned[i]))
        for i, (from_, name, base_name, plat) in enumerate(heads))
    proxy = tuple((k, v) for k, v in sorted(build_args.items()) if k.lower() in
                  {p.lower() for p in PROXY_ARGS})
    return BuildPlan(stages=stages, target=target_index, reachable=tuple(sorted(reachable)),
                     meta_args=parsed.meta_args, predefined_args=defaults,
                     global_args=global_args,
                     build_args=dict(build_args), target_platform=target_platform,
                     build_platform=host, proxy_env=proxy, escape=escape,
                     images=tuple((name, c.start_line, c.end_line) for name, c in images
                                  if name != "scratch"))


def _stage_head(from_: From, global_args: Mapping[str, str], lexer: Lexer,
                host: Platform) -> tuple[From, str, str, Platform | None]:
    try:
        found = lexer.process_word(from_.base_name, global_args)
    except DockerfileError as err:
        raise _located(err.message, from_) from None
    if not found.result:
        raise _located(f"base name ({from_.base_name}) should not be blank", from_)
    plat = None
    if from_.platform:
        try:
            spec = lexer.process_word(from_.platform, global_args)
        except DockerfileError as err:
            raise _located(f"failed to process arguments for platform : {err.message}",
                           from_) from None
        hint = ""
        for key in spec.unmatched:
            match = suggest(key, global_args, case_sensitive=True)
            if match:
                hint = f" (did you mean {match}?)"
                break
        if not spec.result:
            raise _located(f"empty platform value from expression {from_.platform}{hint}", from_)
        try:
            plat = parse_platform(spec.result, host)
        except GoError as err:
            raise _located(f"failed to parse platform {from_.platform}: {err}{hint}",
                           from_) from None
    return from_, from_.stage_name, found.result, plat


def _reachable(target: int, bases: Sequence[Source], graph: _Graph) -> set[int]:
    seen: set[int] = set()
    todo = [target]
    while todo:
        stage = todo.pop()
        if stage in seen:
            continue
        seen.add(stage)
        base = bases[stage].stage
        if base is not None:
            todo.append(base)
        todo.extend(graph.deps[stage])
    return seen


def _insert_triggers(parsed: ParsedFile, planned: list[list[PlannedCommand]],
                     bases: Sequence[Source], graph: _Graph, target: int, reachable: set[int],
                     parse_trigger: ParseTrigger) -> set[int]:
    """Prepend to each reachable stage the ONBUILD triggers of the stage it is built FROM."""
    done: set[int] = set()
    while True:
        new_deps = False
        for stage in sorted(reachable - done):
            done.add(stage)
            base = bases[stage].stage
            if base is None:
                continue
            from_ = parsed.stages[stage][0]
            inserted = []
            for trigger in [c.command for c in planned[base]]:
                if not isinstance(trigger, Onbuild):
                    continue
                command = parse_onbuild_trigger(trigger.expression, from_, parse_trigger)
                try:
                    sources = graph.source_of(stage, command)
                except DockerfileError as err:
                    raise _located(err.message, from_) from None
                new_deps = new_deps or any(s is not None for s in sources)
                inserted.append(PlannedCommand(command, sources, from_onbuild=True))
            planned[stage][:0] = inserted
        if not new_deps:
            return reachable
        reachable = _reachable(target, bases, graph)


def parse_onbuild_trigger(expression: str, from_: From, parse: ParseTrigger) -> Command:
    """A trigger (from an ONBUILD line or a base image's config) as the command it runs.

    Errors point at the FROM line of the stage that runs the trigger, as in BuildKit, and carry
    no `dockerfile parse error` prefix.
    """
    try:
        records = parse(expression)
        if len(records) != 1:
            raise DockerfileError("onbuild trigger should be a single expression")
        record = replace(records[0], start_line=from_.start_line, end_line=from_.end_line)
        command = parse_command(record)
        if isinstance(command, From):
            raise DockerfileError("*instructions.Stage is not a command type")
        return command
    except DockerfileError as err:
        raise _located(err.message, from_) from None


def image_onbuild_commands(plan: BuildPlan, stage: int, triggers: Sequence[str],
                           parse: ParseTrigger) -> tuple[PlannedCommand, ...]:
    """The ONBUILD triggers of a stage's base *image* as steps to run first in that stage.

    `--from` in a trigger names a stage of this file (case-insensitive) or an image; BuildKit
    would also add such stages to the build, which this does not revisit.
    """
    from_ = plan.stages[stage].from_
    planned = []
    for trigger in triggers:
        command = parse_onbuild_trigger(trigger, from_, parse)
        sources: tuple[Source | None, ...] = ()
        if isinstance(command, Copy) and command.from_:
            named = plan.stage_named(command.from_)
            sources = (Source(stage=named.index) if named else Source(image=command.from_),)
        elif isinstance(command, Run):
            sources = tuple(Source(stage=s.index) if (s := plan.stage_named(f)) else
                            (Source(image=f) if f else None) for f in command.mount_froms)
        planned.append(PlannedCommand(command, sources, from_onbuild=True))
    return tuple(planned)


def dispatch_step(plan: BuildPlan, stage: int, step: PlannedCommand,
                  env: Mapping[str, str]) -> StepExpansion:
    """What BuildKit does with one instruction of a reachable stage when it dispatches it.

    `env` is the stage's environment at this point: the base image's ENV (BuildKit adds
    `PATH=DEFAULT_PATH` when it has none), then ARG values and ENV in the order they were set.
    Expands the instruction (see `_expand`), checks that COPY --from / RUN --mount stages come
    before this one, and returns what the step uses and adds to the environment.
    """
    command = step.command
    if isinstance(command, Arg):
        return expand_arg(command, env, build_args=plan.build_args,
                          global_args=plan.global_args, escape=plan.escape)
    expanded = expand_command(command, env, escape=plan.escape)
    current = plan.stages[stage].progress_name
    if isinstance(command, Copy) and step.sources:
        source = step.sources[0]
        if source is not None and source.stage is not None and source.stage >= stage:
            raise _located(f"cannot copy from stage {quote(command.from_)}, it needs to be "
                           f"defined before current stage {quote(current)}", command)
    if isinstance(expanded.command, Run) and expanded.command.mounts is not None:
        for mount, source in zip(expanded.command.mounts, step.sources, strict=True):
            origin = mount.from_ or ("scratch" if mount.type == "cache" else "")
            if origin and source is not None and source.stage is not None and (
                    source.stage >= stage):
                raise _located(f"cannot mount from stage {quote(origin)} to "
                               f"{quote(mount.target)}, stage needs to be defined before "
                               "current command", command)
    return expanded
