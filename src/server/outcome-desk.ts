import { randomUUID } from 'node:crypto';
import type { DecisionResult, OutcomeReport, RiskEvent } from '../domain/index.js';
import { RiskError } from '../domain/index.js';
import { readDecisionLog } from '../engine/index.js';

/** An outcome as the decision log keeps it, beside the decision it labels. */
export interface OutcomeRecord {
  readonly kind: 'outcome';
  readonly outcomeId: string;
  readonly decisionId: string;
  readonly eventId: string;
  readonly type: OutcomeReport['type'];
  /** The decision the outcome is about, as it was answered. */
  readonly decision: DecisionResult['decision'];
  /** When it was reported (RFC 3339). */
  readonly at: string;
  readonly occurredAt?: string;
  readonly amountMinor?: number;
  readonly currency?: string;
  readonly reason?: string;
  readonly reportedBy?: string;
}

/** Where outcomes are recorded and how decisions are found. */
export interface OutcomeDeskOptions {
  /** Appends a record to the decision log; undefined when the log is off. */
  readonly append: ((record: object) => boolean) | undefined;
  /** Resolves once everything appended is written and synced: an outcome is durable before it is acknowledged. */
  readonly durable: () => Promise<void>;
  /** The decision log's directory, read when a decision is not among the recent ones. */
  readonly logDir: string | undefined;
  /** Recent decisions remembered in memory for a fast lookup. */
  readonly recent: number;
  /**
   * Counts a durable outcome in the outcome counters (the engine's recordOutcome), given the
   * tokenised event the decision was about.
   */
  readonly count?: (
    event: RiskEvent,
    decision: DecisionResult['decision'],
    type: OutcomeReport['type'],
  ) => Promise<void>;
  readonly now?: () => number;
}

/** Records outcomes against decisions (POST /v1/outcomes). */
export interface OutcomeDesk {
  /** Remembers a fresh decision (and its tokenised event, for the outcome counters) for later outcomes. */
  remember(result: DecisionResult, event?: RiskEvent): void;
  /**
   * Finds the decision (by decisionId, else the latest of eventId), appends the outcome to the
   * decision log and returns it; RISK_ERR_UNKNOWN_RESOURCE when there is no such decision.
   */
  report(o: OutcomeReport): Promise<OutcomeRecord>;
  stats(): Readonly<Record<OutcomeReport['type'], number>>;
}

interface Known {
  readonly decisionId: string;
  readonly eventId: string;
  readonly decision: DecisionResult['decision'];
  readonly event?: RiskEvent | undefined;
}

/** Events kept in memory for the outcome counters; older decisions' events are read from the log. */
const RECENT_EVENTS = 10_000;

/**
 * Creates the desk. The last `recent` decisions are looked up in memory; older ones by reading the
 * decision log back (newest segment last, so the latest decision of an event id wins): a linear
 * read, fine for the rate outcomes come at (chargebacks arrive days later, a few per thousand).
 */
export function createOutcomeDesk(options: OutcomeDeskOptions): OutcomeDesk {
  const now = options.now ?? Date.now;
  const byDecision = new Map<string, Known>();
  const byEvent = new Map<string, Known>();
  const events = new Map<string, RiskEvent>();
  const counts: Record<string, number> = {};
  const find = async (o: OutcomeReport): Promise<Known | undefined> => {
    const hit =
      (o.decisionId !== undefined ? byDecision.get(o.decisionId) : undefined) ??
      (o.decisionId === undefined && o.eventId !== undefined ? byEvent.get(o.eventId) : undefined);
    if (hit !== undefined) {
      if (hit.eventId !== (o.eventId ?? hit.eventId)) return undefined;
      const event = events.get(hit.decisionId);
      if (event !== undefined || options.logDir === undefined || options.count === undefined)
        return { ...hit, event };
      // Known, but its event is no longer in memory: the log has it (once what is queued is written).
      o = { ...o, decisionId: hit.decisionId };
      await options.durable();
    }
    if (options.logDir === undefined) return undefined;
    let found: Known | undefined;
    for await (const r of readDecisionLog(options.logDir)) {
      if (r.kind !== 'decision') continue;
      const k = {
        decisionId: String(r.decisionId),
        eventId: String(r.eventId),
        decision: r.decision as Known['decision'],
        event: r.event as RiskEvent | undefined,
      };
      if (o.decisionId !== undefined ? k.decisionId === o.decisionId : k.eventId === o.eventId) found = k;
    }
    return found !== undefined && found.eventId === (o.eventId ?? found.eventId) ? found : undefined;
  };
  return {
    remember(result, event) {
      const k = { decisionId: result.decisionId, eventId: result.eventId, decision: result.decision };
      if (event !== undefined) {
        events.set(k.decisionId, event);
        if (events.size > RECENT_EVENTS) events.delete(events.keys().next().value as string);
      }
      byDecision.set(k.decisionId, k);
      byEvent.delete(k.eventId);
      byEvent.set(k.eventId, k);
      if (byDecision.size > options.recent) {
        const oldest = byDecision.keys().next().value as string;
        const gone = byDecision.get(oldest);
        byDecision.delete(oldest);
        if (gone !== undefined && byEvent.get(gone.eventId) === gone) byEvent.delete(gone.eventId);
      }
    },
    async report(o) {
      if (options.append === undefined) throw new RiskError('RISK_ERR_NO_DECISION_LOG');
      const k = await find(o);
      if (k === undefined)
        throw new RiskError(
          'RISK_ERR_UNKNOWN_RESOURCE',
          o.decisionId !== undefined
            ? `no decision ${o.decisionId}${o.eventId !== undefined ? ` of event ${o.eventId}` : ''}`
            : `no decision of event ${o.eventId}`,
        );
      const record: OutcomeRecord = {
        kind: 'outcome',
        outcomeId: randomUUID(),
        decisionId: k.decisionId,
        eventId: k.eventId,
        type: o.type,
        decision: k.decision,
        at: new Date(now()).toISOString(),
        ...(o.occurredAtMs !== undefined ? { occurredAt: new Date(o.occurredAtMs).toISOString() } : {}),
        ...(o.amountMinor !== undefined ? { amountMinor: o.amountMinor } : {}),
        ...(o.currency !== undefined ? { currency: o.currency } : {}),
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        ...(o.reportedBy !== undefined ? { reportedBy: o.reportedBy } : {}),
      };
      if (!options.append(record))
        throw new RiskError('RISK_ERR_OVERLOADED', 'the decision log queue is full; retry the outcome');
      await options.durable();
      // Counted once durable: the next decision on the same card, account... reads it.
      if (k.event !== undefined) await options.count?.(k.event, k.decision, o.type);
      counts[o.type] = (counts[o.type] ?? 0) + 1;
      return record;
    },
    stats: () => counts as Record<OutcomeReport['type'], number>,
  };
}
