"""nginx's configuration, read from the container's own files, and the requests it answers.

The configuration is tokenised as nginx's `ngx_conf_read_token` does (words, quotes, `#`
comments, `;` `{` `}`), `include` is followed (globs sorted, a missing plain file is an error),
and every directive name is checked against the names nginx knows, so a typo stops the server
with the `[emerg]` line nginx prints. Requests are then answered the way nginx's phases do:
server by port and name, location by `=`, longest prefix, `^~`, regex in order; `return`,
`try_files`, `proxy_pass`, `root`/`alias` + `index`, `autoindex`, `error_page`; and nginx's own
error pages (CRLF line ends, as nginx sends them).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from tutor.engine.fs import FileTree, FsError

Upstream = Callable[[str, int, str], "tuple[int, bytes] | None"]
"""(host, port, path) → what the server there answers, or None when nothing does."""

BLOCKS = frozenset({"http", "events", "server", "location", "upstream", "types", "map", "if",
                    "limit_except", "geo", "split_clients", "stream", "mail", "match",
                    "charset_map"})
"""Directives that take a `{ … }` block."""
FREE_FORM = frozenset({"types", "map", "geo", "split_clients", "charset_map", "match"})
"""Blocks whose lines are data (`text/html html;`), not directives."""
ARGUMENTS = {
    "listen": (1, 1 << 16), "server_name": (1, 1 << 16), "root": (1, 1), "alias": (1, 1),
    "index": (1, 1 << 16), "try_files": (2, 1 << 16), "return": (1, 2), "proxy_pass": (1, 1),
    "error_page": (2, 1 << 16), "autoindex": (1, 1), "location": (1, 2), "include": (1, 1),
    "upstream": (1, 1), "daemon": (1, 1), "http": (0, 0), "events": (0, 0),
}
"""How many arguments the directives the server reads take (nginx's NGX_CONF_TAKE* flags)."""
REASONS = {
    301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
    308: "Permanent Redirect", 400: "Bad Request", 401: "Authorization Required",
    402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Not Allowed",
    406: "Not Acceptable", 408: "Request Time-out", 409: "Conflict", 410: "Gone",
    411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Large", 415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable", 421: "Misdirected Request",
    429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
    505: "HTTP Version Not Supported", 507: "Insufficient Storage",
}
"""The titles of nginx's built-in error pages (`ngx_http_special_response.c`)."""
PREFIX = "/etc/nginx"
"""The official image's `--prefix` and `--conf-path` directory: relative paths start here."""
MAX_REDIRECTS = 10
"""nginx stops internal redirects after 10 cycles with a 500."""


COMMAND_LINE = "command line"
"""The name `-g` directives are parsed under; nginx's errors there end `in command line`."""


def _at(file: str, line: int) -> str:
    return "in command line" if file == COMMAND_LINE else f"in {file}:{line}"


class ConfigError(Exception):
    """An `[emerg]` nginx stops on; the message has nginx's ` in FILE:LINE` suffix."""


@dataclass(slots=True)
class Directive:
    name: str
    args: list[str]
    file: str
    line: int
    block: list[Directive] | None = None

    def where(self) -> str:
        return _at(self.file, self.line)


@dataclass(slots=True)
class Location:
    modifier: str
    """"", "=", "^~", "~", "~*", or "@" for a named location."""
    pattern: str
    body: list[Directive]


@dataclass(slots=True)
class VirtualServer:
    ports: list[int]
    default_ports: set[int]
    names: list[str]
    body: list[Directive]
    locations: list[Location]


@dataclass(slots=True)
class NginxConfig:
    main: list[Directive]
    http: list[Directive]
    servers: list[VirtualServer]
    upstreams: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ports(self) -> list[int]:
        seen: list[int] = []
        for s in self.servers:
            seen += [p for p in s.ports if p not in seen]
        return seen


@cache
def known_directives(assets: Path) -> frozenset[str]:
    lines = (assets / "servers" / "nginx-directives.txt").read_text().splitlines()
    return frozenset(x for x in lines if x and not x.startswith("#"))


# -- reading -------------------------------------------------------------------------------


def _tokens(text: str, file: str) -> list[tuple[str, int, bool]]:
    """(token, line, quoted) with `;`, `{`, `}` as their own tokens."""
    out: list[tuple[str, int, bool]] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif ch in ";{}":
            out.append((ch, line, False))
            i += 1
        elif ch in "\"'":
            start, j, buf = line, i + 1, []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n and text[j + 1] in (ch, "\\"):
                    j += 1
                elif text[j] == "\\" and j + 1 < n and text[j + 1] in "nrt":
                    buf.append({"n": "\n", "r": "\r", "t": "\t"}[text[j + 1]])
                    j += 2
                    continue
                if text[j] == "\n":
                    line += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise ConfigError(f'unexpected end of file, expecting ";" or "}}" in '
                                  f"{file}:{line}")
            out.append(("".join(buf), start, True))
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in " \t\r\n;{}\"'" and not (
                    text[j] == "{" and j > i and text[j - 1] != "$"):
                if text[j] == "$" and j + 1 < n and text[j + 1] == "{":
                    end = text.find("}", j)
                    j = end + 1 if end > 0 else n
                    continue
                j += 1
            out.append((text[i:j], line, False))
            i = j
    return out


def _is_block(name: str, parent: str) -> bool:
    """Whether `name` takes a block where it stands (`server` in `upstream` is a line)."""
    return name in BLOCKS and not (name == "server" and parent == "upstream")


class _Reader:
    def __init__(self, tree: FileTree, known: frozenset[str]) -> None:
        self.tree, self.known = tree, known

    def read_file(self, path: str, where: str) -> list[Directive]:
        try:
            _, node = self.tree.lookup(path)
        except FsError:
            node = None
        if node is None or node.is_dir or node.content is None:
            reason = "21: Is a directory" if node is not None and node.is_dir \
                else "2: No such file or directory"
            raise ConfigError(f'open() "{path}" failed ({reason}){where}')
        text = node.content.read().decode(errors="replace")
        return self.parse(_tokens(text, path), path, free=False)

    def parse(self, tokens: list[tuple[str, int, bool]], file: str,
              free: bool) -> list[Directive]:
        pos = 0
        out: list[Directive] = []
        stack: list[tuple[list[Directive], bool, str]] = []
        body, in_free, parent = out, free, ""
        words: list[tuple[str, int, bool]] = []
        while pos < len(tokens):
            tok, line, quoted = tokens[pos]
            pos += 1
            if not quoted and tok == ";":
                if not words:
                    raise ConfigError(f'unexpected ";" {_at(file, line)}')
                d = self._directive(words, file, in_free)
                if _is_block(d.name, parent) and not in_free:
                    raise ConfigError(f'directive "{d.name}" has no opening "{{" {d.where()}')
                body += self._expand(d, in_free)
                words = []
            elif not quoted and tok == "{":
                if not words:
                    raise ConfigError(f'unexpected "{{" {_at(file, line)}')
                d = self._directive(words, file, in_free)
                if not _is_block(d.name, parent) and not in_free:
                    raise ConfigError(f'directive "{d.name}" is not terminated by ";" '
                                      f"{d.where()}")
                d.block = []
                body.append(d)
                stack.append((body, in_free, parent))
                body, in_free, parent, words = d.block, d.name in FREE_FORM, d.name, []
            elif not quoted and tok == "}":
                if words or not stack:
                    raise ConfigError(f'unexpected "}}" {_at(file, line)}')
                body, in_free, parent = stack.pop()
            else:
                words.append((tok, line, quoted))
        last = tokens[-1][1] if tokens else 1
        if words and file == COMMAND_LINE:
            raise ConfigError(f'unexpected end of parameter, expecting ";" {_at(file, last)}')
        if words:
            raise ConfigError(f'unexpected end of file, expecting ";" or "}}" {_at(file, last)}')
        if stack:
            raise ConfigError(f'unexpected end of file, expecting "}}" {_at(file, last)}')
        return out

    def _directive(self, words: list[tuple[str, int, bool]], file: str,
                   free: bool) -> Directive:
        name, line, _ = words[0]
        d = Directive(name, [w for w, _, _ in words[1:]], file, line)
        if not free and name not in self.known:
            raise ConfigError(f'unknown directive "{name}" {d.where()}')
        low, high = ARGUMENTS.get(name, (0, 1 << 16)) if not free else (0, 1 << 16)
        if not low <= len(d.args) <= high:
            raise ConfigError(f'invalid number of arguments in "{name}" directive {d.where()}')
        return d

    def _expand(self, d: Directive, free: bool) -> list[Directive]:
        if free or d.name != "include":
            return [d]
        if len(d.args) != 1:
            raise ConfigError(f'invalid number of arguments in "include" directive {d.where()}')
        pattern = d.args[0] if d.args[0].startswith("/") else posixpath.join(PREFIX, d.args[0])
        if not any(c in pattern for c in "*?["):
            return self.read_file(pattern, " " + d.where())
        folder, glob = posixpath.split(pattern)
        try:
            names = sorted(n for n in self.tree.listdir(folder) if fnmatch.fnmatchcase(n, glob))
        except FsError:
            names = []
        out: list[Directive] = []
        for name in names:
            out += self.read_file(posixpath.join(folder, name), " " + d.where())
        return out


def load(tree: FileTree, assets: Path, path: str = PREFIX + "/nginx.conf",
         extra: str = "") -> NginxConfig:
    """Read the configuration nginx starts with (`-c path`, `-g extra`)."""
    reader = _Reader(tree, known_directives(assets))
    main = reader.parse(_tokens(extra, COMMAND_LINE), COMMAND_LINE, free=False) \
        if extra else []
    main += reader.read_file(path if path.startswith("/") else posixpath.join(PREFIX, path), "")
    http = [d for d in main if d.name == "http"]
    body = [x for h in http for x in h.block or []]
    servers = [_server(d) for d in body if d.name == "server"]
    upstreams = {d.args[0]: [s.args[0] for s in d.block or [] if s.name == "server" and s.args]
                 for d in body if d.name == "upstream" and d.args}
    return NginxConfig(main, body, servers, upstreams)


def _server(d: Directive) -> VirtualServer:
    body = d.block or []
    ports: list[int] = []
    defaults: set[int] = set()
    names: list[str] = []
    locations: list[Location] = []
    for x in body:
        if x.name == "listen" and x.args:
            port = _listen_port(x.args[0])
            if port not in ports:
                ports.append(port)
            if "default_server" in x.args or "default" in x.args:
                defaults.add(port)
        elif x.name == "server_name":
            names += x.args
        elif x.name == "location" and x.args:
            locations.append(_location(x))
    return VirtualServer(ports or [80], defaults, names, body, locations)


def _location(d: Directive) -> Location:
    args = d.args
    if len(args) >= 2 and args[0] in ("=", "~", "~*", "^~"):
        return Location(args[0], args[1], d.block or [])
    first = args[0]
    for mod in ("=", "^~", "~*", "~"):
        if first.startswith(mod) and len(first) > len(mod):
            return Location(mod, first[len(mod):], d.block or [])
    if first.startswith("@"):
        return Location("@", first, d.block or [])
    return Location("", first, d.block or [])


def _listen_port(value: str) -> int:
    text = value.rpartition("]:")[2] if value.startswith("[") else value.rpartition(":")[2]
    return int(text) if text.isdigit() else 80


def upstream_hosts(conf: NginxConfig) -> list[tuple[str, Directive]]:
    """The host names nginx resolves when it starts (`proxy_pass`, `upstream { server … }`),
    with the directive that names them, for its `host not found in upstream` error."""
    found: list[tuple[str, Directive]] = []

    def walk(body: list[Directive]) -> None:
        for d in body:
            if d.name == "proxy_pass" and d.args:
                host = re.sub(r"^\w+://", "", d.args[0]).split("/", 1)[0]
                if "$" not in host and host.split(":")[0] not in conf.upstreams:
                    found.append((host, d))
            if d.name == "upstream":
                for s in d.block or []:
                    if s.name == "server" and s.args:
                        found.append((s.args[0], s))
                continue
            if d.block is not None and d.name not in FREE_FORM:
                walk(d.block)

    walk(conf.http)
    return found


# -- answering -----------------------------------------------------------------------------


@dataclass(slots=True)
class Request:
    conf: NginxConfig
    tree: FileTree
    version: str
    upstream: Upstream | None
    args: str = ""
    redirects: int = 0
    errors: list[str] = field(default_factory=list)
    """What nginx writes to its error log while answering (without its time/pid prefix)."""


def error_page(status: int, version: str) -> bytes:
    """nginx's built-in page for `status` (an empty body for codes it has none for)."""
    if status not in REASONS:
        return b""
    title = f"{status} {REASONS[status]}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n"
            f"<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n").encode()


