"""`jar`: extracting a Spring Boot jar as layered Dockerfiles do, listing, creating."""

from __future__ import annotations

from tests.engine.pkg_helpers import run
from tutor.engine.fs import FileTree
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg import builds
from tutor.engine.sh.pkg.catalogue import read_text, write_text
from tutor.engine.sh.pkg.jartool import jar


def _boot_jar(fs: FileTree) -> None:
    data = builds.jar({"main": "com.example.App"}, [
        builds.JarEntry("BOOT-INF/classes/com/example/App.class", 700, "app"),
        builds.JarEntry("BOOT-INF/lib/spring-core-6.1.0.jar", 5000, "core"),
    ], {"Main-Class": "org.springframework.boot.loader.launch.JarLauncher"})
    builds.write_bytes(fs, "/w/target/app-0.0.1.jar", data)
    fs.makedirs("/w/target/dependency")


def test_extract_unpacks_boot_inf_into_the_working_directory() -> None:
    fs = FileTree()
    _boot_jar(fs)
    proc = Process(["jar", "-xvf", "../app-0.0.1.jar"], fs, {}, cwd="/w/target/dependency")
    assert jar(proc) == 0
    out = proc.stdout.decode().splitlines()
    assert out[0] == " inflated: META-INF/MANIFEST.MF"
    assert " inflated: BOOT-INF/lib/spring-core-6.1.0.jar" in out
    assert "/w/target/dependency/BOOT-INF/classes/com/example/App.class" in fs
    assert "JarLauncher" in (read_text(fs, "/w/target/dependency/META-INF/MANIFEST.MF") or "")


def test_a_missing_jar_fails_as_java_reports_it() -> None:
    proc = run(jar, ["jar", "-xf", "../nope.jar"], FileTree())
    assert proc.returncode == 1  # type: ignore[attr-defined]
    assert proc.stderr.decode() == (
        "java.io.FileNotFoundException: ../nope.jar (No such file or directory)\n")


def test_list_names_every_entry_and_only_the_ones_asked_for() -> None:
    fs = FileTree()
    _boot_jar(fs)
    out = run(jar, ["jar", "tf", "/w/target/app-0.0.1.jar"], fs).stdout.decode()  # type: ignore[attr-defined]
    assert out.splitlines() == ["META-INF/MANIFEST.MF", "BOOT-INF/classes/com/example/App.class",
                                "BOOT-INF/lib/spring-core-6.1.0.jar"]
    out = run(jar, ["jar", "--list", "--file=/w/target/app-0.0.1.jar", "BOOT-INF/lib"],
              fs).stdout.decode()  # type: ignore[attr-defined]
    assert out == "BOOT-INF/lib/spring-core-6.1.0.jar\n"


def test_create_writes_a_manifest_and_the_same_bytes_for_the_same_input() -> None:
    fs = FileTree()
    write_text(fs, "/src/classes/Hello.class", "class bytes")
    write_text(fs, "/src/manifest.txt", "Main-Class: Hello\n")
    assert run(jar, ["jar", "cf", "/out/a.jar", "/src"], fs).returncode == 1  # type: ignore[attr-defined]
    fs.makedirs("/out")
    first = run(jar, ["jar", "cfm", "/out/a.jar", "/src/manifest.txt", "-C", "/src/classes", "."],
                fs)
    assert first.returncode == 0
    listed = run(jar, ["jar", "tf", "/out/a.jar"], fs).stdout.decode().splitlines()  # type: ignore[attr-defined]
    assert listed == ["META-INF/", "META-INF/MANIFEST.MF", "Hello.class"]
    run(jar, ["jar", "xf", "/out/a.jar", "META-INF/MANIFEST.MF"], fs)
    manifest = read_text(fs, "/META-INF/MANIFEST.MF") or ""
    assert manifest.startswith("Manifest-Version: 1.0\r\nCreated-By: ")
    assert "Main-Class: Hello\r\n" in manifest
    run(jar, ["jar", "cfm", "/out/b.jar", "/src/manifest.txt", "-C", "/src/classes", "."], fs)
    assert read_text(fs, "/out/a.jar") == read_text(fs, "/out/b.jar")


def test_no_mode_or_two_modes_print_the_usage() -> None:
    fs = FileTree()
    for argv in (["jar"], ["jar", "-xtf", "a.jar"], ["jar", "--bogus"]):
        proc = run(jar, argv, fs)
        assert proc.returncode == 1
        assert proc.stderr.decode().startswith("Usage: jar [OPTION...]")  # type: ignore[attr-defined]
