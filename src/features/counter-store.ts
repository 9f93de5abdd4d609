import type { Action, RiskEvent } from '../domain/index.js';
import { hash53 } from '../domain/index.js';
import { distinctAdd, distinctCount, distinctLayout } from './distinct-sets.js';
import type { DistinctSpec, EntitySpec } from './entities.js';
import { createEntityIndex } from './entity-index.js';
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
  /**
   * The whole state as a layout header and binary views over the live arrays (no copy): write the
   * parts out before the next commit changes them.
   */
  exportState(): StoreState;
  /**
   * Loads a state exportState gave into this store, which must be empty and have the same entities
   * and windows (a larger ceiling is fine). Parts aligned for their typed array are adopted, not copied.
   */
  importState(state: StoreState): void;
}

/** A store's state for a snapshot: a JSON-able description of the layout and binary parts. */
export interface StoreState {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: readonly Uint8Array[];
}

/** Options for createCounterStore. */
export interface CounterStoreOptions {
  readonly entities: readonly EntitySpec[];
  readonly windows: readonly WindowSpec[];
  /** Ceiling on tracked entities across all kinds; past it, entities not used lately are evicted (CLOCK). */
  readonly maxEntities: number;
}

/** Entity keys and slots hydrate found for one event, handed to commit. */
export interface Touched {
  /** Cache key of each entity (see entityKey), undefined when the event does not name it. */
  readonly keys: (number | undefined)[];
  /** Slot id of each entity that already existed (see SlabPool), undefined for new ones. */
  readonly slots: (number | undefined)[];
  /** Generation of each found slot, so commit can tell a slot reused in the meantime. */
  readonly generations: Uint32Array;
}

/**
 * Layout of one entity inside its kind's slabs. f64: [first seen, last seen, newest bucket epoch of
 * each window, then the packed distinct sets (distinct-sets.ts)]. f32: running totals
 * (METRIC_COUNT per window) then the buckets (METRIC_COUNT per slot of each window's ring).
 */
const FIRST = 0;
const LAST = 1;
const HEAD = 2;

/** Slots per slab chunk: slabs grow a chunk at a time and never move an entity. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
/** A slot id is kind * KIND_SPAN + index within the kind: a small integer for the entity index to hold. */
const KIND_BITS = 26;
const KIND_SPAN = 1 << KIND_BITS;

/**
 * The cache key of an entity: a 53-bit hash of its key string, seeded by its kind. The cache then
 * holds numbers, not strings: no key string is built per lookup or kept per entity, and a lookup
 * hashes a number instead of a fresh string. Two entities of one kind share counters only if their
 * hashes collide: with n entities of a kind held, the chance that any pair does is about n²/2^54
 * (1 in 70,000 at the default ceiling of 500,000).
 */
export function entityKey(kind: number, key: string): number {
  return hash53(key, kind + 1);
}

/** Entity states of one kind packed into chunked typed arrays, with a free list of slots. */
interface SlabPool {
  readonly f64Stride: number;
  readonly f32Stride: number;
  readonly f64: Float64Array[];
  readonly f32: Float32Array[];
  readonly free: number[];
  /** Bumped each time a slot is freed, so a slot reused since hydrate is detected. */
  generation: Uint32Array;
  next: number;
}

/**
 * Creates the in-memory counter store. Entity states live in slabs, one per entity kind: chunks of
 * Float64Array and Float32Array holding many entities each at a fixed stride, so an entity costs no
 * JavaScript objects at all (the garbage collector never walks counters) and its times, totals and
 * distinct sets sit in a few adjacent cache lines. The entity index (entity-index.ts, typed arrays
 * too) maps each key's hash to a slot id; an evicted entity's slot goes back to its kind's free list
 * and is zeroed when reused.
 *
 * A read copies the totals instead of scanning the rings: buckets expire, and the totals are
 * recomputed from the live ones, only when an entity's clock crosses a bucket boundary. Windows are
 * relative to the newest time an entity has seen; an out-of-order event older than that is counted
 * in its bucket if the ring still holds it, and dropped otherwise.
 */
