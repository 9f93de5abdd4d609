import type { Action, OutcomeType, RiskEvent } from '../domain/index.js';
import { hash53 } from '../domain/index.js';
import { distinctAdd, distinctCount, distinctLayout, distinctSecond } from './distinct-sets.js';
import { createEntityIndex, type EntityIndex, type EntityIndexState } from './entity-index.js';
import {
  compileFeaturePlan,
  type EntityPlan,
  entityIdentity,
  type FeaturePlan,
  MAX_ENTITY_KINDS,
  metricIdentity,
} from './feature-plan.js';
import { windowMs } from './windows.js';

/** What the commit step tells the store about a decided event. */
export interface CommitInfo {
  readonly decision: Action;
  /**
   * Set when this commit is an outcome reported later about the event (a chargeback...), not the
   * event itself: only `outcomes` metrics counting that type add one; nothing else changes (no
   * count, value, distinct value or last-seen time).
   */
  readonly outcome?: OutcomeType;
}

/**
 * A counter store's state as a header (JSON, including the features section it was laid out by)
 * and binary parts that are views over its memory: write them out before the next commit.
 */
export interface StoreState {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: readonly Uint8Array[];
}

/** Sliding-window counters per entity: read before a decision, updated after it. */
export interface CounterStore {
  /** The features section the store counts by. */
  readonly plan: FeaturePlan;
  /**
   * Writes the entity features of `event` at time `t` into `out` from `offset` (the plan's entity
   * features, in order); NaN marks missing. Returns the entities it read, so commit need not look
   * them up again.
   */
  hydrate(event: RiskEvent, t: number, out: Float64Array, offset: number): Touched | Promise<Touched>;
  /**
   * Adds `event` to every entity it names, tagged with its outcome. A remote store sends it in the
   * background; it never throws for an unreachable server (it counts the loss instead).
   */
  commit(event: RiskEvent, t: number, info: CommitInfo, touched?: Touched): void;
  /**
   * A store over `plan` holding this one's counters for every (entity, metric, window) the two
   * plans share; new ones start empty, removed ones are dropped (docs/architecture.md §3). This
   * store is left as it was.
   */
  migrate(plan: FeaturePlan): CounterStore;
  /** The state for a snapshot (see StoreState); absent for stores that keep their state elsewhere. */
  exportState?(): StoreState;
  /**
   * Loads a snapshot's state into this store, which must be empty, carrying over what this store's
   * plan shares with the plan the snapshot was taken under, as migrate does.
   */
  importState?(state: StoreState): void;
  /** Counts for metrics and tests. */
  stats(): { entities: number; evictions: number; maxEntities: number };
}

/** The in-memory store: reads at once, and snapshots itself. */
export interface MemoryCounterStore extends CounterStore {
  hydrate(event: RiskEvent, t: number, out: Float64Array, offset: number): Touched;
  migrate(plan: FeaturePlan): MemoryCounterStore;
  exportState(): StoreState;
  importState(state: StoreState): void;
}

/** Options for createCounterStore. */
export interface CounterStoreOptions {
  readonly plan: FeaturePlan;
  /** Ceiling on tracked entities across all kinds; past it, entities not used lately are evicted (CLOCK). */
  readonly maxEntities: number;
}

/** Entity keys and slots hydrate found for one event, handed to commit. */
export interface Touched {
  /** Cache key of each entity (see entityKey), undefined when the event does not name it. */
  readonly keys: (number | undefined)[];
  /** Slot id of each entity that already existed, undefined for new ones. */
  readonly slots: (number | undefined)[];
  /** Generation of each found slot, so commit can tell a slot reused in the meantime. */
  readonly generations: Uint32Array;
  /**
   * Set by a remote store that could not read in time: the entity features are missing (NaN) and
   * the decision reports degraded "features".
   */
  readonly degraded?: boolean;
}

/**
 * f64 stride of an entity: first seen, last seen, then per window three numbers: the newest bucket
 * epoch (HEAD), the epoch of the only bucket holding data while the window has no ring (ONE; -∞
 * when empty), and its ring's id (RING; -1 for none).
 */
const FIRST = 0;
const LAST = 1;
const PER_WINDOW = 3;
const HEAD = 2;
const ONE = 3;
const RING = 4;
/** Rings per ring chunk. */
const RING_CHUNK_BITS = 8;
const RING_CHUNK = 1 << RING_CHUNK_BITS;

/** Slots per slab chunk: slabs grow a chunk at a time and never move an entity. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
/** A slot id is kind * KIND_SPAN + index within the kind: a small integer for the entity index to hold. */
const KIND_BITS = 26;
const KIND_SPAN = 1 << KIND_BITS;

/** Lane ops: how a bucket folds in a value. */
const ADD = 0;
const MIN = 1;
const MAX = 2;
/** Feature program ops: copy a lane's total, or divide two (avg). */
const COPY = 0;
const RATIO = 1;

