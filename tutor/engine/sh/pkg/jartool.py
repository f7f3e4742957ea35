"""`jar`, the JDK's archive tool: list (`t`), extract (`x`) and create (`c`) jar files.

A jar is a zip, and the jars builds here write are real ones (builds.py), so `jar -xf app.jar`
unpacks what `mvn package` put in (Spring Boot's `BOOT-INF/lib`, `BOOT-INF/classes`), as the
layered Dockerfiles of Spring samples expect. Options come in the classic form (`xvf`, `-xf`,
`cfm`), whose `f` and `m` take the next arguments in the order the letters give, or as long
options (`--extract --file=app.jar`).
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from tutor.engine.fs import Data, FsError, Node, normalize
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import read_bytes, write_bytes
from tutor.engine.sh.pkg.jvm import jdk

_USAGE = ("Usage: jar [OPTION...] [ [--release VERSION] [-C dir] files] ...\n"
          "Try `jar --help' for more information.\n")
_LONG = {"--list": "t", "--extract": "x", "--create": "c", "--verbose": "v",
         "--no-manifest": "M", "--no-compress": "0"}


def _options(args: list[str]) -> tuple[str, str, str, list[str]] | None:
    """(mode letters, archive, manifest, remaining names); None when they do not parse."""
    letters, archive, manifest = "", "", ""
    rest = list(args)
    if rest and not rest[0].startswith("--"):
        first = rest.pop(0).lstrip("-")
        for letter in first:
            if letter == "f":
                archive = rest.pop(0) if rest else ""
            elif letter == "m":
                manifest = rest.pop(0) if rest else ""
            letters += letter
    names = []
    for arg in rest:
        if arg in _LONG:
            letters += _LONG[arg]
        elif arg.startswith("--file="):
            archive = arg.split("=", 1)[1]
        elif arg.startswith("--manifest="):
            manifest = arg.split("=", 1)[1]
        elif arg.startswith("-") and arg != "-C":
            return None
        else:
            names.append(arg)
    if sum(mode in letters for mode in "txc") != 1:
        return None
    return letters, archive, manifest, names


@program("jar")
def jar(proc: Process) -> int:
    parsed = _options(proc.argv[1:])
    if parsed is None:
        proc.err(_USAGE)
        return 1
    letters, archive, manifest, names = parsed
    if "c" in letters:
        return _create(proc, letters, archive, manifest, names)
    try:
        data = read_bytes(proc, archive or "-")
        zipped = zipfile.ZipFile(io.BytesIO(data))
    except FsError:
        proc.err(f"java.io.FileNotFoundException: {archive} (No such file or directory)\n")
        return 1
    except zipfile.BadZipFile:
        proc.err("java.util.zip.ZipException: zip END header not found\n")
        return 1
    members = [i for i in zipped.infolist()
               if not names or any(i.filename == n or i.filename.startswith(n.rstrip("/") + "/")
                                   for n in names)]
    if "t" in letters:
        proc.out("".join(f"{i.filename}\n" for i in members))
        return 0
    verbose = "v" in letters
    for info in members:
        path = normalize(info.filename, proc.cwd)
        if info.is_dir():
            proc.fs.makedirs(path)
            if verbose:
                proc.out(f"  created: {info.filename}\n")
            continue
        proc.fs.makedirs(posixpath.dirname(path))
        proc.fs.put(path, Node("file", 0o644, proc.uid, proc.gid, 0, Data(zipped.read(info))))
        if verbose:
            proc.out(f" inflated: {info.filename}\n")
    proc.spend(len(data) / 200e6)
    return 0


def _create(proc: Process, letters: str, archive: str, manifest: str, names: list[str]) -> int:
    """`jar cf app.jar -C classes .` / `jar cfm app.jar MANIFEST.MF *.class`."""
    buffer = io.BytesIO()
    entries: list[tuple[str, bytes | None]] = []
    base = proc.cwd
    it = iter(names)
    for name in it:
        if name == "-C":
            base = normalize(next(it, "."), proc.cwd)
            continue
        try:
            entries.extend(_walk(proc, normalize(name, base), posixpath.normpath(name)))
        except FsError:
            proc.err(f"{name} : no such file or directory\n")
            return 1
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if "0" in letters
                         else zipfile.ZIP_DEFLATED) as out:
        if "M" not in letters:
            text = f"Manifest-Version: 1.0\r\nCreated-By: {jdk(proc)[0]} (Eclipse Adoptium)\r\n"
            if manifest:
                text += read_bytes(proc, manifest).decode("utf-8", "replace").replace(
                    "\r\n", "\n").replace("\n", "\r\n")
            out.writestr(_info("META-INF/"), b"")
            out.writestr(_info("META-INF/MANIFEST.MF"), (text.rstrip("\r\n") + "\r\n\r\n"))
        for rel, content in entries:
            rel = rel.removeprefix("./").lstrip("/")
            if not rel or rel == ".":
                continue
            if content is None:
                out.writestr(_info(rel + "/"), b"")
            else:
                out.writestr(_info(rel), content)
    try:
        write_bytes(proc, archive or "/dev/stdout", buffer.getvalue())
    except FsError:
        proc.err(f"java.io.FileNotFoundException: {archive} (No such file or directory)\n")
        return 1
    return 0


def _info(name: str) -> zipfile.ZipInfo:
    # fixed times: the same inputs make the same jar, so the build cache holds
    return zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))


def _walk(proc: Process, path: str, rel: str) -> list[tuple[str, bytes | None]]:
    _, node = proc.fs.lookup(path)
    if node.type != "dir":
        return [(rel, read_bytes(proc, path))]
    found: list[tuple[str, bytes | None]] = [(rel, None)]
    for child in sorted(proc.fs.listdir(path)):
        found.extend(_walk(proc, posixpath.join(path, child), posixpath.join(rel, child)))
    return found
