import { LRUCache } from 'lru-cache';
import { hash53 } from '../core/hash53.js';
import type { Action, RiskEvent } from '../core/types.js';
import { distinctAdd, distinctCount, distinctLayout } from './distinct-sets.js';
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
  /** [first seen, last seen, newest bucket epoch of each window]. */
  readonly time: Float64Array;
  /** Running totals (METRIC_COUNT per window) then the buckets (METRIC_COUNT per slot). */
  readonly data: Float32Array;
  /** Packed distinct sets (see distinct-sets.ts); empty when the entity has none. */
  readonly distinct: Float64Array;
}

const FIRST = 0;
const LAST = 1;
const HEAD = 2;

/**
 * Creates the in-memory counter store. Each entity is three typed arrays sized once: times, data
 * (running totals first, then a ring of buckets per window) and its distinct sets. A read copies
 * the totals, touching a couple of cache lines, instead of scanning the rings: buckets expire, and
 * the totals are recomputed from the live ones, only when an entity's clock crosses a bucket
 * boundary. Idle entities cost nothing but memory until the LRU evicts them.
 *
 * Windows are relative to the newest time an entity has seen; an out-of-order event older than
 * that is counted in its bucket if the ring still holds it, and dropped otherwise.
 */
export function createCounterStore(options: CounterStoreOptions): CounterStore {
  const { entities, windows, maxEntities } = options;
  const W = windows.length;
  const TOTALS = W * METRIC_COUNT;
  const slotOffset = new Int32Array(W);
  const bucketMs = new Float64Array(W);
  const buckets = new Int32Array(W);
  let slots = 0;
  windows.forEach((w, i) => {
    slotOffset[i] = slots;
    bucketMs[i] = w.bucketMs;
    buckets[i] = w.buckets;
    slots += w.buckets;
  });
  const windowIndex = new Map(windows.map((w, i) => [w.label, i]));
  const distinctSpan = entities.map((spec) =>
    spec.distinct.map((d) => {
      const w = windowIndex.get(d.window);
      if (w === undefined)
        throw new Error(`entity ${spec.name}: distinct ${d.name} names unknown window ${d.window}`);
      return windowMs(windows[w] as WindowSpec);
    }),
  );
  const layouts = entities.map((spec) => distinctLayout(spec.distinct.map((d) => d.cap)));

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

  const newState = (e: number, t: number): EntityState => {
    const time = new Float64Array(HEAD + W).fill(Number.NEGATIVE_INFINITY);
    time[FIRST] = t;
    time[LAST] = t;
    return {
      time,
      data: new Float32Array(TOTALS + slots * METRIC_COUNT),
      distinct: new Float64Array((layouts[e] as { length: number }).length),
    };
  };

  /** Moves window w of `s` forward to bucket epoch `ep`, expiring the buckets that fall out. */
  const advance = (s: EntityState, w: number, ep: number): void => {
    const head = s.time[HEAD + w] as number;
    if (ep <= head) return;
    const n = buckets[w] as number;
    const first = TOTALS + (slotOffset[w] as number) * METRIC_COUNT;
    const { data } = s;
    if (ep - head >= n) {
      data.fill(0, first, first + n * METRIC_COUNT);
    } else {
      for (let e = head + 1; e <= ep; e++) {
        const d = first + (e % n) * METRIC_COUNT;
        data.fill(0, d, d + METRIC_COUNT);
      }
    }
    s.time[HEAD + w] = ep;
    // Recompute rather than subtract, so float rounding never accumulates in the totals.
    const to = w * METRIC_COUNT;
    let c = 0;
    let sum = 0;
    let b = 0;
    let f = 0;
    for (let d = first, end = first + n * METRIC_COUNT; d < end; d += METRIC_COUNT) {
      c += data[d] as number;
      sum += data[d + 1] as number;
      b += data[d + 2] as number;
      f += data[d + 3] as number;
    }
    data[to] = c;
    data[to + 1] = sum;
    data[to + 2] = b;
    data[to + 3] = f;
  };

  const widths = entities.map((spec) => TOTALS + 1 + spec.distinct.length);
  const keysOf = (event: RiskEvent): (string | undefined)[] => {
    const keys: (string | undefined)[] = new Array(entities.length);
    for (let e = 0; e < entities.length; e++) {
      const key = (entities[e] as EntitySpec).key(event);
      keys[e] = key === undefined || key === '' ? undefined : `${e}:${key}`;
    }
    return keys;
  };

  const hydrate = (event: RiskEvent, t: number, out: Float64Array, offset: number): Touched => {
    let o = offset;
    const keys = keysOf(event);
    const states: (EntityState | undefined)[] = new Array(entities.length);
    for (let e = 0; e < entities.length; e++) {
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
        out[o + TOTALS] = Number.NaN;
        o += width;
        continue;
      }
      for (let w = 0; w < W; w++) advance(state, w, Math.floor(t / (bucketMs[w] as number)));
      const data = state.data;
      for (let i = 0; i < TOTALS; i++) out[o + i] = data[i] as number;
      o += TOTALS;
      out[o++] = Math.max(0, (t - (state.time[FIRST] as number)) / 1000);
      const spans = distinctSpan[e] as number[];
      const offsets = (layouts[e] as { offsets: Int32Array }).offsets;
      for (let d = 0; d < spans.length; d++) {
        out[o++] = distinctCount(state.distinct, offsets[d] as number, t - (spans[d] as number), t);
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
        state = newState(e, t);
        cache.set(k, state);
      }
      const time = state.time;
      if (t < (time[FIRST] as number)) time[FIRST] = t;
      if (t > (time[LAST] as number)) time[LAST] = t;
      const data = state.data;
      for (let w = 0; w < W; w++) {
        const ep = Math.floor(t / (bucketMs[w] as number));
        advance(state, w, ep);
        const n = buckets[w] as number;
        if (ep <= (time[HEAD + w] as number) - n) continue; // older than the ring holds
        const d = TOTALS + ((slotOffset[w] as number) + (ep % n)) * METRIC_COUNT;
        const to = w * METRIC_COUNT;
        data[d] = (data[d] as number) + 1;
        data[d + 1] = (data[d + 1] as number) + info.amountUsd;
        data[d + 2] = (data[d + 2] as number) + blocked;
        data[d + 3] = (data[d + 3] as number) + failedLogin;
        data[to] = (data[to] as number) + 1;
        data[to + 1] = (data[to + 1] as number) + info.amountUsd;
        data[to + 2] = (data[to + 2] as number) + blocked;
        data[to + 3] = (data[to + 3] as number) + failedLogin;
      }
      const offsets = (layouts[e] as { offsets: Int32Array }).offsets;
      for (let d = 0; d < spec.distinct.length; d++) {
        const dspec = spec.distinct[d] as (typeof spec.distinct)[number];
        const v = dspec.of(event);
        if (v !== undefined && v !== '')
          distinctAdd(state.distinct, offsets[d] as number, dspec.cap, hash53(v), t);
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
