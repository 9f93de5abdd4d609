import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action, RiskEvent } from '../../src/domain/index.js';
import { entityKey } from '../../src/features/counter-store.js';
import {
  type CounterStore,
  createCounterStore,
  type FeaturePlan,
  WINDOWS,
} from '../../src/features/index.js';
import { featurePlan } from '../helpers.js';

/** A card entity with the default metrics over 1h and 24h, and a distinct device count capped at 3. */
const CARD = {
  name: 'card',
  key: 'card.token',
  windows: ['1h', '24h'],
  metrics: { count: 'count', sum_usd: { op: 'sum', of: 'amount_usd' }, blocked: 'blocked' },
  distinct: { devices: { of: 'device.id', cap: 3, window: '24h' } },
};
const PLAN = featurePlan({ entities: [CARD] });

const event = (
  card: string,
  device = 'd1',
  amountMinor = 1000,
  extra: Partial<RiskEvent> = {},
): RiskEvent => ({
  eventId: 'x',
  type: 'PAYMENT',
  account: {},
  payment: { amountMinor, currency: 'USD', cardToken: card },
  network: { isProxy: false },
  device: { id: device, emulator: false, rooted: false, bot: false, incognito: false },
  attributes: {},
  ...extra,
});

const store = (plan: FeaturePlan = PLAN, maxEntities = 100) => createCounterStore({ plan, maxEntities });

/** The entity features of `e` at `t`, by name. */
const read = (s: CounterStore, e: RiskEvent, t: number): Record<string, number> => {
  const out = new Float64Array(s.plan.schema.size);
  s.hydrate(e, t, out, s.plan.entityOffset);
  const names = s.plan.entities.flatMap((x) => x.featureNames);
  return Object.fromEntries(names.map((n, i) => [n, out[s.plan.entityOffset + i] as number]));
};
const ok = (decision: Action = 'ALLOW') => ({ decision });

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T = Date.parse('2026-11-21T00:00:00Z');

