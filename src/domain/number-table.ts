/** A map from hash keys to numbers held in one typed array, for the hot paths' indexes. */
export interface NumberTable {
  /** The value stored for `key`, or -1 when there is none. */
  get(key: number): number;
  /** Stores `value` (an integer >= 0) for `key`, replacing any value it had. */
  set(key: number, value: number): void;
  /** Removes `key`; returns whether it was there. */
  delete(key: number): boolean;
  readonly size: number;
}

/** Largest number of entries a table can be sized for. */
export const NUMBER_TABLE_MAX = 1 << 28;

/**
 * Creates a table for at most `capacity` entries, keys being integers in [0, 2^53) that are
 * already well-mixed hashes (hash53), values integers in [0, 2^53).
 *
 * Open addressing with linear probing over one Float64Array of (key + 1, value) pairs, sized once
 * to a power of two at least twice the capacity, so it is never more than half full and never
 * rehashes. 0 marks an empty bucket: fresh zeroed pages are empty and no page is touched before
 * it is used. A lookup reads one pair, usually one cache line; the garbage collector sees one
 * array. Deletion shifts later entries of the probe run back, so no tombstones build up.
 */
export function createNumberTable(capacity: number): NumberTable {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > NUMBER_TABLE_MAX)
    throw new RangeError(`table capacity must be an integer in [1, ${NUMBER_TABLE_MAX}], got ${capacity}`);
  let buckets = 2;
  while (buckets < 2 * capacity) buckets *= 2;
  const mask = buckets - 1;
  const pairs = new Float64Array(2 * buckets);
  let size = 0;

  /** Home bucket of a stored key (key + 1): the key's low 32 bits. */
  const home = (stored: number): number => ((stored - 1) >>> 0) & mask;

  /** Bucket holding `stored`, or the empty bucket ending its probe run, negated minus one. */
  const find = (stored: number): number => {
    let b = home(stored);
    for (;;) {
      const k = pairs[2 * b] as number;
      if (k === stored) return b;
      if (k === 0) return -b - 1;
      b = (b + 1) & mask;
    }
  };

  return {
    get(key) {
      const b = find(key + 1);
      return b < 0 ? -1 : (pairs[2 * b + 1] as number);
    },
    set(key, value) {
      const stored = key + 1;
      let b = find(stored);
      if (b < 0) {
        if (size >= capacity) throw new RangeError(`table is full (${capacity} entries)`);
        b = -b - 1;
        pairs[2 * b] = stored;
        size++;
      }
      pairs[2 * b + 1] = value;
    },
    delete(key) {
      let i = find(key + 1);
      if (i < 0) return false;
      size--;
      let j = i;
      for (;;) {
        j = (j + 1) & mask;
        const k = pairs[2 * j] as number;
        if (k === 0) break;
        const h = home(k);
        // The entry at j stays if its home lies cyclically in (i, j]: moved to i it would sit
        // before its home, where a probe starting there would not find it.
        if (i <= j ? i < h && h <= j : i < h || h <= j) continue;
        pairs[2 * i] = k;
        pairs[2 * i + 1] = pairs[2 * j + 1] as number;
        i = j;
      }
      pairs[2 * i] = 0;
      pairs[2 * i + 1] = 0;
      return true;
    },
    get size() {
      return size;
    },
  };
}
