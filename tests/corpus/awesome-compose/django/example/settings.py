"""Stand-in for the project's example/settings.py."""
