import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDecisionLog } from '../decision-log-builder.js';

describe('npm run train -- --log: training from the decision log and its outcomes', () => {
  it('trains a servable model on the recorded snapshots, labelled by outcomes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-train-log-'));
    const out = mkdtempSync(join(tmpdir(), 'risk-train-log-out-'));
    try {
      // Chargebacks and confirmed fraud come back for the fraud; nothing for the legitimate events.
      await buildDecisionLog({
        dataDir,
        events: 6000,
        seed: 13,
        users: 600,
        fraudRate: 0.05,
        outcomes: (i, label) => (label === 1 ? [(i + 1) % 2 === 0 ? 'CHARGEBACK' : 'CONFIRMED_FRAUD'] : []),
      });
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
