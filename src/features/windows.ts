/** A sliding window kept as a ring of time buckets; its error bound is one bucket. */
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

/** 1 h in 5-minute buckets and 24 h in 1-hour buckets (docs/architecture.md §3). */
export const DEFAULT_WINDOWS: readonly WindowSpec[] = [
  { label: '1h', bucketMs: 5 * 60_000, buckets: 12 },
  { label: '24h', bucketMs: 60 * 60_000, buckets: 24 },
];

/** Per-bucket metrics, in storage order. */
export const METRICS = ['count', 'sum_usd', 'blocked', 'failed_logins'] as const;

/** One per-bucket metric name. */
export type Metric = (typeof METRICS)[number];

/** Number of per-bucket metrics. */
export const METRIC_COUNT = METRICS.length;
