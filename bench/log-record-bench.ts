/**
 * `npm run bench:log-record`: what a decision record's feature snapshot costs to write and to read
 * back, as the JSON array of numbers the log used to carry and as base64 of its float64 bytes (what
 * it carries now, src/durability/snapshot-base64.ts). The snapshot is the default bundle's schema
 * filled the way traffic fills it: zeros, counts, amounts with fractions and missing values.
 * Information, no gate; the figures are ratios in one run.
 */
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import { snapshotBase64, snapshotFromBase64 } from '../src/durability/index.js';
import { defaultBundleDir, loadBundleDir } from '../src/engine/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' } } });
const N = Number(values.n);
const bundle = await loadBundleDir(defaultBundleDir(), {
  tokenizer: createTokenizer(Buffer.alloc(32)),
  now: Date.now,
});
const size = bundle.features.schema.size;
await bundle.model?.close();
const f = new Float64Array(size);
let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
for (let i = 0; i < size; i++)
  f[i] =
    i % 3 === 0
      ? 0
      : i % 3 === 1
        ? Math.round(rnd() * 100_000) / 100
        : i % 7 === 0
          ? Number.NaN
          : Math.round(rnd() * 20);

const time = (fn: () => number): { us: number; bytes: number } => {
  let bytes = 0;
  for (let i = 0; i < N / 10; i++) bytes += fn();
  bytes = 0;
  const t = performance.now();
  for (let i = 0; i < N; i++) bytes += fn();
  return { us: ((performance.now() - t) * 1000) / N, bytes: bytes / N };
};
const asArray = JSON.stringify({ f: Array.from(f) });
const asBase64 = JSON.stringify({ fb: snapshotBase64(f) });
const rows = [
  ['write: JSON array', time(() => JSON.stringify({ f: Array.from(f.slice()) }).length)],
  ['write: base64 of float64s', time(() => JSON.stringify({ fb: snapshotBase64(f.slice()) }).length)],
  ['read: JSON array', time(() => (JSON.parse(asArray) as { f: number[] }).f.length)],
  [
    'read: base64 of float64s',
    time(() => snapshotFromBase64((JSON.parse(asBase64) as { fb: string }).fb).length),
  ],
] as const;
console.log(`Decision-log feature snapshot, ${size} features, ${N.toLocaleString('en-US')} rounds`);
console.log(`  ${'pass'.padEnd(30)}${'µs'.padStart(8)}${'bytes'.padStart(8)}`);
for (const [name, r] of rows)
  console.log(`  ${name.padEnd(30)}${r.us.toFixed(2).padStart(8)}${String(Math.round(r.bytes)).padStart(8)}`);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log(
  `  base64 vs array: write ${ratio(rows[0][1].us, rows[1][1].us)}× as fast, read ${ratio(rows[2][1].us, rows[3][1].us)}× as fast`,
);
