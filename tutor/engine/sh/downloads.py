"""What the simulated internet serves for an address nobody wrote a page for.

There is no network, yet Dockerfiles download release tarballs, signatures, checksum lists and
install scripts from everywhere. Any such URL on a public-looking host (a name with a dot that is
not reserved for examples or local use: `example.com`, `*.example`, `*.test`, `*.invalid`,
`*.localhost`, `*.local`, `*.internal`) gets a deterministic body made by rule from the URL:

- archives (`.tar.gz`/`.tgz`, `.tar.xz`, `.tar.bz2`, `.tar`, `.zip`) are real archives. A prebuilt
  release (its name says `linux`, or an architecture such as `amd64`/`x64`) holds
  `<stem>/bin/<product>` (layouts in `assets/web/release-layouts.toml` for node and go); a source
  release `name-1.2.tar.gz` holds `name-1.2/` with `configure`, `Makefile.in` and `src/main.c`,
  which `./configure && make && make install` build; GitHub's `/archive/…/v1.2.tar.gz` is named
  `<repo>-1.2/`.
- `.asc`/`.sig` are OpenPGP signatures of the URL without that suffix (`gpg` checks them), and a
  checksum list's signature (`SHASUMS256.txt.asc`) is the clear-signed list.
- checksum lists (`SHASUMS256.txt`, `SHA256SUMS`, `*.sha256` …) list the real sha256 of the
  simulated downloads they name: `X.sha256` names X; a directory's list names the files already
  downloaded from that directory into the current directory.
- public keys (`KEYS`, `*.key`, `*.pub`, `*.gpg`, `*gpg-key*`) are armored OpenPGP key blocks.
- scripts (`.sh`, `get.*` hosts, `/install`) are shell scripts that say they are simulated.
- C sources (`.c`) are a minimal program; `gcc` turns a download of `NAME.c` built as `NAME`
  into the simulated program `NAME` when the engine has one (`su-exec.c` → `su-exec`).
- a file with no extension under `/releases/download/`, or named like a release, is an executable
  stub: it runs when the engine simulates a program of that name, else it says it cannot run.
- GitHub's release API (`api.github.com/repos/O/R/releases/latest`) answers JSON naming a
  release `v1.0.0` (or the tag asked for) and a linux-amd64 asset.
- anything else is a short text naming the URL.

Every body carries the line `Simulated download: <URL>` (inside the archive for archives), so a
file can be recognised later as exactly what the simulated web served (`is_download`): that is how
`sha256sum -c` and `gpg --verify` know a file the simulation could not reproduce bit for bit.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import hashlib
import io
import ipaddress
import json
import lzma
import posixpath
import re
import tarfile
import tomllib
import zipfile
import zlib
from functools import lru_cache
from urllib.parse import urlsplit

from tutor.paths import content_dir

MARK = "Simulated download: "
_MARK_RE = re.compile(rb"Simulated download: (\S+)\n")
_RESERVED = ("example", "test", "invalid", "localhost", "local", "internal")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
ARCHIVE_EXTS = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar", ".zip")
SIG_EXTS = (".asc", ".sig", ".sign")
_SUM_LIST = re.compile(r"(?i)^(sha(256|512|1)?sums(256|512)?(\.txt)?|[\w.-]*checksums?[\w.-]*\.txt"
                       r"|md5sums(\.txt)?)$")
_SUM_ONE = re.compile(r"(?i)\.(sha256|sha256sum|sha512|sha512sum|sha1|md5)$")
_KEY = re.compile(r"(?i)(^keys$|^gpg$|^key$|\.key$|\.pub$|\.gpg$|gpg[-_]?key|pubkey"
                  r"|signing[-_]key)")
_ARCH = re.compile(r"(?i)(linux|amd64|x86_64|x64|arm64|aarch64|armv7|armhf|i386|ppc64le|s390x)")
EPOCH = 1_735_689_600  # 2025-01-01, the simulated servers' Last-Modified


def synthesizable(url: str) -> bool:
    """Whether the simulated web makes up a body for `url` (a public-looking host)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if "." not in host or urlsplit(url).scheme not in ("http", "https", "ftp"):
        return False
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    if host.rsplit(".", 1)[-1] in _RESERVED:
        return False
    return not any(host == d or host.endswith("." + d) for d in _RESERVED_DOMAINS)


