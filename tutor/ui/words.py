"""Counting words for the screens: "1 layer", "0 layers", "1 question"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str = "") -> str:
    """`n` and `noun`, plural unless `n` is 1 (`plural` for nouns that do not just take -s)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
