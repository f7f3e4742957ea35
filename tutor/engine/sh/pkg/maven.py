"""Apache Maven 3.9 (`mvn`, and `./mvnw` through `java`): the default lifecycle on a pom.xml.

The POM is read for real (coordinates, parent, properties, dependencies, dependencyManagement,
plugins). Dependencies and plugins are fetched into `~/.m2/repository` as stand-in artifacts by
rule (builds.artifact): Maven Central has every plausible coordinate. A Spring Boot parent fixes
the version of `org.springframework.boot` artifacts and adds the repackage step that nests the
dependencies in `BOOT-INF/lib`. Sources are not compiled: the jar holds one class entry per
class declared, and records what `main` does (builds.py) so `java -jar` can play it.
"""

from __future__ import annotations

import posixpath
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field

from tutor.engine.fs import Node, Synthetic
from tutor.engine.kernel import KERNEL_RELEASE
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import now_of
from tutor.engine.sh.pkg import builds, jvm, standin
from tutor.engine.sh.pkg.catalogue import LINK_SPEED, put_file, read_text, remove_path, write_text

CENTRAL = "https://repo.maven.apache.org/maven2"
MAVEN_VERSION = "3.9.9"
PLUGINS = {
    "clean": ("maven-clean-plugin", "3.2.0"),
    "resources": ("maven-resources-plugin", "3.3.1"),
    "compiler": ("maven-compiler-plugin", "3.13.0"),
    "surefire": ("maven-surefire-plugin", "3.2.5"),
    "jar": ("maven-jar-plugin", "3.4.1"),
    "install": ("maven-install-plugin", "3.1.2"),
    "dependency": ("maven-dependency-plugin", "3.7.0"),
    "assembly": ("maven-assembly-plugin", "3.7.1"),  # no binding: the newest, as Maven picks
}
"""Maven 3.9.9's default lifecycle bindings (org.apache.maven.plugins)."""
LIFECYCLE = ["validate", "compile", "test", "package", "verify", "install", "deploy"]
_RULE = "-" * 72


class MavenError(Exception):
    """A build failure: the [ERROR] lines and the help page Maven links."""

    def __init__(self, lines: list[str], help_page: str = "") -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines
        self.help_page = help_page