/**
 * The cache key of an entity: a 53-bit hash of its key string, seeded by its kind's identity (name
 * and key fields), so a kind keeps its keys across plans. The cache holds numbers, not strings. Two
 * entities of one kind share counters only if their hashes collide: with n entities of a kind, the
 * chance that any pair does is about n²/2^54 (1 in 70,000 at 500,000).
 */
export function entityKey(seed: number, key: string): number {
  return hash53(key, seed);
}

/** How one entity kind is laid out in its slabs, derived from its plan. */
interface KindLayout {
  readonly plan: EntityPlan;
  readonly identity: string;
  readonly seed: number;
  readonly W: number;
  readonly bucketMs: Float64Array;
  readonly buckets: Int32Array;
  /** Lanes per window, and for each lane: the commit input it folds, its op, its identity. */
  readonly lanes: Int32Array;
  readonly laneInput: Int32Array[];
  readonly laneOp: Uint8Array[];
  readonly laneIds: string[][];
  /** Bucket values of an empty bucket, per window (0 for sums, NaN for min and max). */
  readonly empty: Float32Array[];
  /** Where each window's running totals start in the f32 stride. */
  readonly wOff: Int32Array;
  /** f32 values of one ring of each window: lanes × buckets. */
  readonly ringStride: Int32Array;
  readonly f64Stride: number;
  readonly f32Stride: number;
  readonly u32Stride: number;
  /** Commit inputs: one per lane source (see inputsOf). */
  readonly inputs: number;
  /** Feature program: [op, a, b] per metric feature, a and b offsets in the f32 stride. */
  readonly program: Int32Array;
  /** Features per entity, and what an entity never committed reads as. */
  readonly width: number;
  readonly unseen: Float64Array;
  readonly distinctOffsets: Int32Array;
  readonly distinctCaps: Int32Array;
  readonly distinctSpanS: Float64Array;
  /** Index of each distinct set's field among the store's distinct fields. */
  readonly distinctValue: Int32Array;
  readonly distinctIds: string[];
}

function layoutOf(plan: EntityPlan, distinctFields: string[]): KindLayout {
  const W = plan.windows.length;
  const windowIndex = new Map(plan.windows.map((w, i) => [w, i]));
  const lanes = new Int32Array(W);
  const laneInput: number[][] = plan.windows.map(() => []);
  const laneOp: number[][] = plan.windows.map(() => []);
  const laneIds: string[][] = plan.windows.map(() => []);
  const programParts: number[][] = [];
  let inputs = 0;
  const pendingProgram: { w: number; op: number; a: number; b: number }[] = [];
  for (const m of plan.metrics) {
    const first = inputs;
    inputs += m.op === 'avg' ? 2 : 1;
    const id = metricIdentity(m);
    for (const spec of m.windows) {
      const w = windowIndex.get(spec) as number;
      const lane = (op: number, input: number, part: string) => {
        laneInput[w]?.push(input);
        laneOp[w]?.push(op);
        laneIds[w]?.push(`${id}#${part}`);
        const at = lanes[w] as number;
        lanes[w] = at + 1;
        return at;
      };
      if (m.op === 'avg') {
        const a = lane(ADD, first, 'sum');
        const b = lane(ADD, first + 1, 'n');
        pendingProgram.push({ w, op: RATIO, a, b });
      } else {
        const op = m.op === 'min' ? MIN : m.op === 'max' ? MAX : ADD;
        pendingProgram.push({ w, op: COPY, a: lane(op, first, m.op), b: 0 });
      }
    }
  }
  const wOff = new Int32Array(W);
  let f32Stride = 0;
  for (let w = 0; w < W; w++) {
    wOff[w] = f32Stride;
    f32Stride += lanes[w] as number;
  }
  for (const p of pendingProgram)
    programParts.push([p.op, (wOff[p.w] as number) + p.a, (wOff[p.w] as number) + p.b]);
  const { offsets, length } = distinctLayout(plan.distinct.map((d) => d.cap));
  const width = programParts.length + 3 + plan.distinct.length;
  const unseen = new Float64Array(width);
  programParts.forEach(([op, a], i) => {
    const w = pendingProgram[i]?.w as number;
    const lane = (a as number) - (wOff[w] as number);
    const isMinMax = laneOp[w]?.[lane] !== ADD;
    unseen[i] = op === RATIO || isMinMax ? Number.NaN : 0;
  });
  unseen[programParts.length] = Number.NaN; // age_s
  unseen[programParts.length + 1] = Number.NaN; // last_seen_s
  unseen[programParts.length + 2] = 1; // is_new
  const identity = entityIdentity(plan);
  return {
    plan,
    identity,
    seed: hash53(identity) % 2 ** 31,
    W,
    bucketMs: Float64Array.from(plan.windows, (w) => w.bucketMs),
    buckets: Int32Array.from(plan.windows, (w) => w.buckets),
    lanes,
    laneInput: laneInput.map((l) => Int32Array.from(l)),
    laneOp: laneOp.map((l) => Uint8Array.from(l)),
    laneIds,
    empty: laneOp.map((ops) => Float32Array.from(ops, (op) => (op === ADD ? 0 : Number.NaN))),
    wOff,
    ringStride: Int32Array.from(plan.windows, (w, i) => (lanes[i] as number) * w.buckets),
    f64Stride: 2 + PER_WINDOW * W,
    f32Stride,
    u32Stride: length,
    inputs,
    program: Int32Array.from(programParts.flat()),
    width,
    unseen,
    distinctOffsets: offsets,
    distinctCaps: Int32Array.from(plan.distinct, (d) => d.cap),
    distinctSpanS: Float64Array.from(plan.distinct, (d) => windowMs(d.window) / 1000),
    distinctValue: Int32Array.from(plan.distinct, (d) => {
      let i = distinctFields.indexOf(d.of);
      if (i < 0) i = distinctFields.push(d.of) - 1;
      return i;
    }),
    distinctIds: plan.distinct.map((d) => `${d.name}:${d.of}:${d.cap}:${d.window.label}`),
  };
}

