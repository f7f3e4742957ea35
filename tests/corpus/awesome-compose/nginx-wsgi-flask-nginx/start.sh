#!/bin/bash
# Stand-in for the project's start.sh: runs what it is given.
exec "$@"
