# syntax=docker/dockerfile:1
# Production image of conversations-graphql. Node 24 runs the TypeScript sources directly (type
# stripping), so nothing is built: the image holds src/, package.json (its "type": "module") and the
# production dependencies, and runs as the unprivileged `node` user.
#
#   docker build -t conversations-graphql .
#   docker run --rm -p 4000:4000 conversations-graphql            # embedded emulator, demo data
#   docker run --rm -p 4000:4000 -e TWILIO_API_KEY=SK… -e TWILIO_API_SECRET=… conversations-graphql
#
# Pin NODE_IMAGE by digest in a real deployment (node:24-slim@sha256:…). It must be Node >= 24.
ARG NODE_IMAGE=node:24-slim

# Production dependencies only, from the lockfile. No install scripts run: none of the production
# dependencies needs one (the devDependency `node` that has one is not installed here).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX: glibc gives each thread that allocates (V8's compiler and GC helpers, libuv's
# pool) an arena of its own and keeps what they freed; two arenas keep a burst of subscriptions
# from leaving RSS behind (measured by `npm run bench -- --fanout`: 51 → 34 KB per idle subscriber).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Owned by root and read-only to the user that runs the service.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
USER node
EXPOSE 4000
# Liveness: /health answers 200 while the process serves HTTP (slim images have no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node handles SIGTERM itself (graceful shutdown), so it can be PID 1.
# --no-maglev: V8's mid-tier compiler allocates each compilation job's memory on the main thread;
# a burst of subscriptions queued ~1,200 jobs (~70 MB) faster than its threads compiled them and
# left glibc's heap in holes it never hands back. Without it, opening 2,000 subscribers grew the
# heap segment by nothing instead of 10-25 KB each, at no measured throughput cost (`npm run bench`).
CMD ["node", "--no-maglev", "src/main.ts"]
