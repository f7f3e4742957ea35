#!/bin/sh
# Stand-in for the project's 20-envsubst-on-templates.sh: runs what it is given.
exec "$@"
