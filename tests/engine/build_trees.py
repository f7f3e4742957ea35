"""Small trees with a build tool's binaries, as the maven, gradle, eclipse-temurin, rust,
dotnet, php and ruby images have them, for the build-tool tests."""

from __future__ import annotations

from tests.engine.sh_trees import BINARY, ENV, debian_tree
from tutor.engine.fs import FileTree, file
from tutor.engine.sh.pkg.catalogue import write_text

TOOLS = {
    "mvn": "/usr/share/maven/bin/mvn", "java": "/opt/java/openjdk/bin/java",
    "javac": "/opt/java/openjdk/bin/javac", "gradle": "/opt/gradle/bin/gradle",
    "cargo": "/usr/local/cargo/bin/cargo", "dotnet": "/usr/share/dotnet/dotnet",
    "composer": "/usr/bin/composer", "gem": "/usr/local/bin/gem",
    "bundle": "/usr/local/bin/bundle", "php": "/usr/local/bin/php",
    "ruby": "/usr/local/bin/ruby",
}
PATH = ("/usr/local/cargo/bin:/opt/java/openjdk/bin:/usr/share/maven/bin:/opt/gradle/bin:"
        "/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")


def tool_tree(*tools: str) -> FileTree:
    """A Debian-like tree with the named tools' binaries on the PATH and the glibc loader."""
    fs = debian_tree()
    fs.makedirs("/lib64")
    fs.put("/lib64/ld-linux-x86-64.so.2", file(BINARY + b"ld", 0o755))
    for name in tools:
        write_text(fs, TOOLS[name], "", mode=0o755)
        fs.put(TOOLS[name], file(BINARY + name.encode(), 0o755))
    return fs


def tool_env(**extra: str) -> dict[str, str]:
    return {**ENV, "PATH": PATH, "JAVA_VERSION": "jdk-21.0.5+11", **extra}
