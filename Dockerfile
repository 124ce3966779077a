# The worker image: `npm run worker`, configured by environment (see README).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY tsconfig.json ./
COPY src ./src
EXPOSE 9464
RUN mkdir -p /videos && chown node:node /videos
ENV NODE_ENV=production
USER node
# --heap-growing-percent=20: V8 collects garbage before its heap grows far (README, Fleets).
CMD ["node", "--heap-growing-percent=20", "--import", "tsx", "src/worker.ts"]
