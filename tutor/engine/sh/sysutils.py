"""Small system tools that Dockerfiles call between downloads and installs.

`mktemp`, `nproc`, `getconf`, `install`, `ldconfig`, `ldd`, `setcap`/`getcap`, `chpasswd`,
`update-ca-certificates`, and the process starters `gosu`, `su-exec` and `tini`. The simulated
machine has the CPUs `docker info` reports (2, x86_64, 4 KiB pages); temporary names are
deterministic (derived from the template and what already exists) so builds are reproducible.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import string
from dataclasses import replace

from tutor.engine.fs import FsError, Node, normalize
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import (
    complain,
    now_of,
    read_bytes,
    run_child,
    split_flags,
    tools_of,
    usage_error,
    write_bytes,
)
from tutor.engine.sh.users import lookup_group_id

CPUS = 2
"""The simulated machine's processors (what `docker info` shows as CPUs)."""
PAGE_SIZE = 4096
_NAME_CHARS = string.ascii_letters + string.digits


def _temp_name(proc: Process, template: str) -> str | None:
    """`template` with its trailing X's replaced by letters that name nothing yet."""
    stem = template.rstrip("X")
    count = len(template) - len(stem)
    for attempt in range(1000):
        digest = hashlib.sha256(f"{template}:{attempt}".encode()).digest()
        suffix = "".join(_NAME_CHARS[b % len(_NAME_CHARS)] for b in digest[:count])
        candidate = stem + suffix
        try:
            real = proc.fs.resolve(candidate, proc.cwd)
        except FsError:
            return None
        if proc.fs.get(real) is None:
            return candidate
    return None


@program("mktemp")
def mktemp(proc: Process) -> int:
    busybox = tools_of(proc) == "busybox"
    flags, values, args = split_flags(proc.argv[1:], with_value="p")
    directory = "d" in flags or "--directory" in flags
    dry = "u" in flags or "--dry-run" in flags
    quiet = "q" in flags or "--quiet" in flags
    tmpdir = values.get("p") or values.get("--tmpdir")
    if "--tmpdir" in flags and tmpdir is None:
        tmpdir = ""
    if len(args) > 1:
        return usage_error(proc, "too many arguments", "too many templates")
    template = args[0] if args else ("tmp.XXXXXX" if busybox else "tmp.XXXXXXXXXX")
    if not template.endswith("XXX"):
        if quiet:
            return 1
        return complain(proc, "Invalid argument", f"too few X's in template '{template}'")
    use_tmp = not args or "t" in flags or tmpdir is not None
    if use_tmp:
        if "/" in template and args and "t" in flags:
            return complain(proc, "Invalid argument",
                            f"invalid template, '{template}', contains directory separator")
        base = tmpdir or proc.env.get("TMPDIR") or "/tmp"
        template = posixpath.join(base, template)
    name = _temp_name(proc, template)
    if name is None:
        return complain(proc, f"{template}: No such file or directory",
                        f"failed to create {'directory' if directory else 'file'} via template"
                        f" '{template}': No such file or directory")
    if not dry:
        parent = proc.fs.get(proc.fs.resolve(posixpath.dirname(name) or ".", proc.cwd))
        if parent is None or parent.type != "dir":
            return complain(proc, f"{template}: No such file or directory",
                            f"failed to create {'directory' if directory else 'file'} via "
                            f"template '{template}': No such file or directory")
        real = proc.fs.resolve(name, proc.cwd)
        node = Node("dir" if directory else "file", 0o700 if directory else 0o600, proc.uid,
                    proc.gid, now_of(proc))
        if not directory:
            write_bytes(proc, name, b"")
            node = replace(proc.fs.nodes[real], mode=0o600)
        proc.fs.put(real, node)
    proc.out(name + "\n")
    return 0


@program("nproc")
def nproc(proc: Process) -> int:
    flags, values, _ = split_flags(proc.argv[1:])
    ignore = values.get("--ignore", "0")
    count = CPUS
    omp = proc.env.get("OMP_NUM_THREADS", "")
    if omp.isdigit() and "--all" not in flags:
        count = int(omp)
    if ignore.isdigit():
        count = max(1, count - int(ignore))
    proc.out(f"{count}\n")
    return 0