@dataclass
class Pom:
    path: str
    group: str
    artifact: str
    version: str
    packaging: str
    name: str
    properties: dict[str, str]
    parent: tuple[str, str, str] | None
    dependencies: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(groupId, artifactId, version, scope)."""
    plugins: list[tuple[str, str]] = field(default_factory=list)
    assembly: dict[str, str] = field(default_factory=dict)
    """maven-assembly-plugin's configuration: mainClass, descriptorRef, finalName,
    appendAssemblyId."""

    @property
    def boot(self) -> str | None:
        """The Spring Boot version when the project builds a Boot jar."""
        if self.parent and self.parent[1] == "spring-boot-starter-parent":
            return self.parent[2]
        if any(a == "spring-boot-maven-plugin" for _, a in self.plugins):
            return self.properties.get("spring-boot.version", "3.4.2")
        return None

    @property
    def java_release(self) -> str:
        for key in ("maven.compiler.release", "java.version", "maven.compiler.target",
                    "maven.compiler.source"):
            if key in self.properties:
                return self.properties[key]
        return "17" if self.boot else "8"


def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: ET.Element | None, name: str) -> ET.Element | None:
    if node is None:
        return None
    return next((c for c in node if _strip(c.tag) == name), None)


def _text(node: ET.Element | None, name: str) -> str:
    found = _child(node, name)
    return (found.text or "").strip() if found is not None else ""


def read_pom(proc: Process, path: str) -> Pom:
    text = read_text(proc.fs, path)
    if text is None:
        raise MavenError([
            "The goal you specified requires a project to execute but there is no POM in "
            f"this directory ({posixpath.dirname(path)}). Please verify you invoked Maven from "
            "the correct directory. -> [Help 1]"], "MissingProjectException")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        raise MavenError([
            "[ERROR] Failed to execute goal on project: Non-parseable POM "
            f"{path}: {exc} @ line {line}, column {col} -> [Help 1]"],
            "ModelParseException") from None
    parent_node = _child(root, "parent")
    parent = (_text(parent_node, "groupId"), _text(parent_node, "artifactId"),
              _text(parent_node, "version")) if parent_node is not None else None
    props: dict[str, str] = {}
    for node in _child(root, "properties") or []:
        props[_strip(node.tag)] = (node.text or "").strip()
    group = _text(root, "groupId") or (parent[0] if parent else "")
    version = _text(root, "version") or (parent[2] if parent else "")
    artifact = _text(root, "artifactId")
    props.update({"project.groupId": group, "project.artifactId": artifact,
                  "project.version": version})
    if parent:
        props["project.parent.version"] = parent[2]

    def expand(value: str) -> str:
        for _ in range(5):
            value = re.sub(r"\$\{([^}]+)\}", lambda m: props.get(m[1], m[0]), value)
        return value

    pom = Pom(path, group, artifact, expand(version), _text(root, "packaging") or "jar",
              _text(root, "name") or artifact, props, parent)
    managed: dict[tuple[str, str], str] = {}
    for dep in _child(_child(root, "dependencyManagement"), "dependencies") or []:
        managed[(_text(dep, "groupId"), _text(dep, "artifactId"))] = expand(_text(dep, "version"))
    for dep in _child(root, "dependencies") or []:
        g, a = expand(_text(dep, "groupId")), expand(_text(dep, "artifactId"))
        v = expand(_text(dep, "version")) or managed.get((g, a), "")
        if not v and pom.boot and g.startswith("org.springframework.boot"):
            v = pom.boot
        pom.dependencies.append((g, a, v, _text(dep, "scope") or "compile"))
    for plugin in _child(_child(root, "build"), "plugins") or []:
        pom.plugins.append((_text(plugin, "groupId") or "org.apache.maven.plugins",
                            _text(plugin, "artifactId")))
        if _text(plugin, "artifactId") == "maven-assembly-plugin":
            config = _child(plugin, "configuration")
            for node in config.iter() if config is not None else ():
                key = _strip(node.tag)
                if key in ("mainClass", "descriptorRef", "finalName", "appendAssemblyId"):
                    pom.assembly[key] = expand((node.text or "").strip())
    if not artifact:
        raise MavenError(["[ERROR] The build could not read 1 project -> [Help 1]",
                          f"[ERROR]   The project  ({path}) has 1 error",
                          "[ERROR]     'artifactId' is missing."], "ProjectBuildingException")
    return pom


# -- the local repository -----------------------------------------------------------------


def repository(proc: Process) -> str:
    local = proc.env.get("MAVEN_REPO") or ""
    config = proc.env.get("MAVEN_CONFIG") or f"{proc.env.get('HOME') or '/root'}/.m2"
    return local or f"{config}/repository"


def _dep_artifact(group: str, name: str, version: str) -> builds.Artifact:
    # A starter stands for the libraries it pulls in: a Boot starter's closure weighs megabytes.
    low, high = (3_000_000, 15_000_000) if "starter" in name else (20_000, 2_000_000)
    return builds.artifact("maven", group, name, version or None, low, high)


@dataclass
class Session:
    proc: Process
    batch: bool
    quiet: bool
    offline: bool
    repo: str
    fetched: list[builds.Artifact] = field(default_factory=list)

    def info(self, text: str = "") -> None:
        if not self.quiet:
            self.proc.out(f"[INFO] {text}".rstrip() + ("\n" if text else " \n"))

    def warn(self, text: str) -> None:
        self.proc.out(f"[WARNING] {text}\n")

    def fetch(self, art: builds.Artifact, kinds: tuple[str, ...] = ("pom", "jar")) -> None:
        folder = f"{self.repo}/{art.group.replace('.', '/')}/{art.name}/{art.version}"
        base = f"{art.name}-{art.version}"
        if f"{folder}/{base}.{kinds[-1]}" in self.proc.fs:
            return
        if self.offline:
            raise MavenError([
                f"Failed to execute goal: {art.group}:{art.name}:{art.version} was not found "
                "in the local repository and offline mode is on -> [Help 1]"],
                "DependencyResolutionException")
        for kind in kinds:
            size = art.size if kind == "jar" else 1500 + len(art.name) * 90
            url = f"{CENTRAL}/{art.group.replace('.', '/')}/{art.name}/{art.version}/{base}.{kind}"
            prefix = "[INFO] " if self.batch else ""
            seconds = 0.04 + size / LINK_SPEED
            if not self.quiet:
                self.proc.out(f"{prefix}Downloading from central: {url}\n")
                self.proc.out(f"{prefix}Downloaded from central: {url} ({builds.size_text(size)} "
                              f"at {builds.size_text(int(size / seconds))}/s)\n")
            self.proc.spend(seconds)
            put_file(self.proc.fs, f"{folder}/{base}.{kind}",
                     Node("file", 0o644, content=Synthetic(size, url)))
            write_text(self.proc.fs, f"{folder}/{base}.{kind}.sha1",
                       builds.fingerprint(url)[:40])
        write_text(self.proc.fs, f"{folder}/_remote.repositories",
                   "".join(f"{base}.{k}>central=\n" for k in kinds))
        self.fetched.append(art)

    def plugin(self, key: str) -> tuple[str, str]:
        name, version = PLUGINS[key]
        self.fetch(builds.Artifact("org.apache.maven.plugins", name, version,
                                   standin.sizes("maven", name, 30_000, 200_000)[1]))
        return name, version

    def mojo(self, key: str, goal: str, execution: str, artifact: str) -> None:
        _, version = self.plugin(key)
        self.info()
        self.info(f"--- {key}:{version}:{goal} ({execution}) @ {artifact} ---")


def _boot_plugin(version: str) -> builds.Artifact:
    return builds.Artifact("org.springframework.boot", "spring-boot-maven-plugin", version,
                           140_000)


def _centered(text: str) -> str:
    left = (72 - len(text)) // 2
    return "-" * left + text + "-" * (72 - len(text) - left)


# -- the lifecycle ----------------------------------------------------------------------------


def _java_classes(proc: Process, root: str) -> list[tuple[str, str]]:
    """(class file path inside the jar, source text) for every class declared under `root`."""
    found = []
    for path in sorted(proc.fs.walk(root)) if root in proc.fs else []:
        if not path.endswith(".java"):
            continue
        text = read_text(proc.fs, path) or ""
        package = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
        folder = package[1].replace(".", "/") + "/" if package else ""
        for klass in re.findall(r"\b(?:class|interface|enum|record)\s+(\w+)", text) or [
                posixpath.basename(path).removesuffix(".java")]:
            found.append((f"{folder}{klass}.class", text))
    return found


def _resources(proc: Process, root: str) -> list[str]:
    if root not in proc.fs:
        return []
    return [p for p in sorted(proc.fs.walk(root)) if (node := proc.fs.get(p)) is not None
            and node.type == "file"]


def lifecycle(s: Session, pom: Pom, goals: list[str], props: Mapping[str, str]) -> None:
    _phases(s, pom, goals, props)
    if "assembly:single" in goals:
        _assembly(s, pom)


def _assembly(s: Session, pom: Pom) -> None:
    """`assembly:single` with the `jar-with-dependencies` descriptor: the project's classes and
    its dependencies' in one jar, under `finalName` (the assembly id appended unless
    `appendAssemblyId` is false)."""
    proc, base = s.proc, posixpath.dirname(pom.path)
    s.mojo("assembly", "single", "default-cli", pom.artifact)
    ref = pom.assembly.get("descriptorRef", "")
    name = pom.assembly.get("finalName") or f"{pom.artifact}-{pom.version}"
    append = pom.assembly.get("appendAssemblyId", "true") != "false"
    path = f"{base}/target/{name}{'-' + ref if append else ''}.jar"
    if not append:
        s.warn(f"Configuration option 'appendAssemblyId' is set to false.\nInstead of attaching "
               f"the assembly file: {path}, it will become the file for main project artifact."
               "\nNOTE: If multiple descriptors or descriptor-formats are provided for this "
               "project, the value of this file will be non-deterministic!")
    main_classes = _java_classes(proc, f"{base}/src/main/java")
    record = builds.describe_java(sorted({t for _, t in main_classes}))
    entries = [builds.JarEntry(e, 400 + len(t), f"{e}:{t}") for e, t in main_classes]
    if ref == "jar-with-dependencies":
        for group, artifact, version, scope in pom.dependencies:
            if scope in ("test", "provided"):
                continue
            dep = _dep_artifact(group, artifact, version)
            entries.append(builds.JarEntry(f"{group.replace('.', '/')}/{artifact}/classes.bin",
                                           dep.size, f"{group}:{artifact}:{dep.version}"))
    main = pom.assembly.get("mainClass", "")
    s.info(f"Building jar: {path}")
    builds.write_bytes(proc.fs, path, builds.jar(
        {**record, "main": main or record.get("main")}, entries,
        {"Created-By": "Maven Assembly Plugin 3.7.1", "Build-Jdk-Spec": pom.java_release,
         **({"Main-Class": main} if main else {})}))
    proc.spend(0.5 + sum(e.size for e in entries) / 200e6)


def _phases(s: Session, pom: Pom, goals: list[str], props: Mapping[str, str]) -> None:
    proc, base = s.proc, posixpath.dirname(pom.path)
    target = f"{base}/target"
    phases = [g for g in goals if ":" not in g and g != "clean"]
    last = max((LIFECYCLE.index(p) for p in phases if p in LIFECYCLE), default=-1)
    skip_compile_tests = props.get("maven.test.skip") in ("", "true")
    skip_tests = skip_compile_tests or props.get("skipTests") in ("", "true")
    deps = [_dep_artifact(g, a, v) for g, a, v, scope in pom.dependencies]
    for goal in goals:
        if goal == "clean":
            s.mojo("clean", "clean", "default-clean", pom.artifact)
            if target in proc.fs:
                s.info(f"Deleting {target}")
            remove_path(proc.fs, target)
        elif goal in ("dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins"):
            s.mojo("dependency", goal.split(":")[1], "default-cli", pom.artifact)
            for key in ("clean", "resources", "compiler", "surefire", "jar", "install"):
                name, version = s.plugin(key)
                if goal != "dependency:resolve":
                    s.info(f"Resolved plugin: {name}-{version}.jar")
            if pom.boot:
                s.fetch(_boot_plugin(pom.boot))
                if goal != "dependency:resolve":
                    s.info(f"Resolved plugin: spring-boot-maven-plugin-{pom.boot}.jar")
            for dep in deps:
                s.fetch(dep)
                if goal != "dependency:resolve-plugins":
                    s.info(f"Resolved dependency: {dep.name}-{dep.version}.jar")
        elif goal == "assembly:single":
            if not pom.assembly.get("descriptorRef"):
                raise MavenError(["Failed to execute goal org.apache.maven.plugins:"
                                  "maven-assembly-plugin:3.7.1:single (default-cli) on project "
                                  f"{pom.artifact}: Error reading assemblies: No assembly "
                                  "descriptors found. -> [Help 1]"], "MojoExecutionException")
        elif ":" in goal:
            raise MavenError([f"No plugin found for prefix '{goal.split(':')[0]}' in the current "
                              "project and in the plugin groups [org.apache.maven.plugins, "
                              "org.codehaus.mojo] available from the repositories [local "
                              f"({s.repo}), central ({CENTRAL})] -> [Help 1]"],
                             "NoPluginFoundForPrefixException")
    if last < 0:
        return
    for dep in deps:
        s.fetch(dep)
    main_classes = _java_classes(proc, f"{base}/src/main/java")
    resources = _resources(proc, f"{base}/src/main/resources")
    s.mojo("resources", "resources", "default-resources", pom.artifact)
    if resources:
        word = "resource" if len(resources) == 1 else "resources"
        s.info(f"Copying {len(resources)} {word} from src/main/resources to target/classes")
    else:
        s.info(f"skip non existing resourceDirectory {base}/src/main/resources")
    for path in resources:
        node = proc.fs.get(path)
        if node is not None:
            put_file(proc.fs, f"{target}/classes/{path[len(base) + 20:]}", node)
    s.mojo("compiler", "compile", "default-compile", pom.artifact)
    sources = {t for _, t in main_classes}
    if sources:
        s.info("Recompiling the module because of changed source code.")
        word = "file" if len(sources) == 1 else "files"
        s.info(f"Compiling {len(sources)} source {word} with javac [debug release "
               f"{pom.java_release}] to target/classes")
    else:
        s.info("No sources to compile")
    properties = "\n".join(read_text(proc.fs, p) or "" for p in resources
                           if p.endswith((".properties", ".yml", ".yaml")))
    record = builds.describe_java(sorted(sources), properties)
    for entry, text in main_classes:
        builds.write_bytes(proc.fs, f"{target}/classes/{entry}", jvm.CLASS_MAGIC + (
            builds.fingerprint(text, entry).encode()))
    proc.spend(1.5 + 0.3 * len(sources))
    if last < LIFECYCLE.index("test"):
        return
    test_classes = _java_classes(proc, f"{base}/src/test/java")
    s.mojo("resources", "testResources", "default-testResources", pom.artifact)
    if skip_compile_tests:
        s.info("Not copying test resources")
    else:
        s.info(f"skip non existing resourceDirectory {base}/src/test/resources")
    s.mojo("compiler", "testCompile", "default-testCompile", pom.artifact)
    tests = {t for _, t in test_classes}
    if skip_compile_tests:
        s.info("Not compiling test sources")
    elif tests:
        s.info("Recompiling the module because of changed dependency.")
        word = "file" if len(tests) == 1 else "files"
        s.info(f"Compiling {len(tests)} source {word} with javac [debug release "
               f"{pom.java_release}] to target/test-classes")
    else:
        s.info("No sources to compile")
    s.mojo("surefire", "test", "default-test", pom.artifact)
    if skip_tests:
        s.info("Tests are skipped.")
    elif not tests:
        s.info("No tests to run.")
    else:
        _run_tests(s, test_classes)
    if last < LIFECYCLE.index("package"):
        return
    jar_path = f"{target}/{pom.artifact}-{pom.version}.jar"
    s.mojo("jar", "jar", "default-jar", pom.artifact)
    s.info(f"Building jar: {jar_path}")
    entries = [builds.JarEntry(e, 400 + len(t), f"{e}:{t}") for e, t in main_classes]
    plain = builds.jar(record, entries, {"Created-By": "Maven JAR Plugin 3.4.1",
                                         "Build-Jdk-Spec": pom.java_release,
                                         **({"Main-Class": str(record["main"])}
                                            if record.get("main") and not pom.boot else {})})
    builds.write_bytes(proc.fs, jar_path, plain)
    if pom.boot:
        s.fetch(_boot_plugin(pom.boot))
        s.info()
        s.info(f"--- spring-boot:{pom.boot}:repackage (repackage) @ {pom.artifact} ---")
        s.info(f"Replacing main artifact {jar_path} with repackaged archive, adding nested "
               "dependencies in BOOT-INF/.")
        s.info(f"The original artifact has been renamed to {jar_path}.original")
        builds.write_bytes(proc.fs, f"{jar_path}.original", plain)
        nested = [builds.JarEntry(f"BOOT-INF/lib/{d.name}-{d.version}.jar", d.size,
                                  f"{d.group}:{d.name}:{d.version}")
                  for d, (_, _, _, scope) in zip(deps, pom.dependencies, strict=True)
                  if scope not in ("test", "provided")]
        loader = [builds.JarEntry("org/springframework/boot/loader/launch/JarLauncher.class",
                                  310_000, f"boot-loader:{pom.boot}")]
        classes = [builds.JarEntry(f"BOOT-INF/classes/{e.name}", e.size, e.seed)
                   for e in entries]
        builds.write_bytes(proc.fs, jar_path, builds.jar(
            {**record, "boot": pom.boot}, loader + classes + nested,
            {"Main-Class": "org.springframework.boot.loader.launch.JarLauncher",
             "Start-Class": str(record.get("main") or ""), "Spring-Boot-Version": pom.boot,
             "Spring-Boot-Classes": "BOOT-INF/classes/", "Spring-Boot-Lib": "BOOT-INF/lib/"}))
        proc.spend(1.0)
    if last >= LIFECYCLE.index("install"):
        s.mojo("install", "install", "default-install", pom.artifact)
        folder = f"{s.repo}/{pom.group.replace('.', '/')}/{pom.artifact}/{pom.version}"
        s.info(f"Installing {pom.path} to {folder}/{pom.artifact}-{pom.version}.pom")
        s.info(f"Installing {jar_path} to {folder}/{pom.artifact}-{pom.version}.jar")
        write_text(proc.fs, f"{folder}/{pom.artifact}-{pom.version}.pom",
                   read_text(proc.fs, pom.path) or "")
        node = proc.fs.get(jar_path)
        if node is not None:
            put_file(proc.fs, f"{folder}/{pom.artifact}-{pom.version}.jar", node)


def _run_tests(s: Session, test_classes: list[tuple[str, str]]) -> None:
    s.info()
    s.info("-------------------------------------------------------")
    s.info(" T E S T S")
    s.info("-------------------------------------------------------")
    total = 0
    for entry, text in test_classes:
        if not entry.endswith("Tests.class") and not entry.endswith("Test.class"):
            continue
        name = entry.removesuffix(".class").replace("/", ".")
        count = len(re.findall(r"@Test\b", text))
        total += count
        seconds = 0.05 + 0.4 * count
        s.proc.spend(seconds)
        s.info(f"Running {name}")
        s.info(f"Tests run: {count}, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: "
               f"{seconds:.3f} s -- in {name}")
    s.info()
    s.info("Results:")
    s.info()
    s.info(f"Tests run: {total}, Failures: 0, Errors: 0, Skipped: 0")
    s.info()


def _finish(s: Session, ok: bool) -> None:
    proc = s.proc
    moment = time.gmtime(now_of(proc))
    seconds = proc.seconds
    took = f"{seconds:.3f} s" if seconds < 60 else (
        f"{int(seconds // 60):02d}:{int(seconds % 60):02d} min")
    s.info(_RULE)
    s.info("BUILD SUCCESS" if ok else "BUILD FAILURE")
    s.info(_RULE)
    s.info(f"Total time:  {took}")
    s.info(f"Finished at: {time.strftime('%Y-%m-%dT%H:%M:%SZ', moment)}")
    s.info(_RULE)


@program("mvn")
def mvn(proc: Process) -> int:
    args = proc.argv[1:]
    if args[:1] in (["-v"], ["--version"], ["-version"]):
        home = proc.env.get("MAVEN_HOME", "/usr/share/maven")
        java_version = jvm.jdk(proc)[0]
        proc.out(f"Apache Maven {MAVEN_VERSION} (8e8579a9e76f7d015ee5ec7bfcdc97d260186937)\n"
                 f"Maven home: {home}\nJava version: {java_version}, vendor: Eclipse Adoptium, "
                 f"runtime: {proc.env.get('JAVA_HOME', '/opt/java/openjdk')}\n"
                 "Default locale: en, platform encoding: UTF-8\n"
                 f'OS name: "linux", version: "{KERNEL_RELEASE}", arch: "amd64", family: "unix"\n')
        return 0
    goals: list[str] = []
    props: dict[str, str] = {}
    pom_file = "pom.xml"
    batch = quiet = offline = False
    it = iter(args)
    for arg in it:
        if arg in ("-B", "--batch-mode", "--no-transfer-progress", "-ntp"):
            batch = batch or arg in ("-B", "--batch-mode")
        elif arg in ("-q", "--quiet"):
            quiet = True
        elif arg in ("-o", "--offline"):
            offline = True
        elif arg in ("-f", "--file"):
            pom_file = next(it, "pom.xml")
        elif arg.startswith("-D"):
            key, _, value = arg[2:].partition("=")
            props[key] = value
        elif arg in ("-P", "-pl", "-T", "-s", "--settings", "-rf"):
            next(it, None)
        elif not arg.startswith("-"):
            goals.append(arg)
    session = Session(proc, batch, quiet, offline, repository(proc))
    session.info("Scanning for projects...")
    path = posixpath.normpath(posixpath.join(proc.cwd, pom_file))
    if not path.endswith(".xml"):
        path = f"{path}/pom.xml"
    try:
        if not goals:
            raise MavenError([
                "No goals have been specified for this build. You must specify a valid "
                "lifecycle phase or a goal in the format <plugin-prefix>:<goal> or "
                "<plugin-group-id>:<plugin-artifact-id>[:<plugin-version>]:<goal>. Available "
                "lifecycle phases are: " + ", ".join(LIFECYCLE) + ". -> [Help 1]"],
                "NoGoalSpecifiedException")
        pom = read_pom(proc, path)
        if pom.parent:
            g, a, v = pom.parent
            session.fetch(builds.Artifact(g, a, v, 12_000), kinds=("pom",))
        session.info()
        session.info(_centered(f"< {pom.group}:{pom.artifact} >"))
        session.info(f"Building {pom.name} {pom.version}")
        session.info(f"  from {posixpath.relpath(pom.path, proc.cwd)}")
        session.info(_centered(f"[ {pom.packaging} ]"))
        lifecycle(session, pom, goals, props)
    except MavenError as exc:
        _finish(session, False)
        for line in exc.lines:
            proc.out(line if line.startswith("[ERROR]") else f"[ERROR] {line}")
            proc.out("\n")
        proc.out("[ERROR] \n[ERROR] To see the full stack trace of the errors, re-run Maven with "
                 "the -e switch.\n[ERROR] Re-run Maven using the -X switch to enable full debug "
                 "logging.\n")
        if exc.help_page:
            proc.out("[ERROR] \n[ERROR] For more information about the errors and possible "
                     "solutions, please read the following articles:\n[ERROR] [Help 1] "
                     f"http://cwiki.apache.org/confluence/display/MAVEN/{exc.help_page}\n")
        return 1
    _finish(session, True)
    return 0


jvm.WRAPPER_MAINS["org.apache.maven.wrapper.MavenWrapperMain"] = mvn
