"""Gradle 8 (`gradle`, and `./gradlew` through `java`): the java plugin's task graph.

The build scripts (Groovy or Kotlin DSL) are read for what decides the outcome: the project
name (settings), group and version, the plugins (`java`, `application`,
`org.springframework.boot`) and the dependency notations. Dependencies are fetched into
`~/.gradle/caches/modules-2` as stand-ins by rule (builds.artifact), and a Spring Boot plugin
version fixes the version of Boot's own artifacts. `./gradlew` first downloads the
distribution its `gradle-wrapper.properties` names into `~/.gradle/wrapper/dists` (the weight a
multi-stage build leaves behind). Output is the plain console Gradle uses without a terminal.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field

from tutor.engine.fs import Node, Synthetic
from tutor.engine.kernel import KERNEL_RELEASE
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import builds, jvm
from tutor.engine.sh.pkg.catalogue import LINK_SPEED, put_file, read_text, remove_path, write_text

GRADLE_VERSION = "8.12.1"
_SCOPES = ("implementation", "api", "compileOnly", "runtimeOnly", "testImplementation",
           "testRuntimeOnly", "annotationProcessor", "developmentOnly", "compile", "runtime")


class GradleError(Exception):
    """What went wrong, as the `* What went wrong:` section says it."""


@dataclass
class Project:
    root: str
    name: str
    group: str
    version: str
    plugins: set[str]
    boot: str | None
    dependencies: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(configuration, group, name, version)."""
    main_class: str = ""

    @property
    def archive(self) -> str:
        return self.name if self.version == "unspecified" else f"{self.name}-{self.version}"


def _script(proc: Process, root: str, stem: str) -> str | None:
    for suffix in ("", ".kts"):
        text = read_text(proc.fs, f"{root}/{stem}.gradle{suffix}")
        if text is not None:
            return text
    return None


def read_project(proc: Process, root: str) -> Project:
    build = _script(proc, root, "build")
    settings = _script(proc, root, "settings")
    if build is None and settings is None:
        raise GradleError(f"Directory '{root}' does not contain a Gradle build.")
    build = build or ""
    named = re.search(r"rootProject\.name\s*=\s*['\"]([^'\"]+)", settings or "")
    plugins = set(re.findall(r"id\s*\(?\s*['\"]([\w.-]+)['\"]", build))
    plugins |= set(re.findall(r"apply\s+plugin:\s*['\"]([\w.-]+)['\"]", build))
    block = re.search(r"plugins\s*\{([^}]*)\}", build)  # Kotlin DSL: bare `java`, `application`
    bare = r"(?<![\w.'\"-])`?([\w-]+)`?(?![\w.'\"(-])"
    words = set(re.findall(bare, block[1])) if block else set()
    plugins |= {p for p in ("java", "application", "java-library") if p in words}
    boot = re.search(r"id\s*\(?\s*['\"]org\.springframework\.boot['\"]\s*\)?\s*version\s*"
                     r"['\"]([^'\"]+)", build)

    def value(key: str) -> str:
        found = re.search(rf"^\s*{key}\s*=\s*['\"]([^'\"]+)['\"]", build, re.M)
        return found[1] if found else ""

    project = Project(root, named[1] if named else posixpath.basename(root), value("group"),
                      value("version") or "unspecified", plugins, boot[1] if boot else None)
    main = re.search(r"mainClass(?:\.set\()?\s*=?\s*\(?['\"]([\w.]+)['\"]", build)
    project.main_class = main[1] if main else ""
    notation = re.compile(rf"\b({'|'.join(_SCOPES)})\s*\(?\s*['\"]([^'\"]+)['\"]")
    for scope, text in notation.findall(build):
        parts = text.split(":")
        if len(parts) < 2:
            continue
        version = parts[2] if len(parts) > 2 else ""
        if not version and project.boot and parts[0].startswith("org.springframework.boot"):
            version = project.boot
        project.dependencies.append((scope, parts[0], parts[1], version))
    return project


# -- tasks ------------------------------------------------------------------------------------


