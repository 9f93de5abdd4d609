import type { Action, FieldViolation, OutcomeType, RiskEvent } from '../domain/index.js';

/** A time range of the decision log: decisions made (their record's `at`) in [from, to), epoch ms. */
export interface LogRange {
  /** At or after this; default the beginning. */
  readonly from?: number | undefined;
  /** Before this; default the end. */
  readonly to?: number | undefined;
}

/** What a scan of the log found besides the decisions it handed over. */
export interface LogScan {
  /** Decisions in the range. */
  readonly events: number;
  /** When the first and last of them were made (epoch ms); undefined with none. */
  readonly first?: number;
  readonly last?: number;
  /** Outcome records of every decision in the log, in write order, by decision id (join at the end). */
  readonly outcomes: ReadonlyMap<string, readonly OutcomeType[]>;
}

/**
 * Walks the decision log's records (readDecisionLog) once: every decision record made in `range` goes
 * to `onDecision` with its time; outcome records, which follow their decisions in the log, are kept by
 * decision id for the caller to join once the scan is done. The one reading path of backtests and
 * reports.
 */
export async function scanDecisionLog(
  records: AsyncIterable<Record<string, unknown>>,
  range: LogRange,
  onDecision: (record: Record<string, unknown>, at: number) => void,
): Promise<LogScan> {
  const outcomes = new Map<string, OutcomeType[]>();
  let events = 0;
  let first: number | undefined;
  let last: number | undefined;
  for await (const r of records) {
    if (r.kind === 'outcome') {
      const id = String(r.decisionId);
      const list = outcomes.get(id);
      if (list === undefined) outcomes.set(id, [r.type as OutcomeType]);
      else list.push(r.type as OutcomeType);
      continue;
    }
    if (r.kind !== 'decision') continue;
    const at = Date.parse(String(r.at));
    if ((range.from !== undefined && at < range.from) || (range.to !== undefined && at >= range.to)) continue;
    events++;
    if (first === undefined || at < first) first = at;
    if (last === undefined || at > last) last = at;
    onDecision(r, at);
  }
  return {
    events,
    ...(first !== undefined ? { first } : {}),
    ...(last !== undefined ? { last } : {}),
    outcomes,
  };
}

/** A decision's label: its latest outcome (a later chargeback overrides an earlier approval). */
export function latestOutcome(outcomes: readonly OutcomeType[] | undefined): OutcomeType | undefined {
  return outcomes === undefined ? undefined : outcomes[outcomes.length - 1];
}

/** The fields of a logged decision record (docs/decision-log.md) the reports read. */
export interface LoggedDecisionFields {
  readonly decisionId: string;
  readonly eventId: string;
  readonly event: RiskEvent;
  readonly decision: Action;
  readonly reasons?: readonly { readonly action?: Action; readonly ruleId?: string; readonly code: string }[];
  readonly modelScore?: number;
  readonly modelVersion?: string;
  readonly liveHits?: readonly string[];
  readonly shadowHits?: readonly string[];
  readonly challenger?: {
    readonly version: string;
    readonly score?: number;
    readonly agrees?: boolean;
    readonly failed?: boolean;
  };
  readonly degraded?: readonly string[];
  readonly timings?: readonly { readonly stage: string; readonly micros: number }[];
}

/** The range asked for and the span of the decisions found, as RFC 3339 (each left out when unknown). */
export function rangeTimes(
  range: LogRange,
  scan: LogScan,
): { from?: string; to?: string; first?: string; last?: string } {
  const out: { from?: string; to?: string; first?: string; last?: string } = {};
  if (range.from !== undefined) out.from = new Date(range.from).toISOString();
  if (range.to !== undefined) out.to = new Date(range.to).toISOString();
  if (scan.first !== undefined) out.first = new Date(scan.first).toISOString();
  if (scan.last !== undefined) out.last = new Date(scan.last).toISOString();
  return out;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[zZ]|[+-]\d\d:\d\d)$/;

/**
 * A time range from text (a query string, command-line flags): each bound an RFC 3339 time with a
 * zone, `from` before `to`; the violations name the field.
 */
export function parseLogRange(
  from: string | undefined,
  to: string | undefined,
): { value: LogRange } | { errors: FieldViolation[] } {
  const errors: FieldViolation[] = [];
  const time = (field: 'from' | 'to', v: string | undefined) => {
    if (v === undefined) return undefined;
    const ms = RFC3339.test(v) ? Date.parse(v) : Number.NaN;
    if (!Number.isFinite(ms)) {
      errors.push({ field, description: 'must be an RFC 3339 time with a zone, e.g. 2026-12-01T00:00:00Z' });
      return undefined;
    }
    return ms;
  };
  const a = time('from', from);
  const b = time('to', to);
  if (a !== undefined && b !== undefined && b <= a)
    errors.push({ field: 'to', description: 'must be after from' });
  if (errors.length > 0) return { errors };
  return { value: { ...(a !== undefined ? { from: a } : {}), ...(b !== undefined ? { to: b } : {}) } };
}

/** What every report over the log starts with: the range, the decisions in it, and the reading speed. */
export interface LogSpan {
  /** The range asked for (RFC 3339), when given. */
  readonly from?: string;
  readonly to?: string;
  /** When the first and last decision in range were made. */
  readonly first?: string;
  readonly last?: string;
  readonly decisions: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}
