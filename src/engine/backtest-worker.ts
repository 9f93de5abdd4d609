import { parentPort, workerData } from 'node:worker_threads';
import { createTokenizer } from '../domain/index.js';
import { type BacktestWorkerTask, backtestShare } from './backtest-parallel.js';
import { loadBundleDir } from './bundle-loader.js';

// One share of a parallel backtest (src/engine/backtest-parallel.ts): loads both bundles, runs its
// segments, posts the report. Lists are matched on the logged (tokenised) events, so the tokenizer's
// key does not matter here.
const task = workerData as BacktestWorkerTask;
const opts = { tokenizer: createTokenizer(Buffer.alloc(32)), now: Date.now };
try {
  const live = await loadBundleDir(task.liveDir, opts);
  const candidate = await loadBundleDir(task.candidateDir, opts);
  try {
    parentPort?.postMessage({ report: await backtestShare(task, live, candidate) });
  } finally {
    await live.model?.close();
    await candidate.model?.close();
  }
} catch (err) {
  parentPort?.postMessage({ error: (err as Error).message });
}
