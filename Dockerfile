# syntax=docker/dockerfile:1.7
#
# One image for every Closeloop service. The service is chosen by the command:
#
#   docker run closeloop                                        # gateway (the default CMD)
#   docker run closeloop dist/apps/intake/src/main.js           # intake
#   docker run closeloop dist/apps/routing/src/main.js migrate  # routing's migrations, then exit
#
# ENTRYPOINT is `node` (no shell wrapper), so node is PID 1 and receives SIGTERM itself; the services drain
# NATS and finish in-flight work on it. See docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- base: shared settings for the build stages ------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
WORKDIR /app
# Quiet, reproducible npm; no install scripts are needed (tsc builds; no native addons at run time), and
# skipping them also keeps telemetry postinstall hooks from running.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    SCARF_ANALYTICS=false

# ---- deps: every dependency, for the build ------------------------------------------------------------------
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts

# ---- build: tsc + tsc-alias into dist/ (scripts/build.mjs) --------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY libs ./libs
COPY apps ./apps
RUN npm run build \
 && test -f dist/apps/gateway/src/main.js

# ---- prod-deps: production dependencies only ----------------------------------------------------------------
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts

# ---- runtime ------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="closeloop" \
      org.opencontainers.image.description="Closeloop services (gateway, intake, routing, ...): one image, the service is the command" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    CLOSELOOP_VERSION=${VERSION}
WORKDIR /app

# Files belong to root and are only readable by the runtime user: the process cannot change its own code,
# and the root filesystem can be mounted read-only (Kubernetes readOnlyRootFilesystem, compose read_only).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# The `node` user of the official image, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000

# Default ports (gateway 3000, intake 3001, routing 3002); each service reads HTTP_PORT.
EXPOSE 3000 3001 3002

# No HEALTHCHECK here: the port differs per service. docker-compose.yml and the Kubernetes probes call
# GET /health on the service's HTTP_PORT.
ENTRYPOINT ["node"]
CMD ["dist/apps/gateway/src/main.js"]
