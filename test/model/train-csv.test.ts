import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ort } from '../../src/model/index.js';
import {
  featureNames,
  parseTrainCsvArgs,
  predictGbdt,
  predictLogistic,
  rocAuc,
  type TrainingReport,
  trainCsv,
  trainLogistic,
} from '../../src/model/train/index.js';
import { seededRandom } from './synthetic.js';

const COUNTRIES = ['US', 'GB', 'FR', 'DE', 'NG', 'BR', 'IN', 'CN'];
const RISKY = new Set(['NG', 'BR', 'CN']);

/** Fraud from a risky country with a large amount, plus a weak linear amount signal; amount 5 % missing. */
function csvText(n: number, seed: number): string {
  const rand = seededRandom(seed);
  const lines = ['id,country,amount,"note, free text",is_fraud'];
  for (let i = 0; i < n; i++) {
    const country = COUNTRIES[Math.floor(rand() * COUNTRIES.length)] as string;
    const amount = Math.round(rand() * 1000) / 10;
    const p = RISKY.has(country) && amount > 50 ? 0.7 : 0.02 + amount / 5000;
    const y = rand() < p ? 1 : 0;
    const amountText = rand() < 0.05 ? '' : String(amount);
    lines.push(`${i},${country},${amountText},"n, ${i % 3}",${y}`);
  }
  return `${lines.join('\n')}\n`;
}

let dir: string;
let data: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'train-csv-'));
  data = join(dir, 'data.csv');
  await writeFile(data, csvText(4000, 1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trainCsv', () => {
  const base = () => ({ data, label: 'is_fraud', exclude: ['id', 'note, free text'], seed: 3 });

  it('writes a bundle-ready folder whose report holds every metric for both models', async () => {
    const out = join(dir, 'a');
    const { report, manifest } = await trainCsv({ ...base(), out });
    const files = await Promise.all(
      ['model/model.onnx', 'model/manifest.json', 'features.attributes.json', 'report.json', 'report.md'].map(
        (f) => readFile(join(out, f)),
      ),
    );
    expect(files.every((f) => f.length > 0)).toBe(true);
    const json = JSON.parse(files[3]?.toString() ?? '') as TrainingReport;
    for (const m of [json.gbdt, json.logistic]) {
      expect(m.rocAuc).toBeGreaterThan(0.7);
      expect(m.prAuc).toBeGreaterThan(0);
      expect(Object.keys(m.recallAtReviewed)).toEqual(['0.5%', '1%', '5%']);
      expect(m.calibration).toHaveLength(10);
      expect(m.calibration.reduce((s, b) => s + b.rows, 0)).toBe(1200);
      expect(m.importance.map((f) => f.feature).sort()).toEqual(['attr.amount', 'attr.country']);
    }
    // The interaction is out of a linear model's reach.
    expect(report.gbdt.rocAuc).toBeGreaterThan(report.logistic.rocAuc);
    expect(report.onnxMaxAbsDiff).toBeLessThan(1e-5);
    expect((manifest.features ?? []).map((f) => f.name)).toEqual(['attr.country', 'attr.amount']);
    expect(JSON.parse(files[2]?.toString() ?? '')).toEqual({
      attributes: { country: 'string', amount: 'number' },
      categories: { country: expect.arrayContaining(COUNTRIES) },
    });
    const md = files[4]?.toString() ?? '';
    expect(md).toContain('| ROC-AUC |');
    expect(md).toContain('### Calibration');
    expect(md).toContain('### Feature importance');
  });

  it('is reproducible: same data and seed give the same bytes', async () => {
    const a = join(dir, 'r1');
    const b = join(dir, 'r2');
    await trainCsv({ ...base(), out: a, earlyStopping: 'on' });
    await trainCsv({ ...base(), out: b, earlyStopping: 'on' });
    for (const f of ['model/model.onnx', 'model/manifest.json', 'report.json', 'report.md']) {
      expect((await readFile(join(a, f))).equals(await readFile(join(b, f)))).toBe(true);
    }
  });

  it('serves the same scores through onnxruntime as the trainer, categorical codes included', async () => {
    const out = join(dir, 'ort');
    const { manifest, model } = await trainCsv({ ...base(), out, classWeight: 'balanced' });
    expect(
      model.trees.some((t) => t.nodes.some((n) => n.kind === 'split' && n.categories !== undefined)),
    ).toBe(true);
    const session = await ort.InferenceSession.create(await readFile(join(out, 'model/model.onnx')));
    const codes = COUNTRIES.map((_, i) => i);
    const rows = codes.flatMap((c) => [c, 10, c, 80, c, Number.NaN]).concat([Number.NaN, 60, 99, 60]);
    const res = await session.run({
      features: new ort.Tensor('float32', Float32Array.from(rows), [rows.length / 2, 2]),
    });
    await session.release();
    const scores = res.score?.data as Float32Array;
    expect(scores).toHaveLength(rows.length / 2);
    for (let r = 0; r < rows.length / 2; r++) {
      const js = predictGbdt(model, rows.slice(r * 2, r * 2 + 2));
      expect(Math.abs(js - (scores[r] as number))).toBeLessThan(1e-5);
    }
    expect(manifest.version).toMatch(/^gbdt-csv-s3-/);
  });

  it('keeps at most max-bins - 1 categories per column', async () => {
    const { report } = await trainCsv({ ...base(), out: join(dir, 'bins'), maxBins: 4 });
    const country = (report.data.features as { name: string; categories?: number }[]).find(
      (f) => f.name === 'country',
    );
    expect(country?.categories).toBe(3);
  });

  it('holds out the last rows of the file with --split last', async () => {
    const { report } = await trainCsv({
      ...base(),
      out: join(dir, 'last'),
      split: 'last',
      testFraction: 0.25,
    });
    expect(report.split).toMatchObject({ method: 'last', trainRows: 3000, testRows: 1000 });
  });

  it('stops early on its validation split', async () => {
    const { report } = await trainCsv({
      ...base(),
      out: join(dir, 'es'),
      earlyStopping: 'on',
      maxIter: 400,
      learningRate: 0.5,
    });
    const es = report.split.earlyStopping as { roundsRun: number; treesKept: number; nIterNoChange: number };
    expect(es.roundsRun).toBeLessThan(400);
    expect(es.roundsRun - es.treesKept).toBe(es.nIterNoChange);
  });
});

