import type { DecisionResult, FieldViolation, RiskEvent } from '../domain/index.js';
import { RiskError } from '../domain/index.js';
import type { FeatureSchema } from '../features/index.js';
import type { OutcomeDesk } from './outcome-desk.js';
import {
  type CaseChange,
  type CaseStatus,
  type CaseSummary,
  caseOf,
  holds,
  type ReviewCase,
  summaryOf,
  type Verdict,
  viewOf,
} from './review-case.js';
import type { ReviewStore } from './review-store.js';

/** What the review queue needs. */
export interface ReviewQueueOptions {
  readonly store: ReviewStore;
  /** Where verdicts are recorded as outcomes (REVIEW_APPROVED / REVIEW_DECLINED). */
  readonly desk: Pick<OutcomeDesk, 'report'>;
  readonly now: () => number;
  /** How long a claim holds (RISK_REVIEW_LEASE_MS). */
  readonly leaseMs: number;
  /** Group-commit period: new cases are handed to the store this often (RISK_REVIEW_FLUSH_MS). */
  readonly flushMs: number;
  /** New cases waiting at most; beyond it they are dropped and counted (RISK_REVIEW_MAX_QUEUE). */
  readonly maxQueue: number;
  /** Resolved cases are forgotten this long after their verdict (0: kept forever). */
  readonly retentionMs: number;
  readonly log?: { error(o: object, m: string): void };
}

/** The queue's figures: cases by status (a claim past its lease counts as open), and its own work. */
export interface ReviewQueueStats {
  readonly open: number;
  readonly claimed: number;
  readonly resolved: number;
  /** New cases dropped because the queue was full (monotonic). */
  readonly dropped: number;
  /** New cases waiting for the store now. */
  readonly queued: number;
  /** Failed hand-overs to the store (monotonic); their cases are retried. */
  readonly errors: number;
}

/** The review queue (docs/review-queue.md): REVIEW decisions become cases analysts claim and resolve. */
export interface ReviewQueue {
  /**
   * Queues the case of a REVIEW decision (called on the decision path: a copy and a push; the case
   * is built and stored by the next flush). False when the queue is full and it was dropped.
   */
  add(event: RiskEvent, result: DecisionResult, features: Float64Array, schema: FeatureSchema): boolean;
  /** Hands every queued case to the store. */
  flush(): Promise<void>;
  /** Cases with `status` ('all': any), newest first. */
  list(status: CaseStatus | 'all', limit: number): Promise<CaseSummary[]>;
  /** The case; RISK_ERR_UNKNOWN_RESOURCE when there is none. */
  get(caseId: string): Promise<ReviewCase>;
  /** Claims the case for the lease (renews the analyst's own); RISK_ERR_REVIEW_CONFLICT when another analyst holds it. */
  claim(caseId: string, analyst: string): Promise<ReviewCase>;
  /** Gives the analyst's claim back; RISK_ERR_REVIEW_CONFLICT when the analyst holds none. */
  release(caseId: string, analyst: string): Promise<ReviewCase>;
  /**
   * Records the verdict as an outcome of the decision (REVIEW_APPROVED or REVIEW_DECLINED, the note as
   * its reason) and resolves the case with the outcome's id; the analyst must hold the claim.
   */
  resolve(caseId: string, analyst: string, verdict: Verdict, note?: string): Promise<ReviewCase>;
  stats(): Promise<ReviewQueueStats>;
  /** Flushes and closes the store. */
  close(): Promise<void>;
}

/** How often resolved cases past the retention are looked for. */
const PRUNE_EVERY_MS = 3_600_000;
const CASE_ID = /^[\w.:@-]{1,128}$/;
const ANALYST = /^[\w.@ -]{1,64}$/;
/** The verdicts, and the outcome each records. */
export const VERDICT_OUTCOMES = { APPROVE: 'REVIEW_APPROVED', DECLINE: 'REVIEW_DECLINED' } as const;

interface Pending {
  readonly event: RiskEvent;
  readonly result: DecisionResult;
  readonly features: Float64Array;
  readonly schema: FeatureSchema;
  readonly at: number;
}

/**
 * Creates the queue over a store. New cases wait in memory (bounded) and reach the store in batches
 * every `flushMs`, so a decision never waits for it; every call of the API flushes first, so a case
 * is there as soon as its decision has been answered.
 */
