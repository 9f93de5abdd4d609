import { mkdirSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrame } from './frame.js';
import { fsyncDir, listSegments, segmentName } from './journal-files.js';

/**
 * When an appended record is durable. `sync`: before append's promise resolves (the caller answers
 * after it); `interval`: within one flush period, the caller does not wait.
 */
export type JournalMode = 'sync' | 'interval';

/** Options for createJournal. */
export interface JournalOptions {
  /** Directory of the segment files (created if missing). */
  readonly dir: string;
  readonly mode: JournalMode;
  /** `interval` mode: how often pending records are written and fdatasync'ed. */
  readonly flushMs: number;
  /** Sequence number of the first record appended (one past the last one recovered). */
  readonly firstSeq: number;
  /** A segment past this size is closed and the next group commit starts a new one (default 64 MiB). */
  readonly maxSegmentBytes?: number;
  /** Told of a failed write or sync; in `sync` mode the waiting appends also reject. */
  readonly onError?: (err: Error) => void;
}

/**
 * A record's body: bytes, text (written as UTF-8), or a function that makes the text, called when
 * the writer takes the record, so encoding costs the appending caller nothing.
 */
export type JournalBody = Uint8Array | string | (() => string);

/** Counters of the journal's work, for metrics and tests. */
export interface JournalStats {
  readonly appended: number;
  /** Group commits: one write plus one fdatasync each. */
  readonly batches: number;
  readonly bytes: number;
  /** Records appended but not yet written and synced. */
  readonly pending: number;
  readonly errors: number;
}

