import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenizer, type Reason, type RiskEvent } from '../../src/domain/index.js';
import {
  type Bundle,
  createDecisionEngine,
  defaultBundleDir,
  loadBundleDir,
} from '../../src/engine/index.js';
import { createCounterStore } from '../../src/features/index.js';
import { exportLogisticToOnnx } from '../../src/model/train/index.js';

const T = Date.parse('2026-11-21T10:00:00Z');
const opts = { tokenizer: createTokenizer('test-key-0123456789'), now: () => T };

/** Payments that reach the model with a spread of scores: some plain, some from a risky device. */
const events: RiskEvent[] = Array.from({ length: 40 }, (_, i) => ({
  eventId: `e${i}`,
  type: i % 5 === 4 ? 'LOGIN' : 'PAYMENT',
  occurredAtMs: T + i * 1000,
  account: { id: `u${i % 3}`, createdAtMs: T - (i % 4) * 86_400_000 },
  ...(i % 5 === 4
    ? { login: { success: i % 2 === 0 } }
    : {
        payment: {
          amountMinor: 1000 + i * 9_000,
          currency: 'USD',
          cardToken: `c${i % 2}`,
          cardCountry: 'US',
        },
      }),
  network: { ip: `203.0.113.${i % 4}`, ipCountry: i % 3 === 0 ? 'BR' : 'US', isProxy: i % 7 === 0 },
  device: { id: `d${i % 5}`, emulator: i % 6 === 0, rooted: false, bot: i % 9 === 0, incognito: i % 2 === 0 },
  attributes: {},
}));

const isExplanation = (r: Reason) => r.code === 'model_feature';

describe('explanations in decisions', () => {
  let bundle: Bundle;
  beforeAll(async () => {
    bundle = await loadBundleDir(defaultBundleDir(), opts);
  });
  afterAll(async () => {
    await bundle.model?.close();
  });

  const engine = (b: Bundle, explainTopK?: number) =>
    createDecisionEngine({
      bundle: b,
      store: createCounterStore({ plan: b.features, maxEntities: 1000 }),
      clock: () => T,
      ...(explainTopK !== undefined ? { explainTopK } : {}),
    });

  it('the default bundle has a TreeSHAP explainer over its own trees', () => {
    expect(bundle.explainer).toBeDefined();
    expect(bundle.unexplained).toBeUndefined();
    expect(bundle.explainer?.link).toBe('sigmoid');
  });

  it('adds the top-k MODEL reasons with feature, value and contribution, and the decision is unchanged', async () => {
    const plain = engine(bundle);
    const explained = engine(bundle, 3);
    let seen = 0;
    for (const ev of events) {
      const a = await plain.decide(ev);
      const b = await explained.decide(ev, undefined, { explain: true });
      expect(b.decision).toBe(a.decision);
      expect(b.score).toBe(a.score);
      expect(b.modelScore).toBe(a.modelScore);
      // The deciding reasons are the same, in the same order; the explanations follow them.
      const deciding = b.reasons.filter((r) => !isExplanation(r));
      expect(deciding).toEqual(a.reasons);
      expect(b.reasons.slice(0, deciding.length)).toEqual(deciding);
      expect(a.reasons.some(isExplanation)).toBe(false);
      const ex = b.reasons.filter(isExplanation);
      expect(ex.length).toBeGreaterThan(0);
      expect(ex.length).toBeLessThanOrEqual(3);
      seen += ex.length;
      for (const r of ex) {
        expect(r.source).toBe('MODEL');
        expect(r).not.toHaveProperty('action');
        expect((bundle.model?.manifest.features ?? []).map((f) => f.name)).toContain(r.feature);
        expect(Number.isFinite(r.contribution)).toBe(true);
        if (r.value !== undefined) expect(Number.isFinite(r.value)).toBe(true);
      }
      // Largest magnitude first.
      const mags = ex.map((r) => Math.abs(r.contribution as number));
      expect(mags).toEqual([...mags].sort((x, y) => y - x));
      expect(b.timings.map((t) => t.stage)).toContain('explain');
    }
    expect(seen).toBeGreaterThan(events.length);
  });

  it('the contributions are the margin: sigmoid(expected + all contributions) is the model score', async () => {
    const e = engine(bundle, 200);
    for (const ev of events.slice(0, 10)) {
      const r = await e.decide(ev, undefined, { explain: true });
      const total = r.reasons.filter(isExplanation).reduce((s, x) => s + (x.contribution as number), 0);
      const p = 1 / (1 + Math.exp(-((bundle.explainer?.expectedValue as number) + total)));
      expect(Math.abs(p - (r.modelScore as number))).toBeLessThan(2e-6);
    }
  });

  it('explanations do not count against maxReasons and are replayed as recorded', async () => {
    const e = engine({ ...bundle, maxReasons: 1 }, 4);
    const r = await e.decide(events[7] as RiskEvent, undefined, { explain: true });
    expect(r.reasons.filter((x) => !isExplanation(x)).length).toBeLessThanOrEqual(1);
    expect(r.reasons.filter(isExplanation).length).toBe(4);
    const again = await e.decide(events[7] as RiskEvent);
    expect(again.replayed).toBe(true);
    expect(again.reasons).toEqual(r.reasons);
  });

  it('says nothing, and fails nothing, when the model is not a tree ensemble', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explain-'));
    try {
      await cp(defaultBundleDir(), dir, { recursive: true });
      const manifest = JSON.parse(await readFile(join(dir, 'model', 'manifest.json'), 'utf8'));
      const width = (manifest.features ?? []).length as number;
      const w = Array.from({ length: width }, (_, i) => (i % 3) * 0.01);
      await writeFile(join(dir, 'model', 'model.onnx'), exportLogisticToOnnx(w, -2));
      // A linear model needs every input: missing values default to 0.
      for (const f of manifest.features) f.default = 0;
      await writeFile(join(dir, 'model', 'manifest.json'), JSON.stringify(manifest));
      const linear = await loadBundleDir(dir, opts);
      try {
        expect(linear.model).toBeDefined();
        expect(linear.explainer).toBeUndefined();
        expect(linear.unexplained).toMatch(/MatMul|Add/);
        const r = await engine(linear).decide(events[1] as RiskEvent, undefined, { explain: true });
        expect(r.modelScore).toBeDefined();
        expect(r.degraded).toEqual([]);
        expect(r.reasons.some(isExplanation)).toBe(false);
      } finally {
        await linear.model?.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
