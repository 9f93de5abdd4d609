import { LRUCache } from 'lru-cache';
import type { Action, RiskEvent } from '../core/types.js';
import { DistinctSet } from './distinct-set.js';
import type { EntitySpec } from './entities.js';
import { METRIC_COUNT, METRICS, type WindowSpec, windowMs } from './windows.js';

/** What the commit step tells the store about a decided event. */
export interface CommitInfo {
  readonly amountUsd: number;
  readonly decision: Action;
}

/** Sliding-window counters per entity: read before a decision, updated after it. */
export interface CounterStore {
  /** Feature names this store writes, in the order hydrate writes them. */
  readonly featureNames: readonly string[];
  /**
   * Writes this store's features for `event` at time `t` into `out` from `offset`; NaN marks missing.
   * Returns the entities it read, so commit need not look them up again.
   */
  hydrate(event: RiskEvent, t: number, out: Float64Array, offset: number): Touched;
  /** Adds `event` to every entity it names, tagged with its outcome. */
  commit(event: RiskEvent, t: number, info: CommitInfo, touched?: Touched): void;
  /** Counts for metrics and tests. */
  stats(): { entities: number; evictions: number; maxEntities: number };
}

/** Options for createCounterStore. */
export interface CounterStoreOptions {
  readonly entities: readonly EntitySpec[];
  readonly windows: readonly WindowSpec[];
  /** Ceiling on tracked entities across all kinds; least recently used are evicted past it. */
  readonly maxEntities: number;
}

/** Entity keys and states hydrate found for one event, handed to commit. */
export interface Touched {
  readonly keys: (string | undefined)[];
  readonly states: (EntityState | undefined)[];
}

interface EntityState {
  first: number;
  last: number;
  /** Bucket epoch per slot, all windows concatenated. */
  readonly epochs: Int32Array;
  /** METRIC_COUNT values per slot. */
  readonly data: Float32Array;
  readonly distinct: DistinctSet[];
}

const NEVER = -2147483648;

/**
 * Creates the in-memory counter store. Each entity holds a ring of buckets per window in typed
 * arrays sized once; stale buckets are cleared lazily when their slot is reused, so idle entities
 * cost nothing but memory until the LRU evicts them.
 */