/** An append-only log of framed records in numbered segment files, written by group commit. */
export interface Journal {
  /**
   * Frames and queues a record, numbered lastSeq + 1. In `sync` mode returns a promise that
   * resolves once the record is on disk (fdatasync'ed) and rejects if writing failed; in
   * `interval` mode returns undefined.
   */
  append(body: JournalBody): Promise<void> | undefined;
  /** Sequence number of the newest record appended (firstSeq - 1 before any). */
  readonly lastSeq: number;
  /** Writes and syncs everything appended so far. */
  flush(): Promise<void>;
  /** Makes the next group commit start a new segment file, so older ones can be dropped whole. */
  rotate(): void;
  /** Deletes every segment all of whose records are numbered at most `seq`; returns how many. */
  dropThrough(seq: number): Promise<number>;
  stats(): JournalStats;
  /** Flushes, then closes the file; appending afterwards throws. */
  close(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Creates a journal appending to new segments in `dir`; existing segments are never written again
 * (a torn tail in one stays as it is, skipped by every read, until a snapshot covers it).
 *
 * Group commit: appends queue their records; one writer takes the whole queue, frames it, writes it
 * with one writev and one fdatasync, resolves those appends, and takes the queue again if more
 * arrived meanwhile. In `sync` mode the writer starts on the next turn of the event loop after an
 * append (so every append of a turn shares the batch); in `interval` mode a timer starts it every
 * flushMs, and the fdatasync runs behind the writes (one at a time; bytes written during one are
 * synced by the next), so a slow disk delays durability but never the hand-off to the kernel.
 */
export function createJournal(options: JournalOptions): Journal {
  const { dir, mode, flushMs, onError } = options;
  mkdirSync(dir, { recursive: true });
  const segments = listSegments(dir);
  let lastSeq = options.firstSeq - 1;
  /** Records appended and not yet taken by the writer: framed only then, off the caller's path. */
  let queue: { seq: number; body: JournalBody }[] = [];
  let queueFirst = options.firstSeq;
  let waiters: Waiter[] = [];
  let fh: FileHandle | undefined;
  let segmentStart = -1;
  let segmentBytes = 0;
  const maxSegmentBytes = options.maxSegmentBytes ?? 64 << 20;
  let rotateNext = true;
  let writing: Promise<void> | undefined;
  let scheduled = false;
  let closed = false;
  const stats = { appended: 0, batches: 0, bytes: 0, errors: 0 };
  /** `interval` mode: the fdatasync under way, and whether bytes were written since it began. */
  let syncing: Promise<void> | undefined;
  let unsynced = false;

  /** `interval` mode: syncs what was written, one fdatasync at a time, again while more was written. */
  const syncInBackground = (): void => {
    unsynced = true;
    const handle = fh;
    if (syncing !== undefined || handle === undefined) return;
    syncing = (async () => {
      while (unsynced) {
        unsynced = false;
        await handle.datasync();
      }
    })()
      .catch((err: unknown) => {
        stats.errors++;
        onError?.(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        syncing = undefined;
      });
  };

  const writeBatch = async (): Promise<void> => {
    const records = queue;
    const first = queueFirst;
    const told = waiters;
    queue = [];
    waiters = [];
    queueFirst = lastSeq + 1;
    try {
      const bufs = records.map((r) => encodeFrame(r.seq, typeof r.body === 'function' ? r.body() : r.body));
      if (rotateNext || fh === undefined || segmentBytes >= maxSegmentBytes) {
        if (fh !== undefined) {
          await syncing;
          await fh.datasync();
          await fh.close();
          fh = undefined;
        }
        // Named by its first record, or past every name already there: a segment left by a crash
        // (empty, or only a torn frame) is never appended to, so nothing valid follows garbage.
        const name = Math.max(first, (segments[segments.length - 1] ?? 0) + 1);
        fh = await open(join(dir, segmentName(name)), 'wx');
        segmentStart = name;
        segments.push(name);
        segmentBytes = 0;
        rotateNext = false;
        await fsyncDir(dir);
      }
      let size = 0;
      for (const b of bufs) size += b.length;
      let { bytesWritten } = await fh.writev(bufs);
      // writev may write less than asked; finish the rest (rare, so the simple copy will do).
      if (bytesWritten < size) {
        const rest = Buffer.concat(bufs).subarray(bytesWritten);
        for (let at = 0; at < rest.length; at += bytesWritten) {
          ({ bytesWritten } = await fh.write(rest, at));
        }
      }
      // sync: durable before the appends resolve. interval: the bytes are in the kernel now (a killed
      // process loses none of them); the fdatasync follows without holding up the next write.
      if (mode === 'sync') await fh.datasync();
      else syncInBackground();
      stats.batches++;
      stats.bytes += size;
      segmentBytes += size;
      for (const w of told) w.resolve();
    } catch (err) {
      stats.errors++;
      // Start over in a fresh segment: whatever this one holds past the failure is a torn tail.
      rotateNext = true;
      const e = err instanceof Error ? err : new Error(String(err));
      onError?.(e);
      for (const w of told) w.reject(e);
    }
  };

  const drive = (): Promise<void> => {
    scheduled = false;
    if (writing !== undefined) return writing;
    if (queue.length === 0) return Promise.resolve();
    const run = async (): Promise<void> => {
      try {
        while (queue.length > 0) await writeBatch();
      } finally {
        writing = undefined;
      }
    };
    writing = run();
    return writing;
  };

  const timer = mode === 'interval' ? setInterval(drive, flushMs) : undefined;
  timer?.unref();

  const flush = async (): Promise<void> => {
    while (queue.length > 0 || writing !== undefined) await drive();
    await syncing;
    if (unsynced && fh !== undefined) {
      unsynced = false;
      await fh.datasync();
    }
  };

  return {
    append(body) {
      if (closed) throw new Error('journal is closed');
      lastSeq++;
      queue.push({ seq: lastSeq, body });
      stats.appended++;
      if (mode === 'interval') return undefined;
      if (!scheduled && writing === undefined) {
        scheduled = true;
        setImmediate(drive);
      }
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    get lastSeq() {
      return lastSeq;
    },
    flush,
    rotate() {
      rotateNext = true;
    },
    async dropThrough(seq) {
      let dropped = 0;
      // Every record of segment i is numbered below the name of segment i + 1 (names are at least
      // their first record); the open segment is never dropped.
      while (segments.length > 1 && (segments[1] as number) <= seq + 1 && segments[0] !== segmentStart) {
        const start = segments.shift() as number;
        await unlink(join(dir, segmentName(start))).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        dropped++;
      }
      if (dropped > 0) await fsyncDir(dir);
      return dropped;
    },
    stats: () => ({ ...stats, pending: queue.length }),
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await flush();
      closed = true;
      await fh?.close();
      fh = undefined;
    },
  };
}
