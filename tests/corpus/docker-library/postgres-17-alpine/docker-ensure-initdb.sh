#!/usr/bin/env bash
# Stand-in for the project's docker-ensure-initdb.sh: runs what it is given.
exec "$@"