describe('counter store', () => {
  it('excludes the event being decided: a first charge sees zero, no age, and is new', () => {
    const f = read(store(), event('c1'), T);
    expect(f['card.count_1h']).toBe(0);
    expect(f['card.is_new']).toBe(1);
    expect(Number.isNaN(f['card.age_s'])).toBe(true);
    expect(Number.isNaN(f['card.last_seen_s'])).toBe(true);
  });

  it('counts, sums and tags outcomes per window', () => {
    const s = store();
    s.commit(event('c1', 'd1', 1000), T, ok());
    s.commit(event('c1', 'd1', 2500), T + 10 * M, ok('BLOCK'));
    const f = read(s, event('c1'), T + 20 * M);
    expect(f).toMatchObject({
      'card.count_1h': 2,
      'card.sum_usd_1h': 35,
      'card.blocked_1h': 1,
      'card.count_24h': 2,
      'card.age_s': 1200,
      'card.last_seen_s': 600,
      'card.is_new': 0,
    });
    // Two hours on, the 1 h window is empty while 24 h still holds both.
    const later = read(s, event('c1'), T + 2 * H);
    expect(later['card.count_1h']).toBe(0);
    expect(later['card.count_24h']).toBe(2);
    expect(read(s, event('c1'), T + 25 * H)['card.count_24h']).toBe(0);
  });

  it('keeps min, max, avg and counts by decision, each in its own windows', () => {
    const plan = featurePlan({
      entities: [
        {
          name: 'card',
          key: 'card.token',
          windows: ['5m', '1h'],
          metrics: {
            min_usd: { op: 'min', of: 'amount_usd' },
            max_usd: { op: 'max', of: 'amount_usd' },
            avg_usd: { op: 'avg', of: 'amount_usd' },
            allowed: 'allowed',
            reviewed: { op: 'reviewed', windows: ['1h'] },
            challenged: 'challenged',
            blocked: 'blocked',
          },
        },
      ],
    });
    const s = store(plan);
    s.commit(event('c', 'd', 500), T, ok());
    s.commit(event('c', 'd', 9000), T + 1 * M, ok('REVIEW'));
    s.commit(event('c', 'd', 2500), T + 10 * M, ok('CHALLENGE'));
    s.commit(event('c', 'd', 4000), T + 11 * M, ok('BLOCK'));
    const f = read(s, event('c'), T + 12 * M);
    expect(f).toMatchObject({
      'card.min_usd_1h': 5,
      'card.max_usd_1h': 90,
      'card.avg_usd_1h': 40,
      'card.allowed_1h': 1,
      'card.reviewed_1h': 1,
      'card.challenged_1h': 1,
      'card.blocked_1h': 1,
      // The 5-minute window holds the last two only.
      'card.min_usd_5m': 25,
      'card.max_usd_5m': 40,
      'card.avg_usd_5m': 32.5,
      'card.allowed_5m': 0,
    });
    expect(f['card.reviewed_5m']).toBeUndefined();
    // An entity whose window holds nothing has no min, max or avg (missing), and zero counts.
    const empty = read(s, event('c'), T + 30 * M);
    expect(Number.isNaN(empty['card.min_usd_5m'])).toBe(true);
    expect(Number.isNaN(empty['card.avg_usd_5m'])).toBe(true);
    expect(empty['card.allowed_5m']).toBe(0);
    // A missing value adds nothing to a value metric but still counts as a decision.
    s.commit(
      { ...event('c'), payment: { amountMinor: 1, currency: 'XXX', cardToken: 'c' } },
      T + 31 * M,
      ok(),
    );
    const after = read(s, event('c'), T + 31 * M);
    expect(Number.isNaN(after['card.min_usd_5m'])).toBe(true);
    expect(after['card.allowed_5m']).toBe(1);
  });

  it('keys compound entities by every part, and not at all when a part is missing', () => {
    const plan = featurePlan({
      entities: [
        { name: 'user_device', key: ['user.id', 'device.id'], windows: ['24h'], metrics: { count: 'count' } },
      ],
    });
    const s = store(plan);
    const ev = (user: string | undefined, device: string) => ({
      ...event('c', device),
      account: { id: user },
    });
    s.commit(ev('u1', 'd1'), T, ok());
    s.commit(ev('u1', 'd2'), T, ok());
    expect(read(s, ev('u1', 'd1'), T + 1)['user_device.count_24h']).toBe(1);
    expect(read(s, ev('u2', 'd1'), T + 1)['user_device.is_new']).toBe(1);
    expect(Number.isNaN(read(s, ev(undefined, 'd1'), T + 1)['user_device.count_24h'])).toBe(true);
  });

  it('aggregates a declared numeric attribute and keys on a declared string one', () => {
    const plan = featurePlan({
      attributes: { balance: 'number', tier: 'string' },
      entities: [
        {
          name: 'tier',
          key: 'attr.tier',
          windows: ['1h'],
          metrics: { balance_max: { op: 'max', of: 'attr.balance' } },
        },
      ],
    });
    const s = store(plan);
    const ev = (balance: number) => event('c', 'd', 1, { attributes: { tier: 'gold' }, typed: { balance } });
    s.commit(ev(120.5), T, ok());
    s.commit(ev(80), T + 1, ok());
    expect(read(s, ev(0), T + 2)['tier.balance_max_1h']).toBe(120.5);
  });

  it('keeps kinds apart: the same key string as a card and as a device are two entities', () => {
    const plan = featurePlan({
      entities: [CARD, { name: 'device', key: 'device.id', windows: ['1h'], metrics: { count: 'count' } }],
    });
    const s = store(plan);
    for (let i = 0; i < 3; i++) s.commit(event('same', 'other'), T, ok());
    s.commit(event('c9', 'same'), T, ok());
    const f = read(s, event('same', 'same'), T + 1000);
    expect(f['card.count_1h']).toBe(3);
    expect(f['device.count_1h']).toBe(1);
    expect(s.stats().entities).toBe(4);
  });

  it('gives entity keys a different hash per kind seed and the same one for the same seed and key', () => {
    expect(entityKey(0, 'k')).toBe(entityKey(0, 'k'));
    expect(entityKey(0, 'k')).not.toBe(entityKey(1, 'k'));
    expect(entityKey(0, 'k')).not.toBe(entityKey(0, 'k2'));
    expect(Number.isSafeInteger(entityKey(3, 'any key'))).toBe(true);
  });

  it('marks a missing key as missing (NaN), not zero', () => {
    const e = { ...event('c1'), payment: undefined };
    const f = read(store(), e, T);
    expect(Number.isNaN(f['card.count_1h'])).toBe(true);
    expect(Number.isNaN(f['card.is_new'])).toBe(true);
  });

  it('caps distinct sets, evicting the value seen longest ago', () => {
    const s = store();
    for (let i = 0; i < 5; i++) s.commit(event('c1', `d${i}`), T + i * 1000, ok());
    expect(read(s, event('c1'), T + 10_000)['card.devices_24h']).toBe(3);
  });

  it('bounds memory: past the ceiling the least recently used entity is evicted and counted', () => {
    const s = store(PLAN, 10);
    for (let i = 0; i < 25; i++) s.commit(event(`c${i}`), T, ok());
    expect(s.stats()).toEqual({ entities: 10, evictions: 15, maxEntities: 10 });
    expect(read(s, event('c0'), T)['card.count_1h']).toBe(0);
    expect(read(s, event('c24'), T)['card.count_1h']).toBe(1);
  });

  it("gives an evicted entity's slot to the next one cleared: no counts, distinct values or age carry over", () => {
    const full = store(PLAN, 1000);
    for (let i = 0; i < 1000; i++) full.commit(event(`c${i}`, `d${i}`, 10_000), T, ok('BLOCK'));
    for (let i = 0; i < 50; i++) {
      expect(read(full, event(`new${i}`), T + 1)['card.count_24h']).toBe(0);
      full.commit(event(`new${i}`, 'dx', 700), T + 1, ok());
      expect(read(full, event(`new${i}`), T + 2)).toMatchObject({
        'card.count_24h': 1,
        'card.sum_usd_24h': 7,
        'card.blocked_24h': 0,
        'card.devices_24h': 1,
        'card.age_s': 0.001,
      });
    }
    expect(full.stats().evictions).toBe(50);
  });

  it('does not write into a slot that was evicted and reused while a decision was in flight', () => {
    const s = store(PLAN, 2);
    s.commit(event('a'), T, ok());
    const out = new Float64Array(PLAN.schema.size);
    const touched = s.hydrate(event('a'), T + 1, out, PLAN.entityOffset); // decision for card a starts...
    s.commit(event('b'), T + 2, ok());
    s.commit(event('c'), T + 3, ok()); // a was just read and is spared; b is evicted
    s.commit(event('d'), T + 4, ok()); // now a is evicted...
    s.commit(event('e'), T + 5, ok()); // ...and e is given a's old slot
    s.commit(event('a'), T + 6, ok('BLOCK'), touched); // ...then a commits
    expect(read(s, event('e'), T + 7)).toMatchObject({ 'card.count_1h': 1, 'card.blocked_1h': 0 });
    expect(read(s, event('a'), T + 7)).toMatchObject({ 'card.count_1h': 1, 'card.blocked_1h': 1 });
  });

  it('counts an out-of-order event in the bucket of its own time', () => {
    const s = store();
    s.commit(event('c'), T + 50 * M, ok());
    s.commit(event('c'), T + 5 * M, ok()); // 45 minutes late: still inside the 1 h ring
    s.commit(event('c'), T - 2 * H, ok()); // older than the 1 h ring: the 24 h window only
    expect(read(s, event('c'), T + 50 * M)).toMatchObject({ 'card.count_1h': 2, 'card.count_24h': 3 });
    // The late event expires with its own bucket, before the one that arrived first.
    expect(read(s, event('c'), T + 66 * M)).toMatchObject({ 'card.count_1h': 1 });
  });
});

