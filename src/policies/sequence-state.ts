import type { RiskEvent } from '../domain/index.js';
import type { EvalContext } from './expression.js';
import type { CompiledSequence, SequenceStep } from './sequence.js';

/**
 * One partial match: it waits at `step` having taken `count` of its iterations. `fresh` says it took
 * (or was created by) the key's latest event, which strict contiguity and `notNext` need. A run at
 * step = steps.length waits out a trailing `notFollowedBy`.
 */
interface Run {
  readonly step: number;
  readonly count: number;
  /** Time of the match's first event; `within` counts from it. */
  readonly start: number;
  /** Time of the last event taken; a step's `gap` counts from it. */
  readonly last: number;
  readonly fresh: boolean;
}

/** What one event did to one key's partial matches. */
export interface SequenceOutcome {
  /** Positive steps satisfied by the most advanced partial match after the event (steps.length on a match). */
  readonly stage: number;
  /** A match completed on this event. */
  readonly matched: boolean;
}

/** Bounds on sequence state. */
export interface SequenceStateOptions {
  /** Keys kept per sequence; the least recently touched is dropped beyond it (counted). */
  readonly maxKeys?: number;
  /** Partial matches kept per key; the oldest is dropped beyond it (counted). */
  readonly maxRuns?: number;
}

/** The snapshot section of sequence state: JSON in one part (the state is small: live partial matches only). */
export interface SequenceStateSection {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: readonly Uint8Array[];
}

/**
 * Partial-match state of every sequence, per key: the NFA of Flink CEP run one event at a time
 * (docs/bundle.md "Sequence rules"). It lives beside the counters: the engine journals each event's
 * condition bits (`mask`), so recovery replays the same transitions without the features, and a
 * snapshot carries it. Expiry is lazy: a run past `within` is dropped when its key is next touched,
 * and the least recently touched keys are swept a few per event.
 */
export interface SequenceState {
  /** The condition bits of `seq` for one event, evaluated once (and journaled). */
  maskOf(seq: CompiledSequence, ctx: EvalContext): number;
  /** Whether `key` has partial matches of `seq` (an event with no bits set then changes nothing). */
  has(seq: CompiledSequence, key: string): boolean;
  /** Runs one event through `seq` for `key`; undefined when `seq` is not one this state tracks. */
  advance(seq: CompiledSequence, key: string, mask: number, t: number): SequenceOutcome | undefined;
  /** Replays a journaled event by the sequence's identity; one unknown now is skipped. */
  replay(identity: string, event: RiskEvent, mask: number, t: number): void;
  /** Tracks a new bundle's sequences: state carries over to equal definitions (same identity), the rest is dropped. */
  adopt(sequences: readonly CompiledSequence[]): void;
  exportState(): SequenceStateSection;
  /** Loads a snapshot's state for the sequences tracked now; others are dropped. */
  importState(section: SequenceStateSection): void;
  stats(): { keys: number; runs: number; evictedKeys: number; evictedRuns: number };
}

interface Table {
  seq: CompiledSequence;
  keys: Map<string, Run[]>;
}

const SWEEP_PER_EVENT = 2;

