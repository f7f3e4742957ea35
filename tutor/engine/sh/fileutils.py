"""File utilities: cat, mkdir, touch, rm, cp, mv, ln, chmod, chown, ls, stat, du, df, readlink
(`find` is in find.py)."""

from __future__ import annotations

import posixpath
import re
import stat as st
import time
from dataclasses import replace
from functools import partial

from tutor.engine.fs import FsError, Node, normalize
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    WRITE,
    AccessError,
    allowed,
    check_create,
    complain,
    new_node,
    now_of,
    read_bytes,
    split_flags,
    stdin_chunks,
    tools_of,
    umask_of,
    usage_error,
)


def _err(proc: Process, bb: str, gnu: str, e: FsError) -> None:
    complain(proc, f"{bb}: {e.strerror}", f"{gnu}: {e.strerror}")


@program("cat")
def cat(proc: Process) -> int:
    _, _, files = split_flags(proc.argv[1:])
    status = 0
    for name in files or ["-"]:
        if name == "-":
            for chunk in stdin_chunks(proc):
                proc.stdout += chunk
            continue
        try:
            proc.stdout += read_bytes(proc, name)
        except FsError as e:
            _err(proc, f"can't open '{name}'", name, e)
            status = 1
    return status


@program("mkdir")
def mkdir(proc: Process) -> int:
    flags, values, dirs = split_flags(proc.argv[1:], with_value="m")
    if not dirs:
        return usage_error(proc, "missing operand", "missing operand")
    mode = _parse_mode(values.get("m", ""), 0o777 & ~umask_of(proc)) if "m" in values else None
    status = 0
    for name in dirs:
        path = normalize(name, proc.cwd)
        try:
            node = new_node(proc, "dir")
            if "p" in flags:
                real = _make_parents(proc, path, node)
            else:
                real = proc.fs.resolve(path)
                if proc.fs.get(real) is not None:
                    raise FsError("EEXIST", name)
                check_create(proc, real, name)
                proc.fs.put(real, node)
            if mode is not None:
                proc.fs.put(real, replace(proc.fs.nodes[real], mode=mode))
        except FsError as e:
            _err(proc, f"can't create directory '{name}'", f"cannot create directory '{name}'", e)
            status = 1
    return status


def _make_parents(proc: Process, path: str, node: Node) -> str:
    """`mkdir -p`: create each missing component (following symlinks on the way)."""
    real = "/"
    for part in [p for p in path.split("/") if p]:
        real = proc.fs.resolve(posixpath.join(real, part))
        existing = proc.fs.get(real)
        if existing is None:
            check_create(proc, real, path)
            proc.fs.put(real, node)
        elif not existing.is_dir:
            raise FsError("EEXIST" if real == proc.fs.resolve(path) else "ENOTDIR", path)
    return real


@program("touch")
def touch(proc: Process) -> int:
    flags, _, files = split_flags(proc.argv[1:], with_value="dtr")
    status = 0
    for name in files:
        try:
            real = proc.fs.resolve(name, proc.cwd)
            node = proc.fs.get(real)
            if node is None:
                if "c" not in flags:
                    check_create(proc, real, name)
                    proc.fs.put(real, new_node(proc, "file"))
            else:
                if node.uid != proc.uid and not allowed(proc, node, WRITE):
                    raise AccessError("EACCES", name)
                proc.fs.put(real, replace(node, mtime=now_of(proc)))
        except FsError as e:
            _err(proc, name, f"cannot touch '{name}'", e)
            status = 1
    return status


@program("rm")
def rm(proc: Process) -> int:
    flags, _, files = split_flags(proc.argv[1:])
    recursive = bool(flags & {"r", "R", "--recursive"})
    force = "f" in flags or "--force" in flags
    status = 0
    if not files and not force:
        return usage_error(proc, "missing operand", "missing operand")
    for name in files:
        path = normalize(name, proc.cwd)
        try:
            real = proc.fs.resolve(path, follow=False)
            node = proc.fs.get(real)
            if node is None:
                raise FsError("ENOENT", name)
            if real == "/":
                complain(proc, "can't remove '/'", "it is dangerous to operate recursively on '/'")
                status = 1
                continue
            if node.is_dir and not recursive:
                complain(
                    proc, f"'{name}' is a directory", f"cannot remove '{name}': Is a directory"
                )
                status = 1
                continue
            check_create(proc, real, name)
            proc.fs.remove(real)
        except FsError as e:
            if force and e.code == "ENOENT":
                continue
            _err(proc, f"can't remove '{name}'", f"cannot remove '{name}'", e)
            status = 1
    return status