def _h(url: str, salt: str = "") -> bytes:
    return hashlib.sha256((salt + url).encode()).digest()


def basename(url: str) -> str:
    return posixpath.basename(urlsplit(url).path.rstrip("/"))


def split_archive(name: str) -> tuple[str, str]:
    """(stem, extension) of an archive name: `node-v1-linux-x64.tar.xz` → (`node-v1-…`,
    `.tar.xz`)."""
    lower = name.lower()
    for ext in ARCHIVE_EXTS:
        if lower.endswith(ext):
            return name[: -len(ext)], ext
    return name, ""


def product_of(stem: str) -> str:
    """The program a release is named after: `node-v22.1.0-linux-x64` → node, `go1.22.linux…`
    → go."""
    m = re.match(r"[A-Za-z][A-Za-z0-9]*?(?=[-_.]?v?\d|[-_.]|$)", stem)
    return (m.group(0) if m else stem).lower() or "app"


def version_of(stem: str) -> str:
    m = re.search(r"v?(\d+(?:\.\d+)*(?:[-.]?(?:rc|beta|alpha)\d*)?)", stem)
    return m.group(1) if m else "1.0.0"


@lru_cache(maxsize=1)
def _layouts() -> dict[str, dict[str, object]]:
    try:
        path = content_dir("assets") / "web" / "release-layouts.toml"
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def elf_stub(name: str, url: str, size: int) -> bytes:
    """An x86-64 executable's first bytes, the download mark, then deterministic filler."""
    head = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00"
    body = head + f"\x00{name}\x00{MARK}{url}\n\x00".encode()
    block = b"".join(hashlib.sha256(url.encode() + i.to_bytes(4, "big")).digest()
                     for i in range(2048))
    out = bytearray(body)
    index = 0
    while len(out) < size:
        out += index.to_bytes(8, "big") + block[8:]
        index += 1
    return bytes(out[:size])


def _stub_size(url: str, low: int, high: int) -> int:
    return low + int.from_bytes(_h(url, "size")[:4], "big") % (high - low)


