"""`docker build` with BuildKit's semantics: stages dispatched in order (only those the target
needs), steps keyed and cached as BuildKit keys them, real layers from real file-system changes,
and the progress BuildKit reports, as events.

`Builder.run()` is a generator of progress events; when it ends, `Builder.outcome` says how the
build went. The engine stays synchronous and deterministic; front ends pace the events.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tutor.engine._context import followed_transfer_size, load_ignore_file, read_followed_file
from tutor.engine.build import cacheio, outputs
from tutor.engine.build.cache import (
    BuildCache,
    CacheRecord,
    StepInputs,
    cache_key,
    explain_miss,
)
from tutor.engine.build.chmod import ChmodError, parse_chmod
from tutor.engine.build.copy import (
    ContextSource,
    CopyFailed,
    SourceFiles,
    TreeSource,
    context_source,
    copy_into,
    parents_items,
)
from tutor.engine.build.export import Provenance, export
from tutor.engine.build.metadata import apply_metadata
from tutor.engine.build.mounts import (
    SANDBOX_HOSTNAME,
    CacheMounts,
    MountFailed,
    MountPlan,
    overlay,
    prepare_mounts,
    sandbox_files,
)
from tutor.engine.build.request import BuildFailure, BuildOutcome, BuildRequest, StepRecord
from tutor.engine.build.stage import StageState
from tutor.engine.build.users import exec_user
from tutor.engine.clock import parse_rfc3339, rfc3339
from tutor.engine.distribution import EXTRACT_BYTES_PER_SECOND, PULL_BYTES_PER_SECOND
from tutor.engine.dockerfile import (
    Add,
    BaseImage,
    BuildPlan,
    Copy,
    PlannedCommand,
    Run,
    Workdir,
    dispatch_step,
    image_onbuild_commands,
    lint,
    parse,
    parse_dockerfile,
    plan_build,
    run_command_line,
)
from tutor.engine.dockerfile._directives import Directive
from tutor.engine.dockerfile._instructions import LABS_FRONTEND, PARENTS_STABLE
from tutor.engine.dockerfile._stages import DEFAULT_PATH, Source
from tutor.engine.errors import DockerfileError, EngineError
from tutor.engine.fs import Data, FileTree, FsError, Node, directory, normalize
from tutor.engine.image import RunConfig, digest
from tutor.engine.layers import diff, layer
from tutor.engine.progress import (
    ProgressEvent,
    StepCacheInfo,
    Vertex,
    VertexCompleted,
    VertexLog,
    VertexStarted,
    VertexStatus,
    log_time,
)
from tutor.engine.readonly import ReadOnlyMounts
from tutor.engine.reference import InvalidReference, Reference, parse_docker_ref, parse_reference

if TYPE_CHECKING:
    from tutor.engine.engine import Engine

NameFor = Callable[..., tuple[str, int]]
"""Names a stage's next step `[stage i/n] TEXT` (with `ONBUILD` when it is a trigger)."""

CONTEXT_BYTES_PER_SECOND = 100e6
COPY_BYTES_PER_SECOND = 200e6
EXPORT_BYTES_PER_SECOND = 400e6
RESOLVE_SECONDS = 0.6
"""A registry round trip for a base image's manifest and config (`load metadata`)."""
RUN_OVERHEAD = 0.1
"""Simulated seconds to start a build container, on top of what the commands take."""


class _Failed(Exception):
    """Stops the build; the failure is already recorded."""