_GETCONF = {
    "_NPROCESSORS_ONLN": str(CPUS), "_NPROCESSORS_CONF": str(CPUS),
    "NPROCESSORS_ONLN": str(CPUS), "NPROCESSORS_CONF": str(CPUS), "LONG_BIT": "64",
    "PAGESIZE": str(PAGE_SIZE), "PAGE_SIZE": str(PAGE_SIZE), "ARG_MAX": "2097152",
    "CLK_TCK": "100", "OPEN_MAX": "1048576", "CHILD_MAX": "unlimited", "HOST_NAME_MAX": "64",
    "LOGIN_NAME_MAX": "256", "PATH_MAX": "4096", "NAME_MAX": "255", "LINE_MAX": "2048",
    "PATH": "/bin:/usr/bin", "INT_MAX": "2147483647", "WORD_BIT": "32",
    "_PHYS_PAGES": "2000000", "LEVEL1_DCACHE_LINESIZE": "64",
}


@program("getconf")
def getconf(proc: Process) -> int:
    args = [a for a in proc.argv[1:] if a != "-a"]
    if not args:
        if "-a" in proc.argv[1:]:
            proc.out("".join(f"{k:<35}{v}\n" for k, v in sorted(_GETCONF.items())))
            return 0
        proc.err("Usage: getconf [-v specification] variable_name [pathname]\n"
                 "       getconf -a [pathname]\n")
        return 1
    name = args[0]
    if name == "GNU_LIBC_VERSION" and tools_of(proc) != "busybox":
        proc.out(f"glibc {_glibc_version(proc)}\n")
        return 0
    value = _GETCONF.get(name)
    if value is None:
        proc.err(f"getconf: Unrecognized variable '{name}'\n")
        return 1
    proc.out(value + "\n")
    return 0


def _glibc_version(proc: Process) -> str:
    for folder in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"):
        try:
            names = proc.fs.listdir(proc.fs.resolve(folder))
        except FsError:
            continue
        for name in names:
            if name.startswith("libc-") and name.endswith(".so"):
                return name[5:-3]
    return "2.36"


@program("install")
def install(proc: Process) -> int:
    flags, values, args = split_flags(proc.argv[1:], with_value="mogt")
    mode = int(values["m"], 8) if values.get("m", "").isdigit() else 0o755
    if "m" in values and not values["m"].isdigit():
        return usage_error(proc, f"invalid mode '{values['m']}'", f"invalid mode '{values['m']}'")
    uid, gid = proc.uid, proc.gid
    if "o" in values:
        from tutor.engine.sh.users import lookup_user

        owner = lookup_user(proc, values["o"])
        if owner is None:
            return complain(proc, f"unknown user {values['o']}", f"invalid user '{values['o']}'")
        uid = owner[0]
    if "g" in values:
        group = lookup_group_id(proc, values["g"])
        if group is None:
            return complain(proc, f"unknown group {values['g']}",
                            f"invalid group '{values['g']}'")
        gid = group
    if "d" in flags:
        for name in args:
            real = normalize(name, proc.cwd)
            proc.fs.makedirs(real)
            proc.fs.put(real, replace(proc.fs.nodes[real], mode=mode, uid=uid, gid=gid,
                                      mtime=now_of(proc)))
        return 0
    if len(args) < 2 and "t" not in values:
        if not args:
            return usage_error(proc, "missing file operand", "missing file operand")
        return usage_error(proc, f"missing destination file operand after '{args[0]}'",
                           f"missing destination file operand after '{args[0]}'")
    target = values.get("t") or args[-1]
    sources = args if "t" in values else args[:-1]
    status = 0
    for src in sources:
        try:
            data = read_bytes(proc, src)
        except FsError as e:
            complain(proc, f"can't stat '{src}': {e.strerror}",
                     f"cannot stat '{src}': {e.strerror}")
            status = 1
            continue
        if "D" in flags:
            proc.fs.makedirs(normalize(posixpath.dirname(normalize(target, proc.cwd)), "/")
                             if "t" not in values and len(sources) == 1
                             else normalize(target, proc.cwd))
        try:
            real_target = proc.fs.resolve(target, proc.cwd)
        except FsError as e:
            complain(proc, f"can't create '{target}': {e.strerror}",
                     f"cannot create regular file '{target}': {e.strerror}")
            status = 1
            continue
        existing = proc.fs.get(real_target)
        dest = (posixpath.join(real_target, posixpath.basename(src))
                if existing is not None and existing.is_dir or "t" in values or len(sources) > 1
                else real_target)
        if proc.fs.get(posixpath.dirname(dest) or "/") is None:
            complain(proc, f"can't create '{target}': No such file or directory",
                     f"cannot create regular file '{target}': No such file or directory")
            status = 1
            continue
        write_bytes(proc, dest, data)
        proc.fs.put(dest, replace(proc.fs.nodes[dest], mode=mode, uid=uid, gid=gid))
    return status


