"""The simulated Docker engine. Standard library only; it never imports the UI.

Public API: open an `Engine` on a state directory; everything else hangs off it. `Engine` is
loaded on first use, so that importing one engine module does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.engine.errors import ContextError, DockerfileError, EngineError

if TYPE_CHECKING:
    from tutor.engine.engine import Engine

__all__ = ["ContextError", "DockerfileError", "Engine", "EngineError"]


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from tutor.engine.engine import Engine

        return Engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