def _copy_tree(proc: Process, src_real: str, dst_real: str, keep: bool, deref: bool) -> None:
    fs = proc.fs
    node = fs.nodes[src_real]
    if node.type == "symlink" and deref:
        _, node = fs.lookup(src_real)
    if keep:
        copy = node
    elif node.type == "file":
        copy = replace(
            new_node(proc, "file"), content=node.content, mode=node.mode & ~umask_of(proc) & 0o777
        )
    elif node.type == "dir":
        copy = replace(new_node(proc, "dir"), mode=node.mode & ~umask_of(proc) & 0o777)
    else:
        copy = replace(node, uid=proc.uid, gid=proc.gid, mtime=now_of(proc))
    existing = fs.get(dst_real)
    if existing is None:
        check_create(proc, dst_real, dst_real)
    if not (existing is not None and existing.is_dir and copy.is_dir):
        fs.put(dst_real, copy)
    if node.is_dir:
        for name in fs.listdir(src_real if fs.nodes[src_real].is_dir else fs.resolve(src_real)):
            _copy_tree(
                proc, posixpath.join(src_real, name), posixpath.join(dst_real, name), keep, False
            )


def _destination(proc: Process, target: str, src: str, many: bool) -> str:
    real = proc.fs.resolve(target, proc.cwd)
    node = proc.fs.get(real)
    if node is not None and node.is_dir:
        return posixpath.join(real, posixpath.basename(src.rstrip("/")) or "/")
    if many:
        raise FsError("ENOTDIR", target)
    return real


@program("cp")
def cp(proc: Process) -> int:
    flags, _, args = split_flags(proc.argv[1:])
    recursive = bool(flags & {"r", "R", "a", "--recursive", "--archive"})
    keep = bool(flags & {"a", "p", "--archive", "--preserve"})
    if len(args) < 2:
        return usage_error(
            proc,
            "missing file operand" if args else "missing file operand",
            f"missing destination file operand after '{args[0]}'"
            if args
            else "missing file operand",
        )
    *sources, target = args
    status = 0
    for src in sources:
        try:
            real = proc.fs.resolve(src, proc.cwd, follow=not ("a" in flags or "P" in flags))
            node = proc.fs.get(real)
            if node is None:
                raise FsError("ENOENT", src)
            _, followed = proc.fs.lookup(src, proc.cwd)
        except FsError as e:
            _err(proc, f"can't stat '{src}'", f"cannot stat '{src}'", e)
            status = 1
            continue
        if followed.is_dir and not recursive:
            complain(
                proc, f"omitting directory '{src}'", f"-r not specified; omitting directory '{src}'"
            )
            status = 1
            continue
        try:
            dst = _destination(proc, target, src, len(sources) > 1)
            _copy_tree(proc, real, dst, keep, deref=node.type == "symlink" and "a" not in flags)
        except FsError as e:
            _err(proc, f"can't create '{target}'", f"cannot create regular file '{target}'", e)
            status = 1
    return status


@program("mv")
def mv(proc: Process) -> int:
    _, _, args = split_flags(proc.argv[1:])
    if len(args) < 2:
        return usage_error(proc, "missing file operand", "missing file operand")
    *sources, target = args
    status = 0
    for src in sources:
        try:
            real = proc.fs.resolve(src, proc.cwd, follow=False)
            if real not in proc.fs:
                raise FsError("ENOENT", src)
        except FsError as e:
            _err(proc, f"can't rename '{src}'", f"cannot stat '{src}'", e)
            status = 1
            continue
        try:
            dst = _destination(proc, target, src, len(sources) > 1)
            if dst == real:
                continue
            check_create(proc, real, src)
            _copy_tree(proc, real, dst, keep=True, deref=False)
            proc.fs.remove(real)
        except FsError as e:
            _err(proc, f"can't rename '{src}'", f"cannot move '{src}' to '{target}'", e)
            status = 1
    return status