describe('window edges', () => {
  // For each window: an event at T is counted until the window's length has passed less one bucket
  // at most, and never once the whole length has passed.
  for (const spec of Object.values(WINDOWS)) {
    it(`${spec.label}: ${spec.buckets} buckets of ${spec.bucketMs / 1000} s`, () => {
      const plan = featurePlan({
        entities: [{ name: 'card', key: 'card.token', windows: [spec.label], metrics: { count: 'count' } }],
      });
      const name = `card.count_${spec.label}`;
      const length = spec.bucketMs * spec.buckets;
      // Event at the start of a bucket: it stays for the whole length less nothing.
      const t0 = Math.ceil(T / spec.bucketMs) * spec.bucketMs;
      const at = (dt: number) => {
        const s = store(plan);
        s.commit(event('c'), t0, ok());
        return read(s, event('c'), t0 + dt)[name];
      };
      expect(at(0)).toBe(1);
      expect(at(length - spec.bucketMs)).toBe(1);
      expect(at(length - 1)).toBe(1);
      expect(at(length)).toBe(0);
      // Event at the end of a bucket: it goes as soon as its bucket leaves, within one bucket early.
      const late = (dt: number) => {
        const s = store(plan);
        s.commit(event('c'), t0 + spec.bucketMs - 1, ok());
        return read(s, event('c'), t0 + spec.bucketMs - 1 + dt)[name];
      };
      expect(late(length - spec.bucketMs)).toBe(1);
      expect(late(length - spec.bucketMs + 1)).toBe(0);
    });
  }
});

