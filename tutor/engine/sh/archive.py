"""Archives and checksums: tar, gzip/gunzip/zcat, sha256sum, sha1sum, md5sum (real formats)."""

from __future__ import annotations

import gzip as gz
import hashlib
import io
import posixpath
import re
import tarfile
import zlib
from dataclasses import replace

from tutor.engine.fs import Data, FsError, Node, normalize
from tutor.engine.sh import downloads
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import complain, read_bytes, split_flags, tools_of, who, write_bytes


def _digest(algorithm: str) -> object:
    def run(proc: Process) -> int:
        flags, _, names = split_flags(proc.argv[1:])
        status = 0
        if "c" in flags or "--check" in flags:
            return _check(proc, algorithm, names, flags)
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


_BSD_LINE = re.compile(r"(?:SHA256|SHA512|SHA1|MD5) \((.+)\) = ([0-9a-fA-F]+)$")


def _parse_check_line(line: str, width: int) -> tuple[str, str] | None:
    """(expected digest, file name) of one line of a checksum list, None if malformed."""
    bsd = _BSD_LINE.match(line)
    if bsd:
        digest, name = bsd.group(2), bsd.group(1)
    else:
        digest, sep, rest = line.partition(" ")
        if not sep or not rest or rest[0] not in " *":
            return None
        name = rest[1:]
    if len(digest) != width or not all(c in "0123456789abcdefABCDEF" for c in digest) or not name:
        return None
    return digest.lower(), name


def stated_checksum_accepted(data: bytes) -> bool:
    """The rule for checksums a Dockerfile states: the simulation cannot reproduce upstream's
    bytes, so a well-formed checksum stated for a file that is exactly a simulated download
    counts as matching. Any other file is checked for real."""
    return downloads.is_download(data) is not None


def _check(proc: Process, algorithm: str, names: list[str], flags: set[str]) -> int:
    busybox = tools_of(proc) == "busybox"
    quiet_all = "--status" in flags or (busybox and "s" in flags)
    quiet_ok = "--quiet" in flags
    width = hashlib.new(algorithm).digest_size * 2
    me = who(proc)
    status = 0
    for list_name in names or ["-"]:
        shown_list = "standard input" if list_name == "-" else list_name
        try:
            text = read_bytes(proc, list_name).decode(errors="replace")
        except FsError as e:
            complain(proc, f"can't open '{list_name}': {e.strerror}",
                     f"{list_name}: {e.strerror}")
            status = 1
            continue
        failed = unreadable = malformed = good = 0
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parsed = _parse_check_line(line.rstrip("\r"), width)
            if parsed is None:
                if busybox:
                    proc.err(f"{me}: invalid format\n")
                    return 1
                malformed += 1
                continue
            good += 1
            digest, name = parsed
            try:
                data = read_bytes(proc, name)
            except FsError as e:
                if busybox:
                    complain(proc, f"can't open '{name}': {e.strerror}", "")
                else:
                    proc.err(f"{me}: {name}: {e.strerror}\n")
                if not quiet_all:
                    proc.out(f"{name}: FAILED{'' if busybox else ' open or read'}\n")
                unreadable += 1
                continue
            ok = hashlib.new(algorithm, data).hexdigest() == digest or (
                stated_checksum_accepted(data))
            if not ok:
                failed += 1
            if not quiet_all and not (ok and quiet_ok):
                proc.out(f"{name}: {'OK' if ok else 'FAILED'}\n")
        if busybox:
            if (failed or unreadable) and not quiet_all:
                proc.err(f"{me}: WARNING: {failed + unreadable} of {good} computed checksums "
                         "did NOT match\n")
            status |= 1 if failed or unreadable else 0
            continue
        if not good:
            quoted = f"'{shown_list}'" if " " in shown_list else shown_list
            proc.err(f"{me}: {quoted}: no properly formatted checksum lines found\n")
            status = 1
            continue
        if not quiet_all:
            if malformed:
                proc.err(f"{me}: WARNING: {malformed} line{' is' if malformed == 1 else 's are'}"
                         " improperly formatted\n")
            if unreadable:
                proc.err(f"{me}: WARNING: {unreadable} listed file"
                         f"{' could' if unreadable == 1 else 's could'} not be read\n")
            if failed:
                proc.err(f"{me}: WARNING: {failed} computed checksum"
                         f"{' did' if failed == 1 else 's did'} NOT match\n")
        if failed or unreadable or (malformed and "--strict" in flags):
            status = 1
    return status


program("sha256sum")(_digest("sha256"))  # type: ignore[arg-type]
program("sha1sum")(_digest("sha1"))  # type: ignore[arg-type]
program("md5sum")(_digest("md5"))  # type: ignore[arg-type]
program("sha512sum")(_digest("sha512"))  # type: ignore[arg-type]


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
