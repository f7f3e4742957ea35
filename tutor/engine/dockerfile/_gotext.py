"""Go's string semantics, where they differ from Python's, for the Dockerfile parser.

BuildKit is written in Go: its "whitespace" is `unicode.IsSpace` (Python's `str.isspace` also
counts U+001C..U+001F), `strings.ToLower` maps rune by rune (Python lower-cases `İ` to two
characters), `%q` quotes the Go way (tutor.engine.gotext, shared with the docker CLI), and some
of its loops walk UTF-8 *bytes*. Python strings stand for Go strings here; a lone surrogate
stands for bytes that are not valid UTF-8.
"""

from __future__ import annotations

import re

from tutor.engine.gotext import quote as quote  # the parser modules reach it through here

SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every rune `unicode.IsSpace` accepts: pass to `str.strip` and friends."""

BYTE_SPACE = "\t\n\v\f\r \x85\xa0"
"""What `unicode.IsSpace(rune(b))` accepts for a single byte `b` (seen as Latin-1)."""

_SURROGATES = re.compile("[\ud800-\udfff]")


def lower(word: str) -> str:
    """`strings.ToLower`: simple per-rune mapping, so `İ` becomes a plain `i`."""
    if word.isascii():
        return word.lower()
    return word.replace("\u0130", "i").lower()


def to_bytes_view(text: str) -> str:
    """The UTF-8 bytes of `text`, one character per byte (Latin-1), for Go's byte loops.

    A character of the view is what Go's `rune(s[i])` gives for that byte.
    """
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def from_bytes_view(view: str) -> str:
    """Back from a bytes view; bytes that are no longer valid UTF-8 become lone surrogates."""
    data = view.encode("latin-1")
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def replace_invalid(text: str) -> str:
    """What Go does when it decodes runes: each invalid byte becomes U+FFFD."""
    if text.isascii() or _SURROGATES.search(text) is None:
        return text
    return _SURROGATES.sub("\ufffd", text)
