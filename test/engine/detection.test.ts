import { fromJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { createManualClock, eventFromProto } from '../../src/domain/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../../src/sim/index.js';
import { testService } from '../helpers.js';

describe('default bundle on simulated traffic', () => {
  it('flags most fraud and little legitimate traffic, on a seed the model was not trained on', async () => {
    const clock = createManualClock(0);
    const service = await testService({ maxEventSkewMs: 20 * 365 * 86_400_000 }, clock.now);
    try {
      const tally = { fraud: 0, fraudFlagged: 0, legit: 0, legitBlocked: 0, legitFriction: 0 };
      const scenarios = new Map<string, { n: number; flagged: number }>();
      let n = 0;
      for (const rec of createSimulator({ seed: 23, users: 1500, fraudRate: 0.03 }).events()) {
        if (n++ >= 12_000) break;
        clock.set(rec.at);
        const ev = eventFromProto(fromJson(DecideRequestSchema, rec.request), service.tokenizer);
        if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
        const d = await service.engine.decide(ev.value);
        const flagged = d.decision === 'REVIEW' || d.decision === 'BLOCK';
        if (rec.label === 1) {
          tally.fraud++;
          if (flagged) tally.fraudFlagged++;
          const s = scenarios.get(rec.scenario) ?? { n: 0, flagged: 0 };
          s.n++;
          if (flagged) s.flagged++;
          scenarios.set(rec.scenario, s);
        } else {
          tally.legit++;
          if (d.decision === 'BLOCK') tally.legitBlocked++;
          if (d.decision !== 'ALLOW') tally.legitFriction++;
        }
      }
      expect(scenarios.size).toBe(5);
      expect(tally.fraudFlagged / tally.fraud).toBeGreaterThan(0.9);
      expect(tally.legitBlocked / tally.legit).toBeLessThan(0.005);
      expect(tally.legitFriction / tally.legit).toBeLessThan(0.03);
      for (const [name, s] of scenarios) expect(s.flagged / s.n, name).toBeGreaterThan(0.5);
    } finally {
      await service.close();
    }
  }, 60_000);
});
