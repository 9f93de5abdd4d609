import { defaultBundleDir } from '../engine/index.js';

/** Service configuration: one schema, defaults beside it, validated once, then frozen. */
export interface Config {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly bundleDir: string;
  /** HMAC key for PAN/email/phone tokens. */
  readonly tokenKey: string;
  /** True when tokenKey is the built-in development key (a warning is logged). */
  readonly tokenKeyIsDefault: boolean;
  readonly maxBodyBytes: number;
  readonly adminKeys: string;
  readonly adminKeysFile: string;
  readonly decideKeys: string;
  readonly decideKeysFile: string;
  /** Read-only keys: the admin API's reads, the live stream and the console, no change (docs/console.md). */
  readonly readonlyKeys: string;
  readonly readonlyKeysFile: string;
  /** 1: serve the analyst console at /console; 0: not. */
  readonly console: number;
  /** Seconds of per-second decision mix and latency the live summary keeps. */
  readonly liveHistorySeconds: number;
  /** Latest decisions kept whole in memory for the console's search (the decision log has the rest). */
  readonly consoleRecent: number;
  /** 1 to watch the bundle directory. */
  readonly bundleWatch: number;
  readonly maxInFlight: number;
  readonly maxEntities: number;
  readonly idempotencyMax: number;
  readonly idempotencyTtlMs: number;
  readonly modelTimeoutMs: number;
  readonly modelMaxBatch: number;
  /** Explanation reasons an explained decision carries at most (its largest feature contributions). */
  readonly explainTopK: number;
  readonly grpcMaxConcurrentStreams: number;
  readonly logLevel: string;
  readonly accessLog: number;
  /** Event time drives the windows when within this skew of the clock; raise it to replay history. */
  readonly maxEventSkewMs: number;
  /** Deadline applied to REST requests without an x-risk-timeout-ms header. */
  readonly defaultTimeoutMs: number;
  /** After SIGTERM, how long readiness reports NOT_SERVING while requests are still served. */
  readonly drainGraceMs: number;
  /** After SIGTERM, when remaining connections are forced closed and the process exits 1. */
  readonly shutdownTimeoutMs: number;
  /** Directory of all state: journal segments and snapshots (relative to the working directory). */
  readonly dataDir: string;
  /** `sync`: durable before answered; `interval`: durable within journalFlushMs; `off`: memory only. */
  readonly journalMode: 'sync' | 'interval' | 'off';
  readonly journalFlushMs: number;
  /** Time between snapshots (0: only at clean shutdown). */
  readonly snapshotIntervalMs: number;
  /** `file`: every decision appended to NDJSON segments under DATA_DIR/decisions; `off`: none. */
  readonly decisionLog: 'file' | 'off';
  readonly decisionLogFlushMs: number;
  readonly decisionLogSegmentMb: number;
  readonly decisionLogRetentionDays: number;
  readonly decisionLogMaxQueue: number;
  /** Optional decision-log sinks beside the files (comma list of `pg`, `nats`; empty: none). */
  readonly decisionSinks: string;
  /** Schema of the PostgreSQL sink's tables in DATABASE_URL. */
  readonly decisionPgSchema: string;
  /** NATS server(s) of the JetStream sink. */
  readonly natsUrl: string;
  readonly natsSubjectPrefix: string;
  readonly natsStream: string;
  readonly natsMaxAgeHours: number;
  readonly natsMaxMb: number;
  /** `each`: an ack per message; `batch`: one ack per batch (less CPU). */
  readonly natsAcks: string;
  readonly decisionSinkBatch: number;
  readonly decisionSinkFlushMs: number;
  readonly decisionSinkMaxQueue: number;
  /** Redis (or Redis Cluster) holding counters and replay for all replicas; empty: in memory. */
  readonly redisUrl: string;
  /** Budget of one Redis read; a later answer leaves the decision degraded ("features"). */
  readonly redisTimeoutMs: number;
  /** Prefix of every Redis key, so services can share a server. */
  readonly redisKeyPrefix: string;
  /** PostgreSQL holding bundle versions, list changes and the audit trail for all replicas; empty: files. */
  readonly databaseUrl: string;
  /** The schema of the bundle tables (created if missing), so services or tests can share a database. */
  readonly pgSchema: string;
  /** Period of the head poll, the fallback to LISTEN/NOTIFY. */
  readonly bundlePollMs: number;
  /** 1: LISTEN for new heads; 0: poll only. */
  readonly pgListen: number;
  /** JSON file of alert webhooks and triggers (docs/alerts.md); empty: no webhooks. */
  readonly alertsFile: string;
  /** Period of the windowed triggers' evaluation (rule hit rates, degraded share, log drops, data quality). */
  readonly alertsEvalMs: number;
  /** Alerts queued or waiting for a retry at most; further ones are dropped and counted. */
  readonly alertsMaxQueue: number;
  /** What names an event's source for data quality: `type`, `merchant` or `attr.<name>`. */
  readonly qualitySource: string;
  readonly qualityBucketMs: number;
  readonly qualityWindowMs: number;
  readonly qualityBaselineMs: number;
  readonly qualityMaxSources: number;
  /** A data-quality rate alerts when it moves more than this many percentage points from its baseline. */
  readonly qualityThresholdPct: number;
  readonly qualityMinEvents: number;
  /** `down`: only falling rates alert; `both`: rising ones too. */
  readonly qualityDirection: 'down' | 'both';
  /** How long an analyst's claim on a review case holds (docs/review-queue.md). */
  readonly reviewLeaseMs: number;
  /** Group-commit period of new review cases. */
  readonly reviewFlushMs: number;
  /** New review cases waiting at most; beyond it they are dropped and counted. */
  readonly reviewMaxQueue: number;
  /** Resolved review cases are forgotten this many days after their verdict (0: kept). */
  readonly reviewRetentionDays: number;
}

