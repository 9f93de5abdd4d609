import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIsoFormatter } from '../../src/domain/index.js';

const MAX_DATE_MS = 8.64e15;

describe('createIsoFormatter', () => {
  it('writes exactly what toISOString writes, for any time in any order (property)', () => {
    const iso = createIsoFormatter();
    fc.assert(
      fc.property(fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }), (ms) => {
        expect(iso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it('stays exact across second boundaries around the epoch and within one cached second', () => {
    const iso = createIsoFormatter();
    const at = Date.parse('2026-11-29T10:26:03Z');
    for (const base of [0, at, -1000, Date.parse('9999-12-31T23:59:59Z')]) {
      for (let ms = base - 1500; ms <= base + 1500; ms += 7) expect(iso(ms)).toBe(new Date(ms).toISOString());
    }
    // Years past 9999 are written with a sign and six digits.
    expect(iso(MAX_DATE_MS)).toBe('+275760-09-13T00:00:00.000Z');
  });
});
