# The kubejobs image: `kubejobs controller` (and later `kubejobs job-scheduler`).
# test/controller/production-bundle.ts runs these same commands without Docker; keep them in step.
# Build: `docker build -t ghcr.io/kubejobs/kubejobs:<version> .`. BASE_IMAGE is any Debian bookworm
# with Node 20 and npm on PATH; test/image/build-image.sh builds this file unchanged from a base it
# makes from Debian packages (no registry pull).
ARG BASE_IMAGE=node:20-bookworm-slim

# 1. Build: every dependency, then compile src/ to lib/.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY imports ./imports
COPY src ./src
RUN npx tsc -p tsconfig.json --outDir lib --inlineSourceMap false --inlineSources false --declaration false

# 2. Production dependencies only.
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: slim Node, no build tools, non-root, works with a read-only root filesystem
#    (nothing is written at run time; logs go to stdout).
FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY package.json ./
RUN chmod 0755 lib/cli.js && ln -s /app/lib/cli.js /usr/local/bin/kubejobs
USER 65532:65532
ENTRYPOINT ["kubejobs"]
CMD ["controller"]
