import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type Clock, createTokenizer, systemClock, type Tokenizer } from '../domain/index.js';
import type { Bundle } from '../engine/index.js';
import {
  createDataQuality,
  createDecisionEngine,
  createDecisionLog,
  createIdempotencyStore,
  createRedisReplayStore,
  type DataQuality,
  type DecisionEngine,
  decisionRecord,
  loadBundleDir,
  openPersistence,
  type Persistence,
  type SharedReplayStore,
  withSharedReplay,
} from '../engine/index.js';
import {
  type CounterStore,
  createCounterStore,
  createRedisClient,
  createRedisCounterStore,
  type RedisClient,
  type RedisStoreStats,
  redisReady,
} from '../features/index.js';
import { createSequenceState, type SequenceState } from '../policies/index.js';
import { registerAccessLog } from './access-log.js';
import { decideAuthorizer, registerAdmin } from './admin-routes.js';
import { createAlertDelivery } from './alert-delivery.js';
import { type Alerts, createAlerts } from './alerts.js';
import { type AlertsConfig, loadAlertsConfig } from './alerts-config.js';
import { loadApiKeys } from './api-keys.js';
import type { DecisionSink } from './batch-sink.js';
import type { Config } from './config.js';
import { createConsoleFeed } from './console-feed.js';
import { createDecisionLookup } from './console-lookup.js';
import { consoleRoutes } from './console-routes.js';
import { registerConsoleStatic } from './console-static.js';
import { type ControlPlane, createControlPlane } from './control-plane.js';
import { createDecisionFanout } from './decision-fanout.js';
import { createDecisionGate } from './decision-gate.js';
import { createDecisionSinks } from './decision-sinks.js';
import { createFileBundleStore } from './file-bundle-store.js';
import { buildGrpc, type GrpcService } from './grpc.js';
import { createMetrics, type Metrics } from './metrics.js';
import { openReviewQueue } from './open-review-queue.js';
import { createOutcomeDesk } from './outcome-desk.js';
import { registerOutcomes } from './outcome-routes.js';
import { createPgBundleStore } from './pg-bundle-store.js';
import { qualityRejection } from './quality-rejects.js';
import { registerRest } from './rest.js';
import type { ReviewQueue } from './review-queue.js';
import { httpServerOptions } from './server-options.js';

/** The assembled service: both transports built, nothing listening yet. */
export interface Service {
  readonly config: Config;
  readonly engine: DecisionEngine;
  readonly tokenizer: Tokenizer;
  readonly metrics: Metrics;
  readonly http: FastifyInstance;
  readonly grpc: GrpcService;
  /** The journal and snapshots under config.dataDir; undefined when RISK_JOURNAL_MODE is off. */
  readonly persistence: Persistence | undefined;
  /** The decision log's optional sinks (RISK_DECISION_SINKS), for tests and the bench to flush and read. */
  readonly decisionSinks: readonly DecisionSink[];
  /** Writes what the decision log and every sink hold now (a sink that cannot write keeps its batch for the retry). */
  flushDecisionLog(): Promise<void>;
  /** Bundle reloads, publishes, versions, rollbacks and live list items (the admin API's core). */
  readonly control: ControlPlane;
  /** Per-source, per-field completeness and validity of incoming events (docs/data-quality.md). */
  readonly quality: DataQuality;
  /** Alert triggers and webhook delivery (docs/alerts.md). */
  readonly alerts: Alerts;
  /** True when no admin key is configured: the admin API answers loopback callers only. */
  readonly adminLoopbackOnly: boolean;
  /** Marks the service ready (or not) on /readyz and grpc.health.v1. */
  setReady(ready: boolean): void;
  /**
   * Stops accepting work, lets requests in flight finish, flushes the journal and writes a final
   * snapshot, then releases the model.
   */
  close(): Promise<void>;
}

/** Explicit dependencies a test may replace. */
export interface ServiceOptions {
  readonly clock?: Clock;
  /** Use this bundle instead of loading config.bundleDir. */
  readonly bundle?: Bundle;
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * What the transports call instead of the engine built here, given that engine. The bench's edge
   * server (bench/edge-server.ts) answers with a constant decision this way, to measure the
   * transports, validation and tokenisation without the core.
   */
  readonly wrapEngine?: (engine: DecisionEngine) => DecisionEngine;
}