def answer(conf: NginxConfig, tree: FileTree, port: int, path: str, version: str,
           upstream: Upstream | None = None, host: str = "localhost",
           log: list[str] | None = None) -> tuple[int, bytes]:
    """What nginx answers `GET path` on `port` with; its error-log messages for the request
    (`open() "…" failed (2: No such file or directory), client: …, server: …, request: "…"`)
    are appended to `log`."""
    server = _pick_server(conf, port, host)
    if server is None:
        return 404, error_page(404, version)
    uri, _, args = path.partition("?")
    req = Request(conf, tree, version, upstream, args)
    answered = _handle(req, server, _normalise(uri), error_pages=True)
    if log is not None:
        name = server.names[0] if server.names else ""
        log += [f'{e}, client: 172.17.0.1, server: {name}, request: "GET {path} HTTP/1.1"'
                for e in req.errors]
    return answered


def _pick_server(conf: NginxConfig, port: int, host: str) -> VirtualServer | None:
    on_port = [s for s in conf.servers if port in s.ports]
    for s in on_port:
        for name in s.names:
            if name == host or (name.startswith("*.") and host.endswith(name[1:])) or (
                    name.startswith("~") and _search(name[1:], host)):
                return s
    for s in on_port:
        if port in s.default_ports:
            return s
    return on_port[0] if on_port else None


