import type { LoopStats } from './inprocess-result.js';
import { percentile } from './percentile.js';

/** Awaits `fn` on each item in turn and returns every call's duration in µs. */
export async function timeLoop<T>(
  items: readonly T[],
  fn: (item: T) => Promise<unknown>,
): Promise<Float64Array> {
  const out = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const t0 = performance.now();
    await fn(items[i] as T);
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

/** p50/p99/mean/max of durations in µs, rounded to 0.1 µs. */
export function loopStats(durationsUs: Float64Array): LoopStats {
  const sorted = Float64Array.from(durationsUs).sort();
  const r = (v: number) => Math.round(v * 10) / 10;
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    p50Us: r(percentile(sorted, 50)),
    p99Us: r(percentile(sorted, 99)),
    meanUs: r(sum / Math.max(1, sorted.length)),
    maxUs: r(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** p99 of each of `blocks` consecutive slices: how much the tail moves between parts of one run. */
export function blockP99s(durationsUs: Float64Array, blocks = 5): number[] {
  const size = Math.floor(durationsUs.length / blocks);
  return Array.from({ length: blocks }, (_, b) => {
    const slice = durationsUs.slice(b * size, (b + 1) * size).sort();
    return Math.round(percentile(slice, 99) * 10) / 10;
  });
}
