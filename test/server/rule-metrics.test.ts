import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/engine/index.js';
import type { Service } from '../../src/server/app.js';
import { paymentRequest, testService } from '../helpers.js';

let service: Service | undefined;
let dir: string | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('rule hit metrics', () => {
  it('counts live and shadow hits per rule; a shadow rule never reaches the response', async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadow-'));
    await cp(defaultBundleDir(), dir, { recursive: true });
    const file = join(dir, 'rules.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { rules: Record<string, unknown>[] };
    doc.rules.push({
      id: 'every_payment_shadow',
      action: 'BLOCK',
      mode: 'shadow',
      when: "type == 'PAYMENT'",
      reason: { code: 'shadow_block', message: 'would block' },
    });
    await writeFile(file, JSON.stringify(doc));
    service = await testService({ bundleDir: dir });
    for (let i = 0; i < 5; i++) {
      const res = await service.http.inject({
        method: 'POST',
        url: '/v1/decisions',
        payload: paymentRequest(`m${i}`),
      });
      expect(res.json().reasons.map((r: { code: string }) => r.code)).not.toContain('shadow_block');
    }
    const text = (await service.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('risk_rule_hits_total{rule="every_payment_shadow",mode="shadow"} 5');
    // The card is charged five times: the velocity rule fires live from the fifth charge on.
    expect(text).toContain('risk_rule_hits_total{rule="card_velocity_1h",mode="live"} 1');
  });
});
