# The worker image: `durable-video worker`, configured by environment (README, docs/operations.md).
#
# Stage 1 builds the package exactly as `npm pack` ships it (compiled lib/ and the prebuilt workflow
# bundles); stage 2 installs that tarball as any service would, without TypeScript or dev tools, on
# the current LTS Node, and runs it as the unprivileged `node` user.

FROM node:24-bookworm-slim AS package
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm pack --pack-destination /tmp && mv /tmp/durable-video-*.tgz /tmp/durable-video.tgz

FROM node:24-bookworm-slim
WORKDIR /app
RUN echo '{"name": "durable-video-worker", "private": true}' > package.json
COPY --from=package /tmp/durable-video.tgz /tmp/durable-video.tgz
RUN npm install --omit=dev --no-audit --no-fund /tmp/durable-video.tgz \
  && rm /tmp/durable-video.tgz && npm cache clean --force \
  && mkdir -p /videos && chown node:node /videos
ENV NODE_ENV=production \
    VIDEO_STORE=/videos \
    VIDEO_METRICS_ADDRESS=0.0.0.0:9464 \
    VIDEO_WORKER_SHUTDOWN_GRACE=30s
USER node
EXPOSE 9464
# The worker serves its metrics (and so answers) while its runtime is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops polling; running activities get VIDEO_WORKER_SHUTDOWN_GRACE to finish or heartbeat
# out (give `docker stop -t` / terminationGracePeriodSeconds a little more than that).
STOPSIGNAL SIGTERM
CMD ["node", "node_modules/durable-video/lib/cli/main.js", "worker"]
