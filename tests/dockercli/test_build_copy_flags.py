"""`COPY --parents` and `COPY/ADD --exclude`, translated from moby/buildkit
`frontend/dockerfile/dockerfile_parents_test.go` (testCopyParents, testCopyRelativeParents) and
`dockerfile_test.go` (testCopyExclude) @ v0.26.0, where both flags are out of labs (dockerfile
1.19 promoted --exclude, 1.20 --parents; Docker 29.7.2 vendors a newer BuildKit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dockercli.conftest import Docker, write

RELATIVE = """\
FROM alpine AS base
WORKDIR /test
RUN mkdir -p a/b/c/d/e a/b2/c/d/e a/b/c2/d/e a/b/c2/d/e2 && touch a/b/c/d/foo a/b/c/d/e/bay \
 a/b2/c/d/e/bar a/b/c2/d/e/baz a/b/c2/d/e2/baz

FROM alpine AS middle
COPY --from=base --parents /test/a/b/./c/d /out/
RUN [ -d /out/c/d/e ] && [ -f /out/c/d/foo ] && [ ! -d /out/a ] && [ ! -d /out/e ]

FROM alpine AS end
COPY --from=base --parents /test/a/b/c/d/. /out/
RUN [ -d /out/test/a/b/c/d/e ] && [ -f /out/test/a/b/c/d/foo ]

FROM alpine AS start
COPY --from=base --parents ./test/a/b/c/d /out/
RUN [ -d /out/test/a/b/c/d/e ] && [ -f /out/test/a/b/c/d/foo ]

FROM alpine AS double
COPY --from=base --parents /test/a/./b/./c /out/
RUN [ -d /out/b/c/d/e ] && [ -f /out/b/c/d/foo ]

FROM alpine AS wildcard
COPY --from=base --parents /test/a/./*/c /out/
RUN [ -d /out/b/c/d/e ] && [ -f /out/b2/c/d/e/bar ]

FROM alpine AS doublewildcard
COPY --from=base --parents /test/a/b*/./c/**/e /out/
RUN [ -d /out/c/d/e ] && [ -f /out/c/d/e/bay ] && [ -f /out/c/d/e/bar ]

