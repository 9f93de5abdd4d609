import type { Action, OutcomeType, RiskEvent } from '../domain/index.js';

/**
 * One committed decision as the journal keeps it: what the counters need to count it again
 * (`store.commit(event, t, { decision })`) and what the replay store needs to answer a
 * retry (event id, fingerprint, the decision JSON, when it was made). The event is the tokenised
 * RiskEvent: no raw PAN, email or phone ever reaches the disk.
 */
export interface JournalRecord {
  readonly event: RiskEvent;
  /** The window time the engine counted the event at (epoch ms). */
  readonly t: number;
  readonly decision: Action;
  /** Wall-clock time the decision was made (epoch ms): the replay entry's age. */
  readonly createdMs: number;
  /** The event's content fingerprint; with `json`, absent when the engine keeps no replay record. */
  readonly fingerprint?: string;
  /** The decision as the replay store keeps it. */
  readonly json?: string;
  /**
   * Each sequence the event advanced, by identity, with its condition bits: recovery replays the
   * same transitions without the features they were computed from.
   */
  readonly sequences?: Readonly<Record<string, number>>;
  /**
   * Set on a reported outcome about `event` (not a decision): recovery adds it to the outcome
   * counters only (`store.commit(event, t, { decision, outcome })`).
   */
  readonly outcome?: OutcomeType;
}

interface Head {
  readonly e: RiskEvent;
  readonly t: number;
  readonly d: Action;
  readonly c: number;
  readonly f?: string;
  readonly s?: Readonly<Record<string, number>>;
  readonly o?: OutcomeType;
}

const NL = 0x0a;

/**
 * The record's text (the journal writes it as UTF-8): a JSON head, a newline, then the decision
 * JSON as it is (JSON.stringify never writes a raw newline, so the first one splits them). Keeping
 * the decision apart spares escaping it inside another string.
 */
export function encodeJournalRecord(r: JournalRecord): string {
  const head: Head = {
    e: r.event,
    t: r.t,
    d: r.decision,
    c: r.createdMs,
    ...(r.fingerprint !== undefined ? { f: r.fingerprint } : {}),
    ...(r.sequences !== undefined ? { s: r.sequences } : {}),
    ...(r.outcome !== undefined ? { o: r.outcome } : {}),
  };
  return r.json === undefined ? JSON.stringify(head) : `${JSON.stringify(head)}\n${r.json}`;
}

/** Reads a record back; throws on bytes that are not one (the reader counts them as corrupt). */
export function decodeJournalRecord(body: Buffer): JournalRecord {
  const nl = body.indexOf(NL);
  const head = JSON.parse(body.toString('utf8', 0, nl < 0 ? body.length : nl)) as Head;
  if (typeof head.t !== 'number' || typeof head.e?.eventId !== 'string' || typeof head.d !== 'string')
    throw new Error('journal record without event, time or decision');
  return {
    event: head.e,
    t: head.t,
    decision: head.d,
    createdMs: head.c,
    ...(head.f !== undefined ? { fingerprint: head.f } : {}),
    ...(head.s !== undefined ? { sequences: head.s } : {}),
    ...(head.o !== undefined ? { outcome: head.o } : {}),
    ...(nl >= 0 ? { json: body.toString('utf8', nl + 1) } : {}),
  };
}
