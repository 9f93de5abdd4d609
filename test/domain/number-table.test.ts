import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNumberTable } from '../../src/domain/number-table.js';

/** Keys sharing their low 32 bits all start probing at the same bucket: worst-case runs. */
const clashing = (i: number) => i * 2 ** 32 + 7;

describe('number table', () => {
  it('stores, replaces, finds and deletes values', () => {
    const t = createNumberTable(8);
    t.set(0, 5);
    t.set(2 ** 53 - 1, 2 ** 40);
    t.set(42, 1);
    t.set(42, 2);
    expect([t.get(0), t.get(2 ** 53 - 1), t.get(42), t.get(43), t.size]).toEqual([5, 2 ** 40, 2, -1, 3]);
    expect(t.delete(42)).toBe(true);
    expect(t.delete(42)).toBe(false);
    expect([t.get(42), t.size]).toEqual([-1, 2]);
  });

  it('keeps every key findable when deletions shift runs that wrap around the end', () => {
    const t = createNumberTable(8); // 16 buckets; keys homed at bucket 15 wrap to 0, 1, ...
    const wrap = (i: number) => i * 2 ** 32 + 15;
    for (let i = 0; i < 4; i++) t.set(wrap(i), i);
    for (let i = 0; i < 3; i++) t.set(clashing(i), 10 + i); // homed at 7, away from the run
    t.delete(wrap(1));
    expect([0, 2, 3].map((i) => t.get(wrap(i)))).toEqual([0, 2, 3]);
    t.delete(wrap(0));
    expect([t.get(wrap(2)), t.get(wrap(3)), t.get(clashing(2))]).toEqual([2, 3, 12]);
    // A key homed at bucket 0, behind a run that wrapped from 15, must not move back to 15.
    const u = createNumberTable(8);
    u.set(wrap(0), 1);
    u.set(0, 2); // homed at 0
    u.delete(wrap(0));
    expect(u.get(0)).toBe(2);
  });

  it('refuses to grow past its capacity', () => {
    const t = createNumberTable(2);
    t.set(1, 1);
    t.set(2, 2);
    t.set(2, 3); // replacing is fine
    expect(() => t.set(3, 3)).toThrow(RangeError);
    expect(() => createNumberTable(0)).toThrow(RangeError);
  });

  it('agrees with a Map for any mix of sets, gets and deletes, colliding keys included', () => {
    // Capacity 20 gives 64 buckets. Keys homed at buckets 62, 63, 0 and 1 (five each, never more
    // than 20 live) build runs that wrap past the end and collide across the wrap.
    const key = fc
      .tuple(fc.constantFrom(62, 63, 0, 1), fc.integer({ min: 0, max: 4 }))
      .map(([home, i]) => i * 2 ** 32 + home);
    const op = fc.oneof(
      fc.record({ set: key, value: fc.integer({ min: 0, max: 1e9 }) }),
      fc.record({ get: key }),
      fc.record({ del: key }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const t = createNumberTable(20);
        const m = new Map<number, number>();
        for (const o of ops) {
          if ('set' in o) {
            t.set(o.set, o.value);
            m.set(o.set, o.value);
          } else if ('get' in o) {
            expect(t.get(o.get)).toBe(m.get(o.get) ?? -1);
          } else {
            expect(t.delete(o.del)).toBe(m.delete(o.del));
          }
          expect(t.size).toBe(m.size);
        }
        for (const [k, v] of m) expect(t.get(k)).toBe(v);
      }),
      { numRuns: 500 },
    );
  });
});
