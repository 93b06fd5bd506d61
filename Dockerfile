# syntax=docker/dockerfile:1
# Gantry's container image (docs/deploy.md). Build steps are CI's own (`npm install`, `npm run build`), so CI
# exercises them on every change even though this repository's CI has no container engine to build the image.
#
#   docker build -t gantry .                                   # CPU build of the embedded engine (default)
#   docker build -t gantry:cuda --build-arg BASE=nvidia/cuda:12.4.1-runtime-ubuntu22.04 --target cuda .
#
# node-llama-cpp ships prebuilt binaries for the CPU and for CUDA; the image never compiles llama.cpp
# (docs/engine.md). The CUDA target only swaps the runtime base for one with the CUDA libraries, where
# node-llama-cpp's CUDA prebuilt binary loads; run it with `--gpus all` (or a Kubernetes GPU resource).

ARG NODE_VERSION=20
ARG BASE=nvidia/cuda:12.4.1-runtime-ubuntu22.04

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: the same step as .ci/run (the lockfile cannot list every platform's optional packages).
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS cpu
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node examples ./examples
COPY --chown=node:node models/gantry-demo ./models/gantry-demo
# The node image's unprivileged user (uid 1000); state (SQLite, key store) goes to a volume it owns.
RUN mkdir -p /var/lib/gantry /etc/gantry && chown node:node /var/lib/gantry
USER node
WORKDIR /var/lib/gantry
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+4000+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/gantry.js"]
# Mount a config at /etc/gantry/gantry.yaml (auth on: a non-loopback bind needs it); --port overrides its server.port.
CMD ["serve", "--config", "/etc/gantry/gantry.yaml", "--host", "0.0.0.0", "--port", "4000"]

# The CUDA variant: Node on a CUDA runtime base, the same built app copied in.
FROM ${BASE} AS cuda
ARG NODE_VERSION
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSL https://deb.nodesource.com/setup_${NODE_VERSION}.x | bash - \
 && apt-get install -y --no-install-recommends nodejs && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --create-home gantry && mkdir -p /var/lib/gantry /etc/gantry && chown gantry:gantry /var/lib/gantry
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=gantry:gantry /app/package.json ./
COPY --from=build --chown=gantry:gantry /app/node_modules ./node_modules
COPY --from=build --chown=gantry:gantry /app/dist ./dist
COPY --chown=gantry:gantry examples ./examples
COPY --chown=gantry:gantry models/gantry-demo ./models/gantry-demo
USER gantry
WORKDIR /var/lib/gantry
EXPOSE 4000 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+4000+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/gantry.js"]
# Mount a config at /etc/gantry/gantry.yaml (auth on: a non-loopback bind needs it); --port overrides its server.port.
CMD ["serve", "--config", "/etc/gantry/gantry.yaml", "--host", "0.0.0.0", "--port", "4000"]

# The default target: the CPU image.
FROM cpu
