"""`curl`, `wget` and `ping`: the network as a build step or a container sees it.

There is no real network. Pages come from the simulated web (`proc.world`: `fetch_url` and, when
the world has it, `host_exists`); every other host fails to resolve, as it would on a machine
whose DNS knows no such name. Output follows the real tools: curl's progress meter on stderr when
its output is not a terminal (as in a build log), busybox wget's terse lines on Alpine, GNU
wget's on Debian and Ubuntu.
"""

from __future__ import annotations

import hashlib
import posixpath
from urllib.parse import urlsplit

from tutor.engine.fs import FsError, normalize
from tutor.engine.sh import downloads
from tutor.engine.sh._api import Process, program
from tutor.engine.sh._proc import now_of, tools_of, write_bytes

BYTES_PER_SECOND = 20e6
_CURL_VALUE_OPTS = {
    "retry", "retry-delay", "retry-max-time", "connect-timeout", "max-time", "header",
    "user-agent", "user", "proxy", "proto", "proto-redir", "write-out", "cacert", "capath",
    "referer", "data", "data-binary", "data-raw", "data-urlencode", "request", "output-dir",
    "cert", "key", "limit-rate", "max-filesize", "resolve", "cookie", "cookie-jar", "form",
    "dns-servers", "interface", "speed-limit", "speed-time", "tls-max", "ciphers", "netrc-file",
}


def _normalize(url: str) -> str:
    return url if "://" in url else "http://" + url


def _address(host: str) -> str:
    """A stable, made-up public address for a simulated host (for the tools' messages)."""
    digest = hashlib.sha256(host.encode()).digest()
    return f"93.184.{digest[0]}.{digest[1] or 1}"


def _lookup(proc: Process, url: str) -> tuple[bool, bytes | None]:
    """(host resolves, body) for `url` in the simulated web.

    Pages the world serves come first; any other URL on a public-looking host gets the body
    `downloads` makes up for it by rule (see that module and docs/downloads.md)."""
    world = proc.world
    known, body = False, None
    if world is not None:
        exists = getattr(world, "host_exists", None)
        body = world.fetch_url(url)
        known = bool(exists(url)) if callable(exists) else body is not None
    if not known and downloads.synthesizable(url):
        return True, downloads.body(url, _siblings(proc, url))
    return known, body


def _siblings(proc: Process, url: str) -> dict[str, bytes]:
    """Files in the current directory that are simulated downloads from the same directory as
    `url`: a checksum list served there names them."""
    if not downloads.checksum_list(url):
        return {}
    folder = url.rsplit("/", 1)[0] + "/"
    found: dict[str, bytes] = {}
    try:
        names = proc.fs.listdir(proc.fs.resolve(proc.cwd))
    except FsError:
        return {}
    for name in names:
        node = proc.fs.get(posixpath.join(proc.fs.resolve(proc.cwd), name))
        if node is None or node.type != "file" or node.content is None:
            continue
        data = node.content.read()
        source = downloads.is_download(data)
        if source is not None and source.startswith(folder) and "/" not in source[len(folder):]:
            found[downloads.basename(source)] = data
    return found


def _save(proc: Process, path: str, data: bytes, tool: str, create_dirs: bool = False) -> int:
    try:
        if create_dirs:
            proc.fs.makedirs(normalize(posixpath.dirname(normalize(path, proc.cwd)), "/"))
        write_bytes(proc, path, data)
    except FsError as exc:
        if tool == "curl":
            proc.err(f"Warning: Failed to open the file {path}: {exc.strerror}\n"
                     "curl: (23) Failure writing output to destination\n")
            return 23
        proc.err(f"{tool}: {path}: {exc.strerror}\n")
        return 1
    return 0


def _content_type(url: str) -> str:
    """What a server would send as Content-Type for the file the URL names."""
    name = urlsplit(url).path.lower()
    for suffix, kind in ((".tar.gz", "application/x-gzip"), (".tgz", "application/x-gzip"),
                         (".tar.xz", "application/x-xz"), (".tar.bz2", "application/x-bzip2"),
                         (".zip", "application/zip"), (".asc", "text/plain"),
                         (".json", "application/json"), (".txt", "text/plain"),
                         (".sh", "application/x-sh"), (".deb", "application/vnd.debian.binary-"
                                                               "package")):
        if name.endswith(suffix):
            return kind
    if not name.rstrip("/") or name.endswith((".html", ".htm", "/")):
        return "text/html"
    return "application/octet-stream"


