import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { listDecisionSegments, readDecisionLog, readLogOutcomes } from '../durability/index.js';
import { type BacktestReport, backtest } from './backtest.js';
import type { Bundle } from './bundle.js';

/** A backtest over a log directory, with both bundles given as directories (workers load their own). */
export interface ParallelBacktestOptions {
  /** The decision log's directory (DATA_DIR/decisions). */
  readonly dir: string;
  readonly liveDir: string;
  readonly candidateDir: string;
  readonly from?: number;
  readonly to?: number;
  readonly sample?: number;
  /** Worker threads (default 2); one, or a log of one segment, runs on this thread. */
  readonly workers?: number;
}

/** What a worker is asked: its segments, the bundles, and every outcome of the log. */
export interface BacktestWorkerTask {
  readonly dir: string;
  readonly segments: readonly string[];
  readonly liveDir: string;
  readonly candidateDir: string;
  readonly from?: number;
  readonly to?: number;
  readonly sample: number;
  readonly outcomes: readonly Record<string, unknown>[];
}

/**
 * Runs one worker's share: the decisions of its segments (their outcome lines skipped) followed by
 * every outcome of the log, so each decision is judged by its latest outcome wherever it was written.
 */
export async function backtestShare(
  task: BacktestWorkerTask,
  live: Bundle,
  candidate: Bundle,
): Promise<BacktestReport> {
  async function* records() {
    for await (const r of readDecisionLog(task.dir, undefined, { segments: task.segments }))
      if (r.kind !== 'outcome') yield r;
    yield* task.outcomes;
  }
  return backtest(records(), {
    live,
    candidate,
    sample: task.sample,
    ...(task.from !== undefined ? { from: task.from } : {}),
    ...(task.to !== undefined ? { to: task.to } : {}),
  });
}

/** Adds up the shares' reports: every count is a sum, the rates are worked out again from them. */
export function mergeBacktestReports(
  parts: readonly BacktestReport[],
  seconds: number,
  sample: number,
): BacktestReport {
  const first = parts[0] as BacktestReport;
  const sum = (f: (r: BacktestReport) => number) => parts.reduce((a, r) => a + f(r), 0);
  const mix = (k: 'recorded' | 'live' | 'candidate') => ({
    ALLOW: sum((r) => r.mix[k].ALLOW),
    CHALLENGE: sum((r) => r.mix[k].CHALLENGE),
    REVIEW: sum((r) => r.mix[k].REVIEW),
    BLOCK: sum((r) => r.mix[k].BLOCK),
  });
  const rules = new Map<
    string,
    { id: string; live: number; candidate: number; liveShadow: number; candidateShadow: number }
  >();
  for (const r of parts)
    for (const x of r.rules) {
      const y = rules.get(x.id) ?? { id: x.id, live: 0, candidate: 0, liveShadow: 0, candidateShadow: 0 };
      y.live += x.live;
      y.candidate += x.candidate;
      y.liveShadow += x.liveShadow;
      y.candidateShadow += x.candidateShadow;
      rules.set(x.id, y);
    }
  const fraud = sum((r) => r.labels.fraud);
  const score = (k: 'live' | 'candidate') => {
    const flagged = sum((r) => r.labels[k].flagged);
    const tp = sum((r) => r.labels[k].truePositives);
    return {
      flagged,
      truePositives: tp,
      precision: flagged === 0 ? Number.NaN : tp / flagged,
      recall: fraud === 0 ? Number.NaN : tp / fraud,
    };
  };
  const froms = parts.flatMap((r) => (r.from !== undefined ? [r.from] : [])).sort();
  const tos = parts.flatMap((r) => (r.to !== undefined ? [r.to] : [])).sort();
  const events = sum((r) => r.events);
  return {
    events,
    ...(froms.length > 0 ? { from: froms[0] as string, to: tos[tos.length - 1] as string } : {}),
    liveVersion: first.liveVersion,
    candidateVersion: first.candidateVersion,
    seconds,
    eventsPerSecond: events / Math.max(seconds, 1e-9),
    mix: { recorded: mix('recorded'), live: mix('live'), candidate: mix('candidate') },
    rules: [...rules.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    recordedDiffers: sum((r) => r.recordedDiffers),
    changed: sum((r) => r.changed),
    changedSample: parts.flatMap((r) => r.changedSample).slice(0, sample),
    labels: {
      labelled: sum((r) => r.labels.labelled),
      fraud,
      live: score('live'),
      candidate: score('candidate'),
    },
  };
}

/** Run from TypeScript sources (tsx, vitest), the worker is a .ts file and needs tsx's loader too. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./backtest-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

/**
 * The backtest of docs/backtest.md spread over worker threads by segment (each segment is readable
 * on its own: it declares its feature schemas). The outcomes are read first (their lines only, found
 * without parsing the decisions) and given to every worker; the shares' reports are added up. The
 * same report as `backtest` over the whole log, but for which changed decisions the sample lists.
 */
export async function backtestParallel(
  options: ParallelBacktestOptions,
  load: (dir: string) => Promise<Bundle>,
): Promise<BacktestReport> {
  const started = performance.now();
  const sample = options.sample ?? 20;
  const segments = listDecisionSegments(options.dir);
  const n = Math.max(1, Math.min(options.workers ?? 2, segments.length));
  const outcomes = await readLogOutcomes(options.dir);
  // Largest first onto the least loaded share.
  const shares: { names: string[]; bytes: number }[] = Array.from({ length: n }, () => ({
    names: [],
    bytes: 0,
  }));
  const sized = segments.map((name) => ({ name, bytes: statSync(join(options.dir, name)).size }));
  for (const s of [...sized].sort((a, b) => b.bytes - a.bytes)) {
    const share = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    share.names.push(s.name);
    share.bytes += s.bytes;
  }
  const tasks: BacktestWorkerTask[] = shares.map((s) => ({
    dir: options.dir,
    segments: segments.filter((x) => s.names.includes(x)),
    liveDir: options.liveDir,
    candidateDir: options.candidateDir,
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.to !== undefined ? { to: options.to } : {}),
    sample,
    outcomes,
  }));
  let parts: BacktestReport[];
  if (n === 1) {
    const [live, candidate] = [await load(options.liveDir), await load(options.candidateDir)];
    try {
      parts = [await backtestShare(tasks[0] as BacktestWorkerTask, live, candidate)];
    } finally {
      await live.model?.close();
      await candidate.model?.close();
    }
  } else parts = await Promise.all(tasks.map(runWorker));
  return mergeBacktestReports(parts, (performance.now() - started) / 1000, sample);
}

function runWorker(task: BacktestWorkerTask): Promise<BacktestReport> {
  return new Promise((resolve, reject) => {
    // From sources, the worker registers tsx's loader before it imports the .ts entry.
    const w = FROM_SOURCE
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER.href)}); })`,
          { eval: true, workerData: task },
        )
      : new Worker(WORKER, { workerData: task });
    let done = false;
    w.once('message', (m: { report?: BacktestReport; error?: string }) => {
      done = true;
      if (m.report !== undefined) resolve(m.report);
      else reject(new Error(m.error ?? 'backtest worker failed'));
    });
    w.once('error', (err) => {
      done = true;
      reject(err);
    });
    w.once('exit', (code) => {
      if (!done) reject(new Error(`backtest worker exited with code ${code}`));
    });
  });
}
