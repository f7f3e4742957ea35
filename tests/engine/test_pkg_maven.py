"""Maven on a Spring-style project, `java -jar` on what it built, and its failures."""

from __future__ import annotations

import io
import zipfile

from tests.engine.build_trees import tool_env, tool_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg import builds
from tutor.engine.sh.pkg.catalogue import read_text, write_text

POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.0</version>
    <relativePath/>
  </parent>
  <groupId>com.example</groupId>
  <artifactId>demo</artifactId>
  <version>0.0.1-SNAPSHOT</version>
  <name>demo</name>
  <properties>
    <java.version>17</java.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.mysql</groupId>
      <artifactId>mysql-connector-j</artifactId>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-test</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-maven-plugin</artifactId>
      </plugin>
    </plugins>
  </build>
</project>
"""
APP = """package com.example.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class DemoApplication {
    @GetMapping("/")
    public String home() {
        return "Hello Docker World";
    }

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }
}
"""
TEST = """package com.example.demo;

import org.junit.jupiter.api.Test;

class DemoApplicationTests {
    @Test
    void contextLoads() {
    }
}
"""


def _project() -> FileTree:
    fs = tool_tree("mvn", "java")
    write_text(fs, "/app/pom.xml", POM)
    write_text(fs, "/app/src/main/java/com/example/demo/DemoApplication.java", APP)
    write_text(fs, "/app/src/main/resources/application.properties", "server.port=8081\n")
    write_text(fs, "/app/src/test/java/com/example/demo/DemoApplicationTests.java", TEST)
    return fs


def _sh(fs: FileTree, script: str):  # type: ignore[no-untyped-def]
    return run_script(script, fs=fs, env=tool_env(), cwd="/app",
                      world=FakeWorld())  # type: ignore[arg-type]


def test_go_offline_then_package_builds_a_boot_jar() -> None:
    fs = _project()
    offline = _sh(fs, "mvn -B dependency:go-offline")
    assert offline.exit_code == 0, offline.stdout.decode()
    out = offline.stdout.decode()
    assert out.startswith("[INFO] Scanning for projects...\n[INFO] Downloading from central: "
                          "https://repo.maven.apache.org/maven2/org/springframework/boot/"
                          "spring-boot-starter-parent/3.2.0/spring-boot-starter-parent-3.2.0.pom"
                          "\n")
    assert ("[INFO] --------------------------< com.example:demo >--------------------------\n"
            "[INFO] Building demo 0.0.1-SNAPSHOT\n[INFO]   from pom.xml\n"
            "[INFO] --------------------------------[ jar ]---------------------------------\n"
            ) in out
    assert "[INFO] Resolved dependency: spring-boot-starter-web-3.2.0.jar\n" in out
    assert "[INFO] BUILD SUCCESS\n" in out
    repo = "/root/.m2/repository/org/springframework/boot/spring-boot-starter-web/3.2.0/"
    assert f"{repo}spring-boot-starter-web-3.2.0.jar" in fs
    build = _sh(fs, "mvn clean package -DskipTests")
    out = build.stdout.decode()
    assert build.exit_code == 0, out
    assert "Downloading from central" not in out  # go-offline filled the repository
    assert "[INFO] Compiling 1 source file with javac [debug release 17] to target/classes\n" in out
    assert "[INFO] Tests are skipped.\n" in out
    assert "[INFO] Building jar: /app/target/demo-0.0.1-SNAPSHOT.jar\n" in out
    assert ("[INFO] --- spring-boot:3.2.0:repackage (repackage) @ demo ---\n[INFO] Replacing main "
            "artifact /app/target/demo-0.0.1-SNAPSHOT.jar with repackaged archive") in out
    assert "[INFO] BUILD SUCCESS\n[INFO] " in out
    node = fs.get("/app/target/demo-0.0.1-SNAPSHOT.jar")
    assert node is not None and node.content is not None
    data = node.content.read()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "BOOT-INF/classes/com/example/demo/DemoApplication.class" in names
    assert "BOOT-INF/lib/spring-boot-starter-web-3.2.0.jar" in names
    assert not any("starter-test" in n for n in names)
    assert len(data) > 3_000_000
    record = builds.read_jar(data)
    assert record is not None
    assert (record["main"], record["listen"], record["response"]) == (
        "com.example.demo.DemoApplication", ":8081", "Hello Docker World")


def test_tests_run_and_install_fills_the_local_repository() -> None:
    fs = _project()
    result = _sh(fs, "mvn -B -q clean install; echo status=$?")
    assert result.stdout.decode() == "status=0\n"
    assert "/root/.m2/repository/com/example/demo/0.0.1-SNAPSHOT/demo-0.0.1-SNAPSHOT.jar" in fs
    loud = _sh(fs, "mvn -B test")
    out = loud.stdout.decode()
    assert "[INFO]  T E S T S\n" in out
    assert ("[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.450 s -- in "
            "com.example.demo.DemoApplicationTests\n") in out


def test_java_jar_plays_a_plain_main() -> None:
    fs = tool_tree("mvn", "java", "javac")
    write_text(fs, "/app/pom.xml", "<project><modelVersion>4.0.0</modelVersion><groupId>org.x"
               "</groupId><artifactId>hello</artifactId><version>1.0</version><build><plugins>"
               "</plugins></build></project>")
    write_text(fs, "/app/src/main/java/Hello.java", 'public class Hello {\n  public static void '
               'main(String[] a) {\n    System.out.println("Hello from Java");\n  }\n}\n')
    result = _sh(fs, "mvn -q package -Dmaven.test.skip=true && java -jar target/hello-1.0.jar"
                     " && java -version && javac -version")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.decode() == "Hello from Java\njavac 21.0.5\n"
    assert result.stderr.decode().startswith('openjdk version "21.0.5" 2024-10-15 LTS\n')
    compiled = _sh(fs, "cd src/main/java && javac Hello.java && java Hello && java Hello.java")
    assert compiled.stdout.decode() == "Hello from Java\nHello from Java\n"


def test_failures_are_worded_as_maven_words_them() -> None:
    fs = tool_tree("mvn", "java")
    fs.makedirs("/app")
    result = _sh(fs, "mvn -B package")
    out = result.stdout.decode()
    assert result.exit_code == 1
    assert "[INFO] BUILD FAILURE\n" in out
    assert ("[ERROR] The goal you specified requires a project to execute but there is no POM in "
            "this directory (/app). Please verify you invoked Maven from the correct directory. "
            "-> [Help 1]\n") in out
    assert out.endswith("[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/"
                        "MissingProjectException\n")
    missing = _sh(fs, "java -jar nope.jar")
    assert (missing.exit_code, missing.stderr) == (1, b"Error: Unable to access jarfile nope.jar\n")
    assert read_text(fs, "/app/pom.xml") is None


ASSEMBLY_POM = """<project><modelVersion>4.0.0</modelVersion><groupId>com.company</groupId>
<artifactId>project</artifactId><version>1.0-SNAPSHOT</version><build><plugins><plugin>
<artifactId>maven-assembly-plugin</artifactId><configuration><archive><manifest>
<mainClass>App</mainClass></manifest></archive><descriptorRefs>
<descriptorRef>jar-with-dependencies</descriptorRef></descriptorRefs>{extra}</configuration>
</plugin></plugins></build><dependencies><dependency><groupId>com.sparkjava</groupId>
<artifactId>spark-core</artifactId><version>2.9.2</version></dependency></dependencies>
</project>"""


def test_assembly_single_builds_a_jar_with_dependencies_that_runs() -> None:
    fs = tool_tree("mvn", "java")
    write_text(fs, "/app/pom.xml", ASSEMBLY_POM.format(
        extra="<finalName>app</finalName><appendAssemblyId>false</appendAssemblyId>"))
    write_text(fs, "/app/src/main/java/App.java", 'public class App {\n  public static void '
               'main(String[] a) {\n    System.out.println("Hello from Spark");\n  }\n}\n')
    result = _sh(fs, "mvn -B clean compile assembly:single && java -jar target/app.jar")
    out = result.stdout.decode()
    assert result.exit_code == 0, out
    assert "[INFO] --- assembly:3.7.1:single (default-cli) @ project ---\n" in out
    assert "[WARNING] Configuration option 'appendAssemblyId' is set to false.\n" in out
    assert "[INFO] Building jar: /app/target/app.jar\n" in out
    assert out.endswith("Hello from Spark\n")
    node = fs.get("/app/target/app.jar")
    assert node is not None and node.content is not None
    names = zipfile.ZipFile(io.BytesIO(node.content.read())).namelist()
    assert "App.class" in names and any(n.startswith("com/sparkjava/spark-core/") for n in names)


def test_assembly_single_names_the_descriptor_and_needs_one() -> None:
    fs = tool_tree("mvn", "java")
    write_text(fs, "/app/pom.xml", ASSEMBLY_POM.format(extra=""))
    write_text(fs, "/app/src/main/java/App.java", "public class App {}\n")
    assert _sh(fs, "mvn -B -q compile assembly:single").exit_code == 0
    assert "/app/target/project-1.0-SNAPSHOT-jar-with-dependencies.jar" in fs
    write_text(fs, "/app/pom.xml", ASSEMBLY_POM.format(extra="").replace(
        "<descriptorRef>jar-with-dependencies</descriptorRef>", ""))
    failed = _sh(fs, "mvn -B compile assembly:single")
    assert failed.exit_code == 1
    assert "Error reading assemblies: No assembly descriptors found." in failed.stdout.decode()