export function createReviewQueue(options: ReviewQueueOptions): ReviewQueue {
  const { store, now, leaseMs, maxQueue } = options;
  let pending: Pending[] = [];
  let dropped = 0;
  let errors = 0;
  let lastPrune = Number.NEGATIVE_INFINITY;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;
  const resolving = new Set<string>();

  const writeOut = async () => {
    const t = now();
    if (options.retentionMs > 0 && t - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = t;
      await store.prune(t - options.retentionMs).catch((err: unknown) => {
        options.log?.error({ err }, 'review queue: pruning resolved cases failed');
      });
    }
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      await store.insert(batch.map((p) => caseOf(p.event, p.result, p.features, p.schema, p.at)));
    } catch (err) {
      errors++;
      options.log?.error({ err }, 'review queue: storing new cases failed; they are retried');
      // Back to the front, as far as the bound allows: the oldest are kept.
      const room = Math.max(0, maxQueue - pending.length);
      dropped += Math.max(0, batch.length - room);
      pending = [...batch.slice(0, room), ...pending];
    }
  };
  const flush = (): Promise<void> => {
    writing = writing.then(writeOut);
    return writing;
  };
  const timer = setInterval(() => void flush(), options.flushMs);
  timer.unref();

  const checkId = (caseId: string) => {
    if (!CASE_ID.test(caseId))
      throw RiskError.invalid([
        { field: 'caseId', description: 'must be 1-128 letters, digits or . : @ - _' },
      ]);
  };
  const checkAnalyst = (analyst: string, more: FieldViolation[] = []) => {
    const problems = [
      ...(typeof analyst === 'string' && ANALYST.test(analyst)
        ? []
        : [
            {
              field: 'analyst',
              description:
                'is required: 1-64 letters, digits, spaces or . @ - _ (or the x-risk-actor header)',
            },
          ]),
      ...more,
    ];
    if (problems.length > 0) throw RiskError.invalid(problems);
  };
  const unknown = (caseId: string) => new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `no review case ${caseId}`);
  const conflict = (c: ReviewCase, analyst: string, action: string) => {
    const v = viewOf(c, now());
    const why =
      v.status === 'resolved'
        ? `it is resolved (${v.verdict} by ${v.resolvedBy})`
        : v.status === 'claimed' && v.claimedBy !== analyst
          ? `${v.claimedBy} holds it until ${v.leaseExpiresAt}`
          : c.status === 'claimed' && c.claimedBy === analyst
            ? `${analyst}'s claim expired at ${c.leaseExpiresAt}; claim it again`
            : `${analyst} has not claimed it`;
    return new RiskError('RISK_ERR_REVIEW_CONFLICT', `cannot ${action} case ${c.caseId}: ${why}`);
  };
  const outcome = (r: CaseChange, caseId: string, analyst: string, action: string): ReviewCase => {
    if (r === undefined) throw unknown(caseId);
    if ('conflict' in r) throw conflict(r.conflict, analyst, action);
    return viewOf(r.case, now());
  };

  return {
    add(event, result, features, schema) {
      if (closed || pending.length >= maxQueue) {
        dropped++;
        return false;
      }
      pending.push({ event, result, features: features.slice(), schema, at: now() });
      return true;
    },
    flush,
    async list(status, limit) {
      await flush();
      const t = now();
      return (await store.list(status, limit, t)).map((c) => summaryOf(viewOf(c, t)));
    },
    async get(caseId) {
      checkId(caseId);
      await flush();
      const c = await store.get(caseId);
      if (c === undefined) throw unknown(caseId);
      return viewOf(c, now());
    },
    async claim(caseId, analyst) {
      checkId(caseId);
      checkAnalyst(analyst);
      await flush();
      return outcome(await store.claim(caseId, analyst, now(), leaseMs), caseId, analyst, 'claim');
    },
    async release(caseId, analyst) {
      checkId(caseId);
      checkAnalyst(analyst);
      await flush();
      return outcome(await store.release(caseId, analyst, now()), caseId, analyst, 'release');
    },
    async resolve(caseId, analyst, verdict, note) {
      checkId(caseId);
      checkAnalyst(analyst, [
        ...(verdict === 'APPROVE' || verdict === 'DECLINE'
          ? []
          : [{ field: 'verdict', description: 'must be APPROVE or DECLINE' }]),
        ...(note === undefined || (typeof note === 'string' && note.length <= 500)
          ? []
          : [{ field: 'note', description: 'must be text of at most 500 characters' }]),
      ]);
      await flush();
      const c = await store.get(caseId);
      if (c === undefined) throw unknown(caseId);
      if (!holds(c, analyst, now())) throw conflict(c, analyst, 'resolve');
      // One verdict at a time per case in this process: a double submit must not record two outcomes.
      if (resolving.has(caseId))
        throw new RiskError('RISK_ERR_REVIEW_CONFLICT', `case ${caseId} is being resolved`);
      resolving.add(caseId);
      try {
        const recorded = await options.desk.report(
          {
            decisionId: c.decisionId,
            eventId: c.eventId,
            type: VERDICT_OUTCOMES[verdict],
            reportedBy: analyst,
            ...(note !== undefined ? { reason: note } : {}),
          },
          // The case's tokenised event feeds the outcome counters (a decline counts against the card…).
          { decisionId: c.decisionId, eventId: c.eventId, decision: 'REVIEW', event: c.event },
        );
        return outcome(
          await store.resolve(caseId, analyst, { verdict, note, outcomeId: recorded.outcomeId }, now()),
          caseId,
          analyst,
          'resolve',
        );
      } finally {
        resolving.delete(caseId);
      }
    },
    async stats() {
      const counts = await store.counts(now());
      return { ...counts, dropped, queued: pending.length, errors };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flush();
      await store.close();
    },
  };
}
