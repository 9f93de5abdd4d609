import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/engine/index.js';
import { createOnnxScorer, type ModelScorer, parseManifest } from '../../src/model/index.js';
import { defaultFeatureSchema } from '../helpers.js';
import { seededRandom } from './synthetic.js';

const schema = defaultFeatureSchema();

async function defaultScorer(options: Parameters<typeof createOnnxScorer>[3] = {}): Promise<ModelScorer> {
  const dir = join(defaultBundleDir(), 'model');
  const m = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), schema);
  if ('errors' in m) throw new Error(m.errors.join('; '));
  return createOnnxScorer(await readFile(join(dir, m.value.file)), m.value, schema, options);
}

/** Feature vectors with a mix of counts, amounts and missing values, like hydrated ones. */
function randomVectors(n: number, seed: number): Float64Array[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () =>
    Float64Array.from({ length: schema.size }, () => {
      const r = rand();
      return r < 0.3 ? Number.NaN : r < 0.6 ? Math.floor(rand() * 20) : rand() * 3000;
    }),
  );
}

describe('ONNX scorer', () => {
  it('runs through the native binding and scores exactly like the public API: at once, alone and batched', async () => {
    const scorer = await defaultScorer();
    try {
      expect(scorer.runtime).toBe('native');
      const rows = randomVectors(300, 3);
      const reference = await scorer.scoreBatch(rows); // public onnxruntime API
      const clamp = (v: number) => Math.min(1, Math.max(0, v));
      // Concurrent calls share micro-batches; sequential ones run alone.
      const together = await Promise.all(rows.map((r) => scorer.score(r)));
      expect(together).toEqual(Array.from(reference, clamp));
      for (let i = 0; i < 20; i++)
        expect(await scorer.score(rows[i] as Float64Array)).toBe(clamp(reference[i] as number));
      const now = scorer.scoreNow;
      if (now === undefined) throw new Error('the native runtime scores synchronously');
      for (let i = 0; i < rows.length; i++)
        expect(now(rows[i] as Float64Array)).toBe(clamp(reference[i] as number));
      expect(new Set(together).size).toBeGreaterThan(10);
    } finally {
      await scorer.close();
    }
  });

  it('batches decisions that reach the model in the same event-loop turn, up to the cap', async () => {
    const batches: number[] = [];
    const scorer = await defaultScorer({ maxBatch: 16, onBatch: (size) => batches.push(size) });
    try {
      await Promise.all(randomVectors(40, 5).map((r) => scorer.score(r)));
      expect(batches).toEqual([16, 16, 8]);
    } finally {
      await scorer.close();
    }
  });

  it('degrades decisions that waited past the budget instead of scoring them late', async () => {
    const scorer = await defaultScorer({ timeoutMs: 5 });
    try {
      const [row] = randomVectors(1, 7);
      const late = scorer.score(row as Float64Array);
      const blockedUntil = performance.now() + 20; // the event loop is busy; the batch cannot run
      while (performance.now() < blockedUntil) {}
      await expect(late).rejects.toThrow(/queue wait exceeded 5 ms/);
      await expect(scorer.score(row as Float64Array)).resolves.toBeGreaterThanOrEqual(0);
    } finally {
      await scorer.close();
    }
  });
});