describe('featureNames', () => {
  it('maps columns to attr.<name> (sanitised) and reuses built-in numeric features by name', () => {
    const col = (name: string, kind: 'numeric' | 'categorical') =>
      kind === 'numeric'
        ? { name, kind, values: new Float32Array(0), missing: 0 }
        : { name, kind, values: new Float32Array(0), missing: 0, categories: [], distinct: 0 };
    expect(
      featureNames([
        col('amount_usd', 'numeric'),
        col('Unnamed: 0', 'numeric'),
        col('7day', 'categorical'),
        col('amount_usd', 'categorical'),
        col('a-b', 'numeric'),
        col('a_b', 'numeric'),
      ]),
    ).toEqual(['amount_usd', 'attr.Unnamed__0', 'attr._7day', 'attr.amount_usd', 'attr.a_b', 'attr.a_b_']);
  });
});

describe('trainLogistic', () => {
  it('learns a linear signal with missing values and a categorical column', () => {
    const rand = seededRandom(9);
    const n = 5000;
    const x = new Float32Array(n);
    const c = new Float32Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = rand() < 0.1 ? Number.NaN : rand() * 10;
      c[i] = Math.floor(rand() * 4);
      const z = (Number.isNaN(x[i] as number) ? 5 : (x[i] as number)) - 5 + (c[i] === 3 ? 2 : 0);
      y[i] = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const cols = [
      { kind: 'numeric' as const, values: x },
      { kind: 'categorical' as const, values: c, nCategories: 4 },
    ];
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    const m = trainLogistic(cols, y, rows, { seed: 1 });
    expect(m.weights[0]).toBeGreaterThan(0);
    expect(m.weights[(m.offset[1] as number) + 3]).toBeGreaterThan(
      m.weights[(m.offset[1] as number) + 0] as number,
    );
    const scores = Float64Array.from(rows, (r) => predictLogistic(m, cols, r));
    expect(rocAuc(scores, y)).toBeGreaterThan(0.85);
    expect(JSON.stringify([...trainLogistic(cols, y, rows, { seed: 1 }).weights])).toBe(
      JSON.stringify([...m.weights]),
    );
  });
});

describe('parseTrainCsvArgs', () => {
  it.each([
    [['--label', 'y', '--out', 'o'], /--data is required/],
    [
      ['--data', 'd', '--label', 'y', '--out', 'o', '--class-weight', 'heavy'],
      /--class-weight must be one of none, balanced/,
    ],
    [
      ['--data', 'd', '--label', 'y', '--out', 'o', '--test-fraction', '1'],
      /--test-fraction must be in \(0, 1\)/,
    ],
    [['--data', 'd', '--label', 'y', '--out', 'o', '--bogus'], /bogus/],
  ])('rejects %j', (argv, message) => {
    const r = parseTrainCsvArgs(argv);
    expect('error' in r && r.error).toMatch(message);
  });

  it('parses lists and numbers and leaves unset options to the defaults', () => {
    const r = parseTrainCsvArgs([
      '--data',
      'd.csv',
      '--label',
      'y',
      '--out',
      'o',
      '--exclude',
      'a, b',
      '--max-depth',
      '6',
    ]);
    expect('value' in r && r.value).toMatchObject({ data: 'd.csv', exclude: ['a', 'b'], maxDepth: 6 });
    expect('value' in r && 'seed' in r.value).toBe(false);
    expect('value' in r && r.value.command).toBe(
      'npm run train -- --data d.csv --label y --exclude "a, b" --max-depth 6',
    );
  });
});
