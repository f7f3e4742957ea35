"""`gcc`/`cc`/`g++`/`c++`/`clang`: C and C++ compiled the simulated way.

Nothing is compiled for real. The compiler checks what the real one would refuse before any
code generation (missing inputs, a missing `#include "local.h"`, no `main` when linking) and
writes deterministic stand-ins: `-c` gives an ELF relocatable object, linking an ELF executable
that carries a manifest in the format `go build` uses (see `pkg/golang.py`), so the engine can
play it: it prints what `main` prints through literal `puts`/`printf`/`std::cout` calls, and
needs the dynamic loader of the C library it was linked against (glibc's on Debian, musl's on
Alpine) unless linked `-static` — which is why a C program built on Alpine fails in a Debian
image or in `scratch`, as it does for real.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re

from tutor.engine.fs import Data, FsError, Node, Synthetic
from tutor.engine.sh import downloads
from tutor.engine.sh._api import PROGRAMS, Process, program
from tutor.engine.sh._proc import now_of, read_bytes, tools_of, umask_of, write_bytes

OBJECT_MARK = b"\x00TUTOR-OBJECT\x00"
MUSL_LOADER = "/lib/ld-musl-x86_64.so.1"
GLIBC_LOADER = "/lib64/ld-linux-x86-64.so.2"
_SOURCES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".C", ".s", ".S")
_VALUE_OPTS = {"-o", "-I", "-L", "-l", "-D", "-U", "-x", "-include", "-isystem", "-MF", "-MT",
               "-MQ", "-Xlinker", "-idirafter", "-iquote"}


def _version(proc: Process, name: str) -> str:
    # The distribution decides the compiler, not the tools: Alpine with GNU coreutils added
    # (build-base pulls some in) still has Alpine's gcc.
    try:
        read_bytes(proc, "/etc/alpine-release")
        alpine = True
    except FsError:
        alpine = False
    if alpine:
        return (f"{name} (Alpine 14.2.0) 14.2.0\nCopyright (C) 2024 Free Software Foundation, Inc."
                "\n")
    return f"{name} (Debian 12.2.0-14) 12.2.0\nCopyright (C) 2022 Free Software Foundation, Inc.\n"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "\\": "\\", '"': '"',
                                       "0": ""}.get(m.group(1), m.group(1)), text)


def printed(source: str) -> str:
    """What `main` prints when it is a sequence of literal output calls (else what can be read)."""
    body_match = re.search(r"\bmain\s*\([^)]*\)\s*\{", source)
    if body_match is None:
        return ""
    body = source[body_match.end():]
    out: list[str] = []
    pattern = re.compile(
        r'\bputs\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)'
        r'|\bprintf\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)'
        r'|\bfputs\s*\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*stdout\s*\)'
        r'|\b(?:std::)?cout\s*((?:<<\s*(?:"(?:[^"\\]|\\.)*"|(?:std::)?endl)\s*)+)')
    for m in pattern.finditer(body):
        if m.group(1) is not None:
            out.append(_unescape(m.group(1)) + "\n")
        elif m.group(2) is not None:
            out.append(_unescape(m.group(2)).replace("%%", "%"))
        elif m.group(3) is not None:
            out.append(_unescape(m.group(3)))
        elif m.group(4) is not None:
            for part in re.findall(r'"((?:[^"\\]|\\.)*)"|((?:std::)?endl)', m.group(4)):
                out.append(_unescape(part[0]) if part[0] or not part[1] else "\n")
    return "".join(out)


def _object(source: str, name: str) -> bytes:
    info = {"stdout": printed(source), "main": bool(re.search(r"\bmain\s*\(", source)),
            "source": name}
    head = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x01\x00\x3e\x00"
    return head + OBJECT_MARK + json.dumps(info, sort_keys=True).encode() + OBJECT_MARK


def _read_object(data: bytes) -> dict[str, object] | None:
    start = data.find(OBJECT_MARK)
    end = data.find(OBJECT_MARK, start + 1)
    if start < 0 or end < 0:
        return None
    try:
        value = json.loads(data[start + len(OBJECT_MARK):end])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _executable(proc: Process, objects: list[dict[str, object]], static: bool, seed: str) -> bytes:
    from tutor.engine.sh.pkg.golang import MANIFEST_END, MANIFEST_START

    musl = proc.fs.get(MUSL_LOADER) is not None or tools_of(proc) == "busybox"
    loader = None if static else (MUSL_LOADER if musl else GLIBC_LOADER)
    stdout = "".join(str(o.get("stdout", "")) for o in objects if o.get("main"))
    manifest = {"compiler": "gcc", "static": static, "interpreter": loader, "stdout": stdout,
                "goos": "linux", "goarch": "amd64"}
    head = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x03\x00\x3e\x00"
    body = head + MANIFEST_START + json.dumps(manifest, sort_keys=True).encode() + MANIFEST_END
    # Sizes as gcc -O2 gives for small programs: ~16 KiB dynamic, ~800 KiB (glibc) or ~30 KiB
    # (musl) static.
    size = 16_000 + 2_000 * len(objects)
    if static:
        size += 30_000 if musl else 780_000
    return body + Synthetic(max(0, size - len(body)), seed).read()


@program("gcc", "cc", "g++", "c++", "clang", "clang++", "gcc-12", "g++-12", "gcc-14",
         "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12", "x86_64-linux-gnu-g++-12",
         "aarch64-linux-gnu-gcc-12", "x86_64-alpine-linux-musl-gcc",
         "x86_64-alpine-linux-musl-g++")
def gcc(proc: Process) -> int:
    me = proc.argv[0].rsplit("/", 1)[-1]
    args = proc.argv[1:]
    if "--version" in args:
        proc.out(_version(proc, me) + "This is free software; see the source for copying "
                 "conditions.  There is NO\nwarranty; not even for MERCHANTABILITY or FITNESS "
                 "FOR A PARTICULAR PURPOSE.\n\n")
        return 0
    if "-dumpmachine" in args:
        proc.out("x86_64-alpine-linux-musl\n" if tools_of(proc) == "busybox"
                 else "x86_64-linux-gnu\n")
        return 0
    if "-dumpversion" in args:
        proc.out("14\n" if tools_of(proc) == "busybox" else "12\n")
        return 0
    output: str | None = None
    compile_only = static = shared = preprocess = False
    includes: list[str] = []
    inputs: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in _VALUE_OPTS:
            i += 1
            value = args[i] if i < len(args) else ""
            if a == "-o":
                output = value
            elif a == "-I":
                includes.append(value)
        elif a.startswith("-o") and len(a) > 2:
            output = a[2:]
        elif a.startswith("-I") and len(a) > 2:
            includes.append(a[2:])
        elif a in ("-c", "-S"):
            compile_only = True
        elif a == "-E":
            preprocess = True
        elif a == "-static":
            static = True
        elif a == "-shared":
            shared = True
        elif a.startswith("-"):
            pass  # -O2, -Wall, -g, -std=…, -fPIC, -pthread, -l…, -L…, -D…: no effect here
        else:
            inputs.append(a)
        i += 1
    if not inputs:
        proc.err(f"{me}: fatal error: no input files\ncompilation terminated.\n")
        return 1
    objects: list[dict[str, object]] = []
    status = 0
    unreadable = 0
    sources: list[tuple[str, str]] = []
    for name in inputs:
        try:
            data = read_bytes(proc, name)
        except FsError as e:
            proc.err(f"{me}: error: {name}: {e.strerror}\n")
            status = 1
            unreadable += 1
            continue
        if name.endswith(_SOURCES):
            text = data.decode(errors="replace")
            missing = _missing_include(proc, name, text, includes)
            if missing is not None:
                line, header, spelled = missing
                proc.err(f"{name}:{line}:10: fatal error: {header}: No such file or directory\n"
                         f"{line:>5} | #include {spelled}\n      |          "
                         f"^{'~' * (len(spelled) - 1)}\ncompilation terminated.\n")
                status = 1
                continue
            sources.append((name, text))
            objects.append(_read_object(_object(text, name)) or {})
        elif name.endswith((".o", ".a")):
            obj = _read_object(data)
            if obj is None and name.endswith(".o"):
                proc.err(f"/usr/bin/ld: {name}: file not recognized: file format not "
                         f"recognized\ncollect2: error: ld returned 1 exit status\n")
                return 1
            objects.append(obj or {})
        elif name.endswith(".so"):
            continue
        else:
            objects.append({})
    if status:
        if unreadable == len(inputs):
            proc.err(f"{me}: fatal error: no input files\ncompilation terminated.\n")
        return 1
    proc.spend(0.15 * max(1, len(sources)))
    mask = umask_of(proc)
    if preprocess:
        for _, text in sources:
            proc.out(text)
        return 0
    if compile_only:
        for name, text in sources:
            target = output if output and len(sources) == 1 else posixpath.splitext(
                posixpath.basename(name))[0] + ".o"
            write_bytes(proc, target, _object(text, name))
        return 0
    if shared:
        target = output or "a.out"
        blob = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x03\x00\x3e\x00" + hashlib.sha256(
            repr(objects).encode()).digest()
        _put_exec(proc, target, blob, mask)
        return 0
    if not any(o.get("main") for o in objects):
        start = "Scrt1.o" if tools_of(proc) != "busybox" else "crt1.o"
        proc.err(f"/usr/bin/ld: /usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/"
                 f"{start}: in function `_start':\n(.text+0x17): undefined reference to `main'\n"
                 "collect2: error: ld returned 1 exit status\n")
        return 1
    target = output or "a.out"
    seed = hashlib.sha256(json.dumps(objects, sort_keys=True).encode()).hexdigest()
    name = posixpath.basename(target)
    if sources and name in PROGRAMS and all(
            downloads.is_download(text.encode()) for _, text in sources):
        # The downloaded source of a tool the engine simulates (su-exec.c built as su-exec):
        # the result is that tool, as a release binary of it would be.
        _put_exec(proc, target, downloads.elf_stub(name, seed, 40_000 if static else 18_000),
                  mask)
        return 0
    _put_exec(proc, target, _executable(proc, objects, static, seed), mask)
    return 0


def _put_exec(proc: Process, target: str, data: bytes, mask: int) -> None:
    write_bytes(proc, target, data)
    real = proc.fs.resolve(target, proc.cwd)
    node = proc.fs.nodes[real]
    proc.fs.put(real, Node("file", 0o777 & ~mask, node.uid, node.gid, now_of(proc), Data(data)))


_STANDARD_HEADERS = {
    "assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h", "inttypes.h",
    "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h", "signal.h", "stdalign.h",
    "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h",
    "stdnoreturn.h", "string.h", "tgmath.h", "threads.h", "time.h", "uchar.h", "wchar.h",
    "wctype.h", "unistd.h", "fcntl.h", "dirent.h", "pthread.h", "strings.h", "sys/types.h",
    "sys/stat.h", "sys/socket.h", "sys/wait.h", "sys/time.h", "netinet/in.h", "arpa/inet.h",
    "netdb.h", "poll.h", "dlfcn.h", "getopt.h", "syslog.h", "termios.h", "pwd.h", "grp.h",
}
# Headers that come with the compiler itself, not with the C library's development files.
_COMPILER_HEADERS = {"stdarg.h", "stddef.h", "stdbool.h", "float.h", "iso646.h", "limits.h",
                     "stdalign.h", "stdatomic.h", "stdint.h", "stdnoreturn.h"}


def _missing_include(proc: Process, name: str, text: str,
                     includes: list[str]) -> tuple[int, str, str] | None:
    """(line, header, spelling) of the first `#include` that cannot be found.

    Quoted headers are looked up beside the source and in `-I` directories. The standard
    headers come with the C library's development files (musl-dev on Alpine, libc6-dev on
    Debian): without them (no /usr/include/stdio.h) gcc stops at the first one, as it does
    for real. Other system headers are not checked: package file lists do not name them all.
    """
    folder = posixpath.dirname(name) or "."
    libc_dev = any(_exists(proc, posixpath.join(d, "stdio.h"))
                   for d in ["/usr/include", "/usr/local/include", *includes])
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r'\s*#\s*include\s*(["<])([^">]+)[">]', line)
        if not m:
            continue
        quote, header = m.groups()
        search = ([folder] if quote == '"' else []) + includes + ["/usr/local/include",
                                                                 "/usr/include"]
        if any(_exists(proc, posixpath.join(d, header)) for d in search):
            continue
        if quote == "<":
            if header in _STANDARD_HEADERS and not libc_dev and header not in _COMPILER_HEADERS:
                return number, header, f"<{header}>"
            continue
        return number, header, f'"{header}"'
    return None


def _exists(proc: Process, path: str) -> bool:
    try:
        proc.fs.lookup(path, proc.cwd)
    except FsError:
        return False
    return True
