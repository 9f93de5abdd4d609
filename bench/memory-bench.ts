import type { BenchContext } from './bench-context.js';
import { type MemoryReport, type MemoryVariant, parseMemoryVariant } from './memory-result.js';
import { progress } from './progress.js';
import { REPO_ROOT } from './repo-root.js';
import { runCommand } from './run-command.js';

/**
 * Runs bench/memory-child.ts once with the default bundle's features section and once with 1h, 24h
 * and 7d windows on every entity (the features issue's target): one child at a time, each with a fresh heap
 * (so one variant's memory never lands in the other's) and pinned to the server CPU.
 */
export async function benchMemory(ctx: BenchContext): Promise<MemoryReport> {
  const o = ctx.options;
  const kinds: ('default' | '7d')[] = ['default', '7d'];
  const variants: MemoryVariant[] = [];
  for (const kind of kinds) {
    progress(`memory: ${o.memoryEntities.toLocaleString('en-US')} counter entities, ${kind} windows`);
    const node = [
      process.execPath,
      '--expose-gc',
      ...ctx.runtime.nodeArgs('bench/memory-child.ts'),
      String(o.memoryEntities),
      kind,
      String(o.memoryRepeat),
    ];
    const { stdout } = await runCommand('taskset', ['-c', String(o.serverCpu), ...node], { cwd: REPO_ROOT });
    variants.push(parseMemoryVariant(stdout));
  }
  return { variants };
}