class Builder:
    """One `docker build`."""

    def __init__(self, engine: Engine, request: BuildRequest) -> None:
        self.engine = engine
        self.request = request
        self.outcome = BuildOutcome()
        self.cache = BuildCache(engine.store)
        self._index = 0
        self._dockerfile_text = ""
        self._dockerfile_name = "Dockerfile"
        self._context: ContextSource | None = None
        self._states: dict[int, StageState] = {}
        self._seconds = 0.0
        self._steps_now: dict[str, StepInputs] = {}
        self._steps_before: dict[str, StepInputs] = {}
        self._new_layer_bytes = 0
        self._cache_mounts = CacheMounts(engine.store)
        self._local_contexts: dict[str, str] = {}
        self._named_sources: dict[str, ContextSource] = {}
        self._step_keys: list[str] = []
        """`--build-context name=<directory>`: the directory COPY --from=name reads."""
        self._bases: list[tuple[Reference, str]] = []
        """Base images as resolved (for the provenance's resolvedDependencies)."""
        self._started = engine.clock

    def dockerfile_source(self) -> tuple[str, str]:
        """The Dockerfile's text and name as this build read them."""
        return self._dockerfile_text, self._dockerfile_name

    # -- events -------------------------------------------------------------------------------

    def _vertex(self, name: str, step: int = 0, stage: str = "") -> Vertex:
        self._index += 1
        return Vertex(self._index, name, step, stage)

    def _fail(self, message: str, start: int = 0, end: int = 0, step: str = "",
              logs: tuple[str, ...] = ()) -> _Failed:
        self.outcome.failure = BuildFailure(
            message=message, dockerfile_name=self._dockerfile_name,
            dockerfile_text=self._dockerfile_text, start_line=start, end_line=end or start,
            step_name=step, logs=logs,
        )
        return _Failed()

    # -- the build ----------------------------------------------------------------------------

    def run(self) -> Iterator[ProgressEvent]:
        try:
            yield from self._build()
        except _Failed:
            pass
        finally:
            self.outcome.seconds = self._seconds
            self.engine.advance(self._seconds)
            self.cache.save()

    def _build(self) -> Iterator[ProgressEvent]:
        request = self.request
        yield from self._load_definition()
        plan, empty_continuations = self._plan()
        self.outcome.warnings = [
            (w.rule, w.message, w.line) for w in lint(
                plan, base_image=self._base_image_info,
                empty_continuation_lines=empty_continuations,
            )
        ]
        if request.check_only:
            return
        yield from self._load_metadata(plan)
        self._check_dispatch(plan)
        yield from self._dockerignore_vertex()
        build_id = hashlib.sha256(
            f"{request.context.resolve()}|{self._dockerfile_name}|{request.target}".encode()
        ).hexdigest()
        self._steps_before = self.cache.previous_steps(build_id)
        for src in request.cache_from:
            cacheio.import_local(self.engine.store, self.cache, Path(src))
        for index in plan.reachable:
            yield from self._build_stage(plan, index)
        final = self._states[plan.target]
        yield from self._export(final)
        if request.cache_to is not None:
            vertex = self._vertex("exporting cache to client directory")
            yield VertexStarted(vertex)
            cacheio.export_local(self.engine.store, self.cache, self._step_keys,
                                 Path(request.cache_to))
            yield VertexStatus(vertex, "preparing build cache for export")
            yield VertexCompleted(vertex)
        self.cache.remember_steps(build_id, self._steps_now)

    def _load_definition(self) -> Iterator[ProgressEvent]:
        request = self.request
        path = request.dockerfile or request.context / "Dockerfile"
        self._dockerfile_name = path.name if request.dockerfile_text is None else "Dockerfile"
        read_from = path
        if request.dockerfile is None and not path.exists() and (
                request.context / "dockerfile").is_file():
            # the frontend reads a lowercase `dockerfile` when `Dockerfile` is absent
            # (dockerui `ReadEntrypoint`), still calling it Dockerfile
            read_from = request.context / "dockerfile"
        vertex = self._vertex(f"[internal] load build definition from {self._dockerfile_name}")
        yield VertexStarted(vertex)
        if request.dockerfile_text is not None:
            text = request.dockerfile_text
        else:
            try:
                # BuildKit resolves a symlinked Dockerfile inside its own directory
                text = read_followed_file(read_from.parent, read_from.name).decode(
                    "utf-8", errors="surrogateescape")
            except FileNotFoundError:
                yield VertexStatus(vertex, "transferring dockerfile:", 2)
                yield VertexCompleted(vertex)
                raise self._fail(
                    f"failed to solve: failed to read dockerfile: open {path.name}: "
                    "no such file or directory"
                ) from None
            except OSError as exc:
                raise self._fail(f"failed to solve: failed to read dockerfile: {exc}") from None
        self._dockerfile_text = text
        if request.dockerfile_text is None:
            # what the client sends: the file and the names BuildKit asks for beside it
            name = path.name
            size = followed_transfer_size(path.parent, [name, name + ".dockerignore",
                                                        "dockerfile"])
        else:
            size = len(text.encode(errors="replace"))
        yield VertexStatus(vertex, "transferring dockerfile:", size)
        yield VertexCompleted(vertex)

    def _plan(self) -> tuple[BuildPlan, list[int]]:
        request = self.request
        try:
            parsed = parse_dockerfile(self._dockerfile_text)
            self._check_syntax(parsed.directives)
            args = {k: v for k, v in request.build_args if v is not None}
            labs = LABS_FRONTEND.set(any(
                d.name == "syntax" and d.value.split(" ", 1)[0].endswith("-labs")
                for d in parsed.directives))
            parents = PARENTS_STABLE.set(self.engine.profile.docker >= 29)
            try:
                plan = plan_build(
                    parsed.instructions, build_args=args, target=request.target,
                    platform=request.platform, escape=parsed.escape_token, parse_trigger=parse,
                )
            finally:
                PARENTS_STABLE.reset(parents)
                LABS_FRONTEND.reset(labs)
        except DockerfileError as exc:
            raise self._fail(f"failed to solve: {exc.message}", exc.start_line,
                             exc.end_line) from None
        return self._with_named_contexts(plan), [w.line for w in parsed.warnings]

    def _with_named_contexts(self, plan: BuildPlan) -> BuildPlan:
        """Apply `--build-context`s (dockerui `NamedContext`): a name that FROM, `--from` or a
        mount's `from` uses as an image is looked up first; `docker-image://ref` replaces the
        image, a directory gives its files (read by COPY and mounts)."""
        images: dict[str, str] = {}
        for name, value in self.request.build_contexts:
            if value.startswith("docker-image://"):
                images[name] = value.removeprefix("docker-image://")
            elif "://" in value:
                raise self._fail(f"failed to solve: the simulated builder cannot use the build "
                                 f"context {name}={value}")
            else:
                self._local_contexts[name] = value
        for stage in plan.stages:
            if stage.base.stage is None and stage.base_name in self._local_contexts:
                raise self._fail(f"failed to solve: the simulated builder cannot start a stage "
                                 f"FROM the local build context {stage.base_name}",
                                 stage.from_.start_line, stage.from_.end_line)
        if self._local_contexts:
            # a local context is not an image: nothing to resolve for it
            plan = replace(plan, images=tuple(i for i in plan.images
                                              if i[0] not in self._local_contexts))
        if not images:
            return plan

        def mapped(source: Source | None) -> Source | None:
            if source is not None and source.image in images:
                return Source(image=images[source.image])
            return source

        stages = []
        for stage in plan.stages:
            if stage.base.stage is None and stage.base_name in images:
                stage = replace(stage, base_name=images[stage.base_name],
                                base=Source(image=images[stage.base_name]))
            commands = tuple(replace(c, sources=tuple(mapped(s) for s in c.sources))
                             for c in stage.commands)
            stages.append(replace(stage, commands=commands))
        return replace(plan, stages=tuple(stages), images=tuple(
            (images.get(name, name), start, end) for name, start, end in plan.images))

    @staticmethod
    def _check_syntax(directives: tuple[Directive, ...]) -> None:
        """`# syntax=<image> [args]` hands the build to that frontend image: BuildKit parses
        the reference first, so a malformed one fails at the directive's line (builder
        `forwardGateway` → gateway `ParseNormalizedNamed`). A valid one is answered here by the
        built-in frontend, which is what `docker/dockerfile:1` images are."""
        for directive in directives:
            if directive.name != "syntax":
                continue
            ref = directive.value.strip().split(" ", 1)[0]
            try:
                parse_reference(ref)
            except InvalidReference as exc:
                raise DockerfileError(exc.message, directive.line, directive.line) from None

    def _base_image_info(self, name: str) -> BaseImage:
        """ENV and SHELL of a base image, for the lint checks (UndefinedVar, JSONArgs…)."""
        try:
            image = self.engine.images.find(name)
        except EngineError:
            return BaseImage()
        if image is None:
            return BaseImage()
        env = tuple(tuple(e.split("=", 1)) for e in image.config.config.env if "=" in e)
        return BaseImage(env=env, shell=image.config.config.shell)  # type: ignore[arg-type]

    def _load_metadata(self, plan: BuildPlan) -> Iterator[ProgressEvent]:
        """`[internal] load metadata for …` for each image the target's stages use (BuildKit
        resolves only the stages it will build)."""
        spans = []
        for index in plan.reachable:
            stage = plan.stages[index]
            last = max([c.command.end_line for c in stage.commands] + [stage.from_.end_line])
            spans.append((stage.from_.start_line, last))
        seen: set[str] = set()
        for name, start, end in plan.images:
            if not any(first <= start <= last for first, last in spans):
                continue
            ref = parse_docker_ref(name)
            if str(ref) in seen:
                continue
            seen.add(str(ref))
            vertex = self._vertex(f"[internal] load metadata for {ref}")
            yield VertexStarted(vertex)
            try:
                image = self.engine.images.find(str(ref))
                if image is None:
                    self.engine.resolve_remote(ref, self.request.platform)
                    seconds = RESOLVE_SECONDS
                else:
                    seconds = 0.0
            except EngineError as exc:
                message = _resolve_error(name, str(ref), exc)
                yield VertexCompleted(vertex, 0.0, error=message)
                raise self._fail(f"failed to solve: {message}", start, end) from None
            self._seconds += seconds
            yield VertexCompleted(vertex, seconds)

    def _check_dispatch(self, plan: BuildPlan) -> None:
        """Expand and check every instruction of the stages to build before any step runs:
        BuildKit converts the whole Dockerfile first, so an invalid EXPOSE or STOPSIGNAL in the
        last stage fails the build before the first RUN (the real build dispatches again)."""
        envs: dict[int, dict[str, str]] = {}
        for index in plan.reachable:
            stage = plan.stages[index]
            if stage.base.stage is not None:
                env = dict(envs.get(stage.base.stage, {}))
            else:
                env = self._base_env(stage.base_name)
            env.setdefault("PATH", DEFAULT_PATH)
            for planned in self._image_triggers(plan, index) + stage.commands:
                try:
                    expansion = dispatch_step(plan, index, planned, env)
                except DockerfileError as exc:
                    command = planned.command
                    raise self._fail(f"failed to solve: {exc.message}",
                                     exc.start_line or command.start_line,
                                     exc.end_line or command.end_line) from None
                checked = expansion.command
                if isinstance(checked, Copy | Add) and checked.chmod:
                    try:
                        parse_chmod(checked.chmod)
                    except ChmodError as exc:
                        command = planned.command
                        raise self._fail(f"failed to solve: {exc.message}", command.start_line,
                                         command.end_line) from None
                env.update(dict(expansion.env))
            envs[index] = env

    def _base_env(self, name: str) -> dict[str, str]:
        """The ENV a base image starts a stage with (local image first, else the registry's)."""
        if name == "scratch":
            return {}
        try:
            ref = parse_docker_ref(name)
            image = self.engine.images.find(str(ref))
            if image is not None:
                env = image.config.config.env
            else:
                spec = self.engine.catalogue.resolve(ref.name, ref.tag or "latest",
                                                     self.request.platform or "linux/amd64")
                env = tuple(spec.config.get("Env", ())) if spec is not None else ()
        except EngineError:
            return {}
        return dict(e.split("=", 1) for e in env if "=" in e)

    def _dockerignore_vertex(self) -> Iterator[ProgressEvent]:
        """`[internal] load .dockerignore`, skipped when `<Dockerfile>.dockerignore` is used."""
        try:
            ignore = load_ignore_file(self.request.context, self.request.dockerfile)
        except EngineError as exc:
            raise self._fail(f"failed to solve: {exc.message}") from None
        if ignore.transfer_size is None:
            return
        vertex = self._vertex("[internal] load .dockerignore")
        yield VertexStarted(vertex)
        yield VertexStatus(vertex, "transferring context:", ignore.transfer_size)
        yield VertexCompleted(vertex)

    # -- stages -------------------------------------------------------------------------------

    def _build_stage(self, plan: BuildPlan, index: int) -> Iterator[ProgressEvent]:
        stage = plan.stages[index]
        label = stage.progress_name
        commands = self._image_triggers(plan, index) + stage.commands
        total = sum(isinstance(c.command, Run | Copy | Add | Workdir) for c in commands)
        if stage.base.stage is None and stage.base_name != "scratch":
            total += 1
        counter = [0]

        def name_for(text: str, onbuild: bool = False) -> tuple[str, int]:
            if total == 0:
                return text, 0
            counter[0] += 1
            width = len(str(total))
            prefix = f"[{label + ' ' if label else ''}{counter[0]:>{width}}/{total}] "
            return prefix + ("ONBUILD " if onbuild else "") + text, counter[0]

        state = yield from self._from(plan, index, name_for)
        self._states[index] = state
        if any(not c.sources and isinstance(c.command, Copy | Add) for r in plan.reachable
               for c in plan.stages[r].commands):
            # BuildKit starts sending the context as soon as the solve starts
            yield from self._context_source()
        for planned in commands:
            yield from self._dispatch(plan, index, state, planned, name_for)

    def _image_triggers(self, plan: BuildPlan, index: int) -> tuple[PlannedCommand, ...]:
        """The ONBUILD triggers of the stage's base image, run first in the stage."""
        stage = plan.stages[index]
        if stage.base.stage is not None or stage.base_name == "scratch":
            return ()
        image = self.engine.images.find(str(parse_docker_ref(stage.base_name)))
        triggers = image.config.config.on_build if image is not None else ()
        if not triggers:
            return ()
        try:
            return image_onbuild_commands(plan, index, triggers, parse)
        except DockerfileError as exc:
            raise self._fail(f"failed to solve: {exc.message}", exc.start_line,
                             exc.end_line) from None

    def _from(self, plan: BuildPlan, index: int,
              name_for: NameFor) -> Generator[ProgressEvent, None, StageState]:
        stage = plan.stages[index]
        if stage.base.stage is not None:
            parent = self._states[stage.base.stage]
            state = StageState(
                name=stage.name, config=parent.config, image_env=list(parent.image_env),
                state_env=list(parent.state_env), diff_ids=list(parent.diff_ids),
                history=list(parent.history), key=parent.key,
                architecture=parent.architecture, os=parent.os, variant=parent.variant,
                tree=parent.tree.copy() if parent.tree is not None else None,
                # what the parent stage built so far is part of this image too: its history
                # entries still need their times, and its ARGs stay declared
                pending_times=list(parent.pending_times), build_args=list(parent.build_args),
                base_created=parent.base_created,
            )
            return state
        if stage.base_name == "scratch":
            state = StageState(
                # BuildKit gives a scratch stage WorkingDir "/" (its image config says so)
                name=stage.name, config=RunConfig(working_dir="/"),
                image_env=[("PATH", DEFAULT_PATH)],
                state_env=[("PATH", DEFAULT_PATH)], diff_ids=[], history=[], key="scratch",
                tree=FileTree(),
            )
            return state
        ref = parse_docker_ref(stage.base_name)
        found = self.engine.images.find(str(ref))
        pulled = found is None
        name, step = name_for(f"FROM {ref}")
        if found is None:
            result = self.engine.pull(ref, self.request.platform)
            image = result.image
            name = f"{name}@{result.digest}"
        else:
            image = found
        vertex = self._vertex(name, step, stage.progress_name)
        yield VertexStarted(vertex)
        resolved_to = next((d.split("@", 1)[1] for d in image.record.repo_digests
                            if d.startswith(ref.name + "@")), image.id)
        self._bases.append((ref, resolved_to))
        base_key = "image:" + image.id
        used_before = base_key in self.cache.records
        if pulled:
            yield VertexStatus(vertex, f"resolve {ref}@{result.digest}", seconds=0.0)
            for la in result.layers:
                if la.existed:
                    continue
                secs = la.size / PULL_BYTES_PER_SECOND
                yield VertexStatus(vertex, la.digest, la.size, la.size, secs)
            for la in result.layers:
                if not la.existed:
                    yield VertexStatus(vertex, f"extracting {la.digest}",
                                       seconds=la.size / EXTRACT_BYTES_PER_SECOND)
            self._seconds += result.seconds
            yield VertexCompleted(vertex, result.seconds)
        elif used_before and not self.request.pull:
            yield VertexCompleted(vertex, cached=True)
        else:
            yield VertexCompleted(vertex, 0.0)
        self.outcome.steps.append(StepRecord(
            name, used_before and not pulled, result.seconds if pulled else 0.0, "",
            stage.progress_name,
        ))
        self.cache.put(base_key, CacheRecord("", 0.0, 0.0))
        config = image.config
        env = [tuple(e.split("=", 1)) if "=" in e else (e, "") for e in config.config.env]
        image_env: list[tuple[str, str]] = [(k, v) for k, v in env]
        if not any(k == "PATH" for k, _ in image_env):
            image_env.append(("PATH", DEFAULT_PATH))
        state = StageState(
            name=stage.name, config=replace(config.config, on_build=()), image_env=image_env,
            state_env=list(image_env), diff_ids=list(config.diff_ids),
            history=list(config.history), key=base_key,
            architecture=config.architecture, os=config.os, variant=config.variant,
        )
        state.base_created = parse_rfc3339(config.created_at) if config.created_at else 0.0
        return state

    # -- instructions -------------------------------------------------------------------------

    def _dispatch(self, plan: BuildPlan, index: int, state: StageState,
                  planned: PlannedCommand, name_for: NameFor) -> Iterator[ProgressEvent]:
        command = planned.command
        try:
            expansion = dispatch_step(plan, index, planned, dict(state.state_env))
        except DockerfileError as exc:
            raise self._fail(f"failed to solve: {exc.message}", exc.start_line or
                             command.start_line, exc.end_line or command.end_line) from None
        cmd = expansion.command
        if apply_metadata(state, cmd, expansion.env):
            return
        if isinstance(cmd, Workdir):
            yield from self._workdir(state, cmd, expansion.display or cmd.code, planned,
                                     name_for)
        elif isinstance(cmd, Run):
            yield from self._run(plan, state, cmd, expansion.display or cmd.code, planned,
                                 name_for)
        elif isinstance(cmd, Copy | Add):
            yield from self._copy(plan, index, state, cmd, expansion.display or cmd.code,
                                  planned, name_for)

    # -- steps that make layers ---------------------------------------------------------------

    def _step(self, state: StageState, name: str, step: int, definition: object, text: str,
              files: dict[str, str] | None = None, *, linked: bool = False) -> tuple[
        Vertex, str, StepInputs, CacheRecord | None
    ]:
        """Key a step, look it up, and tell why it missed when it did."""
        parent = "" if linked else state.key
        key = cache_key(parent, definition)
        vertex = self._vertex(name, step, state.name)
        # what the step *is*, without the checksum of its files: a file edit is reported as
        # changed files, not as a changed instruction
        assert isinstance(definition, dict)
        definition_digest = cache_key("", {k: v for k, v in definition.items()
                                           if k != "checksum"})
        inputs = StepInputs(name, parent, definition_digest, files or {}, text)
        slot = f"{state.name}#{step}"
        self._steps_now[slot] = inputs
        self._step_keys.append(key)
        skip = self.request.no_cache or (state.name and state.name in
                                         self.request.no_cache_stages)
        record = None if skip else self.cache.get(key)
        return vertex, key, inputs, record

    def _miss_reason(self, state: StageState, inputs: StepInputs, step: int) -> str:
        before = self._steps_before.get(f"{state.name}#{step}")
        return explain_miss(inputs, before, state.rebuilt, self.request.no_cache)

    def _materialize(self, state: StageState) -> FileTree:
        if state.tree is None:
            state.tree = self.engine.tree(state.diff_ids)
        return state.tree

    def _commit_layer(self, state: StageState, key: str, before: FileTree, after: FileTree,
                      seconds: float) -> CacheRecord:
        now = self.engine.clock + self._seconds
        changes = diff(before, after, whiteout_mtime=int(now))
        built = layer(changes)
        self.engine.store.put_layer(built)
        self._new_layer_bytes += built.size
        record = CacheRecord(built.diff_id, now, seconds)
        self.cache.put(key, record)
        return record

    def _finish_step(self, state: StageState, vertex: Vertex, record: CacheRecord,
                     created_by: str, cached: bool, reason: str,
                     seconds: float) -> Iterator[ProgressEvent]:
        state.diff_ids.append(record.diff_id)
        state.commit(created_by, True, record.created)
        if not cached:
            state.rebuilt = True
        yield StepCacheInfo(vertex, cached, reason)
        yield VertexCompleted(vertex, seconds, cached=cached)
        self.outcome.steps.append(StepRecord(vertex.name, cached, seconds, reason, state.name))

    def _workdir(self, state: StageState, cmd: Workdir, display: str,
                 planned: PlannedCommand, name_for: NameFor) -> Iterator[ProgressEvent]:
        path = normalize(cmd.path, state.config.working_dir or "/")
        state.config = replace(state.config, working_dir=path)
        if path == "/":
            state.commit("WORKDIR /", False, None)
            return
        name, step = name_for(display, planned.from_onbuild)
        definition = {"op": "mkdir", "path": path, "user": state.config.user}
        vertex, key, inputs, record = self._step(state, name, step, definition, display)
        yield VertexStarted(vertex)
        cached = record is not None
        reason = "" if cached else self._miss_reason(state, inputs, step)
        if record is None:
            tree = self._materialize(state)
            before = tree.copy()
            try:
                uid, gid = exec_user(tree, state.config.user)
            except EngineError as exc:
                raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                                 cmd.end_line, name) from None
            try:
                real = tree.resolve(path, missing_ok=True)
                existing = tree.get(real)
                if existing is None:
                    tree.makedirs(real, directory(0o755, uid=uid, gid=gid,
                                                  mtime=int(self.engine.clock + self._seconds)))
                elif existing.type != "dir":
                    raise FsError("ENOTDIR", real)
            except FsError as exc:
                # BuildKit's mkdir file op, reported with the step and its Dockerfile lines
                raise self._fail(f"failed to solve: mkdir {exc.path}: {exc.strerror.lower()}",
                                 cmd.start_line, cmd.end_line, name) from None
            record = self._commit_layer(state, key, before, tree, 0.0)
        else:
            state.tree = None
        state.key = key
        yield from self._finish_step(state, vertex, record, f"WORKDIR {path}", cached, reason,
                                     0.0)

    def _run(self, plan: BuildPlan, state: StageState, cmd: Run, display: str,
             planned: PlannedCommand, name_for: NameFor) -> Iterator[ProgressEvent]:
        name, step = name_for(display, planned.from_onbuild)
        shell = state.config.shell or ("/bin/sh", "-c")
        try:
            line = run_command_line(cmd, shell)
        except DockerfileError as exc:
            raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                             cmd.end_line) from None
        env = dict(state.state_env)
        env.update(dict(plan.proxy_env))
        cwd = state.config.working_dir or "/"
        mounts = yield from self._mount_plan(state, cmd, planned, cwd, line.argv)
        env.update(mounts.env)
        # BUILDKIT_SANDBOX_HOSTNAME (a frontend build-arg) names the RUN container; it is part of
        # the exec op, so of its key, only when given
        hostname = dict(self.request.build_args).get("BUILDKIT_SANDBOX_HOSTNAME") or ""
        mounts.mounts[:0] = sandbox_files(hostname or SANDBOX_HOSTNAME)
        definition = {
            "op": "exec", "argv": list(line.argv), "env": sorted(state.state_env),
            "cwd": state.config.working_dir or "/", "user": state.config.user,
            "network": cmd.network, "security": cmd.security,
            "mounts": mounts.key,
            "script": line.script.data if line.script else None,
        }
        if hostname:
            definition["hostname"] = hostname
        if mounts.checksums:
            definition["checksum"] = mounts.checksums
        vertex, key, inputs, record = self._step(state, name, step, definition, display,
                                                 mounts.files)
        yield VertexStarted(vertex)
        created_by = "RUN " + _run_command_string(list(line.argv), state) + " # buildkit"
        cached = record is not None
        reason = "" if cached else self._miss_reason(state, inputs, step)
        seconds = 0.0
        if record is None:
            tree = self._materialize(state)
            before = tree.copy()
            try:
                uid, gid = exec_user(tree, state.config.user)
            except EngineError as exc:
                raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                                 cmd.end_line, name) from None
            real_cwd = tree.resolve(cwd, missing_ok=True)
            if tree.get(real_cwd) is None:
                tree.makedirs(real_cwd)
            if line.script is not None:
                tree.makedirs("/dev/pipes")
                tree.put("/dev/pipes/" + line.script.name,
                         Node("file", 0o755, content=Data(line.script.data.encode())))
            from tutor.engine.sh import run_argv

            try:
                unmount = overlay(tree, mounts)
            except (MountFailed, FsError) as exc:
                yield VertexCompleted(vertex, 0.0, error=exc.message)
                raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                                 cmd.end_line, name) from None
            seen: FileTree = tree
            if any(not m.writable for m in mounts.mounts):
                seen = ReadOnlyMounts.over(tree, read_only_root=False, mounts=[
                    (m.target, m.writable) for m in mounts.mounts])
            result = run_argv(
                list(line.argv), fs=seen, env=env, cwd=cwd, uid=uid, gid=gid,
                world=self.engine.world, epoch=int(self.engine.clock + self._seconds),
            )
            for cache_id, content in unmount().items():
                self._cache_mounts.save(cache_id, content, self.engine.clock + self._seconds)
            seconds = RUN_OVERHEAD + result.seconds
            logs = _log_lines(result.output, seconds)
            for at, text in logs:
                yield VertexLog(vertex, text, at)
            if line.script is not None and tree.get("/dev/pipes") is not None:
                tree.remove("/dev/pipes")
            failed = result.exec_error is not None or result.exit_code != 0
            if failed:
                process = " ".join(line.argv)
                if result.exec_error is not None:
                    message = (
                        "failed to solve: process "
                        f'"{process}" did not complete successfully: '
                        f"{result.exec_error.message}"
                    )
                else:
                    message = (
                        f'failed to solve: process "{process}" did not complete '
                        f"successfully: exit code: {result.exit_code}"
                    )
                error = message.removeprefix("failed to solve: ")
                self._seconds += seconds
                yield VertexCompleted(vertex, seconds, error=error)
                raise self._fail(message, cmd.start_line, cmd.end_line, name,
                                 tuple(f"{log_time(at)} {text}" for at, text in logs[-10:]))
            self._seconds += seconds
            record = self._commit_layer(state, key, before, tree, seconds)
        else:
            state.tree = None
        state.key = key
        yield from self._finish_step(state, vertex, record, created_by, cached, reason,
                                     seconds)

    def _mount_plan(self, state: StageState, cmd: Run, planned: PlannedCommand, cwd: str,
                    argv: object) -> Generator[ProgressEvent, None, MountPlan]:
        """Read what the step's `--mount`s show (context, stages, images, caches, secrets)."""
        mounts = cmd.mounts or ()
        sources: list[tuple[SourceFiles, str] | None] = []
        for mount, ref in zip(mounts, planned.sources or [None] * len(mounts), strict=False):
            if mount.type not in ("bind", "cache") or (mount.type == "cache"
                                                         and not mount.from_):
                sources.append(None)
            elif ref is not None and ref.stage is not None:
                other = self._states[ref.stage]
                sources.append((TreeSource(self._materialize(other)), other.key))
            elif ref is not None and ref.image in self._local_contexts:
                named = yield from self._named_context_source(ref.image)
                sources.append((named, "context:" + ref.image))
            elif ref is not None and ref.image is not None:
                image = self.engine.local_or_pull(ref.image, self.request.platform)
                sources.append((TreeSource(self.engine.tree(image.diff_ids)),
                                "image:" + image.id))
            else:
                context = yield from self._context_source()
                sources.append((context, "context"))
        try:
            return prepare_mounts(mounts, sources, cwd, self.request.secrets,
                                  self._cache_mounts)
        except (MountFailed, CopyFailed) as exc:
            raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                             cmd.end_line) from None

    def _copy(self, plan: BuildPlan, index: int, state: StageState, cmd: Copy | Add,
              display: str, planned: PlannedCommand, name_for: NameFor) -> Iterator[
        ProgressEvent
    ]:
        source_ref = planned.sources[0] if planned.sources else None
        written = cmd
        source: SourceFiles
        urls = [src for src in cmd.sources if _is_url(src)]
        if urls:
            name, step = name_for(display, planned.from_onbuild)
            try:
                source, cmd = self._url_source(cmd, urls)
            except CopyFailed as exc:
                vertex = self._vertex(name, step, state.name)
                yield VertexStarted(vertex)
                yield VertexCompleted(vertex, 0.0, error=exc.message)
                raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                                 cmd.end_line, name) from None
            source_key = "urls"
        elif source_ref is None:
            source = yield from self._context_source()
            source_key = "context"
        elif source_ref.stage is not None:
            other = self._states[source_ref.stage]
            source = TreeSource(self._materialize(other))
            source_key = other.key
        elif source_ref.image in self._local_contexts:
            source = yield from self._named_context_source(source_ref.image)
            source_key = "context:" + source_ref.image
        else:
            assert source_ref.image is not None
            image = self.engine.local_or_pull(source_ref.image, self.request.platform)
            source = TreeSource(self.engine.tree(image.diff_ids))
            source_key = "image:" + image.id
        if not urls:
            name, step = name_for(display, planned.from_onbuild)
        parents: list[tuple[Node, str]] | None = None
        try:
            selection = source.select(list(cmd.sources))
            if cmd.excludes:
                selection = selection.excluding(tuple(cmd.excludes))
            if getattr(cmd, "parents", False) and not urls:
                checksum, parents = parents_items(source, cmd.sources)
                selection = replace(selection, checksum=checksum)
        except CopyFailed as exc:
            vertex = self._vertex(name, step, state.name)
            yield VertexStarted(vertex)
            message = exc.message
            yield VertexCompleted(vertex, 0.0, error=message)
            raise self._fail(f"failed to solve: {message}", cmd.start_line, cmd.end_line,
                             name) from None
        definition = {
            "op": "copy", "kind": "ADD" if isinstance(cmd, Add) else "COPY",
            "sources": list(written.sources), "dest": cmd.dest, "chown": cmd.chown,
            "chmod": cmd.chmod, "link": cmd.link, "excludes": list(cmd.excludes),
            "parents": getattr(cmd, "parents", False), "from": source_key,
            "cwd": state.config.working_dir or "/", "checksum": selection.checksum,
            "contents": [(c.path, c.data) for c in cmd.contents],
        }
        files = selection.files if source_ref is None and not urls else {}
        vertex, key, inputs, record = self._step(state, name, step, definition, display, files,
                                                 linked=cmd.link)
        yield VertexStarted(vertex)
        created_by = copy_created_by(cmd, written.sources)
        cached = record is not None
        reason = "" if cached else self._miss_reason(state, inputs, step)
        seconds = 0.0
        if record is None:
            tree = FileTree() if cmd.link else self._materialize(state)
            before = tree.copy()
            try:
                copied = copy_into(tree, selection, cmd, state.config.working_dir or "/",
                                   unpack=isinstance(cmd, Add) and cmd.unpack is not False,
                                   now=int(self.engine.clock + self._seconds),
                                   owner_tree=self._materialize(state), items=parents)
            except (CopyFailed, EngineError) as exc:
                yield VertexCompleted(vertex, 0.0, error=exc.message)
                raise self._fail(f"failed to solve: {exc.message}", cmd.start_line,
                                 cmd.end_line, name) from None
            seconds = 0.02 + copied / COPY_BYTES_PER_SECOND
            self._seconds += seconds
            record = self._commit_layer(state, key, before, tree, seconds)
            if cmd.link:
                state.tree = None
        else:
            state.tree = None
        state.key = key if not cmd.link else cache_key(state.key, key)
        yield from self._finish_step(state, vertex, record, created_by, cached, reason,
                                     seconds)

    def _url_source(self, cmd: Copy | Add, urls: list[str]) -> tuple[TreeSource, Copy | Add]:
        """ADD <url>: each download becomes a file named after the URL's last path part, mode
        0600 and mtime from Last-Modified, as BuildKit writes it (never unpacked)."""
        if isinstance(cmd, Copy):
            raise CopyFailed("source can't be a URL for COPY")
        world = self.engine.world
        tree = FileTree()
        mtime = int(parse_rfc3339(world.last_modified))
        names = []
        for url in urls:
            if not world.host_exists(url):
                host = urlsplit(url).hostname or url
                raise CopyFailed(f'failed to load cache key: Get "{url}": dial tcp: lookup {host} '
                                 "on 127.0.0.11:53: no such host")
            body = world.fetch_url(url)
            if body is None:
                raise CopyFailed("failed to load cache key: invalid response status 404")
            name = posixpath.basename(urlsplit(url).path) or "index.html"
            tree.put("/" + name, Node("file", 0o600, mtime=mtime, content=Data(body)))
            names.append(name)
        others = [s for s in cmd.sources if not _is_url(s)]
        if others:
            raise CopyFailed("mixing URLs and local files in one ADD is not supported here")
        return TreeSource(tree), replace(cmd, sources=tuple(names), unpack=False)

    def _named_context_source(self, name: str) -> Generator[ProgressEvent, None,
                                                             ContextSource]:
        """A `--build-context name=<dir>`, sent like the main context (`[context name] load
        from client`)."""
        cached = self._named_sources.get(name)
        if cached is not None:
            return cached
        vertex = self._vertex(f"[context {name}] load from client")
        yield VertexStarted(vertex)
        try:
            loaded = context_source(
                Path(self._local_contexts[name]), None,
                self.engine.store.root / "cache" / "context-checksums.json",
            )
        except EngineError as exc:
            yield VertexCompleted(vertex, 0.0, error=exc.message)
            raise self._fail(f"failed to solve: {exc.message}") from None
        size = loaded.transfer_size
        seconds = size / CONTEXT_BYTES_PER_SECOND
        yield VertexStatus(vertex, "transferring " + name + ":", size, seconds=seconds)
        self._seconds += seconds
        yield VertexCompleted(vertex, seconds)
        self._named_sources[name] = loaded
        return loaded

    def _context_source(self) -> Generator[ProgressEvent, None, ContextSource]:
        if self._context is None:
            vertex = self._vertex("[internal] load build context")
            yield VertexStarted(vertex)
            try:
                self._context = context_source(
                    self.request.context, self.request.dockerfile,
                    self.engine.store.root / "cache" / "context-checksums.json",
                )
            except EngineError as exc:
                yield VertexCompleted(vertex, 0.0, error=exc.message)
                raise self._fail(f"failed to solve: {exc.message}") from None
            size = self._context.transfer_size
            seconds = size / CONTEXT_BYTES_PER_SECOND
            yield VertexStatus(vertex, "transferring context:", size, seconds=seconds)
            self._seconds += seconds
            yield VertexCompleted(vertex, seconds)
        return self._context

    # -- export -------------------------------------------------------------------------------

    def _export_files(self, state: StageState) -> Iterator[ProgressEvent]:
        """`-o type=local|tar`: the final stage's files go to the client; no image is made."""
        output = self.request.output
        assert output is not None
        tree = self._materialize(state)
        size = outputs.files_size(tree)
        seconds = size / EXPORT_BYTES_PER_SECOND
        if output.type == "local":
            vertex = self._vertex("exporting to client directory")
            yield VertexStarted(vertex)
            outputs.to_directory(tree, Path(output.dest))
            yield VertexStatus(vertex, "copying files", size, seconds=seconds)
        else:
            vertex = self._vertex("exporting to client tarball")
            yield VertexStarted(vertex)
            data = outputs.to_tar(tree)
            if output.dest == "-":
                self.outcome.tarball = data
            else:
                try:
                    Path(output.dest).write_bytes(data)
                except OSError as exc:
                    raise EngineError(f"failed to export to {output.dest}: {exc.strerror}"
                                      ) from None
            yield VertexStatus(vertex, "sending tarball", seconds=seconds)
        self._seconds += seconds
        yield VertexCompleted(vertex, seconds)

    def _wants_provenance(self) -> bool:
        """buildx attaches a minimal provenance by default when the builder stores attestations
        (the containerd store), unless `--provenance=false` or BUILDX_NO_DEFAULT_ATTESTATIONS."""
        if self.request.provenance is not None:
            return self.request.provenance
        return not self.request.no_default_attestations

    def _provenance(self, refs: list[Reference], now: float) -> Provenance:
        return Provenance(
            names=tuple(refs), bases=tuple(self._bases), started=rfc3339(self._started),
            finished=rfc3339(now),
            invocation_id=_invocation_id(f"{self._started}:{now}:{self.request.tags}"),
            dockerfile=self._dockerfile_name)

    def _export(self, state: StageState) -> Iterator[ProgressEvent]:
        if self.request.output is not None:
            yield from self._export_files(state)
            return
        vertex = self._vertex("exporting to image")
        yield VertexStarted(vertex)
        seconds = self._new_layer_bytes / EXPORT_BYTES_PER_SECOND
        yield VertexStatus(vertex, "exporting layers", seconds=seconds)
        config = state.image_config(state.base_created)
        if self.request.labels:
            labels = dict(config.config.labels)
            labels.update(dict(self.request.labels))
            config = replace(config, config=replace(config.config, labels=tuple(labels.items())))
        layers = [self.engine.store.get_layer(d) for d in config.diff_ids]
        refs = [parse_docker_ref(tag) for tag in self.request.tags]
        now = self.engine.clock + self._seconds
        if self.engine.profile.containerd_store:
            out = export(config.to_bytes(), layers, {"os": config.os,
                         "architecture": config.architecture, "variant": config.variant},
                         self._provenance(refs, now) if self._wants_provenance() else None)
            image = self.engine.images.add(config, layers, now, image_id=out.image_id,
                                           blobs=out.blobs)
            yield VertexStatus(vertex, f"exporting manifest {digest(out.manifest)}")
            yield VertexStatus(vertex, f"exporting config {digest(out.config)}")
            if out.index:
                yield VertexStatus(vertex, "exporting attestation manifest "
                                   + digest(out.attestation_manifest))
                yield VertexStatus(vertex, f"exporting manifest list {digest(out.index)}")
        else:
            image = self.engine.images.add(config, layers, now)
            yield VertexStatus(vertex, f"writing image {image.id}")
        tags = []
        for ref in refs:
            self.engine.images.tag(image.id, ref)
            tags.append(str(ref))
            # BuildKit names the normalized reference, `:latest` included
            shown = str(ref) if (ref.tag or ref.digest) else f"{ref}:latest"
            yield VertexStatus(vertex, f"naming to {shown}")
        if self.engine.profile.containerd_store:
            # BuildKit unpacks the image into the snapshotter under its (first) name.
            for ref in refs[:1]:
                unpacked = str(ref) if (ref.tag or ref.digest) else f"{ref}:latest"
                yield VertexStatus(vertex, f"unpacking to {unpacked}")
        self._seconds += seconds
        yield VertexCompleted(vertex, seconds)
        self.outcome.image_id = image.id
        self.outcome.tags = tuple(tags)
        self.engine.remember_build(self.outcome)


