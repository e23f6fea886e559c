# The kubejobs image: `kubejobs controller` (and later `kubejobs job-scheduler`).
# test/controller/production-bundle.ts runs these same commands without Docker; keep them in step.

# 1. Build: every dependency, then compile src/ to lib/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY imports ./imports
COPY src ./src
RUN npx tsc -p tsconfig.json --outDir lib --inlineSourceMap false --inlineSources false --declaration false

# 2. Production dependencies only.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: slim Node, no build tools, non-root, works with a read-only root filesystem
#    (nothing is written at run time; logs go to stdout).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY package.json ./
RUN chmod 0755 lib/cli.js && ln -s /app/lib/cli.js /usr/local/bin/kubejobs
USER 65532:65532
ENTRYPOINT ["kubejobs"]
CMD ["controller"]
