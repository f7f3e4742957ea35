"""Build planning: BuildKit's pre-build checks in order, stages, targets, build args, lint."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.test_dockerfile_instructions import parse_dockerfile
from tutor.engine.dockerfile._ast import Heredoc
from tutor.engine.dockerfile._expand import run_command_line
from tutor.engine.dockerfile._instructions import Run
from tutor.engine.dockerfile._lint import BaseImage, LintWarning, lint
from tutor.engine.dockerfile._stages import (
    DEFAULT_PATH,
    BuildPlan,
    Source,
    dispatch_step,
    image_onbuild_commands,
    parse_stages,
    plan_build,
)
from tutor.engine.errors import DockerfileError


def plan(text: str, *, build_args: Mapping[str, str] | None = None, target: str | None = None,
         platform: str | None = None) -> BuildPlan:
    return plan_build(parse_dockerfile(text), build_args=build_args or {}, target=target,
                      platform=platform, parse_trigger=parse_dockerfile)


ERRORS = [
    ("unknown-instruction", "FROM a\nRUN x\nRUNN y", {}, None,
     "dockerfile parse error on line 3: unknown instruction: RUNN (did you mean RUN?)", 3, 3),
    ("unknown-before-from", "COPYY a b\nFROM a", {}, None,
     "dockerfile parse error on line 1: unknown instruction: COPYY (did you mean COPY?)", 1, 1),
    ("bad-flag", "FROM a\nCOPY --chow=1 \\\n  a b", {}, None,
     "dockerfile parse error on line 2: unknown flag: --chow (did you mean chown?)", 2, 3),
    ("instruction-before-from", "ARG A\nRUN x\nFROM a", {}, None,
     "no build stage in current context", 2, 2),
    ("only-args", "ARG A\nARG B", {}, None, "dockerfile contains no stages to build", 0, 0),
    ("meta-arg-syntax", "ARG A=${B\nFROM a", {}, None,
     'failed to process "${B": unsupported modifier (\ufffd) in substitution', 1, 1),
    ("meta-arg-required", "ARG V=${V:?required}\nFROM a:$V", {}, None,
     'failed to process "${V:?required}": V: required', 1, 1),
    ("meta-arg-words-split-at-spaces", "ARG V=${V:?give a version}\nFROM a:$V", {}, None,
     'failed to process "${V:?give": syntax error: missing \'}\'', 1, 1),
    ("base-name-syntax", "FROM ${IMG", {}, None,
     'failed to process "${IMG": unsupported modifier (\ufffd) in substitution', 1, 1),
    ("base-name-blank", "ARG IMG\nFROM $IMG", {}, None, "base name ($IMG) should not be blank",
     2, 2),
    ("base-name-undeclared", "FROM ${IMG}", {"IMG": "alpine"}, None,
     "base name (${IMG}) should not be blank", 1, 1),
    ("platform-syntax", "FROM --platform=${P a", {}, None,
     'failed to process arguments for platform : failed to process "${P": unsupported modifier '
     "(\ufffd) in substitution", 1, 1),
    ("platform-empty", "FROM --platform=$TARGETPLATFROM a", {}, None,
     "empty platform value from expression $TARGETPLATFROM (did you mean TARGETPLATFORM?)", 1, 1),
    ("platform-invalid", "FROM --platform=linux/a_b/c/d a", {}, None,
     'failed to parse platform linux/a_b/c/d: "linux/a_b/c/d": cannot parse platform specifier: '
     "invalid argument", 1, 1),
    ("target-missing", "FROM a AS build\nFROM b AS test", {}, "buidl",
     'target stage "buidl" could not be found (did you mean build?)', 0, 0),
    ("target-unnamed", "FROM a\nFROM b AS test", {}, "stage-0",
     'target stage "stage-0" could not be found', 0, 0),
    ("copy-from-variable", "ARG S=a\nFROM a\nCOPY --from=$S / /", {}, None,
     "variable expansion is not supported for --from, define a new stage with FROM using ARG "
     "from global scope as a workaround", 0, 0),
    ("copy-from-default", "FROM a\nCOPY --from=${S:-a} / /", {}, None,
     "variable expansion is not supported for --from, define a new stage with FROM using ARG "
     "from global scope as a workaround", 0, 0),
    ("copy-from-index", "FROM a\nCOPY --from=3 / /", {}, None, "invalid stage index 3", 0, 0),
    ("copy-from-negative-index", "FROM a\nCOPY --from=-1 / /", {}, None,
     "invalid stage index -1", 0, 0),
    ("copy-from-itself", "FROM a AS one\nRUN x\nCOPY --from=one / /", {}, None,
     "circular dependency detected on stage: one", 3, 3),
    ("copy-from-cycle", "FROM a AS one\nCOPY --from=two / /\nFROM b AS two\nCOPY --from=one / /",
     {}, None, "circular dependency detected on stage: one", 2, 2),
    ("mount-from-itself", "FROM a\nRUN --mount=from=0,target=/x true\nCOPY --from=0 / /", {},
     None, "circular dependency detected on stage: stage-0", 3, 3),
    ("target-platform", "FROM a", {}, None, None, 0, 0),
]


@pytest.mark.parametrize(("text", "build_args", "target", "message", "start", "end"),
                         [e[1:] for e in ERRORS if e[4] is not None],
                         ids=[e[0] for e in ERRORS if e[4] is not None])
def test_plan_errors(text: str, build_args: dict[str, str], target: str | None, message: str,
                     start: int, end: int) -> None:
    with pytest.raises(DockerfileError) as caught:
        plan(text, build_args=build_args, target=target)
    assert caught.value.message == message
    assert (caught.value.start_line, caught.value.end_line) == (start, end)


def test_bad_target_platform() -> None:
    with pytest.raises(DockerfileError) as caught:
        plan("FROM a", platform="linux/a b")
    assert caught.value.message == (
        'failed to parse target platform linux/a b: "a b" is an invalid component of "linux/a b": '
        'platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument')


FIRST = [
    ("parse-error-before-target", "FROM b\nRUN a\nEXPOSE", "nope",
     "dockerfile parse error on line 3: EXPOSE requires at least one argument"),
    ("no-stage-before-later-parse-error", "RUN a\nFROM b\nEXPOSE", "nope",
     "no build stage in current context"),
    ("meta-arg-before-base-name", "ARG A=${\nFROM ${B", None,
     'failed to process "${": syntax error: missing \'}\''),
    ("base-name-before-target", "FROM ${B\nFROM c", "nope",
     'failed to process "${B": unsupported modifier (\ufffd) in substitution'),
    ("target-before-from-check", "FROM a\nCOPY --from=$X / /", "nope",
     'target stage "nope" could not be found'),
]


@pytest.mark.parametrize(("text", "target", "message"), [f[1:] for f in FIRST],
                         ids=[f[0] for f in FIRST])
def test_first_error_wins_in_buildkits_order(text: str, target: str | None, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        plan(text, target=target)
    assert caught.value.message == message


def test_meta_args_before_from_and_stages() -> None:
    parsed = parse_stages(parse_dockerfile("ARG A=1\nARG B\nFROM x AS one\nARG A\nRUN y\nFROM z"))
    assert [c.args[0].key for c in parsed.meta_args] == ["A", "B"]
    assert [(f.stage_name, len(c)) for f, c in parsed.stages] == [("one", 2), ("", 0)]


def test_stage_names_and_bases() -> None:
    result = plan("FROM alpine AS Build\nFROM build AS test\nFROM Build\nFROM test")
    assert [(s.name, s.base) for s in result.stages] == [
        ("build", Source(image="alpine")),
        ("test", Source(stage=0)),
        ("", Source(image="Build")),  # FROM matches stage names exactly, so this is an image
        ("", Source(stage=1)),
    ]
    assert [s.progress_name for s in result.stages] == ["build", "test", "stage-2", "stage-3"]
    assert result.images == (("alpine", 1, 1), ("Build", 3, 3))


def test_from_cannot_name_a_later_stage() -> None:
    result = plan("FROM later\nFROM alpine AS later")
    assert result.stages[0].base == Source(image="later")


def test_duplicate_stage_names_resolve_to_the_last() -> None:
    result = plan("FROM a AS x\nFROM b AS x\nFROM c\nCOPY --from=X / /", target="x")
    assert result.target == 1
    assert result.stages[2].commands[0].sources == (Source(stage=1),)


SINGLE = [
    ("one-stage", "FROM a\nRUN x", ""),
    ("cache-mount-adds-a-source", "FROM a\nRUN --mount=type=cache,target=/c x", "stage-0"),
    ("copy-from-image", "FROM a\nCOPY --from=busybox /bin/sh /sh", "stage-0"),
    ("named", "FROM a AS app\nRUN x", ""),
]


@pytest.mark.parametrize(("text", "name"), [s[1:] for s in SINGLE], ids=[s[0] for s in SINGLE])
def test_progress_name_of_a_single_stage(text: str, name: str) -> None:
    assert plan(text).stages[0].progress_name == name


REACHABLE = [
    ("last-stage-default", "FROM a AS one\nFROM b AS two", None, 1, (1,)),
    ("target-only", "FROM a AS one\nFROM b AS two\nFROM c", "one", 0, (0,)),
    ("from-chain", "FROM a AS one\nFROM one AS two\nFROM two", None, 2, (0, 1, 2)),
    ("copy-from-name", "FROM a AS deps\nFROM b AS unused\nFROM c\nCOPY --from=DEPS / /", None, 2,
     (0, 2)),
    ("copy-from-index", "FROM a\nFROM b\nFROM c\nCOPY --from=1 / /", None, 2, (1, 2)),
    ("mount-from", "FROM a AS src\nFROM b\nRUN --mount=from=src,target=/s x", None, 1, (0, 1)),
    ("mount-scratch-stage", "FROM a AS scratch\nFROM b\nRUN --mount=type=cache,target=/c x",
     None, 1, (0, 1)),
    ("copy-from-image", "FROM a AS one\nFROM b\nCOPY --from=nginx / /", None, 1, (1,)),
    ("target-case-insensitive", "FROM a AS Build\nFROM b", "BUILD", 0, (0,)),
    ("onbuild-dependency", "FROM a AS assets\nFROM b AS base\nONBUILD COPY --from=assets / /\n"
     "FROM base", None, 2, (0, 1, 2)),
]


@pytest.mark.parametrize(("text", "target", "index", "reachable"), [r[1:] for r in REACHABLE],
                         ids=[r[0] for r in REACHABLE])
def test_reachable_stages(text: str, target: str | None, index: int,
                          reachable: tuple[int, ...]) -> None:
    result = plan(text, target=target)
    assert (result.target, result.reachable) == (index, reachable)


def test_onbuild_triggers_run_first_in_the_child_stage() -> None:
    result = plan("FROM a AS base\nONBUILD RUN echo one\nONBUILD COPY . /app\nRUN base\n"
                  "FROM base\nRUN child")
    child = result.stages[1].commands
    assert [(c.command.code, c.from_onbuild, c.command.start_line) for c in child] == [
        ("RUN echo one", True, 5), ("COPY . /app", True, 5), ("RUN child", False, 6)]


def test_bad_onbuild_trigger_fails_at_the_child_from_line() -> None:
    with pytest.raises(DockerfileError) as caught:
        plan("FROM a AS base\nONBUILD COPY x\nFROM base")
    assert caught.value.message == ("COPY requires at least two arguments, but only one was "
                                    "provided. Destination could not be determined")
    assert caught.value.start_line == 3


def test_onbuild_triggers_of_unreachable_children_are_not_checked() -> None:
    result = plan("FROM a AS base\nONBUILD COPY x\nFROM base AS child\nFROM c", target="base")
    assert result.reachable == (0,)


PREDEFINED = [
    ("default", None, {}, {"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux",
                           "TARGETARCH": "amd64", "TARGETVARIANT": "", "BUILDPLATFORM":
                           "linux/amd64", "BUILDARCH": "amd64", "TARGETSTAGE": "default"}),
    ("arm64", "linux/arm64", {}, {"TARGETPLATFORM": "linux/arm64", "TARGETARCH": "arm64",
                                  "TARGETVARIANT": "", "BUILDPLATFORM": "linux/amd64"}),
    ("arm-gets-v7", "linux/arm", {}, {"TARGETPLATFORM": "linux/arm/v7", "TARGETVARIANT": "v7"}),
    ("aarch64", "linux/aarch64", {}, {"TARGETARCH": "arm64"}),
    ("overridden", None, {"TARGETARCH": "riscv64"}, {"TARGETARCH": "riscv64",
                                                    "TARGETPLATFORM": "linux/amd64"}),
]


@pytest.mark.parametrize(("platform", "build_args", "expected"), [p[1:] for p in PREDEFINED],
                         ids=[p[0] for p in PREDEFINED])
def test_predefined_args(platform: str | None, build_args: dict[str, str],
                         expected: dict[str, str]) -> None:
    args = plan("FROM a", platform=platform, build_args=build_args).global_args
    assert {k: args[k] for k in expected} == expected


def test_target_stage_arg_names_the_target() -> None:
    assert plan("FROM a AS one\nFROM b AS two", target="one").global_args["TARGETSTAGE"] == "one"
    assert plan("FROM a AS one\nFROM b AS two").global_args["TARGETSTAGE"] == "two"


GLOBALS = [
    ("default", "ARG V=1\nFROM a:$V", {}, "a:1"),
    ("build-arg", "ARG V=1\nFROM a:$V", {"V": "2"}, "a:2"),
    ("chained", "ARG A=x\nARG B=${A}y\nFROM $B", {}, "xy"),
    ("build-arg-feeds-later-default", "ARG A=x\nARG B=${A}y\nFROM $B", {"A": "z"}, "zy"),
    ("predefined", "FROM img:$TARGETARCH", {}, "img:amd64"),
    ("predefined-redeclared", "ARG TARGETARCH\nFROM img:$TARGETARCH", {}, "img:amd64"),
    ("undeclared-build-arg-ignored", "FROM img:${V:-none}", {"V": "1"}, "img:none"),
    ("meta-args-after-from-do-not-count", "FROM a AS x\nARG V=1\nFROM img:${V:-none}", {},
     "img:none"),
]


@pytest.mark.parametrize(("text", "build_args", "base"), [g[1:] for g in GLOBALS],
                         ids=[g[0] for g in GLOBALS])
def test_global_args_expand_from_lines(text: str, build_args: dict[str, str], base: str) -> None:
    assert plan(text, build_args=build_args).stages[-1].base_name == base


def run_stage(result: BuildPlan, index: int, env: dict[str, str]) -> dict[str, str]:
    """Dispatch every step of a stage the way a builder does, returning the final env."""
    for step in result.stages[index].commands:
        for key, value in dispatch_step(result, index, step, env).env:
            env.pop(key, None)
            env[key] = value
    return env


SCOPES = [
    ("global-needs-redeclaring", "ARG V=1\nFROM a\nRUN x", {}, {}),
    ("redeclared-global", "ARG V=1\nFROM a\nARG V", {}, {"V": "1"}),
    ("redeclared-global-with-build-arg", "ARG V=1\nFROM a\nARG V", {"V": "2"}, {"V": "2"}),
    ("stage-default", "FROM a\nARG V=3", {}, {"V": "3"}),
    ("stage-default-overridden", "FROM a\nARG V=3", {"V": "4"}, {"V": "4"}),
    ("undeclared-build-arg", "FROM a\nRUN x", {"V": "4"}, {}),
    ("predefined-needs-redeclaring", "FROM a\nARG TARGETOS", {}, {"TARGETOS": "linux"}),
    ("env-after-arg", "FROM a\nARG V=1\nENV V=env-$V", {}, {"V": "env-1"}),
    ("arg-sees-env", "FROM a\nENV E=e\nARG V=$E-x", {}, {"E": "e", "V": "e-x"}),
]


@pytest.mark.parametrize(("text", "build_args", "expected"), [s[1:] for s in SCOPES],
                         ids=[s[0] for s in SCOPES])
def test_arg_and_env_scoping(text: str, build_args: dict[str, str],
                             expected: dict[str, str]) -> None:
    result = plan(text, build_args=build_args)
    env = run_stage(result, result.target, {"PATH": DEFAULT_PATH})
    env.pop("PATH")
    assert env == expected


def test_stage_built_from_a_stage_inherits_its_env() -> None:
    result = plan("FROM a AS base\nARG V=1\nENV E=$V\nFROM base\nRUN x")
    env = run_stage(result, 0, {})
    assert run_stage(result, 1, env) == {"V": "1", "E": "1"}


def test_proxy_build_args_reach_every_run() -> None:
    result = plan("FROM a", build_args={"HTTP_PROXY": "http://p", "https_proxy": "s", "X": "1"})
    assert result.proxy_env == (("HTTP_PROXY", "http://p"), ("https_proxy", "s"))


DISPATCH_ERRORS = [
    ("copy-from-later-stage", "FROM a AS one\nCOPY --from=two / /\nFROM b AS two\nFROM one", 0,
     'cannot copy from stage "two", it needs to be defined before current stage "one"', 2),
    ("copy-from-later-unnamed", "FROM a\nCOPY --from=1 / /\nFROM b\nFROM c\nCOPY --from=0 / /",
     0, 'cannot copy from stage "1", it needs to be defined before current stage "stage-0"', 2),
    ("mount-from-later-stage", "FROM a\nRUN --mount=from=later,target=/l x\nFROM b AS later\n"
     "FROM c\nCOPY --from=0 / /", 0, 'cannot mount from stage "later" to "/l", stage needs to be '
     "defined before current command", 2),
]


@pytest.mark.parametrize(("text", "stage", "message", "line"), [d[1:] for d in DISPATCH_ERRORS],
                         ids=[d[0] for d in DISPATCH_ERRORS])
def test_dispatch_errors(text: str, stage: int, message: str, line: int) -> None:
    result = plan(text)
    assert stage in result.reachable
    with pytest.raises(DockerfileError) as caught:
        run_stage(result, stage, {})
    assert (caught.value.message, caught.value.start_line) == (message, line)


def test_dispatch_allows_earlier_stages() -> None:
    result = plan("FROM a AS one\nFROM b\nCOPY --from=one / /\nRUN --mount=from=one,target=/o x")
    run_stage(result, 1, {})


LINTS = [
    ("json-args", "FROM a\nCMD echo hi\nENTRYPOINT ./app", None, [
        ("JSONArgsRecommended", "JSON arguments recommended for CMD to prevent unintended "
         "behavior related to OS signals", 2),
        ("JSONArgsRecommended", "JSON arguments recommended for ENTRYPOINT to prevent unintended "
         "behavior related to OS signals", 3)]),
    ("json-args-not-with-shell", 'FROM a\nSHELL ["bash", "-c"]\nCMD echo hi', None, []),
    ("from-as-casing", "FROM a as b\nfrom c AS d\nFrom e as f", None, [
        ("FromAsCasing", "'as' and 'FROM' keywords' casing do not match", 1),
        ("FromAsCasing", "'AS' and 'from' keywords' casing do not match", 2),
        ("ConsistentInstructionCasing", "Command 'from' should match the case of the command "
         "majority (uppercase)", 2),
        ("ConsistentInstructionCasing", "Command 'From' should match the case of the command "
         "majority (uppercase)", 3)]),
    ("stage-name-casing", "FROM a AS Builder", None, [
        ("StageNameCasing", "Stage name 'Builder' should be lowercase", 1)]),
    ("legacy-key-value", "FROM a\nENV A 1\nLABEL b 2\nENV C=3", None, [
        ("LegacyKeyValueFormat", '"ENV key=value" should be used instead of legacy "ENV key '
         'value" format', 2),
        ("LegacyKeyValueFormat", '"LABEL key=value" should be used instead of legacy "LABEL key '
         'value" format', 3)]),
    ("multiple-cmd", "FROM a\nCMD [\"a\"]\nCMD [\"b\"]\nHEALTHCHECK NONE\nHEALTHCHECK NONE", None, [
        ("MultipleInstructionsDisallowed", "Multiple CMD instructions should not be used in the "
         "same stage because only the last one will be used", 2),
        ("MultipleInstructionsDisallowed", "Multiple HEALTHCHECK instructions should not be used "
         "in the same stage because only the last one will be used", 4)]),
    ("workdir-relative", "FROM a\nWORKDIR app\nWORKDIR sub", None, [
        ("WorkdirRelativePath", 'Relative workdir "app" can have unexpected results if the base '
         "image changes", 2)]),
    ("workdir-absolute-first", "FROM a\nWORKDIR /app\nWORKDIR sub", None, []),
    ("workdir-set-in-base-stage", "FROM a AS b\nWORKDIR /app\nFROM b\nWORKDIR sub", None, []),
    ("undefined-var", "FROM a\nARG DECLARED\nENV X=$DECLARED$PATH\nCOPY $SRC $PTAH /", None, [
        ("UndefinedVar", "Usage of undefined variable '$SRC'", 4),
        ("UndefinedVar", "Usage of undefined variable '$PTAH' (did you mean $PATH?)", 4)]),
    ("undefined-var-not-in-run", "FROM a\nRUN echo $NOPE", None, []),
    ("undefined-var-self-reference", "FROM a\nARG V=$V", None, [
        ("UndefinedVar", "Usage of undefined variable '$V'", 2)]),
    ("maintainer", "FROM a\nMAINTAINER me", None, [
        ("MaintainerDeprecated", "Maintainer instruction is deprecated in favor of using label",
         2)]),
    ("instruction-casing", "from a\nrun x\nCOPY a b", None, [
        ("ConsistentInstructionCasing", "Command 'COPY' should match the case of the command "
         "majority (lowercase)", 3)]),
    ("duplicate-and-reserved", "FROM a AS x\nFROM b AS x\nFROM c AS scratch", None, [
        ("DuplicateStageName", 'Duplicate stage name "x", stage names should be unique', 2),
        ("ReservedStageName", 'Stage name should not use the same name as reserved stage '
         '"scratch"', 3)]),
    ("secrets", "FROM a\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x PUBLIC_KEY=y", None, [
        ("SecretsUsedInArgOrEnv", 'Do not use ARG or ENV instructions for sensitive data (ARG '
         '"GITHUB_TOKEN")', 2),
        ("SecretsUsedInArgOrEnv", 'Do not use ARG or ENV instructions for sensitive data (ENV '
         '"DB_PASSWORD")', 3)]),
    ("from-args", "ARG TAG\nFROM img:${TAGG:-1}\nFROM --platform=$TARGETPLATFORM b\n"
     "FROM --platform=linux/arm64 c AS web", None, [
        ("UndefinedArgInFrom", "FROM argument 'TAGG' is not declared (did you mean TAG?)", 2),
        ("RedundantTargetPlatform", "Setting platform to predefined $TARGETPLATFORM in FROM is "
         "redundant as this is the default behavior", 3),
        ("FromPlatformFlagConstDisallowed", 'FROM --platform flag should not use constant value '
         '"linux/arm64"', 4)]),
    ("const-platform-named-after-arch", "FROM --platform=linux/arm64 c AS build-arm64", None, []),
    ("invalid-default-arg", "ARG IMG\nFROM ${IMG}", {"IMG": "alpine"}, [
        ("InvalidDefaultArgInFrom", "Default value for ARG ${IMG} results in empty or invalid "
         "base image name", 2)]),
    ("expose", "FROM a\nEXPOSE 80/TCP 0.0.0.0:80:80", None, [
        ("ExposeInvalidFormat", "EXPOSE instruction should not define an IP address or host-port "
         "mapping, found '0.0.0.0:80:80'", 2),
        ("ExposeProtoCasing", "Defined protocol '80/TCP' in EXPOSE instruction should be "
         "lowercase", 2)]),
    ("only-reachable-stages-dispatch", "FROM a AS unused\nCMD x\nFROM b\nCMD [\"y\"]", None, []),
]


@pytest.mark.parametrize(("text", "build_args", "expected"), [w[1:] for w in LINTS],
                         ids=[w[0] for w in LINTS])
def test_lint(text: str, build_args: dict[str, str] | None,
              expected: list[tuple[str, str, int]]) -> None:
    result = plan(text, build_args=build_args)
    assert list(lint(result)) == [LintWarning(*w) for w in expected]


def test_lint_uses_the_base_images_env_and_shell() -> None:
    result = plan("FROM node\nCOPY $NODE_VERSION /\nCMD node app.js")
    images = {"node": BaseImage(env=(("NODE_VERSION", "22"),), shell=("/bin/bash", "-c"))}
    assert lint(result, base_image=images.__getitem__) == ()


def test_lint_stops_where_the_build_would_fail() -> None:
    result = plan("FROM a\nCMD x\nSTOPSIGNAL nope\nCMD y")
    assert [w.line for w in lint(result)] == [2]


def test_lint_reports_empty_continuations_first() -> None:
    result = plan("FROM a\nMAINTAINER me")
    assert [w.rule for w in lint(result, empty_continuation_lines=[5])] == [
        "NoEmptyContinuation", "MaintainerDeprecated"]


def test_image_onbuild_triggers_become_first_steps() -> None:
    result = plan("FROM a AS assets\nFROM node\nRUN build")
    steps = image_onbuild_commands(result, 1, ["COPY --from=ASSETS . /app", "RUN npm ci"],
                                   parse_dockerfile)
    assert [(s.command.code, s.sources, s.from_onbuild, s.command.start_line) for s in steps] == [
        ("COPY --from=ASSETS . /app", (Source(stage=0),), True, 2),
        ("RUN npm ci", (), True, 2)]


def test_image_onbuild_trigger_errors_point_at_from() -> None:
    result = plan("FROM a\n\nFROM node")
    with pytest.raises(DockerfileError) as caught:
        image_onbuild_commands(result, 1, ["RUNN x"], parse_dockerfile)
    assert (caught.value.message, caught.value.start_line) == (
        "unknown instruction: RUNN (did you mean RUN?)", 3)


def test_onbuild_heredoc_trigger_keeps_its_body() -> None:
    records = list(parse_dockerfile("FROM a AS base\nONBUILD RUN <<EOF\necho hi\nEOF\nFROM base"))
    # BuildKit attaches ONBUILD's heredoc bodies to the ONBUILD record.
    records[1] = replace(records[1], heredocs=(Heredoc("EOF", "echo hi\n"),))
    result = plan_build(records, build_args={}, parse_trigger=parse_dockerfile)
    command = result.stages[1].commands[0].command
    assert isinstance(command, Run)
    assert command.code == "RUN <<EOF"
    assert run_command_line(command, ("/bin/sh", "-c")).argv == ("/bin/sh", "-c", "echo hi\n")


def test_copy_from_index_counts_images_named_earlier() -> None:
    result = plan("FROM a\nCOPY --from=busybox / /\nCOPY --from=1 / /")
    assert result.stages[0].commands[1].sources == (Source(image="busybox"),)


def test_mount_without_from_uses_a_stage_named_scratch() -> None:
    result = plan("FROM a\nRUN --mount=type=cache,target=/c x\nFROM b AS scratch\n"
                  "FROM c\nCOPY --from=0 / /")
    assert result.stages[0].commands[0].sources == (Source(stage=1),)
    with pytest.raises(DockerfileError) as caught:
        run_stage(result, 0, {})
    assert caught.value.message == ('cannot mount from stage "scratch" to "/c", stage needs to '
                                    "be defined before current command")


_LINES = ["FROM a", "FROM a AS b", "FROM b", "FROM ${X:-a} AS c", "FROM --platform=$P b",
          "ARG X", "ARG X=$Y", "ENV X=1 Y=$X", "ENV X 1", "RUN x", "RUN --mount=from=b,target=/x y",
          "RUN --mount=type=${T:-cache},target=/c y", "COPY --from=b / /", "COPY --from=0 a b",
          "COPY --from=2 a b", "COPY ${X} /", "ONBUILD COPY --from=c / /", "ONBUILD RUN x",
          "CMD x", "CMD [\"x\"]", "WORKDIR $X", "EXPOSE ${X:-80}", "STOPSIGNAL ${X:-9}",
          "HEALTHCHECK --interval=${X} CMD x", "LABEL a=$X", "VOLUME $X", "USER $X", "RUNN",
          "SHELL [\"sh\"]", "ADD <<E /f", "E", "COPY $", "EXPOSE 1-2:3"]


@given(st.lists(st.sampled_from(_LINES), min_size=1, max_size=8),
       st.sampled_from([None, "b", "c"]), st.sampled_from([{}, {"X": "x y", "P": "linux/arm"}]))
@settings(max_examples=300, deadline=None)
def test_any_dockerfile_fails_only_with_engine_errors(lines: list[str], target: str | None,
                                                      build_args: dict[str, str]) -> None:
    with contextlib.suppress(DockerfileError):
        result = plan("\n".join(lines), target=target, build_args=build_args)
        lint(result)
        for index in result.reachable:
            run_stage(result, index, {})
