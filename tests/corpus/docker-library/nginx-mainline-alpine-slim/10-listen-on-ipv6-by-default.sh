#!/bin/sh
# Stand-in for the project's 10-listen-on-ipv6-by-default.sh: runs what it is given.
exec "$@"