@program("ln")
def ln(proc: Process) -> int:
    flags, _, args = split_flags(proc.argv[1:])
    if not args:
        return usage_error(
            proc,
            "missing file operand" if tools_of(proc) == "gnu" else "missing operand",
            "missing file operand",
        )
    if len(args) == 1:
        args.append(".")
    *sources, target = args
    status = 0
    for src in sources:
        try:
            real = proc.fs.resolve(target, proc.cwd, follow="n" not in flags)
            node = proc.fs.get(real)
            if node is not None and node.is_dir:
                real = posixpath.join(real, posixpath.basename(src.rstrip("/")))
                node = proc.fs.get(real)
            if node is not None:
                if "f" not in flags:
                    raise FsError("EEXIST", target)
                proc.fs.remove(real)
            check_create(proc, real, target)
            if "s" in flags:
                proc.fs.put(
                    real, Node("symlink", 0o777, proc.uid, proc.gid, now_of(proc), target=src)
                )
            else:
                _, existing = proc.fs.lookup(src, proc.cwd)
                if existing.is_dir:
                    complain(
                        proc,
                        f"{src}: hard link not allowed for directory",
                        f"{src}: hard link not allowed for directory",
                    )
                    status = 1
                    continue
                proc.fs.put(real, existing)
        except FsError as e:
            kind = "symbolic link" if "s" in flags else "hard link"
            _err(proc, target, f"failed to create {kind} '{target}'", e)
            status = 1
    return status


PERM_BITS = {"r": 4, "w": 2, "x": 1}


def _parse_mode(spec: str, current: int, is_dir: bool = False, umask: int = 0o022) -> int | None:
    """An octal or symbolic (`u+rwx,go-w`, `+x`, `a=r`) mode applied to `current`."""
    if re.fullmatch(r"[0-7]{1,4}", spec):
        return int(spec, 8)
    mode = current
    for clause in spec.split(","):
        m = re.fullmatch(r"([ugoa]*)([-+=])([rwxXst]*|[ugo])", clause)
        if not m:
            return None
        who, op, perms = m.groups()
        mask_who = who or "a"
        bits = 0
        for p in perms:
            if p in PERM_BITS or (p == "X" and (is_dir or current & 0o111)):
                value = PERM_BITS.get(p, 1)
                for w in ("u", "g", "o") if "a" in mask_who else mask_who:
                    bits |= value << {"u": 6, "g": 3, "o": 0}[w]
            elif p == "s":
                bits |= (0o4000 if "u" in mask_who or "a" in mask_who else 0) | (
                    0o2000 if "g" in mask_who or "a" in mask_who else 0
                )
            elif p == "t":
                bits |= 0o1000
        if not who:
            # Without a "who", bits the umask would clear are left alone (`chmod +w` → u+w).
            bits &= ~umask
        if op == "+":
            mode |= bits
        elif op == "-":
            mode &= ~bits
        else:
            clear = 0
            for w in ("u", "g", "o") if "a" in mask_who else mask_who:
                clear |= 7 << {"u": 6, "g": 3, "o": 0}[w]
            mode = (mode & ~clear) | bits
    return mode


def _recurse(proc: Process, name: str, recursive: bool) -> list[str]:
    real = proc.fs.resolve(name, proc.cwd)
    if real not in proc.fs:
        raise FsError("ENOENT", name)
    return list(proc.fs.walk(real)) if recursive and proc.fs.nodes[real].is_dir else [real]