/** The bucket rings of one window of one kind, chunked, with a free list. */
interface RingPool {
  readonly stride: number;
  readonly chunks: Float32Array[];
  readonly free: number[];
  next: number;
}

/** Entity states of one kind packed into chunked typed arrays, with a free list of slots. */
interface SlabPool {
  readonly layout: KindLayout;
  readonly f64: Float64Array[];
  readonly f32: Float32Array[];
  readonly u32: Uint32Array[];
  readonly free: number[];
  /** Rings of each window, only for entities whose window holds more than one bucket. */
  readonly rings: RingPool[];
  /** Bumped each time a slot is freed, so a slot reused since hydrate is detected. */
  generation: Uint32Array;
  next: number;
}

/** An empty pool for a kind. */
function newPool(layout: KindLayout): SlabPool {
  return {
    layout,
    f64: [],
    f32: [],
    u32: [],
    free: [],
    rings: Array.from(layout.ringStride, (stride) => ({ stride, chunks: [], free: [], next: 0 })),
    generation: new Uint32Array(CHUNK),
    next: 0,
  };
}

/** The parts of an entity index migrate and importState use. */
type IndexView = Pick<EntityIndex, 'get' | 'insert' | 'entries' | 'size' | 'evictions'>;

/** What migrate and importState read from another store. */
interface Core {
  readonly plan: FeaturePlan;
  readonly pools: readonly SlabPool[];
  readonly index: IndexView;
}

/** A live store's internals, for migrate and importState (copyCounters writes through them). */
interface LiveCore extends Core {
  readonly allocate: (k: number, t: number) => number;
  readonly takeRing: (pool: SlabPool, w: number) => number;
}

const cores = new WeakMap<CounterStore, LiveCore>();

/**
 * Creates the in-memory counter store for a features plan. Entity states live in slabs, one per
 * entity kind: chunks of Float64Array (times), Float32Array (bucket rings and running totals) and
 * Uint32Array (distinct sets) holding many entities each at a fixed stride, so an entity costs no
 * JavaScript objects (the garbage collector never walks counters). The entity index
 * (entity-index.ts, typed arrays too) maps each key's hash to a slot id; an evicted entity's slot
 * goes back to its kind's free list and is cleared when reused.
 *
 * Each window of a kind has its own lanes (one per metric kept in it, two for avg) and ring. A read
 * copies the running totals instead of scanning rings: buckets expire, and totals are recomputed
 * from the live ones, only when an entity's clock crosses a bucket boundary. Windows are relative
 * to the newest time an entity has seen; an out-of-order event older than that is counted in its
 * bucket if the ring still holds it, and dropped otherwise.
 */
