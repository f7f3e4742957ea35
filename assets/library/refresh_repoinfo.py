"""Generate assets/library/repo-info/<name>.json.gz from docker-library/repo-info.

docker-library/repo-info publishes, per official image tag, two Markdown files:

- ``repos/<name>/remote/<tag>.md``: read from the registry; per platform the manifest digest,
  Image ID, total compressed size, Entrypoint and Cmd, the image's full history (one
  ``# <date>`` line, then the ``created_by`` text) and each layer's compressed size.
- ``repos/<name>/local/<tag>.md``: read from the pulled image; Image ID, Created, the on-disk
  ("Virtual") size, Env and the installed packages (apk or dpkg).

This script parses one or more directories laid out like repo-info's ``repos/`` (a clone, or
files saved one by one) and writes one gzip-compressed JSON document per repository in the
format described in the project notes on the generated image library. Stdlib only, so it runs
anywhere::

    python assets/library/refresh_repoinfo.py --commit SHA --date 2026-12-07 REPOS [REPOS ...]

When several directories are given (e.g. a current checkout and an older one holding retired
tags), the first one that has a tag wins that tag; an image left with no tag of its own is
still used to recognise the base of other images, but not written.

Output is deterministic: sorted keys, images sorted by first tag, gzip mtime 0.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SOURCE_NAME = "docker-library/repo-info"

# "# Mon, 09 Jan 2023 17:05:20 GMT": the line repo-info writes before each history entry.
_DATE_LINE = re.compile(r"^# ([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}) GMT$")
_TAG_HEADER = re.compile(r"^#{1,3} `([^`]+)`")
_SECTION = re.compile(r"^### `([^`]+)` - (.+)$")
_BYTES = re.compile(r"\((\d+) bytes\)")
_SMALL = re.compile(r"\b(\d+(?:\.\d+)?) B\b")  # sizes under 1 kB are printed only as "450.0 B"
_VIRTUAL = re.compile(r"~\s*([\d.]+)\s*([KMGT]?)b", re.IGNORECASE)

# repo-info's platform names -> the official-images architecture spelling.
_ARCH = {
    "linux; amd64": "amd64",
    "linux; arm variant v5": "arm32v5",
    "linux; arm variant v6": "arm32v6",
    "linux; arm variant v7": "arm32v7",
    "linux; arm64 variant v8": "arm64v8",
    "linux; 386": "i386",
    "linux; ppc64le": "ppc64le",
    "linux; s390x": "s390x",
    "linux; riscv64": "riscv64",
    "linux; mips64le": "mips64le",
    "windows; amd64": "windows-amd64",
}

# Dockerfile instructions that only change the image config: no layer (classic builder and
# BuildKit alike). RUN, ADD and COPY make a layer.
_CONFIG_ONLY = {
    "ENV", "CMD", "LABEL", "EXPOSE", "WORKDIR", "ENTRYPOINT", "USER", "ARG", "STOPSIGNAL",
    "VOLUME", "ONBUILD", "HEALTHCHECK", "SHELL", "MAINTAINER",
}

# Virtual sizes are printed with two decimals of decimal units ("~ 7.04 Mb"), like docker images.
_UNIT = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


@dataclass
class Remote:
    """The amd64 section (and platform list) of one remote/<tag>.md file."""

    repository: str
    tag: str
    architectures: list[str]
    digest: str  # amd64 manifest digest, used to find aliases
    image_id: str
    total: int
    entrypoint: list[str] | None
    cmd: list[str] | None
    history: list[tuple[str, str]]  # (RFC 1123 date, created_by)
    layers: list[tuple[str, int]]  # (blob digest, compressed size)


@dataclass
class Local:
    """Metadata read from one local/<tag>.md file."""

    image_id: str
    size: int | None
    env: list[str] | None
    entrypoint: list[str] | None
    cmd: list[str] | None
    packages: dict[str, Any] | None
    labels: dict[str, str] | None = None


@dataclass
class Image:
    repository: str
    remote: Remote
    tags: set[str] = field(default_factory=set)
    local: Local | None = None
    source_commit: str | None = None  # repo-info commit the remote file was read at, if known


def _json_list(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _size(line: str) -> int | None:
    if m := _BYTES.search(line):
        return int(m.group(1))
    if m := _SMALL.search(line):
        return int(float(m.group(1)))
    return None


def parse_remote(text: str, repository: str) -> Remote | None:
    """Parse a remote file; None when it has no linux/amd64 image."""
    lines = text.split("\n")
    header = _TAG_HEADER.match(lines[0]) if lines else None
    if not header:
        return None
    tag = header.group(1).split(":", 1)[-1]
    architectures: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].startswith("### "):
        item = lines[i].strip().lstrip("-").strip()
        indented = lines[i].startswith(("\t", " "))
        # Windows entries carry the OS build: "windows version 10.0.20348.5386; amd64".
        if item.startswith("windows version ") and item.endswith("; amd64"):
            item = "windows; amd64"
        if indented and item in _ARCH and _ARCH[item] not in architectures:
            architectures.append(_ARCH[item])
        i += 1
    # Find the linux; amd64 section.
    while i < len(lines):
        m = _SECTION.match(lines[i])
        if m and m.group(2).strip() == "linux; amd64":
            break
        i += 1
    else:
        return None
    end = i + 1
    while end < len(lines) and not lines[end].startswith("### "):
        end += 1
    section = lines[i + 1 : end]
    digest = image_id = ""
    total = 0
    entrypoint = cmd = None
    history: list[tuple[str, str]] = []
    layers: list[tuple[str, int]] = []
    j = 0
    while j < len(section):
        line = section[j]
        stripped = line.strip()
        if stripped.startswith("$ docker pull ") and "@" in stripped:
            digest = stripped.rsplit("@", 1)[1]
        elif stripped.startswith("-\tTotal Size:") or stripped.startswith("- Total Size:"):
            total = _size(stripped) or 0
        elif "Image ID:" in stripped and stripped.startswith("-"):
            image_id = stripped.split("`")[1] if "`" in stripped else ""
        elif stripped.startswith("-") and "Entrypoint:" in stripped and "`" in stripped:
            entrypoint = _json_list(stripped.split("`", 1)[1].rsplit("`", 1)[0])
        elif stripped.startswith("-") and "Default Command:" in stripped and "`" in stripped:
            cmd = _json_list(stripped.split("`", 1)[1].rsplit("`", 1)[0])
        elif stripped == "```dockerfile":
            j += 1
            body: list[str] | None = None
            date = ""
            while j < len(section) and section[j] != "```":
                m = _DATE_LINE.match(section[j])
                if m:
                    if body is not None:
                        history.append((date, "\n".join(body)))
                    date, body = m.group(1), []
                elif body is not None:
                    body.append(section[j])
                j += 1
            if body is not None:
                history.append((date, "\n".join(body)))
        elif stripped.startswith("-\tLayers:") or stripped == "- Layers:":
            j += 1
            while j < len(section):
                item = section[j].strip()
                if item.startswith("-") and "`sha256:" in item:
                    blob = item.split("`")[1]
                    size = None
                    k = j + 1
                    while k < len(section) and not section[k].strip().startswith("-"):
                        if section[k].strip().startswith("Size:"):
                            size = _size(section[k])
                        k += 1
                    if size is not None:
                        layers.append((blob, size))
                    j = k
                    continue
                j += 1
            break
        j += 1
    if not image_id:
        return None
    return Remote(repository, tag, architectures or ["amd64"], digest, image_id, total,
                  entrypoint, cmd, history, layers)


def _apk_packages(lines: list[str]) -> list[str]:
    found: list[str] = []
    name = ""
    for line in lines:
        m = re.match(r"^### `apk` package: `([^`]+)`", line)
        if m:
            name = m.group(1)
            continue
        if name and line.startswith(name + "-") and line.endswith(" description:"):
            found.append(f"{name} {line[len(name) + 1 : -len(' description:')]}")
            name = ""
    return found


def _dpkg_packages(lines: list[str]) -> list[str]:
    found: list[str] = []
    binaries = False
    for line in lines:
        if line.startswith("### "):
            binaries = False
        elif line.strip() == "Binary Packages:":
            binaries = True
        elif binaries and re.match(r"^[-*] `[^`]+=[^`]+`$", line.strip()):
            spec = line.strip()[3:-1]
            name, version = spec.split("=", 1)
            found.append(f"{name.split(':', 1)[0]} {version}")
        elif binaries and line.strip() and not line.strip().startswith(("-", "*")):
            binaries = False
    return sorted(set(found))


def parse_local(text: str) -> Local | None:
    lines = text.split("\n")
    image_id = ""
    size = None
    env: list[str] | None = None
    labels: dict[str, str] | None = None
    entrypoint = cmd = None
    i = 0
    while i < len(lines) and not lines[i].startswith("## `"):
        line = lines[i]
        item = line.strip()[2:] if line.strip()[:2] in ("- ", "* ") else ""
        if not line.startswith((" ", "\t")):
            if item.startswith("Image ID:") and "`" in item:
                image_id = item.split("`")[1]
            elif item.startswith("Virtual Size:") and (m := _VIRTUAL.search(item)):
                size = round(float(m.group(1)) * _UNIT[m.group(2).upper()])
            elif item.startswith("Entrypoint:") and "`" in item:
                entrypoint = _json_list(item.split("`", 1)[1].rsplit("`", 1)[0])
            elif item.startswith("Command:") and "`" in item:
                cmd = _json_list(item.split("`", 1)[1].rsplit("`", 1)[0])
            elif item.startswith(("Environment:", "Labels:")):
                values = []
                while i + 1 < len(lines) and lines[i + 1].startswith((" ", "\t")):
                    i += 1
                    value = lines[i].strip()[2:].strip()
                    if value.startswith("`") and value.endswith("`"):
                        values.append(value[1:-1])
                if item.startswith("Labels:"):
                    labels = dict(v.split("=", 1) for v in values if "=" in v)
                else:
                    env = values
        i += 1
    if not image_id:
        return None
    rest = lines[i:]
    packages = None
    if rest and rest[0].startswith("## `apk`"):
        packages = {"format": "apk", "list": _apk_packages(rest)}
    elif rest and rest[0].startswith("## `dpkg`"):
        packages = {"format": "dpkg", "list": _dpkg_packages(rest)}
    if packages is not None and not packages["list"]:
        packages = None
    return Local(image_id, size, env, entrypoint, cmd, packages, labels)


def makes_layer(created_by: str) -> bool:
    """Whether a history entry, as repo-info prints it, produced a filesystem layer."""
    text = created_by.strip()
    if text.startswith("/bin/sh -c #(nop)"):
        words = text[len("/bin/sh -c #(nop)") :].split(None, 1)
        return bool(words) and words[0].upper() in ("ADD", "COPY")
    first = text.split(None, 1)[0] if text else ""
    return first.upper() not in _CONFIG_ONLY


def layer_flags(history: list[str], layers: int) -> list[bool]:
    """Which history entries made a layer, reconciled with the number of layers published.

    BuildKit records a layer for WORKDIR when it had to create (or touch) the directory,
    even an empty one (the 32-byte empty tar); the classic builder never did. When an image
    built by BuildKit has exactly as many layers too many as it has WORKDIR steps, those
    steps are the ones that made them.
    """
    made = [makes_layer(created_by) for created_by in history]
    workdirs = [i for i, text in enumerate(history) if text.strip().startswith("WORKDIR ")]
    buildkit = any(text.rstrip().endswith("# buildkit") for text in history)
    if buildkit and workdirs and layers - sum(made) == len(workdirs):
        for i in workdirs:
            made[i] = True
    return made


def _iso(date: str) -> str:
    moment = datetime.strptime(date, "%a, %d %b %Y %H:%M:%S").replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _env_from_history(history: list[tuple[str, str]]) -> list[str]:
    """Env as the history's ENV steps leave it (used when no local file gives the real Env)."""
    env: dict[str, str] = {}
    for _, created_by in history:
        text = created_by.strip()
        if text.startswith("/bin/sh -c #(nop)"):
            text = text[len("/bin/sh -c #(nop)") :].strip()
        if not text.startswith("ENV "):
            continue
        body = text[4:].strip()
        first = body.split(None, 1)
        if first and "=" not in first[0]:
            env[first[0]] = first[1] if len(first) > 1 else ""  # classic "ENV KEY value"
            continue
        for pair in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', body):
            key, value = pair
            env[key] = value[1:-1] if value.startswith('"') else value
    return [f"{k}={v}" for k, v in env.items()]


