import type { Action, RiskEvent } from '../domain/index.js';
import { createCounterStore } from '../features/index.js';
import { type BacktestReport, backtestReport, emptyMix, type Judged, type Tallies } from './backtest.js';
import type { Bundle } from './bundle.js';
import type { CsvEventRow } from './csv-events.js';
import { createDecisionEngine, type DecisionEngine } from './decision-engine.js';

/** What to backtest over events (a labelled CSV): a candidate bundle against the live one. */
export interface EventBacktestOptions {
  readonly live: Bundle;
  readonly candidate: Bundle;
  /** Changed decisions listed in the report at most (default 20). */
  readonly sample?: number;
  /** Entities each side's counters hold at most (default 1,000,000). */
  readonly maxEntities?: number;
  /**
   * Decide the events in time order (default true): the rows are read whole first, then sorted by
   * their time (stable; rows without one keep their place after the one before). False decides in
   * file order as the rows stream, for files too large to hold.
   */
  readonly sortByTime?: boolean;
}

/** One bundle deciding the events in order, on its own fresh counters: nothing live is touched. */
function sideOf(bundle: Bundle, maxEntities: number, clock: { now: number }) {
  const t: Tallies = { bundle, mix: emptyMix(), hits: new Map(), shadow: new Map() };
  const engine: DecisionEngine = createDecisionEngine({
    bundle,
    store: createCounterStore({ plan: bundle.features, maxEntities }),
    clock: () => clock.now,
    wallClock: () => clock.now,
    // History: the event's own time drives the windows however old it is.
    maxSkewMs: Number.POSITIVE_INFINITY,
    idempotency: { max: 0, ttlMs: 0 },
    onDecision: (_e, result, _f, shadow, live) => {
      t.mix[result.decision]++;
      for (const id of live) t.hits.set(id, (t.hits.get(id) ?? 0) + 1);
      for (const id of shadow) t.shadow.set(id, (t.shadow.get(id) ?? 0) + 1);
    },
  });
  return { t, engine };
}

/**
 * Runs the candidate and the live bundle over events in their order (docs/backtest.md "Over a
 * CSV"): each bundle decides every event with the whole engine (counters, lists, device checks,
 * model, sequences, rules) on counters of its own that start empty, so velocity features build up
 * from the file's history as they would have live. Labels (the CSV's label column) give precision
 * and recall; rows that made no event are counted and sampled.
 */
export async function backtestEvents(
  rows: AsyncIterable<CsvEventRow>,
  options: EventBacktestOptions,
): Promise<BacktestReport> {
  const started = performance.now();
  const maxEntities = options.maxEntities ?? 1_000_000;
  const clock = { now: 0 };
  const live = sideOf(options.live, maxEntities, clock);
  const candidate = sideOf(options.candidate, maxEntities, clock);
  const sampleMax = options.sample ?? 20;
  const changedSample: BacktestReport['changedSample'][number][] = [];
  const judged: Judged[] = [];
  const rejectedSample: string[] = [];
  let rejected = 0;
  let changed = 0;
  let events = 0;
  let first: number | undefined;
  let last: number | undefined;
  let ordered: AsyncIterable<CsvEventRow> | Iterable<CsvEventRow> = rows;
  if (options.sortByTime !== false) {
    const all: CsvEventRow[] = [];
    for await (const row of rows) all.push(row);
    let prev = Number.NEGATIVE_INFINITY;
    const keyed = all.map((row, i) => {
      const t = 'event' in row ? (row.event.occurredAtMs ?? prev) : prev;
      prev = t;
      return { row, t, i };
    });
    keyed.sort((a, b) => a.t - b.t || a.i - b.i);
    ordered = keyed.map((k) => k.row);
  }
  for await (const row of ordered) {
    if ('errors' in row) {
      rejected++;
      if (rejectedSample.length < sampleMax) rejectedSample.push(...row.errors.slice(0, 1));
      continue;
    }
    const event: RiskEvent = row.event;
    // Events without a time happen just after the one before.
    const at = event.occurredAtMs ?? (last ?? 0) + 1;
    clock.now = Math.max(clock.now, at);
    first = first === undefined ? at : Math.min(first, at);
    last = last === undefined ? at : Math.max(last, at);
    events++;
    const a = await live.engine.decide(event);
    const b = await candidate.engine.decide(event);
    if (row.label !== undefined) judged.push({ live: a.decision, candidate: b.decision, fraud: row.label });
    if (a.decision !== b.decision) {
      changed++;
      if (changedSample.length < sampleMax)
        changedSample.push({
          eventId: event.eventId,
          decisionId: b.decisionId,
          live: a.decision as Action,
          candidate: b.decision as Action,
          candidateReasons: b.reasons.map((x) => x.ruleId ?? x.code),
        });
    }
  }
  return {
    ...backtestReport({
      started,
      events,
      first,
      last,
      live: live.t,
      candidate: candidate.t,
      recorded: emptyMix(),
      recordedDiffers: 0,
      changed,
      changedSample,
      judged,
    }),
    rejected: { rows: rejected, sample: rejectedSample },
  };
}