@program("chmod")
def chmod(proc: Process) -> int:
    args = proc.argv[1:]
    recursive = "-R" in args
    args = [a for a in args if a not in ("-R", "-v", "-f")]
    if len(args) < 2:
        return usage_error(
            proc,
            "missing operand",
            f"missing operand after '{args[0]}'" if args else "missing operand",
        )
    spec, files = args[0], args[1:]
    status = 0
    for name in files:
        try:
            for real in _recurse(proc, name, recursive):
                node = proc.fs.nodes[real]
                if node.type == "symlink":
                    continue
                mode = _parse_mode(spec, node.mode, node.is_dir, umask_of(proc))
                if mode is None:
                    return complain(proc, f"invalid mode '{spec}'", f"invalid mode: '{spec}'")
                if proc.uid not in (0, node.uid):
                    raise AccessError("EPERM", name)
                proc.fs.put(real, replace(node, mode=mode))
        except FsError as e:
            gnu = (
                f"changing permissions of '{name}'"
                if e.code == "EPERM"
                else f"cannot access '{name}'"
            )
            _err(proc, name, gnu, e)
            status = 1
    return status


@program("chown", "chgrp")
def chown(proc: Process) -> int:
    from tutor.engine.sh.users import lookup_group_id, lookup_user

    args = proc.argv[1:]
    recursive = "-R" in args
    args = [a for a in args if not a.startswith("-")]
    if len(args) < 2:
        return usage_error(proc, "missing operand", "missing operand")
    spec, files = args[0], args[1:]
    group_only = proc.argv[0].endswith("chgrp")
    if group_only:
        user, sep, group = "", ":", spec
    else:
        user, sep, group = spec.partition(":") if ":" in spec else spec.partition(".")
    uid = gid = None
    if user:
        entry = lookup_user(proc, user)
        if entry is None:
            return complain(proc, f"unknown user {user}", f"invalid user: '{spec}'")
        uid = entry[0]
        if sep and not group:
            gid = entry[1]
    if group:
        gid = lookup_group_id(proc, group)
        if gid is None:
            return complain(proc, f"unknown group {group}", f"invalid group: '{spec}'")
    status = 0
    for name in files:
        try:
            for real in _recurse(proc, name, recursive):
                node = proc.fs.nodes[real]
                if proc.uid != 0:
                    raise AccessError("EPERM", name)
                proc.fs.put(
                    real,
                    replace(
                        node,
                        uid=node.uid if uid is None else uid,
                        gid=node.gid if gid is None else gid,
                    ),
                )
        except FsError as e:
            gnu = (
                f"changing ownership of '{name}'"
                if e.code == "EPERM"
                else f"cannot access '{name}'"
            )
            _err(proc, name, gnu, e)
            status = 1
    return status


def _mode_string(node: Node) -> str:
    return st.filemode(node.st_mode)


def _ls_time(proc: Process, mtime: int) -> str:
    """Both ls flavours show the time for files from the last six months, else the year."""
    recent = now_of(proc) - mtime < 182 * 86400 and mtime <= now_of(proc) + 3600
    return time.strftime("%b %e %H:%M" if recent else "%b %e  %Y", time.gmtime(mtime))


