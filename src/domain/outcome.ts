import type { FieldViolation } from './errors.js';

/** What became of a decided event, reported later by the caller or an analyst. */
export type OutcomeType =
  | 'CHARGEBACK'
  | 'CONFIRMED_FRAUD'
  | 'FALSE_POSITIVE'
  | 'REVIEW_APPROVED'
  | 'REVIEW_DECLINED'
  | 'REFUND';

/** Every outcome type, in a fixed order. */
export const OUTCOME_TYPES: readonly OutcomeType[] = [
  'CHARGEBACK',
  'CONFIRMED_FRAUD',
  'FALSE_POSITIVE',
  'REVIEW_APPROVED',
  'REVIEW_DECLINED',
  'REFUND',
];

/** Outcome types that say the event was fraud (the label a trainer reads as 1). */
export const FRAUD_OUTCOMES: ReadonlySet<OutcomeType> = new Set([
  'CHARGEBACK',
  'CONFIRMED_FRAUD',
  'REVIEW_DECLINED',
]);

/** An outcome report as validated at the edge: which decision, what happened, optional detail. */
export interface OutcomeReport {
  readonly decisionId?: string;
  readonly eventId?: string;
  readonly type: OutcomeType;
  /** Amount concerned (a partial refund, the chargeback amount), minor units. */
  readonly amountMinor?: number;
  readonly currency?: string;
  /** Free text from the reporter (a dispute reason code, an analyst's note); at most 500 characters. */
  readonly reason?: string;
  /** When it happened (epoch ms); default: when it was reported. */
  readonly occurredAtMs?: number;
  /** Who reports it: a system or an analyst; at most 64 characters. */
  readonly reportedBy?: string;
}

const KEYS = new Set([
  'decisionId',
  'eventId',
  'type',
  'amountMinor',
  'currency',
  'reason',
  'occurredAt',
  'reportedBy',
]);
const ID = /^[\w.:@-]{1,128}$/;

/**
 * Validates an outcome body (the REST JSON or the gRPC message as an object): `decisionId` or
 * `eventId` (at least one) and `type`; every problem named by its field.
 */
export function parseOutcome(raw: unknown): { value: OutcomeReport } | { errors: FieldViolation[] } {
  const errors: FieldViolation[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { errors: [{ field: 'body', description: 'must be a JSON object' }] };
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!KEYS.has(k)) errors.push({ field: k, description: 'is not a field of an outcome' });
  const id = (k: 'decisionId' | 'eventId') => {
    const v = o[k];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || !ID.test(v)) {
      errors.push({ field: k, description: 'must be 1-128 letters, digits or . : @ - _' });
      return undefined;
    }
    return v;
  };
  const decisionId = id('decisionId');
  const eventId = id('eventId');
  if (o.decisionId === undefined && o.eventId === undefined)
    errors.push({ field: 'decisionId', description: 'decisionId or eventId is required' });
  const type = o.type;
  if (typeof type !== 'string' || !OUTCOME_TYPES.includes(type as OutcomeType))
    errors.push({ field: 'type', description: `must be one of ${OUTCOME_TYPES.join(', ')}` });
  const amount = o.amountMinor;
  const amountMinor = typeof amount === 'string' && /^\d{1,15}$/.test(amount) ? Number(amount) : amount;
  if (
    amountMinor !== undefined &&
    (typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor) || amountMinor < 0)
  )
    errors.push({ field: 'amountMinor', description: 'must be a non-negative integer of minor units' });
  if (o.currency !== undefined && (typeof o.currency !== 'string' || !/^[A-Z]{3}$/.test(o.currency)))
    errors.push({ field: 'currency', description: 'must be an ISO 4217 code such as EUR' });
  if (o.reason !== undefined && (typeof o.reason !== 'string' || o.reason.length > 500))
    errors.push({ field: 'reason', description: 'must be text of at most 500 characters' });
  if (
    o.reportedBy !== undefined &&
    (typeof o.reportedBy !== 'string' || !/^[\w.@ -]{1,64}$/.test(o.reportedBy))
  )
    errors.push({ field: 'reportedBy', description: 'must be 1-64 letters, digits, spaces or . @ - _' });
  let occurredAtMs: number | undefined;
  if (o.occurredAt !== undefined) {
    occurredAtMs = typeof o.occurredAt === 'string' ? Date.parse(o.occurredAt) : Number.NaN;
    if (!Number.isFinite(occurredAtMs) || !/[zZ]|[+-]\d\d:\d\d$/.test(String(o.occurredAt)))
      errors.push({ field: 'occurredAt', description: 'must be an RFC 3339 time with a zone' });
  }
  if (errors.length > 0) return { errors };
  return {
    value: {
      ...(decisionId !== undefined ? { decisionId } : {}),
      ...(eventId !== undefined ? { eventId } : {}),
      type: type as OutcomeType,
      ...(amountMinor !== undefined ? { amountMinor: amountMinor as number } : {}),
      ...(o.currency !== undefined ? { currency: o.currency as string } : {}),
      ...(o.reason !== undefined ? { reason: o.reason as string } : {}),
      ...(occurredAtMs !== undefined ? { occurredAtMs } : {}),
      ...(o.reportedBy !== undefined ? { reportedBy: o.reportedBy as string } : {}),
    },
  };
}