export function createCounterStore(options: CounterStoreOptions): CounterStore {
  const { entities, windows, maxEntities } = options;
  const slotOffset: number[] = [];
  let slots = 0;
  for (const w of windows) {
    slotOffset.push(slots);
    slots += w.buckets;
  }
  const windowIndex = new Map(windows.map((w, i) => [w.label, i]));
  const distinctSpan = entities.map((spec) =>
    spec.distinct.map((d) => {
      const w = windowIndex.get(d.window);
      if (w === undefined)
        throw new Error(`entity ${spec.name}: distinct ${d.name} names unknown window ${d.window}`);
      return windowMs(windows[w] as WindowSpec);
    }),
  );

  const names: string[] = [];
  for (const spec of entities) {
    for (const w of windows) for (const m of METRICS) names.push(`${spec.name}.${m}_${w.label}`);
    names.push(`${spec.name}.age_s`);
    for (const d of spec.distinct) names.push(`${spec.name}.${d.name}_${d.window}`);
  }

  let evictions = 0;
  const cache = new LRUCache<string, EntityState>({
    max: maxEntities,
    dispose: (_v, _k, reason) => {
      if (reason === 'evict') evictions++;
    },
  });

  const newState = (spec: EntitySpec, t: number): EntityState => ({
    first: t,
    last: t,
    epochs: new Int32Array(slots).fill(NEVER),
    data: new Float32Array(slots * METRIC_COUNT),
    distinct: spec.distinct.map((d) => new DistinctSet(d.cap)),
  });

  const widths = entities.map((spec) => windows.length * METRIC_COUNT + 1 + spec.distinct.length);
  const keysOf = (event: RiskEvent): (string | undefined)[] =>
    entities.map((spec, e) => {
      const key = spec.key(event);
      return key === undefined || key === '' ? undefined : `${e}:${key}`;
    });

  const hydrate = (event: RiskEvent, t: number, out: Float64Array, offset: number): Touched => {
    let o = offset;
    const keys = keysOf(event);
    const states: (EntityState | undefined)[] = new Array(entities.length);
    for (let e = 0; e < entities.length; e++) {
      const spec = entities[e] as EntitySpec;
      const width = widths[e] as number;
      const key = keys[e];
      if (key === undefined) {
        out.fill(Number.NaN, o, o + width);
        o += width;
        continue;
      }
      const state = cache.get(key);
      states[e] = state;
      if (state === undefined) {
        out.fill(0, o, o + width);
        out[o + windows.length * METRIC_COUNT] = Number.NaN;
        o += width;
        continue;
      }
      for (let w = 0; w < windows.length; w++) {
        const win = windows[w] as WindowSpec;
        const now = Math.floor(t / win.bucketMs);
        const lo = now - win.buckets;
        const base = slotOffset[w] as number;
        for (let m = 0; m < METRIC_COUNT; m++) out[o + m] = 0;
        for (let s = 0; s < win.buckets; s++) {
          const ep = state.epochs[base + s] as number;
          if (ep > lo && ep <= now) {
            const d = (base + s) * METRIC_COUNT;
            for (let m = 0; m < METRIC_COUNT; m++)
              out[o + m] = (out[o + m] as number) + (state.data[d + m] as number);
          }
        }
        o += METRIC_COUNT;
      }
      out[o++] = Math.max(0, (t - state.first) / 1000);
      for (let d = 0; d < spec.distinct.length; d++) {
        const dspec = spec.distinct[d] as (typeof spec.distinct)[number];
        out[o++] = (state.distinct[d] as DistinctSet).countSince(t - (distinctSpan[e]?.[d] as number), t);
      }
    }
    return { keys, states };
  };

  const commit = (event: RiskEvent, t: number, info: CommitInfo, touched?: Touched): void => {
    const failedLogin = event.type === 'LOGIN' && event.login !== undefined && !event.login.success ? 1 : 0;
    const blocked = info.decision === 'BLOCK' ? 1 : 0;
    const keys = touched?.keys ?? keysOf(event);
    for (let e = 0; e < entities.length; e++) {
      const spec = entities[e] as EntitySpec;
      const k = keys[e];
      if (k === undefined) continue;
      // hydrate's get already refreshed recency; look up again only for entities it did not find.
      let state = touched?.states[e] ?? cache.get(k);
      if (state === undefined) {
        state = newState(spec, t);
        cache.set(k, state);
      }
      if (t < state.first) state.first = t;
      if (t > state.last) state.last = t;
      for (let w = 0; w < windows.length; w++) {
        const win = windows[w] as WindowSpec;
        const ep = Math.floor(t / win.bucketMs);
        const slot = (slotOffset[w] as number) + (ep % win.buckets);
        const cur = state.epochs[slot] as number;
        if (cur > ep) continue; // slot already reused by a newer bucket: this event is older than the window
        const d = slot * METRIC_COUNT;
        if (cur < ep) {
          state.epochs[slot] = ep;
          state.data.fill(0, d, d + METRIC_COUNT);
        }
        state.data[d] = (state.data[d] as number) + 1;
        state.data[d + 1] = (state.data[d + 1] as number) + info.amountUsd;
        state.data[d + 2] = (state.data[d + 2] as number) + blocked;
        state.data[d + 3] = (state.data[d + 3] as number) + failedLogin;
      }
      for (let d = 0; d < spec.distinct.length; d++) {
        const v = (spec.distinct[d] as (typeof spec.distinct)[number]).of(event);
        if (v !== undefined && v !== '') (state.distinct[d] as DistinctSet).add(v, t);
      }
    }
  };

  return {
    featureNames: names,
    hydrate,
    commit,
    stats: () => ({ entities: cache.size, evictions, maxEntities }),
  };
}
