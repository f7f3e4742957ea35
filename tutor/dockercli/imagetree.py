"""Docker 29's `docker images` view: `IMAGE  ID  DISK USAGE  CONTENT SIZE  EXTRA`, collapsed (one
row per tag) or expanded with `--tree` (one block per image, a line per platform).

Follows docker/cli `cli/command/image/tree.go` and `internal/tui` @ v29.7.2: columns 3 spaces
apart, ID 12 wide, DISK USAGE 10 and CONTENT SIZE 12 right-aligned, EXTRA as wide as its chips
(at least 5); names sorted, untagged last as `<untagged>`. On a terminal a right-aligned legend
comes first and the name column is fitted to the width; colours unless NO_COLOR is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tutor.dockercli.format import display_width

UNTAGGED = "<untagged>"
SPACING = 3
RESET = "\x1b[0m"
# aec's SGR codes as the CLI combines them (tui/colors.go): DefaultF 39, BlueF 34, Bold 1,
# Faint 2, BlackF 30, LightCyanF 96, LightCyanB 106.
TOP_NAME = "\x1b[34m\x1b[1m"
TITLE = "\x1b[39m\x1b[1m"
NORMAL = "\x1b[39m"
TERTIARY = "\x1b[39m\x1b[2m"
FAINT = NORMAL + "\x1b[2m"
CHIP_IN_USE = "\x1b[38;5;0m\x1b[48;5;14m U " + RESET
INFO_FANCY = ("\x1b[1m" + "\x1b[106m" + "\x1b[30m" + "i" + RESET + RESET + " "
              + "\x1b[96m" + "Info → " + RESET + RESET)
INFO_PLAIN = " Info -> "


@dataclass(frozen=True, slots=True)
class Details:
    id: str
    disk_usage: str
    content_size: str
    in_use: bool


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform manifest of an image (the expanded view's `├─ linux/amd64` lines)."""

    name: str
    available: bool
    details: Details


@dataclass(frozen=True, slots=True)
class TreeImage:
    names: tuple[str, ...]
    """Sorted `repo:tag`s; empty for an untagged image."""
    details: Details
    children: tuple[Platform, ...] = ()


@dataclass
class _Column:
    title: str
    width: int
    align: str  # "left" | "right"
    value: Callable[[Details], str] | None = None
    plain: bool = False
    """Printed without the row colour (the chips carry their own)."""
    no_ellipsis: bool = False


@dataclass
class _Out:
    colour: bool
    parts: list[str] = field(default_factory=list)

    def paint(self, code: str, text: str) -> str:
        return code + text + RESET if self.colour else text


def _strip(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\x1b":
            end = text.find("m", i)
            if end == -1:
                break
            i = end + 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _width(text: str) -> int:
    return display_width(_strip(text))


def _cell(out: _Out, column: _Column, code: str, text: str, plain: bool = False) -> str:
    fill = column.width - _width(text)
    if fill < 0:
        if not column.no_ellipsis:
            return out.paint(code, _ellipsis(text, column.width))
        fill = 0
    painted = text if plain else out.paint(code, text)
    return " " * fill + painted if column.align == "right" else painted + " " * fill


def _ellipsis(text: str, length: int) -> str:
    """tui.Ellipsis: keeps `length - 1` characters and adds `…`."""
    if len(text) < length:
        return text
    return text[: length - 1] + "…"


def render(images: Sequence[TreeImage], *, terminal: bool, colour: bool, width: int) -> str:
    """The view as `docker images` (`--tree` when the images carry children) prints it.

    `width` is the terminal's (ignored unless `terminal`); colour only on a terminal."""
    out = _Out(colour and terminal)
    fancy = out.colour
    width = max(width, 20) if terminal else 0
    in_use_seen = any(img.details.in_use or any(c.details.in_use for c in img.children)
                      for img in images)
    chip = (CHIP_IN_USE if fancy else "U") if in_use_seen else ""
    placeholder = ("   " if fancy else " ") if in_use_seen else ""
    lines: list[str] = []
    if terminal:
        legend = (INFO_FANCY if fancy else INFO_PLAIN) + " " + (
            CHIP_IN_USE if fancy else "U") + " " + "In Use"
        lines.append(" " * max(width - _width(legend), 0) + legend + "\n")
    columns = [
        _Column("Image", 0, "left", no_ellipsis=True),
        _Column("ID", 12, "left", lambda d: d.id.removeprefix("sha256:")[:12]),
        _Column("Disk usage", 10, "right", lambda d: d.disk_usage),
        _Column("Content size", 12, "right", lambda d: d.content_size),
        _Column("Extra", max(len("Extra"), _width(chip)), "left",
                lambda d: chip if d.in_use else placeholder, plain=True),
    ]
    columns = _fit(width, columns, images)
    header = (" " * SPACING).join(_cell(out, c, TITLE, c.title.upper()) for c in columns)
    lines.append(header + "\n")
    spacing = any(img.children for img in images)
    for img in images:
        row = _names(out, columns[0], img) + _details(out, columns, NORMAL, img.details)
        lines.append(row)
        if img.children or spacing:
            lines.append("\n")
        for n, child in enumerate(img.children):
            code = NORMAL if child.available else FAINT
            branch = "└─ " if n == len(img.children) - 1 else "├─ "
            lines.append(_cell(out, columns[0], code, branch + child.name)
                         + _details(out, columns, code, child.details) + "\n")
        lines.append("\n")
    return "".join(lines)


def _fit(width: int, columns: list[_Column], images: Sequence[TreeImage]) -> list[_Column]:
    """The name column takes what the others leave (dropping columns that would squeeze it
    under 12), and no more than its widest name."""
    name_width = width
    if name_width > 0:
        for n, column in enumerate(columns):
            if column.width == 0:
                continue
            need = column.width + (SPACING if n > 0 else 0)
            if name_width - need < 12:
                columns = columns[:n]
                break
            name_width -= need
    widest = len(columns[0].title)
    for img in images:
        for name in img.names or (UNTAGGED,):
            widest = max(widest, len(name))
        for child in img.children:
            widest = max(widest, len(child.name) + len("└─ "))
    if width == 0 or name_width > widest:
        name_width = widest
    columns[0].width = name_width
    return columns


def _names(out: _Out, column: _Column, img: TreeImage) -> str:
    if not img.names:
        return _cell(out, column, TERTIARY, UNTAGGED)
    text = ""
    for n, name in enumerate(img.names):
        last = n == len(img.names) - 1
        too_wide = _width(name) > column.width
        text += _cell(out, column, TOP_NAME, name)
        if not last or too_wide:
            text += "\n"
        if too_wide and last:
            text += " " * column.width
    return text


def _details(out: _Out, columns: Sequence[_Column], code: str, details: Details) -> str:
    return "".join(" " * SPACING + _cell(out, c, code, c.value(details), c.plain)
                   for c in columns if c.value is not None)