@program("curl")
def curl(proc: Process) -> int:
    args = proc.argv[1:]
    silent = show_error = fail = create_dirs = False
    output: str | None = None
    remote_name = False
    urls: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            flag = arg[2:]
            if flag in ("silent",):
                silent = True
            elif flag == "show-error":
                show_error = True
            elif flag == "fail":
                fail = True
            elif flag == "output":
                i += 1
                output = args[i] if i < len(args) else None
            elif flag == "remote-name":
                remote_name = True
            elif flag == "create-dirs":
                create_dirs = True
            elif flag in ("location", "insecure", "compressed", "progress-bar",
                          "no-progress-meter", "http1.1", "http2", "ipv4", "ipv6", "tlsv1.2",
                          "tlsv1.3", "fail-early", "retry-connrefused", "retry-all-errors",
                          "globoff", "disable", "location-trusted", "no-buffer", "remote-time",
                          "ssl-reqd", "proto-default", "fail-with-body") or "=" in flag:
                pass
            elif flag in _CURL_VALUE_OPTS:
                i += 1  # its value changes nothing the simulated web does
            else:
                proc.err(f"curl: option {arg}: is unknown\n"
                         "curl: try 'curl --help' or 'curl --manual' for more information\n")
                return 2
        elif arg.startswith("-") and len(arg) > 1:
            for j, c in enumerate(arg[1:]):
                if c == "s":
                    silent = True
                elif c == "S":
                    show_error = True
                elif c == "f":
                    fail = True
                elif c == "O":
                    remote_name = True
                elif c in "Lkv#4623":
                    pass
                elif c in "HAuxmwXdeEKTbcr":
                    if not arg[j + 2:]:
                        i += 1  # the option's value is the next argument
                    break
                elif c == "o":
                    rest = arg[j + 2:]
                    if rest:
                        output = rest
                    else:
                        i += 1
                        output = args[i] if i < len(args) else None
                    break
                else:
                    proc.err(f"curl: option -{c}: is unknown\n"
                             "curl: try 'curl --help' or 'curl --manual' for more information\n")
                    return 2
        else:
            urls.append(arg)
        i += 1
    if not urls:
        proc.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    status = 0
    for url in urls:
        full = _normalize(url)
        known, body = _lookup(proc, full)
        quiet_errors = silent and not show_error
        if not known:
            host = urlsplit(full).hostname or url
            if not quiet_errors:
                proc.err(f"curl: (6) Could not resolve host: {host}\n")
            status = 6
            continue
        if body is None:
            if fail:
                if not quiet_errors:
                    proc.err("curl: (22) The requested URL returned error: 404\n")
                status = 22
                continue
            body = b"<html><body><h1>404 Not Found</h1></body></html>\n"
        proc.spend(0.05 + len(body) / BYTES_PER_SECOND)
        to_file = output is not None or remote_name
        if not silent and to_file:
            proc.err(_meter(len(body)))
        if output is not None and output != "-":
            status = _save(proc, output, body, "curl", create_dirs) or status
        elif remote_name:
            name = posixpath.basename(urlsplit(full).path)
            if not name:
                proc.err("curl: Remote file name has no length!\n")
                status = 23
                continue
            status = _save(proc, name, body, "curl") or status
        else:
            if not silent:
                proc.err(_meter(len(body)))
            proc.stdout += body
    return status


def _meter(size: int) -> str:
    """curl's progress meter as it stands when a quick download has finished."""
    speed = min(size * 10, 99999)
    return (
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
        "                                 Dload  Upload   Total   Spent    Left  Speed\n"
        f"100 {size:>5}  100 {size:>5}    0     0  {speed:>5}      0 --:--:-- --:--:-- "
        f"--:--:-- {speed:>5}\n"
    )


