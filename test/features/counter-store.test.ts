import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import { entityKey } from '../../src/features/counter-store.js';
import { createCounterStore, DEFAULT_WINDOWS, type EntitySpec } from '../../src/features/index.js';

const ENTITY: EntitySpec = {
  name: 'card',
  key: (e) => e.payment?.cardToken,
  distinct: [{ name: 'devices', of: (e) => e.device.id, cap: 3, window: '24h' }],
};

const event = (card: string, device = 'd1', amountMinor = 1000): RiskEvent => ({
  eventId: 'x',
  type: 'PAYMENT',
  account: {},
  payment: { amountMinor, currency: 'USD', cardToken: card },
  network: { isProxy: false },
  device: { id: device, emulator: false, rooted: false, bot: false, incognito: false },
  attributes: {},
});

const read = (store: ReturnType<typeof createCounterStore>, e: RiskEvent, t: number) => {
  const out = new Float64Array(store.featureNames.length);
  store.hydrate(e, t, out, 0);
  return Object.fromEntries(store.featureNames.map((n, i) => [n, out[i]]));
};

const H = 3_600_000;
const T = Date.parse('2026-11-21T00:00:00Z');

describe('counter store', () => {
  it('excludes the event being decided: a first charge sees zero, and no age', () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 100 });
    const f = read(store, event('c1'), T);
    expect(f['card.count_1h']).toBe(0);
    expect(Number.isNaN(f['card.age_s'])).toBe(true);
  });

  it('counts, sums and tags outcomes per window', () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 100 });
    store.commit(event('c1'), T, { amountUsd: 1000, decision: 'ALLOW' });
    store.commit(event('c1'), T + 10 * 60_000, { amountUsd: 2500, decision: 'BLOCK' });
    const f = read(store, event('c1'), T + 20 * 60_000);
    expect(f['card.count_1h']).toBe(2);
    expect(f['card.sum_usd_1h']).toBe(3500);
    expect(f['card.blocked_1h']).toBe(1);
    expect(f['card.count_24h']).toBe(2);
    expect(f['card.age_s']).toBe(1200);
    // Two hours on, the 1 h window is empty while 24 h still holds both.
    const later = read(store, event('c1'), T + 2 * H);
    expect(later['card.count_1h']).toBe(0);
    expect(later['card.count_24h']).toBe(2);
    expect(read(store, event('c1'), T + 25 * H)['card.count_24h']).toBe(0);
  });

  it('keeps kinds apart: the same key string as a card and as a device are two entities', () => {
    const DEVICE: EntitySpec = { name: 'device', key: (e) => e.device.id, distinct: [] };
    const store = createCounterStore({
      entities: [ENTITY, DEVICE],
      windows: DEFAULT_WINDOWS,
      maxEntities: 100,
    });
    for (let i = 0; i < 3; i++) store.commit(event('same', 'other'), T, { amountUsd: 0, decision: 'ALLOW' });
    store.commit(event('c9', 'same'), T, { amountUsd: 0, decision: 'ALLOW' });
    const f = read(store, event('same', 'same'), T + 1000);
    expect(f['card.count_1h']).toBe(3);
    expect(f['device.count_1h']).toBe(1);
    expect(store.stats().entities).toBe(4);
  });

  it('gives entity keys a different hash per kind and the same one for the same kind and key', () => {
    expect(entityKey(0, 'k')).toBe(entityKey(0, 'k'));
    expect(entityKey(0, 'k')).not.toBe(entityKey(1, 'k'));
    expect(entityKey(0, 'k')).not.toBe(entityKey(0, 'k2'));
    expect(Number.isSafeInteger(entityKey(3, 'any key'))).toBe(true);
  });

  it('marks a missing key as missing (NaN), not zero', () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 100 });
    const e = { ...event('c1'), payment: undefined };
    expect(Number.isNaN(read(store, e, T)['card.count_1h'])).toBe(true);
  });

  it('caps distinct sets, evicting the value seen longest ago', () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 100 });
    for (let i = 0; i < 5; i++)
      store.commit(event('c1', `d${i}`), T + i * 1000, { amountUsd: 0, decision: 'ALLOW' });
    expect(read(store, event('c1'), T + 10_000)['card.devices_24h']).toBe(3);
  });

  it('bounds memory: past the ceiling the least recently used entity is evicted and counted', () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 10 });
    for (let i = 0; i < 25; i++) store.commit(event(`c${i}`), T, { amountUsd: 0, decision: 'ALLOW' });
    expect(store.stats()).toEqual({ entities: 10, evictions: 15, maxEntities: 10 });
    expect(read(store, event('c0'), T)['card.count_1h']).toBe(0);
    expect(read(store, event('c24'), T)['card.count_1h']).toBe(1);
  });

  it("gives an evicted entity's slot to the next one zeroed: no counts, distinct values or age carry over", () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 1000 });
    for (let i = 0; i < 5; i++)
      store.commit(event('old', `d${i}`, 5000), T - 2 * H + i, { amountUsd: 5000, decision: 'BLOCK' });
    const full = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 1000 });
    for (let i = 0; i < 1000; i++) full.commit(event(`c${i}`), T, { amountUsd: 100, decision: 'BLOCK' });
    // Each new card evicts the oldest and takes its slot; the newcomers must start from nothing.
    for (let i = 0; i < 50; i++) {
      const fresh = read(full, event(`new${i}`), T + 1);
      expect(fresh['card.count_24h']).toBe(0);
      full.commit(event(`new${i}`, 'dx'), T + 1, { amountUsd: 7, decision: 'ALLOW' });
      const after = read(full, event(`new${i}`), T + 2);
      expect(after).toMatchObject({
        'card.count_24h': 1,
        'card.sum_usd_24h': 7,
        'card.blocked_24h': 0,
        'card.devices_24h': 1,
        'card.age_s': 0.001,
      });
    }
    expect(full.stats().evictions).toBe(50);
    expect(read(store, event('old'), T)['card.blocked_24h']).toBe(5);
  });

  it('does not write into a slot that was evicted and reused while a decision was in flight', () => {
    const store = createCounterStore({ entities: [ENTITY], windows: DEFAULT_WINDOWS, maxEntities: 2 });
    const allow = { amountUsd: 1, decision: 'ALLOW' } as const;
    store.commit(event('a'), T, allow);
    const out = new Float64Array(store.featureNames.length);
    const touched = store.hydrate(event('a'), T + 1, out, 0); // decision for card a starts...
    store.commit(event('b'), T + 2, allow);
    store.commit(event('c'), T + 3, allow); // a was just read and is spared; b is evicted
    store.commit(event('d'), T + 4, allow); // now a is evicted...
    store.commit(event('e'), T + 5, allow); // ...and e is given a's old slot
    store.commit(event('a'), T + 6, { amountUsd: 9, decision: 'BLOCK' }, touched); // ...then a commits
    expect(read(store, event('e'), T + 7)).toMatchObject({ 'card.count_1h': 1, 'card.blocked_1h': 0 });
    expect(read(store, event('a'), T + 7)).toMatchObject({ 'card.count_1h': 1, 'card.blocked_1h': 1 });
  });

  it('agrees with a brute-force count to within one bucket (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 * H }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 3 * H }),
        (offsets, q) => {
          const store = createCounterStore({
            entities: [ENTITY],
            windows: DEFAULT_WINDOWS,
            maxEntities: 100,
          });
          const times = [...offsets].sort((a, b) => a - b).map((o) => T + o);
          for (const t of times) store.commit(event('c1'), t, { amountUsd: 1, decision: 'ALLOW' });
          const now = T + Math.max(q, (times.at(-1) as number) - T);
          const got = read(store, event('c1'), now)['card.count_1h'] as number;
          const bucket = 5 * 60_000;
          // Exact count over the last hour, and over the last hour plus the partial oldest bucket.
          const lower = times.filter((t) => t > now - H + bucket && t <= now).length;
          const upper = times.filter((t) => t > now - H - bucket && t <= now).length;
          return got >= lower && got <= upper;
        },
      ),
      { numRuns: 300 },
    );
  });
});
