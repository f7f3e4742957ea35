"""Stand-in for the project's make-data.py."""