def _config_from_history(history: list[tuple[str, str]]) -> dict[str, Any]:
    """WorkingDir, User, ExposedPorts, StopSignal, Volumes from the history's config steps."""
    config: dict[str, Any] = {}
    for _, created_by in history:
        text = created_by.strip()
        if text.startswith("/bin/sh -c #(nop)"):
            text = text[len("/bin/sh -c #(nop)") :].strip()
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if word == "WORKDIR" and rest:
            config["WorkingDir"] = rest
        elif word == "USER" and rest:
            config["User"] = rest
        elif word == "STOPSIGNAL" and rest:
            config["StopSignal"] = rest
        elif word == "EXPOSE" and rest:
            ports = config.setdefault("ExposedPorts", {})
            for port in re.findall(r"(\d+(?:/\w+)?)", rest.replace("map[", " ")):
                ports[port if "/" in port else f"{port}/tcp"] = {}
        elif word == "VOLUME" and rest:
            volumes = config.setdefault("Volumes", {})
            inner = rest.strip("[]")
            items = _json_list(rest) if rest.startswith('["') else inner.split()
            for volume in items or []:
                volumes[volume] = {}
    return config


def _matching_base(image: Image, candidates: list[Image]) -> Image | None:
    """The image whose layers and history are the longest proper prefix of this one's."""
    best: Image | None = None
    mine = image.remote
    for other in candidates:
        theirs = other.remote
        if other is image or not theirs.layers or len(theirs.history) >= len(mine.history):
            continue
        if theirs.image_id == mine.image_id:
            continue
        if [d for d, _ in theirs.layers] != [d for d, _ in mine.layers[: len(theirs.layers)]]:
            continue
        if [c for _, c in theirs.history] != [c for _, c in mine.history[: len(theirs.history)]]:
            continue
        if best is None or len(theirs.history) > len(best.remote.history):
            best = other
    return best


