"""Typed instructions: BuildKit's flag and argument checks, and what each instruction keeps."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.engine.dockerfile._ast import Heredoc, Instruction
from tutor.engine.dockerfile._expand import (
    expand_arg,
    expand_command,
    parse_ports,
    run_command_line,
)
from tutor.engine.dockerfile._instructions import (
    Add,
    Arg,
    ArgDef,
    Cmd,
    Command,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    InlineFile,
    KeyValue,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    SourceContent,
    Stopsignal,
    User,
    Volume,
    Workdir,
    parse_command,
)
from tutor.engine.dockerfile._mounts import Mount
from tutor.engine.dockerfile._parser import parse
from tutor.engine.errors import DockerfileError


def parse_dockerfile(text: str) -> tuple[Instruction, ...]:
    """Parser records for `text`, from the project's BuildKit-faithful parser."""
    return parse(text)


def command_of(text: str) -> Command:
    """The typed form of the last instruction of `text`."""
    return parse_command(parse_dockerfile(text)[-1])


ERRORS = [
    ("unknown", "RUNN x", "unknown instruction: RUNN (did you mean RUN?)"),
    ("unknown-lowercase", "runn x", "unknown instruction: runn (did you mean run?)"),
    ("unknown-mixed-case", "Cpy a b", "unknown instruction: Cpy (did you mean copy?)"),
    ("unknown-far", "FOOBAR x", "unknown instruction: FOOBAR"),
    ("from-two-args", "FROM a b", "FROM requires either one or three arguments"),
    ("from-four-args", "FROM a AS b c", "FROM requires either one or three arguments"),
    ("from-bad-stage-name", "FROM a AS 1st",
     'invalid name for build stage: "1st", name can\'t start with a number or contain symbols'),
    ("from-symbol-stage-name", "FROM a AS my@stage",
     'invalid name for build stage: "my@stage", name can\'t start with a number or contain '
     "symbols"),
    ("from-unknown-flag", "FROM --plattform=x a",
     "unknown flag: --plattform (did you mean platform?)"),
    ("from-platform-without-value", "FROM --platform a", "missing a value on flag: --platform"),
    ("copy-one-arg", "COPY a", "COPY requires at least two arguments, but only one was "
     "provided. Destination could not be determined"),
    ("add-one-arg", "ADD a", "ADD requires at least two arguments, but only one was provided. "
     "Destination could not be determined"),
    ("copy-unknown-flag", "COPY --form=x a b", "unknown flag: --form (did you mean from?)"),
    ("copy-checksum", "COPY --checksum=sha256:0 a b", "unknown flag: --checksum"),
    ("copy-duplicate-flag", "COPY --from=a --from=b a b", "duplicate flag specified: --from"),
    ("copy-bool-value", "COPY --link=yes a b", "expecting boolean value for flag --link, not: yes"),
    ("copy-bool-empty", "COPY --link= a b", "missing a value on flag: --link"),
    ("copy-heredoc-dest", "COPY a <<EOF\nx\nEOF", "COPY cannot accept a heredoc as a destination"),
    ("add-from", "ADD --from=x a b", "unknown flag: --from"),
    ("env-empty-name", "ENV =x", "ENV names can not be blank"),
    ("env-flag", "ENV --x=1 A=1", "unknown flag: --x"),
    ("label-empty-name", "LABEL =x", "LABEL names can not be blank"),
    ("arg-empty-name", "ARG =x", "ARG names can not be blank"),
    ("workdir-two-args", "WORKDIR", "WORKDIR requires exactly one argument"),
    ("user-no-args", "USER", "USER requires exactly one argument"),
    ("stopsignal-no-args", "STOPSIGNAL", "STOPSIGNAL requires exactly one argument"),
    ("maintainer-no-args", "MAINTAINER", "MAINTAINER requires exactly one argument"),
    ("expose-no-args", "EXPOSE", "EXPOSE requires at least one argument"),
    ("volume-no-args", "VOLUME", "VOLUME requires at least one argument"),
    ("volume-empty", 'VOLUME ["/a", " "]', "VOLUME specified can not be an empty string"),
    ("arg-no-args", "ARG", "ARG requires at least one argument"),
    ("shell-not-json", "SHELL bash -c", "SHELL requires the arguments to be in JSON form"),
    ("shell-empty", "SHELL []", "SHELL requires at least one argument"),
    ("onbuild-empty", "ONBUILD", "ONBUILD requires at least one argument"),
    ("onbuild-onbuild", "ONBUILD ONBUILD RUN x",
     "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
    ("onbuild-from", "ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
    ("onbuild-maintainer", "onbuild maintainer x", "MAINTAINER isn't allowed as an ONBUILD "
     "trigger"),
    ("healthcheck-empty", "HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
    ("healthcheck-none-args", "HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments"),
    ("healthcheck-type", "HEALTHCHECK CMDD x", 'Unknown type "CMDD" in HEALTHCHECK (try CMD)'),
    ("healthcheck-no-command", "HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD"),
    ("healthcheck-flag", "HEALTHCHECK --intervall=1s CMD x",
     "unknown flag: --intervall (did you mean interval?)"),
    ("healthcheck-no-unit", "HEALTHCHECK --interval=5 CMD x",
     'time: missing unit in duration "5"'),
    ("healthcheck-bad-unit", "HEALTHCHECK --timeout=5x CMD x",
     'time: unknown unit "x" in duration "5x"'),
    ("healthcheck-bad-duration", "HEALTHCHECK --start-period=abc CMD x",
     'time: invalid duration "abc"'),
    ("healthcheck-too-short", "HEALTHCHECK --interval=10us CMD x",
     'Interval "interval" cannot be less than 1ms'),
    ("healthcheck-negative", "HEALTHCHECK --start-interval=-1s CMD x",
     'Interval "start-interval" cannot be less than 1ms'),
    ("healthcheck-retries-syntax", "HEALTHCHECK --retries=x CMD y",
     'strconv.ParseInt: parsing "x": invalid syntax'),
    ("healthcheck-retries-range", "HEALTHCHECK --retries=9999999999 CMD y",
     'strconv.ParseInt: parsing "9999999999": value out of range'),
    ("healthcheck-retries-negative", "HEALTHCHECK --retries=-2 CMD y",
     "--retries cannot be negative (-2)"),
    ("run-unknown-flag", "RUN --mnt=type=cache x", "unknown flag: --mnt (did you mean mount?)"),
    ("run-unknown-flag-far", "RUN --privileged x", "unknown flag: --privileged"),
    ("run-network", "RUN --network=bridge x", 'invalid network mode "bridge"'),
    ("run-security", "RUN --security=privileged x", 'security "privileged" is not valid'),
    ("run-mount-without-value", "RUN --mount x", "missing a value on flag: --mount"),
    ("run-mount-empty", "RUN --mount= x", "failed to parse csv mounts: EOF"),
    ("run-mount-bad-csv", 'RUN --mount=type=bind,source=a\\"b x',
     'failed to parse csv mounts: parse error on line 1, column 19: bare " in non-quoted-field'),
    ("run-mount-bad-quoted-csv", 'RUN --mount=type=bind,\\"src\\"x x',
     'failed to parse csv mounts: parse error on line 1, column 15: extraneous or missing " in '
     "quoted-field"),
    ("run-mount-from-variable", "RUN --mount=from=$STAGE,target=/x x",
     "'from' doesn't support variable expansion, define alias stage instead"),
    ("cmd-flag", "CMD --x=1 echo", "unknown flag: --x"),
]


@pytest.mark.parametrize(("text", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_parse_errors(text: str, message: str) -> None:
    records = parse_dockerfile("FROM scratch\n" + text)
    with pytest.raises(DockerfileError) as caught:
        parse_command(records[-1])
    assert caught.value.message == message
    assert (caught.value.start_line, caught.value.end_line) == (records[-1].start_line,
                                                                records[-1].end_line)


def test_errors_span_every_line_of_the_instruction() -> None:
    records = parse_dockerfile("FROM scratch\nCOPY \\\n  a\n")
    with pytest.raises(DockerfileError) as caught:
        parse_command(records[-1])
    assert (caught.value.start_line, caught.value.end_line) == (2, 3)


def _base(text: str, lines: int = 1) -> tuple[str, int, int, str]:
    """Keyword, lines and source text of an example written on line 1."""
    return text.split()[0], 1, lines, text




TYPED: list[tuple[str, str, Command]] = [
    ("from", "FROM alpine", From(*_base("FROM alpine"), "alpine", "", "", "", "")),
    ("from-named", "FROM --platform=$BUILDPLATFORM golang:1.22 as Build",
     From(*_base("FROM --platform=$BUILDPLATFORM golang:1.22 as Build"), "golang:1.22", "build",
          "Build", "as", "$BUILDPLATFORM")),
    ("run-shell", "RUN echo hi", Run(*_base("RUN echo hi"), ("echo hi",), True, (), (), (),
                                     "default", "sandbox", (), ())),
    ("run-exec", 'RUN ["echo", "hi"]', Run(*_base('RUN ["echo", "hi"]'), ("echo", "hi"), False,
                                          (), (), (), "default", "sandbox", (), ())),
    ("run-flags", "RUN --network=none --mount=type=cache,target=/c --mount=from=b,target=/b x",
     Run(*_base("RUN --network=none --mount=type=cache,target=/c --mount=from=b,target=/b x"),
         ("x",), True, (), ("type=cache,target=/c", "from=b,target=/b"), ("", "b"), "none",
         "sandbox", (), ("network", "mount"))),
    ("run-heredoc", "RUN <<-EOT bash\n\techo $A\nEOT",
     Run(*_base("RUN <<-EOT bash", 3), ("<<-EOT bash",), True,
         (InlineFile("EOT", "\techo $A\n", True),), (), (), "default", "sandbox", (), ())),
    ("cmd-shell", "CMD echo hi", Cmd(*_base("CMD echo hi"), ("echo hi",), True)),
    ("cmd-empty-exec", "CMD []", Cmd(*_base("CMD []"), (), False)),
    ("entrypoint-empty-exec", "ENTRYPOINT []", Entrypoint(*_base("ENTRYPOINT []"), None, False)),
    ("copy", "COPY --chown=1:1 --chmod=755 --link --exclude=*.md --exclude=x --parents a b /d/",
     Copy(*_base("COPY --chown=1:1 --chmod=755 --link --exclude=*.md --exclude=x --parents "
                 "a b /d/"), ("a", "b"), (), "/d/", "", "1:1", "755", True, ("*.md", "x"),
          True)),
    ("copy-from", "COPY --from=build /out /app",
     Copy(*_base("COPY --from=build /out /app"), ("/out",), (), "/app", "build", "", "", False,
          (), False)),
    ("copy-json", 'COPY ["a b", "/c"]', Copy(*_base('COPY ["a b", "/c"]'), ("a b",), (), "/c",
                                            "", "", "", False, (), False)),
    ("copy-heredoc", "COPY <<A <<'B' /dir/\n$X\nA\n$Y\nB",
     Copy(*_base("COPY <<A <<'B' /dir/", 5), (), (SourceContent("A", "$X\n", True),
                                               SourceContent("B", "$Y\n", False)), "/dir/", "",
          "", "", False, (), False)),
    ("copy-heredoc-chomp", "COPY <<-A /f\n\t\tx\nA",
     Copy(*_base("COPY <<-A /f", 3), (), (SourceContent("A", "x\n", True),), "/f", "", "", "",
          False, (), False)),
    ("add", "ADD --checksum=sha256:abc --keep-git-dir=false --unpack https://x/y.tgz /",
     Add(*_base("ADD --checksum=sha256:abc --keep-git-dir=false --unpack https://x/y.tgz /"),
         ("https://x/y.tgz",), (), "/", "", "", False, (), False, "sha256:abc", True)),
    ("add-defaults", "ADD a b", Add(*_base("ADD a b"), ("a",), (), "b", "", "", False, (), None,
                                    "", None)),
    ("env", "ENV A=1 B=\"two words\"",
     Env(*_base('ENV A=1 B="two words"'), (KeyValue("A", "1"), KeyValue("B", '"two words"')))),
    ("env-legacy", "ENV A two words",
     Env(*_base("ENV A two words"), (KeyValue("A", "two words", True),))),
    ("env-quoted-equals", 'ENV "A=1"', Env(*_base('ENV "A=1"'), (KeyValue('"A', '1"'),))),
    ("label", "LABEL a=b c=d", Label(*_base("LABEL a=b c=d"), (KeyValue("a", "b"),
                                                               KeyValue("c", "d")))),
    ("label-legacy", "LABEL a b", Label(*_base("LABEL a b"), (KeyValue("a", "b", True),))),
    ("arg", "ARG A B= C=c", Arg(*_base("ARG A B= C=c"), (ArgDef("A", None), ArgDef("B", ""),
                                                        ArgDef("C", "c")))),
    ("arg-ignores-flags", "ARG --x A", Arg(*_base("ARG --x A"), (ArgDef("A", None),))),
    ("expose-sorted", "EXPOSE 8080 443 80/udp",
     Expose(*_base("EXPOSE 8080 443 80/udp"), ("443", "80/udp", "8080"))),
    ("user", "USER app:app", User(*_base("USER app:app"), "app:app")),
    ("volume-trimmed", 'VOLUME [" /data ", "/b"]', Volume(*_base('VOLUME [" /data ", "/b"]'),
                                                          ("/data", "/b"))),
    ("workdir", "WORKDIR /app", Workdir(*_base("WORKDIR /app"), "/app")),
    ("shell", 'SHELL ["bash", "-c"]', Shell(*_base('SHELL ["bash", "-c"]'), ("bash", "-c"))),
    ("stopsignal-ignores-flags", "STOPSIGNAL --x SIGTERM",
     Stopsignal(*_base("STOPSIGNAL --x SIGTERM"), "SIGTERM")),
    ("maintainer", "MAINTAINER Jane Doe", Maintainer(*_base("MAINTAINER Jane Doe"), "Jane Doe")),
    ("onbuild", "ONBUILD COPY --from=b . /x",
     Onbuild(*_base("ONBUILD COPY --from=b . /x"), "COPY --from=b . /x", "COPY")),
    ("healthcheck-none-ignores-flags", "HEALTHCHECK --bogus NONE",
     Healthcheck(*_base("HEALTHCHECK --bogus NONE"), ("NONE",), 0, 0, 0, 0, 0)),
    ("healthcheck-shell", "HEALTHCHECK --interval=1m30s --timeout=1.5s --retries=3 CMD curl -f x",
     Healthcheck(*_base("HEALTHCHECK --interval=1m30s --timeout=1.5s --retries=3 CMD curl -f x"),
                 ("CMD-SHELL", "curl -f x"), 90_000_000_000, 1_500_000_000, 0, 0, 3)),
    ("healthcheck-exec", 'HEALTHCHECK --start-period=0 cmd ["curl", "x"]',
     Healthcheck(*_base('HEALTHCHECK --start-period=0 cmd ["curl", "x"]'),
                 ("CMD", "curl", "x"), 0, 0, 0, 0, 0)),
]


@pytest.mark.parametrize(("text", "expected"), [t[1:] for t in TYPED], ids=[t[0] for t in TYPED])
def test_typed_instructions(text: str, expected: Command) -> None:
    # The examples are parsed after a FROM line, one line further down.
    assert command_of("FROM scratch\n" + text) == replace(
        expected, start_line=expected.start_line + 1, end_line=expected.end_line + 1)


def test_onbuild_keeps_heredoc_bodies_in_its_trigger() -> None:
    record = Instruction("onbuild", "RUN", False, "onbuild RUN <<EOF\necho\nEOF\n", 2, 4, (),
                         ("<<EOF",), (Heredoc("EOF", "echo\n"),))
    assert parse_command(record) == Onbuild("onbuild", 2, 4, "onbuild RUN <<EOF",
                                            "RUN <<EOF\necho\nEOF", "RUN")


# --- step-time expansion --------------------------------------------------------------------------

STEP_ENV = {"PATH": "/bin", "HOME": "/root", "APP": "web", "EMPTY": "", "PORT": "8080 9090"}

EXPANSIONS: list[tuple[str, str, object, tuple[str, ...], tuple[str, ...]]] = [
    ("env-key-and-value", "ENV $APP=$HOME/$APP X=${APP}", (("web", "/root/web"), ("X", "web")),
     ("APP", "HOME"), ()),
    ("env-sees-previous-env", "ENV APP=api OTHER=$APP", (("APP", "api"), ("OTHER", "web")),
     ("APP",), ()),
    ("env-quotes-removed", 'ENV MSG="hi $APP"', (("MSG", "hi web"),), ("APP",), ()),
    ("label", 'LABEL "$APP.version"=$NOPE', (("web.version", ""),), ("APP",), ("NOPE",)),
    ("workdir", "WORKDIR $HOME/$APP", "/root/web", ("HOME", "APP"), ()),
    ("user", "USER ${APP:-nobody}", "web", ("APP",), ()),
    ("stopsignal", "STOPSIGNAL SIG${SIG:-TERM}", "SIGTERM", (), ("SIG",)),
    ("volume", 'VOLUME ["/data/$APP", "$HOME"]', ("/data/web", "/root"), ("APP", "HOME"), ()),
    ("expose-sorted-then-split", "EXPOSE $PORT 53/UDP", ("8080/tcp", "9090/tcp", "53/udp"), (),
     ()),
    ("expose-range", "EXPOSE 7000-7002", ("7000/tcp", "7001/tcp", "7002/tcp"), (), ()),
    ("cmd-untouched", "CMD echo $APP", ("echo $APP",), (), ()),
    ("run-untouched", "RUN echo $APP", ("echo $APP",), (), ()),
]


def _payload(command: Command) -> object:
    if isinstance(command, Env | Label):
        return tuple((p.key, p.value) for p in command.pairs)
    if isinstance(command, Workdir):
        return command.path
    if isinstance(command, User):
        return command.user
    if isinstance(command, Stopsignal):
        return command.signal
    if isinstance(command, Volume):
        return command.volumes
    if isinstance(command, Expose):
        return command.ports
    if isinstance(command, Cmd | Run):
        return command.cmd_line
    raise AssertionError(command)


@pytest.mark.parametrize(("text", "payload", "used", "unmatched"), [e[1:] for e in EXPANSIONS],
                         ids=[e[0] for e in EXPANSIONS])
def test_step_expansion(text: str, payload: object, used: tuple[str, ...],
                        unmatched: tuple[str, ...]) -> None:
    step = expand_command(command_of("FROM scratch\n" + text), STEP_ENV)
    assert _payload(step.command) == payload
    assert (step.used, step.unmatched) == (used, unmatched)


def test_env_step_reports_what_it_sets() -> None:
    step = expand_command(command_of("FROM scratch\nENV A=$APP B=2"), STEP_ENV)
    assert step.env == (("A", "web"), ("B", "2"))


def test_copy_expands_paths_and_ownership_but_not_from() -> None:
    text = "COPY --from=$APP --chown=$APP:$APP --chmod=${MODE:-755} --exclude=$APP $HOME/a $APP/"
    step = expand_command(command_of("FROM scratch\n" + text), STEP_ENV)
    assert isinstance(step.command, Copy)
    copy = step.command
    assert (copy.from_, copy.chown, copy.chmod, copy.excludes, copy.sources, copy.dest) == (
        "$APP", "web:web", "755", ("$APP",), ("/root/a",), "web/")
    assert step.used == ("APP", "HOME")
    assert step.unmatched == ("MODE",)
    assert step.display == "COPY --from=web --chown=web:web --chmod=755 --exclude=web /root/a web/"


def test_add_expands_checksum() -> None:
    step = expand_command(command_of("FROM scratch\nADD --checksum=$SUM https://x/$APP /"),
                          {"SUM": "sha256:1", "APP": "a"})
    assert isinstance(step.command, Add)
    assert (step.command.checksum, step.command.sources) == ("sha256:1", ("https://x/a",))


def test_heredoc_sources_expand_unless_quoted_and_keep_quotes() -> None:
    text = "COPY <<A <<\"B\" /d/\necho \"$APP\" '$HOME'\nA\n$APP\nB"
    step = expand_command(command_of("FROM scratch\n" + text), STEP_ENV)
    assert isinstance(step.command, Copy)
    assert [c.data for c in step.command.contents] == ["echo \"web\" '/root'\n", "$APP\n"]


def test_run_mounts_are_expanded_and_validated() -> None:
    text = "RUN --mount=type=$KIND,target=$HOME/.cache,id=${ID:-pip} --mount=type=secret,id=tok x"
    step = expand_command(command_of("FROM scratch\n" + text), {"KIND": "cache", "HOME": "/root"})
    assert isinstance(step.command, Run)
    assert step.command.mounts == (
        Mount(type="cache", target="/root/.cache", readonly=False, cache_id="pip"),
        Mount(type="secret", cache_id="tok"),
    )
    assert step.unmatched == ("ID",)


@pytest.mark.parametrize(("spec", "expected"), [
    ("type=tmpfs,target=/t,size=64m", Mount(type="tmpfs", target="/t", readonly=False,
                                            size_limit=64 << 20)),
    ("type=tmpfs,target=/t,size=1.5GiB", Mount(type="tmpfs", target="/t", readonly=False,
                                               size_limit=3 << 29)),
    ("type=bind,src=ctx,dst=/c,rw", Mount(source="ctx", target="/c", readonly=False)),
    ("type=cache,target=/c,ro=true,sharing=LOCKED,mode=0700,uid=1000",
     Mount(type="cache", target="/c", readonly=True, sharing="locked", mode=0o700, uid=1000)),
    ("type=ssh,required", Mount(type="ssh", required=True)),
    ('"type=secret","id=a,b",env=TOKEN', Mount(type="secret", cache_id="a,b", env="TOKEN")),
], ids=["tmpfs-size", "tmpfs-size-binary", "bind-rw", "cache-options", "ssh-required",
        "csv-quoting"])
def test_mount_fields(spec: str, expected: Mount) -> None:
    written = spec.replace('"', '\\"')  # the flag reader would eat unescaped quotes
    command = command_of(f"FROM scratch\nRUN --mount={written} true")
    step = expand_command(command, {})
    assert isinstance(step.command, Run)
    assert step.command.mounts == (expected,)


def test_run_display_masks_secret_env_and_keeps_unset_references() -> None:
    text = "RUN --mount=type=secret,id=t,env=TOKEN echo \"$TOKEN\" $APP $NOPE"
    step = expand_command(command_of("FROM scratch\n" + text), {"TOKEN": "s3cr3t", "APP": "web"})
    assert step.display == ('RUN --mount=type=secret,id=t,env=TOKEN echo "****" web $NOPE')


def test_run_display_summarizes_a_heredoc() -> None:
    step = expand_command(command_of("FROM scratch\nrun <<EOF\napk add curl\necho done\nEOF"), {})
    assert step.display == "RUN <<EOF (apk add curl...)"


MOUNT_ERRORS = [
    ("type", "type=volume", 'unsupported mount type "volume"'),
    ("type-suggestion", "type=cahce", 'unsupported mount type "cahce" (did you mean cache?)'),
    ("key", "type=cache,tagret=/x", "unexpected key 'tagret' in 'tagret=/x' (did you mean "
     "target?)"),
    ("bare-field", "type=cache,foo", "invalid field 'foo' must be a key=value pair"),
    ("required-on-cache", "type=cache,target=/x,required", "unexpected key 'required' for "
     "mount type 'cache'"),
    ("size-on-bind", "size=1m", "unexpected key 'size' for mount type 'bind'"),
    ("size-value", "type=tmpfs,target=/t,size=lots", "invalid value for size: lots"),
    ("readonly-value", "ro=maybe", "invalid value for ro: maybe"),
    ("mode-value", "type=cache,target=/x,mode=0999", "invalid value 0999 for mode"),
    ("uid-value", "type=cache,target=/x,uid=-1", "invalid value -1 for uid"),
    ("mode-on-bind", "target=/x,mode=0755", 'mode not allowed for "bind" type mounts'),
    ("sharing", "type=cache,target=/x,sharing=all", 'unsupported sharing value "all"'),
    ("sharing-on-bind", "target=/x,sharing=locked", "invalid cache sharing set for bind mount"),
    ("secret-from", "type=secret,id=a,from=b", "secret mount should not have a from"),
    ("secret-sharing", "type=secret,id=a,sharing=locked", "secret mount should not define "
     "sharing"),
    ("secret-empty", "type=secret", "invalid secret mount. one of source, target required"),
    ("secret-source-and-id", "type=secret,id=a,src=b", "both source and id can't be set"),
    ("expansion", "type=cache,target=${X", 'failed to process "${X": unsupported modifier '
     "(\ufffd) in substitution"),
]


@pytest.mark.parametrize(("mount", "message"), [m[1:] for m in MOUNT_ERRORS],
                         ids=[m[0] for m in MOUNT_ERRORS])
def test_mount_errors_at_dispatch(mount: str, message: str) -> None:
    command = command_of(f"FROM scratch\n\nRUN --mount={mount} true")
    with pytest.raises(DockerfileError) as caught:
        expand_command(command, {})
    assert (caught.value.message, caught.value.start_line) == (message, 3)


STEP_ERRORS = [
    ("undefined-required", "WORKDIR ${DIR:?set DIR}", 'failed to process "${DIR:?set DIR}": '
     "DIR: set DIR"),
    ("bad-substitution", "ENV A=${}", 'failed to process "${}": syntax error: bad substitution'),
    ("signal-name", "STOPSIGNAL SIGFOO", "invalid signal: SIGFOO"),
    ("signal-zero", "STOPSIGNAL 0", "invalid signal: 0"),
    ("volume-empty-after-expansion", "VOLUME $NOPE", "VOLUME specified can not be an empty "
     "string"),
    ("port", "EXPOSE 80a", "invalid containerPort: 80a"),
    ("port-range-reversed", "EXPOSE 90-80", "invalid containerPort: 90-80"),
    ("port-too-big", "EXPOSE 65536", "invalid containerPort: 65536"),
    ("port-proto", "EXPOSE 80/http", 'invalid port: "80/http": invalid proto: http'),
    ("port-missing", "EXPOSE /tcp", 'invalid port: "/tcp": no port specified'),
    ("port-host", "EXPOSE x:80", "invalid hostPort: x"),
    ("port-ip", "EXPOSE 1.2.3:80:80", "invalid IP address: 1.2.3"),
    ("port-ranges", "EXPOSE 80-81:90-92", "invalid ranges specified for container and host "
     "Ports: 90-92 and 80-81"),
    ("copy-expansion", "COPY $A ${B", 'failed to process "${B": unsupported modifier (\ufffd) in '
     "substitution"),
]


@pytest.mark.parametrize(("text", "message"), [e[1:] for e in STEP_ERRORS],
                         ids=[e[0] for e in STEP_ERRORS])
def test_step_errors(text: str, message: str) -> None:
    command = command_of("FROM scratch\n" + text)
    with pytest.raises(DockerfileError) as caught:
        expand_command(command, {})
    assert (caught.value.message, caught.value.start_line) == (message, 2)


@pytest.mark.parametrize(("words", "expected"), [
    (["80"], ("80/tcp",)),
    (["0"], ("0/tcp",)),
    (["53/UDP"], ("53/udp",)),
    (["8000-8001/sctp"], ("8000/sctp", "8001/sctp")),
    (["127.0.0.1:8080:80"], ("80/tcp",)),
    (["[::1]:8080:80"], ("80/tcp",)),
    (["8080-8090:80"], ("80/tcp",)),
], ids=["plain", "zero", "proto-lowered", "range", "ip-and-host", "ipv6", "host-range"])
def test_ports(words: list[str], expected: tuple[str, ...]) -> None:
    assert parse_ports(words) == expected


ARGS = [
    ("default", "ARG A=1", {}, {}, {}, (("A", "1"),)),
    ("build-arg-wins", "ARG A=1", {}, {"A": "2"}, {}, (("A", "2"),)),
    ("no-value", "ARG A", {}, {}, {}, ()),
    ("global-inherited", "ARG A", {}, {}, {"A": "g"}, (("A", "g"),)),
    ("build-arg-over-global", "ARG A", {}, {"A": "b"}, {"A": "g"}, (("A", "b"),)),
    ("default-over-global", "ARG A=d", {}, {}, {"A": "g"}, (("A", "d"),)),
    ("default-expanded", "ARG A=$HOME/x", {"HOME": "/root"}, {}, {}, (("A", "/root/x"),)),
    ("chained", "ARG A=1 B=${A}2", {}, {}, {}, (("A", "1"), ("B", "12"))),
    ("build-arg-not-expanded", "ARG A", {}, {"A": "$HOME"}, {}, (("A", "$HOME"),)),
    ("sbom-arg-not-in-env", "ARG BUILDKIT_SBOM_SCAN_STAGE=true", {}, {}, {}, ()),
]


@pytest.mark.parametrize(("text", "env", "build_args", "global_args", "added"),
                         [a[1:] for a in ARGS], ids=[a[0] for a in ARGS])
def test_arg_resolution(text: str, env: dict[str, str], build_args: dict[str, str],
                        global_args: dict[str, str], added: tuple[tuple[str, str], ...]) -> None:
    command = command_of("FROM scratch\n" + text)
    assert isinstance(command, Arg)
    step = expand_arg(command, env, build_args=build_args, global_args=global_args)
    assert step.env == added


def test_arg_without_value_stays_declared() -> None:
    command = command_of("FROM scratch\nARG A")
    assert isinstance(command, Arg)
    step = expand_arg(command, {}, build_args={}, global_args={})
    assert step.command == Arg("ARG", 2, 2, "ARG A", (ArgDef("A", None),))


RUN_LINES = [
    ("shell", "RUN echo hi", ("/bin/sh", "-c", "echo hi"), None),
    ("exec", 'RUN ["echo", "hi"]', ("echo", "hi"), None),
    ("heredoc-as-script", "RUN <<EOF\napk add x\necho\nEOF", ("/bin/sh", "-c", "apk add x\necho\n"),
     None),
    ("heredoc-chomped", "RUN <<-EOF\n\techo\nEOF", ("/bin/sh", "-c", "echo\n"), None),
    ("heredoc-shebang", "RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF",
     ("/dev/pipes/EOF",), InlineFile("EOF", "#!/usr/bin/env python3\nprint(1)\n", False)),
    ("heredoc-with-command", "RUN python3 <<EOF\nprint(1)\nEOF",
     ("/bin/sh", "-c", "python3 <<EOF\nprint(1)\nEOF"), None),
]


@pytest.mark.parametrize(("text", "argv", "script"), [r[1:] for r in RUN_LINES],
                         ids=[r[0] for r in RUN_LINES])
def test_run_command_line(text: str, argv: tuple[str, ...], script: InlineFile | None) -> None:
    command = command_of("FROM scratch\n" + text)
    assert isinstance(command, Run)
    line = run_command_line(command, ("/bin/sh", "-c"))
    assert (line.argv, line.script) == (argv, script)


_WORD = st.text(alphabet="-=$ {}:/'\"\\<ab1,\t", max_size=12)


@given(st.sampled_from(["RUN", "copy", "ADD", "FROM", "ENV", "LABEL", "ARG", "HEALTHCHECK",
                        "ONBUILD", "EXPOSE", "VOLUME", "SHELL", "CMD", "ENTRYPOINT", "USER",
                        "WORKDIR", "STOPSIGNAL", "MAINTAINER", "Nope"]),
       st.booleans(), st.lists(_WORD.map(lambda w: "--" + w), max_size=3),
       st.lists(_WORD, max_size=4), st.booleans())
@settings(max_examples=400, deadline=None)
def test_any_record_fails_only_with_engine_errors(keyword: str, is_json: bool, flags: list[str],
                                                  values: list[str], legacy: bool) -> None:
    record = Instruction(keyword, values[0] if keyword == "ONBUILD" and values else None, is_json,
                         f"{keyword} x", 1, 1, tuple(flags), tuple(values[1:] if keyword ==
                                                                   "ONBUILD" else values),
                         legacy_key_value=legacy)
    with contextlib.suppress(DockerfileError):
        command = parse_command(record)
        expand_command(command, {"a": "1"})
        if isinstance(command, Run):
            run_command_line(command, ("/bin/sh", "-c"))


def test_a_huge_heredoc_fd_is_clamped_not_a_crash() -> None:
    from tutor.engine.dockerfile import parse, plan_build

    instructions = parse("FROM a\nCOPY " + "9" * 5000 + "<<E /x\nhi\nE\n")
    assert instructions[1].heredocs[0].file_descriptor == 2**64 - 1
    plan_build(instructions, build_args={})  # only DockerfileError may ever escape
