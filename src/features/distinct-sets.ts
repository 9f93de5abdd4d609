/**
 * Bounded distinct-value sets packed into one Uint32Array per entity kind: for each set, a count
 * then `cap` (32-bit value hash, last-seen second) pairs, 8 bytes a value. Membership is a compare
 * of integers in one contiguous array. Two values of one entity's set share a hash with
 * probability about cap²/2^33 (1 in 27 million at the cap of 25), which can only under-count;
 * seconds put the window's trailing edge within one second. When a set is full, the value seen
 * longest ago is evicted, so counts under-report only for entities above the cap.
 */

/** Offsets of each set inside the packed array, and the array length, for the given caps. */
export function distinctLayout(caps: readonly number[]): { offsets: Int32Array; length: number } {
  const offsets = new Int32Array(caps.length);
  let n = 0;
  caps.forEach((cap, i) => {
    offsets[i] = n;
    n += 1 + 2 * cap;
  });
  return { offsets, length: n };
}

/** The second a set records for epoch milliseconds `t`. */
export function distinctSecond(t: number): number {
  return Math.floor(t / 1000);
}

/** Records value hash `h` (32 bits) as seen at second `s` in the set at `off` with capacity `cap`. */
export function distinctAdd(a: Uint32Array, off: number, cap: number, h: number, s: number): void {
  const n = a[off] as number;
  const base = off + 1;
  let oldest = -1;
  let oldestS = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const p = base + 2 * i;
    if (a[p] === h) {
      if (s > (a[p + 1] as number)) a[p + 1] = s;
      return;
    }
    const seen = a[p + 1] as number;
    if (seen < oldestS) {
      oldestS = seen;
      oldest = p;
    }
  }
  if (n < cap) {
    const p = base + 2 * n;
    a[p] = h;
    a[p + 1] = s;
    a[off] = n + 1;
    return;
  }
  a[oldest] = h;
  a[oldest + 1] = s;
}

/** Distinct values of the set at `off` last seen in seconds (since, until]. */
export function distinctCount(a: Uint32Array, off: number, since: number, until: number): number {
  const n = a[off] as number;
  let c = 0;
  for (let i = 0, p = off + 2; i < n; i++, p += 2) {
    const s = a[p] as number;
    if (s > since && s <= until) c++;
  }
  return c;
}
