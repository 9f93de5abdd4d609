import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import type { Bundle } from '../../src/engine/bundle.js';
import { createDecisionEngine } from '../../src/engine/decision-engine.js';
import { createCounterStore } from '../../src/features/index.js';
import type { ModelScorer } from '../../src/model/index.js';
import { compileRules, createListSet } from '../../src/policies/index.js';
import { defaultFeaturePlan } from '../helpers.js';

const T = Date.parse('2026-11-21T10:00:00Z');
const event = (id: string): RiskEvent => ({
  eventId: id,
  type: 'PAYMENT',
  account: { id: 'u1' },
  payment: { amountMinor: 50_000, currency: 'USD', cardToken: 'ca_1' },
  network: { isProxy: false },
  device: { emulator: false, rooted: false, bot: false, incognito: false },
  attributes: {},
});

function engineWith(
  model: ModelScorer | undefined,
  replayMax?: number,
  extra: Partial<Pick<Bundle, 'scoreThresholds' | 'maxReasons'>> = {},
) {
  const features = defaultFeaturePlan();
  const store = createCounterStore({ plan: features, maxEntities: 100 });
  const lists = createListSet([]);
  const rules = compileRules(
    [
      {
        id: 'big',
        action: 'REVIEW',
        when: 'amount_usd > 100',
        reason: { code: 'big', message: '{amount_usd} USD' },
        score: 0.25,
      },
      {
        id: 'shadow',
        action: 'BLOCK',
        when: 'amount_usd > 100',
        reason: { code: 's', message: 's' },
        mode: 'shadow',
      },
      { id: 'after_model', action: 'BLOCK', when: 'model.score > 0.5', reason: { code: 'm', message: 'm' } },
    ],
    { schema: features.schema, lists, now: () => T },
  );
  if ('errors' in rules) throw new Error('rules');
  const bundle: Bundle = {
    name: 't',
    version: 't@1',
    features,
    maxReasons: 10,
    sequences: [],
    ...extra,
    rules: rules.value,
    deviceChecks: [],
    lists,
    ...(model ? { model } : {}),
  };
  const shadow: string[][] = [];
  const live: string[][] = [];
  // Copies: the observer's vector is only lent for the call.
  const observed: Float64Array[] = [];
  const engine = createDecisionEngine({
    bundle,
    store,
    clock: () => T,
    ...(replayMax !== undefined ? { idempotency: { max: replayMax, ttlMs: 60_000 } } : {}),
    onDecision: (_e, _r, f, s, l) => {
      shadow.push([...s]);
      live.push([...l]);
      observed.push(f.slice());
    },
  });
  return { engine, shadow, live, observed, schema: features.schema };
}

const fakeModel = (score: (f: Float64Array) => Promise<number>): ModelScorer => ({
  version: 'fake-1',
  manifest: {
    version: 'fake-1',
    file: 'x',
    input: 'i',
    output: 'o',
    features: [],
    thresholds: { review: 0.6, block: 0.9 },
  },
  runtime: 'public',
  score,
  scoreBatch: async () => new Float32Array(0),
  close: async () => {},
});