def _preferred_tag(image: Image) -> str:
    # The shortest spelling is the one Dockerfiles use (bullseye over bullseye-20230109).
    return sorted(image.tags, key=lambda t: (len(t), t))[0]


def image_document(image: Image, base: Image | None) -> dict[str, Any]:
    remote = image.remote
    made = layer_flags([created_by for _, created_by in remote.history], len(remote.layers))
    history = [
        {"created_by": created_by, "empty_layer": not layer}
        for (_, created_by), layer in zip(remote.history, made, strict=True)
    ]
    config: dict[str, Any] = _config_from_history(remote.history)
    env = image.local.env if image.local and image.local.env is not None else None
    if env is None:
        env = _env_from_history(remote.history)
    if env:
        config["Env"] = env
    entrypoint = remote.entrypoint
    cmd = remote.cmd
    if image.local is not None:
        entrypoint = entrypoint or image.local.entrypoint
        cmd = cmd or image.local.cmd
    if image.local is not None and image.local.labels:
        config["Labels"] = image.local.labels
    if entrypoint:
        config["Entrypoint"] = entrypoint
    if cmd:
        config["Cmd"] = cmd
    doc: dict[str, Any] = {
        "tags": sorted(image.tags),
        "architectures": remote.architectures,
        "history": history,
        "layers": [{"compressed": size} for _, size in remote.layers],
        "config": config,
        "from": None,
    }
    if remote.history:
        doc["created"] = _iso(remote.history[-1][0])
    if sum(made) != len(remote.layers):
        # Some builders (e.g. Ubuntu's rockcraft) record RUN steps that made no layer, so
        # which entries are empty cannot be told from the history text: say so.
        doc["history_layer_mismatch"] = True
    if base is not None:
        doc["from"] = f"{base.repository}:{_preferred_tag(base)}"
        doc["base_history"] = len(base.remote.history)
    elif image.repository in _ROOT_REPOSITORIES:
        # Operating system images start from an empty filesystem.
        doc["from"] = "scratch"
        doc["base_history"] = 0
    if image.source_commit:
        doc["source_commit"] = image.source_commit
    if image.local is not None:
        if image.local.size is not None:
            doc["size"] = image.local.size
        if image.local.packages is not None:
            doc["packages"] = image.local.packages
    return doc


