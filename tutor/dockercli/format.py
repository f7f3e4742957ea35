"""Text primitives the docker CLI uses to print values, ported from its Go sources.

Every function reproduces one Go helper byte for byte (go-units sizes and durations, BuildKit's
byte counts, the CLI's ellipsis and ID truncation, `strconv.Quote`, encoding/json, and the
CLI's fork of `text/tabwriter`), because learners compare what we print with what real Docker
prints.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal

from tutor.engine import gotext

_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")

# The CLI's table writer: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0).
_MIN_WIDTH = 10
_PADDING = 3

# History dates at or before 2000-01-01 are "N/A" (docker/cli image/formatter_history.go).
_HISTORY_EPOCH = 946684800


def _scale(size: float, base: float, units: Sequence[str]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def human_size_precision(size: float, precision: int) -> str:
    """go-units `HumanSizeWithPrecision`: `%.*g` keeps Go's quirks such as `1e+03kB`."""
    value, unit = _scale(float(size), 1000.0, _DECIMAL_UNITS)
    return f"{value:.{precision}g}{unit}"


def human_size(size: float) -> str:
    """go-units `HumanSize` (4 significant digits): `docker system df`, pull/push progress."""
    return human_size_precision(size, 4)


def bytes_size(size: float) -> str:
    """go-units `BytesSize`: binary units (`KiB`, `MiB`) with 4 significant digits."""
    value, unit = _scale(float(size), 1024.0, _BINARY_UNITS)
    return f"{value:.4g}{unit}"


def progress_bytes(size: int) -> str:
    """BuildKit progress numbers: `%.2f` of tonistiigi/units.Bytes (`123B`, `1.23kB`).

    Below one kilobyte the value is printed as whole bytes without decimals.
    """
    base = -1 if size < 0 else 1
    i = 0
    while True:
        nxt = base * 1000
        if (base > 0 and size >= nxt) or (base < 0 and size <= nxt):
            i += 1
            base = nxt
            continue
        break
    if i == 0:
        return f"{size}B"
    return f"{size / abs(base):.2f}{_DECIMAL_UNITS[i]}"


