import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { createManualClock, eventFromProto } from '../../src/domain/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../../src/sim/index.js';
import { testService } from '../helpers.js';

describe('npm run train -- --log: training from the decision log and its outcomes', () => {
  it('trains a servable model on the recorded snapshots, labelled by outcomes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-train-log-'));
    const out = mkdtempSync(join(tmpdir(), 'risk-train-log-out-'));
    try {
      const clock = createManualClock(0);
      const s = await testService(
        { dataDir, decisionLog: 'file', maxEventSkewMs: 20 * 365 * 86_400_000 },
        clock.now,
      );
      let n = 0;
      for (const rec of createSimulator({ seed: 13, users: 600, fraudRate: 0.05 }).events()) {
        if (n++ >= 6000) break;
        clock.set(rec.at);
        const ev = eventFromProto(
          fromJson(DecideRequestSchema, rec.request),
          s.tokenizer,
          s.engine.bundle.features,
        );
        if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
        const d = await s.engine.decide(ev.value);
        // Chargebacks and confirmed fraud come back for the fraud; nothing for the legitimate events.
        if (rec.label === 1) {
          const res = await s.http.inject({
            method: 'POST',
            url: '/v1/outcomes',
            payload: { decisionId: d.decisionId, type: n % 2 === 0 ? 'CHARGEBACK' : 'CONFIRMED_FRAUD' },
          });
          expect(res.statusCode).toBe(201);
        }
      }
      await s.close();
      const stdout = execFileSync(
        'npx',
        ['tsx', 'scripts/train.ts', '--log', dataDir, '--out', join(out, 'model'), '--trees', '30'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const auc = Number(/ROC-AUC ([\d.]+)/.exec(stdout)?.[1]);
      console.log(stdout.split('\n').slice(0, 3).join('\n'));
      expect(auc).toBeGreaterThan(0.9);
      expect(existsSync(join(out, 'model', 'model.onnx'))).toBe(true);
      const manifest = JSON.parse(readFileSync(join(out, 'model', 'manifest.json'), 'utf8'));
      expect(manifest.training.data).toContain('decision log');
      expect(readFileSync(join(out, 'model', 'report.md'), 'utf8')).toContain('decision log');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
