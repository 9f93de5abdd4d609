import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Action, OUTCOME_TYPES, type OutcomeType, type RiskEvent } from '../../src/domain/index.js';
import {
  type CounterStore,
  createCounterStore,
  createRedisClient,
  createRedisCounterStore,
  type FeaturePlan,
  type RedisClient,
  type RedisCounterStore,
  redisReady,
} from '../../src/features/index.js';
import { defaultFeaturePlan, featurePlan } from '../helpers.js';
import {
  deletePrefix,
  type RedisCluster,
  SHARED_REDIS_URL,
  startRedisCluster,
  uniquePrefix,
} from '../redis-servers.js';

/**
 * One contract, three backends: every store must give exactly the feature values the in-memory
 * store gives (the reference) for the same plan and the same events, and carry the same counters
 * over a plan change.
 */

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T = Date.parse('2026-11-21T00:00:00Z');

/** Every op, short and long windows, a capped distinct set, a compound key. */
const PLAN_A = featurePlan({
  entities: [
    {
      name: 'card',
      key: 'card.token',
      windows: ['1m', '5m', '1h', '24h'],
      metrics: {
        count: 'count',
        sum_usd: { op: 'sum', of: 'amount_usd' },
        min_usd: { op: 'min', of: 'amount_usd', windows: ['5m', '1h'] },
        max_usd: { op: 'max', of: 'amount_usd' },
        avg_usd: { op: 'avg', of: 'amount_usd', windows: ['1h'] },
        blocked: 'blocked',
        reviewed: { op: 'reviewed', windows: ['24h'] },
        disputes: { op: 'outcomes', types: ['CHARGEBACK'], windows: ['24h'] },
        fraud_reports: { op: 'outcomes', windows: ['1h', '24h'] },
      },
      distinct: { devices: { of: 'device.id', cap: 3, window: '1h' } },
    },
    {
      name: 'user_device',
      key: ['user.id', 'device.id'],
      windows: ['5m', '24h'],
      metrics: { count: 'count', allowed: 'allowed', challenged: 'challenged' },
      distinct: { cards: { of: 'card.token', cap: 2, window: '24h' } },
    },
    {
      name: 'user',
      key: 'user.id',
      windows: ['1h', '7d'],
      metrics: { count: 'count', sum_usd: { op: 'sum', of: 'amount_usd' } },
    },
  ],
});

/** A changed section: shared triples carry over, dropped ones go, new ones start empty. */
const PLAN_B = featurePlan({
  entities: [
    {
      name: 'card',
      key: 'card.token',
      windows: ['5m', '1h', '30d'],
      metrics: {
        count: 'count',
        sum_usd: { op: 'sum', of: 'amount_usd' },
        max_usd: { op: 'max', of: 'amount_usd', windows: ['1h'] },
        avg_usd: { op: 'avg', of: 'amount_usd', windows: ['1h', '5m'] },
        declined: 'blocked',
        // Carried over with its counts; the other outcomes metric is dropped.
        fraud_reports: { op: 'outcomes', windows: ['1h', '30d'] },
      },
      distinct: {
        devices: { of: 'device.id', cap: 3, window: '1h' },
        users: { of: 'user.id', cap: 2, window: '24h' },
      },
    },
    {
      name: 'device',
      key: 'device.id',
      windows: ['1h'],
      metrics: { count: 'count' },
    },
    {
      name: 'user',
      key: 'user.id',
      windows: ['1h', '7d'],
      metrics: { count: 'count', sum_usd: { op: 'sum', of: 'amount_usd' } },
    },
  ],
});

interface Step {
  readonly dt: number;
  readonly card: number;
  readonly device: number;
  readonly user: number;
  readonly amount: number;
  readonly decision: Action;
  /** Whether the event names a card (a missing key reads as NaN). */
  readonly hasCard: boolean;
  /** An outcome reported about the event right after it was decided. */
  readonly outcome: OutcomeType | null;
}

