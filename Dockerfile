# syntax=docker/dockerfile:1
# Same steps as the README quick start: install exactly the lock, build, node dist/main.js.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# .npmrc (ignore-scripts) keeps dependency install scripts from running; belt and braces for
# onnxruntime-node's postinstall, which would fetch CUDA binaries (the CPU binary is in the package).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY src ./src
COPY console ./console
COPY bundles ./bundles
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HTTP_PORT=8080 GRPC_PORT=50051 ORT_DISABLE_TELEMETRY=1 DATA_DIR=/data
WORKDIR /app
# The journal and snapshots (docs/architecture.md §11): a volume the node user owns.
RUN mkdir /data && chown node:node /data
VOLUME /data
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bundles ./bundles
USER node
EXPOSE 8080 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains: readiness goes NOT_SERVING for RISK_DRAIN_GRACE_MS while requests are still served,
# then the listeners close, in-flight requests finish, and the process exits (README, Docker).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
