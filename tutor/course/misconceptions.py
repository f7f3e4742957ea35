"""Misconception hints: after a command line finishes, notice a classic mistake and answer it in
one line that is visibly the tutorial's (`tutor: …`), linked to the lesson step that teaches the
point.

Each trigger reads the command as docker itself parses it (the CLI's own flag table) and decides
from the engine's state, never from the output's wording: an EXPOSEd port nobody published, a
later layer whose whiteout hides a file an earlier layer still carries, a `latest` tag missing or
older than another tag, a file living only in a container's writable layer, a shell-form command
killed after the stop timeout, an all-cached build after an edit `.dockerignore` excludes. The
hint texts and their step links are data (`assets/hints/misconceptions.toml`).
"""

from __future__ import annotations

import functools
import posixpath
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tutor.course.checks import CommandRecord
from tutor.course.hostshell import HostShell, Simple, simple_commands
from tutor.engine import Engine, EngineError
from tutor.engine.containers import STOP_TIMEOUT
from tutor.engine.images import LocalImage
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.paths import content_dir

HINTS_FILE = Path("hints") / "misconceptions.toml"
"""Under the assets folder."""

_LOCALHOST = ("localhost", "127.0.0.1", "0.0.0.0", "::1")
_SHELL_FORM = ["/bin/sh", "-c"]
_KILLED = 137  # 128 + SIGKILL: the stop timeout ran out


@dataclass(frozen=True, slots=True)
class HintText:
    text: str
    lesson: str
    step: str


@dataclass(frozen=True, slots=True)
class Hint:
    id: str
    text: str
    lesson: str
    """The lesson's id (its folder name)."""
    step: str

    @property
    def line(self) -> str:
        """As the terminal shows it: never mistakable for docker's own output."""
        return f"tutor: {self.text} (lesson {self.lesson}, step {self.step})"


@functools.cache
def load_hint_texts(assets: Path | None = None) -> Mapping[str, HintText]:
    """The hint texts (read once: the terminal asks after every docker line)."""
    with (assets or content_dir("assets")).joinpath(HINTS_FILE).open("rb") as f:
        raw = tomllib.load(f)
    return {key: HintText(str(v["text"]), str(v["lesson"]), str(v["step"]))
            for key, v in raw.items()}


# ---------------------------------------------------------------------------------------------
# The command line, as the shell and docker see it


@dataclass(frozen=True, slots=True)
class DockerCall:
    command: str
    """The command's top-level name whatever the spelling (`image ls` is `images`, `buildx
    build` is `build`); for a command only a group has, its last word (`image prune`: `prune`)."""
    args: tuple[str, ...]
    """Positional arguments (for `run`: the image, then the container's command)."""
    flags: dict[str, object]
    """The flags typed (by key: `--stop-timeout` is `stop_timeout`)."""


def docker_call(words: Sequence[str]) -> DockerCall | None:
    """`docker …` words parsed with the CLI's own flag table; None for anything else or a line
    docker would refuse."""
    from tutor.dockercli import parse_command_line

    if len(words) < 2 or words[0] != "docker":
        return None
    found = parse_command_line(words[1:])
    if found is None:
        return None
    cmd, parsed = found
    primary = next((p for p in cmd.paths if " " not in p), cmd.paths[0])
    typed = {key: parsed.values[key] for key in parsed.changed}
    return DockerCall(primary.split()[-1], tuple(parsed.args), typed)


def _calls(lines: Sequence[str]) -> list[DockerCall]:
    return [c for line in lines for s in simple_commands(line)
            if (c := docker_call(s.words)) is not None]


# ---------------------------------------------------------------------------------------------
# The triggers


@dataclass(frozen=True, slots=True)
class Situation:
    """A line that just finished and what came before it."""

    line: str
    status: int
    earlier: tuple[str, ...]
    """The lines run before it, oldest first."""
    cwd: Path
    """The real directory the line ran in."""

    @property
    def last(self) -> Simple | None:
        commands = simple_commands(self.line)
        return commands[-1] if commands else None

    @property
    def call(self) -> DockerCall | None:
        last = self.last
        return docker_call(last.words) if last is not None else None


Found = tuple[str, dict[str, str]] | None
"""A hint's id and the details its text is formatted with."""


def _find(engine: Engine, ref: str) -> LocalImage | None:
    try:
        return engine.images.find(ref)
    except EngineError:
        return None


def _reference(text: str) -> Reference | None:
    try:
        return parse_docker_ref(text)
    except EngineError:
        return None