export function createCounterStore(options: CounterStoreOptions): MemoryCounterStore {
  const { plan, maxEntities } = options;
  if (plan.entities.length > MAX_ENTITY_KINDS) throw new Error(`at most ${MAX_ENTITY_KINDS} entity kinds`);
  const distinctFields: string[] = [];
  const layouts = plan.entities.map((e) => layoutOf(e, distinctFields));
  const distinctGetters = distinctFields.map(
    (name) =>
      plan.entities.flatMap((e) => e.distinct).find((d) => d.of === name)?.value as (
        e: RiskEvent,
      ) => string | undefined,
  );
  const valueHashes = new Float64Array(distinctFields.length);
  const maxInputs = Math.max(1, ...layouts.map((l) => l.inputs));
  const inputs = new Float64Array(maxInputs);
  const K = layouts.length;

  const pools: SlabPool[] = layouts.map(newPool);

  const index = createEntityIndex(maxEntities, (slot) => {
    const pool = pools[slot >>> KIND_BITS] as SlabPool;
    const i = slot & (KIND_SPAN - 1);
    pool.generation[i] = (pool.generation[i] as number) + 1;
    pool.free.push(i);
    const f64 = pool.f64[i >>> CHUNK_BITS] as Float64Array;
    const o64 = (i & (CHUNK - 1)) * pool.layout.f64Stride;
    for (let w = 0; w < pool.layout.W; w++) {
      const r = f64[o64 + RING + PER_WINDOW * w] as number;
      if (r >= 0) (pool.rings[w] as RingPool).free.push(r);
    }
  });

  /** Where slot index `i` of a pool lives; filled by locate() and read at once, never kept. */
  const at: { f64: Float64Array; o64: number; f32: Float32Array; o32: number; u32: Uint32Array; o: number } =
    {
      f64: new Float64Array(0),
      o64: 0,
      f32: new Float32Array(0),
      o32: 0,
      u32: new Uint32Array(0),
      o: 0,
    };
  const locate = (pool: SlabPool, i: number): void => {
    const chunk = i >>> CHUNK_BITS;
    const row = i & (CHUNK - 1);
    const l = pool.layout;
    at.f64 = pool.f64[chunk] as Float64Array;
    at.f32 = pool.f32[chunk] as Float32Array;
    at.u32 = pool.u32[chunk] as Uint32Array;
    at.o64 = row * l.f64Stride;
    at.o32 = row * l.f32Stride;
    at.o = row * l.u32Stride;
  };

  /** Claims a ring for window w of a pool, every bucket empty; returns its id. */
  const takeRing = (pool: SlabPool, w: number): number => {
    const rp = pool.rings[w] as RingPool;
    let r = rp.free.pop();
    if (r === undefined) {
      r = rp.next++;
      if ((r & (RING_CHUNK - 1)) === 0) rp.chunks.push(new Float32Array(RING_CHUNK * rp.stride));
    }
    const chunk = rp.chunks[r >>> RING_CHUNK_BITS] as Float32Array;
    const base = (r & (RING_CHUNK - 1)) * rp.stride;
    const empty = pool.layout.empty[w] as Float32Array;
    for (let d = base, end = base + rp.stride; d < end; d += empty.length) chunk.set(empty, d);
    return r;
  };

  /** Claims a cleared slot of kind `k` for an entity first seen at `t`; returns its slot id. */
  const allocate = (k: number, t: number): number => {
    const pool = pools[k] as SlabPool;
    const l = pool.layout;
    let i = pool.free.pop();
    if (i === undefined) {
      i = pool.next++;
      if (i >= KIND_SPAN) throw new Error('counter store: too many entities of one kind');
      if ((i & (CHUNK - 1)) === 0) {
        pool.f64.push(new Float64Array(CHUNK * l.f64Stride));
        pool.f32.push(new Float32Array(CHUNK * l.f32Stride));
        pool.u32.push(new Uint32Array(CHUNK * l.u32Stride));
        if (pool.generation.length < i + CHUNK) {
          const grown = new Uint32Array(pool.generation.length * 2);
          grown.set(pool.generation);
          pool.generation = grown;
        }
      }
    }
    locate(pool, i);
    const { f64, o64, f32, o32, u32, o } = at;
    f64[o64 + FIRST] = t;
    f64[o64 + LAST] = t;
    for (let w = 0; w < l.W; w++) {
      const p = o64 + PER_WINDOW * w;
      f64[p + HEAD] = Number.NEGATIVE_INFINITY;
      f64[p + ONE] = Number.NEGATIVE_INFINITY;
      f64[p + RING] = -1;
      f32.set(l.empty[w] as Float32Array, o32 + (l.wOff[w] as number));
    }
    u32.fill(0, o, o + l.u32Stride);
    return k * KIND_SPAN + i;
  };

  /**
   * Moves window w of the located entity forward to bucket epoch `ep`, expiring buckets that fall
   * out. A window without a ring holds one bucket (ONE) in its totals: it expires whole. A ring
   * that expires whole is given back.
   */
  const advance = (
    pool: SlabPool,
    f64: Float64Array,
    o64: number,
    f32: Float32Array,
    o32: number,
    w: number,
    ep: number,
  ) => {
    const l = pool.layout;
    const p = o64 + PER_WINDOW * w;
    const head = f64[p + HEAD] as number;
    if (ep <= head) return;
    f64[p + HEAD] = ep;
    const n = l.buckets[w] as number;
    const to = o32 + (l.wOff[w] as number);
    const ring = f64[p + RING] as number;
    if (ring < 0) {
      const one = f64[p + ONE] as number;
      if (one === Number.NEGATIVE_INFINITY || one > ep - n) return;
      f32.set(l.empty[w] as Float32Array, to);
      f64[p + ONE] = Number.NEGATIVE_INFINITY;
      return;
    }
    const rp = pool.rings[w] as RingPool;
    if (ep - head >= n) {
      rp.free.push(ring);
      f64[p + RING] = -1;
      f64[p + ONE] = Number.NEGATIVE_INFINITY;
      f32.set(l.empty[w] as Float32Array, to);
      return;
    }
    const L = l.lanes[w] as number;
    const chunk = rp.chunks[ring >>> RING_CHUNK_BITS] as Float32Array;
    const base = (ring & (RING_CHUNK - 1)) * rp.stride;
    const empty = l.empty[w] as Float32Array;
    for (let e = head + 1; e <= ep; e++) chunk.set(empty, base + (e % n) * L);
    // Recompute rather than subtract, so float rounding never accumulates in the totals.
    const ops = l.laneOp[w] as Uint8Array;
    for (let lane = 0; lane < L; lane++) {
      const op = ops[lane] as number;
      let acc = op === ADD ? 0 : Number.NaN;
      for (let s = 0, d = base + lane; s < n; s++, d += L) {
        const v = chunk[d] as number;
        if (op === ADD) acc += v;
        else if (!Number.isNaN(v) && !(op === MIN ? acc <= v : acc >= v)) acc = v;
      }
      f32[to + lane] = acc;
    }
  };

  /** The ring chunk fold() writes a bucket into; set just before. */
  const ringAt: { chunk: Float32Array } = { chunk: new Float32Array(0) };
  /** Folds the commit inputs into window w's totals at `to` and, when d >= 0, into ringAt's bucket at d. */
  const fold = (l: KindLayout, w: number, f32: Float32Array, to: number, d: number): void => {
    const L = l.lanes[w] as number;
    const ops = l.laneOp[w] as Uint8Array;
    const src = l.laneInput[w] as Int32Array;
    const b = ringAt.chunk;
    for (let lane = 0; lane < L; lane++) {
      const v = inputs[src[lane] as number] as number;
      if (Number.isNaN(v)) continue;
      const op = ops[lane];
      if (op === ADD) {
        f32[to + lane] = (f32[to + lane] as number) + v;
        if (d >= 0) b[d + lane] = (b[d + lane] as number) + v;
      } else if (op === MIN) {
        if (!((f32[to + lane] as number) <= v)) f32[to + lane] = v;
        if (d >= 0 && !((b[d + lane] as number) <= v)) b[d + lane] = v;
      } else {
        if (!((f32[to + lane] as number) >= v)) f32[to + lane] = v;
        if (d >= 0 && !((b[d + lane] as number) >= v)) b[d + lane] = v;
      }
    }
  };

  const keysOf = (event: RiskEvent): (number | undefined)[] => {
    const keys: (number | undefined)[] = new Array(K);
    for (let k = 0; k < K; k++) {
      const l = layouts[k] as KindLayout;
      const key = l.plan.keyOf(event);
      keys[k] = key === undefined ? undefined : entityKey(l.seed, key);
    }
    return keys;
  };

  const hydrate = (event: RiskEvent, t: number, out: Float64Array, offset: number): Touched => {
    let o = offset;
    const keys = keysOf(event);
    const found: (number | undefined)[] = new Array(K);
    const generations = new Uint32Array(K);
    const second = distinctSecond(t);
    for (let k = 0; k < K; k++) {
      const l = layouts[k] as KindLayout;
      const key = keys[k];
      const slot = key === undefined ? undefined : index.get(key);
      found[k] = slot;
      if (slot === undefined) {
        // Missing key: every feature missing. Unseen entity: zero counts, no age, new.
        if (key === undefined) out.fill(Number.NaN, o, o + l.width);
        else out.set(l.unseen, o);
        o += l.width;
        continue;
      }
      const pool = pools[k] as SlabPool;
      const i = slot & (KIND_SPAN - 1);
      generations[k] = pool.generation[i] as number;
      locate(pool, i);
      const { f64, o64, f32, o32, u32, o: ou } = at;
      for (let w = 0; w < l.W; w++)
        advance(pool, f64, o64, f32, o32, w, Math.floor(t / (l.bucketMs[w] as number)));
      const p = l.program;
      for (let j = 0; j < p.length; j += 3) {
        const a = f32[o32 + (p[j + 1] as number)] as number;
        if (p[j] === COPY) out[o++] = a;
        else {
          const b = f32[o32 + (p[j + 2] as number)] as number;
          out[o++] = b > 0 ? a / b : Number.NaN;
        }
      }
      out[o++] = Math.max(0, (t - (f64[o64 + FIRST] as number)) / 1000);
      out[o++] = Math.max(0, (t - (f64[o64 + LAST] as number)) / 1000);
      out[o++] = 0;
      const offsets = l.distinctOffsets;
      for (let d = 0; d < offsets.length; d++)
        out[o++] = distinctCount(
          u32,
          ou + (offsets[d] as number),
          second - (l.distinctSpanS[d] as number),
          second,
        );
    }
    return { keys, slots: found, generations };
  };

  const commit = (event: RiskEvent, t: number, info: CommitInfo, touched?: Touched): void => {
    const keys = touched?.keys ?? keysOf(event);
    for (let f = 0; f < distinctFields.length; f++) {
      const v = (distinctGetters[f] as (e: RiskEvent) => string | undefined)(event);
      valueHashes[f] = v === undefined || v === '' ? Number.NaN : hash53(v) % 4294967296;
    }
    const second = distinctSecond(t);
    const decision = info.decision;
    const outcome = info.outcome;
    for (let k = 0; k < K; k++) {
      const key = keys[k];
      if (key === undefined) continue;
      const l = layouts[k] as KindLayout;
      const pool = pools[k] as SlabPool;
      // hydrate's get already refreshed recency. Look up again for entities it did not find (another
      // decision may have created one since) and for slots evicted, maybe reused, while this one
      // waited for its model score.
      let slot = touched?.slots[k];
      if (slot === undefined || pool.generation[slot & (KIND_SPAN - 1)] !== touched?.generations[k])
        slot = index.get(key);
      if (slot === undefined) {
        slot = allocate(k, t);
        index.insert(key, slot);
      }
      locate(pool, slot & (KIND_SPAN - 1));
      const { f64, o64, f32, o32, u32, o: ou } = at;
      if (outcome === undefined) {
        if (t < (f64[o64 + FIRST] as number)) f64[o64 + FIRST] = t;
        if (t > (f64[o64 + LAST] as number)) f64[o64 + LAST] = t;
      }
      // The commit inputs of each metric, in plan order (see layoutOf).
      let n = 0;
      for (const m of l.plan.metrics) {
        if (outcome !== undefined) {
          // An outcome adds to its outcomes metrics only: NaN adds nothing to any lane.
          inputs[n++] = m.op === 'outcomes' && m.types?.has(outcome) === true ? 1 : Number.NaN;
          if (m.op === 'avg') inputs[n++] = Number.NaN;
          continue;
        }
        switch (m.op) {
          case 'count':
            inputs[n++] = 1;
            break;
          case 'avg': {
            const v = (m.value as (e: RiskEvent) => number)(event);
            inputs[n++] = v;
            inputs[n++] = Number.isNaN(v) ? Number.NaN : 1;
            break;
          }
          case 'sum':
          case 'min':
          case 'max':
            inputs[n++] = (m.value as (e: RiskEvent) => number)(event);
            break;
          case 'allowed':
            inputs[n++] = decision === 'ALLOW' ? 1 : 0;
            break;
          case 'challenged':
            inputs[n++] = decision === 'CHALLENGE' ? 1 : 0;
            break;
          case 'reviewed':
            inputs[n++] = decision === 'REVIEW' ? 1 : 0;
            break;
          case 'blocked':
            inputs[n++] = decision === 'BLOCK' ? 1 : 0;
            break;
          case 'outcomes':
            inputs[n++] = 0;
            break;
        }
      }
      for (let w = 0; w < l.W; w++) {
        const ep = Math.floor(t / (l.bucketMs[w] as number));
        advance(pool, f64, o64, f32, o32, w, ep);
        const p = o64 + PER_WINDOW * w;
        const nb = l.buckets[w] as number;
        if (ep <= (f64[p + HEAD] as number) - nb) continue; // older than the ring holds
        const L = l.lanes[w] as number;
        const to = o32 + (l.wOff[w] as number);
        let ring = f64[p + RING] as number;
        if (ring < 0) {
          const one = f64[p + ONE] as number;
          if (one === Number.NEGATIVE_INFINITY || one === ep) {
            // Still one bucket: the totals are that bucket.
            f64[p + ONE] = ep;
            fold(l, w, f32, to, -1);
            continue;
          }
          // A second bucket: the window needs its ring, starting with the one bucket it had.
          ring = takeRing(pool, w);
          f64[p + RING] = ring;
          const rp = pool.rings[w] as RingPool;
          (rp.chunks[ring >>> RING_CHUNK_BITS] as Float32Array).set(
            f32.subarray(to, to + L),
            (ring & (RING_CHUNK - 1)) * rp.stride + (one % nb) * L,
          );
        }
        const rp = pool.rings[w] as RingPool;
        ringAt.chunk = rp.chunks[ring >>> RING_CHUNK_BITS] as Float32Array;
        fold(l, w, f32, to, (ring & (RING_CHUNK - 1)) * rp.stride + (ep % nb) * L);
      }
      const offsets = l.distinctOffsets;
      for (let d = 0; d < offsets.length && outcome === undefined; d++) {
        const h = valueHashes[l.distinctValue[d] as number] as number;
        if (!Number.isNaN(h))
          distinctAdd(u32, ou + (offsets[d] as number), l.distinctCaps[d] as number, h, second);
      }
    }
  };

  const store: MemoryCounterStore = {
    plan,
    hydrate,
    commit,
    migrate(next) {
      const to = createCounterStore({ plan: next, maxEntities });
      copyCounters({ plan, pools, index }, cores.get(to) as LiveCore);
      return to;
    },
    exportState() {
      const parts: Uint8Array[] = [];
      const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const ix = index.exportState();
      parts.push(u8(ix.frames), u8(ix.keys));
      const kinds = pools.map((p) => {
        for (const c of p.f64) parts.push(u8(c));
        for (const c of p.f32) parts.push(u8(c));
        for (const c of p.u32) parts.push(u8(c));
        parts.push(u8(Int32Array.from(p.free)), u8(p.generation));
        const rings = p.rings.map((r) => {
          for (const c of r.chunks) parts.push(u8(c));
          parts.push(u8(Int32Array.from(r.free)));
          return { next: r.next, chunks: r.chunks.length };
        });
        return {
          identity: p.layout.identity,
          next: p.next,
          chunks: p.f64.length,
          rings,
        };
      });
      return {
        header: {
          format: 3,
          signature: plan.signature,
          features: plan.source,
          index: { size: ix.size, hand: ix.hand, evictions: ix.evictions },
          kinds,
        },
        parts,
      };
    },
    importState(state) {
      if (index.size > 0) throw new Error('importState needs an empty store: this one is in use');
      const from = coreFromState(state);
      if (from.plan.signature !== plan.signature || from.indexState.size > maxEntities) {
        // Another layout (or fewer entities allowed): carry over what the plans share.
        copyCounters(from, core);
        return;
      }
      // The same layout: adopt the state as it was, CLOCK hand and recency bits included, so the
      // store goes on exactly as the one that was snapshotted would have.
      index.importState(from.indexState);
      from.pools.forEach((src, k) => {
        const dst = pools[k] as SlabPool;
        dst.f64.push(...src.f64);
        dst.f32.push(...src.f32);
        dst.u32.push(...src.u32);
        dst.free.push(...src.free);
        dst.generation = src.generation.length >= CHUNK ? src.generation : dst.generation;
        dst.next = src.next;
        src.rings.forEach((r, w) => {
          const d = dst.rings[w] as RingPool;
          d.chunks.push(...r.chunks);
          d.free.push(...r.free);
          d.next = r.next;
        });
      });
    },
    stats: () => ({ entities: index.size, evictions: index.evictions, maxEntities }),
  };
  const core: LiveCore = { plan, pools, index, allocate, takeRing };
  cores.set(store, core);
  return store;
}

