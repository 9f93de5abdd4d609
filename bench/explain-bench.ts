/**
 * `npm run bench:explain [-- --events N --k 3]`: what explanations cost per decision on the default
 * model. Times, per event and in one process, the model score alone (scoreNow: one native
 * onnxruntime run) and the score plus the top-k TreeSHAP explanation, interleaved so both see the
 * same machine state, and prints mean, p50 and p99 and the explanation's share. TreeSHAP visits
 * every node of every tree whatever the row, so its cost depends on the trees, not the values;
 * the rows are still varied (counts, amounts, missing values) like hydrated ones.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import { defaultBundleDir, loadBundleDir } from '../src/engine/index.js';
import { createOnnxScorer, createTreeExplainer, parseManifest } from '../src/model/index.js';
import { percentile } from './percentile.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '20000' }, k: { type: 'string', default: '3' } },
});
const N = Number(values.events);
const K = Number(values.k);

// The schema as the loader builds it (features plus the sequences' stages), without the model.
const bundle = await loadBundleDir(defaultBundleDir(), {
  tokenizer: createTokenizer(Buffer.alloc(32)),
  now: Date.now,
  skipModel: true,
});
const schema = bundle.features.schema;
const dir = join(defaultBundleDir(), 'model');
const m = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), schema);
if ('errors' in m) throw new Error(m.errors.join('; '));
const bytes = await readFile(join(dir, m.value.file));
const model = await createOnnxScorer(bytes, m.value, schema);
const scoreNow = model.scoreNow;
if (scoreNow === undefined) throw new Error('onnxruntime has no synchronous run here');
const made = createTreeExplainer(bytes, m.value, schema);
if ('error' in made) throw new Error(made.error);
const explainer = made.value;

let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
};
const rows = Array.from({ length: 1000 }, () =>
  Float64Array.from({ length: schema.size }, () => {
    const r = rand();
    return r < 0.3 ? Number.NaN : r < 0.6 ? Math.floor(rand() * 20) : rand() * 3000;
  }),
);

const score = (i: number) => scoreNow(rows[i % rows.length] as Float64Array);
const both = (i: number) => {
  const f = rows[i % rows.length] as Float64Array;
  scoreNow(f);
  return explainer.explain(f, K).length;
};
const explainOnly = (i: number) => explainer.explain(rows[i % rows.length] as Float64Array, K).length;
const cases = [
  ['score (onnxruntime, native, 1 row)', score],
  [`score + explain (TreeSHAP, top ${K})`, both],
  [`explain alone (TreeSHAP, top ${K})`, explainOnly],
] as const;
for (let i = 0; i < 5000; i++) for (const [, f] of cases) f(i);
const micros = cases.map(() => new Float64Array(N));
for (let i = 0; i < N; i++) {
  cases.forEach(([, f], c) => {
    const t0 = process.hrtime.bigint();
    f(i);
    (micros[c] as Float64Array)[i] = Number(process.hrtime.bigint() - t0) / 1000;
  });
}
const trees = explainer.covers;
console.log(
  `Explanations — default model (${m.value.version}, 100 trees of depth 4, covers: ${trees}), ${N.toLocaleString('en-US')} events, µs per event`,
);
console.log(`  ${'what'.padEnd(40)}${'mean'.padStart(9)}${'p50'.padStart(9)}${'p99'.padStart(9)}`);
const means: number[] = [];
cases.forEach(([name], c) => {
  const a = (micros[c] as Float64Array).sort();
  const mean = a.reduce((s, v) => s + v, 0) / N;
  means.push(mean);
  console.log(
    `  ${name.padEnd(40)}${mean.toFixed(2).padStart(9)}${percentile(a, 50).toFixed(2).padStart(9)}${percentile(a, 99).toFixed(2).padStart(9)}`,
  );
});
const extra = (means[1] as number) - (means[0] as number);
console.log(
  `  explanation adds ${extra.toFixed(2)} µs per decision (${((means[1] as number) / (means[0] as number)).toFixed(2)}× the score alone); budget 20 µs: ${extra > 20 ? 'over: per-request option, off by default' : 'within: on by default'}`,
);
await model.close();