def _source_tree(stem: str, url: str) -> list[tuple[str, bytes, int]]:
    """Files of a generic source release: autoconf-style `configure`, `Makefile.in`, a C main."""
    name = product_of(stem)
    version = version_of(stem)
    configure = (
        "#!/bin/sh\n"
        f"# Generated by GNU Autoconf 2.71 for {name} {version}.\n"
        "prefix=/usr/local\n"
        "for arg in \"$@\"; do\n"
        "  case \"$arg\" in\n"
        "    --prefix=*) prefix=\"${arg#--prefix=}\" ;;\n"
        f"    --help|-h) echo \"'configure' configures {name} {version} to adapt to many kinds "
        "of systems.\"; echo; echo \"Usage: ./configure [OPTION]... [VAR=VALUE]...\"; exit 0 ;;\n"
        "  esac\n"
        "done\n"
        "echo \"checking for a BSD-compatible install... /usr/bin/install -c\"\n"
        "echo \"checking whether build environment is sane... yes\"\n"
        "CC=\"${CC:-}\"\n"
        "if [ -z \"$CC\" ]; then\n"
        "  if command -v gcc >/dev/null 2>&1; then CC=gcc; "
        "elif command -v cc >/dev/null 2>&1; then CC=cc; fi\n"
        "fi\n"
        "if [ -z \"$CC\" ]; then\n"
        "  echo \"checking for gcc... no\"\n"
        "  echo \"checking for cc... no\"\n"
        "  echo \"checking for cl.exe... no\"\n"
        "  echo \"configure: error: in \\`$(pwd)':\" >&2\n"
        "  echo \"configure: error: no acceptable C compiler found in \\$PATH\" >&2\n"
        "  echo \"See \\`config.log' for more details\" >&2\n"
        "  exit 1\n"
        "fi\n"
        "echo \"checking for gcc... $CC\"\n"
        "echo \"checking whether the C compiler works... yes\"\n"
        "echo \"checking for C compiler default output file name... a.out\"\n"
        "echo \"checking for suffix of executables... \"\n"
        "echo \"checking whether we are cross compiling... no\"\n"
        "echo \"checking for suffix of object files... o\"\n"
        "echo \"checking for make... yes\"\n"
        "echo \"configure: creating ./config.status\"\n"
        "echo \"config.status: creating Makefile\"\n"
        "sed -e \"s|@prefix@|$prefix|g\" -e \"s|@CC@|$CC|g\" Makefile.in > Makefile\n"
        "echo \"./configure $*\" > config.status\n"
        "chmod +x config.status\n"
    )
    makefile = (
        f"# Makefile for {name} {version}\n"
        "prefix = @prefix@\n"
        "bindir = $(prefix)/bin\n"
        "CC = @CC@\n"
        "CFLAGS = -O2\n\n"
        f"all: {name}\n\n"
        f"{name}: src/main.c\n"
        f"\t$(CC) $(CFLAGS) -o {name} src/main.c\n\n"
        f"install: {name}\n"
        "\tmkdir -p $(DESTDIR)$(bindir)\n"
        f"\tcp {name} $(DESTDIR)$(bindir)/{name}\n\n"
        "check: all\n"
        f"\t./{name}\n\n"
        "clean:\n"
        f"\trm -f {name}\n\n"
        ".PHONY: all install check clean\n"
    )
    main_c = (
        "#include <stdio.h>\n\n"
        "int main(void)\n{\n"
        f"    puts(\"{name} {version}\");\n"
        "    return 0;\n}\n"
    )
    cmake = (
        "cmake_minimum_required(VERSION 3.13)\n"
        f"project({name} VERSION {re.sub(r'[^0-9.]', '', version) or '1.0'} LANGUAGES C)\n"
        f"add_executable({name} src/main.c)\n"
        f"install(TARGETS {name} DESTINATION bin)\n"
    )
    readme = (f"{name} {version}\n\nBuild and install:\n\n"
              "    ./configure\n    make\n    make install\n")
    return [
        (f"{stem}/README", readme.encode(), 0o644),
        (f"{stem}/LICENSE", f"Copyright (c) the {name} authors.\n".encode(), 0o644),
        (f"{stem}/configure", configure.encode(), 0o755),
        (f"{stem}/Makefile.in", makefile.encode(), 0o644),
        (f"{stem}/CMakeLists.txt", cmake.encode(), 0o644),
        (f"{stem}/src/main.c", main_c.encode(), 0o644),
    ]


def _strings(table: dict[str, object], key: str) -> list[str]:
    value = table.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _release_tree(stem: str, url: str) -> list[tuple[str, bytes, int]]:
    product = product_of(stem)
    layout = _layouts().get(product)
    top = str(layout.get("top", "{stem}")) if layout else "{stem}"
    top = top.replace("{stem}", stem)
    bins = _strings(layout, "bin") if layout else [f"bin/{product}"]
    files = _strings(layout, "files") if layout else ["README.md", "LICENSE"]
    out: list[tuple[str, bytes, int]] = []
    for i, path in enumerate(bins):
        name = posixpath.basename(path)
        size = _stub_size(url + path, 2_000_000, 6_000_000) if i == 0 else _stub_size(
            url + path, 40_000, 400_000)
        out.append((f"{top}/{path}", elf_stub(name, url, size), 0o755))
    for path in files:
        out.append((f"{top}/{path}", f"{product} {version_of(stem)}: {path}\n".encode(), 0o644))
    return out


def _tree_for(name: str, url: str) -> list[tuple[str, bytes, int]]:
    stem, _ = split_archive(name)
    parts = urlsplit(url).path.split("/")
    if "archive" in parts and urlsplit(url).hostname in ("github.com", "codeload.github.com"):
        # github.com/OWNER/REPO/archive/refs/tags/v1.2.tar.gz unpacks to REPO-1.2/
        repo = parts[2] if len(parts) > 2 else product_of(stem)
        tag = stem[1:] if re.match(r"v\d", stem) else stem
        stem = f"{repo}-{tag}"
    if _ARCH.search(stem) or stem.lower().startswith(("go1.",)):
        return _release_tree(stem, url)
    return _source_tree(stem, url)