/** Where slot `slot` (an index within its pool) lives: its chunk arrays and row offsets. */
function slotView(pool: SlabPool, slot: number) {
  const c = slot >>> CHUNK_BITS;
  const r = slot & (CHUNK - 1);
  const l = pool.layout;
  return {
    f64: pool.f64[c] as Float64Array,
    f32: pool.f32[c] as Float32Array,
    u32: pool.u32[c] as Uint32Array,
    o64: r * l.f64Stride,
    o32: r * l.f32Stride,
    ou: r * l.u32Stride,
  };
}

/**
 * Copies every entity of `from` whose kind `to` also has into `to`: times, then for each window
 * both kinds have, the lanes both have (by metric identity), then the distinct sets both have.
 */
function copyCounters(from: Core, to: LiveCore): void {
  const { allocate, takeRing } = to;
  const kindMap = to.pools.map((p) => from.pools.findIndex((q) => q.layout.identity === p.layout.identity));
  const byOld = new Map<number, number>();
  kindMap.forEach((old, k) => {
    if (old >= 0) byOld.set(old, k);
  });
  if (byOld.size === 0) return;
  const { keys, values } = from.index.entries();
  // For each new kind: per window, the old window index and per lane the old lane index (-1: new).
  const plans = to.pools.map((p, k) => {
    const old = kindMap[k] as number;
    if (old < 0) return undefined;
    const ol = (from.pools[old] as SlabPool).layout;
    const nl = p.layout;
    const windows = nl.plan.windows.map((w, wi) => {
      const ow = ol.plan.windows.findIndex((x) => x.label === w.label);
      const lanes = (nl.laneIds[wi] as string[]).map((id) =>
        ow < 0 ? -1 : (ol.laneIds[ow] as string[]).indexOf(id),
      );
      return { ow, lanes };
    });
    const distinct = nl.distinctIds.map((id) => ol.distinctIds.indexOf(id));
    return { ol, nl, windows, distinct };
  });
  for (let e = 0; e < keys.length; e++) {
    const slot = values[e] as number;
    const oldKind = slot >>> KIND_BITS;
    const k = byOld.get(oldKind);
    if (k === undefined) continue;
    const p = plans[k];
    if (p === undefined) continue;
    const { ol, nl } = p;
    const op = from.pools[oldKind] as SlabPool;
    const { f64: of64, f32: of32, u32: ou32, o64, o32, ou } = slotView(op, slot & (KIND_SPAN - 1));
    const newSlot = allocate(k, of64[o64 + FIRST] as number);
    to.index.insert(keys[e] as number, newSlot);
    const np = to.pools[k] as SlabPool;
    const {
      f64: nf64,
      f32: nf32,
      u32: nu32,
      o64: n64,
      o32: n32,
      ou: nu,
    } = slotView(np, newSlot & (KIND_SPAN - 1));
    nf64[n64 + LAST] = of64[o64 + LAST] as number;
    p.windows.forEach(({ ow, lanes }, w) => {
      if (ow < 0) return;
      const np64 = n64 + PER_WINDOW * w;
      const op64 = o64 + PER_WINDOW * ow;
      nf64[np64 + HEAD] = of64[op64 + HEAD] as number;
      nf64[np64 + ONE] = of64[op64 + ONE] as number;
      const nTo = n32 + (nl.wOff[w] as number);
      const oTo = o32 + (ol.wOff[ow] as number);
      lanes.forEach((olane, lane) => {
        if (olane >= 0) nf32[nTo + lane] = of32[oTo + olane] as number;
      });
      const oldRing = of64[op64 + RING] as number;
      if (oldRing < 0) return;
      const ring = takeRing(np, w);
      nf64[np64 + RING] = ring;
      const orp = op.rings[ow] as RingPool;
      const nrp = np.rings[w] as RingPool;
      const oc = orp.chunks[oldRing >>> RING_CHUNK_BITS] as Float32Array;
      const nc = nrp.chunks[ring >>> RING_CHUNK_BITS] as Float32Array;
      const ob = (oldRing & (RING_CHUNK - 1)) * orp.stride;
      const nb = (ring & (RING_CHUNK - 1)) * nrp.stride;
      const nL = nl.lanes[w] as number;
      const oL = ol.lanes[ow] as number;
      const buckets = nl.buckets[w] as number;
      lanes.forEach((olane, lane) => {
        if (olane < 0) return;
        for (let b = 0; b < buckets; b++) nc[nb + b * nL + lane] = oc[ob + b * oL + olane] as number;
      });
    });
    p.distinct.forEach((od, d) => {
      if (od < 0) return;
      const len = 1 + 2 * (nl.distinctCaps[d] as number);
      const src = ou + (ol.distinctOffsets[od] as number);
      nu32.set(ou32.subarray(src, src + len), nu + (nl.distinctOffsets[d] as number));
    });
  }
}

