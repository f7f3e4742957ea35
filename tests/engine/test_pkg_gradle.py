"""Gradle and the Gradle wrapper on a Spring Boot project."""

from __future__ import annotations

import io
import zipfile

from tests.engine.build_trees import tool_env, tool_tree
from tests.engine.pkg_helpers import FakeWorld
from tests.engine.test_pkg_maven import APP
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg import builds
from tutor.engine.sh.pkg.catalogue import write_text

BUILD = """plugins {
    id 'java'
    id 'org.springframework.boot' version '3.2.0'
    id 'io.spring.dependency-management' version '1.1.4'
}

group = 'com.example'
version = '0.0.1-SNAPSHOT'

repositories {
    mavenCentral()
}

dependencies {
    implementation 'org.springframework.boot:spring-boot-starter-web'
    runtimeOnly 'org.postgresql:postgresql:42.7.1'
    testImplementation 'org.springframework.boot:spring-boot-starter-test'
}
"""
WRAPPER = """#!/bin/sh
APP_HOME=$(cd "$(dirname "$0")" && pwd -P)
exec java -Dorg.gradle.appname=gradlew -classpath "$APP_HOME/gradle/wrapper/gradle-wrapper.jar" \
    org.gradle.wrapper.GradleWrapperMain "$@"
"""


def _project() -> FileTree:
    fs = tool_tree("gradle", "java")
    write_text(fs, "/app/settings.gradle", "rootProject.name = 'demo'\n")
    write_text(fs, "/app/build.gradle", BUILD)
    write_text(fs, "/app/src/main/java/com/example/demo/DemoApplication.java", APP)
    return fs


def _sh(fs: FileTree, script: str):  # type: ignore[no-untyped-def]
    return run_script(script, fs=fs, env=tool_env(), cwd="/app",
                      world=FakeWorld())  # type: ignore[arg-type]


def test_gradle_build_writes_boot_and_plain_jars() -> None:
    fs = _project()
    result = _sh(fs, "gradle build --no-daemon -x test")
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert "> Task :compileJava\n> Task :processResources NO-SOURCE\n> Task :classes\n" \
           "> Task :resolveMainClassName\n> Task :bootJar\n> Task :jar\n> Task :assemble\n" in out
    assert "> Task :test\n" not in out
    assert out.endswith("actionable tasks: 4 executed\n")
    assert "\nBUILD SUCCESSFUL in " in out
    node = fs.get("/app/build/libs/demo-0.0.1-SNAPSHOT.jar")
    assert node is not None and node.content is not None
    data = node.content.read()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "BOOT-INF/lib/postgresql-42.7.1.jar" in names
    assert "BOOT-INF/lib/spring-boot-starter-web-3.2.0.jar" in names
    assert "/app/build/libs/demo-0.0.1-SNAPSHOT-plain.jar" in fs
    record = builds.read_jar(data)
    assert record is not None and record["listen"] == ":8080"
    assert any("/root/.gradle/caches/modules-2/files-2.1/org.postgresql/postgresql/42.7.1/" in p
               for p in fs.paths())


def test_gradlew_downloads_its_distribution_then_builds() -> None:
    fs = _project()
    fs.remove("/opt/gradle/bin/gradle")
    write_text(fs, "/app/gradlew", WRAPPER, mode=0o755)
    write_text(fs, "/app/gradle/wrapper/gradle-wrapper.jar", "PK")
    write_text(fs, "/app/gradle/wrapper/gradle-wrapper.properties",
               "distributionUrl=https\\://services.gradle.org/distributions/gradle-8.5-bin.zip\n")
    result = _sh(fs, "./gradlew bootJar && ./gradlew --version | grep Gradle")
    out = result.stdout.decode()
    assert result.exit_code == 0, result.stderr
    assert out.startswith("Downloading https://services.gradle.org/distributions/"
                          "gradle-8.5-bin.zip\n...........10%")
    assert out.count("Downloading") == 1
    assert out.endswith("Gradle 8.5\n")
    assert "/app/build/libs/demo-0.0.1-SNAPSHOT.jar" in fs
    assert "/app/build/libs/demo-0.0.1-SNAPSHOT-plain.jar" not in fs


def test_no_build_and_unknown_task() -> None:
    fs = tool_tree("gradle", "java")
    fs.makedirs("/app")
    none = _sh(fs, "gradle build")
    assert none.exit_code == 1
    assert none.stderr.decode().startswith(
        "\nFAILURE: Build failed with an exception.\n\n* What went wrong:\n"
        "Directory '/app' does not contain a Gradle build.\n")
    fs2 = _project()
    unknown = _sh(fs2, "gradle deploy")
    assert "Task 'deploy' not found in root project 'demo'." in unknown.stderr.decode()
