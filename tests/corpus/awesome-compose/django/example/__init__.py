"""Stand-in for the project's example/__init__.py."""