describe('decision engine', () => {
  it('decides by the bundle score thresholds too, the highest tier reached, without weakening a rule', async () => {
    // Model 0.3 + big 0.25 = 0.55: the review tier; the rules alone say REVIEW (big).
    const th = { scoreThresholds: { challenge: 0.2, review: 0.5, block: 0.9 } };
    const r = await engineWith(
      fakeModel(async () => 0.3),
      undefined,
      th,
    ).engine.decide(event('t1'));
    expect(r.score).toBeCloseTo(0.55);
    expect(r.decision).toBe('REVIEW');
    expect(r.reasons.map((x) => x.code)).toEqual(['big', 'score_review']);
    expect(r.reasons[1]).toMatchObject({ source: 'SYSTEM', action: 'REVIEW' });
    // 0.7 + 0.25: the block tier, and after_model's BLOCK leads (rules before the tier in order).
    const b = await engineWith(
      fakeModel(async () => 0.7),
      undefined,
      th,
    ).engine.decide(event('t2'));
    expect(b.reasons.map((x) => x.code)).toEqual(['m', 'score_block', 'model_elevated_risk', 'big']);
    // A small payment with a mid score: only the challenge tier speaks.
    const small = { ...event('t3'), payment: { amountMinor: 100, currency: 'USD', cardToken: 'ca_1' } };
    const c = await engineWith(
      fakeModel(async () => 0.25),
      undefined,
      th,
    ).engine.decide(small);
    expect([c.decision, c.reasons.map((x) => x.code)]).toEqual(['CHALLENGE', ['score_challenge']]);
  });

  it('keeps at most maxReasons, the deciding one first, and reports every live and shadow hit', async () => {
    const { engine, live, shadow } = engineWith(
      fakeModel(async () => 0.7),
      undefined,
      { maxReasons: 1 },
    );
    const r = await engine.decide(event('cap'));
    expect(r.reasons.map((x) => x.code)).toEqual(['m']);
    expect(live[0]).toEqual(['big', 'after_model']);
    expect(shadow[0]).toEqual(['shadow']);
  });

  it('adds rule modifiers to the model score, lets rules read model.score, and keeps shadow rules out of the response', async () => {
    const { engine, shadow } = engineWith(fakeModel(async () => 0.7));
    const r = await engine.decide(event('a'));
    expect(r.score).toBeCloseTo(0.95);
    expect(r.modelScore).toBeCloseTo(0.7);
    expect(r.decision).toBe('BLOCK');
    expect(r.reasons.map((x) => x.code)).toEqual(['m', 'model_elevated_risk', 'big']);
    expect(r.reasons.find((x) => x.code === 'big')?.message).toBe('500 USD');
    expect(shadow[0]).toEqual(['shadow']);
    expect(r.degraded).toEqual([]);
  });

  it('degrades to rules only when the model fails, and says so', async () => {
    const { engine } = engineWith(fakeModel(async () => Promise.reject(new Error('boom'))));
    const r = await engine.decide(event('b'));
    expect(r.degraded).toEqual(['model']);
    expect(r.decision).toBe('REVIEW');
    expect(r.score).toBeCloseTo(0.25);
    expect(r.modelVersion).toBe('fake-1');
  });

  it("scores at once for a caller deciding alone, in the turn's batch when asked, and degrades on a sync failure", async () => {
    const calls: string[] = [];
    const model = {
      ...fakeModel(async () => {
        calls.push('batched');
        return 0.7;
      }),
      scoreNow: () => {
        calls.push('now');
        return 0.7;
      },
    };
    const { engine } = engineWith(model);
    const alone = await engine.decide(event('s1'));
    const batched = await engine.decide(event('s2'), undefined, { batchModel: true });
    expect(calls).toEqual(['now', 'batched']);
    expect(alone.modelScore).toBeCloseTo(0.7);
    expect(batched.modelScore).toBeCloseTo(0.7);
    const failing = engineWith({
      ...fakeModel(async () => 0.7),
      scoreNow: () => {
        throw new Error('native run failed');
      },
    });
    expect((await failing.engine.decide(event('s3'))).degraded).toEqual(['model']);
  });

  it('skips the model when the deadline leaves no time for it', async () => {
    let called = false;
    const { engine } = engineWith(
      fakeModel(async () => {
        called = true;
        return 0.1;
      }),
    );
    const r = await engine.decide(event('c'), Date.now() + 0.5);
    expect(called).toBe(false);
    expect(r.degraded).toEqual(['model']);
  });

  it('rejects an already expired deadline without counting the event', async () => {
    const { engine } = engineWith(undefined);
    await expect(engine.decide(event('d'), Date.now() - 1)).rejects.toMatchObject({
      code: 'RISK_ERR_DEADLINE_EXCEEDED',
    });
    const r = await engine.decide(event('e'));
    expect(r.reasons.find((x) => x.code === 'big')).toBeDefined();
  });

  it('replays a finished decision from its stored record, equal but for the replayed flag', async () => {
    const { engine } = engineWith(fakeModel(async () => 0.1));
    const first = await engine.decide(event('r'));
    await new Promise((r) => setImmediate(r));
    const again = await engine.decide(event('r'));
    expect(again).toEqual({ ...first, json: undefined, replayed: true });
    // The fresh result carried its record: its own JSON, without the record field.
    const { json, ...fields } = first;
    expect(JSON.parse(json as string)).toEqual(fields);
    expect(again.json).toBeUndefined();
  });

  it('decides every call afresh when replay is off', async () => {
    const { engine, shadow } = engineWith(
      fakeModel(async () => 0.1),
      0,
    );
    const a = await engine.decide(event('same'));
    const b = await engine.decide(event('same'));
    expect(a.decisionId).not.toBe(b.decisionId);
    expect(b.replayed).toBe(false);
    expect(b.json).toBeUndefined(); // no replay record to reuse
    expect(shadow).toHaveLength(2);
  });

  it('serves concurrent retries of one event id from a single decision', async () => {
    const { engine } = engineWith(fakeModel(async () => 0.1));
    const [a, b] = await Promise.all([engine.decide(event('f')), engine.decide(event('f'))]);
    expect(a.decisionId).toBe(b.decisionId);
    expect([a.replayed, b.replayed]).toEqual([false, true]);
    expect([typeof a.json, b.json]).toEqual(['string', undefined]);
  });

  it('says which time placed the event in the windows: occurred_at within the skew, else arrival', async () => {
    const { engine } = engineWith(undefined);
    const at = (id: string, occurredAtMs?: number) =>
      engine.decide({ ...event(id), ...(occurredAtMs !== undefined ? { occurredAtMs } : {}) });
    const inSkew = await at('tb1', T - 4 * 60_000);
    expect([inSkew.timeBasis, inSkew.windowTime]).toEqual([
      'EVENT_TIME',
      new Date(T - 4 * 60_000).toISOString(),
    ]);
    const ahead = await at('tb2', T + 4 * 60_000);
    expect([ahead.timeBasis, ahead.windowTime]).toEqual([
      'EVENT_TIME',
      new Date(T + 4 * 60_000).toISOString(),
    ]);
    // The default skew is 5 minutes.
    const tooOld = await at('tb3', T - 6 * 60_000);
    expect([tooOld.timeBasis, tooOld.windowTime]).toEqual(['ARRIVAL_TIME', new Date(T).toISOString()]);
    const none = await at('tb4');
    expect([none.timeBasis, none.windowTime]).toEqual(['ARRIVAL_TIME', new Date(T).toISOString()]);
  });

  it('lends the observer the final feature vector, model.score included, and names it only when asked', async () => {
    const { engine, observed, schema } = engineWith(fakeModel(async () => 0.7));
    const plain = await engine.decide(event('fv1'));
    expect(plain.features).toBeUndefined();
    const modelAt = schema.indexOf('model.score') as number;
    expect(observed[0]?.[modelAt]).toBe(0.7);

    const asked = await engine.decide(event('fv2'), undefined, { includeFeatures: true });
    const vector = observed[1] as Float64Array;
    // Exactly the observer's values by name, with the missing (NaN) ones left out.
    const expected = Object.fromEntries(
      schema.names.map((n, i) => [n, vector[i] as number]).filter(([, v]) => !Number.isNaN(v)),
    );
    expect(asked.features).toEqual(expected);
    expect(asked.features?.['model.score']).toBe(0.7);
    expect(asked.features?.amount_usd).toBe(500);
    expect(Number.isNaN(vector[schema.indexOf('device.confidence') as number])).toBe(true);
    expect(asked.features).not.toHaveProperty(['device.confidence']);
    // The replay record never holds them.
    expect(JSON.parse(asked.json as string)).not.toHaveProperty('features');
  });

  it('answers a replay without features, finished or still in flight, whoever asked', async () => {
    const { engine } = engineWith(fakeModel(async () => 0.1));
    const withFeatures = { includeFeatures: true } as const;
    const first = await engine.decide(event('fr'), undefined, withFeatures);
    expect(first.features).toBeDefined();
    await new Promise((r) => setImmediate(r));
    const again = await engine.decide(event('fr'), undefined, withFeatures);
    expect([again.replayed, again.decisionId, again.features]).toEqual([true, first.decisionId, undefined]);
    const [a, b] = await Promise.all([
      engine.decide(event('fc'), undefined, withFeatures),
      engine.decide(event('fc'), undefined, withFeatures),
    ]);
    expect([a.replayed, b.replayed]).toEqual([false, true]);
    expect(a.features).toBeDefined();
    expect(b.features).toBeUndefined();
  });
});