/** Creates the state for a bundle's sequences. */
export function createSequenceState(
  sequences: readonly CompiledSequence[],
  options: SequenceStateOptions = {},
): SequenceState {
  const maxKeys = options.maxKeys ?? 1_000_000;
  const maxRuns = options.maxRuns ?? 64;
  let tables = new Map<string, Table>();
  let evictedKeys = 0;
  let evictedRuns = 0;
  const adopt = (list: readonly CompiledSequence[]) => {
    const next = new Map<string, Table>();
    for (const seq of list)
      next.set(seq.identity, { seq, keys: tables.get(seq.identity)?.keys ?? new Map() });
    tables = next;
  };
  adopt(sequences);

  const run = (table: Table, key: string, mask: number, t: number): SequenceOutcome => {
    const { seq, keys } = table;
    const before = keys.get(key);
    const r = transition(seq, before ?? EMPTY, mask, t);
    let runs = r.runs;
    if (runs.length > maxRuns) {
      runs.sort((a, b) => b.start - a.start);
      evictedRuns += runs.length - maxRuns;
      runs = runs.slice(0, maxRuns);
    }
    if (before !== undefined) keys.delete(key);
    if (runs.length > 0) {
      keys.set(key, runs);
      if (keys.size > maxKeys) {
        const oldest = keys.keys().next().value as string;
        keys.delete(oldest);
        evictedKeys++;
      }
    }
    sweep(seq, keys, t);
    return { stage: r.stage, matched: r.matched };
  };

  return {
    maskOf(seq, ctx) {
      let mask = 0;
      const cs = seq.conditions;
      for (let i = 0; i < cs.length; i++) if ((cs[i] as (c: EvalContext) => boolean)(ctx)) mask |= 1 << i;
      return mask;
    },
    has: (seq, key) => tables.get(seq.identity)?.keys.has(key) === true,
    advance(seq, key, mask, t) {
      const table = tables.get(seq.identity);
      return table === undefined ? undefined : run(table, key, mask, t);
    },
    replay(identity, event, mask, t) {
      const table = tables.get(identity);
      const key = table?.seq.keyOf(event);
      if (table !== undefined && key !== undefined) run(table, key, mask, t);
    },
    adopt,
    exportState() {
      const out: Record<string, [string, number[]][]> = {};
      for (const [identity, { keys }] of tables) {
        const rows: [string, number[]][] = [];
        for (const [key, runs] of keys) {
          const flat: number[] = [];
          for (const r of runs) flat.push(r.step, r.count, r.start, r.last, r.fresh ? 1 : 0);
          rows.push([key, flat]);
        }
        out[identity] = rows;
      }
      return {
        header: { format: 1, evictedKeys, evictedRuns },
        parts: [new TextEncoder().encode(JSON.stringify(out))],
      };
    },
    importState(section) {
      const h = section.header as { format?: number; evictedKeys?: number; evictedRuns?: number };
      if (h.format !== 1) throw new Error(`sequence snapshot format ${String(h.format)} is not supported`);
      const part = section.parts[0];
      const doc = JSON.parse(part === undefined ? '{}' : new TextDecoder().decode(part)) as Record<
        string,
        [string, number[]][]
      >;
      for (const [identity, rows] of Object.entries(doc)) {
        const table = tables.get(identity);
        if (table === undefined) continue;
        for (const [key, flat] of rows) {
          const runs: Run[] = [];
          for (let i = 0; i + 4 < flat.length; i += 5)
            runs.push({
              step: flat[i] as number,
              count: flat[i + 1] as number,
              start: flat[i + 2] as number,
              last: flat[i + 3] as number,
              fresh: flat[i + 4] === 1,
            });
          table.keys.set(key, runs);
        }
      }
      evictedKeys = h.evictedKeys ?? 0;
      evictedRuns = h.evictedRuns ?? 0;
    },
    stats() {
      let keys = 0;
      let runs = 0;
      for (const t of tables.values()) {
        keys += t.keys.size;
        for (const r of t.keys.values()) runs += r.length;
      }
      return { keys, runs, evictedKeys, evictedRuns };
    },
  };
}

const EMPTY: readonly Run[] = [];

/** Drops the least recently touched keys whose every partial match has expired. */
function sweep(seq: CompiledSequence, keys: Map<string, Run[]>, t: number): void {
  let n = 0;
  for (const [key, runs] of keys) {
    if (n++ >= SWEEP_PER_EVENT) return;
    // A run waiting out a trailing notFollowedBy fires on the key's next event after the window: it
    // is kept one window longer for that event to come.
    const dead = runs.every(
      (r) => t - r.start >= (r.step === seq.steps.length ? 2 * seq.withinMs : seq.withinMs),
    );
    if (!dead) return;
    keys.delete(key);
  }
}

