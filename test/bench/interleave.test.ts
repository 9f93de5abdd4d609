import { describe, expect, it } from 'vitest';
import { interleave, pool } from '../../bench/interleave.js';
import type { LoadResult } from '../../bench/load-result.js';

const slice = (rps: number, p50Us: number, errors = 0): LoadResult => ({
  rps,
  p50Us,
  p99Us: p50Us * 4,
  ok: rps * 10,
  errors,
  seconds: 10,
  notes: [`${rps}/s`],
});

describe('interleave', () => {
  it('rotates empty, edge and real when an edge side is given, and pools it too', async () => {
    const order: string[] = [];
    const side = (name: string, rps: number) => async (i: number) => {
      order.push(`${name}${i}`);
      return slice(rps * i, 1000);
    };
    const r = await interleave(2, side('e', 10_000), side('r', 2_000), side('g', 5_000));
    expect(order).toEqual(['e1', 'g1', 'r1', 'e2', 'g2', 'r2']);
    expect(r.edge?.rps).toBe(7_500);
    expect(r.rounds.map((x) => x.edgeRps)).toEqual([5_000, 10_000]);
    expect(r.rounds.map((x) => x.ratio)).toEqual([0.2, 0.2]);
    const two = await interleave(1, side('e', 1), side('r', 1));
    expect(two.edge).toBeUndefined();
    expect(two.rounds[0]?.edgeRps).toBeUndefined();
  });

  it('alternates the two sides, pools each and keeps every pair', async () => {
    const order: string[] = [];
    const empties = [slice(20_000, 2000), slice(10_000, 4000), slice(15_000, 3000)];
    const reals = [slice(6_000, 9000), slice(3_000, 20_000), slice(4_500, 12_000, 2)];
    const r = await interleave(
      3,
      async (i) => {
        order.push(`e${i}`);
        return empties[i - 1] as LoadResult;
      },
      async (i) => {
        order.push(`r${i}`);
        return reals[i - 1] as LoadResult;
      },
    );
    expect(order).toEqual(['e1', 'r1', 'e2', 'r2', 'e3', 'r3']);
    // Pooled: all requests over all seconds, so a slow patch weighs on both sides alike.
    expect(r.empty.rps).toBe(15_000);
    expect(r.real.rps).toBe(4_500);
    expect(r.real.p50Us).toBe(12_000);
    expect(r.real.errors).toBe(2);
    expect(r.real.seconds).toBe(30);
    expect(r.rounds.map((x) => x.ratio)).toEqual([0.3, 0.3, 0.3]);
    expect(r.real.notes).toEqual(['#1 6000/s', '#2 3000/s', '#3 4500/s']);
  });

  it('pools server CPU time into CPU per request, only when every slice measured it', () => {
    const withCpu = (rps: number, cpuSeconds: number, systemSeconds: number): LoadResult => ({
      ...slice(rps, 100),
      cpuSeconds,
      systemSeconds,
    });
    // 40,000 requests, 3 CPU seconds of which 0.5 in the kernel
    const pooled = pool([withCpu(1000, 1, 0.25), withCpu(3000, 2, 0.25)]);
    expect(pooled.cpuSeconds).toBe(3);
    expect(pooled.systemSeconds).toBe(0.5);
    expect(pooled.cpuUsPerRequest).toBeCloseTo(75, 9);
    expect(pooled.systemUsPerRequest).toBeCloseTo(12.5, 9);
    const partial = pool([withCpu(1000, 1, 0.5), slice(3000, 100)]);
    expect(partial.cpuSeconds).toBeUndefined();
    expect(partial.cpuUsPerRequest).toBeUndefined();
    expect(partial.systemUsPerRequest).toBeUndefined();
  });

  it('passes a single slice through and takes the middle two for an even count', () => {
    const one = slice(1000, 500);
    expect(pool([one])).toBe(one);
    expect(pool([slice(1000, 100), slice(1000, 300)]).p50Us).toBe(200);
  });
});
