/**
 * A sliding window kept as a ring of time buckets. The ring holds the bucket of the entity's newest
 * time plus the `buckets - 1` before it, so a read covers between (buckets - 1) and `buckets`
 * bucket lengths: it never counts an event older than the window, and may miss events in the
 * oldest bucket-length of it. That bucket is the error bound.
 */
export interface WindowSpec {
  /** Suffix used in feature names, e.g. "1h". */
  readonly label: string;
  readonly bucketMs: number;
  readonly buckets: number;
}

/** Window length in milliseconds. */
export function windowMs(w: WindowSpec): number {
  return w.bucketMs * w.buckets;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/**
 * The windows a features section may name (docs/architecture.md §3 gives the table). Stripe's
 * granularity is the reference: up to an hour in 5-minute buckets (finer for the minute windows), a
 * day in hourly buckets, longer in coarser ones. The week is in 6-hour buckets rather than hourly
 * ones so that a million entities with 1h, 24h and 7d windows fit in a gigabyte (168 hourly buckets
 * would cost 2.7 KiB per entity for two metrics alone).
 */
export const WINDOWS: Readonly<Record<string, WindowSpec>> = {
  '1m': { label: '1m', bucketMs: 5 * S, buckets: 12 },
  '5m': { label: '5m', bucketMs: 30 * S, buckets: 10 },
  '1h': { label: '1h', bucketMs: 5 * M, buckets: 12 },
  '24h': { label: '24h', bucketMs: H, buckets: 24 },
  '7d': { label: '7d', bucketMs: 6 * H, buckets: 28 },
  '30d': { label: '30d', bucketMs: D, buckets: 30 },
};
