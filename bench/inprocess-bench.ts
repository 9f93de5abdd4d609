import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import type { InprocessResult } from './inprocess-result.js';
import { progress } from './progress.js';
import { REPO_ROOT } from './repo-root.js';
import { runCommand } from './run-command.js';
import { COMMON_ENV } from './server-specs.js';

/** Runs bench/inprocess-child.ts pinned to the server CPU, in its own process with a fresh heap. */
export async function benchInprocess(ctx: BenchContext): Promise<InprocessResult> {
  const o = ctx.options;
  progress(`in-process: ${o.iterations} timed decide() calls on cpu ${o.serverCpu}`);
  const node = [process.execPath, ...ctx.runtime.nodeArgs('bench/inprocess-child.ts'), String(o.iterations)];
  const { stdout } = await runCommand('taskset', ['-c', String(o.serverCpu), ...node], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...COMMON_ENV, DATA_DIR: join(ctx.workDir, 'data-inprocess') },
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as InprocessResult;
  } catch {
    throw new Error(`in-process child printed no result:\n${stdout}`);
  }
}
