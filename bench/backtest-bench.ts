/**
 * `npm run bench:backtest [-- --events N]`: builds a decision log of N simulator events (the
 * service's engine and decision log, default bundle), then times the backtest of a candidate (the
 * default bundle with a tighter velocity rule) against the live bundle over it, beside the cost of
 * only reading and parsing the same log. Prints events/s for both. Information, no gate; the
 * issue's target is ≥ 50,000 events/s.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import {
  backtest,
  backtestParallel,
  defaultBundleDir,
  loadBundleDir,
  readDecisionLog,
} from '../src/engine/index.js';
import { buildBenchLog } from './build-decision-log.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '30000' } } });
const N = Number(values.events);
const dataDir = mkdtempSync(join(tmpdir(), 'risk-backtest-bench-'));
const candidateDir = mkdtempSync(join(tmpdir(), 'risk-backtest-bench-candidate-'));
try {
  // 8 MiB segments: a long log spans many, which the parallel backtest spreads over threads.
  await buildBenchLog({ dataDir, events: N, seed: 9, users: 3000, fraudRate: 0.03, segmentMb: 8 });
  cpSync(defaultBundleDir(), candidateDir, { recursive: true });
  const rules = join(candidateDir, 'rules.json');
  writeFileSync(rules, readFileSync(rules, 'utf8').replace('card.count_1h >= 4', 'card.count_1h >= 2'));
  const opts = { tokenizer: createTokenizer(Buffer.alloc(32)), now: Date.now };
  const live = await loadBundleDir(defaultBundleDir(), opts);
  const candidate = await loadBundleDir(candidateDir, opts);
  const dir = join(dataDir, 'decisions');

  let t = performance.now();
  let read = 0;
  for await (const _ of readDecisionLog(dir)) read++;
  const readS = (performance.now() - t) / 1000;
  t = performance.now();
  const report = await backtest(readDecisionLog(dir), { live, candidate });
  const runS = (performance.now() - t) / 1000;
  t = performance.now();
  const loadDir = (d: string) => loadBundleDir(d, opts);
  const par = await backtestParallel(
    { dir, liveDir: defaultBundleDir(), candidateDir, sample: 20, workers: 2 },
    loadDir,
  );
  const parS = (performance.now() - t) / 1000;
  if (par.events !== report.events || par.changed !== report.changed)
    throw new Error(
      `the parallel backtest disagrees: ${par.events}/${par.changed} vs ${report.events}/${report.changed}`,
    );
  console.log(
    `Backtest — ${report.events.toLocaleString('en-US')} logged decisions, candidate vs live (default bundle)`,
  );
  console.log(`  ${'pass'.padEnd(48)}${'events/s'.padStart(12)}${'µs/event'.padStart(11)}`);
  for (const [name, s, k] of [
    ['read + parse the log only', readS, read],
    ['backtest (both bundles, every record)', runS, report.events],
    ['backtest, 2 worker threads (npm run backtest)', parS, par.events],
  ] as const)
    console.log(
      `  ${name.padEnd(48)}${Math.round(k / s)
        .toLocaleString('en-US')
        .padStart(12)}${((1e6 * s) / k).toFixed(1).padStart(11)}`,
    );
  console.log(
    `  ${report.changed} decisions change; the live bundle re-decides ${report.events - report.recordedDiffers} of ${report.events} as recorded`,
  );
  await live.model?.close();
  await candidate.model?.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(candidateDir, { recursive: true, force: true });
}
