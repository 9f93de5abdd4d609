/**
 * `npm run bench:train`: the CSV trainer on a generated 1,000,000 × 30 file (25 numeric columns with 2 %
 * missing, 5 categorical ones, about 1 % positives). Prints read/train time, rows/s and peak RSS; the
 * ratio column compares the whole run with reading the file alone, measured in the same run.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCsv, trainCsv } from '../src/model/train/index.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, keep: { type: 'boolean' } },
});
const nRows = Number(values.rows);
const NUMERIC = 25;
const CATEGORICAL = 5;

function rand32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(path: string): Promise<void> {
  const rand = rand32(1);
  const out = createWriteStream(path);
  const header = [
    ...Array.from({ length: NUMERIC }, (_, i) => `n${i}`),
    ...Array.from({ length: CATEGORICAL }, (_, i) => `c${i}`),
    'label',
  ];
  out.write(`${header.join(',')}\n`);
  for (let r = 0; r < nRows; r++) {
    const f: string[] = [];
    let z = -7;
    for (let i = 0; i < NUMERIC; i++) {
      const v = rand() * 2 - 1;
      if (i < 5) z += v * (i + 1) * 0.5;
      f.push(rand() < 0.02 ? '' : v.toFixed(4));
    }
    for (let i = 0; i < CATEGORICAL; i++) {
      const code = Math.floor(rand() * (10 + i * 40));
      if (i === 0 && code % 7 === 3) z += 2.5;
      f.push(`cat${i}_${code}`);
    }
    f.push(rand() < 1 / (1 + Math.exp(-z)) ? '1' : '0');
    if (!out.write(`${f.join(',')}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}

const dir = await mkdtemp(join(tmpdir(), 'train-bench-'));
const path = join(dir, 'data.csv');
try {
  let t = performance.now();
  await generate(path);
  const genS = (performance.now() - t) / 1000;
  const size = (await stat(path)).size;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  t = performance.now();
  let c = cpu();
  const table = await readCsv(path, { label: 'label' });
  const readS = (performance.now() - t) / 1000;
  const readCpu = cpu() - c;
  const positives = table.labels.reduce((a, b) => a + b, 0);
  const rssAfterRead = process.memoryUsage().rss;
  t = performance.now();
  c = cpu();
  const { report } = await trainCsv({ data: path, label: 'label', out: join(dir, 'out') }, (line) =>
    console.error(`  ${line}`),
  );
  const totalS = (performance.now() - t) / 1000;
  const totalCpu = cpu() - c;
  const peak = process.resourceUsage().maxRSS * 1024;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  console.log(
    `| ${nRows} rows × 30 columns, ${mb(size)} CSV, ${((positives / nRows) * 100).toFixed(2)} % positives (generated in ${genS.toFixed(1)} s) | |`,
  );
  console.log('| --- | ---: |');
  console.log(
    `| read only (2 passes) | ${readS.toFixed(1)} s wall, ${readCpu.toFixed(1)} s CPU, ${Math.round(nRows / readS)} rows/s |`,
  );
  console.log(`| RSS after read (table held) | ${mb(rssAfterRead)} |`);
  console.log(
    `| full trainCsv (read + GBDT + LR + ONNX check + report) | ${totalS.toFixed(1)} s wall, ${totalCpu.toFixed(1)} s CPU, ratio to read ${(totalS / readS).toFixed(1)}× |`,
  );
  console.log(`| peak RSS of the process | ${mb(peak)} |`);
  console.log(`| GBDT ROC-AUC / PR-AUC | ${report.gbdt.rocAuc} / ${report.gbdt.prAuc} |`);
  console.log(`| LR ROC-AUC / PR-AUC | ${report.logistic.rocAuc} / ${report.logistic.prAuc} |`);
  console.log(`| trees kept (early stopping) | ${JSON.stringify(report.split.earlyStopping)} |`);
} finally {
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
