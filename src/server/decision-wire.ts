import type { DecisionResult } from '../domain/index.js';
import { type DecideResponse, Decision, ReasonSource } from '../gen/risk/v1/risk_pb.js';

/** The proto3 JSON form of a DecideResponse, written directly (no reflection on the hot path). */
export function decisionToJson(r: DecisionResult): Record<string, unknown> {
  return {
    decisionId: r.decisionId,
    eventId: r.eventId,
    decision: r.decision,
    score: r.score,
    modelScore: r.modelScore,
    reasons: r.reasons,
    bundleVersion: r.bundleVersion,
    modelVersion: r.modelVersion,
    degraded: r.degraded,
    timings: r.timings,
    replayed: r.replayed,
  };
}

/**
 * The DecideResponse message for gRPC, built as a literal: create() would walk the descriptor for
 * every response, and the generated decideResponseToBinary only reads the fields.
 */
export function decisionToProto(r: DecisionResult): DecideResponse {
  return {
    $typeName: 'risk.v1.DecideResponse',
    decisionId: r.decisionId,
    eventId: r.eventId,
    decision: Decision[r.decision],
    score: r.score,
    ...(r.modelScore !== undefined ? { modelScore: r.modelScore } : {}),
    reasons: r.reasons.map((x) => ({
      $typeName: 'risk.v1.Reason',
      code: x.code,
      message: x.message,
      source: ReasonSource[x.source],
      ruleId: x.ruleId ?? '',
      action: Decision[x.action],
    })),
    bundleVersion: r.bundleVersion,
    modelVersion: r.modelVersion,
    degraded: [...r.degraded],
    timings: r.timings.map((t) => ({ $typeName: 'risk.v1.StageTiming', stage: t.stage, micros: t.micros })),
    replayed: r.replayed,
  };
}
