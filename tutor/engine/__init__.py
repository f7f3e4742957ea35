"""The simulated Docker engine. Standard library only; it never imports the UI.

Public API: open an `Engine` on a state directory; everything else hangs off it.
"""

from tutor.engine.engine import Engine
from tutor.engine.errors import ContextError, DockerfileError, EngineError

__all__ = ["ContextError", "DockerfileError", "Engine", "EngineError"]
