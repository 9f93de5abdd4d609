/** Maps entity keys to slot ids with a ceiling on entries; past it, an entry not used lately goes. */
export interface EntityIndex {
  /** The value stored for `key`, marking the entry as recently used; undefined when absent. */
  get(key: number): number | undefined;
  /**
   * Stores `value` for a `key` that is absent. When the index is full, one entry is evicted first
   * and its value handed to the index's `onEvict`.
   */
  insert(key: number, value: number): void;
  readonly size: number;
  readonly evictions: number;
}

/** Largest ceiling: values and positions stay small integers. */
export const ENTITY_INDEX_MAX = 1 << 28;

/**
 * Creates an index of at most `max` entries, keys being integers in [0, 2^53) that are already
 * well-mixed hashes (see entityKey), values integers in [0, 2^31).
 *
 * Memory is typed arrays sized once from `max`: an open-addressing table with linear probing
 * (pairs of key + 1 and frame number; 0 is an empty bucket, so fresh zeroed pages are empty and no
 * page is touched before it is used) at most half full, and `max` frames holding each entry's
 * value, a recently-used bit and its key. The garbage collector sees none of it, and a lookup
 * touches two cache lines (the bucket and the frame), where a Map plus a linked list touches
 * several scattered ones.
 *
 * Eviction is CLOCK (second chance), an approximation of least recently used: a hand walks the
 * frames in order; a frame used since the hand last passed loses its bit and is spared, the first
 * one without it is evicted and the new entry takes its frame. Entries never read again leave in
 * insertion order; an entry read between two passes of the hand survives. Removal from the table
 * shifts later entries of the probe run back, so no tombstones build up.
 */
export function createEntityIndex(max: number, onEvict: (value: number) => void): EntityIndex {
  if (!Number.isInteger(max) || max < 1 || max > ENTITY_INDEX_MAX)
    throw new RangeError(`entity index size must be an integer in [1, ${ENTITY_INDEX_MAX}], got ${max}`);
  let buckets = 2;
  while (buckets < 2 * max) buckets *= 2;
  const mask = buckets - 1;
  /** Bucket b: table[2b] = key + 1 (0 = empty), table[2b + 1] = frame number. */
  const table = new Float64Array(2 * buckets);
  /** Frame f: frames[2f] = value, frames[2f + 1] = 1 when used since the hand last passed. */
  const frames = new Int32Array(2 * max);
  const frameKeys = new Float64Array(max);
  let size = 0;
  let hand = 0;
  let evictions = 0;

  const home = (storedKey: number): number => ((storedKey - 1) >>> 0) & mask;

  const find = (stored: number): number => {
    let b = home(stored);
    for (;;) {
      const t = table[2 * b] as number;
      if (t === stored) return b;
      if (t === 0) return -1;
      b = (b + 1) & mask;
    }
  };

  const place = (stored: number, frame: number): void => {
    let b = home(stored);
    while ((table[2 * b] as number) !== 0) b = (b + 1) & mask;
    table[2 * b] = stored;
    table[2 * b + 1] = frame;
  };

  /** Empties bucket `hole`, moving back each later entry of its probe run that may take it. */
  const remove = (hole: number): void => {
    let i = hole;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const t = table[2 * j] as number;
      if (t === 0) break;
      const h = home(t);
      // The entry at j stays if its home lies cyclically in (i, j]: moving it to i would put it
      // before its home, where a probe from the home would not find it.
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (stays) continue;
      table[2 * i] = t;
      table[2 * i + 1] = table[2 * j + 1] as number;
      i = j;
    }
    table[2 * i] = 0;
    table[2 * i + 1] = 0;
  };

  return {
    get(key) {
      const b = find(key + 1);
      if (b < 0) return undefined;
      const f = table[2 * b + 1] as number;
      frames[2 * f + 1] = 1;
      return frames[2 * f] as number;
    },
    insert(key, value) {
      const stored = key + 1;
      let f: number;
      if (size < max) {
        f = size++;
      } else {
        for (;;) {
          f = hand;
          hand = hand + 1 === max ? 0 : hand + 1;
          if (frames[2 * f + 1] === 0) break;
          frames[2 * f + 1] = 0;
        }
        remove(find(frameKeys[f] as number));
        evictions++;
        onEvict(frames[2 * f] as number);
      }
      frameKeys[f] = stored;
      frames[2 * f] = value;
      frames[2 * f + 1] = 0;
      place(stored, f);
    },
    get size() {
      return size;
    },
    get evictions() {
      return evictions;
    },
  };
}
