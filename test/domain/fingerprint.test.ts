import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/domain/fingerprint.js';

describe('fingerprint', () => {
  it('is the same for equal content and ignores undefined properties, as JSON does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(fingerprint(structuredClone(v))).toBe(fingerprint(v));
      }),
    );
    expect(fingerprint({ a: 1, b: undefined })).toBe(fingerprint({ a: 1 }));
  });

  it('tells apart values that only differ in structure, type or one leaf', () => {
    const distinct = [
      { a: 'bc' },
      { ab: 'c' },
      { a: ['b', 'c'] },
      { a: ['bc'] },
      { a: 1 },
      { a: '1' },
      { a: true },
      { a: 'true' },
      { a: null },
      {},
      { a: {} },
      { a: [] },
      { a: { b: 'c' } },
      { a: 'b', c: '' },
      { a: 0 },
      { a: -0.5 },
    ];
    expect(new Set(distinct.map(fingerprint)).size).toBe(distinct.length);
  });

  it('changes when any one field of an event changes (property)', () => {
    const event = {
      eventId: 'e1',
      type: 'PAYMENT',
      account: { id: 'user-1', emailToken: 'em_x' },
      payment: { amountMinor: 1299, currency: 'EUR', cardToken: 'ca_y' },
      network: { ip: '203.0.113.7', isProxy: false },
      device: { id: 'dev-1', confidence: 0.98, bot: false },
      attributes: { cvv_result: 'M' },
    };
    const base = fingerprint(event);
    const paths = [
      ['type'],
      ['account', 'id'],
      ['payment', 'amountMinor'],
      ['payment', 'cardToken'],
      ['network', 'isProxy'],
      ['device', 'confidence'],
      ['attributes', 'cvv_result'],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(fc.string(), fc.double(), fc.boolean()),
        (path, value) => {
          const copy = structuredClone(event) as unknown as Record<string, Record<string, unknown>>;
          const [a, b] = path;
          const before = b === undefined ? copy[a] : copy[a]?.[b];
          fc.pre(!Object.is(before, value));
          if (b === undefined) (copy as Record<string, unknown>)[a] = value;
          else (copy[a] as Record<string, unknown>)[b] = value;
          expect(fingerprint(copy)).not.toBe(base);
        },
      ),
    );
  });
});
