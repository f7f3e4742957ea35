"""`java` and `javac` of the Eclipse Temurin images: versions, `java -jar`, source launch.

The JDK's version comes from the image's `JAVA_VERSION` (`jdk-21.0.5+11`), as Temurin's
Dockerfiles set it. `java -jar app.jar` plays the jar a build here wrote (builds.py); a jar
with a `Main-Class` but no readable record starts and ends without output.
"""

from __future__ import annotations

import json
import posixpath
import re

from tutor.engine.fs import FsError
from tutor.engine.sh._api import Process, Program, program
from tutor.engine.sh.pkg import builds
from tutor.engine.sh.pkg.catalogue import read_text

DEFAULT_JDK = "jdk-21.0.5+11"
WRAPPER_MAINS: dict[str, Program] = {}
"""Main classes other modules simulate (`org.gradle.wrapper.GradleWrapperMain`)."""

_RELEASE_DATES = {"25": "2025-09-16", "21": "2024-10-15", "17": "2024-10-15",
                  "11": "2024-10-15", "8": "2024-10-15"}


def jdk(proc: Process) -> tuple[str, str]:
    """(`21.0.5`, `21.0.5+11`) from JAVA_VERSION (Temurin writes `jdk-21.0.5+11`)."""
    raw = proc.env.get("JAVA_VERSION", DEFAULT_JDK).removeprefix("jdk-").removeprefix("jdk")
    if raw.startswith("8u"):  # jdk8u432-b06
        return raw, raw
    return raw.split("+")[0], raw


def _version_lines(proc: Process, long_form: bool) -> str:
    short, build = jdk(proc)
    feature = short.split(".")[0]
    date = _RELEASE_DATES.get(feature, "2024-10-15")
    lts = " LTS" if feature in ("8", "11", "17", "21", "25") else ""
    head = f"openjdk {short} {date}{lts}" if long_form else (
        f'openjdk version "{short}" {date}{lts}')
    tag = f"{build}{lts.replace(' ', '-')}"
    return (f"{head}\nOpenJDK Runtime Environment Temurin-{build} (build {tag})\n"
            f"OpenJDK 64-Bit Server VM Temurin-{build} (build {tag}, mixed mode, sharing)\n")


@program("java")
def java(proc: Process) -> int:
    args = proc.argv[1:]
    classpath = proc.env.get("CLASSPATH", ".")
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-version":
            proc.err(_version_lines(proc, False))
            return 0
        if arg in ("--version", "-showversion"):
            proc.out(_version_lines(proc, True))
            return 0
        if arg == "-jar":
            if i + 1 >= len(args):
                proc.err("Error: -jar requires jar file specification\n")
                return 1
            return _run_jar(proc, args[i + 1])
        if arg in ("-cp", "-classpath", "--class-path"):
            classpath = args[i + 1] if i + 1 < len(args) else "."
            i += 2
            continue
        if arg in ("-p", "--module-path"):
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        if arg.endswith(".java"):
            return _run_source(proc, arg)
        target = WRAPPER_MAINS.get(arg)
        if target is not None:
            proc.argv = [arg, *args[i + 1:]]
            return target(proc)
        record = _find_class(proc, classpath, arg)
        if record is not None:
            return builds.play(proc, record)
        proc.err(f"Error: Could not find or load main class {arg}\n"
                 f"Caused by: java.lang.ClassNotFoundException: {arg}\n")
        return 1
    proc.err("Usage: java [options] <mainclass> [args...]\n"
             "           (to execute a class)\n"
             "   or  java [options] -jar <jarfile> [args...]\n"
             "           (to execute a jar file)\n")
    return 1


CLASS_MAGIC = b"\xca\xfe\xba\xbe\x00\x00\x00\x41"
"""A class file's magic and version 65 (Java 21); a class javac wrote here then carries the
record of what its `main` does (builds.py)."""


def _find_class(proc: Process, classpath: str, name: str) -> builds.Record | None:
    rel = name.replace(".", "/") + ".class"
    for entry in classpath.split(":"):
        path = posixpath.normpath(posixpath.join(proc.cwd, entry or ".", rel))
        try:
            _, node = proc.fs.lookup(path)
        except FsError:
            continue
        data = node.content.read() if node.content is not None else b""
        if data.startswith(CLASS_MAGIC):
            try:
                value = json.loads(data[len(CLASS_MAGIC):])
            except ValueError:
                return None
            return value if isinstance(value, dict) and value.get("main") else None
    return None


def _run_jar(proc: Process, path: str) -> int:
    try:
        _, node = proc.fs.lookup(path, proc.cwd)
    except FsError:
        proc.err(f"Error: Unable to access jarfile {path}\n")
        return 1
    data = node.content.read() if node.content is not None and node.type == "file" else b""
    record = builds.read_jar(data)
    if record is None:
        proc.err(f"Error: Invalid or corrupt jarfile {path}\n")
        return 1
    if not record.get("main"):
        proc.err(f"no main manifest attribute, in {path}\n")
        return 1
    return builds.play(proc, record)


def _run_source(proc: Process, path: str) -> int:
    """`java Hello.java`: the source-file launcher compiles in memory and runs."""
    full = posixpath.normpath(posixpath.join(proc.cwd, path))
    text = read_text(proc.fs, full)
    if text is None:
        proc.err(f"error: file not found: {path}\n")
        return 1
    record = builds.describe_java([text])
    if not record.get("main"):
        proc.err(f"error: can't find main(String[]) method in class: "
                 f"{posixpath.basename(path).removesuffix('.java')}\n")
        return 1
    proc.spend(0.8)
    return builds.play(proc, record)


@program("javac")
def javac(proc: Process) -> int:
    """`javac -version`, and compiling: each source's classes land beside it (or in `-d`)."""
    args = proc.argv[1:]
    if args[:1] in (["-version"], ["--version"]):
        proc.out(f"javac {jdk(proc)[0]}\n")
        return 0
    out_dir = ""
    sources = []
    it = iter(args)
    for arg in it:
        if arg == "-d":
            out_dir = next(it, "")
        elif arg in ("-cp", "-classpath", "--release", "-source", "-target", "-encoding"):
            next(it, None)
        elif arg.endswith(".java"):
            sources.append(arg)
    if not sources:
        proc.err("error: no source files\n")
        return 2
    for source in sources:
        full = posixpath.normpath(posixpath.join(proc.cwd, source))
        text = read_text(proc.fs, full)
        if text is None:
            proc.err(f"error: file not found: {source}\nUsage: javac <options> <source files>\n"
                     "use --help for a list of possible options\n")
            return 2
        package = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
        for klass in re.findall(r"\b(?:class|interface|enum|record)\s+(\w+)", text) or [
                posixpath.basename(source).removesuffix(".java")]:
            if out_dir:
                folder = posixpath.join(proc.cwd, out_dir, *(package[1].split(".") if package
                                                             else []))
            else:
                folder = posixpath.dirname(full)
            record = builds.describe_java([text])
            builds.write_bytes(proc.fs, f"{folder}/{klass}.class", CLASS_MAGIC + json.dumps(
                record, sort_keys=True).encode())
        proc.spend(0.6)
    return 0
