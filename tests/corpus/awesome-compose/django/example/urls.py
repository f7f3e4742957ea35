"""Stand-in for the project's example/urls.py."""
