"""Building the corpus: each case's context, its build through `tutor docker build`, and what
its Dockerfile says BuildKit makes of it (stages, steps, which COPY selects a file, layers).

Used by `test_corpus.py` (the checks) and `report.py` (the share that builds and why the rest
does not).
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import json
import posixpath
import re
import shlex
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tutor.dockercli import main

HERE = Path(__file__).parent
MANIFEST = HERE / "manifest.toml"


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    source: str
    path: str
    commit: str
    real: str
    """What real Docker 29 does with it: "builds" or "fails"."""
    real_error: str = ""
    """For a case real Docker fails: text its error carries (the same kind of error here)."""
    engine: str = "builds"
    """"builds", or "xfail" while the engine cannot yet do what real Docker does."""
    reason: str = ""
    cause: str = ""
    """The group of an xfail's first cause: base-image, package, program, other."""
    target: str = ""
    edit: str = ""
    """The context file the cache check edits (default: the one the earliest COPY selects)."""
    note: str = ""
    """Why real Docker does what it does, when that is not obvious (a failure's cause)."""

    @property
    def folder(self) -> Path:
        return HERE / self.name


def load_cases() -> list[Case]:
    doc = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    return [Case(**c) for c in doc["case"]]


def materialise(case: Case, dest: Path) -> Path:
    """The case's build context in `dest`: its files, compressed lock files expanded."""
    shutil.copytree(case.folder, dest)
    for packed in list(dest.rglob("*.gz")):
        packed.with_suffix("").write_bytes(gzip.decompress(packed.read_bytes()))
        packed.unlink()
    return dest


# -- the Dockerfile, as BuildKit reads it --------------------------------------------------


@dataclass(slots=True)
class Step:
    keyword: str
    text: str
    sources: list[str] = field(default_factory=list)
    """COPY/ADD sources from the build context (none for `--from` or heredoc copies)."""


@dataclass(slots=True)
class Stage:
    name: str
    base: str
    steps: list[Step] = field(default_factory=list)


def _logical_lines(text: str) -> list[str]:
    """Instructions with continuations joined and comments dropped; a heredoc's body is kept
    with its instruction."""
    out: list[str] = []
    lines = text.splitlines()
    i, cur = 0, ""
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        if not cur and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if cur and raw.lstrip().startswith("#"):
            continue
        if raw.endswith("\\"):
            cur += raw[:-1] + " "
            continue
        cur += raw
        for marker in re.findall(r"<<-?[\"']?(\w+)[\"']?", cur):
            while i < len(lines) and lines[i].strip() != marker:
                i += 1
            i += 1
        out.append(cur.strip())
        cur = ""
    if cur.strip():
        out.append(cur.strip())
    return out


def _substitute(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), text)


def parse_stages(text: str) -> list[Stage]:
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    for line in _logical_lines(text):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and not stages:
            for word in shlex.split(rest):
                name, _, value = word.partition("=")
                global_args[name] = value
            continue
        if keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            base = _substitute(words[0], global_args) if words else ""
            name = words[2].lower() if len(words) > 2 and words[1].lower() == "as" else \
                str(len(stages))
            stages.append(Stage(name, base.lower() if base.lower() == "scratch" else base))
            continue
        if not stages:
            continue
        step = Step(keyword, line)
        if keyword in ("COPY", "ADD") and "--from" not in rest and "<<" not in rest:
            words = json.loads(rest) if rest.lstrip().startswith("[") else [
                w for w in shlex.split(rest, posix=True) if not w.startswith("--")]
            step.sources = [w for w in words[:-1] if not w.startswith(("http://", "https://"))]
        stages[-1].steps.append(step)
    return stages


