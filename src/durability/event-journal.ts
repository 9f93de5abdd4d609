import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fsyncDir } from './journal-files.js';

/** Options for createEventJournal. */
export interface EventJournalOptions {
  /** The journal file (its directory is created if missing); earlier lines are kept and appended to. */
  readonly path: string;
  /** Group commit period: appended lines are written and fdatasync-ed this often. */
  readonly flushMs: number;
  /** A failed timed flush (a flush awaited by a caller rejects instead). */
  readonly onError?: (err: Error) => void;
}

/** Counters of the journal's work. */
export interface EventJournalStats {
  readonly appended: number;
  readonly written: number;
  /** Lines in the file now (since the last rewrite, or read at open). */
  readonly lines: number;
  readonly errors: number;
}

/**
 * An append-only NDJSON journal of small state-change events (the review queue's), written by group
 * commit: `append` queues an object, and every `flushMs` (or on `flush`) the queued lines are written
 * in one call and fdatasync-ed. `rewrite` compacts: the given lines replace the file atomically
 * (temporary file, fsync, rename, directory fsync).
 */
export interface EventJournal {
  /** Queues one line (a JSON-able object). */
  append(line: object): void;
  /** Writes and syncs everything appended so far; rejects if that write failed. */
  flush(): Promise<void>;
  /**
   * Replaces the whole file with `lines`, which must sum up every line appended before the call
   * (those still queued are dropped); lines appended after it follow in the new file.
   */
  rewrite(lines: readonly object[]): Promise<void>;
  stats(): EventJournalStats;
  /** Flushes and closes; later appends are ignored. */
  close(): Promise<void>;
}

/** What reading a journal back skipped. */
export interface EventJournalRead {
  readonly lines: Record<string, unknown>[];
  /** Lines that were not JSON objects: the torn tail a crash can leave, or damage. */
  readonly skipped: number;
}

/** Reads a journal's lines in order; a missing file is empty. */
export async function readEventJournal(path: string): Promise<EventJournalRead> {
  const lines: Record<string, unknown>[] = [];
  let skipped = 0;
  const input = createReadStream(path, { encoding: 'utf8' });
  const missing = new Promise<boolean>((done) => {
    input.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT'));
    input.once('open', () => done(false));
  });
  if (await missing) return { lines, skipped };
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) lines.push(v as Record<string, unknown>);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { lines, skipped };
}

/** Opens (creating) the journal at `options.path` for appending; `lines` is how many it holds already. */
export async function createEventJournal(options: EventJournalOptions, lines = 0): Promise<EventJournal> {
  const { path } = options;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  let file: FileHandle | undefined = await open(path, 'a');
  await fsyncDir(dir);
  let queue: string[] = [];
  let appended = 0;
  let written = 0;
  let inFile = lines;
  let errors = 0;
  let closed = false;
  let writing: Promise<void> = Promise.resolve();

  const writeOut = async () => {
    if (queue.length === 0 || file === undefined) return;
    const batch = queue;
    queue = [];
    try {
      await file.write(`${batch.join('\n')}\n`);
      await file.datasync();
    } catch (err) {
      errors++;
      throw err;
    }
    written += batch.length;
    inFile += batch.length;
  };
  // Each flush runs after the one before, whether that failed or not.
  const flush = (): Promise<void> => {
    const p = writing.catch(() => undefined).then(writeOut);
    writing = p;
    return p;
  };
  const timer = setInterval(() => {
    flush().catch((err: unknown) => options.onError?.(err as Error));
  }, options.flushMs);
  timer.unref();

  return {
    append(line) {
      if (closed) return;
      queue.push(JSON.stringify(line));
      appended++;
    },
    flush,
    async rewrite(all) {
      // `all` holds the effect of every line appended so far: the queued ones are superseded too.
      queue = [];
      const p = writing
        .catch(() => undefined)
        .then(async () => {
          const tmp = `${path}.tmp`;
          const fh = await open(tmp, 'w');
          try {
            if (all.length > 0) await fh.write(`${all.map((l) => JSON.stringify(l)).join('\n')}\n`);
            await fh.sync();
          } finally {
            await fh.close();
          }
          await file?.close();
          file = undefined;
          await rename(tmp, path);
          await fsyncDir(dir);
          file = await open(path, 'a');
          inFile = all.length;
        });
      writing = p;
      await p;
    },
    stats: () => ({ appended, written, lines: inFile, errors }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flush().catch((err: unknown) => options.onError?.(err as Error));
      await file?.close();
      file = undefined;
    },
  };
}
