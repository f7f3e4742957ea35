#!/usr/bin/env bash
# Stand-in for the project's docker-entrypoint.sh: runs what it is given.
exec "$@"
