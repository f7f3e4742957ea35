"""Go standard-library behaviour that BuildKit's messages and validations depend on.

BuildKit is written in Go, so its error texts embed Go's own formatting (`%q` quoting, `strconv` and
`time` parse errors) and its checks follow Go's parsers. These helpers reproduce exactly the parts
the Dockerfile frontend exposes to a learner.
"""

from __future__ import annotations

import unicodedata

from tutor.engine.dockerfile._gotext import quote


def go_is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def go_is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L"


class GoError(Exception):
    """A Go `error` value; callers turn it into an `EngineError` with BuildKit's wrapping."""


# --- strconv -------------------------------------------------------------------------------------

def _num_error(func: str, text: str, reason: str) -> GoError:
    return GoError(f"strconv.{func}: parsing {quote(text)}: {reason}")


def parse_uint(text: str, base: int, bits: int, func: str = "ParseUint") -> int:
    """`strconv.ParseUint` for an explicit base (no prefixes, no underscores, no sign)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    if not text or any(c.lower() not in digits for c in text):
        raise _num_error(func, text, "invalid syntax")
    value = int(text, base)
    if value >= 1 << bits:
        raise _num_error(func, text, "value out of range")
    return value


def parse_int(text: str, bits: int) -> int:
    """`strconv.ParseInt(text, 10, bits)`."""
    sign, body = 1, text
    if text[:1] in ("+", "-"):
        sign, body = (-1 if text[0] == "-" else 1), text[1:]
    try:
        magnitude = parse_uint(body, 10, 64, "ParseInt")
    except GoError as err:
        if "out of range" in str(err):
            raise _num_error("ParseInt", text, "value out of range") from None
        raise _num_error("ParseInt", text, "invalid syntax") from None
    value = sign * magnitude
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise _num_error("ParseInt", text, "value out of range")
    return value


def parse_atoi(text: str) -> int | None:
    """`strconv.Atoi`, None where Go reports an error."""
    try:
        return parse_int(text, 64)
    except GoError:
        return None


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(text: str) -> bool:
    """`strconv.ParseBool`."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _num_error("ParseBool", text, "invalid syntax")


def _parse_float(text: str) -> float | None:
    # Python accepts "1_0" and surrounding blanks; Go's ParseFloat (base 10) does not.
    if "_" in text or text != text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None


# --- time.ParseDuration --------------------------------------------------------------------------

_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
          "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_MAX = 1 << 63


def _time_quote(text: str) -> str:
    # The time package's own quoting: non-ASCII and control bytes as \xHH, byte by byte.
    out = ['"']
    for ch in text:
        if ord(ch) >= 0x80 or ch < " ":
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
        else:
            if ch in '"\\':
                out.append("\\")
            out.append(ch)
    out.append('"')
    return "".join(out)


def parse_duration(text: str) -> int:
    """`time.ParseDuration`, in nanoseconds."""
    invalid = GoError("time: invalid duration " + _time_quote(text))
    rest, neg = text, False
    if rest[:1] in ("-", "+"):
        neg, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            raise invalid
        i = 0
        while i < len(rest) and "0" <= rest[i] <= "9":
            i += 1
        whole_digits, rest = rest[:i], rest[i:]
        whole = int(whole_digits) if whole_digits else 0
        if whole > _MAX:
            raise invalid
        frac, scale, post = 0, 1.0, False
        if rest[:1] == ".":
            rest = rest[1:]
            j, overflow = 0, False
            while j < len(rest) and "0" <= rest[j] <= "9":
                if not overflow:
                    if frac > (_MAX - 1) // 10:
                        overflow = True
                    else:
                        frac, scale = frac * 10 + int(rest[j]), scale * 10
                j += 1
            post, rest = j > 0, rest[j:]
        if not whole_digits and not post:
            raise invalid
        k = 0
        while k < len(rest) and not (rest[k] == "." or "0" <= rest[k] <= "9"):
            k += 1
        if k == 0:
            raise GoError("time: missing unit in duration " + _time_quote(text))
        unit_name, rest = rest[:k], rest[k:]
        unit = _UNITS.get(unit_name)
        if unit is None:
            raise GoError(f"time: unknown unit {_time_quote(unit_name)} in duration "
                          + _time_quote(text))
        if whole > _MAX // unit:
            raise invalid
        value = whole * unit
        if frac > 0:
            value += int(frac * (unit / scale))
            if value > _MAX:
                raise invalid
        total += value
        if total > _MAX:
            raise invalid
    if neg:
        return -total
    if total > _MAX - 1:
        raise invalid
    return total


# --- encoding/csv via tonistiigi/go-csvvalue ------------------------------------------------------

def _csv_error(line: str, pos: int, reason: str) -> GoError:
    column = len(line[:pos].encode("utf-8", "surrogatepass")) + 1
    return GoError(f"parse error on line 1, column {column}: {reason}")


def csv_fields(line: str) -> list[str]:
    """One CSV record as `csvvalue.Fields` reads a `--mount` value."""
    if line.endswith("\r\n"):
        line = line[:-2]
    elif line.endswith("\n"):
        line = line[:-1]
    if not line:
        raise GoError("EOF")
    fields: list[str] = []
    pos = 0
    while True:
        if pos >= len(line) or line[pos] != '"':
            comma = line.find(",", pos)
            field = line[pos:] if comma < 0 else line[pos:comma]
            if '"' in field:
                raise _csv_error(line, pos + field.index('"'), 'bare " in non-quoted-field')
            fields.append(field)
            if comma < 0:
                return fields
            pos = comma + 1
            continue
        pos += 1
        value: list[str] = []
        while True:
            quote = line.find('"', pos)
            if quote < 0:
                raise _csv_error(line, pos, 'extraneous or missing " in quoted-field')
            value.append(line[pos:quote])
            pos = quote + 1
            nxt = line[pos:pos + 1]
            if nxt == '"':
                value.append('"')
                pos += 1
            elif nxt == ",":
                fields.append("".join(value))
                pos += 1
                break
            elif nxt == "":
                fields.append("".join(value))
                return fields
            else:
                raise _csv_error(line, pos - 1, 'extraneous or missing " in quoted-field')


# --- docker/go-units -----------------------------------------------------------------------------

_RAM_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def ram_in_bytes(text: str) -> int | None:
    """`units.RAMInBytes` (`64m`, `1GiB`, `512`), None where go-units refuses the size."""
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep < 0:
        return None
    if text[sep] != " ":
        number, suffix = text[:sep + 1], text[sep + 1:]
    else:
        number, suffix = text[:sep], text[sep + 1:]
    size = _parse_float(number)
    if size is None or size < 0:
        return None
    suffix = suffix.lower()
    if not suffix or suffix == "b":
        return int(size)
    if len(suffix) > 3 or suffix[0] not in _RAM_UNITS:
        return None
    if (len(suffix) == 2 and suffix[1] != "b") or (len(suffix) == 3 and suffix[1:] != "ib"):
        return None
    return int(size * _RAM_UNITS[suffix[0]])