def _search(pattern: str, text: str, flags: int = 0) -> bool:
    """A PCRE pattern nginx accepts may still be one Python's `re` cannot read: no match."""
    try:
        return re.search(pattern, text, flags) is not None
    except re.error:
        return False


def _normalise(uri: str) -> str:
    uri = re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), uri or "/")
    uri = re.sub(r"/+", "/", uri)
    parts: list[str] = []
    for seg in uri.split("/")[1:]:
        if seg == "..":
            if parts:
                parts.pop()
        elif seg != ".":
            parts.append(seg)
    out = "/" + "/".join(parts)
    return out + "/" if uri.endswith(("/", "/.", "/..")) and not out.endswith("/") else out


def _match(server: VirtualServer, uri: str) -> Location | None:
    best: Location | None = None
    for loc in server.locations:
        if loc.modifier == "=" and loc.pattern == uri:
            return loc
        if loc.modifier in ("", "^~") and uri.startswith(loc.pattern) and (
                best is None or len(loc.pattern) > len(best.pattern)):
            best = loc
    if best is not None and best.modifier == "^~":
        return best
    for loc in server.locations:
        if loc.modifier in ("~", "~*"):
            flags = re.I if loc.modifier == "~*" else 0
            try:
                if re.search(loc.pattern, uri, flags):
                    return loc
            except re.error:
                continue
    return best