@program("ls")
def ls(proc: Process) -> int:
    from tutor.engine.sh.users import group_name, user_name

    flags, _, names = split_flags(proc.argv[1:])
    busybox = tools_of(proc) == "busybox"
    long = "l" in flags or "n" in flags
    show_all = "a" in flags or "A" in flags
    status = 0
    files: list[tuple[str, str, Node]] = []
    dirs: list[tuple[str, str]] = []
    for name in names or ["."]:
        try:
            real = proc.fs.resolve(name, proc.cwd, follow=not long or name.endswith("/"))
            node = proc.fs.get(real)
            if node is None:
                raise FsError("ENOENT", name)
        except FsError as e:
            _err(proc, name, f"cannot access '{name}'", e)
            status = 2 if not busybox else 1
            continue
        if node.type == "symlink" and not long:
            real, node = proc.fs.lookup(real)
        if node.is_dir and "d" not in flags:
            dirs.append((name, real))
        else:
            files.append((name, real, node))
    blocks: list[str] = []

    def render(entries: list[tuple[str, str, Node]]) -> str:
        if not long:
            return "".join(f"{n}\n" for n, _, _ in entries)
        width_links = max((len(str(_links(proc, r, nd))) for _, r, nd in entries), default=1)
        owners = [
            (
                user_name(proc, nd.uid) if "n" not in flags else str(nd.uid),
                group_name(proc, nd.gid) if "n" not in flags else str(nd.gid),
            )
            for _, _, nd in entries
        ]
        wu = max((len(o) for o, _ in owners), default=0)
        wg = max((len(g) for _, g in owners), default=0)
        sizes = [
            str(nd.size if nd.type != "symlink" else len(nd.target)) if nd.type != "dir" else "4096"
            for _, _, nd in entries
        ]
        ws = max((len(s) for s in sizes), default=0)
        lines = []
        for (n, r, nd), (o, g), size in zip(entries, owners, sizes, strict=True):
            arrow = f" -> {nd.target}" if nd.type == "symlink" else ""
            when = _ls_time(proc, nd.mtime)
            if busybox:
                # busybox prints fixed-width columns: "%-10s %4lu %-8.8s %-8.8s %9u "
                lines.append(
                    f"{_mode_string(nd):<10} {_links(proc, r, nd):>4} {o[:8]:<8} "
                    f"{g[:8]:<8} {size:>9} {when} {n}{arrow}\n"
                )
                continue
            lines.append(
                f"{_mode_string(nd)} {_links(proc, r, nd):>{width_links}} {o:<{wu}} {g:<{wg}} "
                f"{size:>{ws}} {when} {n}{arrow}\n"
            )
        return "".join(lines)

    if files:
        blocks.append(render(files))
    queue = list(dirs)
    while queue:
        name, real = queue.pop(0)
        entries: list[tuple[str, str, Node]] = []
        children = proc.fs.listdir(real)
        if "a" in flags:
            entries.append((".", real, proc.fs.nodes[real]))
            parent = posixpath.dirname(real)
            entries.append(("..", parent, proc.fs.nodes[parent]))
        for child in children:
            if child.startswith(".") and not show_all:
                continue
            path = posixpath.join(real, child)
            entries.append((child, path, proc.fs.nodes[path]))
        text = render(entries)
        if long:
            total = sum(_blocks(nd) for _, _, nd in entries)
            text = f"total {total}\n" + text
        if len(names) > 1 or "R" in flags or files:
            text = f"{name}:\n" + text
        blocks.append(text)
        if "R" in flags:
            queue[:0] = [
                (posixpath.join(name, c), posixpath.join(real, c))
                for c, _, nd in [(e[0], e[1], e[2]) for e in entries]
                if nd.is_dir and c not in (".", "..")
            ]
    proc.out("\n".join(blocks))
    return status


