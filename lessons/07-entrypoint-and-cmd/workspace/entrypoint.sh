#!/bin/sh
# Prepare, then hand over: exec replaces this shell with the command,
# which becomes PID 1 and receives the signals docker sends.
set -e
echo "entrypoint: starting $1"
exec "$@"