/** Development-only key; anything real must set RISK_TOKEN_KEY. */
const DEV_TOKEN_KEY = 'risk-dev-token-key-change-me-in-production';

interface Field {
  readonly env: string;
  readonly kind: 'int' | 'string';
  readonly default: number | string;
  readonly min?: number;
  readonly max?: number;
  readonly doc: string;
}

/** Every setting, with its environment variable and default (README "Configuration" mirrors this). */
export const CONFIG_FIELDS = {
  host: { env: 'HOST', kind: 'string', default: '0.0.0.0', doc: 'interface both servers bind' },
  httpPort: { env: 'HTTP_PORT', kind: 'int', default: 8080, min: 0, max: 65535, doc: 'REST port' },
  grpcPort: { env: 'GRPC_PORT', kind: 'int', default: 50051, min: 0, max: 65535, doc: 'gRPC port' },
  bundleDir: {
    env: 'RISK_BUNDLE_DIR',
    kind: 'string',
    default: '',
    doc: 'bundle directory (default: the embedded bundles/default)',
  },
  tokenKey: {
    env: 'RISK_TOKEN_KEY',
    kind: 'string',
    default: '',
    doc: 'HMAC key (>= 16 bytes) for PAN/email/phone tokens',
  },
  maxBodyBytes: {
    env: 'RISK_MAX_BODY_BYTES',
    kind: 'int',
    default: 65_536,
    min: 1024,
    max: 16 << 20,
    doc: 'largest request body on either transport',
  },
  maxInFlight: {
    env: 'RISK_MAX_IN_FLIGHT',
    kind: 'int',
    default: 2048,
    min: 1,
    max: 1 << 20,
    doc: 'decisions in progress before shedding load',
  },
  maxEntities: {
    env: 'RISK_MAX_ENTITIES',
    kind: 'int',
    default: 500_000,
    min: 1000,
    max: 50_000_000,
    doc: 'ceiling on tracked counter entities (least recently used evicted, CLOCK)',
  },
  idempotencyMax: {
    env: 'RISK_IDEMPOTENCY_MAX',
    kind: 'int',
    default: 100_000,
    min: 0,
    max: 50_000_000,
    doc: 'decisions remembered for idempotent replay, a 1 KiB off-heap slot each (0 disables)',
  },
  idempotencyTtlMs: {
    env: 'RISK_IDEMPOTENCY_TTL_MS',
    kind: 'int',
    default: 86_400_000,
    min: 1000,
    max: 30 * 86_400_000,
    doc: 'how long an event id is remembered',
  },
  modelTimeoutMs: {
    env: 'RISK_MODEL_TIMEOUT_MS',
    kind: 'int',
    default: 25,
    min: 1,
    max: 10_000,
    doc: 'longest a decision waits for its model batch before degrading to rules only',
  },
  modelMaxBatch: {
    env: 'RISK_MODEL_MAX_BATCH',
    kind: 'int',
    default: 64,
    min: 1,
    max: 4096,
    doc: 'largest micro-batch for one ONNX run',
  },
  explainTopK: {
    env: 'RISK_EXPLAIN_TOP_K',
    kind: 'int',
    default: 3,
    min: 1,
    max: 50,
    doc: 'feature contributions (TreeSHAP) an explained decision returns as MODEL reasons',
  },
  grpcMaxConcurrentStreams: {
    env: 'RISK_GRPC_MAX_STREAMS',
    kind: 'int',
    default: 256,
    min: 1,
    max: 65_535,
    doc: 'concurrent streams per HTTP/2 connection',
  },
  maxEventSkewMs: {
    env: 'RISK_MAX_EVENT_SKEW_MS',
    kind: 'int',
    default: 300_000,
    min: 0,
    max: 20 * 365 * 86_400_000,
    doc: 'use occurred_at for windows when within this skew of now, else arrival time (raise it to replay history)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    kind: 'string',
    default: 'info',
    doc: 'fatal, error, warn, info, debug, trace or silent',
  },
  accessLog: {
    env: 'RISK_ACCESS_LOG',
    kind: 'int',
    default: 0,
    min: 0,
    max: 1,
    doc: '1 writes one structured line per REST response and gRPC call (method, route, status, time; never a body, header, address or query)',
  },
  defaultTimeoutMs: {
    env: 'RISK_DEFAULT_TIMEOUT_MS',
    kind: 'int',
    default: 1000,
    min: 1,
    max: 60_000,
    doc: 'REST deadline when the caller sends none',
  },
  drainGraceMs: {
    env: 'RISK_DRAIN_GRACE_MS',
    kind: 'int',
    // Long enough for load balancers to see the failing readiness probe and for endpoint removal to
    // propagate (the usual 5 s preStop sleep on Kubernetes), short enough to fit docker stop's 10 s.
    default: 5000,
    min: 0,
    max: 600_000,
    doc: 'after SIGTERM/SIGINT, how long /readyz and gRPC health report NOT_SERVING while requests are still served, before the listeners close',
  },
  shutdownTimeoutMs: {
    env: 'RISK_SHUTDOWN_TIMEOUT_MS',
    kind: 'int',
    // Below docker stop's 10 s and Kubernetes' 30 s before SIGKILL, so the forced exit is ours and logged.
    default: 9000,
    min: 1,
    max: 3_600_000,
    doc: 'after SIGTERM/SIGINT, when connections still open are forced closed and the process exits 1 (must exceed RISK_DRAIN_GRACE_MS)',
  },
  adminKeys: {
    env: 'RISK_ADMIN_KEYS',
    kind: 'string',
    default: '',
    doc: 'comma-separated admin API keys (>= 16 characters); none: the admin API answers loopback callers only',
  },
  adminKeysFile: {
    env: 'RISK_ADMIN_KEYS_FILE',
    kind: 'string',
    default: '',
    doc: 'file of admin API keys, one per line (# comments), added to RISK_ADMIN_KEYS',
  },
  decideKeys: {
    env: 'RISK_DECIDE_KEYS',
    kind: 'string',
    default: '',
    doc: 'comma-separated keys for decision calls; none: decisions need no key (an admin key is refused either way)',
  },
  decideKeysFile: {
    env: 'RISK_DECIDE_KEYS_FILE',
    kind: 'string',
    default: '',
    doc: 'file of decide keys, one per line, added to RISK_DECIDE_KEYS',
  },
  readonlyKeys: {
    env: 'RISK_READONLY_KEYS',
    kind: 'string',
    default: '',
    doc: 'comma-separated read-only keys (>= 16 characters): the admin API reads (GET, validate, backtest), the live stream and the console; any change is refused (403)',
  },
  readonlyKeysFile: {
    env: 'RISK_READONLY_KEYS_FILE',
    kind: 'string',
    default: '',
    doc: 'file of read-only keys, one per line (# comments), added to RISK_READONLY_KEYS',
  },
  console: {
    env: 'RISK_CONSOLE',
    kind: 'int',
    default: 1,
    min: 0,
    max: 1,
    doc: '1: serve the analyst console at /console (docs/console.md; its API calls need an admin or read-only key, or loopback without keys); 0: not served',
  },
  liveHistorySeconds: {
    env: 'RISK_LIVE_HISTORY_S',
    kind: 'int',
    default: 900,
    min: 10,
    max: 86_400,
    doc: 'seconds of per-second decision mix and latency kept for the console (GET /admin/v1/live/summary)',
  },
  consoleRecent: {
    env: 'RISK_CONSOLE_RECENT',
    kind: 'int',
    default: 2000,
    min: 0,
    max: 1_000_000,
    doc: 'latest decisions kept whole in memory for the console search (older ones are read from the decision log)',
  },
  bundleWatch: {
    env: 'RISK_BUNDLE_WATCH',
    kind: 'int',
    default: 1,
    min: 0,
    max: 1,
    doc: '1: watch RISK_BUNDLE_DIR and serve a saved edit within a second (a bad one is rejected and logged); 0: reload on SIGHUP or the admin API only. Never with DATABASE_URL: PostgreSQL is then the source',
  },
  dataDir: {
    env: 'DATA_DIR',
    kind: 'string',
    default: './data',
    doc: 'directory of all state (journal/ and snapshots/), relative to the working directory',
  },
  journalMode: {
    env: 'RISK_JOURNAL_MODE',
    kind: 'string',
    default: 'interval',
    doc: '`interval` (written every RISK_JOURNAL_FLUSH_MS, fdatasync right behind: a killed process loses at most that window, a power loss also the sync under way), `sync` (each decision durable before it is answered; concurrent ones share one fdatasync) or `off` (counters and review cases in memory only: no journal or snapshots; the decision log follows RISK_DECISION_LOG)',
  },
  journalFlushMs: {
    env: 'RISK_JOURNAL_FLUSH_MS',
    kind: 'int',
    default: 20,
    min: 1,
    max: 10_000,
    doc: 'interval mode: group-commit period of the journal',
  },
  snapshotIntervalMs: {
    env: 'RISK_SNAPSHOT_INTERVAL_MS',
    kind: 'int',
    default: 300_000,
    min: 0,
    max: 86_400_000,
    doc: 'time between snapshots of the counters and the replay store (0: only at clean shutdown); each covers the journal before it',
  },
  decisionLog: {
    env: 'RISK_DECISION_LOG',
    kind: 'string',
    default: 'file',
    doc: '`file`: every fresh decision is appended to NDJSON segments under DATA_DIR/decisions (docs/decision-log.md), whatever RISK_JOURNAL_MODE says; `off`: no decision log',
  },
  decisionLogFlushMs: {
    env: 'RISK_DECISION_LOG_FLUSH_MS',
    kind: 'int',
    default: 200,
    min: 1,
    max: 60_000,
    doc: 'group-commit period of the decision log: queued records are written and fdatasync-ed this often',
  },
  decisionLogSegmentMb: {
    env: 'RISK_DECISION_LOG_SEGMENT_MB',
    kind: 'int',
    default: 64,
    min: 1,
    max: 4096,
    doc: 'a decision-log segment past this size is closed and a new one started',
  },
  decisionLogRetentionDays: {
    env: 'RISK_DECISION_LOG_RETENTION_DAYS',
    kind: 'int',
    default: 90,
    min: 0,
    max: 3650,
    doc: 'decision-log segments older than this are deleted (0: kept forever)',
  },
  decisionLogMaxQueue: {
    env: 'RISK_DECISION_LOG_MAX_QUEUE',
    kind: 'int',
    default: 100_000,
    min: 1,
    max: 10_000_000,
    doc: 'records waiting for the decision log at most; beyond it records are dropped and counted (risk_decision_log_dropped), the decision never waits',
  },
  decisionSinks: {
    env: 'RISK_DECISION_SINKS',
    kind: 'string',
    default: '',
    doc: 'optional sinks the decision log also goes to, comma-separated: `pg` (PostgreSQL at DATABASE_URL) and `nats` (a NATS JetStream stream at NATS_URL); each has its own bounded queue and never holds a decision up (docs/decision-log.md). Empty: the files only',
  },
  decisionPgSchema: {
    env: 'RISK_DECISION_PG_SCHEMA',
    kind: 'string',
    default: 'risk_decision_log',
    doc: 'with RISK_DECISION_SINKS=pg: schema of the tables decisions, outcomes and feature_schemas in DATABASE_URL (created if missing)',
  },
  natsUrl: {
    env: 'NATS_URL',
    kind: 'string',
    default: '',
    doc: 'with RISK_DECISION_SINKS=nats: the NATS server(s) with JetStream, nats://host:port (comma-separated for a cluster)',
  },
  natsSubjectPrefix: {
    env: 'RISK_NATS_SUBJECT_PREFIX',
    kind: 'string',
    default: 'risk',
    doc: "first token(s) of the JetStream sink's subjects: `<prefix>.decisions.<ALLOW|CHALLENGE|REVIEW|BLOCK>` and `<prefix>.outcomes.<TYPE>`",
  },
  natsStream: {
    env: 'RISK_NATS_STREAM',
    kind: 'string',
    default: 'RISK_DECISIONS',
    doc: 'the JetStream stream holding those subjects (created if missing; subjects added to an existing one)',
  },
  natsMaxAgeHours: {
    env: 'RISK_NATS_MAX_AGE_HOURS',
    kind: 'int',
    default: 168,
    min: 0,
    max: 87_600,
    doc: 'retention of a stream the sink creates: messages older than this are removed (0: no age limit)',
  },
  natsMaxMb: {
    env: 'RISK_NATS_MAX_MB',
    kind: 'int',
    default: 0,
    min: 0,
    max: 16_777_216,
    doc: 'retention of a stream the sink creates: at most this many MiB, oldest removed first (0: no size limit)',
  },
  natsAcks: {
    env: 'RISK_NATS_ACKS',
    kind: 'string',
    default: 'each',
    doc: '`each`: every message of the JetStream sink is acknowledged (a refused one fails its batch, which is retried); `batch`: plain publishes and one acknowledged publish closing each batch (about a fifth of the client CPU per message; a lost connection still fails the batch, a single message the stream refuses goes unnoticed)',
  },
  decisionSinkBatch: {
    env: 'RISK_DECISION_SINK_BATCH',
    kind: 'int',
    default: 500,
    min: 1,
    max: 10_000,
    doc: 'records per write of each sink: rows of one INSERT (pg), messages whose acks are in flight together (nats)',
  },
  decisionSinkFlushMs: {
    env: 'RISK_DECISION_SINK_FLUSH_MS',
    kind: 'int',
    default: 200,
    min: 1,
    max: 60_000,
    doc: 'each sink writes what is queued at least this often (sooner once a batch is full)',
  },
  decisionSinkMaxQueue: {
    env: 'RISK_DECISION_SINK_MAX_QUEUE',
    kind: 'int',
    default: 100_000,
    min: 1,
    max: 10_000_000,
    doc: 'records each sink queues at most (while its server is slow or down); beyond it records are dropped and counted (`risk_decision_sink{state="dropped"}`), never waited for',
  },
  redisUrl: {
    env: 'REDIS_URL',
    kind: 'string',
    default: '',
    doc: 'counters and idempotent replay in Redis, shared by replicas: redis://host:port[/db] for one server, redis-cluster://host:port,host:port,... for a Cluster (empty: in memory)',
  },
  redisTimeoutMs: {
    env: 'RISK_REDIS_TIMEOUT_MS',
    kind: 'int',
    default: 10,
    min: 1,
    max: 10_000,
    doc: 'longest a decision waits for Redis before it goes on without the counters (degraded: features)',
  },
  redisKeyPrefix: {
    env: 'RISK_REDIS_PREFIX',
    kind: 'string',
    default: 'risk:',
    doc: 'prefix of every Redis key',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    kind: 'string',
    default: '',
    doc: 'bundle versions, the head, live list changes and the audit trail in PostgreSQL, shared by replicas (postgres://user@host:port/db); a publish on one is live on all. The bundle directory is then only the first version and is not watched (empty: files under DATA_DIR)',
  },
  pgSchema: {
    env: 'RISK_PG_SCHEMA',
    kind: 'string',
    default: 'public',
    doc: 'schema of the bundle tables in DATABASE_URL (created if missing)',
  },
  bundlePollMs: {
    env: 'RISK_BUNDLE_POLL_MS',
    kind: 'int',
    default: 5000,
    min: 50,
    max: 3_600_000,
    doc: 'with DATABASE_URL: how often the head is polled, the fallback when a NOTIFY is lost',
  },
  pgListen: {
    env: 'RISK_PG_LISTEN',
    kind: 'int',
    default: 1,
    min: 0,
    max: 1,
    doc: 'with DATABASE_URL: 1 to LISTEN for new heads (live within milliseconds), 0 to poll only',
  },
  alertsFile: {
    env: 'RISK_ALERTS_FILE',
    kind: 'string',
    default: '',
    doc: 'JSON file of alert webhooks and their triggers (docs/alerts.md), validated at start-up (a bad file stops the start); empty: no webhooks',
  },
  alertsEvalMs: {
    env: 'RISK_ALERTS_EVAL_MS',
    kind: 'int',
    default: 10_000,
    min: 100,
    max: 3_600_000,
    doc: 'how often windowed triggers (rule hit rate, degraded, decision log drops, data quality) are judged',
  },
  alertsMaxQueue: {
    env: 'RISK_ALERTS_MAX_QUEUE',
    kind: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'alerts queued or waiting for a retry at most; beyond it alerts are dropped and counted (risk_alerts_total{state="dropped"})',
  },
  qualitySource: {
    env: 'RISK_QUALITY_SOURCE',
    kind: 'string',
    default: 'type',
    doc: 'what names an event’s source for data quality (docs/data-quality.md): `type` (event type with the payment channel), `merchant` (merchant id) or `attr.<name>` (a custom attribute)',
  },
  qualityBucketMs: {
    env: 'RISK_QUALITY_BUCKET_MS',
    kind: 'int',
    default: 60_000,
    min: 1000,
    max: 3_600_000,
    doc: 'data quality: width of one time bucket (the window and baseline are whole buckets)',
  },
  qualityWindowMs: {
    env: 'RISK_QUALITY_WINDOW_MS',
    kind: 'int',
    default: 300_000,
    min: 1000,
    max: 86_400_000,
    doc: 'data quality: the current window rates are reported and judged over',
  },
  qualityBaselineMs: {
    env: 'RISK_QUALITY_BASELINE_MS',
    kind: 'int',
    default: 3_600_000,
    min: 1000,
    max: 7 * 86_400_000,
    doc: 'data quality: the trailing baseline, the time before the current window',
  },
  qualityMaxSources: {
    env: 'RISK_QUALITY_MAX_SOURCES',
    kind: 'int',
    default: 64,
    min: 1,
    max: 10_000,
    doc: 'data quality: sources tracked at most; events of further sources count under `(other)`',
  },
  qualityThresholdPct: {
    env: 'RISK_QUALITY_THRESHOLD_PCT',
    kind: 'int',
    default: 20,
    min: 1,
    max: 100,
    doc: 'data quality: a rate alerts when it moves more than this many percentage points from its baseline (and ends when back within half of it)',
  },
  qualityMinEvents: {
    env: 'RISK_QUALITY_MIN_EVENTS',
    kind: 'int',
    default: 50,
    min: 1,
    max: 1_000_000_000,
    doc: 'data quality: least events in the window and in the baseline for a rate to be judged (low traffic does not flap)',
  },
  qualityDirection: {
    env: 'RISK_QUALITY_DIRECTION',
    kind: 'string',
    default: 'down',
    doc: 'data quality: `down` alerts when a rate falls (a field no longer sent, or arriving malformed); `both` when it rises too',
  },
  reviewLeaseMs: {
    env: 'RISK_REVIEW_LEASE_MS',
    kind: 'int',
    default: 900_000,
    min: 1000,
    max: 86_400_000,
    doc: 'how long an analyst’s claim on a review case holds; past it another analyst may claim the case (docs/review-queue.md)',
  },
  reviewFlushMs: {
    env: 'RISK_REVIEW_FLUSH_MS',
    kind: 'int',
    default: 200,
    min: 1,
    max: 60_000,
    doc: 'group-commit period of new review cases: REVIEW decisions queued in memory are written (journal fdatasync, or one PostgreSQL INSERT) this often',
  },
  reviewMaxQueue: {
    env: 'RISK_REVIEW_MAX_QUEUE',
    kind: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'new review cases waiting at most; beyond it they are dropped and counted (risk_review_cases{state="dropped"}), the decision never waits',
  },
  reviewRetentionDays: {
    env: 'RISK_REVIEW_RETENTION_DAYS',
    kind: 'int',
    default: 30,
    min: 0,
    max: 3650,
    doc: 'resolved review cases are deleted this many days after their verdict, and the embedded journal compacted (0: kept forever); the outcome stays in the decision log',
  },
} as const satisfies Record<string, Field>;

