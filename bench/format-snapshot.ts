import type { SnapshotReport } from './snapshot-result.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (n: number) => `${int(n)} ms`;

/** The snapshot section of the report: what writing and restoring a snapshot cost. */
export function formatSnapshot(s: SnapshotReport): string[] {
  const w = s.write;
  const r = s.restore;
  const snapshotRestore = r.readMs + r.importMs;
  const rows: [string, string][] = [
    ['snapshot size', `${mib(w.bytes)} (${int(w.bytes / w.entities)} B/entity with the replay records)`],
    ['prepare copy memory (16 MiB per loop turn)', ms(w.prepareMs)],
    ['capture (event loop held)', ms(w.captureMs)],
    ['write + fsync + rename', ms(w.totalMs - w.captureMs)],
    ['restore: read + checksums', ms(r.readMs)],
    ['restore: import counters', ms(r.importMs)],
    [
      `journal tail (${int(w.tailRecords)} records, ${mib(w.tailBytes)})`,
      `replayed ${int(r.replayedRecords)}`,
    ],
    ['start-up recovery, snapshot + tail', ms(r.recoverMs)],
    ['restore child peak RSS (both restores)', mib(r.peakRss)],
  ];
  return [
    `Snapshot — ${int(w.entities)} counter entities of every default kind and ${int(w.replayEntries)} replay records ` +
      `(bench/snapshot-child.ts, one process to write, a fresh one to restore)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(44)}${v}`),
    `  - snapshot alone restores in ${ms(snapshotRestore)}; the restored store reads the same features (checksum ${s.writtenChecksum.toPrecision(12)})`,
    '  - the files are read back from the page cache: a cold start reads them from the disk',
    '',
  ];
}