def _blocks(node: Node) -> int:
    """1 KiB blocks a node occupies on an ext4-like file system (4 KiB allocation units)."""
    if node.is_dir:
        return 4
    return -(-node.size // 4096) * 4 if node.type == "file" else 0


def _links(proc: Process, real: str, node: Node) -> int:
    if node.is_dir:
        return 2 + sum(1 for c in proc.fs.children.get(real, ()) if proc.fs.nodes[c].is_dir)
    return 1


_TYPE_BITS = {"file": 0o100000, "dir": 0o040000, "symlink": 0o120000, "fifo": 0o010000}

_STAT_DIRECTIVE = re.compile(r"%([-#0 +']*)(\d*)(?:\.(\d+))?([a-zA-Z%])")


def _stat_directive(table: dict[str, str], m: re.Match[str]) -> str:
    """One `%…` of `stat -c`, with printf's flags and width as GNU and busybox stat accept
    them (`%04a` → `0640`); an unknown letter is printed as written, as busybox does."""
    flag, width, _, letter = m.groups()
    if letter == "%":
        return "%"
    value = table.get(letter)
    if value is None:
        return m.group()
    if width:
        size = int(width)
        if "-" in flag:
            return value.ljust(size)
        return value.rjust(size, "0" if "0" in flag and value.lstrip("-").isdigit() else " ")
    return value


@program("stat")
def stat_(proc: Process) -> int:
    flags, values, names = split_flags(proc.argv[1:], with_value="c")
    status = 0
    for name in names:
        try:
            real, node = proc.fs.lookup(name, proc.cwd, follow="L" in flags)
        except FsError as e:
            _err(proc, f"can't stat '{name}'", f"cannot stat '{name}'", e)
            status = 1
            continue
        if "c" in values:
            from tutor.engine.sh.users import group_name, user_name

            fmt = values["c"]
            stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000000 +0000", time.gmtime(node.mtime))
            repl = {
                "a": f"{node.mode & 0o7777:o}",
                "A": _mode_string(node),
                "n": name,
                "N": f"'{name}'" + (f" -> '{node.target}'" if node.type == "symlink" else ""),
                "s": str(node.size),
                "u": str(node.uid),
                "g": str(node.gid),
                "U": user_name(proc, node.uid),
                "G": group_name(proc, node.gid),
                "h": "2" if node.type == "dir" else "1",
                "b": str((node.size + 4095) // 4096 * 8),
                "B": "512",
                "o": "4096",
                "X": str(node.mtime),
                "Y": str(node.mtime),
                "Z": str(node.mtime),
                "x": stamp,
                "y": stamp,
                "z": stamp,
                "f": f"{_TYPE_BITS[node.type] | node.mode & 0o7777:x}",
                "F": {"file": "regular file", "dir": "directory", "symlink": "symbolic link"}.get(
                    node.type, node.type
                ),
            }
            if node.type == "file" and node.size == 0:
                repl["F"] = "regular empty file"
            proc.out(_STAT_DIRECTIVE.sub(partial(_stat_directive, repl), fmt) + "\n")
        else:
            proc.out(
                f"  File: {name}\n  Size: {node.size}\n"
                f"Access: ({node.mode & 0o7777:04o}/{_mode_string(node)})"
                f"  Uid: {node.uid}  Gid: {node.gid}\n"
            )
    return status


def _human(size: int) -> str:
    for unit in ("", "K", "M", "G", "T"):
        if size < 1024 or unit == "T":
            return (
                f"{size}{unit}"
                if unit == ""
                else (f"{size:.1f}{unit}" if size < 10 else f"{size:.0f}{unit}")
            )
        size = size / 1024  # type: ignore[assignment]
    return str(size)


@program("du")
def du(proc: Process) -> int:
    flags, _, names = split_flags(proc.argv[1:])
    status = 0
    for name in names or ["."]:
        try:
            real = proc.fs.resolve(name, proc.cwd)
            if real not in proc.fs:
                raise FsError("ENOENT", name)
        except FsError as e:
            _err(proc, name, f"cannot access '{name}'", e)
            status = 1
            continue
        total = sum(4096 * max(1, -(-proc.fs.nodes[p].size // 4096)) for p in proc.fs.walk(real))
        shown = _human(total) if "h" in flags else str(total // 1024)
        proc.out(f"{shown}\t{name}\n")
    return status


@program("df")
def df(proc: Process) -> int:
    flags, _, _ = split_flags(proc.argv[1:])
    used = proc.fs.total_size() // 1024
    size = 61202244
    avail = size - used - 3128900
    if "h" in flags:
        proc.out(
            "Filesystem      Size  Used Avail Use% Mounted on\n"
            f"overlay          59G  {_human(used * 1024):>4} {_human(avail * 1024):>5}"
            f"  {used * 100 // size + 1}% /\n"
        )
    else:
        proc.out(
            "Filesystem     1K-blocks    Used Available Use% Mounted on\n"
            f"overlay         {size} {used:>7} {avail:>9} {used * 100 // size + 1:>3}% /\n"
        )
    return 0


_READLINK_LONG = {
    "--canonicalize": "f", "--canonicalize-existing": "e", "--canonicalize-missing": "m",
    "--no-newline": "n", "--quiet": "q", "--silent": "s", "--verbose": "v", "--zero": "z",
}
_READLINK_USAGE = (
    "BusyBox v1.36.1 multi-call binary.\n\nUsage: readlink [-fnv] FILE\n\n"
    "Display the value of a symlink\n\n\t-f\tCanonicalize by following all symlinks\n"
    "\t-n\tDon't add newline\n\t-v\tVerbose\n"
)


@program("readlink")
def readlink(proc: Process) -> int:
    """busybox takes exactly one FILE and -fnv(qs); GNU any number and -e/-m/-z too. Both fail
    silently (status 1) unless -v, as coreutils made the default."""
    busybox = tools_of(proc) == "busybox"
    flags, _, names = split_flags(proc.argv[1:])
    known = "fnvqs" if busybox else "femnqsvz"
    for flag in sorted(flags):
        long = flag.startswith("--")
        short = _READLINK_LONG.get(flag, "") if long and not busybox else flag
        if not short or short not in known:
            if busybox:
                # musl's getopt words it; "--verbose" is read as the bundle -, v, e, …
                proc.err(f"{proc.argv[0]}: unrecognized option: {flag[1] if long else flag}\n"
                         + _READLINK_USAGE)
                return 1
            bad = f"unrecognized option '{flag}'" if long else f"invalid option -- '{flag}'"
            return usage_error(proc, bad, bad)
        flags.add(short)
    if busybox and len(names) != 1:
        proc.err(_READLINK_USAGE)
        return 1
    if not names:
        return usage_error(proc, "missing operand", "missing operand")
    end = "\0" if "z" in flags else "\n"
    if "n" in flags:
        if len(names) > 1:
            proc.err("readlink: ignoring --no-newline with multiple arguments\n")
        else:
            end = ""
    status = 0
    for name in names:
        try:
            if "f" in flags and busybox:
                value = _busybox_canonical(proc, name)
            elif flags & {"f", "e", "m"}:
                value = _gnu_canonical(proc, name, "e" if "e" in flags else
                                       "m" if "m" in flags else "f")
            else:
                value = _link_target(proc, name)
        except FsError as e:
            if "v" in flags and not (busybox and "f" in flags):
                reason = "not a symlink" if e.code == "EINVAL" else e.strerror
                complain(proc, f"{name}: cannot read link: {reason}", f"{name}: {e.strerror}")
            status = 1
            continue
        if value is None:
            status = 1
            continue
        proc.out(value + end)
    return status


def _link_target(proc: Process, name: str) -> str:
    """readlink(2): EINVAL for anything but a symlink."""
    _, node = proc.fs.lookup(name, proc.cwd, follow=False)
    if node.type != "symlink":
        raise FsError("EINVAL", name)
    return node.target


def _gnu_canonical(proc: Process, name: str, mode: str) -> str:
    """GNU's canonicalize_filename_mode: -e needs every component, -f all but the last, and -m
    none (what is missing is kept as written)."""
    if mode != "m":
        real = proc.fs.resolve(name, proc.cwd)
        if mode == "e" and proc.fs.get(real) is None:
            raise FsError("ENOENT", name)
        return real
    real = "/"
    parts = [p for p in normalize(name, proc.cwd).split("/") if p]
    for i, part in enumerate(parts):
        real = proc.fs.resolve(posixpath.join(real, part))
        if proc.fs.get(real) is None:
            return posixpath.join(real, *parts[i + 1:])
    return real


def _busybox_canonical(proc: Process, name: str) -> str | None:
    """busybox's realpath with coreutils' leniency: a missing last component is kept when its
    directory exists, but only if the name has a slash, and a dangling link's relative target
    is taken from the current directory rather than the link's."""
    try:
        return proc.fs.lookup(name, proc.cwd)[0]
    except FsError as e:
        if e.code != "ENOENT":
            return None
    try:
        return _busybox_canonical(proc, posixpath.join(proc.cwd, _link_target(proc, name)))
    except FsError:
        pass
    stripped = "/" + name.lstrip("/") if name.startswith("/") else name
    stripped = stripped.rstrip("/") or stripped
    head, slash, tail = stripped.rpartition("/")
    if not slash:
        return None
    if not head:
        return stripped
    try:
        return posixpath.join(proc.fs.lookup(head, proc.cwd)[0], tail)
    except FsError:
        return None
