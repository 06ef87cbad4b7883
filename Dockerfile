# One image for every process of status-bridge; docker-compose picks the process with `command`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
USER node
# Processes run their TypeScript entry points through tsx's loader (a runtime dependency), so the
# image runs exactly the code the tests ran.
CMD ["node", "--import", "tsx", "apps/ingest/src/main.ts"]
