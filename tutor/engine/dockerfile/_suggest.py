"""BuildKit's "(did you mean X?)" hints (`util/suggest`).

A hint is the closest option within an edit distance below 3. Go walks its options in map order,
so among equally close options the winner is random there; here the options are walked sorted,
which makes the choice stable.
"""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (BuildKit's `util/suggest` uses the same)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _match_case(option: str, typed: str) -> str:
    if typed == typed.lower():
        return option.lower()
    if typed == typed.upper():
        return option.upper()
    return option


def suggest(value: str, options: Iterable[str], *, case_sensitive: bool) -> str | None:
    """The option BuildKit would propose for a mistyped `value`, or None."""
    typed = value if case_sensitive else value.lower()
    best, best_distance = None, 3
    for option in sorted(set(options)):
        candidate = option if case_sensitive else option.lower()
        if candidate == typed:
            return None  # an exact match means the value was not the mistake
        distance = edit_distance(typed, candidate)
        if distance < best_distance:
            best = candidate if case_sensitive else _match_case(candidate, value)
            best_distance = distance
    return best


def with_suggestion(message: str, value: str, options: Iterable[str], *,
                    case_sensitive: bool) -> str:
    """`message` with BuildKit's ` (did you mean X?)` tail when a close option exists."""
    match = suggest(value, options, case_sensitive=case_sensitive)
    return message if match is None else f"{message} (did you mean {match}?)"