/** Iterations kept for a step: beyond the lower bound of an unbounded loop they change nothing. */
const capped = (s: SequenceStep, c: number): number =>
  Number.isFinite(s.max) ? c : Math.min(c, Math.max(s.min, 1));

/**
 * Whether `a` can do whatever `b` can: the same step and count, starting and ending no earlier (so
 * no later bound expires first), and fresh if `b` is (strict contiguity and notNext need it).
 */
const dominates = (a: Run, b: Run): boolean =>
  a.step === b.step && a.count === b.count && a.start >= b.start && a.last >= b.last && (a.fresh || !b.fresh);

/** Whether `c` iterations satisfy step `s`. */
const satisfied = (s: SequenceStep, c: number): boolean => c >= s.min || (s.optional && c === 0);

/**
 * The NFA step (Flink CEP's semantics): every partial match either takes the event, ignores it
 * (relaxed), is discarded (strict contiguity, a guard, `within`, a gap), or both takes and stays
 * (followedByAny, allowCombinations); a new match starts at every event the first step accepts.
 * A partial match another one dominates (see `dominates`) is dropped: whether and when a match
 * completes is unchanged, and the state per key stays bounded by the pattern's shape.
 */
export function transition(
  seq: CompiledSequence,
  runs: readonly Run[],
  mask: number,
  t: number,
): { runs: Run[]; stage: number; matched: boolean } {
  const { steps, withinMs, trailingMask } = seq;
  const n = steps.length;
  const out: Run[] = [];
  let matched = false;
  let stage = 0;

  const keep = (r: Run) => {
    let w = 0;
    for (let i = 0; i < out.length; i++) {
      const o = out[i] as Run;
      if (dominates(o, r)) return;
      if (!dominates(r, o)) out[w++] = o;
    }
    out.length = w;
    out.push(r);
  };
  /** Adds the run waiting at (step, count) and every run its satisfied steps lead to. */
  const closure = (step: number, count: number, start: number, last: number) => {
    for (let i = step, c = count; ; i++, c = 0) {
      const s = steps[i] as SequenceStep;
      if (c < s.max) keep({ step: i, count: capped(s, c), start, last, fresh: true });
      if (!satisfied(s, c)) return;
      if (i + 1 === n) {
        if (trailingMask !== 0) keep({ step: n, count: 0, start, last, fresh: true });
        else matched = true;
        return;
      }
    }
  };

  for (const r of runs) {
    if (r.step === n) {
      // Waiting out a trailing notFollowedBy: the first event at or past the window's end completes it.
      if (t - r.start >= withinMs) matched = true;
      else if ((mask & trailingMask) === 0) keep({ ...r, fresh: false });
      continue;
    }
    if (t - r.start >= withinMs) continue;
    const s = steps[r.step] as SequenceStep;
    if (r.count === 0) {
      if ((mask & s.notFollowedByMask) !== 0) continue;
      if (r.fresh && (mask & s.notNextMask) !== 0) continue;
    }
    const k = r.count === 0 ? s.contiguity : s.loop;
    const gapOk = s.gapMs === undefined || t - r.last < s.gapMs;
    if (((mask >>> s.bit) & 1) === 1 && gapOk) {
      closure(r.step, r.count + 1, r.start, t);
      if (k === 'any') keep({ ...r, fresh: false });
    } else if (k !== 'strict' && gapOk) keep({ ...r, fresh: false });
  }
  // A new match may start at every event: the first step, or a later one when those before it are optional.
  for (let i = 0; i < n; i++) {
    const s = steps[i] as SequenceStep;
    if (((mask >>> s.bit) & 1) === 1) closure(i, 1, t, t);
    if (!(s.optional || s.min === 0)) break;
  }

  if (matched && seq.afterMatch === 'skip_past_last_event') out.length = 0;
  if (matched) stage = n;
  else
    for (const r of out) {
      const s = steps[r.step];
      const p = s === undefined ? n : r.step + (r.count > 0 && satisfied(s, r.count) ? 1 : 0);
      if (p > stage) stage = p;
    }
  return { runs: out, stage, matched };
}
