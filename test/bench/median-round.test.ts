import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/load-result.js';
import { medianRound } from '../../bench/median-round.js';
import type { TransportResult } from '../../bench/transport-result.js';

const load = (rps: number, errors = 0): LoadResult => ({
  rps,
  p50Us: 1000,
  p99Us: 5000,
  ok: rps * 10,
  errors,
  seconds: 10,
  notes: [],
});

const round = (emptyRps: number, realRps: number, errors = 0): TransportResult => {
  const ratio = realRps / emptyRps;
  return {
    transport: 'grpc',
    empty: load(emptyRps),
    real: load(realRps, errors),
    ratio,
    rounds: [{ emptyRps, realRps, ratio }],
    target: 0.6,
    pass: ratio >= 0.6 && errors === 0,
    notes: ['h2load'],
  };
};

describe('medianRound', () => {
  it('reports the round with the median ratio and keeps every round in order', () => {
    const r = medianRound([round(10_000, 5_000), round(12_000, 9_000), round(11_000, 7_000)]);
    expect(r.ratio).toBeCloseTo(7 / 11);
    expect(r.empty.rps).toBe(11_000);
    expect(r.rounds.map((x) => x.realRps)).toEqual([5_000, 9_000, 7_000]);
    expect(r.pass).toBe(true);
    expect(r.notes.at(-1)).toMatch(/3 rounds/);
  });

  it('takes the lower median for an even count and fails when any round had errors', () => {
    const even = medianRound([round(10_000, 7_000), round(10_000, 5_000)]);
    expect(even.ratio).toBeCloseTo(0.5);
    expect(even.pass).toBe(false);
    const dirty = medianRound([round(10_000, 7_000), round(10_000, 8_000, 3), round(10_000, 9_000)]);
    expect(dirty.ratio).toBeCloseTo(0.8);
    expect(dirty.pass).toBe(false);
  });

  it('passes a single round through unchanged', () => {
    const one = round(10_000, 6_500);
    expect(medianRound([one])).toEqual({ ...one, notes: ['h2load'] });
  });
});
