import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEntityIndex } from '../../src/features/entity-index.js';

/** Keys sharing their low 32 bits all hash to the same home bucket: worst-case probe runs. */
const clashing = (i: number) => i * 2 ** 32 + 7;

describe('entity index', () => {
  it('stores and finds values, and reports absent keys', () => {
    const idx = createEntityIndex(100, () => {});
    idx.insert(42, 1);
    idx.insert(2 ** 52 + 5, 2);
    idx.insert(0, 3);
    expect([idx.get(42), idx.get(2 ** 52 + 5), idx.get(0), idx.get(43)]).toEqual([1, 2, 3, undefined]);
    expect(idx.size).toBe(3);
  });

  it('evicts entries never read again in insertion order, handing their values over', () => {
    const evicted: number[] = [];
    const idx = createEntityIndex(10, (v) => evicted.push(v));
    for (let i = 0; i < 25; i++) idx.insert(1000 + i, i);
    expect(evicted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect([idx.size, idx.evictions]).toEqual([10, 15]);
    for (let i = 0; i < 15; i++) expect(idx.get(1000 + i)).toBeUndefined();
    for (let i = 15; i < 25; i++) expect(idx.get(1000 + i)).toBe(i);
  });

  it('gives a second chance: an entry read since the hand passed survives the next eviction', () => {
    const evicted: number[] = [];
    const idx = createEntityIndex(4, (v) => evicted.push(v));
    for (let i = 0; i < 4; i++) idx.insert(i, i);
    expect(idx.get(0)).toBe(0); // used: spared once
    idx.insert(10, 10);
    expect(evicted).toEqual([1]);
    expect(idx.get(0)).toBe(0);
    idx.insert(11, 11);
    idx.insert(12, 12);
    expect(evicted).toEqual([1, 2, 3]);
    // 0 was read again after its bit was cleared, so it is spared once more; 10 goes next.
    idx.insert(13, 13);
    expect(evicted).toEqual([1, 2, 3, 10]);
    expect(idx.get(0)).toBe(0);
  });

  it('finds every key after evictions shift long runs of colliding keys', () => {
    const evicted: number[] = [];
    const idx = createEntityIndex(16, (v) => evicted.push(v));
    for (let i = 0; i < 200; i++) {
      idx.insert(clashing(i), i);
      if (i % 3 === 0) idx.get(clashing(i));
    }
    const present = new Set(Array.from({ length: 200 }, (_, i) => i).filter((i) => !evicted.includes(i)));
    expect(present.size).toBe(16);
    for (let i = 0; i < 200; i++) expect(idx.get(clashing(i))).toBe(present.has(i) ? i : undefined);
  });

  it('agrees with a map of what was inserted and not evicted, for any mix of operations', () => {
    const op = fc.oneof(
      fc.record({ get: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ insert: fc.integer({ min: 0, max: 60 }), clash: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 400 }), (max, ops) => {
        const model = new Map<number, number>();
        const keyOf = new Map<number, number>(); // value -> key, values are unique
        let evictions = 0;
        const idx = createEntityIndex(max, (v) => {
          const k = keyOf.get(v);
          if (k === undefined || !model.has(k)) throw new Error(`evicted unknown value ${v}`);
          model.delete(k);
          evictions++;
        });
        let nextValue = 0;
        for (const o of ops) {
          if ('get' in o) {
            const k = clashing(o.get);
            expect(idx.get(k)).toBe(model.get(k));
          } else {
            const k = o.clash ? clashing(o.insert) : o.insert * 7919 + 1;
            if (model.has(k)) continue; // insert is for absent keys
            const v = nextValue++;
            keyOf.set(v, k);
            idx.insert(k, v);
            model.set(k, v);
          }
          expect(idx.size).toBe(model.size);
          expect(idx.size).toBeLessThanOrEqual(max);
        }
        expect(idx.evictions).toBe(evictions);
        for (const [k, v] of model) expect(idx.get(k)).toBe(v);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a size it cannot hold', () => {
    expect(() => createEntityIndex(0, () => {})).toThrow(RangeError);
    expect(() => createEntityIndex(1.5, () => {})).toThrow(RangeError);
    expect(() => createEntityIndex(2 ** 29, () => {})).toThrow(RangeError);
  });
});