# Repositories whose images are built FROM scratch with a root filesystem tarball.
_ROOT_REPOSITORIES = {"alpine", "debian", "ubuntu", "busybox"}


def load(roots: list[Path], commits: dict[str, str] | None = None) -> dict[str, list[Image]]:
    """Parse every remote/local file under the roots; tags resolved first root first."""
    by_repo: dict[str, list[Image]] = {}
    claimed: set[tuple[str, str]] = set()
    for root in roots:
        for repo_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            repository = repo_dir.name
            images = by_repo.setdefault(repository, [])
            by_digest: dict[str, Image] = {}
            remote_dir = repo_dir / "remote"
            for path in sorted(remote_dir.glob("*.md")) if remote_dir.is_dir() else []:
                remote = parse_remote(path.read_text(encoding="utf-8"), repository)
                if remote is None:
                    print(f"skipped {path}: no linux/amd64 image", file=sys.stderr)
                    continue
                image = by_digest.get(remote.digest)
                if image is None:
                    rel = f"{repository}/remote/{path.name}"
                    image = Image(repository, remote, source_commit=(commits or {}).get(rel))
                    by_digest[remote.digest] = image
                    images.append(image)
                if (repository, remote.tag) not in claimed:
                    image.tags.add(remote.tag)
                    claimed.add((repository, remote.tag))
            local_dir = repo_dir / "local"
            by_id = {image.remote.image_id: image for image in by_digest.values()}
            for path in sorted(local_dir.glob("*.md")) if local_dir.is_dir() else []:
                local = parse_local(path.read_text(encoding="utf-8"))
                if local is not None and local.image_id in by_id:
                    by_id[local.image_id].local = local
    return by_repo


