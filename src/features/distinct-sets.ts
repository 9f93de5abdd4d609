/**
 * Bounded distinct-value sets packed into one Float64Array per entity: for each set, a count then
 * `cap` (hash, last-seen) pairs. Values are stored as 53-bit hashes, so membership is a numeric
 * compare in one contiguous array instead of a chase through string objects; a collision (about
 * 1 in 2^53 per pair) can only under-count. When a set is full, the value seen longest ago is
 * evicted, so counts under-report only for entities above the cap.
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

/** Records hash `h` as seen at `t` in the set at `off` with capacity `cap`. */
export function distinctAdd(a: Float64Array, off: number, cap: number, h: number, t: number): void {
  const n = a[off] as number;
  const base = off + 1;
  let oldest = -1;
  let oldestT = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const p = base + 2 * i;
    if (a[p] === h) {
      if (t > (a[p + 1] as number)) a[p + 1] = t;
      return;
    }
    const s = a[p + 1] as number;
    if (s < oldestT) {
      oldestT = s;
      oldest = p;
    }
  }
  if (n < cap) {
    const p = base + 2 * n;
    a[p] = h;
    a[p + 1] = t;
    a[off] = n + 1;
    return;
  }
  a[oldest] = h;
  a[oldest + 1] = t;
}

/** Distinct values of the set at `off` seen in (since, until]. */
export function distinctCount(a: Float64Array, off: number, since: number, until: number): number {
  const n = a[off] as number;
  let c = 0;
  for (let i = 0, p = off + 2; i < n; i++, p += 2) {
    const s = a[p] as number;
    if (s > since && s <= until) c++;
  }
  return c;
}