def built_stages(stages: list[Stage], target: str) -> list[Stage]:
    """The stages a build of `target` (default: the last) needs, in Dockerfile order."""
    by_name = {s.name: s for s in stages}
    final = by_name.get(target.lower()) if target else stages[-1]
    if final is None:
        return []
    needed: set[str] = set()

    def need(stage: Stage) -> None:
        if stage.name in needed:
            return
        needed.add(stage.name)
        if stage.base.lower() in by_name:
            need(by_name[stage.base.lower()])
        for step in stage.steps:
            m = re.search(r"--from=(\S+)", step.text)
            if m and m.group(1).lower() in by_name:
                need(by_name[m.group(1).lower()])

    need(final)
    return [s for s in stages if s.name in needed]


def layer_bounds(stages: list[Stage], target: str) -> tuple[str, int, int]:
    """(external base image, fewest, most) layers the final image adds over that base.

    Every COPY/ADD adds one layer; a RUN or WORKDIR adds one only when it changes the file
    system (BuildKit drops empty layers), so each counts towards the most only."""
    by_name = {s.name: s for s in stages}
    stage = by_name.get(target.lower()) if target else stages[-1]
    low = high = 0
    while stage is not None:
        copies = sum(1 for s in stage.steps if s.keyword in ("COPY", "ADD"))
        maybe = sum(1 for s in stage.steps if s.keyword in ("RUN", "WORKDIR"))
        low, high = low + copies, high + copies + maybe
        base = stage.base
        stage = by_name.get(base.lower())
    return base, low, high


def _pattern_selects(pattern: str, rel: str) -> bool:
    p = posixpath.normpath(pattern.lstrip("/")) if pattern not in (".", "./", "/") else "."
    if p == ".":
        return True
    if rel == p or rel.startswith(p.rstrip("/") + "/"):
        return True
    if any(c in p for c in "*?["):
        parts = rel.split("/")
        return any(fnmatch.fnmatchcase("/".join(parts[:i]), p) for i in range(1, len(parts) + 1))
    return False


def first_copy_of(stages: list[Stage], rel: str) -> Step | None:
    """The first COPY/ADD of the built stages whose sources select the context file `rel`."""
    for stage in stages:
        for step in stage.steps:
            if any(_pattern_selects(src, rel) for src in step.sources):
                return step
    return None


# -- running `tutor docker` ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    status: int
    out: str
    err: str


def docker(state: Path, cwd: Path, *argv: str) -> Result:
    import os

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        status = main(list(argv), state=state, stdout=out, stderr=err, tty=False,
                      stdin=io.TextIOWrapper(io.BytesIO(b"")))
    finally:
        os.chdir(old)
    return Result(status, out.getvalue(), err.getvalue())


def build(state: Path, ctx: Path, case: Case, tag: str = "corpus:case") -> Result:
    argv = ["build", "--progress=plain", "-t", tag]
    if case.target:
        argv += ["--target", case.target]
    return docker(state, ctx, *argv, ".")


@dataclass(frozen=True, slots=True)
class BuildStep:
    number: str
    label: str
    """The stage part of `[stage 2/5]` ("" for a one-stage build)."""
    index: int
    text: str
    cached: bool


def build_steps(output: str) -> list[BuildStep]:
    """The Dockerfile steps in a plain-progress log, with whether each came from the cache."""
    heads = re.findall(r"^#(\d+) \[(?!internal\])([^\]]*?)\s*(\d+)/\d+\] (.*)$", output, re.M)
    cached = set(re.findall(r"^#(\d+) CACHED$", output, re.M))
    return [BuildStep(n, label.strip(), int(i), text.strip(), n in cached)
            for n, label, i, text in heads]


def normal(text: str) -> str:
    return " ".join(text.split())


CAUSES = (
    ("base-image", re.compile(r"failed to resolve source metadata|pull access denied|"
                              r"manifest unknown")),
    ("package", re.compile(r"unable to select packages|Unable to locate package|"
                           r"No matching distribution|E404|404 Not Found|"
                           r"has no installation candidate|Could not find a version")),
    ("program", re.compile(r": not found|command not found|executable file not found|"
                           r"exit code: 127|cannot run in the simulated engine")),
)