const step = (maxJump: number): fc.Arbitrary<Step> =>
  fc.record({
    // Mostly forward, sometimes late (out of order), sometimes a long jump that empties rings.
    dt: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 90 * S }) },
      { weight: 2, arbitrary: fc.integer({ min: -maxJump, max: 0 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: maxJump }) },
    ),
    card: fc.integer({ min: 0, max: 2 }),
    device: fc.integer({ min: 0, max: 4 }),
    user: fc.integer({ min: 0, max: 2 }),
    // Cents with fractions of a dollar: float32 rounding of sums must match to the bit.
    amount: fc.integer({ min: 1, max: 2_000_000 }),
    decision: fc.constantFrom<Action>('ALLOW', 'REVIEW', 'CHALLENGE', 'BLOCK'),
    hasCard: fc.boolean(),
    outcome: fc.option(fc.constantFrom(...OUTCOME_TYPES), { freq: 3 }),
  });

const eventOf = (s: Step, i: number): RiskEvent => ({
  eventId: `e${i}`,
  type: 'PAYMENT',
  account: { id: `u${s.user}` },
  payment: { amountMinor: s.amount, currency: 'USD', ...(s.hasCard ? { cardToken: `c${s.card}` } : {}) },
  network: { isProxy: false },
  device: { id: `d${s.device}`, emulator: false, rooted: false, bot: false, incognito: false },
  attributes: {},
});

const read = async (s: CounterStore, e: RiskEvent, t: number) => {
  const out = new Float64Array(s.plan.schema.size);
  const touched = await s.hydrate(e, t, out, s.plan.entityOffset);
  expect(
    touched.degraded,
    (s as { redisStats?: { lastError?: string } }).redisStats?.lastError,
  ).toBeUndefined();
  return { values: Array.from(out.subarray(s.plan.entityOffset, out.length - 1)), touched };
};

/** Feeds the same steps to both stores, comparing every read; the reference is always memory. */
async function replay(steps: readonly Step[], ref: CounterStore, other: CounterStore, t0: number, from = 0) {
  let t = t0;
  for (const [i, s] of steps.entries()) {
    t += s.dt;
    const e = eventOf(s, from + i);
    const a = await read(ref, e, t);
    const b = await read(other, e, t);
    expect(b.values, `step ${i} at t0+${t - t0} ms`).toEqual(a.values);
    ref.commit(e, t, { decision: s.decision }, a.touched);
    other.commit(e, t, { decision: s.decision }, b.touched);
    if (s.outcome !== null) {
      // Reported a little later, as the outcome desk does: outcome counters only.
      ref.commit(e, t + 1, { decision: s.decision, outcome: s.outcome });
      other.commit(e, t + 1, { decision: s.decision, outcome: s.outcome });
    }
  }
  return t;
}

interface Backend {
  readonly name: string;
  /** A store over `plan` with an empty key space. */
  make(plan: FeaturePlan): CounterStore;
  /** Waits until everything `store` committed so far is applied. */
  settle(store: CounterStore): Promise<void>;
}

const backends: { name: string; setup: () => Promise<Backend>; teardown: () => Promise<void> }[] = [];

// Memory against memory: the contract holds for the reference itself (and for its migrate).
backends.push({
  name: 'memory',
  setup: async () => ({
    name: 'memory',
    make: (plan) => createCounterStore({ plan, maxEntities: 10_000 }),
    settle: async () => {},
  }),
  teardown: async () => {},
});

const redisBackend = (name: string, url: () => string, cleanup: (prefix: string) => Promise<void>) => {
  let client: RedisClient | undefined;
  const prefixes: string[] = [];
  return {
    name,
    async setup(): Promise<Backend> {
      client = createRedisClient(url());
      client.on('error', () => {});
      if (!(await redisReady(client, 10_000))) throw new Error(`${name}: Redis at ${url()} is not reachable`);
      const c = client;
      return {
        name,
        make(plan) {
          const keyPrefix = uniquePrefix(name);
          prefixes.push(keyPrefix);
          return createRedisCounterStore({ client: c, plan, keyPrefix, timeoutMs: 5000 });
        },
        // Commands on one connection (or one node) run in order: a round trip after the commits
        // on every node means they are applied.
        async settle(store) {
          await (store as RedisCounterStore).ready();
          if ('nodes' in c) await Promise.all(c.nodes('master').map((n) => n.ping()));
          else await c.ping();
        },
      };
    },
    async teardown() {
      for (const p of prefixes) await cleanup(p);
      await client?.quit();
    },
  };
};

