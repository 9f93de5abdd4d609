import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { createManualClock, eventFromProto, type RiskEvent } from '../../src/domain/index.js';
import { createDecisionEngine, defaultBundleDir, loadBundleDir } from '../../src/engine/index.js';
import { createCounterStore, decisionFeatureNames, featureValues } from '../../src/features/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../../src/sim/index.js';
import { testService } from '../helpers.js';

/**
 * Training replays events through the same intake and feature engine as serving, with rules only
 * (scripts/train-simulator.ts). The model's inputs must come out equal to what online decisions,
 * with the model deciding, saw for the same events: the trainer leaves out the counts of past
 * decisions, the one family that differs (docs/training.md "Skew").
 */
describe('offline features equal online features', () => {
  it('for every model input, over simulator traffic with fraud the model blocks', async () => {
    const clock = createManualClock(0);
    const online = await testService({ maxEventSkewMs: 20 * 365 * 86_400_000 }, clock.now);
    const manifest = JSON.parse(readFileSync(join(defaultBundleDir(), 'model/manifest.json'), 'utf8')) as {
      features: { name: string }[];
    };
    const inputs = manifest.features.map((f) => f.name);
    const offlineBundle = await loadBundleDir(defaultBundleDir(), {
      tokenizer: online.tokenizer,
      now: clock.now,
      skipModel: true,
    });
    const seen: Record<string, number>[] = [];
    const offline = createDecisionEngine({
      bundle: offlineBundle,
      store: createCounterStore({ plan: offlineBundle.features, maxEntities: 1_000_000 }),
      clock: clock.now,
      maxSkewMs: 20 * 365 * 86_400_000,
      idempotency: { max: 0, ttlMs: 1 },
      onDecision: (_e, _r, f, _s, _l, _c, schema) => seen.push(featureValues(schema, f)),
    });
    try {
      const derived = decisionFeatureNames(offlineBundle.features);
      expect(inputs.some((n) => derived.has(n))).toBe(false);
      let differentDecisions = 0;
      let derivedDiffer = 0;
      let n = 0;
      for (const rec of createSimulator({ seed: 29, users: 800, fraudRate: 0.05 }).events()) {
        if (n++ >= 5000) break;
        clock.set(rec.at);
        const ev = eventFromProto(
          fromJson(DecideRequestSchema, rec.request),
          online.tokenizer,
          online.engine.bundle.features,
        );
        if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
        const event: RiskEvent = ev.value;
        const on = await online.engine.decide(event, undefined, { includeFeatures: true });
        const off = await offline.decide(event);
        const got = seen[seen.length - 1] as Record<string, number>;
        const want = on.features ?? {};
        for (const name of inputs) expect(got[name], `${event.eventId} ${name}`).toBe(want[name]);
        if (on.decision !== off.decision) differentDecisions++;
        for (const name of derived) if (got[name] !== want[name]) derivedDiffer++;
      }
      // The model changes decisions, so the decision counts do differ: that is why they are not inputs.
      expect(differentDecisions).toBeGreaterThan(0);
      expect(derivedDiffer).toBeGreaterThan(0);
    } finally {
      await online.close();
    }
  }, 120_000);
});
