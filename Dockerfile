# heatflow's image: the orchestrator (scheduler, worker, web server) and the task programs that
# run in task containers, one container per try (docs/docker-executor.md).
#
#   docker build -t heatflow:latest .                        # with a registry: official Node.js 20
#   scripts/build-images.sh                                   # without one: a local Node.js 20 base
#
# The base image is a build argument, so a machine with no registry can build on a local
# stand-in (`--build-arg NODE_IMAGE=localhost/node:20-bookworm-local`, see scripts/build-images.sh).
ARG NODE_IMAGE=node:20-bookworm-slim

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
USER node
# A task container runs the command the executor gives it (e.g.
# `node --snapshot-blob dist/snapshots/extract.blob`, docs/task-programs.md), so
# the image has no entrypoint (the official image's docker-entrypoint.sh is reset).
ENTRYPOINT []
CMD ["node", "bin/heatflow.js", "--help"]
