/** Counts per key in time buckets: a current window and the trailing baseline before it. */
export interface BucketCounts {
  add(key: string, now: number, n?: number): void;
  /** [current window, baseline] sums of a key (zeros for an unknown key). */
  sums(key: string, now: number): [number, number];
  keys(): IterableIterator<string>;
}

interface Ring {
  readonly stamps: Float64Array;
  readonly counts: Float64Array;
}

/**
 * Creates the counts: `windowMs` and `baselineMs` in buckets of `bucketMs` (both rounded up to whole
 * buckets), at most `maxKeys` keys (adds to further keys are ignored). Each key holds one ring of
 * 16 bytes per bucket.
 */
export function createBucketCounts(
  bucketMs: number,
  windowMs: number,
  baselineMs: number,
  maxKeys: number,
): BucketCounts {
  const w = Math.max(1, Math.ceil(windowMs / bucketMs));
  const bl = Math.max(1, Math.ceil(baselineMs / bucketMs));
  const size = w + bl + 1;
  const rings = new Map<string, Ring>();
  return {
    add(key, now, n = 1) {
      let r = rings.get(key);
      if (r === undefined) {
        if (rings.size >= maxKeys) return;
        r = { stamps: new Float64Array(size).fill(-1), counts: new Float64Array(size) };
        rings.set(key, r);
      }
      const b = Math.floor(now / bucketMs);
      const i = b % size;
      if (r.stamps[i] !== b) {
        r.stamps[i] = b;
        r.counts[i] = 0;
      }
      r.counts[i] = (r.counts[i] as number) + n;
    },
    sums(key, now) {
      const r = rings.get(key);
      if (r === undefined) return [0, 0];
      const nowB = Math.floor(now / bucketMs);
      let cur = 0;
      let base = 0;
      for (let i = 0; i < size; i++) {
        const b = r.stamps[i] as number;
        if (b < 0 || b > nowB) continue;
        const age = nowB - b;
        if (age < w) cur += r.counts[i] as number;
        else if (age < w + bl) base += r.counts[i] as number;
      }
      return [cur, base];
    },
    keys: () => rings.keys(),
  };
}
