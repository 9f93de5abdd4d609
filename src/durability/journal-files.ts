import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Suffix of journal segment files; the name before it is the first sequence number, 20 digits. */
const SEGMENT_SUFFIX = '.journal';

/** File name of the segment whose first record is `seq`. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/** File names in `dir`; [] when there is no such directory (any other error is thrown). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** First sequence numbers of the segments in `dir`, ascending; [] when there is no such directory. */
export function listSegments(dir: string): number[] {
  return namesIn(dir)
    .filter((n) => /^\d{20}\.journal$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

/** Makes a directory's entries (files created, renamed or deleted in it) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
