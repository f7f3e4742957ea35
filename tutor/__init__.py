"""Image Tutor: an interactive terminal tutorial on how Docker images work."""

__version__ = "0.1.0"
