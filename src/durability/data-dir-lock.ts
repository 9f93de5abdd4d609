import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** True when a process with this id exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `dir`/LOCK for this process, so two services never write one journal; returns the release.
 * A lock whose process is gone (a crash) or is this very process id (a container restarted with the
 * same pid) is taken over; a live holder is an error naming it.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'LOCK');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
      throw new Error(`${dir} is in use by process ${holder} (${file}); one process per DATA_DIR`);
    writeFileSync(file, String(process.pid));
  }
  return () => rmSync(file, { force: true });
}
