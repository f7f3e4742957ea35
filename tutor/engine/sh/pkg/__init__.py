"""Simulated package managers; importing this package registers their programs."""

from tutor.engine.sh.pkg import apk, apt, golang, jvm, maven, npm, pip, yarn

__all__ = ["apk", "apt", "golang", "jvm", "maven", "npm", "pip", "yarn"]
