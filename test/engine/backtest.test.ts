import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDecisionSegments, readDecisionLog } from '../../src/durability/index.js';
import {
  type Bundle,
  backtest,
  backtestParallel,
  defaultBundleDir,
  loadBundleDir,
} from '../../src/engine/index.js';
import { buildDecisionLog } from '../decision-log-builder.js';

let dataDir: string;
let candidateDir: string;
const bundles: Bundle[] = [];
let outcomes = 0;
const N = 4000;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-backtest-'));
  // The log: simulator traffic decided by the service with the default bundle, some outcomes.
  const built = await buildDecisionLog({
    dataDir,
    events: N,
    seed: 3,
    users: 500,
    fraudRate: 0.04,
    // Segments of 1 MiB: the log spans several, as a long one does (the parallel backtest splits by them).
    segmentMb: 1,
    outcomes: (i, label) =>
      (i + 1) % 10 === 0 || label === 1 ? [label === 1 ? 'CONFIRMED_FRAUD' : 'FALSE_POSITIVE'] : [],
  });
  outcomes = built.filter((d) => d.outcomes.length > 0).length;
  // The candidate: the default bundle with a tighter card velocity rule.
  candidateDir = mkdtempSync(join(tmpdir(), 'risk-backtest-candidate-'));
  cpSync(defaultBundleDir(), candidateDir, { recursive: true });
  const rulesFile = join(candidateDir, 'rules.json');
  const text = readFileSync(rulesFile, 'utf8').replace('card.count_1h >= 4', 'card.count_1h >= 2');
  writeFileSync(rulesFile, text);
}, 120_000);
afterAll(async () => {
  for (const b of bundles) await b.model?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(candidateDir, { recursive: true, force: true });
});

const load = async (dir: string) => {
  const { createTokenizer } = await import('../../src/domain/index.js');
  const b = await loadBundleDir(dir, { tokenizer: createTokenizer(Buffer.alloc(32)), now: () => 0 });
  bundles.push(b);
  return b;
};

describe('backtest over the decision log', () => {
  it('decides as the engine did on the recorded snapshots, and shows what a candidate changes', async () => {
    const live = await load(defaultBundleDir());
    const candidate = await load(candidateDir);
    const report = await backtest(readDecisionLog(join(dataDir, 'decisions')), {
      live,
      candidate,
      sample: 50,
    });
    console.log(
      `backtest: ${report.events} events in ${report.seconds.toFixed(2)} s (${Math.round(report.eventsPerSecond)}/s); ${report.changed} changed; live ${JSON.stringify(report.mix.live)} candidate ${JSON.stringify(report.mix.candidate)}`,
    );
    expect(report.events).toBe(N);
    // The live bundle made the log: re-deciding from the snapshots gives the same decisions.
    expect(report.recordedDiffers).toBe(0);
    expect(report.mix.live).toEqual(report.mix.recorded);
    // The candidate only adds reviews where its tighter velocity rule fires.
    expect(report.changed).toBeGreaterThan(0);
    for (const c of report.changedSample) {
      expect(c.candidate).toBe('REVIEW');
      expect(c.candidateReasons).toContain('card_velocity_1h');
    }
    const velocity = report.rules.find((r) => r.id === 'card_velocity_1h');
    expect(velocity?.candidate).toBeGreaterThan(velocity?.live ?? 0);
    expect(report.labels.labelled).toBe(outcomes);
    expect(report.labels.candidate.flagged).toBeGreaterThanOrEqual(report.labels.live.flagged);
    expect(report.labels.live.recall).toBeGreaterThan(0);
  }, 60_000);

  it('the live bundle against itself changes nothing; a time range selects decisions by when they were made', async () => {
    const live = await load(defaultBundleDir());
    const all = await backtest(readDecisionLog(join(dataDir, 'decisions')), { live, candidate: live });
    expect(all.changed).toBe(0);
    const none = await backtest(readDecisionLog(join(dataDir, 'decisions')), {
      live,
      candidate: live,
      from: Date.parse(all.to ?? '') + 1,
    });
    expect(none.events).toBe(0);
  }, 60_000);
});

describe('parallel backtest', () => {
  it('over worker threads by segment, reports what one thread reports (outcomes joined across segments)', async () => {
    const live = await load(defaultBundleDir());
    const candidate = await load(candidateDir);
    const dir = join(dataDir, 'decisions');
    expect(listDecisionSegments(dir).length).toBeGreaterThan(3);
    const one = await backtest(readDecisionLog(dir), { live, candidate, sample: 5 });
    const two = await backtestParallel(
      { dir, liveDir: defaultBundleDir(), candidateDir, sample: 5, workers: 2 },
      load,
    );
    const same = (r: typeof one) => ({
      ...r,
      seconds: 0,
      eventsPerSecond: 0,
      changedSample: r.changedSample.length,
    });
    expect(same(two)).toEqual(same(one));
    expect(one.labels.labelled).toBe(outcomes);
    // A time range too.
    const from = Date.parse(String(one.from)) + 1000 * 3600;
    const rangedOne = await backtest(readDecisionLog(dir), { live, candidate, from });
    const rangedTwo = await backtestParallel({ dir, liveDir: defaultBundleDir(), candidateDir, from }, load);
    expect(rangedTwo.events).toBe(rangedOne.events);
    expect(rangedTwo.labels).toEqual(rangedOne.labels);
  }, 120_000);
});