def _get(req: Request, server: VirtualServer, loc: Location | None, name: str) -> list[str] | None:
    for body in ([loc.body] if loc else []) + [server.body, req.conf.http]:
        for d in body:
            if d.name == name:
                return d.args
    return None


def _all(req: Request, server: VirtualServer, loc: Location | None,
         name: str) -> list[list[str]]:
    for body in ([loc.body] if loc else []) + [server.body, req.conf.http]:
        found = [d.args for d in body if d.name == name]
        if found:
            return found
    return []


def _vars(text: str, uri: str, req: Request) -> str:
    values = {"uri": uri, "document_uri": uri, "host": "localhost", "scheme": "http",
              "request_uri": uri + (f"?{req.args}" if req.args else ""), "args": req.args,
              "is_args": "?" if req.args else "", "server_name": "localhost",
              "remote_addr": "172.17.0.1", "request_method": "GET", "http_host": "localhost"}
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), ""), text)


def _handle(req: Request, server: VirtualServer, uri: str, *,
            error_pages: bool, named: Location | None = None) -> tuple[int, bytes]:
    req.redirects += 1
    if req.redirects > MAX_REDIRECTS:
        return 500, error_page(500, req.version)
    for d in server.body:  # server-level `return` runs before a location is chosen
        if d.name == "return":
            return _return(req, d.args, uri)
    loc = named or _match(server, uri)
    status, body = _content(req, server, loc, uri)
    if status >= 400 and error_pages:
        for args in _all(req, server, loc, "error_page"):
            codes = [a for a in args[:-1] if a.isdigit()]
            if str(status) in codes:
                override = next((a[1:] for a in args if a.startswith("=")), None)
                target = args[-1]
                if target.startswith("@"):
                    named_loc = next((x for x in server.locations if x.pattern == target), None)
                    got = _handle(req, server, uri, error_pages=False, named=named_loc) \
                        if named_loc else (status, error_page(status, req.version))
                else:
                    got = _handle(req, server, _normalise(target), error_pages=False)
                if got[0] >= 400 and got[0] != status and not override:
                    return status, error_page(status, req.version)
                code = int(override) if override and override.isdigit() else (
                    got[0] if override == "" else status)
                return code, got[1]
    return status, body


