import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { callgrindTotal, runFromParts, summarizeRuns } from './callgrind-parts.js';
import type { CallgrindReport, CallgrindRun } from './callgrind-result.js';
import { pickTemplates } from './pick-templates.js';
import { progress } from './progress.js';
import { REPO_ROOT } from './repo-root.js';
import { HINTS, hasTool } from './require-tools.js';
import { runCommand } from './run-command.js';
import { prepareRuntime, type Runtime } from './runtime.js';
import { COMMON_ENV } from './server-specs.js';

/** Decisions before the measured ones: enough for TurboFan to have compiled the hot paths. */
const WARMUP = 2000;
/** Measured decisions: long enough to hold the scavenges and major collections they cause. */
const DECISIONS = 3000;
/** Measured trivial calls: cheap, so many, to make the per-call floor exact. */
const TRIVIAL_CALLS = 20_000;

/**
 * node flags of the counted child. --single-threaded keeps V8's compiler and garbage collector on
 * the main thread, where callgrind sees them in a fixed order; the GC flags take the wall clock out
 * of when collections happen, and the seeds fix hashing and Math.random (see bench/README.md).
 */
export const CALLGRIND_NODE_FLAGS: readonly string[] = [
  '--single-threaded',
  '--predictable-gc-schedule',
  '--no-incremental-marking',
  '--hash-seed=1',
  '--random-seed=1',
];

/**
 * Instructions per in-process decide() and per trivial async call, counted by valgrind's callgrind
 * on bench/callgrind-child.ts compiled by tsc (tsx would transpile under valgrind). `--callgrind-runs`
 * runs go in parallel: their counts do not depend on the CPU or the load, only their wall time does.
 * Skipped with a note when valgrind is missing or a run fails, so the rest of the report stands.
 */
export async function benchCallgrind(ctx: BenchContext): Promise<CallgrindReport> {
  if (!hasTool('valgrind'))
    return { skipped: `valgrind not found (${HINTS.valgrind}); instructions per decision not counted` };
  try {
    const runtime =
      ctx.runtime.kind === 'tsc' ? ctx.runtime : await prepareRuntime('tsc', join(ctx.workDir, 'callgrind'));
    const templates = join(ctx.workDir, 'callgrind-templates.json');
    await writeFile(templates, JSON.stringify(pickTemplates(WARMUP + DECISIONS)));
    const { stdout } = await runCommand('valgrind', ['--version']);
    const n = ctx.options.callgrindRuns;
    progress(
      `callgrind: ${n} run(s) of ${WARMUP} warm-up + ${DECISIONS} counted decide() calls under valgrind (about a minute each)`,
    );
    const runs = await Promise.all(
      Array.from({ length: n }, (_, i) => countOnce(ctx, runtime, templates, i)),
    );
    return {
      valgrind: stdout.trim(),
      nodeFlags: CALLGRIND_NODE_FLAGS,
      warmup: WARMUP,
      decisions: DECISIONS,
      trivialCalls: TRIVIAL_CALLS,
      runs,
      ...summarizeRuns(runs),
    };
  } catch (err) {
    progress(`callgrind failed: ${(err as Error).message}`);
    return { skipped: `callgrind run failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function countOnce(
  ctx: BenchContext,
  runtime: Runtime,
  templates: string,
  i: number,
): Promise<CallgrindRun> {
  const out = join(ctx.workDir, `callgrind-${i}.out`);
  const started = performance.now();
  await runCommand(
    'valgrind',
    [
      '--tool=callgrind',
      '--dump-before=getppid',
      `--callgrind-out-file=${out}`,
      process.execPath,
      ...CALLGRIND_NODE_FLAGS,
      ...runtime.nodeArgs('bench/callgrind-child.ts'),
      templates,
      String(WARMUP),
      String(DECISIONS),
      String(TRIVIAL_CALLS),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...COMMON_ENV, RISK_JOURNAL_MODE: 'off', RISK_DECISION_LOG: 'off' },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const parts: number[] = [];
  for (let k = 1; ; k++) {
    const text = await readFile(`${out}.${k}`, 'utf8').catch(() => undefined);
    if (text === undefined) break;
    parts.push(callgrindTotal(text));
  }
  return runFromParts(parts, { decisions: DECISIONS, trivialCalls: TRIVIAL_CALLS }, seconds);
}
