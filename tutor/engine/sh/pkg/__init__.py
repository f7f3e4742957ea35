"""Simulated package managers; importing this package registers their programs."""

from tutor.engine.sh.pkg import apk, apt, npm, pip

__all__ = ["apk", "apt", "npm", "pip"]
