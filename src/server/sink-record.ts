import type { DecisionRecord, SchemaRecord } from '../engine/index.js';
import type { OutcomeRecord } from './outcome-desk.js';

/** A queued decision-log record as a sink reads it: the decision with its feature schema, or an outcome. */
export type SinkRecord =
  | { readonly kind: 'decision'; readonly record: DecisionRecord; readonly schema: SchemaRecord }
  | { readonly kind: 'outcome'; readonly record: OutcomeRecord };

/**
 * Reads what the decision path queued: a `decisionRecord(...)` (made into its JSON form here, off
 * the decision path) or an outcome record; anything else is undefined (skipped by the sinks).
 */
export function sinkRecordOf(r: object): SinkRecord | undefined {
  const d = r as Partial<{ toJSON: () => DecisionRecord; logSchema: SchemaRecord }>;
  if (typeof d.toJSON === 'function' && d.logSchema !== undefined) {
    const record = d.toJSON();
    if (record.kind === 'decision') return { kind: 'decision', record, schema: d.logSchema };
  }
  if ((r as { kind?: unknown }).kind === 'outcome') return { kind: 'outcome', record: r as OutcomeRecord };
  return undefined;
}

/** A decision's features by name (null is missing), from its array and schema. */
export function featuresByName(record: DecisionRecord, schema: SchemaRecord): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const { names } = schema;
  for (let i = 0; i < names.length; i++) {
    const v = record.f[i];
    out[names[i] as string] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return out;
}
