"""Archives and checksums: tar, gzip/gunzip/zcat, sha256sum, sha1sum, md5sum (real formats)."""

from __future__ import annotations

import bz2
import fnmatch
import gzip as gz
import hashlib
import io
import lzma
import posixpath
import re
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field, replace

from tutor.engine.fs import Data, FsError, Node, normalize
from tutor.engine.sh import downloads
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    complain,
    read_bytes,
    split_flags,
    tools_of,
    usage_error,
    who,
    write_bytes,
)


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


def malformed_only_missing(text: str, width: int) -> bool:
    """Whether the list had well-formed lines (all skipped by --ignore-missing)."""
    return any(_parse_check_line(line.rstrip("\r"), width) is not None
               for line in text.splitlines())


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
                if "--ignore-missing" in flags and e.code == "ENOENT":
                    good -= 1
                    continue
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
        quoted = f"'{shown_list}'" if " " in shown_list else shown_list
        if not good and not malformed_only_missing(text, width):
            proc.err(f"{me}: {quoted}: no properly formatted checksum lines found\n")
            status = 1
            continue
        if not good:
            proc.err(f"{me}: {quoted}: no file was verified\n")
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
program("sha224sum")(_digest("sha224"))  # type: ignore[arg-type]
program("sha384sum")(_digest("sha384"))  # type: ignore[arg-type]


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


@dataclass
class TarOptions:
    mode: str = ""  # c, x or t
    archive: str = "-"
    directory: str = "."
    strip: int = 0
    compress: str = ""  # z, J, j or "" (detected when reading)
    verbose: bool = False
    same_owner: bool | None = None
    keep_old: bool = False
    members: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    error: str = ""


_TAR_LONG = {
    "extract": "x", "get": "x", "create": "c", "list": "t", "gzip": "z", "gunzip": "z",
    "xz": "J", "bzip2": "j", "verbose": "v", "no-same-owner": "O", "same-owner": "o",
    "keep-old-files": "k", "ungzip": "z",
}
_TAR_IGNORED = ("no-same-permissions", "same-permissions", "preserve-permissions",
                "numeric-owner", "overwrite", "no-overwrite-dir", "warning", "wildcards",
                "delay-directory-restore", "touch", "anchored", "owner", "group", "mode",
                "mtime", "sort", "format", "checkpoint", "totals", "sparse",
                "recursive-unlink", "unlink-first", "no-xattrs", "xattrs", "acls",
                "no-acls", "selinux")


def _tar_options(argv: list[str]) -> TarOptions:
    opts = TarOptions()
    args = list(argv)
    if args and not args[0].startswith("-"):
        args[0] = "-" + args[0]  # old style: `tar xzf file`
    i = 0

    def flag(c: str) -> None:
        if c in "cxt":
            opts.mode = c
        elif c in "zJjZ":
            opts.compress = c
        elif c == "v":
            opts.verbose = True
        elif c == "O" or c == "o":
            opts.same_owner = False
        elif c == "p" or c == "m" or c == "h" or c == "P" or c == "U" or c == "a":
            pass
        elif c == "k":
            opts.keep_old = True
        else:
            opts.error = opts.error or f"invalid option -- '{c}'"

    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if name in ("file", "directory", "strip-components", "strip", "exclude") and not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            if name == "exclude":
                opts.excludes.append(value)
            elif name == "file":
                opts.archive = value
            elif name == "directory":
                opts.directory = value
            elif name in ("strip-components", "strip"):
                if not value.isdigit():
                    opts.error = f"Invalid number of elements: '{value}'"
                else:
                    opts.strip = int(value)
            elif name in _TAR_LONG:
                flag(_TAR_LONG[name])
                if name == "same-owner":
                    opts.same_owner = True
            elif name.split("=")[0] in _TAR_IGNORED:
                pass
            else:
                opts.error = opts.error or f"unrecognized option '{arg}'"
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                c = arg[j]
                if c in "fC":
                    value = arg[j + 1:]
                    if not value:
                        i += 1
                        value = args[i] if i < len(args) else ""
                    if c == "f":
                        opts.archive = value
                    else:
                        opts.directory = value
                    break
                flag(c)
                j += 1
        else:
            opts.members.append(arg)
        i += 1
    return opts


def _strip(name: str, count: int) -> str | None:
    parts = [p for p in name.split("/") if p and p != "."]
    if len(parts) <= count:
        return None
    return "/".join(parts[count:])


def _wanted(name: str, members: list[str]) -> bool:
    if not members:
        return True
    clean = name.strip("/").removeprefix("./")
    return any(clean == m.strip("/") or clean.startswith(m.strip("/") + "/") for m in members)


def _excluded(name: str, patterns: list[str]) -> bool:
    """--exclude=PATTERN matches after any `/` and also excludes what is under a matching
    directory (GNU tar's unanchored, leading-directory matching)."""
    parts = name.strip("/").removeprefix("./").split("/")
    spans = ["/".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1,
                                                                              len(parts) + 1)]
    return any(fnmatch.fnmatchcase(t, p.strip("/")) for p in patterns for t in spans)