def _return(req: Request, args: list[str], uri: str) -> tuple[int, bytes]:
    if not args[0].isdigit():
        return 302, error_page(302, req.version)
    code = int(args[0])
    if len(args) > 1 and code not in (301, 302, 303, 307, 308):
        return code, _vars(args[1], uri, req).encode()
    return code, error_page(code, req.version)


def _content(req: Request, server: VirtualServer, loc: Location | None,
             uri: str) -> tuple[int, bytes]:
    if loc is not None:
        for d in loc.body:
            if d.name == "return":
                return _return(req, d.args, uri)
        proxy = next((d.args for d in loc.body if d.name == "proxy_pass"), None)
        if proxy:
            return _proxy(req, loc, proxy[0], uri)
        tries = next((d.args for d in loc.body if d.name == "try_files"), None)
        if tries:
            return _try_files(req, server, loc, tries, uri)
    return _static(req, server, loc, uri)


def _proxy(req: Request, loc: Location, target: str, uri: str) -> tuple[int, bytes]:
    rest = re.sub(r"^\w+://", "", target)
    hostport, slash, base = rest.partition("/")
    path = uri
    if slash and loc.modifier in ("", "^~"):
        path = "/" + base + uri[len(loc.pattern):]
    elif slash:
        path = "/" + base
    if req.args:
        path += "?" + req.args
    hosts = req.conf.upstreams.get(hostport, [hostport])
    for h in hosts:
        host, _, port = h.partition(":")
        got = req.upstream(host, int(port) if port.isdigit() else 80, path) \
            if req.upstream else None
        if got is not None:
            return got
    return 502, error_page(502, req.version)


def _exists(tree: FileTree, path: str) -> tuple[bool, bool]:
    """(exists, is a directory)."""
    try:
        _, node = tree.lookup(path)
    except FsError:
        return False, False
    return True, node.is_dir


def _filename(req: Request, server: VirtualServer, loc: Location | None, uri: str) -> str:
    alias = next((d.args for d in loc.body if d.name == "alias"), None) if loc else None
    if alias and loc is not None and loc.modifier in ("", "^~"):
        return alias[0] + uri[len(loc.pattern):]
    root = _get(req, server, loc, "root")
    base = root[0] if root else "html"
    if not base.startswith("/"):
        base = posixpath.join(PREFIX, base)
    return base.rstrip("/") + uri


