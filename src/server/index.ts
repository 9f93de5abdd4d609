// The adapters: REST (fastify) and gRPC (grpc-js) over one decision gate. Only main.ts listens.

/** Builds the whole service (engine and both transports) from a config, nothing listening. */
export { buildService, type Service, type ServiceOptions } from './app.js';
/** Environment configuration: one schema, validated at once, frozen. */
export { CONFIG_FIELDS, type Config, loadConfig } from './config.js';
/** The analyst console's live view of decisions: per-second summary, top rules, the SSE stream (bench:console). */
export { type ConsoleFeed, createConsoleFeed, type FeedSink } from './console-feed.js';
/** Graceful shutdown: not ready for a grace period while serving, then close listeners and connections. */
export { type Drain, type DrainOptions, type DrainPhase, drain } from './drain.js';
/** The review queue (docs/review-queue.md) and its stores: embedded (memory or journal) and PostgreSQL. */
export { createFileReviewStore } from './file-review-store.js';
/** Binds the gRPC server to a host and port. */
export { bindGrpc } from './grpc.js';
export { createPgReviewStore } from './pg-review-store.js';
export { createReviewQueue, type ReviewQueue } from './review-queue.js';
export type { ReviewStore } from './review-store.js';
/** The fastify and grpc-js server options the service runs with (the bench's empty servers share them). */
export { grpcServerOptions, httpServerOptions } from './server-options.js';
