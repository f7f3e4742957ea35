"""`COPY/ADD --chmod`: an octal mode, or a symbolic one as chmod(1) writes it (`u+x`, `go-w`,
`=rw,+X`), which BuildKit accepts through BSD's setmode semantics (tonistiigi/dchapes-mode)
since dockerfile 1.14. The checks and their wording are BuildKit's `dispatchCopy`
(`dockerfile2llb/convert_copy.go`): a numeric value that is not octal or above 07777 gets the
"octal string" message, any other malformed value the mode parser's `invalid syntax`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tutor.engine.errors import EngineError

UMASK = 0o022
"""The build daemon's file creation mask, applied when a clause names no one (`+x`)."""

_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o0007, "a": 0o7777}
_CLAUSE = re.compile(r"([ugoa]*)((?:[-+=][rwxXst]*)+)\Z")
_ACTION = re.compile(r"([-+=])([rwxXst]*)")


class ChmodError(EngineError):
    """An invalid `--chmod`, worded as BuildKit words it."""


ModeFunc = Callable[[int, bool], int]
"""(current permission bits, is a directory) → new permission bits."""


def parse_chmod(spec: str) -> ModeFunc:
    if spec[:1].isdigit():
        try:
            value = int(spec, 8)
        except ValueError:
            value = -1
        if not 0 <= value <= 0o7777:
            raise ChmodError(f"invalid chmod parameter: '{spec}'. it should be octal string and "
                             "between 0 and 07777")
        return lambda _mode, _is_dir: value
    clauses = []
    for clause in spec.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ChmodError("invalid syntax")
        who = 0
        for letter in match.group(1):
            who |= _WHO[letter]
        actions = _ACTION.findall(match.group(2))
        clauses.append((who, actions))

    def apply(mode: int, is_dir: bool) -> int:
        original = mode
        for who, actions in clauses:
            for op, perms in actions:
                bits = 0
                for p in perms:
                    if p == "X":
                        # execute only where someone may already execute, or for directories
                        # (and only when added: setmode ignores X for - and =)
                        if op == "+" and (is_dir or original & 0o111):
                            bits |= 0o111
                        continue
                    bits |= {"r": 0o444, "w": 0o222, "x": 0o111, "s": 0o6000, "t": 0o1000}[p]
                mask = who if who else 0o7777 & ~UMASK
                if op == "=":
                    mode &= ~(who if who else 0o7777)
                    mode |= bits & mask
                elif op == "+":
                    mode |= bits & mask
                else:
                    mode &= ~(bits & mask)
        return mode

    return apply