export function createCounterStore(options: CounterStoreOptions): CounterStore {
  const { entities, windows, maxEntities } = options;
  if (entities.length > 1 << (31 - KIND_BITS))
    throw new Error(`at most ${1 << (31 - KIND_BITS)} entity kinds`);
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
  // Distinct sets of different entities often count the same field (devices, cards, accounts): each
  // distinct value is read and hashed once per commit, shared by every set that counts it.
  const valueFns: ((e: RiskEvent) => string | undefined)[] = [];
  const distinctValueOf = entities.map((spec) =>
    Int32Array.from(spec.distinct, (d) => {
      let i = valueFns.indexOf(d.of);
      if (i < 0) i = valueFns.push(d.of) - 1;
      return i;
    }),
  );
  const valueHashes = new Float64Array(valueFns.length);
  /** Where the distinct sets start in an entity's f64 stride. */
  const DISTINCT = HEAD + W;

  const names: string[] = [];
  for (const spec of entities) {
    for (const w of windows) for (const m of METRICS) names.push(`${spec.name}.${m}_${w.label}`);
    names.push(`${spec.name}.age_s`);
    for (const d of spec.distinct) names.push(`${spec.name}.${d.name}_${d.window}`);
  }

  const pools: SlabPool[] = layouts.map((l) => ({
    f64Stride: DISTINCT + l.length,
    f32Stride: TOTALS + slots * METRIC_COUNT,
    f64: [],
    f32: [],
    free: [],
    generation: new Uint32Array(CHUNK),
    next: 0,
  }));

  const cache = createEntityIndex(maxEntities, (slot) => {
    const pool = pools[slot >>> KIND_BITS] as SlabPool;
    const i = slot & (KIND_SPAN - 1);
    pool.generation[i] = (pool.generation[i] as number) + 1;
    pool.free.push(i);
  });

  /** Where slot index `i` of a pool lives; filled by locate() and read at once, never kept. */
  const at: { f64: Float64Array; o64: number; f32: Float32Array; o32: number } = {
    f64: new Float64Array(0),
    o64: 0,
    f32: new Float32Array(0),
    o32: 0,
  };
  const locate = (pool: SlabPool, i: number): void => {
    const chunk = i >>> CHUNK_BITS;
    const row = i & (CHUNK - 1);
    at.f64 = pool.f64[chunk] as Float64Array;
    at.f32 = pool.f32[chunk] as Float32Array;
    at.o64 = row * pool.f64Stride;
    at.o32 = row * pool.f32Stride;
  };

  /** Claims a zeroed slot of kind `e` for an entity first seen at `t`; returns its slot id. */
  const allocate = (e: number, t: number): number => {
    const pool = pools[e] as SlabPool;
    let i = pool.free.pop();
    if (i === undefined) {
      i = pool.next++;
      if (i >= KIND_SPAN) throw new Error('counter store: too many entities of one kind');
      if ((i & (CHUNK - 1)) === 0) {
        pool.f64.push(new Float64Array(CHUNK * pool.f64Stride));
        pool.f32.push(new Float32Array(CHUNK * pool.f32Stride));
        if (pool.generation.length < i + CHUNK) {
          const grown = new Uint32Array(pool.generation.length * 2);
          grown.set(pool.generation);
          pool.generation = grown;
        }
      }
    }
    locate(pool, i);
    const { f64, o64, f32, o32 } = at;
    f64.fill(0, o64, o64 + pool.f64Stride);
    f32.fill(0, o32, o32 + pool.f32Stride);
    f64[o64 + FIRST] = t;
    f64[o64 + LAST] = t;
    f64.fill(Number.NEGATIVE_INFINITY, o64 + HEAD, o64 + DISTINCT);
    return e * KIND_SPAN + i;
  };

  /**
   * Moves window w of the entity at (f64, o64) / (f32, o32) forward to bucket epoch `ep`,
   * expiring the buckets that fall out.
   */
  const advance = (f64: Float64Array, o64: number, f32: Float32Array, o32: number, w: number, ep: number) => {
    const head = f64[o64 + HEAD + w] as number;
    if (ep <= head) return;
    const n = buckets[w] as number;
    const first = o32 + TOTALS + (slotOffset[w] as number) * METRIC_COUNT;
    if (ep - head >= n) {
      f32.fill(0, first, first + n * METRIC_COUNT);
    } else {
      for (let e = head + 1; e <= ep; e++) {
        const d = first + (e % n) * METRIC_COUNT;
        f32.fill(0, d, d + METRIC_COUNT);
      }
    }
    f64[o64 + HEAD + w] = ep;
    // Recompute rather than subtract, so float rounding never accumulates in the totals.
    const to = o32 + w * METRIC_COUNT;
    let c = 0;
    let sum = 0;
    let b = 0;
    let f = 0;
    for (let d = first, end = first + n * METRIC_COUNT; d < end; d += METRIC_COUNT) {
      c += f32[d] as number;
      sum += f32[d + 1] as number;
      b += f32[d + 2] as number;
      f += f32[d + 3] as number;
    }
    f32[to] = c;
    f32[to + 1] = sum;
    f32[to + 2] = b;
    f32[to + 3] = f;
  };

  const widths = entities.map((spec) => TOTALS + 1 + spec.distinct.length);
  const keysOf = (event: RiskEvent): (number | undefined)[] => {
    const keys: (number | undefined)[] = new Array(entities.length);
    for (let e = 0; e < entities.length; e++) {
      const key = (entities[e] as EntitySpec).key(event);
      keys[e] = key === undefined || key === '' ? undefined : entityKey(e, key);
    }
    return keys;
  };

  const hydrate = (event: RiskEvent, t: number, out: Float64Array, offset: number): Touched => {
    let o = offset;
    const keys = keysOf(event);
    const found: (number | undefined)[] = new Array(entities.length);
    const generations = new Uint32Array(entities.length);
    for (let e = 0; e < entities.length; e++) {
      const width = widths[e] as number;
      const key = keys[e];
      const slot = key === undefined ? undefined : cache.get(key);
      found[e] = slot;
      if (slot === undefined) {
        // Missing key: every feature missing. Unseen entity: zero counts, no age.
        out.fill(key === undefined ? Number.NaN : 0, o, o + width);
        out[o + TOTALS] = Number.NaN;
        o += width;
        continue;
      }
      const pool = pools[e] as SlabPool;
      const i = slot & (KIND_SPAN - 1);
      generations[e] = pool.generation[i] as number;
      locate(pool, i);
      const { f64, o64, f32, o32 } = at;
      for (let w = 0; w < W; w++) advance(f64, o64, f32, o32, w, Math.floor(t / (bucketMs[w] as number)));
      for (let k = 0; k < TOTALS; k++) out[o + k] = f32[o32 + k] as number;
      o += TOTALS;
      out[o++] = Math.max(0, (t - (f64[o64 + FIRST] as number)) / 1000);
      const spans = distinctSpan[e] as number[];
      const offsets = (layouts[e] as { offsets: Int32Array }).offsets;
      for (let d = 0; d < spans.length; d++) {
        out[o++] = distinctCount(f64, o64 + DISTINCT + (offsets[d] as number), t - (spans[d] as number), t);
      }
    }
    return { keys, slots: found, generations };
  };

  const commit = (event: RiskEvent, t: number, info: CommitInfo, touched?: Touched): void => {
    const failedLogin = event.type === 'LOGIN' && event.login !== undefined && !event.login.success ? 1 : 0;
    const blocked = info.decision === 'BLOCK' ? 1 : 0;
    const keys = touched?.keys ?? keysOf(event);
    for (let f = 0; f < valueFns.length; f++) {
      const v = (valueFns[f] as (e: RiskEvent) => string | undefined)(event);
      valueHashes[f] = v === undefined || v === '' ? Number.NaN : hash53(v);
    }
    for (let e = 0; e < entities.length; e++) {
      const spec = entities[e] as EntitySpec;
      const k = keys[e];
      if (k === undefined) continue;
      const pool = pools[e] as SlabPool;
      // hydrate's get already refreshed recency. Look up again for entities it did not find (another
      // decision may have created one since) and for slots evicted, maybe reused, while this one
      // waited for its model score.
      let slot = touched?.slots[e];
      if (slot === undefined || pool.generation[slot & (KIND_SPAN - 1)] !== touched?.generations[e])
        slot = cache.get(k);
      if (slot === undefined) {
        slot = allocate(e, t);
        cache.insert(k, slot);
      }
      const i = slot & (KIND_SPAN - 1);
      locate(pool, i);
      const { f64, o64, f32, o32 } = at;
      if (t < (f64[o64 + FIRST] as number)) f64[o64 + FIRST] = t;
      if (t > (f64[o64 + LAST] as number)) f64[o64 + LAST] = t;
      for (let w = 0; w < W; w++) {
        const ep = Math.floor(t / (bucketMs[w] as number));
        advance(f64, o64, f32, o32, w, ep);
        const n = buckets[w] as number;
        if (ep <= (f64[o64 + HEAD + w] as number) - n) continue; // older than the ring holds
        const d = o32 + TOTALS + ((slotOffset[w] as number) + (ep % n)) * METRIC_COUNT;
        const to = o32 + w * METRIC_COUNT;
        f32[d] = (f32[d] as number) + 1;
        f32[d + 1] = (f32[d + 1] as number) + info.amountUsd;
        f32[d + 2] = (f32[d + 2] as number) + blocked;
        f32[d + 3] = (f32[d + 3] as number) + failedLogin;
        f32[to] = (f32[to] as number) + 1;
        f32[to + 1] = (f32[to + 1] as number) + info.amountUsd;
        f32[to + 2] = (f32[to + 2] as number) + blocked;
        f32[to + 3] = (f32[to + 3] as number) + failedLogin;
      }
      const offsets = (layouts[e] as { offsets: Int32Array }).offsets;
      const values = distinctValueOf[e] as Int32Array;
      for (let d = 0; d < values.length; d++) {
        const h = valueHashes[values[d] as number] as number;
        if (!Number.isNaN(h))
          distinctAdd(
            f64,
            o64 + DISTINCT + (offsets[d] as number),
            (spec.distinct[d] as DistinctSpec).cap,
            h,
            t,
          );
      }
    }
  };

  // Snapshot state. Header: layout (kinds, windows, strides) to check on import, the index's size,
  // hand and evictions, each pool's next slot and chunk count. Parts: index frames and keys, then
  // per pool its generations, free list, f64 chunks and f32 chunks.
  const layout = {
    format: 'counter-store/1',
    kinds: entities.map((e) => e.name),
    windows: windows.map((w) => [w.label, w.bucketMs, w.buckets]),
    strides: pools.map((p) => [p.f64Stride, p.f32Stride]),
  };
  const exportState = (): StoreState => {
    const index = cache.exportState();
    const parts: Uint8Array[] = [bytesOf(index.frames), bytesOf(index.keys)];
    for (const p of pools) {
      parts.push(bytesOf(p.generation.subarray(0, p.f64.length * CHUNK)), bytesOf(Uint32Array.from(p.free)));
      for (const c of p.f64) parts.push(bytesOf(c));
      for (const c of p.f32) parts.push(bytesOf(c));
    }
    const header = {
      ...layout,
      index: { size: index.size, hand: index.hand, evictions: index.evictions },
      pools: pools.map((p) => ({ next: p.next, chunks: p.f64.length })),
    };
    return { header, parts };
  };
  const importState = (state: StoreState): void => {
    const h = state.header as typeof layout & {
      index: { size: number; hand: number; evictions: number };
      pools: { next: number; chunks: number }[];
    };
    if (JSON.stringify([h.format, h.kinds, h.windows, h.strides]) !== JSON.stringify(Object.values(layout)))
      throw new Error('counter store: the state has another layout (entities, windows or format)');
    if (cache.size !== 0) throw new Error('counter store: import into a store already in use');
    let at = 0;
    const part = (): Uint8Array => {
      const p = state.parts[at++];
      if (p === undefined) throw new Error('counter store: state has too few parts');
      return p;
    };
    const { size, hand, evictions } = h.index;
    cache.importState({
      size,
      hand,
      evictions,
      frames: viewAs(Int32Array, part()),
      keys: viewAs(Float64Array, part()),
    });
    pools.forEach((pool, e) => {
      const { next, chunks } = h.pools[e] as { next: number; chunks: number };
      const gen = viewAs(Uint32Array, part());
      pool.generation = new Uint32Array(Math.max(CHUNK, (chunks + 1) * CHUNK));
      pool.generation.set(gen);
      for (const i of viewAs(Uint32Array, part())) pool.free.push(i);
      pool.next = next;
      for (let c = 0; c < chunks; c++) pool.f64.push(viewAs(Float64Array, part(), CHUNK * pool.f64Stride));
      for (let c = 0; c < chunks; c++) pool.f32.push(viewAs(Float32Array, part(), CHUNK * pool.f32Stride));
    });
  };

  return {
    featureNames: names,
    hydrate,
    commit,
    stats: () => ({ entities: cache.size, evictions: cache.evictions, maxEntities }),
    exportState,
    importState,
  };
}

/** The bytes of a typed array, as a view. */
function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

type TypedArrayOf<T> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

/** `bytes` as a typed array of `length` elements (checked when given): a view when aligned, else a copy. */
function viewAs<T extends ArrayBufferView>(Type: TypedArrayOf<T>, bytes: Uint8Array, length?: number): T {
  const n = bytes.byteLength / Type.BYTES_PER_ELEMENT;
  if (!Number.isInteger(n) || (length !== undefined && n !== length))
    throw new Error(`counter store: a state part of ${bytes.byteLength} bytes does not fit its array`);
  if (bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0)
    return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  const copy = new Type(n);
  bytesOf(copy).set(bytes);
  return copy;
}
