"""`python`/`python3` as far as the simulation goes: the version the image's interpreter is.

The official python images set PYTHON_VERSION (the exact release they built); other images'
interpreters (Debian's python3.11 …) show the version their file name carries. Running scripts
is the container runtime's job (servers), so anything else says it cannot run here.
"""

from __future__ import annotations

import posixpath
import re

from tutor.engine.sh._api import Process, program


@program("python", "python3")
def python(proc: Process) -> int:
    if proc.argv[1:2] in (["-V"], ["--version"]):
        version = proc.env.get("PYTHON_VERSION", "")
        if not version:
            named = re.search(r"(\d+\.\d+)", posixpath.basename(proc.argv[0]))
            version = named.group(1) if named else "3"
        proc.out(f"Python {version}\n")
        return 0
    proc.err(f"{proc.argv[0]}: this program cannot run in the simulated engine\n")
    return 126
