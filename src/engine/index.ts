// The engine layer: one decision's pipeline over the stages, bundle loading, combining, idempotency.

/** The decision log's embedded sink, for the server to open (the engine owns what goes in it). */
export {
  createDecisionLog,
  type DecisionLog,
  type DecisionLogReadOptions,
  type DecisionLogStats,
  featuresOf,
  readDecisionLog,
  snapshotFromBase64,
} from '../durability/index.js';
/** Backtests: a candidate bundle against the live one over the decision log's feature snapshots. */
export {
  type BacktestOptions,
  type BacktestReport,
  backtest,
  type DecisionMix,
  type LabelScore,
} from './backtest.js';
/** The backtest over events (a labelled CSV mapped to events): both bundles run the whole engine on fresh counters. */
export { backtestEvents, type EventBacktestOptions } from './backtest-events.js';
/** The backtest spread over worker threads by log segment. */
export { backtestParallel, type ParallelBacktestOptions } from './backtest-parallel.js';
/** The immutable, versioned configuration a decision reads. */
export type { Bundle } from './bundle.js';
/** Loads, compiles and probes a bundle directory; a bad bundle is a BundleError listing every problem. */
export { BundleError, type BundleLoadOptions, defaultBundleDir, loadBundleDir } from './bundle-loader.js';
/** Reasons to one action: allowlist > BLOCK > REVIEW > CHALLENGE > ALLOW. */
export { combine } from './combine.js';
/** A labelled CSV's rows as events, by a column mapping, through the API's intake. */
export { type CsvEventRow, type CsvMapping, csvEvents, parseCsvMapping } from './csv-events.js';
/** Per-field, per-source completeness and validity of incoming events over sliding windows. */
export {
  createDataQuality,
  type DataQuality,
  type DataQualityOptions,
  type FieldQuality,
  QUALITY_FIELDS,
  type QualitySnapshot,
  type QualitySourceDimension,
  type QualityTransition,
  qualityFieldOfViolation,
  type SourceParts,
} from './data-quality.js';
/** The transport-neutral decision core: decide(event, deadline). */
export {
  type ChallengerScore,
  createDecisionEngine,
  type DecideOptions,
  type DecisionEngine,
  type DecisionEngineOptions,
  type DecisionObserver,
} from './decision-engine.js';
/** One decision as the decision log keeps it. */
export {
  createSnapshotReader,
  type DecisionRecord,
  decisionRecord,
  type LoggedDecision,
  type LoggedSnapshot,
  type SchemaRecord,
  schemaRecordOf,
} from './decision-record.js';
/** Idempotent replay of finished decisions by event id. */
export {
  createIdempotencyStore,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  type ReplayEntry,
  type ReplayState,
} from './idempotency-store.js';
/** The one reading path of backtests and reports: decisions in a time range, outcomes joined at the end. */
export {
  type LogRange,
  type LogScan,
  type LogSpan,
  latestOutcome,
  parseLogRange,
  scanDecisionLog,
} from './log-range.js';
/** The journal and snapshot cycle under DATA_DIR: recovery at open, onCommit for the engine, close. */
export {
  openPersistence,
  type Persistence,
  type PersistenceLog,
  type PersistenceOptions,
  type PersistenceStats,
  type SnapshotReport,
} from './persistence.js';
/** Start-up recovery: newest intact snapshot plus the journal after it, into fresh stores. */
export { dataPaths, type RecoveryReport, recoverState } from './recover.js';
/** Idempotent replay shared by replicas through Redis: one decides an event id, the rest replay it. */
export {
  createRedisReplayStore,
  type RedisReplayStoreOptions,
  type ReplayClaim,
  type SharedReplayStore,
  withSharedReplay,
} from './redis-replay-store.js';
export { renderRiskMarkdown, renderShadowMarkdown } from './report-markdown.js';
export { SCORE_BINS, type ScoreDistribution } from './report-stats.js';
/** Reports over the decision log: risk (mix, rules, outcomes, scores, latency, data quality) and shadow. */
export { type RiskReport, type RiskReportOptions, riskReport } from './risk-report.js';
export {
  type ChallengerComparison,
  type ShadowReport,
  type ShadowReportOptions,
  type ShadowRuleReport,
  shadowReport,
  TIERS,
} from './shadow-report.js';
