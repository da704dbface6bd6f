#!/usr/bin/env bash
# Builds heatflow's task image (the Dockerfile at the repository root), also on a machine that
# reaches no image registry.
#
#   scripts/build-images.sh [--local-base | --official-base] [--node VERSION] [--tag IMAGE] [--rebuild-base]
#
# The image runs Node.js HEATFLOW_IMAGE_NODE of scripts/node-versions.sh (24 LTS), or --node
# VERSION (22, 24 or an exact version), whatever this machine's own Node.js is. Its base:
#   --official-base  node:<version>-bookworm-slim, pulled from Docker Hub if not present (what users get).
#   --local-base     a local stand-in built without any registry: a Debian bookworm root file
#                    system made by debootstrap from the Debian mirror apt already uses, imported
#                    as localhost/debian:bookworm, plus the official Node.js build of that version
#                    from the npm registry (scripts/fetch-node.sh, package node-linux-<arch>), this
#                    machine's npm, and its CA bundle so npm reaches the registry through the same
#                    TLS setup; tagged localhost/node:<version>-bookworm-local.
#   (default)        the official image if it is present or can be pulled within 30 s, else the
#                    local stand-in.
# HEATFLOW_NODE_IMAGE=<image> skips all of that and uses the given base (its Node.js, whichever).
#
# The task programs' startup snapshots are built inside the image by its own Node.js, which the
# image build checks against their manifest (dist/snapshots/manifest.json); the image is labelled
# heatflow.node.version=<its Node.js>.
#
# Idempotent and cached: the Debian and Node.js base images are built only when missing (or with
# --rebuild-base); the task image is rebuilt by `docker build`, whose layer cache makes an
# unchanged tree cost a few seconds. Uses the legacy builder (DOCKER_BUILDKIT=0), which accepts a
# local base image, and `--network host` so `npm ci` inside the build reaches the npm registry.
#
# Needs: a running Docker engine, and for --local-base: root (debootstrap), apt, npm on PATH.
# Output: the image tag on the last line of stdout; progress on stderr.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=node-versions.sh
. scripts/node-versions.sh

DEBIAN_IMAGE=localhost/debian:bookworm
TAG=${HEATFLOW_TASK_IMAGE:-heatflow:latest}
node_version=$HEATFLOW_IMAGE_NODE
mode=auto
rebuild_base=0

while [ $# -gt 0 ]; do
  case "$1" in
    --local-base) mode=local ;;
    --official-base) mode=official ;;
    --rebuild-base) rebuild_base=1 ;;
    --node) node_version=$2; shift ;;
    --node=*) node_version=${1#--node=} ;;
    --tag) TAG=$2; shift ;;
    --tag=*) TAG=${1#--tag=} ;;
    -h | --help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-images: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "build-images: $*" >&2; }
case "$node_version" in
  22) node_version=$HEATFLOW_NODE_22 ;;
  24) node_version=$HEATFLOW_NODE_24 ;;
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) log "--node must be 22, 24 or an exact version such as $HEATFLOW_NODE_24, got \"$node_version\""; exit 2 ;;
esac
OFFICIAL_BASE=node:$node_version-bookworm-slim
LOCAL_BASE=localhost/node:$node_version-bookworm-local
tmpdirs=()
cleanup() { for d in "${tmpdirs[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! docker info >/dev/null 2>&1; then
  log "the Docker engine does not answer (DOCKER_HOST=${DOCKER_HOST:-unset, socket /var/run/docker.sock}); start dockerd first"
  exit 1
fi

# --- the local stand-in for node:<version>-bookworm-slim --------------------------------------------
build_debian_base() {
  if have_image "$DEBIAN_IMAGE" && [ "$rebuild_base" = 0 ]; then
    log "$DEBIAN_IMAGE present (cached)"
    return
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq debootstrap) >/tmp/heatflow-apt.log 2>&1 \
      || { log "apt-get install debootstrap failed, see /tmp/heatflow-apt.log"; exit 1; }
  fi
  # the mirror apt already uses (deb822 sources or a classic sources.list)
  local mirror
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | head -1 | awk '{print $2}' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  local rootfs
  rootfs=$(mktemp -d /tmp/heatflow-rootfs.XXXXXX)
  tmpdirs+=("$rootfs")
  log "debootstrap --variant=minbase bookworm from $mirror (about 30 s)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/heatflow-debootstrap.log 2>&1 \
    || { log "debootstrap failed, see /tmp/heatflow-debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$DEBIAN_IMAGE" >/dev/null
  log "built $DEBIAN_IMAGE"
}

