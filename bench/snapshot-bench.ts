import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { progress } from './progress.js';
import { REPO_ROOT } from './repo-root.js';
import { runCommand } from './run-command.js';
import {
  parseChildLine,
  type SnapshotReport,
  type SnapshotRestore,
  type SnapshotWrite,
} from './snapshot-result.js';

/**
 * Start-up time with a large snapshot: bench/snapshot-child.ts fills a store with --memory-entities
 * entities (and 100,000 replay records), snapshots it and journals --snapshot-tail more decisions;
 * a second child, a fresh process as at a restart, reads and imports the snapshot, then recovers
 * snapshot + tail. Both pinned to the server CPU; the files go to the run's temporary directory.
 */
export async function benchSnapshot(ctx: BenchContext): Promise<SnapshotReport> {
  const o = ctx.options;
  const dir = join(ctx.workDir, 'snapshot-data');
  const child = async (args: string[]) => {
    const node = [process.execPath, ...ctx.runtime.nodeArgs('bench/snapshot-child.ts'), ...args];
    return (await runCommand('taskset', ['-c', String(o.serverCpu), ...node], { cwd: REPO_ROOT })).stdout;
  };
  progress(`snapshot: ${o.memoryEntities.toLocaleString('en-US')} entities, write then restore`);
  const written = parseChildLine<SnapshotWrite & { checksum: number }>(
    await child(['write', String(o.memoryEntities), dir, String(o.snapshotTail)]),
  );
  const restore = parseChildLine<SnapshotRestore>(await child(['restore', String(o.memoryEntities), dir]));
  if (restore.checksum !== written.checksum || restore.entities !== written.entities)
    throw new Error(
      `snapshot: the restored store differs (${restore.entities} entities, checksum ${restore.checksum}; written ${written.entities}, ${written.checksum})`,
    );
  const { checksum, ...write } = written;
  return { write, restore, writtenChecksum: checksum };
}
