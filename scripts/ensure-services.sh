#!/usr/bin/env bash
# Makes sure Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, starting the machine's own
# servers when they do not. Idempotent. Used by .ci/run and `heatflow demo` users on a fresh machine.
set -uo pipefail
pg_ok() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_ok() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_ok; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 60); do pg_ok && break; sleep 0.5; done
fi
pg_ok || { echo "postgres: not answering on 127.0.0.1:5432"; exit 1; }
echo "postgres: ok"

if ! redis_ok; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 60); do redis_ok && break; sleep 0.5; done
fi
redis_ok || { echo "redis: not answering on 127.0.0.1:6379"; exit 1; }
echo "redis: ok"