def exposed_not_published(s: Situation, engine: Engine) -> Found:
    last = s.last
    if last is None or last.words[0] != "curl" or s.status == 0:
        return None
    urls = [w for w in last.words[1:] if not w.startswith("-")]
    if not urls:
        return None
    parts = urlsplit(urls[0] if "://" in urls[0] else "http://" + urls[0])
    try:
        port = parts.port or 80
    except ValueError:
        return None
    if parts.hostname not in _LOCALHOST:
        return None
    for c in engine.containers.all():
        published = {p.container_port for p in c.ports}
        if c.running and f"{port}/tcp" in c.exposed and port not in published:
            return "expose-not-published", {"container": c.name, "port": str(port)}
    return None


def _own_layers(engine: Engine, image: LocalImage) -> int:
    """Where the image's own layers begin: after the longest base any local image is."""
    bases = [len(o.diff_ids) for o in engine.images.all()
             if len(o.diff_ids) < len(image.diff_ids)
             and image.diff_ids[:len(o.diff_ids)] == o.diff_ids]
    return max(bases, default=0)


def _hidden_by_later_layer(engine: Engine, image: LocalImage) -> str | None:
    """A file one of the image's own layers adds and a later one deletes."""
    added: set[str] = set()
    for diff_id in image.diff_ids[_own_layers(engine, image):]:
        changes = engine.store.get_layer(diff_id).changes
        hidden = next((p for p in changes.deleted if p in added), None)
        if hidden is not None:
            return hidden
        added.update(c.path for c in changes.items if c.kind != "D" and not c.node.is_dir)
    return None


def deleted_in_later_layer(s: Situation, engine: Engine) -> Found:
    call = s.call
    if call is None or call.command not in ("images", "history"):
        return None
    before = _calls([*s.earlier, s.line])[:-1]
    builds = [n for n, c in enumerate(before) if c.command == "build"]
    if not builds:
        return None
    # once per build: not again when an images/history after it already answered
    if any(c.command in ("images", "history") for c in before[builds[-1] + 1:]):
        return None
    tags = before[builds[-1]].flags.get("tag")
    built = [str(t) for t in tags] if isinstance(tags, list) else []
    wanted = list(call.args[:1]) if call.command == "history" else built
    for ref in wanted:
        image = _find(engine, ref)
        if image is not None and (path := _hidden_by_later_layer(engine, image)) is not None:
            return "delete-in-later-layer", {"image": ref, "path": path}
    return None


def _tags_given(call: DockerCall) -> list[str]:
    """The references a command points at an image: `build -t`, `tag`, `commit`."""
    if call.command == "build":
        tags = call.flags.get("tag")
        return [str(t) for t in tags] if isinstance(tags, list) else []
    if call.command in ("tag", "commit") and len(call.args) == 2:
        return [call.args[1]]
    return []


def _last_tagged(calls: Sequence[DockerCall]) -> dict[str, int]:
    """Each reference (normalized) → the index of the last call that gave it."""
    given: dict[str, int] = {}
    for n, call in enumerate(calls):
        for typed in _tags_given(call):
            if (ref := _reference(typed)) is not None:
                given[str(ref)] = n
    return given


def latest_taken_for_newest(s: Situation, engine: Engine) -> Found:
    call = s.call
    if call is None or call.command not in ("run", "create", "pull") or not call.args:
        return None
    typed = call.args[0]
    ref = _reference(typed)
    if ref is None or ref.tag != "latest" or "@" in typed:
        return None
    others = sorted(t.familiar for i in engine.images.all() for t in i.tags
                    if t.name == ref.name and t.tag != "latest")
    if not others:
        return None
    name = ref.familiar.removesuffix(":latest")
    latest = _find(engine, str(ref))
    if latest is None:
        if s.status == 0:
            return None
        return "latest-missing", {"name": name, "tags": ", ".join(others)}
    # tagged after `latest` last moved, by the learner, and still another image than latest
    given = _last_tagged(_calls(s.earlier))
    since = given.get(str(ref), -1)
    newer = [(n, other) for other in others
             if (n := given.get(str(_reference(other)), -1)) > since
             and (image := _find(engine, other)) is not None and image.id != latest.id]
    if not newer:
        return None
    return "latest-not-newest", {"name": name, "newer": max(newer)[1]}


def _mentioned(path: str, words: Sequence[str]) -> bool:
    """Whether the container's command names the file or lists its folder."""
    folder = posixpath.dirname(path).rstrip("/")
    return any(path in w or w.rstrip("/") == folder for w in words if w.startswith("/"))


