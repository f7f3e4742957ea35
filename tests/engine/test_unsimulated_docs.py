"""docs/unsimulated-programs.md names every program of the shipped base images that the engine
does not simulate, so a learner can look up why a command says it cannot run."""

from __future__ import annotations

import re
from pathlib import Path

from tutor.engine.sh import PROGRAMS

ROOT = Path(__file__).resolve().parents[2]
NAME = r"[a-z0-9_.\[\]+-]+"


def _base_image_programs() -> set[str]:
    names: set[str] = set()
    for path in sorted((ROOT / "assets" / "base-images").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'\[\[fragments\.[^\]]+\.(?:bins|links)\]\]\n.*?names = """(.*?)"""',
                             text, re.S):
            names.update(m.group(1).split())
    return names


def _documented() -> set[str]:
    """The names in the page's lists (paragraphs that are only `name, name, …`)."""
    doc = (ROOT / "docs" / "unsimulated-programs.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for paragraph in doc.split("\n\n"):
        flat = " ".join(paragraph.split())
        if re.fullmatch(rf"{NAME}(, {NAME})+", flat):
            names.update(flat.split(", "))
    return names


def test_every_unsimulated_base_image_program_is_documented() -> None:
    programs = _base_image_programs()
    assert len(programs) > 100  # the parse found the images' program lists
    listed = _documented()
    assert sorted(n for n in programs if n not in PROGRAMS and n not in listed) == []


def test_documented_programs_are_really_unsimulated() -> None:
    names = _documented()
    assert len(names) > 100, "the lists were not found"
    assert sorted(n for n in names if n in PROGRAMS) == []