FROM alpine AS doubleinputs
COPY --from=base --parents /test/a/b/c*/./d/**/baz /test/a/b*/./c/**/bar /out/
RUN [ -f /out/d/e/baz ] && [ ! -f /out/d/e/bay ] && [ -f /out/d/e2/baz ] && [ -f /out/c/d/e/bar ]
"""


def test_copy_parents_keeps_the_path(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {
        "Dockerfile": "FROM scratch\nCOPY --parents foo1/foo2/bar /\n"
                      "WORKDIR /test\nCOPY --parents foo1/foo2/ba* .\n",
        "foo1/foo2/bar": "testing", "foo1/foo2/baz": "testing2"})
    result = docker("build", "-o", "out", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert (ctx / "out/foo1/foo2/bar").read_text() == "testing"
    assert (ctx / "out/test/foo1/foo2/bar").read_text() == "testing"
    assert (ctx / "out/test/foo1/foo2/baz").read_text() == "testing2"
    assert not (ctx / "out/foo1/foo2/baz").exists()


@pytest.mark.parametrize("target", ["middle", "end", "start", "double", "wildcard",
                                    "doublewildcard", "doubleinputs"])
def test_copy_relative_parents(docker: Docker, tmp_path: Path, target: str) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": RELATIVE})
    result = docker("build", "--target", target, ".", cwd=ctx)
    assert result.status == 0, result.err


EXCLUDE_CONTEXT = {
    "dir1/file-101.png": "2", "dir1/file-102.txt": "3", "dir1/file-103.jpeg": "4",
    "dir2/file-201.pdf": "6", "dir2/file-202.jpeg": "7", "dir2/file-203.png": "8",
    "dir3/file-301.mp3": "9", "dir3/file-302.mpeg": "10", "dir4/file-401.txt": "11",
}
EXCLUDE_DOCKERFILE = """\
FROM scratch AS builder1
COPY --exclude=*/*.png --exclude=*/*.jpeg . /1
FROM scratch AS builder2
COPY --exclude=*/*.pdf --exclude=*/*.txt . /2
FROM scratch AS builder3
ADD --exclude=*.mp3 dir3/ /3/
FROM scratch AS builder4
COPY --exclude=*.mp3 --exclude=*.jpeg --exclude=*.png --exclude=*.pdf --exclude=*.txt dir* /4/
FROM scratch AS builder5
ADD --exclude=*.mp* --exclude=*.jpeg --exclude=*.png --exclude=*.pdf dir* /5
"""


@pytest.mark.parametrize(("target", "kept"), [
    ("builder1", ["1/dir1/file-102.txt", "1/dir2/file-201.pdf", "1/dir3/file-301.mp3",
                  "1/dir3/file-302.mpeg", "1/dir4/file-401.txt"]),
    ("builder2", ["2/dir1/file-101.png", "2/dir1/file-103.jpeg", "2/dir2/file-202.jpeg",
                  "2/dir2/file-203.png", "2/dir3/file-301.mp3", "2/dir3/file-302.mpeg"]),
    ("builder3", ["3/file-302.mpeg"]),
    ("builder4", ["4/file-302.mpeg"]),
    ("builder5", ["5/file-102.txt", "5/file-401.txt"]),
])
def test_copy_and_add_exclude(docker: Docker, tmp_path: Path, target: str,
                              kept: list[str]) -> None:
    # exclude_patterns_test.go testExcludedFilesOnCopy (its symlinks left out: the context
    # here is written as plain files); patterns match below each copied source
    ctx = write(tmp_path / "c", {**EXCLUDE_CONTEXT, "Dockerfile": EXCLUDE_DOCKERFILE})
    (ctx / ".dockerignore").write_text("Dockerfile\n.dockerignore\n")
    result = docker("build", "--target", target, "-o", "out", ".", cwd=ctx)
    assert result.status == 0, result.err
    out = ctx / "out"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == kept


@pytest.mark.parametrize("spec", ["888", "17777", "0x755"])
def test_chmod_numeric_errors_use_buildkits_wording(docker: Docker, tmp_path: Path,
                                                     spec: str) -> None:
    # convert_copy.go dispatchCopy (BuildKit v0.29+, same text in v0.26 convert.go): checked
    # while the Dockerfile is converted, so the error points at the COPY line
    ctx = write(tmp_path / "c", {"Dockerfile": f"FROM busybox\nCOPY --chmod={spec} f /f\n",
                                 "f": "x"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert ">>> COPY --chmod=" in result.err
    assert result.err.endswith(
        f"ERROR: failed to build: failed to solve: invalid chmod parameter: '{spec}'. it "
        "should be octal string and between 0 and 07777\n")


def test_chmod_symbolic_modes(docker: Docker, tmp_path: Path) -> None:
    # dockerfile_test.go testCopyChmodSymbolic-style: chmod(1) semantics with umask 022
    ctx = write(tmp_path / "c", {"Dockerfile": (
        "FROM busybox\n"
        "COPY --chmod=u+x,go-r f /a\n"
        "COPY --chmod=+x f /b\n"
        "COPY --chmod==rw,+X f /c\n"
        "COPY --chmod=+X d /d\n"
        "RUN stat -c %a /a /b /c /d > /modes\n"), "f": "x", "d/g": "y"})
    (ctx / "f").chmod(0o644)
    assert docker("build", "-t", "modes", ".", cwd=ctx).status == 0
    result = docker("run", "--rm", "modes", "cat", "/modes")
    # `=rw` with no one named is masked by the umask: 0644 (setmode)
    assert result.out.split() == ["700", "755", "644", "755"]


def test_chmod_bad_symbolic_mode(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM busybox\nCOPY --chmod=u*x f /f\n",
                                 "f": "x"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert result.err.endswith("ERROR: failed to build: failed to solve: invalid syntax\n")


def _tar(path: Path, members: dict[str, bytes]) -> None:
    import io
    import tarfile

    with tarfile.open(path, "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_add_tar_extracts_through_an_absolute_symlink(docker: Docker, tmp_path: Path) -> None:
    # alpine's /var/run is a symlink to /run: the archive's var/run/x lands in /run/x
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM alpine:3.21\nADD a.tar /\n"
                                               "RUN cat /run/x && [ -L /var/run ]\n"})
    _tar(ctx / "a.tar", {"var/run/x": b"hi"})
    result = docker("build", "--progress", "plain", ".", cwd=ctx)
    assert result.status == 0, result.err
    assert " hi\n" in result.err


def test_copy_link_into_an_existing_directory_keeps_it(docker: Docker, tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM busybox\n"
                                               "RUN mkdir -p /dir && echo old > /dir/old\n"
                                               "COPY --link f /dir/\nRUN ls /dir > /listing\n",
                                 "f": "x"})
    assert docker("build", "-t", "lk", ".", cwd=ctx).status == 0
    assert docker("run", "--rm", "lk", "cat", "/listing").out == "f\nold\n"


def test_copy_through_a_dangling_symlink_creates_its_target(docker: Docker,
                                                            tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM busybox\n"
                                               "RUN ln -s /nonexistent/deep /dlink\n"
                                               "COPY f /dlink/\n",
                                 "f": "x"})
    assert docker("build", "-t", "dl", ".", cwd=ctx).status == 0
    assert docker("run", "--rm", "dl", "cat", "/nonexistent/deep/f").out == "x"


@pytest.mark.docker_profile("28")
def test_parents_needs_labs_in_the_docker_28_frontend(docker: Docker, tmp_path: Path) -> None:
    # BuildKit v0.25 parse.go: `parents` is registered only when parentsEnabled (labs)
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM scratch\nCOPY --parents a/b /\n",
                                 "a/b": "x"})
    result = docker("build", ".", cwd=ctx)
    assert result.status == 1
    assert result.err.endswith("ERROR: failed to build: failed to solve: dockerfile parse error "
                               "on line 2: unknown flag: --parents\n")
    # the labs frontend has it
    labs = write(tmp_path / "labs", {
        "Dockerfile": "# syntax=docker/dockerfile:1.7-labs\nFROM scratch\nCOPY --parents a/b /\n",
        "a/b": "x"})
    result = docker("build", "-o", "out", ".", cwd=labs)
    assert result.status == 0, result.err
    assert (labs / "out/a/b").read_text() == "x"


def test_an_excluded_file_is_not_in_the_cache_key(docker: Docker, tmp_path: Path) -> None:
    # BuildKit checksums the source with the same ExcludePatterns it copies with
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM busybox\nCOPY --exclude=*.md . /app/\n",
                                 "app.py": "print()\n", "README.md": "v1\n"})
    assert docker("build", ".", cwd=ctx).status == 0
    (ctx / "README.md").write_text("v2\n")
    again = docker("build", "--progress", "plain", ".", cwd=ctx)
    assert re.search(r"COPY --exclude=\*\.md \. /app/\n#\d+ CACHED", again.err), again.err
    (ctx / "app.py").write_text("print(1)\n")
    changed = docker("build", "--progress", "plain", ".", cwd=ctx)
    assert not re.search(r"COPY --exclude=\*\.md \. /app/\n#\d+ CACHED", changed.err)


def test_parents_key_covers_only_what_the_pattern_includes(docker: Docker,
                                                           tmp_path: Path) -> None:
    ctx = write(tmp_path / "c", {"Dockerfile": "FROM busybox\n"
                                               "COPY --parents **/package.json /app/\n",
                                 "a/package.json": "{}", "b/package.json": "{}",
                                 "a/index.js": "1"})
    assert docker("build", "-t", "pj", ".", cwd=ctx).status == 0
    listing = docker("run", "--rm", "pj", "find", "/app", "-type", "f").out.split()
    assert sorted(listing) == ["/app/a/package.json", "/app/b/package.json"]
    (ctx / "a/index.js").write_text("2")
    again = docker("build", "--progress", "plain", ".", cwd=ctx)
    assert re.search(r"COPY --parents \*\*/package.json /app/\n#\d+ CACHED", again.err)
    (ctx / "b/package.json").write_text('{"x": 1}')
    changed = docker("build", "--progress", "plain", ".", cwd=ctx)
    assert not re.search(r"COPY --parents \*\*/package.json /app/\n#\d+ CACHED", changed.err)
