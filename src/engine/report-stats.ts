/** Numbers collected without a per-value allocation: a Float64Array that doubles as it fills. */
export interface Samples {
  push(v: number): void;
  readonly length: number;
  /** The values so far (a view, valid until the next push). */
  values(): Float64Array;
}

/** A growable array of numbers for quantiles over a whole report. */
export function createSamples(initial = 1024): Samples {
  let buf = new Float64Array(initial);
  let n = 0;
  return {
    push(v) {
      if (n === buf.length) {
        const next = new Float64Array(buf.length * 2);
        next.set(buf);
        buf = next;
      }
      buf[n++] = v;
    },
    get length() {
      return n;
    },
    values: () => buf.subarray(0, n),
  };
}

/** p50, p90 and p99 of some values (nearest rank: the smallest value with at least q of them at or below). */
export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** Nearest-rank quantiles of `values` (sorted in place); NaN for none. */
export function quantiles(values: Float64Array): Quantiles {
  values.sort();
  const at = (q: number) =>
    values.length === 0 ? Number.NaN : (values[Math.max(0, Math.ceil(q * values.length) - 1)] as number);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/** A score distribution: count, mean, quantiles and a fixed-bin histogram over [0, 1]. */
export interface ScoreDistribution extends Quantiles {
  readonly count: number;
  readonly mean: number;
  /** SCORE_BINS bins of equal width; `to` is exclusive except for the last, which holds 1. */
  readonly bins: readonly { readonly from: number; readonly to: number; readonly count: number }[];
}

/** Bins of a score histogram: 20 of width 0.05. */
export const SCORE_BINS = 20;

/** The distribution of scores in [0, 1] (values outside are clipped into the end bins). */
export function scoreDistribution(scores: Float64Array): ScoreDistribution {
  const counts = new Array<number>(SCORE_BINS).fill(0);
  let sum = 0;
  for (const s of scores) {
    sum += s;
    const i = Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(s * SCORE_BINS)));
    counts[i] = (counts[i] as number) + 1;
  }
  return {
    count: scores.length,
    mean: scores.length === 0 ? Number.NaN : sum / scores.length,
    ...quantiles(scores),
    bins: counts.map((count, i) => ({ from: i / SCORE_BINS, to: (i + 1) / SCORE_BINS, count })),
  };
}

/** Sorted, limited entries of a count map: highest first, then by key. */
export function topCounts(m: ReadonlyMap<string, number>, limit: number): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, limit);
}

/** `n / d`, NaN when d is 0 (JSON writes it as null: "no data", never a false 0). */
export const ratio = (n: number, d: number): number => (d === 0 ? Number.NaN : n / d);

/** The value of `k` in `m`, made and stored first when missing. */
export function entryOf<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}