def container_edit_expected_in_image(s: Situation, engine: Engine) -> Found:
    call = s.call
    if call is None or call.command != "run" or not call.args:
        return None
    image = _find(engine, call.args[0])
    if image is None:
        return None
    execs = {c.args[0] for c in _calls(s.earlier) if c.command == "exec" and c.args}
    for c in engine.containers.all():
        if c.image_id != image.id or not ({c.name, c.id, c.short_id} & execs):
            continue
        for change in c.changes.items:
            if change.kind == "A" and not change.node.is_dir and \
                    _mentioned(change.path, call.args[1:]):
                return "container-edit-not-image", {
                    "path": change.path, "container": c.name, "image": call.args[0]}
    return None


def stop_on_shell_form(s: Situation, engine: Engine) -> Found:
    call = s.call
    if call is None or call.command != "stop" or s.status != 0:
        return None
    typed = call.flags.get("time", call.flags.get("timeout"))
    if typed == 0:
        return None  # killed at once, as asked
    for name in call.args:
        c = engine.containers.find(name)
        if c is None or c.running or not c.manually_stopped or c.exit_code != _KILLED:
            continue
        if c.argv[:2] != _SHELL_FORM:
            continue
        seconds = typed if isinstance(typed, int) and typed > 0 else (
            c.stop_timeout if c.stop_timeout is not None else STOP_TIMEOUT)
        return "stop-shell-form", {"container": name, "seconds": str(seconds)}
    return None


def _written(simple: Simple) -> Iterator[str]:
    """Files a host command wrote, as typed."""
    yield from simple.writes
    if simple.words[0] in ("edit", "touch"):
        yield from (w for w in simple.words[1:] if not w.startswith("-"))


def ignored_edit_then_cached_build(s: Situation, engine: Engine) -> Found:
    from tutor.engine._dockerignore import PatternError, PatternMatcher, parse_dockerignore

    call = s.call
    if call is None or call.command != "build" or s.status != 0 or not call.args:
        return None
    steps = [st for st in engine.last_build() or () if "] FROM " not in st.name]
    if not steps or not all(st.cached for st in steps):
        return None
    before = [x for line in s.earlier for x in simple_commands(line)]
    before += simple_commands(s.line)[:-1]
    builds = [n for n, x in enumerate(before)
              if (c := docker_call(x.words)) is not None and c.command == "build"]
    context = (s.cwd / call.args[0]).resolve()
    ignore_file = context / ".dockerignore"
    if not builds or not ignore_file.is_file():
        return None  # only a rebuild surprises
    dockerfile = call.flags.get("file")
    # the builder reads these two whatever .dockerignore says
    read_anyway = {ignore_file, (s.cwd / dockerfile).resolve() if isinstance(dockerfile, str)
                   and dockerfile != "-" else context / "Dockerfile"}
    try:
        matcher = PatternMatcher(parse_dockerignore(ignore_file.read_bytes()))
    except PatternError:
        return None
    for simple in before[builds[-1] + 1:]:
        for typed in _written(simple):
            written = (s.cwd / typed).resolve()
            if written in read_anyway or not written.is_relative_to(context):
                continue
            inside = written.relative_to(context)
            if matcher.matches_or_parent_matches(inside.as_posix()):
                return "dockerignore-edit", {"path": inside.as_posix()}
    return None


TRIGGERS: tuple[Callable[[Situation, Engine], Found], ...] = (
    exposed_not_published,
    deleted_in_later_layer,
    latest_taken_for_newest,
    container_edit_expected_in_image,
    stop_on_shell_form,
    ignored_edit_then_cached_build,
)


def notice(s: Situation, engine: Engine, texts: Mapping[str, HintText]) -> Hint | None:
    """The first misconception the line shows, or None."""
    for trigger in TRIGGERS:
        found = trigger(s, engine)
        if found is not None:
            key, details = found
            text = texts[key]
            return Hint(key, text.text.format(**details), text.lesson, text.step)
    return None


def hint_after(ran: CommandRecord, earlier: Sequence[CommandRecord], state: Path,
               cwd: Path) -> Hint | None:
    """The hint for the line just run on the sandbox in `state` (opened only for a docker or
    curl line), or None."""
    words = [s.words[0] for s in simple_commands(ran.line)]
    if not ({"docker", "curl"} & set(words)):
        return None
    situation = Situation(ran.line, ran.status, tuple(r.line for r in earlier), cwd)
    try:
        engine = Engine.open(state, content_dir("assets"))
    except (EngineError, OSError):
        return None
    try:
        return notice(situation, engine, load_hint_texts())
    except Exception:  # noqa: BLE001  (a hint is extra: its bug must never cost the command)
        return None
    finally:
        engine.close()


def shell_hint(shell: HostShell) -> Hint | None:
    """The hint for the line `shell` ran last (call right after `shell.run`, under the lock
    that keeps other commands off its sandbox)."""
    if not shell.history:
        return None
    *earlier, ran = shell.history
    return hint_after(ran, earlier, shell.state, shell.real_cwd)