const JOURNAL_MODES = new Set(['interval', 'sync', 'off']);
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const SINKS = new Set(['pg', 'nats']);
/** The decision sinks named by RISK_DECISION_SINKS, in order, without repeats. */
export function decisionSinkNames(config: Pick<Config, 'decisionSinks'>): string[] {
  return [
    ...new Set(
      config.decisionSinks
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}
/** What is wrong with the sink settings: an unknown sink, or a sink without its server's URL. */
function decisionSinkProblems(out: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const names = decisionSinkNames({ decisionSinks: String(out.decisionSinks) });
  for (const n of names)
    if (!SINKS.has(n)) problems.push(`RISK_DECISION_SINKS=${out.decisionSinks}: ${n} is not pg or nats`);
  if (names.includes('pg') && out.databaseUrl === '')
    problems.push('RISK_DECISION_SINKS=pg needs DATABASE_URL (the PostgreSQL sink writes there)');
  if (names.includes('nats') && out.natsUrl === '')
    problems.push('RISK_DECISION_SINKS=nats needs NATS_URL (the JetStream sink publishes there)');
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(String(out.decisionPgSchema)))
    problems.push(
      `RISK_DECISION_PG_SCHEMA=${out.decisionPgSchema}: must be a lower-case identifier of at most 48 characters`,
    );
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(String(out.natsSubjectPrefix)))
    problems.push(
      `RISK_NATS_SUBJECT_PREFIX=${out.natsSubjectPrefix}: must be dot-separated tokens of letters, digits, _ and -`,
    );
  if (out.natsAcks !== 'each' && out.natsAcks !== 'batch')
    problems.push(`RISK_NATS_ACKS=${out.natsAcks}: must be each or batch`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(String(out.natsStream)))
    problems.push(`RISK_NATS_STREAM=${out.natsStream}: must be 1 to 64 letters, digits, _ or -`);
  return problems;
}