def build(
    roots: list[Path], commit: str, date: str, commits: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    by_repo = load(roots, commits)
    everything = [image for images in by_repo.values() for image in images]
    documents: dict[str, dict[str, Any]] = {}
    for repository, images in sorted(by_repo.items()):
        written = [image for image in images if image.tags]
        if not written:
            continue
        docs = [
            image_document(image, _matching_base(image, everything))
            for image in written
        ]
        docs.sort(key=lambda d: d["tags"][0])
        # Files read one by one come from several commits: the repository's document then
        # names the commit of its newest image, and each image its own (source_commit).
        newest = max(written, key=lambda image: _iso(image.remote.history[-1][0])
                     if image.remote.history else "")
        documents[repository] = {
            "repository": repository,
            "source": {"name": SOURCE_NAME, "commit": newest.source_commit or commit, "date": date},
            "images": docs,
        }
    return documents


def write(documents: dict[str, dict[str, Any]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for repository, document in documents.items():
        data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        path = out / f"{repository.replace('/', '__')}.json.gz"
        # mtime=0 and no file name in the header: the same input gives the same bytes.
        with open(path, "wb") as raw, gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
        ) as gz:
            gz.write(data.encode("utf-8"))


_BEGIN = "<!-- repo-info:begin -->"
_END = "<!-- repo-info:end -->"


def sources_section(documents: dict[str, dict[str, Any]], date: str) -> str:
    """The docker-library/repo-info section of SOURCES.md: what was read, at which commit."""
    lines = [
        _BEGIN,
        "## docker-library/repo-info (`repo-info/`)",
        "",
        "- Source: github.com/docker-library/repo-info, `repos/<name>/remote/<tag>.md` (registry",
        "  metadata: platforms, history, compressed layer sizes) and `repos/<name>/local/<tag>.md`",
        "  (pulled image: Image ID, \"Virtual Size\", Env, installed packages).",
        f"- Read on {date}. The files come from several commits of the repository: the current",
        "  tags from 2026 commits, retired tags from the older snapshot `72e4be79b9c8` (January",
        "  2023). Each image records its own commit (`source_commit`); the table lists them.",
        "- `size` is the local file's \"Virtual Size\", printed there with two decimals",
        "  (\"~ 7.04 Mb\", decimal units): it is exact to 10 kB, as `docker images` shows it.",
        "- `packages` only where the local file's package list was read in full; `size`, Env and",
        "  Labels wherever a local file with the same Image ID was read.",
        "- `from`/`base_history`: the image among the files read whose layers and history are",
        "  the longest prefix of this one's (its parent, or the nearest ancestor read);",
        "  `scratch` for alpine, debian, ubuntu, busybox; null when no such image was read.",
        "- `history_layer_mismatch: true` marks images whose history has more layer-making",
        "  steps (RUN/ADD/COPY) than layers (Ubuntu's rockcraft builds record `RUN umoci ...`",
        "  steps that made none), so which entries are empty cannot be told from the text.",
        "- Refresh: `python assets/library/refresh_repoinfo.py --commit SHA --date YYYY-MM-DD",
        "  [--commits FILE] REPOS [OLDER_REPOS ...]` on a clone's `repos/` (the first tree given",
        "  owns a tag; older trees add retired tags and bases).",
        "",
        "| Repository | Tags | Commit read | Image created |",
        "|---|---|---|---|",
    ]
    for repository, document in sorted(documents.items()):
        for image in document["images"]:
            commit = image.get("source_commit") or document["source"]["commit"]
            tags = ", ".join(image["tags"])
            lines.append(f"| {repository} | {tags} | `{commit[:12]}` | {image['created'][:10]} |")
    lines.append(_END)
    return "\n".join(lines) + "\n"


def update_sources(path: Path, section: str) -> None:
    text = "# Sources of `assets/library/`\n\n"
    if path.exists():
        text = path.read_text(encoding="utf-8")
    if _BEGIN in text and _END in text:
        head, rest = text.split(_BEGIN, 1)
        text = head + section.rstrip("\n") + rest.split(_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path, help="directories laid out like repos/")
    parser.add_argument("--commit", required=True, help="repo-info commit the files came from")
    parser.add_argument("--date", required=True, help="date of that commit (YYYY-MM-DD)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "repo-info")
    parser.add_argument(
        "--commits", type=Path,
        help="optional file of '<name>/remote/<tag>.md <commit>' lines, when files were read "
        "from several commits; each image then records its own in source_commit",
    )
    args = parser.parse_args(argv)
    commits: dict[str, str] = {}
    if args.commits:
        for line in args.commits.read_text(encoding="utf-8").splitlines():
            if len(parts := line.split()) == 2:
                commits[parts[0]] = parts[1]
    documents = build(args.roots, args.commit, args.date, commits)
    write(documents, args.out)
    if args.out.resolve() == (Path(__file__).parent / "repo-info").resolve():
        update_sources(Path(__file__).parent / "SOURCES.md", sources_section(documents, args.date))
    for repository, document in documents.items():
        print(f"{repository}: {len(document['images'])} images")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
