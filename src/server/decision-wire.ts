import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { DecisionResult } from '../domain/index.js';
import { type DecideResponse, Decision, ReasonSource, TimeBasis } from '../gen/risk/v1/risk_pb.js';

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
    timeBasis: r.timeBasis,
    windowTime: r.windowTime,
    features: r.features,
  };
}

/**
 * The body for a fresh decision whose replay record `json` is already its JSON: the record itself,
 * or, when the caller asked for features, the record with them added (only then is anything built).
 */
export function freshDecisionBody(json: string, features: DecisionResult['features']): string {
  if (features === undefined) return json;
  // The record is one JSON object: drop its closing brace and append the map as its last member.
  return `${json.slice(0, -1)},"features":${JSON.stringify(features)}}`;
}

/** Shared by every response without features: the encoder only reads it. */
const NO_FEATURES: { [key: string]: number } = Object.freeze({});

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
      action: x.action === undefined ? Decision.DECISION_UNSPECIFIED : Decision[x.action],
      feature: x.feature ?? '',
      ...(x.value !== undefined ? { value: x.value } : {}),
      ...(x.contribution !== undefined ? { contribution: x.contribution } : {}),
    })),
    bundleVersion: r.bundleVersion,
    modelVersion: r.modelVersion,
    degraded: [...r.degraded],
    timings: r.timings.map((t) => ({ $typeName: 'risk.v1.StageTiming', stage: t.stage, micros: t.micros })),
    replayed: r.replayed,
    timeBasis: TimeBasis[r.timeBasis],
    windowTime: timestampOf(Date.parse(r.windowTime)),
    // The encoder only reads the map: the result's own object serves, no copy.
    features: (r.features as { [key: string]: number } | undefined) ?? NO_FEATURES,
  };
}

/** A Timestamp literal for epoch milliseconds (timestampFromMs would go through create()). */
function timestampOf(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return {
    $typeName: 'google.protobuf.Timestamp',
    seconds: BigInt(seconds),
    nanos: (ms - seconds * 1000) * 1_000_000,
  };
}
