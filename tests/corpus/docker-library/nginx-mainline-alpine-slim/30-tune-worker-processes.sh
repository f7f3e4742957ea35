#!/bin/sh
# Stand-in for the project's 30-tune-worker-processes.sh: runs what it is given.
exec "$@"
