import type { DecisionResult } from '../domain/index.js';
import type { LoggedDecision, SchemaRecord } from '../engine/index.js';
import type { OutcomeRecord } from './outcome-desk.js';

/**
 * A queued decision-log record as a sink reads it: the decision (its answer for the columns and
 * subject, its feature schema, its line of JSON shared with the file log) or an outcome.
 */
export type SinkRecord =
  | {
      readonly kind: 'decision';
      readonly result: DecisionResult;
      readonly wallMs: number;
      readonly schema: SchemaRecord;
      /** The record exactly as the file log writes it (docs/decision-log.md "Record"). */
      readonly line: string;
    }
  | { readonly kind: 'outcome'; readonly record: OutcomeRecord; readonly line: string };

/**
 * Reads what the decision path queued: a `decisionRecord(...)` (serialised here, off the decision
 * path, once for the file log and every sink) or an outcome record; anything else is undefined
 * (skipped by the sinks).
 */
export function sinkRecordOf(r: object): SinkRecord | undefined {
  const d = r as Partial<LoggedDecision>;
  if (typeof d.line === 'function' && d.logSchema !== undefined && d.result !== undefined)
    return { kind: 'decision', result: d.result, wallMs: d.wallMs ?? 0, schema: d.logSchema, line: d.line() };
  if ((r as { kind?: unknown }).kind === 'outcome')
    return { kind: 'outcome', record: r as OutcomeRecord, line: JSON.stringify(r) };
  return undefined;
}
