import { cpuFields, type LoadResult } from './load-result.js';
import { progress } from './progress.js';
import type { RoundResult } from './transport-result.js';

/** Each side of a comparison pooled over its slices, and each round. */
export interface Interleaved {
  readonly empty: LoadResult;
  /** Present when an edge side was measured. */
  readonly edge?: LoadResult;
  readonly real: LoadResult;
  readonly rounds: readonly RoundResult[];
}

/**
 * Measures servers that are all up, in alternating slices (empty, real, empty, real, ... or with an
 * edge side empty, edge, real, empty, edge, real, ...), and pools each side: rate = all successful requests / all measured seconds, errors summed,
 * p50 and p99 the median of the slices'. On a shared VM the speed of the CPU drifts by tens of
 * percent within a minute; slices taken back to back see the same drift, so the pooled ratio
 * holds still where one long run of each, a minute apart, does not.
 */
export async function interleave(
  rounds: number,
  measureEmpty: (round: number) => Promise<LoadResult>,
  measureReal: (round: number) => Promise<LoadResult>,
  measureEdge?: (round: number) => Promise<LoadResult>,
): Promise<Interleaved> {
  const empties: LoadResult[] = [];
  const edges: LoadResult[] = [];
  const reals: LoadResult[] = [];
  for (let i = 1; i <= rounds; i++) {
    if (rounds > 1) progress(`round ${i} of ${rounds}`);
    empties.push(await measureEmpty(i));
    if (measureEdge !== undefined) edges.push(await measureEdge(i));
    reals.push(await measureReal(i));
  }
  return {
    empty: pool(empties),
    ...(edges.length > 0 ? { edge: pool(edges) } : {}),
    real: pool(reals),
    rounds: empties.map((e, i) => {
      const r = reals[i] as LoadResult;
      const edge = edges[i];
      return {
        emptyRps: e.rps,
        realRps: r.rps,
        ratio: r.rps / e.rps,
        ...(edge !== undefined ? { edgeRps: edge.rps } : {}),
      };
    }),
  };
}

/** One LoadResult for several slices of the same server. */
export function pool(slices: readonly LoadResult[]): LoadResult {
  if (slices.length === 1) return slices[0] as LoadResult;
  const sum = (f: (r: LoadResult) => number) => slices.reduce((s, r) => s + f(r), 0);
  const median = (f: (r: LoadResult) => number) => {
    const v = slices.map(f).sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 === 1 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
  };
  const ok = sum((r) => r.ok);
  const seconds = sum((r) => r.seconds);
  const cpu = slices.every((r) => r.cpuSeconds !== undefined && r.systemSeconds !== undefined)
    ? {
        user: sum((r) => (r.cpuSeconds ?? 0) - (r.systemSeconds ?? 0)),
        system: sum((r) => r.systemSeconds ?? 0),
      }
    : undefined;
  return {
    rps: ok / seconds,
    p50Us: median((r) => r.p50Us),
    p99Us: median((r) => r.p99Us),
    ok,
    errors: sum((r) => r.errors),
    seconds,
    ...cpuFields(cpu, ok),
    notes: slices.flatMap((r, i) => r.notes.map((n) => `#${i + 1} ${n}`)),
  };
}
