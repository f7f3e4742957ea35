"""Stand-in for the project's wsgi.py."""