def _tar(url: str, entries: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": f"{MARK}{url}"}) as archive:
        dirs: set[str] = set()
        for path, _, _ in entries:
            parent = posixpath.dirname(path)
            while parent and parent not in dirs:
                dirs.add(parent)
                parent = posixpath.dirname(parent)
        for d in sorted(dirs):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, EPOCH
            info.uid = info.gid = 1000
            info.uname = info.gname = ""
            archive.addfile(info)
        for path, data, mode in entries:
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), mode, EPOCH
            info.uid = info.gid = 1000
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def archive(url: str) -> bytes:
    name = basename(url)
    _, ext = split_archive(name)
    entries = _tree_for(name, url)
    if ext == ".zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path, data, mode in entries:
                info = zipfile.ZipInfo(path, date_time=(2025, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
            z.comment = f"{MARK}{url}\n".encode()
        return buf.getvalue()
    raw = _tar(url, entries)
    if ext in (".tar.gz", ".tgz"):
        return _gzip(raw)
    if ext in (".tar.xz", ".txz"):
        return lzma.compress(raw, format=lzma.FORMAT_XZ, preset=0)
    if ext in (".tar.bz2", ".tbz2", ".tbz"):
        return bz2.compress(raw, 1)
    return raw


def _armor(kind: str, payload: bytes, headers: list[str]) -> str:
    text = base64.b64encode(payload).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")[1:]).decode()
    return (f"-----BEGIN PGP {kind}-----\n" + "".join(h + "\n" for h in headers) + "\n"
            + "\n".join(lines) + f"\n={crc}\n-----END PGP {kind}-----\n")


def signature(url: str, signed: bytes = b"") -> str:
    """A detached signature of the URL without its suffix (or of `signed` when clear-signing)."""
    target = url.rsplit(".", 1)[0]
    payload = b"\x89\x02\x33\x04\x00\x01\x08\x00" + _h(target, "sig") + hashlib.sha256(
        signed).digest() + _h(target, "sig2") * 8
    return _armor("SIGNATURE", payload, [f"Comment: {MARK}{url}"])


def public_key(url: str) -> str:
    payload = b"\x99\x01\x0d\x04" + _h(url, "key") * 12
    return _armor("PUBLIC KEY BLOCK", payload, [f"Comment: {MARK}{url}"])


def key_fingerprint(url: str) -> str:
    return hashlib.sha1(_h(url, "key")).hexdigest().upper()


def _script(url: str) -> bytes:
    return (
        "#!/bin/sh\n"
        f"# {MARK}{url}\n"
        "# The simulated web cannot know what this installer really does; it installs nothing.\n"
        f"echo \"{basename(url) or urlsplit(url).hostname}: simulated download of {url}: "
        "nothing to install\"\n"
    ).encode()


def body(url: str, siblings: dict[str, bytes] | None = None) -> bytes:
    """The body served for `url`. `siblings` (file name → bytes already downloaded from the same
    directory) fill a directory's checksum list."""
    name = basename(url)
    lower = name.lower()
    stem, ext = split_archive(name)
    if ext:
        return _cached_archive(url)
    for sig in SIG_EXTS:
        if lower.endswith(sig):
            target = url[: -len(sig)]
            if _SUM_LIST.match(basename(target)):
                listing = body(target, siblings)
                return clearsign(url, listing).encode()
            return signature(url).encode()
    if _SUM_ONE.search(lower):
        target = url[: url.rfind(".")]
        suffix = lower.rsplit(".", 1)[1]
        digest = hashlib.new(suffix.replace("sum", ""), body(target)).hexdigest()
        return f"{digest}  {basename(target)}\n".encode()
    if _SUM_LIST.match(name):
        algo = "sha512" if "512" in name else "md5" if "md5" in lower else "sha256"
        lines = [f"{hashlib.new(algo, data).hexdigest()}  {file}\n"
                 for file, data in sorted((siblings or {}).items())]
        return "".join(lines).encode()
    if _KEY.search(name):
        return public_key(url).encode()
    host = urlsplit(url).hostname or ""
    if lower.endswith((".sh", ".bash")) or host.startswith("get.") or lower in ("install",
                                                                                  "installer"):
        return _script(url)
    if (("/releases/download/" in url and "." not in name) or
            (_ARCH.search(name) and not re.search(r"\.(txt|json|md|html?)$", lower))):
        return elf_stub(product_of(name), url, _stub_size(url, 1_000_000, 4_000_000))
    api = _github_release(url)
    if api is not None:
        return api
    if lower.endswith((".c", ".cc", ".cpp", ".h")):
        # A single-file C program (su-exec.c and the like): it builds; what it does is the
        # simulated program of its name, if the engine has one.
        return (f"/* {MARK}{url}\n */\n#include <stdio.h>\n\n"
                "int main(int argc, char **argv)\n{\n    return 0;\n}\n").encode()
    if lower.endswith(".json"):
        return f'{{"source": "{url}", "note": "{MARK}{url}"}}\n'.encode()
    if lower.endswith((".html", ".htm")) or not name:
        return (f"<!doctype html>\n<html><body><p>{MARK}{url}\n</p></body></html>\n").encode()
    return f"{MARK}{url}\n".encode()


def checksum_list(url: str) -> bool:
    """Whether `url` is a directory's checksum list (or its signature)."""
    name = basename(url)
    for sig in SIG_EXTS:
        if name.lower().endswith(sig):
            name = name[: -len(sig)]
    return bool(_SUM_LIST.match(name))


def _github_release(url: str) -> bytes | None:
    """GitHub's release API (`/repos/OWNER/REPO/releases/latest` or `/releases/tags/TAG`): the
    simulated web knows no real release history, so `latest` is `v1.0.0`."""
    parts = urlsplit(url)
    m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/releases/(latest|tags/([^/]+))/?", parts.path)
    if parts.hostname != "api.github.com" or m is None:
        return None
    owner, repo, _, tag = m.groups()
    tag = tag or "v1.0.0"
    version = tag.removeprefix("v")
    asset = f"{repo}-{tag}-linux-amd64.tar.gz"
    base = f"https://github.com/{owner}/{repo}"
    doc = {
        "url": f"https://api.github.com/repos/{owner}/{repo}/releases/1",
        "html_url": f"{base}/releases/tag/{tag}",
        "tag_name": tag,
        "name": f"{repo} {version}",
        "draft": False,
        "prerelease": False,
        "assets": [{"name": asset, "browser_download_url":
                    f"{base}/releases/download/{tag}/{asset}"}],
        "tarball_url": f"https://api.github.com/repos/{owner}/{repo}/tarball/{tag}",
        "body": f"{MARK}{url}",
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def clearsign(url: str, text: bytes) -> str:
    sig = signature(url, text)
    return ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
            + text.decode(errors="replace") + sig)


@lru_cache(maxsize=16)
def _cached_archive(url: str) -> bytes:
    return archive(url)


def clearsigned_text(data: bytes) -> bytes | None:
    """The message of a clear-signed document (None if it is not one)."""
    head = b"-----BEGIN PGP SIGNED MESSAGE-----\n"
    if not data.startswith(head):
        return None
    rest = data[len(head):]
    blank = rest.find(b"\n\n")
    end = rest.find(b"-----BEGIN PGP SIGNATURE-----")
    if blank < 0 or end < 0:
        return None
    return rest[blank + 2:end]


def marked_url(data: bytes) -> str | None:
    """The URL named by the download mark in `data` (or in the archive it compresses)."""
    window = data[:8192] + data[-2048:]
    found = _MARK_RE.search(window)
    if found is None:
        try:
            if data[:2] == b"\x1f\x8b":
                window = zlib.decompressobj(31).decompress(data, 8192)
            elif data[:6] == b"\xfd7zXZ\x00":
                window = lzma.LZMADecompressor().decompress(data, max_length=8192)
            elif data[:3] == b"BZh":
                window = bz2.BZ2Decompressor().decompress(data, max_length=8192)
            else:
                return None
        except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError):
            return None
        found = _MARK_RE.search(window)
    return found.group(1).decode(errors="replace") if found else None


def is_download(data: bytes) -> str | None:
    """The URL `data` was served from when it is exactly a simulated download, else None."""
    url = marked_url(data)
    if url is None or not synthesizable(url):
        return None
    name = basename(url).lower()
    if any(name.endswith(s) for s in SIG_EXTS) and _SUM_LIST.match(
            basename(url.rsplit(".", 1)[0])):
        # A signed checksum list depends on what else was downloaded; its signature covers it.
        return url if clearsigned_text(data) is not None else None
    return url if body(url) == data else None
