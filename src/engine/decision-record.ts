import type { DecisionResult, RiskEvent } from '../domain/index.js';
import { type FeatureSchema, featureValues } from '../features/index.js';
import type { ChallengerScore } from './decision-engine.js';

/**
 * One decision as the decision log keeps it (docs/decision-log.md): the tokenised event, the
 * feature snapshot by name, the response's reasons, versions and timings, and what did not reach
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
  readonly features: Readonly<Record<string, number>>;
}

/**
 * The record of one fresh decision, made cheaply on the decision path: the feature vector is
 * copied (the engine may reuse it) and named only when the log's writer serialises the record.
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
): { toJSON(): DecisionRecord } {
  const copy = features.slice();
  return {
    toJSON: () => ({
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
      features: featureValues(schema, copy),
    }),
  };
}
