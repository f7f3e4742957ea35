"""Stand-in for the project's app/__init__.py."""
