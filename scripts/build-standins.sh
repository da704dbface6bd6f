#!/usr/bin/env bash
# Builds local stand-ins for the images docker-compose.yaml names, on a machine that reaches no
# image registry, and the heatflow image on the local Node.js base:
#
#   official image            local stand-in                        built from
#   node:24.x-bookworm-slim   localhost/node:24.x-bookworm-local    Debian (debootstrap) + Node.js 24 from the npm registry
#   heatflow:latest           heatflow:latest (or --tag)            the Dockerfile on the stand-in above
#   postgres:16               localhost/postgres:bookworm-standin   docker/postgres/ (Debian's PostgreSQL 15)
#   redis:7                   localhost/redis:bookworm-standin      docker/redis/ (Debian's redis-server 7.0)
#
#   scripts/build-standins.sh [--tag IMAGE] [--no-heatflow] [--rebuild]
#
# The first two come from scripts/build-images.sh --local-base (which also makes the Debian base
# localhost/debian:bookworm). The postgres and redis stand-ins are cached: rebuilt only when their
# docker/<name>/ folder changed (a content hash in an image label) or with --rebuild. Built with
# the legacy builder and `--network host`, so apt-get inside the build reaches Debian's archive.
#
# Output: on stdout, the variables that select these images in docker-compose.yaml, e.g.
#   HEATFLOW_IMAGE=heatflow:latest
#   POSTGRES_IMAGE=localhost/postgres:bookworm-standin
#   REDIS_IMAGE=localhost/redis:bookworm-standin
# (`eval "$(scripts/build-standins.sh)"`, or append them to .env); progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_IMAGE=localhost/debian:bookworm
POSTGRES_STANDIN=localhost/postgres:bookworm-standin
REDIS_STANDIN=localhost/redis:bookworm-standin
tag=${HEATFLOW_IMAGE:-heatflow:latest}
heatflow=1
rebuild=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift ;;
    --tag=*) tag=${1#--tag=} ;;
    --no-heatflow) heatflow=0 ;;
    --rebuild) rebuild=1 ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-standins: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "build-standins: $*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! docker info >/dev/null 2>&1; then
  log "the Docker engine does not answer; start dockerd first (scripts/start-docker.sh)"
  exit 1
fi

# the Node.js base, the Debian base and the heatflow image (build-images.sh caches the bases)
if [ "$heatflow" = 1 ]; then
  scripts/build-images.sh --local-base --tag "$tag" >/dev/null
elif ! have_image "$DEBIAN_IMAGE"; then
  log "$DEBIAN_IMAGE missing: building the local bases with scripts/build-images.sh"
  scripts/build-images.sh --local-base --tag "$tag" >/dev/null
fi

build_standin() { # <image> <folder>
  local image=$1 dir=$2 hash current start
  hash=$( (cd "$dir" && find . -type f | LC_ALL=C sort | xargs sha256sum; docker image inspect -f '{{.Id}}' "$DEBIAN_IMAGE") | sha256sum | cut -c1-16)
  current=$(docker image inspect -f '{{index .Config.Labels "heatflow.standin.hash"}}' "$image" 2>/dev/null || true)
  if [ "$rebuild" = 0 ] && [ "$current" = "$hash" ]; then
    log "$image up to date (cached)"
    return
  fi
  log "building $image from $dir on $DEBIAN_IMAGE"
  start=$(date +%s)
  DOCKER_BUILDKIT=0 docker build -q --force-rm --network host --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
    --label "heatflow.standin.hash=$hash" -t "$image" "$dir" >/tmp/heatflow-standin-build.log 2>&1 \
    || { tail -30 /tmp/heatflow-standin-build.log >&2; log "docker build of $image failed"; exit 1; }
  log "built $image in $(($(date +%s) - start)) s"
}

build_standin "$POSTGRES_STANDIN" docker/postgres
build_standin "$REDIS_STANDIN" docker/redis

echo "HEATFLOW_IMAGE=$tag"
echo "POSTGRES_IMAGE=$POSTGRES_STANDIN"
echo "REDIS_IMAGE=$REDIS_STANDIN"