def _invocation_id(seed: str) -> str:
    """A 25-character base-36 job ID like BuildKit's `identity.NewID`, derived from the build
    so that the simulation stays deterministic."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    chars = []
    for _ in range(25):
        number, rest = divmod(number, 36)
        chars.append("0123456789abcdefghijklmnopqrstuvwxyz"[rest])
    return "".join(chars)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def copy_created_by(cmd: Copy | Add, sources: tuple[str, ...]) -> str:
    """BuildKit's history text for COPY/ADD (`sources` as written, URLs before download)."""
    flags = []
    if getattr(cmd, "parents", False):
        flags.append("--parents")
    if cmd.chown:
        flags.append(f"--chown={cmd.chown}")
    if cmd.chmod:
        flags.append(f"--chmod={cmd.chmod}")
    words = [*flags, *sources, *(f"<<{c.path}" for c in cmd.contents), cmd.dest]
    return ("ADD " if isinstance(cmd, Add) else "COPY ") + " ".join(words) + " # buildkit"


def _run_command_string(argv: list[str], state: StageState) -> str:
    """BuildKit's history text for RUN: `|N K=V … argv` when the stage declared ARGs."""
    env = dict(state.state_env)
    build_env: dict[str, str] = {}
    for key, value in state.build_args:
        shown = env.get(key, value if value is not None else "")
        build_env[key] = shown
    words = [f"{k}={v}" for k, v in build_env.items()]
    if words:
        words.insert(0, f"|{len(words)}")
    return " ".join([*words, *argv])


def _resolve_error(written: str, full: str, exc: EngineError) -> str:
    """How BuildKit words a base image it cannot resolve."""
    text = exc.message
    if "pull access denied" in text:
        detail = ("pull access denied, repository does not exist or may require authorization: "
                  "server message: insufficient_scope: authorization failed")
    elif "manifest unknown" in text:
        detail = f"{full}: not found"
    else:
        detail = text
    return f"{written}: failed to resolve source metadata for {full}: {detail}"


def _log_lines(output: bytes, seconds: float) -> list[tuple[float, str]]:
    """RUN output split into lines, each stamped with a simulated time within the step."""
    text = output.decode(errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    count = len(lines)
    return [
        (round(0.05 + (seconds - 0.05) * (i + 1) / (count + 1), 3), line.rstrip("\r"))
        for i, line in enumerate(lines)
    ]


__all__ = ["Builder"]