/** Loads the bundle and builds the core and both transports from explicit dependencies. */
export async function buildService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? systemClock;
  // A bad alerts file stops the start before anything else is opened (docs/alerts.md).
  const alertsConfig: AlertsConfig =
    config.alertsFile === '' ? { webhooks: [] } : loadAlertsConfig(config.alertsFile);
  const tokenizer = createTokenizer(config.tokenKey);
  let inFlight = () => 0;
  let engine: DecisionEngine | undefined;
  let persistence: Persistence | undefined;
  // With REDIS_URL, counters and replay live in Redis (docs/architecture.md §9).
  let redis: RedisClient | undefined;
  let redisStats: RedisStoreStats | undefined;
  let replayStore: SharedReplayStore | undefined;
  let redisClientErrors = 0;
  let redisReachable = true;
  if (config.redisUrl !== '') {
    redis = createRedisClient(config.redisUrl);
    // Reconnects are the client's business; each error is counted, none is fatal.
    redis.on('error', () => {
      redisClientErrors++;
    });
    redisReachable = await redisReady(redis, 2000);
  }
  let sequences: SequenceState | undefined;
  let controlPlane: ControlPlane | undefined;
  let review: ReviewQueue | undefined;
  // Every fresh decision goes to the decision log (docs/decision-log.md); the decision never waits for it.
  const decisionLog =
    config.decisionLog === 'file'
      ? createDecisionLog({
          dir: join(resolve(config.dataDir), 'decisions'),
          flushMs: config.decisionLogFlushMs,
          maxSegmentBytes: config.decisionLogSegmentMb * 1024 * 1024,
          retentionMs: config.decisionLogRetentionDays * 86_400_000,
          maxQueue: config.decisionLogMaxQueue,
          onError: (err) => http.log.error({ err }, 'decision log write failed'),
        })
      : undefined;
  // The file log and every sink of RISK_DECISION_SINKS get each record, each on its own bounded queue.
  const sinks = createDecisionSinks(config, {
    warn: (o: object, m: string) => http.log.warn(o, m),
    info: (o: object, m: string) => http.log.info(o, m),
  });
  const records = createDecisionFanout(decisionLog, sinks);
  const outcomes = createOutcomeDesk({
    append: decisionLog === undefined ? undefined : (r) => records.append(r),
    durable: () => decisionLog?.flush() ?? Promise.resolve(),
    logDir: decisionLog === undefined ? undefined : join(resolve(config.dataDir), 'decisions'),
    recent: Math.max(config.idempotencyMax, 10_000),
    count: (event, decision, type) => core.recordOutcome(event, decision, type),
  });
  // The console's live view: per-second mix and latency, top rules, the stream, recent records.
  const feed = createConsoleFeed({ historySeconds: config.liveHistorySeconds, recent: config.consoleRecent });
  const quality = createDataQuality({
    bucketMs: config.qualityBucketMs,
    windowMs: config.qualityWindowMs,
    baselineMs: config.qualityBaselineMs,
    maxSources: config.qualityMaxSources,
    source: config.qualitySource as 'type',
    threshold: config.qualityThresholdPct / 100,
    minEvents: config.qualityMinEvents,
    direction: config.qualityDirection,
    // Observed only once the engine decides; declared attributes follow the serving bundle.
    plan: () => (engine as DecisionEngine).bundle.features,
  });
  let alerts: Alerts | undefined;
  const metrics = createMetrics({
    entities: () => engine?.store.stats().entities ?? 0,
    evictions: () => engine?.store.stats().evictions ?? 0,
    inFlight: () => inFlight(),
    sequences: () => sequences?.stats() ?? { keys: 0, runs: 0, evictedKeys: 0, evictedRuns: 0 },
    ...(decisionLog !== undefined ? { decisionLog: () => decisionLog.stats() } : {}),
    ...(sinks.length > 0 ? { decisionSinks: () => sinks.map((s) => ({ sink: s.name, ...s.stats() })) } : {}),
    outcomes: () => outcomes.stats(),
    quality: () => quality.snapshot(clock()),
    alerts: () => ({ ...(alerts?.stats() ?? {}) }),
    review: async () =>
      review === undefined ? { open: 0, claimed: 0, resolved: 0, dropped: 0 } : review.stats(),
    versions: () => {
      const b = engine?.bundle;
      return {
        bundle: b?.version ?? '',
        model: b?.model?.version ?? '',
        challenger: b?.challenger?.model.version ?? '',
      };
    },
    bundleChanges: () => controlPlane?.changes() ?? { applied: 0, rejected: 0 },
    ...(config.journalMode !== 'off' && config.redisUrl === ''
      ? { durability: () => (persistence as Persistence).stats() }
      : {}),
    ...(redis !== undefined
      ? {
          redis: () => ({
            hydrate_errors: redisStats?.hydrateErrors ?? 0,
            hydrate_timeouts: redisStats?.hydrateTimeouts ?? 0,
            commit_failures: redisStats?.commitFailures ?? 0,
            replay_errors: replayStore?.errors() ?? 0,
            client_errors: redisClientErrors,
          }),
        }
      : {}),
  });
  const bundle =
    options.bundle ??
    (await loadBundleDir(config.bundleDir, {
      tokenizer,
      now: clock,
      model: {
        maxBatch: config.modelMaxBatch,
        timeoutMs: config.modelTimeoutMs,
        onBatch: metrics.modelBatch,
      },
    }));
  let store: CounterStore;
  if (redis !== undefined) {
    const rs = createRedisCounterStore({
      client: redis,
      plan: bundle.features,
      keyPrefix: config.redisKeyPrefix,
      timeoutMs: config.redisTimeoutMs,
    });
    redisStats = rs.redisStats;
    replayStore = createRedisReplayStore({
      client: redis,
      keyPrefix: config.redisKeyPrefix,
      ttlMs: config.idempotencyTtlMs,
      timeoutMs: config.redisTimeoutMs,
    });
    store = rs;
  } else store = createCounterStore({ plan: bundle.features, maxEntities: config.maxEntities });
  const shared = replayStore !== undefined && config.idempotencyMax > 0 ? replayStore : undefined;
  const http = Fastify(httpServerOptions(config, options.logger));
  if (!redisReachable)
    http.log.warn('Redis at REDIS_URL not reachable yet: decisions are degraded (features) until it is');
  // REVIEW decisions become cases for analysts (docs/review-queue.md); the decision never waits for them.
  review = await openReviewQueue(config, { desk: outcomes, now: clock, log: http.log });
  const reviewQueue = review;
  // The counters and the replay store are restored (docs/architecture.md §11) before anything
  // decides. With Redis the state is Redis's: no journal.
  const replay = createIdempotencyStore(config.idempotencyMax, config.idempotencyTtlMs);
  // Partial matches of sequence rules live in this process beside the counters (with Redis too:
  // docs/bundle.md "Sequence rules" says what that means for replicas).
  sequences = createSequenceState(bundle.sequences, { maxKeys: config.maxEntities });
  persistence =
    config.journalMode === 'off' || redis !== undefined
      ? undefined
      : openPersistence({
          dataDir: resolve(config.dataDir),
          mode: config.journalMode,
          flushMs: config.journalFlushMs,
          snapshotIntervalMs: config.snapshotIntervalMs,
          store,
          currentStore: () => core.store,
          replay,
          sequences,
          log: http.log,
        });
  const engineCore = createDecisionEngine({
    bundle,
    store,
    clock,
    maxSkewMs: config.maxEventSkewMs,
    explainTopK: config.explainTopK,
    // With a shared replay store the engine's own is off; the wrapper replays across replicas.
    idempotency: { max: shared !== undefined ? 0 : config.idempotencyMax, ttlMs: config.idempotencyTtlMs },
    onDecision: (event, result, features, shadow, live, challenger, schema) => {
      metrics.ruleHits(live, shadow);
      metrics.modelScores(result.modelScore, challenger);
      const sinking = decisionLog !== undefined || sinks.length > 0;
      const record =
        sinking || feed.keepsRecords
          ? decisionRecord(event, result, features, schema, shadow, live, challenger, Date.now())
          : undefined;
      if (record !== undefined && sinking) records.append(record);
      outcomes.remember(result, event);
      // Observers only: a fault in one is logged and never fails the decision.
      try {
        quality.observe(event, clock());
        alerts?.observe(event, result, live);
        feed.observe(event, result, live, record);
      } catch (err) {
        http.log.error({ err }, 'data quality, alert or console observer failed');
      }
      if (result.decision === 'REVIEW') reviewQueue.add(event, result, features, schema);
    },
    replayStore: replay,
    sequences,
    ...(persistence !== undefined ? { onCommit: persistence.onCommit } : {}),
  });
  const core = shared !== undefined ? withSharedReplay(engineCore, shared) : engineCore;

  engine = core;
  const served = options.wrapEngine?.(core) ?? core;
  const gate = createDecisionGate(served, tokenizer, metrics, config.maxInFlight, (req, violations) => {
    const r = qualityRejection(req, violations);
    if (r !== undefined) quality.reject(r.parts, r.fields, clock());
  });
  // Alerts: dead letters under DATA_DIR/alerts (in memory when the journal is off).
  const alertService = createAlerts({
    config: alertsConfig,
    delivery: await createAlertDelivery({
      maxQueue: config.alertsMaxQueue,
      deadLetterFile:
        config.journalMode === 'off' || alertsConfig.webhooks.length === 0
          ? undefined
          : join(resolve(config.dataDir), 'alerts', 'dead-letter.ndjson'),
      log: http.log,
    }),
    quality,
    clock,
    decisionLog: decisionLog === undefined ? undefined : () => decisionLog.stats(),
  });
  alerts = alertService;
  alertService.start(config.alertsEvalMs);
  inFlight = gate.inFlight;

  const keys = loadApiKeys(config);
  const authorize = decideAuthorizer(keys);
  // Bundle versions and the audit trail: files of this process, or PostgreSQL shared by replicas (§6).
  const dataDir = config.journalMode === 'off' ? undefined : resolve(config.dataDir);
  const bundleStore =
    config.databaseUrl === ''
      ? await createFileBundleStore({ dataDir, log: http.log })
      : await createPgBundleStore({
          url: config.databaseUrl,
          schema: config.pgSchema,
          dataDir,
          pollMs: config.bundlePollMs,
          listen: config.pgListen === 1,
          log: http.log,
        });
  const control = await createControlPlane({
    engine: core,
    bundleDir: config.bundleDir,
    store: bundleStore,
    load: {
      tokenizer,
      now: clock,
      model: {
        maxBatch: config.modelMaxBatch,
        timeoutMs: config.modelTimeoutMs,
        onBatch: metrics.modelBatch,
      },
    },
    tokenizer,
    modelGraceMs: config.modelTimeoutMs + 1000,
    log: http.log,
  });
  // A bundle handed in by a test is not the directory's: there is nothing to watch then.
  controlPlane = control;
  if (config.bundleWatch === 1 && options.bundle === undefined) control.watch();

  let ready = false;
  registerRest(http, {
    gate,
    metrics,
    ready: () => ready,
    defaultTimeoutMs: config.defaultTimeoutMs,
    bundleVersion: () => served.bundle.version,
    maxBodyBytes: config.maxBodyBytes,
    authorize,
  });
  registerAdmin(http, {
    control,
    keys,
    tokenizer,
    decisionLogDir: decisionLog === undefined ? undefined : join(resolve(config.dataDir), 'decisions'),
    ...(decisionLog !== undefined ? { flushDecisionLog: () => decisionLog.flush() } : {}),
    extend: [
      consoleRoutes({
        feed,
        control,
        lookup: createDecisionLookup({
          feed,
          logDir: decisionLog === undefined ? undefined : join(resolve(config.dataDir), 'decisions'),
          ...(decisionLog !== undefined ? { flush: () => decisionLog.flush() } : {}),
          serving: () => control.serving(),
        }),
      }),
    ],
    alertRoutes: { alerts: alertService, quality, clock },
    review: reviewQueue,
  });
  if (config.console === 1) registerConsoleStatic(http);
  registerOutcomes(http, { desk: outcomes, authorize });
  if (config.accessLog === 1) registerAccessLog(http);
  const grpc = buildGrpc({
    gate,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    maxConcurrentStreams: config.grpcMaxConcurrentStreams,
    log: http.log,
    authorize,
    outcomes,
    accessLog: config.accessLog === 1,
  });

  const setReady = (r: boolean) => {
    // Health Watch streams are sent every setStatus: send them changes only.
    if (r === ready) return;
    ready = r;
    const s = r ? 'SERVING' : 'NOT_SERVING';
    grpc.health.setStatus('', s);
    grpc.health.setStatus('risk.v1.DecisionService', s);
  };

  return {
    config,
    engine: served,
    tokenizer,
    metrics,
    http,
    grpc,
    persistence,
    decisionSinks: sinks,
    flushDecisionLog: () => records.flush(),
    control,
    quality,
    alerts: alertService,
    adminLoopbackOnly: !keys.adminConfigured,
    setReady,
    async close() {
      setReady(false);
      grpc.endHealthWatches();
      feed.close();
      await Promise.all([
        http.close(),
        new Promise<void>((done) => grpc.server.tryShutdown(() => done())),
        control.close(),
      ]);
      // Nothing decides any more: everything answered is journaled; the final snapshot covers it all.
      await persistence?.close();
      // Before the decision log: the queue's last cases are stored, and no verdict is under way.
      await reviewQueue.close();
      await records.close();
      await alertService.close();
      await core.bundle.model?.close();
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}