def _try_files(req: Request, server: VirtualServer, loc: Location, tries: list[str],
               uri: str) -> tuple[int, bytes]:
    for candidate in tries[:-1]:
        value = _vars(candidate, uri, req)
        name = _filename(req, server, loc, value)
        exists, is_dir = _exists(req.tree, name.rstrip("/") or "/")
        if value.endswith("/") and exists and is_dir:
            return _static(req, server, loc, value)
        if not value.endswith("/") and exists and not is_dir:
            return _static(req, server, loc, value)
    last = tries[-1]
    if last.startswith("=") and last[1:].isdigit():
        code = int(last[1:])
        return code, error_page(code, req.version)
    if last.startswith("@"):
        named = next((x for x in server.locations if x.pattern == last), None)
        if named is None:
            return 500, error_page(500, req.version)
        return _handle(req, server, uri, error_pages=False, named=named)
    return _handle(req, server, _normalise(_vars(last, uri, req)), error_pages=True)


def _static(req: Request, server: VirtualServer, loc: Location | None,
            uri: str) -> tuple[int, bytes]:
    name = _filename(req, server, loc, uri)
    if uri.endswith("/"):
        index = _get(req, server, loc, "index") or ["index.html"]
        for item in index:
            value = _vars(item, uri, req)
            if value.startswith("/"):
                return _handle(req, server, _normalise(value), error_pages=True)
            exists, is_dir = _exists(req.tree, name + value)
            if exists and not is_dir:
                return _handle(req, server, uri + value, error_pages=True)
        exists, is_dir = _exists(req.tree, name.rstrip("/") or "/")
        if exists and is_dir and (_get(req, server, loc, "autoindex") or ["off"])[0] == "on":
            return 200, _autoindex(req.tree, name, uri)
        if exists and is_dir:
            req.errors.append(f'directory index of "{name}" is forbidden')
            return 403, error_page(403, req.version)
        req.errors.append(f'"{name}{index[0]}" is not found (2: No such file or directory)')
        return 404, error_page(404, req.version)
    try:
        _, node = req.tree.lookup(name)
    except FsError:
        req.errors.append(f'open() "{name}" failed (2: No such file or directory)')
        return 404, error_page(404, req.version)
    if node.is_dir:
        return 301, error_page(301, req.version)
    return 200, node.content.read() if node.content is not None else b""


def _autoindex(tree: FileTree, folder: str, uri: str) -> bytes:
    """The listing `autoindex on;` makes (`ngx_http_autoindex_html`): folders first, then
    files, by name; dot files hidden; names padded to 50 columns; exact sizes."""
    entries = []
    for name in tree.listdir(folder.rstrip("/") or "/"):
        if name.startswith("."):
            continue
        _, node = tree.lookup(posixpath.join(folder, name))
        entries.append((not node.is_dir, name, node))
    lines = [f"<html>\r\n<head><title>Index of {uri}</title></head>\r\n<body>\r\n"
             f"<h1>Index of {uri}</h1><hr><pre><a href=\"../\">../</a>\r\n"]
    for is_file, name, node in sorted(entries, key=lambda e: (e[0], e[1].encode())):
        shown = name + ("" if is_file else "/")
        if len(name) > 50:
            shown = name[:47] + "..&gt;"
            pad = ""
        else:
            pad = " " * max(0, 50 - len(name) - (0 if is_file else 1))
        when = datetime.fromtimestamp(node.mtime, UTC).strftime("%d-%b-%Y %H:%M")
        size = f"{node.size:>19}" if is_file else " " * 18 + "-"
        lines.append(f'<a href="{name}{"" if is_file else "/"}">{shown}</a>{pad} '
                     f"{when} {size}\r\n")
    lines.append("</pre><hr></body>\r\n</html>\r\n")
    return "".join(lines).encode()
