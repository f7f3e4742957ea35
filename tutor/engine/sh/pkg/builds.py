"""What the build tools write: programs that can be played, and the dependencies they fetch.

Nothing is compiled. A build writes a deterministic artifact whose bytes derive from the sources
and the resolved dependencies, and which records what its `main` visibly does, read from the
sources when that is trivially detectable (the strings it prints, the address it listens on, the
body it answers). The record is the same JSON object Go programs carry (see golang.py):

    {"program": "java", "main": "com.example.App", "listen": ":8080", "response": "Hello",
     "stdout": "Started\n", "interpreter": null}

Where it lives depends on the artifact, so that the file stays what it claims to be:

* a native executable (cargo, a .NET apphost): an ELF file with the record between golang's
  `MANIFEST_START`/`MANIFEST_END`, so the shell plays it exactly as it plays a Go program;
* a `.jar`: a real zip (`META-INF/MANIFEST.MF`, classes, `BOOT-INF/lib/*.jar` for Spring Boot)
  whose zip *comment* holds the record (`read_jar`);
* a `.dll`: a PE-shaped file (`MZ`) with the record between the same markers (`read_dll`).

The container runtime (servers.py) can recognise any of them through these readers.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import re
import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tutor.engine.fs import Data, FileTree, Node, Synthetic
from tutor.engine.sh._api import Process
from tutor.engine.sh.pkg import standin
from tutor.engine.sh.pkg.catalogue import put_file, read_text
from tutor.engine.sh.pkg.golang import MANIFEST_END, MANIFEST_START, read_manifest

Record = dict[str, object]

# -- reading what main does --------------------------------------------------------------------

_STRING = r'"((?:[^"\\\n]|\\.)*)"'


def _unquote(text: str) -> str:
    try:
        value = ast.literal_eval(f'"{text}"')
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


def _block(text: str, start: int) -> str:
    """The body of the brace block whose `{` is at or after `start`."""
    i = text.find("{", start)
    if i < 0:
        return ""
    depth, j = 1, i + 1
    while j < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
    return text[i + 1: j - 1]


def printed(body: str, call: str) -> str:
    """What the print calls named by the regex `call` write, in order (`println`-style calls
    end the line, the others do not)."""
    out = ""
    for match in re.finditer(rf"({call})\s*\(\s*{_STRING}\s*\)", body):
        newline = "ln" in match[1] or "Line" in match[1]
        out += _unquote(match[2]) + ("\n" if newline else "")
    return out


def describe_java(sources: Sequence[str], properties: str = "") -> Record:
    """A Java program: its main class, what `main` prints, and for Spring Boot the port
    (`server.port`, else 8080) and the string a `@GetMapping("/")` method returns."""
    text = "\n".join(sources)
    record: Record = {"program": "java", "main": None, "listen": None, "response": None,
                      "stdout": ""}
    for source in sources:
        main = re.search(r"static\s+void\s+main\s*\(", source)
        if main is None:
            continue
        package = re.search(r"^\s*package\s+([\w.]+)\s*;", source, re.M)
        klass = re.search(r"\bclass\s+(\w+)", source)
        if klass:
            record["main"] = (package[1] + "." if package else "") + klass[1]
        record["stdout"] = printed(_block(source, main.end()), r"System\.out\.print(?:ln)?")
        break
    if "@SpringBootApplication" in text:
        port = re.search(r"^\s*server\.port\s*[=:]\s*(\d+)", properties, re.M)
        record["listen"] = f":{port[1] if port else 8080}"
        mapping = re.search(r'@(?:Get|Request)Mapping\s*\(\s*(?:value\s*=\s*)?"/"\s*\)[^{]*',
                            text)
        if mapping:
            returned = re.search(rf"return\s+{_STRING}\s*;", _block(text, mapping.end()))
            record["response"] = _unquote(returned[1]) if returned else None
    return record


def describe_csharp(sources: Sequence[str]) -> Record:
    """A C# program: what top-level statements or `Main` print; an ASP.NET app listens on
    :8080 (ASPNETCORE_HTTP_PORTS in the .NET 8 images) and answers `MapGet("/", () => "…")`."""
    text = "\n".join(sources)
    record: Record = {"program": "dotnet", "listen": None, "response": None,
                      "stdout": printed(text, r"Console\.Write(?:Line)?")}
    if re.search(r"WebApplication\.CreateBuilder|CreateDefaultBuilder|UseStartup", text):
        record["listen"] = ":8080"
        answer = re.search(rf'MapGet\(\s*"/"\s*,\s*\(\s*\)\s*=>\s*{_STRING}', text)
        record["response"] = _unquote(answer[1]) if answer else None
    return record


def describe_rust(sources: Sequence[str]) -> Record:
    """A Rust program: what `main` prints with `println!`/`print!`, and the address an
    actix/axum/warp server binds when it is written as a literal."""
    text = "\n".join(sources)
    main = re.search(r"fn\s+main\s*\(\s*\)", text)
    body = _block(text, main.end()) if main else ""
    record: Record = {"program": "rust", "listen": None, "response": None,
                      "stdout": printed(body, r"println!|print!")}
    bind = re.search(r'(?:bind|TcpListener::bind)\(\s*\(?\s*"([\d.]+)"\s*,\s*(\d+)', text) or \
        re.search(r'(?:bind|TcpListener::bind)\(\s*"([\d.]*):(\d+)"', text)
    if bind:
        record["listen"] = f":{bind[2]}"
        answer = re.search(rf"(?:HttpResponse::Ok\(\)\.body|async\s+fn\s+\w+\(\)\s*->\s*&'static"
                           rf"\s+str\s*\{{)\s*\(?\s*{_STRING}", text)
        record["response"] = _unquote(answer[1]) if answer else None
    return record


# -- writing artifacts ------------------------------------------------------------------------


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def elf(size: int, seed: str, record: Record, interpreter: str | None) -> bytes:
    """A native x86-64 executable of `size` bytes that the shell plays from `record`."""
    head = struct.pack("<4s5B7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\x00" * 7, 3,
                       0x3E, 1, 0x1000, 64, 0, 0, 64, 56, 9, 64, 0, 0)
    body = MANIFEST_START + json.dumps({**record, "interpreter": interpreter, "goos": "linux",
                                       "goarch": "amd64"}, sort_keys=True).encode()
    fixed = head + b"\x00" * (0x400 - len(head)) + body + MANIFEST_END
    return fixed + Synthetic(max(0, size - len(fixed)), seed).read()


def dll(size: int, seed: str, record: Record) -> bytes:
    """A .NET assembly: a PE file (`MZ`) carrying `record` (see `read_dll`)."""
    head = b"MZ\x90\x00" + b"\x00" * 56 + b"PE\x00\x00"
    body = MANIFEST_START + json.dumps(record, sort_keys=True).encode() + MANIFEST_END
    fixed = head + body
    return fixed + Synthetic(max(0, size - len(fixed)), seed).read()


def read_dll(data: bytes) -> Record | None:
    return read_manifest(data, b"MZ")


@dataclass(frozen=True, slots=True)
class JarEntry:
    name: str
    size: int
    seed: str


def jar(record: Record, entries: Sequence[JarEntry], manifest: Mapping[str, str]) -> bytes:
    """A real zip: `META-INF/MANIFEST.MF` from `manifest`, then `entries` (stored, so that the
    archive weighs what its contents do), the record as the zip comment."""
    buffer = io.BytesIO()
    fixed = (1980, 1, 1, 0, 0, 0)  # what reproducible builds stamp (Maven's outputTimestamp)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        text = "Manifest-Version: 1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in
                                                      manifest.items()) + "\r\n"
        archive.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", fixed), text)
        for entry in entries:
            archive.writestr(zipfile.ZipInfo(entry.name, fixed),
                             Synthetic(entry.size, entry.seed).read())
        archive.comment = json.dumps(record, sort_keys=True).encode()
    return buffer.getvalue()


def read_jar(data: bytes) -> Record | None:
    """The record a jar built here carries; None for any other file (or a jar from elsewhere,
    which then has only its `Main-Class`)."""
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            comment = archive.comment
            manifest = archive.read("META-INF/MANIFEST.MF").decode(errors="replace") if (
                "META-INF/MANIFEST.MF" in archive.namelist()) else ""
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    try:
        value = json.loads(comment) if comment else None
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    main = re.search(r"^Main-Class:\s*(\S+)", manifest, re.M)
    return {"program": "java", "main": main[1] if main else None, "stdout": "",
            "listen": None, "response": None}


def write_bytes(fs: FileTree, path: str, data: bytes, mode: int = 0o644) -> None:
    put_file(fs, path, Node("file", mode, content=Data(data)))


# -- playing a built program -----------------------------------------------------------------


def play(proc: Process, record: Record) -> int:
    """Run a built program as the shell runs a Go one: it prints what `main` prints; a server
    starts and, in a build step, stops at once (`docker run` keeps it up, see servers.py)."""
    stdout = record.get("stdout")
    if isinstance(stdout, str):
        proc.out(stdout)
    proc.spend(0.5 if record.get("listen") else 0.2)
    return 0


# -- dependencies by rule ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Artifact:
    """One dependency a build tool fetched: a jar from Maven Central, a crate, a NuGet package,
    a Composer package or a gem, resolved by rule (docs/package-simulation.md)."""

    group: str
    name: str
    version: str
    size: int

    @property
    def ident(self) -> str:
        return f"{self.group}:{self.name}" if self.group else self.name


def artifact(ecosystem: str, group: str, name: str, version: str | None,
             low: int = 20_000, high: int = 2_000_000) -> Artifact:
    """`group:name` at `version` (the guessed newest release when none is given)."""
    ident = f"{group}:{name}"
    if not version:
        major, minor, patch = standin.guessed_latest(ecosystem, ident)
        version = f"{major}.{minor}.{patch}"
    _, size = standin.sizes(ecosystem, ident, low, high)
    return Artifact(group, name, version, size)


def source_files(proc: Process, root: str, suffix: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Text of every `*suffix` file under `root` (sorted by path), skipping folders in `skip`."""
    found: list[str] = []
    if root not in proc.fs:
        return found
    for path in sorted(proc.fs.walk(root)):
        rel = path[len(root):]
        if path.endswith(suffix) and not any(f"/{s}/" in rel + "/" for s in skip):
            text = read_text(proc.fs, path)
            if text is not None:
                found.append(text)
    return found


def size_text(size: int) -> str:
    """Maven's transfer sizes: `13 kB`, `1.2 MB` (1000-based)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1000:
        return f"{round(size / 1000)} kB"
    return f"{size} B"