@dataclass
class Run:
    proc: Process
    project: Project
    excluded: set[str]
    lines: list[str] = field(default_factory=list)
    executed: int = 0
    up_to_date: int = 0

    def task(self, name: str, state: str = "", action: bool = True) -> None:
        self.lines.append(f"> Task :{name}" + (f" {state}" if state else ""))
        if action and not state:
            self.executed += 1
        elif action and state == "UP-TO-DATE":
            self.up_to_date += 1


def _graph(project: Project, requested: list[str]) -> list[str]:
    """The tasks `requested` runs, in Gradle's execution order for the java plugin."""
    boot = project.boot is not None
    build = ["compileJava", "processResources", "classes"]
    if boot:
        build += ["resolveMainClassName", "bootJar"]
    build += ["jar"]
    if "application" in project.plugins and not boot:
        build += ["startScripts", "distTar", "distZip"]
    elif boot:
        build += ["bootStartScripts", "bootDistTar", "bootDistZip", "startScripts", "distTar",
                  "distZip"] if "application" in project.plugins else []
    build += ["assemble", "compileTestJava", "processTestResources", "testClasses", "test",
              "check", "build"]
    order: list[str] = []
    for task in requested:
        if task == "clean":
            order.append("clean")
            continue
        if task not in build:
            raise GradleError(f"Task '{task}' not found in root project '{project.name}'.")
        upto = build[: build.index(task) + 1]
        if task in ("bootJar", "jar"):
            upto = [t for t in upto if t in ("compileJava", "processResources", "classes",
                                             "resolveMainClassName", task)]
        order += [t for t in upto if t not in order]
    return order


def _fetch(proc: Process, project: Project) -> list[tuple[str, builds.Artifact]]:
    home = proc.env.get("GRADLE_USER_HOME") or f"{proc.env.get('HOME') or '/root'}/.gradle"
    cache = f"{home}/caches/modules-2/files-2.1"
    fetched = []
    for scope, group, name, version in project.dependencies:
        low, high = (3_000_000, 15_000_000) if "starter" in name else (20_000, 2_000_000)
        art = builds.artifact("maven", group, name, version or None, low, high)
        digest = hashlib.sha1(f"{group}:{name}:{art.version}".encode()).hexdigest()
        path = f"{cache}/{group}/{name}/{art.version}/{digest}/{name}-{art.version}.jar"
        if path not in proc.fs:
            put_file(proc.fs, path, Node("file", 0o644, content=Synthetic(art.size, path)))
            pom = f"{cache}/{group}/{name}/{art.version}/{digest[::-1]}/{name}-{art.version}.pom"
            write_text(proc.fs, pom, f"<project><artifactId>{name}</artifactId></project>\n")
            proc.spend(0.1 + art.size / LINK_SPEED)
        fetched.append((scope, art))
    return fetched


def run_build(proc: Process, project: Project, requested: list[str], excluded: set[str]) -> Run:
    run = Run(proc, project, excluded)
    root = project.root
    sources = builds.source_files(proc, f"{root}/src/main/java", ".java") + \
        builds.source_files(proc, f"{root}/src/main/kotlin", ".kt")
    tests = builds.source_files(proc, f"{root}/src/test/java", ".java")
    resources = builds.source_files(proc, f"{root}/src/main/resources", "")
    record = builds.describe_java(sources, "\n".join(resources))
    if project.main_class:
        record["main"] = project.main_class
    deps: list[tuple[str, builds.Artifact]] = []
    for task in _graph(project, requested):
        if task in excluded:
            continue
        if task == "clean":
            run.task("clean", "" if f"{root}/build" in proc.fs else "UP-TO-DATE")
            remove_path(proc.fs, f"{root}/build")
        elif task == "compileJava":
            deps = _fetch(proc, project)
            run.task(task, "" if sources else "NO-SOURCE")
            proc.spend(2.0 + 0.4 * len(sources))
            for i, text in enumerate(sources):
                klass = re.search(r"\bclass\s+(\w+)", text)
                package = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
                folder = package[1].replace(".", "/") + "/" if package else ""
                builds.write_bytes(proc.fs, f"{root}/build/classes/java/main/{folder}"
                                   f"{klass[1] if klass else f'Source{i}'}.class",
                                   jvm.CLASS_MAGIC + builds.fingerprint(text).encode())
        elif task in ("processResources", "processTestResources"):
            have = resources if task == "processResources" else []
            run.task(task, "" if have else "NO-SOURCE")
        elif task in ("classes", "testClasses", "assemble", "check", "build"):
            state = "UP-TO-DATE" if task == "testClasses" and not tests else ""
            run.task(task, state, action=False)
        elif task == "compileTestJava":
            run.task(task, "" if tests else "NO-SOURCE")
        elif task == "test":
            run.task(task, "" if tests else "NO-SOURCE")
            proc.spend(3.0 if tests else 0)
        elif task == "resolveMainClassName":
            run.task(task)
        elif task in ("jar", "bootJar"):
            run.task(task)
            _write_jar(proc, project, task, record, deps)
        else:
            run.task(task)
    return run