def first_cause(err: str) -> tuple[str, str]:
    """(group, first error line) of a failed build: a missing base image, package, program, or
    something else. The line is the first the failing tool printed (`ERROR: unable to select
    packages:` with its next line, `npm error …`), else BuildKit's own error line."""
    lines = [re.sub(r"^#\d+ \d+\.\d+ ", "", x) for x in err.splitlines()
             if re.match(r"#\d+ \d+\.\d+ ", x)]
    # progress, trace and debconf's warning lines name packages (`libgpg-error`) and
    # commands, not causes
    lines = [x for x in lines if not re.match(r"\(\d+/\d+\) |\s*Executing |\+ |debconf: ", x)]
    line = ""
    for i, text in enumerate(lines):
        if re.search(r"(?i)\berror\b|not found|unable to|bad address|could not resolve|"
                     r"no such file or directory|cannot run in the simulated engine|"
                     r"no rule to make target", text) or text.startswith("E: "):
            line = text.strip()
            if (line.endswith(":") or line.startswith("npm error code")) and i + 1 < len(lines):
                line += " " + lines[i + 1].strip().removeprefix("npm error ")
            break
    if not line:
        final = next((x for x in err.splitlines() if x.startswith("ERROR: failed to build")), "")
        line = final.removeprefix("ERROR: failed to build: failed to solve: ")
    missing = re.match(r"(\S+): failed to resolve source metadata", line)
    if missing:
        line = f"no base image {missing.group(1)} in the catalogue"
    line = line[:160]
    for group, pattern in CAUSES:
        if pattern.search(err):
            return group, line
    return "other", line


# -- the checks ----------------------------------------------------------------------------

GB = 1 << 30
METADATA_SLACK = 64 << 10


class Mismatch(AssertionError):
    """The engine does not do with a case what real Docker does; `group`/`line` name the
    first cause (a failed build's first error, or which check differed)."""

    def __init__(self, group: str, line: str) -> None:
        super().__init__(f"[{group}] {line}")
        self.group, self.line = group, line


def _inspect(state: Path, cwd: Path, ref: str) -> dict[str, object]:
    r = docker(state, cwd, "image", "inspect", ref)
    if r.status != 0:
        raise Mismatch("other", f"docker image inspect {ref}: {r.err.strip()}")
    doc = json.loads(r.out)[0]
    assert isinstance(doc, dict)
    return doc


def edited_file(case: Case, ctx: Path) -> str | None:
    """The file the cache check edits: the case's own choice, else the one the earliest COPY
    selects (the miss then reaches the most steps after it)."""
    if case.edit:
        return case.edit
    stages = built_stages(parse_stages((ctx / "Dockerfile").read_text()), case.target)
    order = [step.text for stage in stages for step in stage.steps]
    best: tuple[int, str] | None = None
    for path in sorted(p for p in ctx.rglob("*") if p.is_file()):
        rel = path.relative_to(ctx).as_posix()
        copy = first_copy_of(stages, rel) if rel not in ("Dockerfile", ".dockerignore") else None
        if copy is not None and (best is None or order.index(copy.text) < best[0]):
            best = order.index(copy.text), rel
    return best[1] if best else None


def _built(result: Result, what: str) -> None:
    if result.status != 0:
        group, line = first_cause(result.err)
        raise Mismatch(group, f"{what}: {line}" if what else line)