backends.push(
  redisBackend(
    'redis',
    () => SHARED_REDIS_URL,
    (p) => deletePrefix(SHARED_REDIS_URL, p),
  ),
);
let cluster: RedisCluster | undefined;
backends.push(
  (() => {
    const b = redisBackend(
      'redis-cluster',
      () => cluster?.url ?? '',
      async () => {},
    );
    return {
      name: b.name,
      async setup() {
        cluster = await startRedisCluster(3);
        return b.setup();
      },
      async teardown() {
        await b.teardown();
        await cluster?.stop();
      },
    };
  })(),
);

for (const def of backends) {
  describe(`counter store contract: ${def.name}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await def.setup();
    }, 60_000);
    afterAll(async () => {
      await def.teardown();
    }, 30_000);

    it('gives the memory store’s values over random streams (every op, out-of-order events, caps)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step(3 * H), { minLength: 1, maxLength: 40 }), async (steps) => {
          await replay(
            steps,
            createCounterStore({ plan: PLAN_A, maxEntities: 10_000 }),
            backend.make(PLAN_A),
            T,
          );
        }),
        { numRuns: 25 },
      );
    }, 60_000);

    it('gives the memory store’s values for the default bundle’s features', async () => {
      const plan = defaultFeaturePlan();
      await fc.assert(
        fc.asyncProperty(fc.array(step(2 * H), { minLength: 1, maxLength: 25 }), async (steps) => {
          await replay(steps, createCounterStore({ plan, maxEntities: 10_000 }), backend.make(plan), T);
        }),
        { numRuns: 6 },
      );
    }, 60_000);

    it('carries shared counters over a plan change, as migrate does in memory', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step(H), { minLength: 1, maxLength: 25 }),
          fc.array(step(H), { minLength: 1, maxLength: 25 }),
          async (before, after) => {
            const ref = createCounterStore({ plan: PLAN_A, maxEntities: 10_000 });
            const other = backend.make(PLAN_A);
            const t = await replay(before, ref, other, T);
            await backend.settle(other);
            await replay(after, ref.migrate(PLAN_B), other.migrate(PLAN_B), t, before.length);
          },
        ),
        { numRuns: 15 },
      );
    }, 60_000);

    it('counts, sums and expires a worked example (the reference values, written out)', async () => {
      const s = backend.make(PLAN_A);
      const e = (amount: number, device = 1): RiskEvent =>
        eventOf(
          { dt: 0, card: 1, device, user: 1, amount, decision: 'ALLOW', hasCard: true, outcome: null },
          0,
        );
      s.commit(e(1000), T, { decision: 'ALLOW' });
      s.commit(e(2550, 2), T + 10 * M, { decision: 'BLOCK' });
      // Outcomes reported later count in their metrics only: no count, sum, device or last-seen.
      s.commit(e(9999, 3), T + 15 * M, { decision: 'ALLOW', outcome: 'CHARGEBACK' });
      s.commit(e(9999, 3), T + 16 * M, { decision: 'ALLOW', outcome: 'REFUND' });
      await backend.settle(s);
      const names = PLAN_A.entities.flatMap((x) => x.featureNames);
      const byName = async (t: number) => {
        const { values } = await read(s, e(1), t);
        return Object.fromEntries(names.map((n, i) => [n, values[i]]));
      };
      expect(await byName(T + 20 * M)).toMatchObject({
        'card.count_1h': 2,
        'card.sum_usd_1h': 35.5,
        'card.min_usd_1h': 10,
        'card.max_usd_1h': 25.5,
        'card.avg_usd_1h': 17.75,
        'card.blocked_1h': 1,
        'card.count_24h': 2,
        'card.age_s': 1200,
        'card.last_seen_s': 600,
        'card.is_new': 0,
        'card.devices_1h': 2,
        'card.disputes_24h': 1,
        'card.fraud_reports_1h': 1,
      });
      const later = await byName(T + 2 * H);
      expect(later['card.count_1h']).toBe(0);
      expect(later['card.count_24h']).toBe(2);
      expect(Number.isNaN(later['card.min_usd_1h'])).toBe(true);
    });
  });
}
