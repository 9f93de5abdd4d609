import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RiskError } from '../../src/domain/index.js';
import { defaultBundleDir } from '../../src/engine/index.js';
import type { Service } from '../../src/server/app.js';
import { paymentRequest, testService } from '../helpers.js';

let dir: string | undefined;
let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('reload under load', () => {
  it('1,000 publishes, a fifth of them invalid, while decisions flow: none fails, each reads a version that was active', async () => {
    dir = await mkdtemp(join(tmpdir(), 'reload-'));
    await cp(defaultBundleDir(), dir, { recursive: true });
    // Without the model each publish costs a compile, not an ONNX session: 1,000 fit in a test.
    await rm(join(dir, 'model'), { recursive: true });
    const s = await testService({ bundleDir: dir });
    service = s;
    const base = await readFile(join(dir, 'rules.txt'), 'utf8');
    const active = new Set([s.engine.bundle.version]);
    let stop = false;
    let decided = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const res = await s.http.inject({
          method: 'POST',
          url: '/v1/decisions',
          payload: paymentRequest(`c${c}-${i}`, { account: { id: `u${c}-${i % 50}` } }),
        });
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${res.body}`);
        else seen.add(res.json().bundleVersion);
        decided++;
        // A steady stream, not a flood that would starve the publishes of the event loop.
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const clients = [0, 1].map(client);
    let rejected = 0;
    for (let n = 0; n < 1000; n++) {
      const invalid = n % 5 === 4;
      const rule = invalid
        ? `\n@id broken_${n}\nreview if amount_usd > \n`
        : `\n@id threshold_${n}\n@reason threshold: over ${n}\nreview if type == 'PAYMENT' and amount_usd > ${1000 + n}\n`;
      try {
        active.add(await s.control.publish({ 'rules.txt': base + rule }, 'load test'));
      } catch (err) {
        if (!(err instanceof RiskError) || err.code !== 'RISK_ERR_BUNDLE_INVALID') throw err;
        rejected++;
      }
      // Let decisions interleave with the publishes.
      if (n % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await Promise.all(clients);
    expect(rejected).toBe(200);
    expect(failures).toEqual([]);
    expect(decided).toBeGreaterThan(100);
    for (const v of seen) expect(active.has(v), v).toBe(true);
    expect(seen.size).toBeGreaterThan(10);
    console.log(
      `reload under load: 1000 publishes (200 rejected), ${decided} decisions over ${seen.size} versions`,
    );
  }, 120_000);
});
