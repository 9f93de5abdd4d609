/**
 * `npm run bench:report [-- --events N] [--keep DIR]`: builds a decision log of N simulator events
 * (default 100,000; the service's engine, the default bundle with a shadow rule and its model as a
 * challenger on half the events, an outcome on every 20th decision and every fraud), then times the
 * risk and the shadow report over it beside only reading and parsing the same log (the baseline:
 * reading is the bottleneck). Prints events/s and the ratio to the baseline. Information, no gate.
 * --keep DIR builds the log under DIR and leaves it there (for `npm run report -- --log DIR`); a DIR
 * that already holds a log is reused as it is.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import { listDecisionSegments } from '../src/durability/index.js';
import {
  defaultBundleDir,
  loadBundleDir,
  readDecisionLog,
  riskReport,
  shadowReport,
} from '../src/engine/index.js';
import { buildBenchLog } from './build-decision-log.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, keep: { type: 'string' } },
});
const N = Number(values.events);
const dataDir =
  values.keep !== undefined ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'risk-report-bench-'));
mkdirSync(dataDir, { recursive: true });
const bundleDir = mkdtempSync(join(tmpdir(), 'risk-report-bench-bundle-'));
try {
  // The default bundle, a shadow rule beside its velocity rule, its own model as a challenger.
  cpSync(defaultBundleDir(), bundleDir, { recursive: true });
  const rulesFile = join(bundleDir, 'rules.json');
  const rules = JSON.parse(readFileSync(rulesFile, 'utf8')) as { rules: unknown[] };
  rules.rules.push({
    id: 'card_velocity_1h_tight',
    action: 'REVIEW',
    mode: 'shadow',
    when: "type == 'PAYMENT' and card.count_1h >= 2",
    reason: {
      code: 'card_velocity_1h_tight',
      message: 'card charged {card.count_1h} times in the last hour',
    },
  });
  writeFileSync(rulesFile, JSON.stringify(rules));
  cpSync(join(bundleDir, 'model'), join(bundleDir, 'challenger'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(bundleDir, 'model/manifest.json'), 'utf8')) as object;
  writeFileSync(
    join(bundleDir, 'challenger/manifest.json'),
    JSON.stringify({ ...manifest, version: 'challenger-bench', thresholds: { review: 0.1, block: 0.6 } }),
  );
  const meta = JSON.parse(readFileSync(join(bundleDir, 'bundle.json'), 'utf8')) as object;
  writeFileSync(join(bundleDir, 'bundle.json'), JSON.stringify({ ...meta, challenger: { share: 0.5 } }));

  const t = performance.now();
  const reuse = values.keep !== undefined && listDecisionSegments(join(dataDir, 'decisions')).length > 0;
  const decided = reuse
    ? 0
    : await buildBenchLog({
        dataDir,
        bundleDir,
        events: N,
        seed: 21,
        users: 5000,
        fraudRate: 0.03,
        outcome: (i, label) => (label === 1 ? 'CHARGEBACK' : i % 20 === 0 ? 'FALSE_POSITIVE' : undefined),
      });
  if (!reuse)
    console.log(
      `built a log of ${decided.toLocaleString('en-US')} decisions in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  const bundle = await loadBundleDir(bundleDir, {
    tokenizer: createTokenizer(Buffer.alloc(32)),
    now: Date.now,
  });
  const dir = join(dataDir, 'decisions');

  const time = async (run: () => Promise<number>) => {
    const start = performance.now();
    const k = await run();
    return { k, s: (performance.now() - start) / 1000 };
  };
  const count = async (records: AsyncIterable<Record<string, unknown>>) => {
    let k = 0;
    for await (const r of records) if (r.kind === 'decision') k++;
    return k;
  };
  const lean = (range: { from?: number } = {}) =>
    readDecisionLog(dir, undefined, { features: false, ...range });
  const read = await time(() => count(readDecisionLog(dir)));
  const readLean = await time(() => count(lean()));
  const riskFull = await time(async () => (await riskReport(readDecisionLog(dir))).decisions);
  const risk = await time(async () => (await riskReport(lean())).decisions);
  const shadow = await time(async () => (await shadowReport(lean(), { bundle })).decisions);
  const all = await riskReport(lean(), { top: 1 });
  const from = Date.parse(all.last ?? '') - 60_000;
  const lastMinute = await time(async () => (await riskReport(lean({ from }), { from })).decisions);
  console.log(
    `Reports — ${read.k.toLocaleString('en-US')} logged decisions (default bundle, a shadow rule, a challenger on half)`,
  );
  console.log(
    `  ${'pass'.padEnd(52)}${'events/s'.padStart(12)}${'µs/event'.padStart(11)}${'vs read'.padStart(9)}`,
  );
  for (const [name, x] of [
    ['read + parse the whole log (baseline)', read],
    ['read + parse without feature snapshots', readLean],
    ['risk report, whole records', riskFull],
    ['risk report (as CLI and admin API read)', risk],
    ['shadow report (as CLI and admin API read)', shadow],
  ] as const)
    console.log(
      `  ${name.padEnd(52)}${Math.round(x.k / x.s)
        .toLocaleString('en-US')
        .padStart(12)}${((1e6 * x.s) / x.k).toFixed(1).padStart(11)}${(read.s / x.s).toFixed(2).padStart(9)}`,
    );
  console.log(
    `  risk report of the last minute: ${lastMinute.k.toLocaleString('en-US')} decisions in ${lastMinute.s.toFixed(2)} s (the rest skipped unparsed)`,
  );
  await bundle.model?.close();
  await bundle.challenger?.model.close();
} finally {
  if (values.keep === undefined) rmSync(dataDir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
}
