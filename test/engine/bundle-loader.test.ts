import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenizer, type RiskEvent } from '../../src/domain/index.js';
import { BundleError, defaultBundleDir, loadBundleDir } from '../../src/engine/bundle-loader.js';
import { defaultFeatureSchema } from '../helpers.js';

const schema = defaultFeatureSchema();
const opts = { schema, tokenizer: createTokenizer('test-key-0123456789'), now: () => 0 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-'));
  await cp(defaultBundleDir(), dir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const edit = async (file: string, f: (doc: Record<string, unknown>) => void) => {
  const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
  f(doc);
  await writeFile(join(dir, file), JSON.stringify(doc));
};
const problems = async () => {
  const err = await loadBundleDir(dir, opts).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BundleError);
  return (err as BundleError).problems.join('\n');
};

describe('bundle loader', () => {
  it('loads the embedded default bundle with its model, version derived from content', async () => {
    const b = await loadBundleDir(dir, opts);
    expect(b.version).toMatch(/^default@[0-9a-f]{12}$/);
    expect(b.rules.length).toBeGreaterThan(10);
    expect(b.model?.version).toMatch(/^gbdt-/);
    const again = await loadBundleDir(dir, opts);
    expect(again.version).toBe(b.version);
    await b.model?.close();
    await again.model?.close();
  });

  it('keeps the meaning of its conditions under three-valued evaluation', async () => {
    // Without `not` or `not in`, a condition fires under Kleene logic exactly when it fired under
    // the old two-valued reading (test/policies/three-valued.test.ts checks that property).
    for (const file of ['rules.json', 'device.json']) {
      const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, { when: string }[]>;
      for (const r of Object.values(doc).flat()) expect(r.when).not.toMatch(/\bnot\b|!(?!=)/);
    }
    // And with nothing known, nothing fires, whatever the event type.
    const b = await loadBundleDir(dir, opts);
    await b.model?.close();
    const features = new Float64Array(schema.size).fill(Number.NaN);
    for (const type of ['PAYMENT', 'LOGIN', 'PAYOUT', 'PAYOUT_METHOD_ADD', 'PASSWORD_CHANGE'] as const) {
      const event: RiskEvent = {
        eventId: 'e',
        type,
        account: {},
        network: { isProxy: false },
        device: { emulator: false, rooted: false, bot: false, incognito: false },
        attributes: {},
      };
      const fired = [...b.rules, ...b.deviceChecks].filter((r) => r.test({ event, features }));
      expect(fired.map((r) => r.id)).toEqual([]);
    }
  });

  it('rejects a rule that does not compile, with file, rule, line and column', async () => {
    await edit('rules.json', (d) => {
      (d.rules as Record<string, unknown>[]).push({
        id: 'broken',
        action: 'BLOCK',
        when: 'card.count_1h >\n   card.nope',
        reason: { code: 'x', message: 'y' },
      });
    });
    expect(await problems()).toContain("rules.json: rule broken at 2:4: unknown field 'card.nope'");
  });

  it('rejects a rule naming a list that does not exist', async () => {
    await edit('rules.json', (d) => {
      (d.rules as Record<string, unknown>[]).push({
        id: 'l',
        action: 'BLOCK',
        when: 'ip in @nowhere',
        reason: { code: 'x', message: 'y' },
      });
    });
    expect(await problems()).toContain('unknown list @nowhere');
  });

  it('rejects a manifest whose features do not match the model input width', async () => {
    await edit('model/manifest.json', (d) => {
      (d.features as unknown[]).pop();
    });
    expect(await problems()).toMatch(
      /model\/model.onnx: manifest.features: model input features has shape \[N, \d+\], manifest lists \d+ features/,
    );
  });

  it('rejects a manifest naming an unknown feature and a corrupt model file', async () => {
    await edit('model/manifest.json', (d) => {
      (d.features as { name: string }[])[0] = { name: 'no.such.feature' } as never;
    });
    expect(await problems()).toContain('unknown feature "no.such.feature"');
  });

  it('rejects an ONNX file that is not a model', async () => {
    await writeFile(join(dir, 'model/model.onnx'), 'not onnx');
    expect(await problems()).toContain('model/model.onnx');
  });

  it('rejects bad list items and lists every problem at once', async () => {
    await edit('lists.json', (d) => {
      const lists = d.lists as { items: unknown[] }[];
      lists[0]?.items.push({ value: 'not-an-ip' });
      lists[1]?.items.push({ value: 42 });
    });
    const p = await problems();
    expect(p).toContain('not-an-ip is not an IP address');
    expect(p).toContain('needs a string value or token');
  });
});
