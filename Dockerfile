# syntax=docker/dockerfile:1
#
# otel-preload as an image: /otel-preload holds exactly what `npm pack` publishes plus its
# production dependencies, a /otel-preload/register.js to preload, and an entrypoint.
#
#   docker build -t otel-preload .
#
# Three ways to use it (see README.md, "Containers"):
#   1. a layer to copy:  COPY --from=otel-preload /otel-preload /otel-preload
#                        ENV NODE_OPTIONS="--import /otel-preload/register.js"
#   2. an entrypoint:    ENTRYPOINT ["/otel-preload/entrypoint.sh"]   (adds our --import to
#                        NODE_OPTIONS, keeps the user's flags, then execs the command)
#   3. an init container: `docker run -v vol:/target otel-preload copy /target`, then
#                        NODE_OPTIONS="--import /target/register.js" in the app container.
#
# The base is a build argument, pinned by exact version; pin it by digest too if you like:
#   docker build --build-arg NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:<digest> .
# Any Node 22.15+/24 image with a POSIX shell works (the final stage needs /bin/sh and cp).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- 1. build: compile TypeScript, bundle the SDK (scripts/bundle.mjs), then `npm pack` exactly what the package publishes
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the `node` dev dependency would download a second Node binary; the
# image's own node compiles the package.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node node_modules/typescript/bin/tsc -p tsconfig.json \
 && node scripts/bundle.mjs \
 && mkdir /pack \
 && npm pack --ignore-scripts --pack-destination /pack \
 && mv /pack/otel-preload-*.tgz /pack/otel-preload.tgz

# ---- 2. install: the packed tarball + production dependencies only, from the root lockfile
FROM ${NODE_IMAGE} AS install
WORKDIR /otel-preload
COPY --from=build /pack/otel-preload.tgz /tmp/otel-preload.tgz
COPY package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    tar -xzf /tmp/otel-preload.tgz --strip-components=1 -C /otel-preload \
 && rm /tmp/otel-preload.tgz \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && printf '%s\n' \
      "'use strict';" \
      "// The preload at a fixed path: node --import /otel-preload/register.js (or --require)." \
      "require('./dist/register.js');" > register.js \
 && cp register.js autoinstrumentation.js
COPY docker/entrypoint.sh ./entrypoint.sh
RUN chmod 0755 entrypoint.sh \
 && chmod -R a+rX,go-w /otel-preload \
 && node -e "require.resolve('import-in-the-middle/hook.mjs', { paths: ['/otel-preload/dist/sdk'] })"

# ---- 3. the image: the base's node, the preload, nothing to build with
FROM ${NODE_IMAGE}
ARG NODE_IMAGE
# No package managers at run time: the app's dependencies are installed where it is built.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v* \
 && ln -s /otel-preload /autoinstrumentation
COPY --from=install /otel-preload /otel-preload
LABEL org.opencontainers.image.title="otel-preload" \
      org.opencontainers.image.description="Zero-code OpenTelemetry tracing for Node.js: NODE_OPTIONS=--import /otel-preload/register.js" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# The base image's unprivileged user (uid 1000 in the official node images).
USER node
ENTRYPOINT ["/otel-preload/entrypoint.sh"]
