#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when dockerd is missing, starts
# dockerd in the background when it is not running, waits until `docker info` answers. Idempotent.
set -uo pipefail
log=${DOCKERD_LOG:-/tmp/dockerd.log}
if docker info >/dev/null 2>&1; then echo "docker: engine already running"; exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq docker.io) >/tmp/docker-install.log 2>&1 \
    || { echo "docker: apt-get install docker.io failed (see /tmp/docker-install.log)"; exit 1; }
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  # own session: the engine must outlive the shell (or test run) that started it
  setsid nohup dockerd >"$log" 2>&1 < /dev/null &
fi
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { echo "docker: engine running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"; exit 0; }
  sleep 0.5
done
echo "docker: dockerd did not answer within 30 s (see $log)"; exit 1