def _write_jar(proc: Process, project: Project, task: str, record: builds.Record,
               deps: list[tuple[str, builds.Artifact]]) -> None:
    libs = f"{project.root}/build/libs"
    classes = [builds.JarEntry(p.removeprefix(f"{project.root}/build/classes/java/main/"), 600, p)
               for p in sorted(proc.fs.walk(f"{project.root}/build/classes/java/main"))
               if p.endswith(".class")] if f"{project.root}/build/classes/java/main" in (
        proc.fs) else []
    if task == "jar":
        name = f"{project.archive}-plain.jar" if project.boot else f"{project.archive}.jar"
        manifest = {"Main-Class": str(record["main"])} if record.get("main") and (
            not project.boot) else {}
        builds.write_bytes(proc.fs, f"{libs}/{name}", builds.jar(record, classes, manifest))
        return
    runtime = [a for scope, a in deps if scope in ("implementation", "api", "runtimeOnly",
                                                    "compile", "runtime")]
    nested = [builds.JarEntry(f"BOOT-INF/lib/{a.name}-{a.version}.jar", a.size, a.ident)
              for a in runtime]
    loader = [builds.JarEntry("org/springframework/boot/loader/launch/JarLauncher.class",
                              310_000, f"boot-loader:{project.boot}")]
    inner = [builds.JarEntry(f"BOOT-INF/classes/{c.name}", c.size, c.seed) for c in classes]
    builds.write_bytes(proc.fs, f"{libs}/{project.archive}.jar", builds.jar(
        {**record, "boot": project.boot}, loader + inner + nested,
        {"Main-Class": "org.springframework.boot.loader.launch.JarLauncher",
         "Start-Class": str(record.get("main") or ""),
         "Spring-Boot-Version": str(project.boot)}))
    proc.spend(1.0 + sum(a.size for a in runtime) / 200e6)


def _failure(proc: Process, message: str) -> int:
    proc.err(f"\nFAILURE: Build failed with an exception.\n\n* What went wrong:\n{message}\n\n"
             "* Try:\n> Run with --stacktrace option to get the stack trace.\n"
             "> Run with --info or --debug option to get more log output.\n"
             "> Run with --scan to get full insights.\n"
             "> Get more help at https://help.gradle.org.\n\n"
             f"BUILD FAILED in {max(1, round(proc.seconds))}s\n")
    return 1


