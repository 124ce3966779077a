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
# The tarball, and the Temporal SDK versions the bundle was built with (the required peers), which the
# image installs exactly, so the prebuilt bundle always matches the SDK that runs it.
RUN npm pack --pack-destination /tmp && mv /tmp/durable-video-*.tgz /tmp/durable-video.tgz \
  && node -p "const p = require('./package.json'); Object.keys(p.peerDependencies).filter((d) => !p.peerDependenciesMeta?.[d]?.optional).map((d) => d + '@' + require(d + '/package.json').version).join(' ')" > /tmp/peers

FROM node:24-bookworm-slim
WORKDIR /app
RUN echo '{"name": "durable-video-worker", "private": true}' > package.json
COPY --from=package /tmp/durable-video.tgz /tmp/peers /tmp/
RUN npm install --omit=dev --no-audit --no-fund /tmp/durable-video.tgz $(cat /tmp/peers) \
  && rm /tmp/durable-video.tgz /tmp/peers && npm cache clean --force \
  && mkdir -p /videos && chown node:node /videos
ENV NODE_ENV=production \
    VIDEO_STORE=/videos \
    VIDEO_METRICS_ADDRESS=0.0.0.0:9464 \
    VIDEO_WORKER_SHUTDOWN_GRACE=30s
USER node
# Videos are kept here unless VIDEO_STORE names a bucket: mount a volume, or they go with the container.
VOLUME /videos
EXPOSE 9464
# The worker's runtime serves metrics while it is up (on VIDEO_METRICS_ADDRESS's port). It says the
# process lives, not that Temporal is reachable: alert on the temporal_* poll metrics for that.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const port = (process.env.VIDEO_METRICS_ADDRESS || '').split(':').pop(); fetch('http://127.0.0.1:' + port + '/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops polling; running activities get VIDEO_WORKER_SHUTDOWN_GRACE to finish or heartbeat
# out (give `docker stop -t` / terminationGracePeriodSeconds a little more than that).
STOPSIGNAL SIGTERM
CMD ["node", "node_modules/durable-video/lib/cli/main.js", "worker"]