/** Rebuilds a read-only core from a snapshot's state, laid out by the plan the snapshot names. */
function coreFromState(state: StoreState): Core & { indexState: EntityIndexState } {
  const h = state.header as {
    format: number;
    features: unknown;
    index: { size: number; hand: number; evictions: number };
    entities: number;
    kinds: { identity: string; next: number; chunks: number; rings: { next: number; chunks: number }[] }[];
  };
  if (h.format !== 3) throw new Error(`counter snapshot format ${String(h.format)} is not supported`);
  const compiled = compileFeaturePlan(h.features);
  if ('errors' in compiled) throw new Error(`counter snapshot features: ${compiled.errors.join('; ')}`);
  const plan = compiled.value;
  const distinctFields: string[] = [];
  let part = 0;
  const next = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, bytesPer: number): T => {
    const p = state.parts[part++];
    if (p === undefined) throw new Error('counter snapshot: missing part');
    // Copy into an aligned buffer: a part read from a file may sit at any offset.
    const copy = new Uint8Array(p.byteLength);
    copy.set(p);
    return make(copy.buffer, 0, p.byteLength / bytesPer);
  };
  const frames = next((b, o, n) => new Int32Array(b, o, n), 4);
  const keys = next((b, o, n) => new Float64Array(b, o, n), 8);
  const values = new Int32Array(keys.length);
  for (let f = 0; f < keys.length; f++) values[f] = frames[2 * f] as number;
  const pools = plan.entities.map((e, k): SlabPool => {
    const layout = layoutOf(e, distinctFields);
    const meta = h.kinds[k];
    if (meta === undefined || meta.identity !== layout.identity)
      throw new Error('counter snapshot: kinds do not match its features');
    const f64: Float64Array[] = [];
    const f32: Float32Array[] = [];
    const u32: Uint32Array[] = [];
    for (let c = 0; c < meta.chunks; c++) f64.push(next((b, o, n) => new Float64Array(b, o, n), 8));
    for (let c = 0; c < meta.chunks; c++) f32.push(next((b, o, n) => new Float32Array(b, o, n), 4));
    for (let c = 0; c < meta.chunks; c++) u32.push(next((b, o, n) => new Uint32Array(b, o, n), 4));
    const free = Array.from(next((b, o, n) => new Int32Array(b, o, n), 4));
    const generation = next((b, o, n) => new Uint32Array(b, o, n), 4);
    const rings = meta.rings.map((r, w): RingPool => {
      const chunks: Float32Array[] = [];
      for (let c = 0; c < r.chunks; c++) chunks.push(next((b, o, n) => new Float32Array(b, o, n), 4));
      const ringFree = Array.from(next((b, o, n) => new Int32Array(b, o, n), 4));
      return { stride: layout.ringStride[w] as number, chunks, free: ringFree, next: r.next };
    });
    return { layout, f64, f32, u32, free, rings, generation, next: meta.next };
  });
  const entries = { keys, values };
  const index: IndexView = {
    get: () => undefined,
    insert: () => {
      throw new Error('read-only');
    },
    entries: () => entries,
    size: keys.length,
    evictions: 0,
  };
  const ix = h.index;
  const indexState: EntityIndexState = {
    size: keys.length,
    hand: ix.hand,
    evictions: ix.evictions,
    frames,
    keys,
  };
  return { plan, pools, index, indexState };
}
