#!/usr/bin/env bash
# Entrypoint of the local redis stand-in: the parts of the official image's docker-entrypoint.sh
# (github.com/docker-library/redis) that heatflow's compose file relies on.
set -Eeuo pipefail

# `docker run image --appendonly yes` means `redis-server --appendonly yes`
if [ "${1:0:1}" = '-' ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'redis-server' ]; then
  # Debian's redis-server keeps protected mode on when started without a config file; the
  # official image is built with it off. Later arguments still override it.
  shift
  if [ $# -gt 0 ] && [ "${1%.conf}" != "$1" ]; then
    conf=$1; shift
    set -- redis-server "$conf" --protected-mode no "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
fi

exec "$@"