@program("wget")
def wget(proc: Process) -> int:
    args = proc.argv[1:]
    quiet = False
    output: str | None = None
    prefix: str | None = None
    urls: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-q", "--quiet"):
            quiet = True
        elif arg == "-O" or arg == "--output-document":
            i += 1
            output = args[i] if i < len(args) else None
        elif arg.startswith("-O") and len(arg) > 2:
            output = arg[2:]
        elif arg.startswith("--output-document="):
            output = arg.split("=", 1)[1]
        elif arg in ("-P", "--directory-prefix"):
            i += 1
            prefix = args[i] if i < len(args) else None
        elif arg.startswith("--directory-prefix="):
            prefix = arg.split("=", 1)[1]
        elif arg in ("-T", "-t", "-U", "-o", "-a", "-e", "-w", "--header", "--user-agent",
                     "--tries", "--timeout", "--wait", "--user", "--password"):
            i += 1  # an option whose value changes nothing the simulated web does
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 2:
            # bundled short options: -qO- , -qO file , -nv , -cq
            for j, c in enumerate(arg[1:], 1):
                if c == "q":
                    quiet = True
                elif c in "OP":
                    value = arg[j + 1:]
                    if not value:
                        i += 1
                        value = args[i] if i < len(args) else ""
                    if c == "O":
                        output = value
                    else:
                        prefix = value
                    break
                elif c in "TtUoaew":
                    if not arg[j + 1:]:
                        i += 1
                    break
        elif arg.startswith("-") and arg != "-":
            pass  # -c, --no-check-certificate, --progress=… : no effect on the simulated web
        else:
            urls.append(arg)
        i += 1
    busybox = tools_of(proc) == "busybox"
    if not urls:
        if busybox:
            proc.err("BusyBox v1.37.0 (2025-01-17 18:12:01 UTC) multi-call binary.\n\n"
                     "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n")
        else:
            proc.err("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\n"
                     "Try `wget --help' for more options.\n")
        return 1
    status = 0
    for url in urls:
        full = _normalize(url)
        host = urlsplit(full).hostname or url
        known, body = _lookup(proc, full)
        name = output or posixpath.basename(urlsplit(full).path) or "index.html"
        if prefix and not output:
            name = posixpath.join(prefix, name)
            proc.fs.makedirs(proc.fs.resolve(prefix, proc.cwd))
        if not known:
            if busybox:
                proc.err(f"wget: bad address '{host}'\n")
            else:
                proc.err(f"--{_stamp(proc)}--  {full}\nResolving {host} ({host})... failed: "
                         f"Name or service not known.\nwget: unable to resolve host address "
                         f"'{host}'\n")
            status = 1 if busybox else 4
            continue
        if body is None:
            if busybox:
                if not quiet:
                    proc.err(f"Connecting to {host} ({_address(host)}:443)\n")
                proc.err("wget: server returned error: HTTP/1.1 404 Not Found\n")
                status = 1
            else:
                proc.err(f"--{_stamp(proc)}--  {full}\n{_gnu_connect(host)}"
                         "HTTP request sent, awaiting response... 404 Not Found\n"
                         f"{_stamp(proc)} ERROR 404: Not Found.\n\n")
                status = 8
            continue
        proc.spend(0.05 + len(body) / BYTES_PER_SECOND)
        if not quiet:
            if busybox:
                shown = "stdout" if name == "-" else f"'{name}'"
                proc.err(f"Connecting to {host} ({_address(host)}:443)\n"
                         f"saving to {shown}\n"
                         f"{name[:20]:<20} 100% |********************************| "
                         f"{size_text(len(body)):>5}  0:00:00 ETA\n")
                if name != "-":
                    proc.err(f"'{name}' saved\n")
            else:
                proc.err(f"--{_stamp(proc)}--  {full}\n{_gnu_connect(host)}"
                         "HTTP request sent, awaiting response... 200 OK\n"
                         f"Length: {len(body)} ({_gnu_size(len(body))}) [{_content_type(full)}]\n"
                         if len(body) >= 1024 else f"Length: {len(body)} [{_content_type(full)}]\n"
                         f"Saving to: '{name}'\n\n"
                         f"     0K {'':<48}100% 10.0M=0s\n\n"
                         f"{_stamp(proc)} (10.0 MB/s) - '{name}' saved "
                         f"[{len(body)}/{len(body)}]\n\n")
        if name == "-":
            proc.stdout += body
        else:
            status = _save(proc, name, body, "wget") or status
    return status


def _gnu_size(size: int) -> str:
    """GNU wget's human-readable length: 1.5K, 67K, 25M."""
    value = float(size)
    for unit in ("K", "M", "G"):
        value /= 1024
        if value < 1024 or unit == "G":
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return f"{size}"


def size_text(size: int) -> str:
    """busybox wget's transferred-size column."""
    if size < 100_000:
        return str(size)
    return f"{size // 1024}k"


def _gnu_connect(host: str) -> str:
    ip = _address(host)
    return (f"Resolving {host} ({host})... {ip}\n"
            f"Connecting to {host} ({host})|{ip}|:443... connected.\n")


def _stamp(proc: Process) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now_of(proc)))


@program("ping")
def ping(proc: Process) -> int:
    """Only loopback answers: the simulated machine has no outside network for ICMP."""
    args = [a for a in proc.argv[1:] if not a.startswith("-")]
    count = 4
    argv = proc.argv[1:]
    if "-c" in argv and argv.index("-c") + 1 < len(argv):
        try:
            count = int(argv[argv.index("-c") + 1])
        except ValueError:
            count = 4
        args = [a for a in args if a != argv[argv.index("-c") + 1]]
    if not args:
        proc.err("ping: usage error: Destination address required\n")
        return 1
    host = args[-1]
    if host not in ("localhost", "127.0.0.1", "::1"):
        proc.err(f"ping: bad address '{host}'\n" if tools_of(proc) == "busybox"
                 else f"ping: {host}: Name or service not known\n")
        return 1 if tools_of(proc) == "busybox" else 2
    proc.out(f"PING {host} (127.0.0.1): 56 data bytes\n")
    for seq in range(count):
        proc.out(f"64 bytes from 127.0.0.1: seq={seq} ttl=64 time=0.050 ms\n")
        proc.spend(1.0 if seq < count - 1 else 0.0)
    proc.out(f"\n--- {host} ping statistics ---\n"
             f"{count} packets transmitted, {count} packets received, 0% packet loss\n"
             "round-trip min/avg/max = 0.050/0.050/0.050 ms\n")
    return 0
