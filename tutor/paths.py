"""Where things live: the lessons and assets shipped with the package, and the learner's state.

The only module that knows the layout of an installed wheel versus a source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
STATE_ENV = "TUTOR_HOME"


def content_dir(name: str) -> Path:
    """`lessons` or `assets`: inside the wheel (`tutor/_content/…`) or at the checkout's root."""
    installed = _PACKAGE / "_content" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def state_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The engine's home: `--state DIR`, else `$TUTOR_HOME`, else the user data directory.

    Tests and classrooms point it elsewhere to get an isolated sandbox.
    """
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir("image-tutor", appauthor=False))
