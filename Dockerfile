# heatflow's image: the orchestrator (scheduler, worker, web server) and the task programs that
# run in task containers, one container per try (docs/docker-executor.md).
#
#   docker build -t heatflow:latest .                        # with a registry: official Node.js 24
#   scripts/build-images.sh                                   # without one: a local Node.js 24 base
#
# The base image is a build argument, so a machine with no registry can build on a local
# stand-in (`--build-arg NODE_IMAGE=localhost/node:24.22.3-bookworm-local`, see
# scripts/build-images.sh). Its default is the Node.js of HEATFLOW_IMAGE_NODE in
# scripts/node-versions.sh (test/unit/node-versions.test.ts keeps the two equal).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- build stage: all dependencies, TypeScript compiled to dist/, then dev dependencies pruned ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
COPY package.json package-lock.json ./
# `npm ci` refuses a lock file that lacks an optional dependency the registry does not serve
# (vite's Windows-only napi-windows-process-start-time on the npm mirror these images are built
# against); `npm install` then installs the same locked tree and skips that optional package.
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund --no-save
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dags ./dags
COPY tasks ./tasks
COPY migrations ./migrations
# the task programs' bundles and startup snapshots (dist/tasks, dist/snapshots) are built here, by
# this image's own Node.js: a snapshot loads only into the binary that built it
COPY scripts/build-task-programs.ts ./scripts/
COPY scripts/danfojs-shims ./scripts/danfojs-shims
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime stage: production dependencies, compiled code, a non-root user ---
FROM ${NODE_IMAGE}
# NODE_VERSION is set by the base (the official image and the local stand-in both set it)
LABEL heatflow.node.version=v${NODE_VERSION}
# The official image has user node (uid 1000); the local stand-in is given the same.
RUN (id -u node >/dev/null 2>&1 || useradd --uid 1000 --user-group --create-home --shell /bin/bash node) \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production HEATFLOW_DATA_DIR=/data
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# DAG files are TypeScript, parsed through tsx at run time (HEATFLOW_DAGS_DIR=dags), and import
# ../src/core: keep the sources next to them (small), so a mounted dags/ folder works the same.
COPY src ./src
COPY dags ./dags
# the snapshots load only into the Node.js build that made them (the build stage's, from the same
# base): fail the image build, naming both, if this stage's Node.js is another one
RUN node -e "import('/app/dist/src/task-sdk/snapshot-manifest.js').then((s) => { \
      const m = JSON.parse(require('fs').readFileSync('/app/dist/snapshots/manifest.json', 'utf8')); \
      const why = s.snapshotMismatch(m.builtFor, s.currentNodeBuild(), '/app/dist/snapshots'); \
      if (why) { console.error(why); process.exit(1); } \
      console.log('task program snapshots for ' + s.describeNodeBuild(m.builtFor)); })"
USER node
# A task container runs the command the executor gives it (e.g.
# `node --snapshot-blob dist/snapshots/extract.blob`, docs/task-programs.md), so
# the image has no entrypoint (the official image's docker-entrypoint.sh is reset).
ENTRYPOINT []
CMD ["node", "bin/heatflow.js", "--help"]