/** Reads configuration from an environment; throws one error listing every problem. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Config> = {},
): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(CONFIG_FIELDS) as [string, Field][]) {
    const raw = env[f.env];
    if (raw === undefined || raw === '') {
      out[key] = f.default;
      continue;
    }
    if (f.kind === 'int') {
      const v = Number(raw);
      if (!Number.isInteger(v) || (f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max)) {
        problems.push(`${f.env}=${raw}: must be an integer in [${f.min}, ${f.max}]`);
      }
      out[key] = v;
    } else out[key] = raw;
  }
  if (!JOURNAL_MODES.has(String(out.journalMode)))
    problems.push(`RISK_JOURNAL_MODE=${out.journalMode}: must be one of ${[...JOURNAL_MODES].join(', ')}`);
  if (out.decisionLog !== 'file' && out.decisionLog !== 'off')
    problems.push(`RISK_DECISION_LOG=${out.decisionLog}: must be file or off`);
  if (!LEVELS.has(String(out.logLevel)))
    problems.push(`LOG_LEVEL=${out.logLevel}: must be one of ${[...LEVELS].join(', ')}`);
  const tokenKeyIsDefault = out.tokenKey === '';
  if (tokenKeyIsDefault) out.tokenKey = DEV_TOKEN_KEY;
  else if (String(out.tokenKey).length < 16) problems.push('RISK_TOKEN_KEY: must be at least 16 bytes');
  if (Number(out.shutdownTimeoutMs) <= Number(out.drainGraceMs))
    problems.push(
      `RISK_SHUTDOWN_TIMEOUT_MS=${out.shutdownTimeoutMs}: must exceed RISK_DRAIN_GRACE_MS=${out.drainGraceMs}`,
    );
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(String(out.pgSchema)))
    problems.push(`RISK_PG_SCHEMA=${out.pgSchema}: must be a lower-case identifier of at most 48 characters`);
  if (!/^(type|merchant|attr\.[A-Za-z_][A-Za-z0-9_]{0,63})$/.test(String(out.qualitySource)))
    problems.push(`RISK_QUALITY_SOURCE=${out.qualitySource}: must be type, merchant or attr.<name>`);
  if (out.qualityDirection !== 'down' && out.qualityDirection !== 'both')
    problems.push(`RISK_QUALITY_DIRECTION=${out.qualityDirection}: must be down or both`);
  for (const k of ['qualityWindowMs', 'qualityBaselineMs'] as const)
    if (Number(out[k]) % Number(out.qualityBucketMs) !== 0)
      problems.push(
        `${CONFIG_FIELDS[k].env}=${out[k]}: must be a multiple of RISK_QUALITY_BUCKET_MS=${out.qualityBucketMs}`,
      );
  if ((Number(out.qualityWindowMs) + Number(out.qualityBaselineMs)) / Number(out.qualityBucketMs) > 10_000)
    problems.push('RISK_QUALITY_BUCKET_MS: too small for the window and baseline (10,000 buckets at most)');
  problems.push(...decisionSinkProblems(out));
  if (out.bundleDir === '') out.bundleDir = defaultBundleDir();
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze({ ...(out as unknown as Config), tokenKeyIsDefault, ...overrides });
}
