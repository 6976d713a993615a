# syntax=docker/dockerfile:1
# crm-ai's service image: the API (`serve`) or a worker (`worker`), with the admin panel built in.
# Build stage: the native addons (better-sqlite3, hnswlib-node) compile against this image's own Node, and Vite
# builds the panel; then development packages are pruned. The runtime stage copies only the result and runs
# unprivileged.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
RUN npm install -g npm@11.19.1
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web && npm prune --omit=dev

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5001 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=1000:1000 /app /app
RUN mkdir -p /data && chown 1000:1000 /data
# The base image's unprivileged `node` user, by number so any host resolves it.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 5001
# /health answers while the process serves; /ready also checks the database and Redis.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5001) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Production mode refuses to start without PostgreSQL and Redis (docker-compose.yml provides both).
CMD ["node", "bin/crm-ai.js", "serve", "--production"]
