"""Archives and checksums: tar, gzip/gunzip/zcat, sha256sum, sha1sum, md5sum (real formats)."""

from __future__ import annotations

import gzip as gz
import hashlib
import io
import posixpath
import tarfile
import zlib
from dataclasses import replace

from tutor.engine.fs import Data, FsError, Node, normalize
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import complain, read_bytes, split_flags, write_bytes


def _digest(algorithm: str) -> object:
    def run(proc: Process) -> int:
        flags, _, names = split_flags(proc.argv[1:])
        status = 0
        if "c" in flags:
            return _check(proc, algorithm, names)
        for name in names or ["-"]:
            try:
                data = read_bytes(proc, name)
            except FsError as e:
                complain(proc, f"can't open '{name}': {e.strerror}", f"{name}: {e.strerror}")
                status = 1
                continue
            proc.out(f"{hashlib.new(algorithm, data).hexdigest()}  {name}\n")
        return status

    return run


def _check(proc: Process, algorithm: str, names: list[str]) -> int:
    status = 0
    for list_name in names or ["-"]:
        for line in read_bytes(proc, list_name).decode(errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            try:
                ok = hashlib.new(algorithm, read_bytes(proc, name)).hexdigest() == digest
            except FsError:
                ok = False
            proc.out(f"{name}: {'OK' if ok else 'FAILED'}\n")
            status |= 0 if ok else 1
    return status


program("sha256sum")(_digest("sha256"))  # type: ignore[arg-type]
program("sha1sum")(_digest("sha1"))  # type: ignore[arg-type]
program("md5sum")(_digest("md5"))  # type: ignore[arg-type]


def _gzip_bytes(data: bytes) -> bytes:
    # mtime 0 keeps output deterministic, as `gzip -n` does.
    return gz.compress(data, mtime=0)


@program("gzip", "gunzip", "zcat")
def gzip(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    prog = proc.argv[0].rsplit("/", 1)[-1]
    decompress = "d" in flags or prog in ("gunzip", "zcat")
    to_stdout = "c" in flags or prog == "zcat" or not names
    status = 0
    for name in names or ["-"]:
        try:
            data = read_bytes(proc, name)
            out = gz.decompress(data) if decompress else _gzip_bytes(data)
        except FsError as e:
            complain(proc, f"can't open '{name}': {e.strerror}", f"{name}: {e.strerror}")
            status = 1
            continue
        except (OSError, EOFError, zlib.error):
            complain(proc, "invalid magic", f"{name}: not in gzip format")
            status = 1
            continue
        if to_stdout:
            proc.stdout += out
            continue
        target = name[:-3] if decompress and name.endswith(".gz") else name + ".gz"
        write_bytes(proc, target, out)
        if "k" not in flags:
            proc.fs.remove(proc.fs.resolve(name, proc.cwd))
    return status


def _tar_create(proc: Process, names: list[str], base: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name in names:
            real = proc.fs.resolve(name, base, follow=False)
            if real not in proc.fs:
                raise FsError("ENOENT", name)
            for path in proc.fs.walk(real):
                node = proc.fs.nodes[path]
                arcname = posixpath.normpath(name.rstrip("/") + path[len(real) :]).lstrip("/")
                info = tarfile.TarInfo(arcname or ".")
                info.mode, info.uid, info.gid, info.mtime = (
                    node.mode,
                    node.uid,
                    node.gid,
                    node.mtime,
                )
                if node.type == "dir":
                    info.type = tarfile.DIRTYPE
                    archive.addfile(info)
                elif node.type == "symlink":
                    info.type, info.linkname = tarfile.SYMTYPE, node.target
                    archive.addfile(info)
                else:
                    data = node.content.read() if node.content is not None else b""
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _tar_extract(proc: Process, data: bytes, base: str, listing: bool) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for member in archive.getmembers():
            if listing:
                proc.out(member.name + ("/" if member.isdir() else "") + "\n")
                continue
            path = normalize(member.name, base)
            proc.fs.makedirs(posixpath.dirname(path))
            # Only root keeps the archive's owners, as tar does by default.
            uid = member.uid if proc.uid == 0 else proc.uid
            gid = member.gid if proc.uid == 0 else proc.gid
            mtime = int(member.mtime)
            if member.isdir():
                existing = proc.fs.get(path)
                node = Node("dir", member.mode & 0o7777, uid, gid, mtime)
                proc.fs.put(
                    path,
                    replace(existing, mode=node.mode) if existing and existing.is_dir else node,
                )
            elif member.issym():
                proc.fs.put(path, Node("symlink", 0o777, uid, gid, mtime, target=member.linkname))
            elif member.isfile():
                extracted = archive.extractfile(member)
                content = extracted.read() if extracted is not None else b""
                proc.fs.put(
                    path, Node("file", member.mode & 0o7777, uid, gid, mtime, Data(content))
                )


@program("tar")
def tar(proc: Process) -> int:
    args = list(proc.argv[1:])
    if args and not args[0].startswith("-"):
        args[0] = "-" + args[0]
    flags, values, names = split_flags(args, with_value="fC")
    base = normalize(values.get("C", "."), proc.cwd)
    archive_name = values.get("f", "-")
    try:
        if "c" in flags:
            data = _tar_create(proc, names, base)
            if "z" in flags:
                data = _gzip_bytes(data)
            if archive_name == "-":
                proc.stdout += data
            else:
                write_bytes(proc, archive_name, data)
            return 0
        if "x" in flags or "t" in flags:
            data = read_bytes(proc, archive_name)
            _tar_extract(proc, data, base, listing="t" in flags)
            return 0
    except FsError as e:
        return complain(
            proc,
            f"{e.path}: {e.strerror}",
            f"{e.path}: Cannot open: {e.strerror}",
            2 if proc.argv else 1,
        )
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        return complain(proc, "invalid tar magic", "This does not look like a tar archive", 2)
    return complain(
        proc,
        "no command given",
        "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
        2,
    )