def _tar_extract(proc: Process, data: bytes, opts: TarOptions, base: str) -> list[str]:
    """Extract or list; returns the members asked for that the archive did not hold."""
    listing = opts.mode == "t"
    found: set[str] = set()
    keep_owner = proc.uid == 0 if opts.same_owner is None else opts.same_owner and proc.uid == 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        for member in archive.getmembers():
            if not _wanted(member.name, opts.members) or _excluded(member.name, opts.excludes):
                continue
            for m in opts.members:
                if _wanted(member.name, [m]):
                    found.add(m)
            if listing:
                line = member.name + ("/" if member.isdir() and not member.name.endswith("/")
                                      else "")
                proc.out(_verbose_line(member, line) if opts.verbose else line + "\n")
                continue
            name = _strip(member.name, opts.strip)
            if name is None:
                continue
            if opts.verbose:
                proc.out(member.name + ("/" if member.isdir() else "") + "\n")
            path = normalize(name, base)
            proc.fs.makedirs(posixpath.dirname(path))
            # Only root keeps the archive's owners (unless told --no-same-owner), as tar does.
            uid = member.uid if keep_owner else proc.uid
            gid = member.gid if keep_owner else proc.gid
            mtime = int(member.mtime)
            existing = proc.fs.get(path)
            if member.isdir():
                node = Node("dir", member.mode & 0o7777, uid, gid, mtime)
                proc.fs.put(
                    path,
                    replace(existing, mode=node.mode) if existing and existing.is_dir else node,
                )
                continue
            if existing is not None and existing.is_dir:
                continue
            if member.issym():
                proc.fs.put(path, Node("symlink", 0o777, uid, gid, mtime, target=member.linkname))
            elif member.islnk():
                target = _strip(member.linkname, opts.strip)
                source = proc.fs.get(normalize(target, base)) if target else None
                if source is not None:
                    proc.fs.put(path, source)
            elif member.isfile():
                extracted = archive.extractfile(member)
                content = extracted.read() if extracted is not None else b""
                proc.fs.put(
                    path, Node("file", member.mode & 0o7777, uid, gid, mtime, Data(content))
                )
    proc.spend(len(data) / 200e6)
    return [m for m in opts.members if m not in found]


def _verbose_line(member: tarfile.TarInfo, name: str) -> str:
    kind = "d" if member.isdir() else "l" if member.issym() else "-"
    mode = "".join(
        ch if member.mode & (1 << (8 - i)) else "-" for i, ch in enumerate("rwxrwxrwx"))
    owner = f"{member.uname or member.uid}/{member.gname or member.gid}"
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(member.mtime))
    link = f" -> {member.linkname}" if member.issym() else ""
    return f"{kind}{mode} {owner} {member.size:>8} {when} {name}{link}\n"


def _compress(kind: str, data: bytes) -> bytes:
    if kind == "z":
        return _gzip_bytes(data)
    if kind == "J":
        return lzma.compress(data, format=lzma.FORMAT_XZ, preset=6)
    if kind == "j":
        return bz2.compress(data, 9)
    return data


@program("tar")
def tar(proc: Process) -> int:
    opts = _tar_options(proc.argv[1:])
    busybox = tools_of(proc) == "busybox"
    if opts.error:
        return usage_error(proc, opts.error, opts.error, 1 if busybox else 2)
    base = normalize(opts.directory, proc.cwd)
    if opts.mode != "c" and opts.directory != "." and base not in proc.fs:
        return complain(proc, f"can't change directory to '{opts.directory}': "
                        "No such file or directory",
                        f"{opts.directory}: Cannot open: No such file or directory\n"
                        "tar: Error is not recoverable: exiting now", 2)
    try:
        if opts.mode == "c":
            data = _compress(opts.compress, _tar_create(proc, opts.members, base))
            if opts.archive == "-":
                proc.stdout += data
            else:
                write_bytes(proc, opts.archive, data)
            return 0
        if opts.mode in ("x", "t"):
            data = read_bytes(proc, opts.archive)
            if not data:
                return complain(proc, "short read", "This does not look like a tar archive\n"
                                "tar: Exiting with failure status due to previous errors", 2)
            missing = _tar_extract(proc, data, opts, base)
            for m in missing:
                complain(proc, f"{m}: not found in archive", f"{m}: Not found in archive", 2)
            if missing and not busybox:
                proc.err("tar: Exiting with failure status due to previous errors\n")
            return 2 if missing else 0
    except FsError as e:
        if opts.mode in ("x", "t") and e.path == opts.archive:
            return complain(proc, f"can't open '{e.path}': {e.strerror}",
                            f"{e.path}: Cannot open: {e.strerror}\n"
                            "tar: Error is not recoverable: exiting now", 2)
        return complain(proc, f"{e.path}: {e.strerror}", f"{e.path}: Cannot open: {e.strerror}",
                        2)
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError):
        if busybox:
            return complain(proc, "invalid tar magic", "", 1)
        proc.err("tar: This does not look like a tar archive\n"
                 "tar: Exiting with failure status due to previous errors\n")
        return 2
    return usage_error(
        proc,
        "no command given",
        "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
        1 if busybox else 2,
    )


