import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import { defaultBundleDir } from '../../src/engine/index.js';
import { compileFeaturePlan, createCounterStore, createFeatureHydrator } from '../../src/features/index.js';
import { createRowWriter, ort, parseManifest } from '../../src/model/index.js';
import { predictGbdt, trainCsv } from '../../src/model/train/index.js';
import { seededRandom } from './synthetic.js';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const event = (attributes: Record<string, string>, typed: Record<string, number>): RiskEvent => ({
  eventId: 'e1',
  type: 'PAYMENT',
  account: {},
  payment: { amountMinor: 1000, currency: 'USD', cardToken: 'c1' },
  network: { isProxy: false },
  device: { id: 'd1', emulator: false, rooted: false, bot: false, incognito: false },
  attributes,
  typed,
});

describe('a CSV-trained model served from a bundle', () => {
  it('scores an event exactly as the trainer does once features.attributes.json is merged', async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-csv-'));
    const rand = seededRandom(4);
    const lines = ['merchant_type,amount,is_fraud'];
    for (let i = 0; i < 3000; i++) {
      const t = ['gas', 'grocery', 'online', 'travel'][Math.floor(rand() * 4)] as string;
      const amount = Math.round(rand() * 500);
      lines.push(`${t},${amount},${rand() < (t === 'online' && amount > 200 ? 0.6 : 0.03) ? 1 : 0}`);
    }
    await writeFile(join(dir, 'd.csv'), `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const { model } = await trainCsv({ data: join(dir, 'd.csv'), label: 'is_fraud', out, seed: 1 });

    const features = JSON.parse(await readFile(join(defaultBundleDir(), 'features.json'), 'utf8'));
    const snippet = JSON.parse(await readFile(join(out, 'features.attributes.json'), 'utf8'));
    const merged = {
      ...features,
      attributes: { ...features.attributes, ...snippet.attributes },
      categories: snippet.categories,
    };
    const plan = compileFeaturePlan(merged);
    if ('errors' in plan) throw new Error(plan.errors.join('; '));
    const manifest = parseManifest(
      JSON.parse(await readFile(join(out, 'model/manifest.json'), 'utf8')),
      plan.value.schema,
    );
    if ('errors' in manifest) throw new Error(manifest.errors.join('; '));
    const hydrator = createFeatureHydrator(createCounterStore({ plan: plan.value, maxEntities: 10 }));
    const write = createRowWriter(manifest.value.features ?? [], hydrator.schema);
    const session = await ort.InferenceSession.create(await readFile(join(out, 'model/model.onnx')));
    const categories = snippet.categories.merchant_type as string[];
    const cases: [Record<string, string>, Record<string, number>, number[]][] = [
      ...categories.map((c, code): [Record<string, string>, Record<string, number>, number[]] => [
        { merchant_type: c },
        { amount: 300 },
        [code, 300],
      ]),
      [{ merchant_type: 'never-seen' }, { amount: 300 }, [Number.NaN, 300]],
      [{}, {}, [Number.NaN, Number.NaN]],
    ];
    for (const [attributes, typed, row] of cases) {
      const h = await hydrator.hydrate(event(attributes, typed), 0);
      const x = new Float32Array(2);
      write(h.features, x, 0);
      expect([...x]).toEqual(row);
      const res = await session.run({ features: new ort.Tensor('float32', x, [1, 2]) });
      const served = (res.score?.data as Float32Array | undefined)?.[0] as number;
      expect(Math.abs(served - predictGbdt(model, row))).toBeLessThan(1e-5);
    }
    await session.release();
    // The online category is the risky one at high amounts.
    expect(predictGbdt(model, [categories.indexOf('online'), 300])).toBeGreaterThan(0.3);
  });

  it('rejects a category table for an attribute that is not a declared string', () => {
    const r = compileFeaturePlan({ attributes: { n: 'number' }, categories: { n: ['a'], m: ['b'] } });
    expect('errors' in r && r.errors).toEqual([
      'categories.n: must name an attribute declared as string',
      'categories.m: must name an attribute declared as string',
    ]);
    const dup = compileFeaturePlan({ attributes: { s: 'string' }, categories: { s: ['a', 'a'] } });
    expect('errors' in dup && dup.errors[0]).toMatch(/"a" is listed twice/);
  });
});
