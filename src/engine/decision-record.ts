import { createHash } from 'node:crypto';
import type { DecisionResult, RiskEvent } from '../domain/index.js';
import { snapshotBase64 } from '../durability/index.js';
import type { FeatureSchema } from '../features/index.js';
import type { ChallengerScore } from './decision-engine.js';

/**
 * One decision as the decision log keeps it (docs/decision-log.md): the tokenised event, the
 * feature snapshot (an array in the order of a schema the segment declares), the response's reasons, versions and timings, and what did not reach
 * the response: shadow hits, live hits and the challenger's score. Raw card numbers, emails and
 * phones never reach it: the event is the one the edge tokenised.
 */
export interface DecisionRecord {
  readonly kind: 'decision';
  readonly decisionId: string;
  readonly eventId: string;
  /** Wall time the record was made (RFC 3339). */
  readonly at: string;
  readonly event: RiskEvent;
  readonly decision: DecisionResult['decision'];
  readonly score: number;
  readonly modelScore?: number;
  readonly reasons: DecisionResult['reasons'];
  readonly liveHits: readonly string[];
  readonly shadowHits: readonly string[];
  readonly challenger?: ChallengerScore;
  readonly bundleVersion: string;
  readonly modelVersion: string;
  readonly degraded: readonly string[];
  readonly timings: DecisionResult['timings'];
  readonly timeBasis: DecisionResult['timeBasis'];
  readonly windowTime: string;
  /** Id of the feature schema `fb` is laid out by: a `schema` line of the same segment names it. */
  readonly schema: string;
  /**
   * The feature snapshot, by the schema's order: the float64 values (NaN is missing), little-endian,
   * in base64. The reader (`readDecisionLog`) decodes it into `f`.
   */
  readonly fb: string;
}

/** The line that names a schema's features, written once per segment before the first record using it. */
export interface SchemaRecord {
  readonly kind: 'schema';
  readonly id: string;
  readonly names: readonly string[];
}

const schemaIds = new WeakMap<FeatureSchema, SchemaRecord>();
/** A schema's log declaration, made once per schema object: its id is a hash of its names. */
export function schemaRecordOf(schema: FeatureSchema): SchemaRecord {
  let r = schemaIds.get(schema);
  if (r === undefined) {
    const id = createHash('sha256').update(schema.names.join('\n')).digest('hex').slice(0, 12);
    r = { kind: 'schema', id, names: schema.names };
    schemaIds.set(schema, r);
  }
  return r;
}

/** A fresh decision as queued for the decision log and its sinks (docs/decision-log.md). */
export interface LoggedDecision {
  /** The schema `f` is laid out by, declared once per segment (or stream) before the first record using it. */
  readonly logSchema: SchemaRecord;
  /** The decision as answered: the sinks' columns and subjects come from it. */
  readonly result: DecisionResult;
  /** Wall time the record was made (epoch ms). */
  readonly wallMs: number;
  toJSON(): DecisionRecord;
  /**
   * The record as one line of JSON, serialised once by whichever writer asks first and shared by
   * the file log and every sink (serialising is most of what a record costs).
   */
  line(): string;
}

/**
 * The record of one fresh decision, made cheaply on the decision path: the feature vector is
 * copied (the engine may reuse it) and serialised by the log's writer, which declares its schema
 * (`logSchema`) once per segment. The snapshot travels as base64 of its float64 bytes: exact, and
 * about twice as fast to write and to read back as a JSON array of numbers (bench/log-record-bench.ts),
 * which is what backtests and the writer's share of the decision path are made of.
 */
export function decisionRecord(
  event: RiskEvent,
  result: DecisionResult,
  features: Float64Array,
  schema: FeatureSchema,
  shadowHits: readonly string[],
  liveHits: readonly string[],
  challenger: ChallengerScore | undefined,
  wallMs: number,
): LoggedDecision {
  const copy = features.slice();
  const logSchema = schemaRecordOf(schema);
  let json: string | undefined;
  const record = (): DecisionRecord => ({
    kind: 'decision',
    decisionId: result.decisionId,
    eventId: result.eventId,
    at: new Date(wallMs).toISOString(),
    event,
    decision: result.decision,
    score: result.score,
    ...(result.modelScore !== undefined ? { modelScore: result.modelScore } : {}),
    reasons: result.reasons,
    liveHits,
    shadowHits,
    ...(challenger !== undefined ? { challenger } : {}),
    bundleVersion: result.bundleVersion,
    modelVersion: result.modelVersion,
    degraded: result.degraded,
    timings: result.timings,
    timeBasis: result.timeBasis,
    windowTime: result.windowTime,
    schema: logSchema.id,
    fb: snapshotBase64(copy),
  });
  return {
    logSchema,
    result,
    wallMs,
    toJSON: record,
    line: () => {
      json ??= JSON.stringify(record());
      return json;
    },
  };
}

/** A logged snapshot: decoded float64s (NaN missing), or an older log's JSON array (null missing). */
export type LoggedSnapshot = ArrayLike<number | null>;

/**
 * Lays logged feature snapshots out by `schema`, by name: a logged feature the schema lacks is
 * dropped, a schema feature the log lacks is missing (NaN). The mapping is worked out once per
 * logged schema (the reader shares one `featureNames` array per schema).
 */
export function createSnapshotReader(
  schema: FeatureSchema,
): (featureNames: readonly string[] | undefined, f: LoggedSnapshot | undefined) => Float64Array {
  const maps = new Map<readonly string[], Int32Array>();
  /** Logged schemas laid out exactly as `schema`: their snapshots are copied whole. */
  const same = new Set<readonly string[]>();
  return (names, f) => {
    if (names !== undefined && f instanceof Float64Array && same.has(names) && f.length === schema.size)
      return f.slice();
    const out = new Float64Array(schema.size).fill(Number.NaN);
    if (names === undefined || f === undefined) return out;
    let to = maps.get(names);
    if (to === undefined) {
      to = Int32Array.from(names, (n) => schema.indexOf(n) ?? -1);
      maps.set(names, to);
      if (to.length === schema.size && to.every((j, i) => j === i)) same.add(names);
    }
    for (let i = 0; i < to.length; i++) {
      const j = to[i] as number;
      const v = f[i];
      if (j >= 0 && typeof v === 'number') out[j] = v;
    }
    return out;
  };
}