build_node_base() {
  if have_image "$LOCAL_BASE" && [ "$rebuild_base" = 0 ]; then
    log "$LOCAL_BASE present (cached)"
    return
  fi
  build_debian_base
  local node_bin npm_dir ctx
  # the official build of that version, from the npm registry: never this machine's Node.js,
  # whose version (and build) the image would otherwise silently follow
  node_bin=$(scripts/fetch-node.sh "$node_version" | tail -1) || { log "could not fetch Node.js $node_version (scripts/fetch-node.sh)"; exit 1; }
  command -v npm >/dev/null 2>&1 || { log "npm is not on PATH; the local base copies this machine's npm"; exit 1; }
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  ctx=$(mktemp -d /tmp/heatflow-nodebase.XXXXXX)
  tmpdirs+=("$ctx")
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  # the CA bundle this machine's npm trusts (it may include a TLS-inspecting proxy's CA)
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"; else : >"$ctx/ca-certificates.crt"; fi
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && (id -u node >/dev/null 2>&1 || useradd --uid 1000 --user-group --create-home --shell /bin/bash node) \\
 && node -e 'process.exit(0)'
ENV NODE_VERSION=$node_version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
  log "building $LOCAL_BASE from $DEBIAN_IMAGE + $node_bin ($("$node_bin" -v), from the npm registry) + npm $(npm -v)"
  DOCKER_BUILDKIT=0 docker build -q --network host -t "$LOCAL_BASE" "$ctx" >/dev/null
  log "built $LOCAL_BASE"
}

# --- which base ------------------------------------------------------------------------------
if [ -n "${HEATFLOW_NODE_IMAGE:-}" ]; then
  base=$HEATFLOW_NODE_IMAGE
elif [ "$mode" = local ]; then
  build_node_base
  base=$LOCAL_BASE
elif [ "$mode" = official ]; then
  have_image "$OFFICIAL_BASE" || docker pull "$OFFICIAL_BASE" >&2
  base=$OFFICIAL_BASE
elif have_image "$OFFICIAL_BASE" || timeout 30 docker pull "$OFFICIAL_BASE" >/dev/null 2>&1; then
  base=$OFFICIAL_BASE
else
  log "$OFFICIAL_BASE cannot be pulled (no registry?); using the local stand-in"
  build_node_base
  base=$LOCAL_BASE
fi

# --- the task image --------------------------------------------------------------------------
log "building $TAG on $base (Node.js: $(docker run --rm --network none --entrypoint node "$base" --version))"
start=$(date +%s)
build_log=$(mktemp /tmp/heatflow-image-build.XXXXXX.log)
if ! DOCKER_BUILDKIT=0 docker build --force-rm --network host --build-arg "NODE_IMAGE=$base" -t "$TAG" . >"$build_log" 2>&1; then
  grep -a -E 'error TS|npm error|returned a non-zero code' "$build_log" | tail -20 >&2 || tail -30 "$build_log" >&2
  log "docker build failed (full log: $build_log)"
  exit 1
fi
rm -f "$build_log"
size=$(docker image inspect -f '{{.Size}}' "$TAG")
log "built $TAG in $(($(date +%s) - start)) s, $((size / 1024 / 1024)) MiB"
echo "$TAG"
