"""Stand-in for the project's example/wsgi.py."""