describe('agrees with an exact-timestamp reference within one bucket (property)', () => {
  const windows = Object.keys(WINDOWS);
  const plan = featurePlan({
    entities: [
      {
        name: 'card',
        key: 'card.token',
        windows,
        metrics: {
          count: 'count',
          sum: { op: 'sum', of: 'amount_minor' },
          min: { op: 'min', of: 'amount_minor' },
          max: { op: 'max', of: 'amount_minor' },
          avg: { op: 'avg', of: 'amount_minor' },
          blocked: 'blocked',
          allowed: 'allowed',
        },
        distinct: Object.fromEntries(
          windows.map((w) => [`devices_in_${w}`, { of: 'device.id', cap: 64, window: w }]),
        ),
      },
    ],
  });
  const spans = [2 * M, 15 * M, 3 * H, 3 * 24 * H, 10 * 24 * H, 40 * 24 * H];
  for (const span of spans) {
    it(`over random streams spanning ${span / M} minutes`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              at: fc.integer({ min: 0, max: span }),
              amount: fc.integer({ min: 1, max: 10_000 }),
              device: fc.integer({ min: 0, max: 40 }),
              blocked: fc.boolean(),
            }),
            { minLength: 1, maxLength: 60 },
          ),
          fc.integer({ min: 0, max: span }),
          (raw, q) => {
            const s = store(plan);
            const evs = [...raw].sort((a, b) => a.at - b.at).map((r) => ({ ...r, t: T + r.at }));
            for (const r of evs)
              s.commit(event('c', `d${r.device}`, r.amount), r.t, ok(r.blocked ? 'BLOCK' : 'ALLOW'));
            const now = Math.max(T + q, (evs.at(-1) as { t: number }).t);
            const f = read(s, event('c'), now);
            for (const w of Object.values(WINDOWS)) {
              const len = w.bucketMs * w.buckets;
              const sure = evs.filter((r) => r.t > now - len + w.bucketMs && r.t <= now);
              const maybe = evs.filter((r) => r.t > now - len && r.t <= now);
              const between = (got: number, lo: number, hi: number) => got >= lo && got <= hi;
              const sum = (xs: typeof evs) => xs.reduce((a, r) => a + r.amount, 0);
              const l = w.label;
              if (!between(f[`card.count_${l}`] as number, sure.length, maybe.length)) return false;
              if (!between(f[`card.sum_${l}`] as number, sum(sure), sum(maybe))) return false;
              const blocked = (xs: typeof evs) => xs.filter((r) => r.blocked).length;
              if (!between(f[`card.blocked_${l}`] as number, blocked(sure), blocked(maybe))) return false;
              if (
                f[`card.allowed_${l}`] !==
                (f[`card.count_${l}`] as number) - (f[`card.blocked_${l}`] as number)
              )
                return false;
              const min = f[`card.min_${l}`] as number;
              const max = f[`card.max_${l}`] as number;
              const count = f[`card.count_${l}`] as number;
              if (count === 0) {
                if (!Number.isNaN(min) || !Number.isNaN(max) || !Number.isNaN(f[`card.avg_${l}`]))
                  return false;
              } else {
                const lo = (xs: typeof evs) => Math.min(...xs.map((r) => r.amount));
                const hi = (xs: typeof evs) => Math.max(...xs.map((r) => r.amount));
                if (!between(min, lo(maybe), sure.length ? lo(sure) : Number.POSITIVE_INFINITY)) return false;
                if (!between(max, sure.length ? hi(sure) : 0, hi(maybe))) return false;
                const avg = f[`card.avg_${l}`] as number;
                if (Math.abs(avg - (f[`card.sum_${l}`] as number) / count) > 1e-9 * avg) return false;
              }
              // Distinct values: exact by last-seen second, under the cap.
              const nowS = Math.floor(now / 1000);
              const lastSeen = new Map<number, number>();
              for (const r of evs) lastSeen.set(r.device, Math.floor(r.t / 1000));
              const exact = [...lastSeen.values()].filter(
                (sec) => sec > nowS - len / 1000 && sec <= nowS,
              ).length;
              if (f[`card.devices_in_${l}_${l}`] !== exact) return false;
            }
            return true;
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe('bundle changes', () => {
  it('carries over unchanged (entity, metric, window) triples, starts new ones empty and drops removed ones', () => {
    const before = featurePlan({
      entities: [
        CARD,
        { name: 'device', key: 'device.id', windows: ['1h'], metrics: { count: 'count' } },
        { name: 'ip', key: 'ip', windows: ['1h'], metrics: { count: 'count' } },
      ],
    });
    const s = store(before);
    const ev = (i: number) => ({
      ...event('c1', 'd1', 1000 * (i + 1)),
      network: { isProxy: false, ip: '10.0.0.1' },
    });
    // 20 minutes apart: the 1 h window spans buckets and has a ring, the 24 h one does not.
    for (let i = 0; i < 3; i++) s.commit(ev(i), T + i * 20 * M, ok(i === 0 ? 'BLOCK' : 'ALLOW'));
    const after = featurePlan({
      entities: [
        {
          ...CARD,
          windows: ['1h', '24h', '7d'], // 7d is new
          metrics: {
            count: 'count',
            sum_usd: { op: 'sum', of: 'amount_usd' },
            max_usd: { op: 'max', of: 'amount_usd' },
          },
        },
        { name: 'device', key: 'device.token_changed_to_user', windows: ['1h'], metrics: { count: 'count' } },
      ].map((e) => (e.name === 'device' ? { ...e, key: 'user.id' } : e)),
    });
    const moved = s.migrate(after);
    const f = read(moved, ev(3), T + 50 * M);
    expect(f).toMatchObject({
      'card.count_1h': 3,
      'card.count_24h': 3,
      'card.sum_usd_1h': 60,
      'card.count_7d': 0, // new window: empty
      'card.devices_24h': 1,
      'card.age_s': 3000,
    });
    expect(Number.isNaN(f['card.max_usd_1h'])).toBe(true); // new metric: empty
    expect(f['card.blocked_1h']).toBeUndefined(); // removed metric: gone
    expect(f['ip.count_1h']).toBeUndefined(); // removed entity: gone
    // The device kind's key changed (user.id now): its counters did not carry over.
    expect(moved.stats().entities).toBe(1);
    // New windows and metrics count from here on; the old store is untouched.
    moved.commit(ev(3), T + 10 * M, ok());
    expect(read(moved, ev(4), T + 11 * M)).toMatchObject({
      'card.count_7d': 1,
      'card.max_usd_1h': 40,
      'card.count_1h': 4,
    });
    expect(read(s, ev(4), T + 11 * M)['card.count_1h']).toBe(3);
  });

  it('exports its state and imports it into an empty store with the same or another plan', () => {
    const s = store(PLAN, 1000);
    for (let i = 0; i < 1500; i++)
      s.commit(event(`c${i % 1200}`, `d${i % 7}`, 100 + i), T + i * S, ok(i % 5 ? 'ALLOW' : 'BLOCK'));
    const state = s.exportState();
    // Through bytes, as a snapshot file would carry them.
    const parts = state.parts.map((p) => Buffer.from(p.slice()));
    const header = JSON.parse(JSON.stringify(state.header)) as Record<string, unknown>;
    const same = store(PLAN, 1000);
    same.importState({ header, parts });
    const probeAt = T + 1600 * S;
    for (const c of ['c0', 'c299', 'c1199', 'c250'])
      expect(read(same, event(c), probeAt)).toEqual(read(s, event(c), probeAt));
    expect(same.stats().entities).toBe(s.stats().entities);
    const other = store(featurePlan({ entities: [{ ...CARD, metrics: { count: 'count' } }] }), 1000);
    other.importState({ header, parts });
    expect(read(other, event('c1199'), probeAt)['card.count_1h']).toBe(
      read(s, event('c1199'), probeAt)['card.count_1h'],
    );
  });
});