@program("ldconfig")
def ldconfig(proc: Process) -> int:
    flags, _, _ = split_flags(proc.argv[1:])
    if "p" in flags or "--print-cache" in flags:
        libs = sorted(p for p in proc.fs.paths()
                      if ".so" in posixpath.basename(p) and p.startswith(("/lib", "/usr/lib")))
        proc.out(f"{len(libs)} libs found in cache `/etc/ld.so.cache'\n")
        for path in libs:
            proc.out(f"\t{posixpath.basename(path)} (libc6,x86-64) => {path}\n")
        return 0
    if tools_of(proc) != "busybox" and proc.fs.get("/etc") is not None:
        # glibc's ldconfig rebuilds the cache of shared libraries it finds.
        write_bytes(proc, "/etc/ld.so.cache", b"glibc-ld.so.cache1.1" + hashlib.sha256(
            "\n".join(sorted(p for p in proc.fs.paths() if ".so" in p)).encode()).digest())
    return 0


_LOADERS_LIBS = {
    "/lib/ld-musl-x86_64.so.1": ["\t/lib/ld-musl-x86_64.so.1 (0x7f0000000000)",
                                 "\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 "
                                 "(0x7f0000000000)"],
    "/lib64/ld-linux-x86-64.so.2": ["\tlinux-vdso.so.1 (0x00007ffc00000000)",
                                    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 "
                                    "(0x00007f0000000000)",
                                    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f0000200000)"],
}


@program("ldd")
def ldd(proc: Process) -> int:
    from tutor.engine.sh.pkg.golang import read_manifest

    names = [a for a in proc.argv[1:] if not a.startswith("-")]
    if not names:
        proc.err("ldd: missing file arguments\nTry `ldd --help' for more information.\n")
        return 1
    status = 0
    for name in names:
        if len(names) > 1:
            proc.out(f"{name}:\n")
        try:
            data = read_bytes(proc, name)
        except FsError as e:
            proc.err(f"ldd: {name}: {e.strerror}\n")
            status = 1
            continue
        manifest = read_manifest(data)
        loader = manifest.get("interpreter") if manifest else None
        if isinstance(loader, str) and loader in _LOADERS_LIBS:
            proc.out("\n".join(_LOADERS_LIBS[loader]) + "\n")
            continue
        proc.err("\tnot a dynamic executable\n")
        status = 1
    return status


@program("setcap")
def setcap(proc: Process) -> int:
    """File capabilities are checked for form and file, then accepted: the simulated kernel has
    no privileged ports or capabilities to enforce, so they are not recorded."""
    args = [a for a in proc.argv[1:] if a not in ("-q", "-n")]
    if len(args) < 2 or len(args) % 2:
        proc.err("usage: setcap [-h] [-q] [-v] [-n <rootid>] (-r|-|<caps>) <filename> "
                 "[ ... (-r|-|<capsN>) <filenameN> ]\n")
        return 1
    for caps, name in zip(args[::2], args[1::2], strict=True):
        if caps != "-r" and not all("=" in c or "+" in c or "-" in c for c in caps.split()):
            proc.err("fatal error: Invalid argument\nusage: setcap ...\n")
            return 1
        try:
            proc.fs.lookup(name, proc.cwd)
        except FsError as e:
            proc.err(f"Failed to set capabilities on file '{name}': {e.strerror}\n")
            return 1
        if proc.uid != 0:
            proc.err("unable to set CAP_SETFCAP effective capability: Operation not permitted\n")
            return 1
    return 0