def human_duration(seconds: float) -> str:
    """go-units `HumanDuration`, with its mix of truncation and rounding to the hour."""
    nanos = round(seconds * 1e9)
    secs = int(nanos / 1e9)
    if secs < 1:
        return "Less than a second"
    if secs == 1:
        return "1 second"
    if secs < 60:
        return f"{secs} seconds"
    minutes = int(nanos / 6e10)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(nanos / 3.6e12 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(nanos / 3.6e12) // 24 // 365} years"


def created_since(created: int | None, now: float) -> str:
    """The CREATED column of `docker images` / `docker ps`: `N ago`, or `N/A` when unknown."""
    if created is None:
        return "N/A"
    return human_duration(now - created) + " ago"


def history_created_since(created: int, now: float) -> str:
    """The CREATED column of `docker history`: dates up to 2000-01-01 are shown as `N/A`."""
    if created <= _HISTORY_EPOCH:
        return "N/A"
    return human_duration(now - created) + " ago"


def truncate_id(image_id: str) -> str:
    """`stringid.TruncateID`: drop an `algo:` prefix, keep 12 characters."""
    _, sep, rest = image_id.partition(":")
    return (rest if sep else image_id)[:12]


def _east_asian_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def ellipsis(text: str, max_width: int) -> str:
    """The CLI's `Ellipsis`: cut to a display width (wide CJK/emoji count 2) and append `…`."""
    if max_width <= 0:
        return ""
    if max_width == 1:
        return text[:1]
    if text.isascii():
        return text if len(text) <= max_width else text[: max_width - 1] + "…"
    ends: list[int] = []
    total = 0
    for ch in text:
        total += _east_asian_width(ch)
        ends.append(total)
    if total <= max_width:
        return text
    for i in range(len(ends) - 1):
        if ends[i] <= max_width - 1 < ends[i + 1]:
            return text[: i + 1] + "…"
    return text


# Go's `%q` under the CLI's name: the engine's module, so both quote exactly alike.
go_quote = gotext.quote


# ---------------------------------------------------------------------------------------------
# encoding/json


def go_json_string(text: str, escape_html: bool) -> str:
    """A JSON string as Go's encoding/json writes it (lower-case hex, U+2028/9 escaped)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _JSON_SHORT_ESCAPES:
            out.append(_JSON_SHORT_ESCAPES[ch])
        elif code < 0x20 or (escape_html and ch in "<>&") or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_JSON_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-tripping decimal digits of a finite, non-zero float and its exponent."""
    sign, digits, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    text = "".join(str(d) for d in digits)
    assert isinstance(exponent, int)
    return text, len(text) + exponent  # decimal point position, as strconv's `dp`


def _fixed(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def _exponent(digits: str, point: int, min_exp_digits: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):0{min_exp_digits}d}"


def go_json_float(value: float) -> str:
    """encoding/json float64: fixed notation, exponent only below 1e-6 or from 1e21."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        raise ValueError(f"json: unsupported value: {value}")
    digits, point = _shortest_digits(value)
    sign = "-" if value < 0 else ""
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        return sign + _exponent(digits, point, 1)
    return sign + _fixed(digits, point)


def go_format_float(value: float) -> str:
    """What fmt's `%v` prints for a float64: shortest `%g`, exponent from 1e+06 up."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    digits, point = _shortest_digits(value)
    sign = "-" if value < 0 else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        return sign + _exponent(digits, point, 2)
    return sign + _fixed(digits, point)


def go_json(value: object, escape_html: bool, indent: str | None = None, level: int = 0) -> str:
    """Encode a JSON-like value the way Go's encoding/json does; dicts keep their order."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, str):
        return go_json_string(value, escape_html)
    if isinstance(value, Mapping):
        items = [
            go_json_string(str(k), escape_html) + (": " if indent is not None else ":")
            + go_json(v, escape_html, indent, level + 1)
            for k, v in value.items()
        ]
        return _wrap("{", "}", items, indent, level)
    if isinstance(value, Sequence):
        items = [go_json(v, escape_html, indent, level + 1) for v in value]
        return _wrap("[", "]", items, indent, level)
    raise TypeError(f"json: unsupported type: {type(value).__name__}")


def _wrap(open_: str, close: str, items: list[str], indent: str | None, level: int) -> str:
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ",".join(items) + close
    inner = "\n" + indent * (level + 1)
    return open_ + inner + ("," + inner).join(items) + "\n" + indent * level + close


def inspect_json(objects: Sequence[object]) -> str:
    """`docker inspect` output: a 4-space-indented array; the daemon never HTML-escapes.

    Python ints print as Go integers and floats as Go float64, so callers decide the type.
    An empty list prints `[]`, as the CLI does when nothing was found.
    """
    return go_json(list(objects), escape_html=False, indent="    ") + "\n"


# ---------------------------------------------------------------------------------------------
# tabwriter


def display_width(text: str) -> int:
    """Cell width as go-runewidth counts it: wide/fullwidth runes 2, combining marks 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc"):
            continue
        width += _east_asian_width(ch)
    return width


def tabwrite(text: str, min_width: int = _MIN_WIDTH, padding: int = _PADDING) -> str:
    """Align tab-terminated cells as the CLI's tabwriter (minwidth 10, padding 3, flags 0) does;
    `docker version` uses minwidth 20, padding 1.

    Cells are terminated by `\\t` or `\\v`; `\\n` ends a line and `\\f` ends a line and every
    column.  A line's last cell belongs to no column and is never padded, so only an empty
    last cell leaves the previous column's padding visible as trailing spaces.
    """
    out: list[str] = []
    for section in text.split("\f"):
        out.append(_format_section(section, min_width, padding))
    return "\n".join(out)


def _format_section(text: str, min_width: int, padding: int) -> str:
    lines = [line.replace("\v", "\t").split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format_block(lines, 0, len(lines), [], out, min_width, padding)
    return "\n".join(out)


def _format_block(
    lines: list[list[str]], start: int, end: int, widths: list[int], out: list[str],
    min_width: int, padding: int,
) -> None:
    """Elastic tabstops: a column is a run of consecutive lines that have a cell at that index."""
    column = len(widths)
    this = start
    while this < end:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, start, this, widths, out)
        start = this
        width = min_width
        while this < end and column < len(lines[this]) - 1:
            width = max(width, display_width(lines[this][column]) + padding)
            this += 1
        _format_block(lines, start, this, [*widths, width], out, min_width, padding)
        start = this
    _write_lines(lines, start, end, widths, out)


def _write_lines(
    lines: list[list[str]], start: int, end: int, widths: list[int], out: list[str]
) -> None:
    for line in lines[start:end]:
        parts: list[str] = []
        for j, cell in enumerate(line):
            parts.append(cell)
            if j < len(widths):
                parts.append(" " * (widths[j] - display_width(cell)))
        out.append("".join(parts))


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """A header-plus-rows table as `docker images`/`ps` print it, one `\\n` after each row."""
    return tabwrite("".join("\t".join(row) + "\n" for row in rows))
