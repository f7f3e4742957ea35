"""Go's `%q`, which Docker prints wherever it quotes a name, path or command.

The engine quotes in its error messages and BuildKit's image history, the docker CLI in its
tables and templates; both must match Go to the byte, so both use this one module. Python strings
stand for Go strings; a lone surrogate stands for a byte that is not valid UTF-8.
"""

from __future__ import annotations

from collections.abc import Sequence

_SIMPLE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def quote(text: str) -> str:
    """`strconv.Quote` (Go's `%q`): printable runes as they are, the rest escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif 0xD800 <= code <= 0xDFFF:
            raw = char.encode("utf-8", "surrogateescape" if code >= 0xDC80 else "surrogatepass")
            out.extend(f"\\x{byte:02x}" for byte in raw)
        elif char.isprintable():
            out.append(char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def quote_list(items: Sequence[str]) -> str:
    """`%q` of a `[]string`, as BuildKit writes `CMD ["node" "app.js"]` into the history."""
    return "[" + " ".join(quote(item) for item in items) + "]"