@program("getcap")
def getcap(proc: Process) -> int:
    return 0  # no capabilities are recorded (see setcap)


@program("chpasswd")
def chpasswd(proc: Process) -> int:
    busybox = tools_of(proc) == "busybox"
    if proc.uid != 0:
        return complain(proc, "must be run by root", "Permission denied")
    try:
        shadow = read_bytes(proc, "/etc/shadow").decode(errors="replace").splitlines()
    except FsError:
        shadow = []
    status = 0
    for number, line in enumerate(proc.stdin.decode(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        user, sep, password = line.partition(":")
        if not sep:
            proc.err(f"chpasswd: line {number}: missing new password\n" if not busybox
                     else "chpasswd: missing new password\n")
            status = 1
            continue
        rows = [r.split(":") for r in shadow]
        match = next((r for r in rows if r[0] == user), None)
        if match is None:
            if busybox:
                proc.err(f"chpasswd: unknown user {user}\n")
            else:
                proc.err(f"chpasswd: (user {user}) pam_chauthtok() failed, error:\n"
                         "Authentication token manipulation error\n"
                         f"chpasswd: (line {number}, user {user}) password not changed\n")
            status = 1
            continue
        # A deterministic stand-in for the crypt(3) hash (the real one is salted at random).
        digest = base64.b64encode(hashlib.sha512(f"{user}:{password}".encode()).digest(),
                                  b"./").decode().rstrip("=")
        match[1] = f"$6${digest[:16]}${digest[16:86]}"
        match[2] = str(now_of(proc) // 86400)
        shadow = [":".join(r) for r in rows]
    if shadow:
        write_bytes(proc, "/etc/shadow", ("\n".join(shadow) + "\n").encode())
    return status


@program("update-ca-certificates")
def update_ca_certificates(proc: Process) -> int:
    """Collects /usr/local/share/ca-certificates/*.crt into the bundle, as Debian's script and
    Alpine's tool do (Debian prints what it did; Alpine's is silent)."""
    local = "/usr/local/share/ca-certificates"
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    try:
        names = sorted(n for n in proc.fs.listdir(proc.fs.resolve(local)) if n.endswith(".crt"))
    except FsError:
        names = []
    added = 0
    proc.fs.makedirs("/etc/ssl/certs")
    try:
        current = read_bytes(proc, bundle)
    except FsError:
        current = b""
    for name in names:
        data = read_bytes(proc, f"{local}/{name}")
        link = f"/etc/ssl/certs/{name[:-4]}.pem"
        if proc.fs.get(link) is None:
            proc.fs.put(link, Node("symlink", 0o777, 0, 0, now_of(proc),
                                   target=f"{local}/{name}"))
            added += 1
        if data not in current:
            current += data if data.endswith(b"\n") else data + b"\n"
    write_bytes(proc, bundle, current)
    if tools_of(proc) == "busybox":
        return 0
    proc.out("Updating certificates in /etc/ssl/certs...\n")
    if added:
        proc.err("rehash: warning: skipping ca-certificates.crt,it does not contain exactly "
                 "one certificate or CRL\n")
    proc.out(f"{added} added, 0 removed; done.\nRunning hooks in "
             "/etc/ca-certificates/update.d...\ndone.\n")
    return 0


# -- starting a program as another user ------------------------------------------------------

def _on_path(proc: Process, name: str) -> bool:
    dirs = [""] if "/" in name else proc.env.get("PATH", "/usr/bin:/bin").split(":")
    for d in dirs:
        path = posixpath.join(d or proc.cwd, name)
        try:
            _, node = proc.fs.lookup(path, proc.cwd)
        except FsError:
            continue
        if node.type == "file" and node.mode & 0o111:
            return True
    return False


def _user_spec(proc: Process, spec: str) -> tuple[int, int, str] | str:
    """(uid, gid, home) for `user[:group]`, or the part that could not be found."""
    from tutor.engine.sh.users import _table

    user, _, group = spec.partition(":")
    row = next((r for r in _table(proc, "/etc/passwd") if len(r) >= 6 and
                (r[0] == user or (user.isdigit() and r[2] == user))), None)
    if row is None and not user.isdigit():
        return f"user:{user}"
    uid = int(row[2]) if row else int(user)
    gid = int(row[3]) if row else 0 if not user.isdigit() else int(user)
    home = row[5] if row else "/"
    if group:
        found = lookup_group_id(proc, group)
        if found is None:
            return f"group:{group}"
        gid = found
    return uid, gid, home


def _exec_as(proc: Process, spec: tuple[int, int, str], argv: list[str]) -> int:
    uid, gid, home = spec
    env = dict(proc.env)
    env["HOME"] = home
    child = replace(proc, uid=uid, gid=gid, env=env, argv=argv)
    status = run_child(child, argv)
    proc.seconds = max(proc.seconds, child.seconds)
    return status


_GOSU_USAGE = (
    "Usage: gosu user-spec command [args]\n"
    "   eg: gosu tianon bash\n"
    "       gosu nobody:root bash -c 'whoami && id'\n"
    "       gosu 1000:1 id\n\n"
    "gosu version: 1.17 (go1.18.2 on linux/amd64; gc)\n"
    "license: Apache-2.0 (full text at https://github.com/tianon/gosu)\n\n"
)


@program("gosu")
def gosu(proc: Process) -> int:
    args = proc.argv[1:]
    if args and args[0] == "--version":
        proc.out("1.17 (go1.18.2 on linux/amd64; gc)\n")
        return 0
    if len(args) < 2:
        proc.err(_GOSU_USAGE)
        return 1
    if proc.uid != 0:
        proc.err(f"error: failed switching to \"{args[0]}\": operation not permitted\n")
        return 1
    spec = _user_spec(proc, args[0])
    if isinstance(spec, str):
        kind, _, name = spec.partition(":")
        what = "user" if kind == "user" else "group"
        proc.err(f"error: failed switching to \"{args[0]}\": unable to find {what} {name}: "
                 f"no matching entries in {'passwd' if kind == 'user' else 'group'} file\n")
        return 1
    if not _on_path(proc, args[1]):
        proc.err(f"error: exec: \"{args[1]}\": executable file not found in $PATH\n")
        return 1
    return _exec_as(proc, spec, args[1:])


@program("su-exec")
def su_exec(proc: Process) -> int:
    args = proc.argv[1:]
    if len(args) < 2:
        proc.err("Usage: su-exec user-spec command [args]\n")
        return 1
    spec = _user_spec(proc, args[0])
    if isinstance(spec, str):
        kind, _, name = spec.partition(":")
        call = "getpwnam" if kind == "user" else "getgrnam"
        proc.err(f"su-exec: {call}({name}): {'user' if kind == 'user' else 'group'} "
                 "not found\n")
        return 1
    if proc.uid != 0:
        proc.err("su-exec: setgroups: Operation not permitted\n")
        return 1
    if not _on_path(proc, args[1]):
        proc.err(f"su-exec: {args[1]}: No such file or directory\n")
        return 1
    return _exec_as(proc, spec, args[1:])


@program("tini", "tini-static")
def tini(proc: Process) -> int:
    args = list(proc.argv[1:])
    while args and args[0].startswith("-") and args[0] != "--":
        flag = args.pop(0)
        if flag == "--version":
            proc.out("tini version 0.19.0 - git.de40ad0\n")
            return 0
        if flag in ("-h", "--help"):
            args = []
            break
        if flag in ("-p", "-e"):
            args = args[1:]  # these take a value
    if args and args[0] == "--":
        args.pop(0)
    if not args:
        proc.err("tini (tini version 0.19.0 - git.de40ad0)\n"
                 "Usage: tini [OPTIONS] PROGRAM -- [ARGS] | --version\n\n"
                 "Execute a program under the supervision of a valid init process (tini)\n")
        return 1
    if not _on_path(proc, args[0]):
        proc.err(f"[FATAL tini (7)] exec {args[0]} failed: No such file or directory\n")
        return 127
    child = replace(proc, argv=args)
    status = run_child(child, args)
    proc.seconds = max(proc.seconds, child.seconds)
    return status
