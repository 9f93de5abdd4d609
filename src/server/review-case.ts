import type { DecisionResult, Reason, RiskEvent } from '../domain/index.js';
import type { FeatureSchema } from '../features/index.js';

/** Where a case is: waiting, held by an analyst (a lease), or decided. */
export type CaseStatus = 'open' | 'claimed' | 'resolved';
/** An analyst's verdict on a case. */
export type Verdict = 'APPROVE' | 'DECLINE';

/** A REVIEW decision waiting for an analyst (docs/review-queue.md); `caseId` is the decisionId. */
export interface ReviewCase {
  readonly caseId: string;
  readonly decisionId: string;
  readonly eventId: string;
  /** When the decision was made (RFC 3339). */
  readonly createdAt: string;
  readonly status: CaseStatus;
  readonly score: number;
  readonly modelScore?: number;
  /** The deciding reasons' codes (explanations left out), at most three. */
  readonly topReasons: readonly string[];
  /** The decision's reasons as answered. */
  readonly reasons: readonly Reason[];
  /** Every feature the decision used, by name; null is missing. */
  readonly features: Readonly<Record<string, number | null>>;
  /** The event as the edge tokenised it. */
  readonly event: RiskEvent;
  readonly claimedBy?: string;
  readonly claimedAt?: string;
  readonly leaseExpiresAt?: string;
  readonly verdict?: Verdict;
  readonly note?: string;
  readonly resolvedBy?: string;
  readonly resolvedAt?: string;
  readonly outcomeId?: string;
}

/** A case without its reasons, features and event: a line of the queue's list. */
export type CaseSummary = Pick<
  ReviewCase,
  | 'caseId'
  | 'decisionId'
  | 'eventId'
  | 'createdAt'
  | 'status'
  | 'score'
  | 'modelScore'
  | 'topReasons'
  | 'claimedBy'
  | 'leaseExpiresAt'
  | 'verdict'
>;

/** What a state change on a case found: the changed case, a conflict (with the case as it is), or no case. */
export type CaseChange = { readonly case: ReviewCase } | { readonly conflict: ReviewCase } | undefined;

/** How many reason codes a summary carries. */
const TOP_REASONS = 3;

/** The case of a REVIEW decision, features named by `schema` (NaN becomes null). */
export function caseOf(
  event: RiskEvent,
  result: DecisionResult,
  features: Float64Array,
  schema: FeatureSchema,
  createdMs: number,
): ReviewCase {
  const named: Record<string, number | null> = {};
  const { names } = schema;
  for (let i = 0; i < names.length; i++) {
    const v = features[i] as number;
    named[names[i] as string] = Number.isFinite(v) ? v : null;
  }
  return {
    caseId: result.decisionId,
    decisionId: result.decisionId,
    eventId: result.eventId,
    createdAt: new Date(createdMs).toISOString(),
    status: 'open',
    score: result.score,
    ...(result.modelScore !== undefined ? { modelScore: result.modelScore } : {}),
    topReasons: result.reasons
      .filter((r) => r.action !== undefined)
      .slice(0, TOP_REASONS)
      .map((r) => r.code),
    reasons: result.reasons,
    features: named,
    event,
  };
}

/** A claim whose lease has run out is open again: the case as anyone sees it at `nowMs`. */
export function viewOf(c: ReviewCase, nowMs: number): ReviewCase {
  if (c.status !== 'claimed' || Date.parse(c.leaseExpiresAt ?? '') > nowMs) return c;
  const { claimedBy: _b, claimedAt: _a, leaseExpiresAt: _l, ...rest } = c;
  return { ...rest, status: 'open' };
}

/** The list form of a case. */
export function summaryOf(c: ReviewCase): CaseSummary {
  return {
    caseId: c.caseId,
    decisionId: c.decisionId,
    eventId: c.eventId,
    createdAt: c.createdAt,
    status: c.status,
    score: c.score,
    ...(c.modelScore !== undefined ? { modelScore: c.modelScore } : {}),
    topReasons: c.topReasons,
    ...(c.claimedBy !== undefined ? { claimedBy: c.claimedBy } : {}),
    ...(c.leaseExpiresAt !== undefined ? { leaseExpiresAt: c.leaseExpiresAt } : {}),
    ...(c.verdict !== undefined ? { verdict: c.verdict } : {}),
  };
}

/** True when `analyst` holds an unexpired claim on the case. */
export function holds(c: ReviewCase, analyst: string, nowMs: number): boolean {
  return c.status === 'claimed' && c.claimedBy === analyst && Date.parse(c.leaseExpiresAt ?? '') > nowMs;
}

/**
 * Claims an open case, one whose lease ran out, or renews the analyst's own claim, for `leaseMs`;
 * a conflict when it is resolved or another analyst holds it.
 */
export function claimCase(c: ReviewCase, analyst: string, nowMs: number, leaseMs: number): CaseChange {
  const v = viewOf(c, nowMs);
  if (v.status === 'resolved' || (v.status === 'claimed' && v.claimedBy !== analyst)) return { conflict: v };
  return {
    case: {
      ...v,
      status: 'claimed',
      claimedBy: analyst,
      claimedAt: new Date(nowMs).toISOString(),
      leaseExpiresAt: new Date(nowMs + leaseMs).toISOString(),
    },
  };
}

/** Gives a claim back (the analyst's own, expired or not); a conflict when the analyst has none. */
export function releaseCase(c: ReviewCase, analyst: string): CaseChange {
  if (c.status !== 'claimed' || c.claimedBy !== analyst) return { conflict: c };
  const { claimedBy: _b, claimedAt: _a, leaseExpiresAt: _l, ...rest } = c;
  return { case: { ...rest, status: 'open' } };
}

/** The verdict on a case the analyst has claimed; a conflict when the analyst has no claim on it. */
export function resolveCase(
  c: ReviewCase,
  analyst: string,
  r: { readonly verdict: Verdict; readonly note?: string | undefined; readonly outcomeId: string },
  nowMs: number,
): CaseChange {
  if (c.status !== 'claimed' || c.claimedBy !== analyst) return { conflict: c };
  const { leaseExpiresAt: _l, ...rest } = c;
  return {
    case: {
      ...rest,
      status: 'resolved',
      verdict: r.verdict,
      ...(r.note !== undefined ? { note: r.note } : {}),
      resolvedBy: analyst,
      resolvedAt: new Date(nowMs).toISOString(),
      outcomeId: r.outcomeId,
    },
  };
}