_COMPRESSORS = {
    "xz": ("xz", ".xz", b"\xfd7zXZ\x00"),
    "unxz": ("xz", ".xz", b"\xfd7zXZ\x00"),
    "xzcat": ("xz", ".xz", b"\xfd7zXZ\x00"),
    "bzip2": ("bzip2", ".bz2", b"BZh"),
    "bunzip2": ("bzip2", ".bz2", b"BZh"),
    "bzcat": ("bzip2", ".bz2", b"BZh"),
}


@program("xz", "unxz", "xzcat", "bzip2", "bunzip2", "bzcat")
def xz(proc: Process) -> int:
    prog = proc.argv[0].rsplit("/", 1)[-1]
    kind, suffix, magic = _COMPRESSORS.get(prog, _COMPRESSORS["xz"])
    flags, _, names = split_flags(proc.argv[1:], with_value="T")
    decompress = "d" in flags or "--decompress" in flags or prog.startswith(("un", "bun")) or (
        prog.endswith("cat"))
    to_stdout = "c" in flags or "--stdout" in flags or prog.endswith("cat") or not names
    status = 0
    for name in names or ["-"]:
        try:
            data = read_bytes(proc, name)
        except FsError as e:
            complain(proc, f"can't open '{name}': {e.strerror}", f"{name}: {e.strerror}")
            status = 1
            continue
        if decompress:
            if not to_stdout and not name.endswith(suffix) and name != "-":
                complain(proc, f"{name}: unknown suffix -- ignored",
                         f"{name}: Filename has an unknown suffix, skipping")
                status = 1 if kind == "bzip2" else 2
                continue
            try:
                out = lzma.decompress(data) if kind == "xz" else bz2.decompress(data)
            except (lzma.LZMAError, OSError, ValueError, EOFError):
                gnu = (f"{name}: File format not recognized" if kind == "xz"
                       else f"{name} is not a bzip2 file.")
                complain(proc, "invalid magic" if data[:len(magic)] != magic else "corrupted data",
                         gnu)
                status = 2 if kind == "bzip2" else 1
                continue
        else:
            out = (lzma.compress(data, format=lzma.FORMAT_XZ, preset=6) if kind == "xz"
                   else bz2.compress(data, 9))
        if to_stdout:
            proc.stdout += out
            continue
        target = name[: -len(suffix)] if decompress else name + suffix
        write_bytes(proc, target, out)
        if "k" not in flags and "--keep" not in flags:
            proc.fs.remove(proc.fs.resolve(name, proc.cwd))
    return status


@program("unzip")
def unzip(proc: Process) -> int:
    flags, values, args = split_flags(proc.argv[1:], with_value="d")
    if not args:
        proc.out("UnZip 6.00 of 20 April 2009, by Debian. Original by Info-ZIP.\n\n"
                 "Usage: unzip [-Z] [-opts[modifiers]] file[.zip] [list] [-x xlist] [-d exdir]\n")
        return 0
    name, members = args[0], args[1:]
    quiet = "q" in flags
    try:
        data = read_bytes(proc, name)
    except FsError:
        proc.err(f"unzip:  cannot find or open {name}, {name}.zip or {name}.ZIP.\n")
        return 9
    base = normalize(values.get("d", "."), proc.cwd)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        proc.out(f"Archive:  {name}\n")
        proc.err(f"  End-of-central-directory signature not found.  Either this file is not\n"
                 f"  a zipfile, or it constitutes one disk of a multi-part archive.  In the\n"
                 f"  latter case the central directory and zipfile comment will be found on\n"
                 f"  the last disk(s) of this archive.\n"
                 f"unzip:  cannot find zipfile directory in one of {name} or\n"
                 f"        {name}.zip, and cannot find {name}.ZIP, period.\n")
        return 9
    if not quiet:
        proc.out(f"Archive:  {name}\n")
    if "l" in flags:
        total = 0
        proc.out("  Length      Date    Time    Name\n---------  ---------- -----   ----\n")
        for info in archive.infolist():
            y, mo, d, h, mi, _ = info.date_time
            proc.out(f"{info.file_size:>9}  {mo:02}-{d:02}-{y} {h:02}:{mi:02}   "
                     f"{info.filename}\n")
            total += info.file_size
        count = len(archive.infolist())
        proc.out(f"---------                     -------\n{total:>9}                     "
                 f"{count} file{'s' if count != 1 else ''}\n")
        return 0
    for info in archive.infolist():
        if members and not _wanted(info.filename, members):
            continue
        path = normalize(info.filename, base)
        if info.is_dir():
            proc.fs.makedirs(path)
            if not quiet:
                proc.out(f"   creating: {info.filename}\n")
            continue
        proc.fs.makedirs(posixpath.dirname(path))
        mode = (info.external_attr >> 16) & 0o7777 or 0o644
        proc.fs.put(path, Node("file", mode, proc.uid, proc.gid, 0, Data(archive.read(info))))
        if not quiet:
            proc.out(f"  inflating: {path if 'd' in values else info.filename}\n")
    return 0