def gradle_main(proc: Process, version: str = GRADLE_VERSION) -> int:
    args = proc.argv[1:]
    if args[:1] in (["-v"], ["--version"]):
        proc.out(f"\n{'-' * 60}\nGradle {version}\n{'-' * 60}\n\n"
                 f"Kotlin:        2.0.21\nGroovy:        3.0.22\n"
                 f"JVM:           {jvm.jdk(proc)[1]} (Eclipse Adoptium {jvm.jdk(proc)[1]})\n"
                 f"OS:            Linux {KERNEL_RELEASE} amd64\n\n")
        return 0
    requested: list[str] = []
    excluded: set[str] = set()
    daemon = True
    quiet = False
    root = proc.cwd
    it = iter(args)
    for arg in it:
        if arg in ("-x", "--exclude-task"):
            excluded.add(next(it, "").lstrip(":"))
        elif arg == "--no-daemon":
            daemon = False
        elif arg in ("-q", "--quiet"):
            quiet = True
        elif arg in ("-p", "--project-dir"):
            root = posixpath.normpath(posixpath.join(proc.cwd, next(it, ".")))
        elif not arg.startswith("-"):
            requested.append(arg.lstrip(":"))
    requested = requested or ["help"]
    try:
        project = read_project(proc, root)
        if requested == ["help"]:
            proc.out(f"\n> Task :help\n\nWelcome to Gradle {version}.\n\n"
                     "To run a build, run gradle <task> ...\n\nBUILD SUCCESSFUL in 1s\n"
                     "1 actionable task: 1 executed\n")
            return 0
        if not quiet:
            if daemon:
                proc.out("Starting a Gradle Daemon (subsequent builds will be faster)\n")
            else:
                proc.out("To honour the JVM settings for this build a single-use Daemon process "
                         "will be forked. For more on this, please refer to https://docs.gradle"
                         f".org/{version}/userguide/gradle_daemon.html#sec:disabling_the_daemon "
                         "in the Gradle documentation.\nDaemon will be stopped at the end of the "
                         "build \n")
        proc.spend(4.0)
        run = run_build(proc, project, requested, excluded)
    except GradleError as exc:
        return _failure(proc, str(exc))
    if not quiet:
        proc.out("".join(line + "\n" for line in run.lines))
        total = run.executed + run.up_to_date
        word = "task" if total == 1 else "tasks"
        parts = [f"{run.executed} executed"] + ([f"{run.up_to_date} up-to-date"]
                                                 if run.up_to_date else [])
        proc.out(f"\nBUILD SUCCESSFUL in {max(1, round(proc.seconds))}s\n"
                 f"{total} actionable {word}: {', '.join(parts)}\n")
    return 0


@program("gradle")
def gradle(proc: Process) -> int:
    return gradle_main(proc)


def wrapper(proc: Process) -> int:
    """`org.gradle.wrapper.GradleWrapperMain`: fetch the distribution the project pins (once
    per user), then run it."""
    properties = read_text(proc.fs, f"{proc.cwd}/gradle/wrapper/gradle-wrapper.properties") or ""
    url = re.search(r"^distributionUrl\s*=\s*(\S+)", properties, re.M)
    address = (url[1].replace("\\:", ":") if url else
               f"https://services.gradle.org/distributions/gradle-{GRADLE_VERSION}-bin.zip")
    version = re.search(r"gradle-([\d.]+(?:-[\w.]+)?)-(?:bin|all)\.zip", address)
    pinned = version[1] if version else GRADLE_VERSION
    home = proc.env.get("GRADLE_USER_HOME") or f"{proc.env.get('HOME') or '/root'}/.gradle"
    stem = posixpath.basename(address).removesuffix(".zip")
    digest = hashlib.md5(address.encode()).hexdigest()[:25]  # noqa: S324 (a folder name)
    folder = f"{home}/wrapper/dists/{stem}/{digest}"
    if f"{folder}/gradle-{pinned}/bin/gradle" not in proc.fs:
        proc.out(f"Downloading {address}\n" + "".join(
            "." * 11 + f"{p}%" for p in range(10, 101, 10)) + "\n\n")
        size = 137_000_000 if stem.endswith("bin") else 210_000_000
        put_file(proc.fs, f"{folder}/{stem}.zip", Node("file", 0o644,
                                                       content=Synthetic(size, address)))
        write_text(proc.fs, f"{folder}/{stem}.zip.ok", "")
        write_text(proc.fs, f"{folder}/gradle-{pinned}/bin/gradle", "#!/bin/sh\n", mode=0o755)
        put_file(proc.fs, f"{folder}/gradle-{pinned}/lib/gradle-launcher-{pinned}.jar",
                 Node("file", 0o644, content=Synthetic(int(size * 1.1), f"lib:{address}")))
        proc.spend(size / LINK_SPEED + 2.0)
    return gradle_main(proc, pinned)


jvm.WRAPPER_MAINS["org.gradle.wrapper.GradleWrapperMain"] = wrapper