def verify(case: Case, work: Path) -> None:
    """Build the case in a fresh sandbox under `work` and check it against real Docker:
    the first build succeeds (or fails with the same kind of error), a second build is fully
    CACHED, editing a file misses exactly from the first COPY that selects it, the image has
    as many layers as BuildKit makes and a believable size. Raises `Mismatch` otherwise."""
    state, ctx = work / "state", materialise(case, work / "ctx")
    first = build(state, ctx, case)
    if case.real == "fails":
        if first.status == 0:
            raise Mismatch("other", "builds here, but real Docker fails it")
        if case.real_error not in first.err:
            _built(first, "fails otherwise than real Docker")
        return
    _built(first, "")

    again = build(state, ctx, case)
    _built(again, "second build")
    stages = parse_stages((ctx / "Dockerfile").read_text())
    steps = [s for s in build_steps(again.err + again.out) if not s.text.startswith("FROM ")]
    missed = [s.text for s in steps if not s.cached]
    # a target with no step of its own (FROM and CMD alone) has nothing to cache
    making = any(step.keyword in ("RUN", "COPY", "ADD", "WORKDIR")
                 for stage in built_stages(stages, case.target) for step in stage.steps)
    if (making and not steps) or missed:
        raise Mismatch("other", f"second build not fully CACHED: {missed[:3]}")

    rel = edited_file(case, ctx)
    copy = first_copy_of(built_stages(stages, case.target), rel) if rel else None
    if rel is not None and copy is not None:
        with (ctx / rel).open("a") as f:
            f.write("\n")
        edited = build(state, ctx, case)
        _built(edited, f"build after editing {rel}")
        log = build_steps(edited.err + edited.out)
        hit = [s for s in log if normal(s.text) == normal(copy.text)]
        if not hit or hit[0].cached:
            raise Mismatch("other", f"editing {rel} did not miss at {copy.text!r}")
        before = [s.text for s in log if s.label == hit[0].label and s.index < hit[0].index
                  and not s.text.startswith("FROM ") and not s.cached]
        if before:
            raise Mismatch("other", f"editing {rel} missed before its COPY: {before[:3]}")

    base, low, high = layer_bounds(stages, case.target)
    image = _inspect(state, ctx, "corpus:case")
    layers = len(image["RootFS"]["Layers"])  # type: ignore[index]
    base_layers, base_size = 0, 0
    if base != "scratch":
        base_image = _inspect(state, ctx, base)
        base_layers = len(base_image["RootFS"]["Layers"])  # type: ignore[index]
        base_size = int(base_image["Size"])  # type: ignore[call-overload]
    if not base_layers + low <= layers <= base_layers + high:
        raise Mismatch("other", f"{layers} layers; BuildKit makes {base_layers} from {base} "
                                f"+ {low}..{high}")
    size = int(image["Size"])  # type: ignore[call-overload]
    # the image's own config and manifest replace the base's, and may weigh a little less
    if not base_size - METADATA_SLACK <= size < base_size + 4 * GB:
        raise Mismatch("other", f"size {size} is not believable over {base}'s {base_size}")


# -- the manifest --------------------------------------------------------------------------

HEADER = """\
# The corpus: real Dockerfiles, each kept verbatim in tests/corpus/<name>/Dockerfile under a
# header naming its source repository, path and commit, with a minimal context (dependency
# lists verbatim, large lock files gzip-compressed and expanded by the harness; application
# sources replaced by short stand-ins that keep what the build and the run depend on).
#
# real: what real Docker 29 (BuildKit) does with the case: "builds", or "fails" with
#   real_error in its error output (note says why). target: the stage the project's compose
#   file builds. engine: "xfail" while the engine cannot yet do what real Docker does; reason
#   is the first cause, cause its group (base-image, package, program, other).
# `python -m tests.corpus.report --update` rewrites the engine/cause/reason fields.
"""


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_manifest(cases: list[Case], path: Path = MANIFEST) -> None:
    out = [HEADER]
    for c in cases:
        out.append("[[case]]")
        for key in ("name", "source", "path", "commit", "target", "edit", "real",
                    "real_error", "note", "engine", "cause", "reason"):
            value = getattr(c, key)
            if value and not (key == "engine" and value == "builds"):
                out.append(f"{key} = {_toml(value)}")
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")
