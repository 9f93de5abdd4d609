import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFrames, encodeFrame } from '../../src/durability/frame.js';
import { createJournal } from '../../src/durability/journal.js';
import { listSegments, segmentName } from '../../src/durability/journal-files.js';
import { readJournal } from '../../src/durability/read-journal.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'risk-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const body = (i: number) => Buffer.from(`record ${i} ${'x'.repeat(i % 50)}`);

/** Everything readJournal hands over, as [seq, text]. */
const readAll = (dir: string, after = 0) => {
  const got: [number, string][] = [];
  const stats = readJournal(dir, after, (seq, b) => got.push([seq, b.toString()]));
  return { got, stats };
};

/** Writes `n` records in sync mode, one segment, and closes. */
async function writeRecords(dir: string, n: number): Promise<void> {
  const j = createJournal({ dir, mode: 'sync', flushMs: 20, firstSeq: 1 });
  await Promise.all(Array.from({ length: n }, (_, i) => j.append(body(i + 1))));
  await j.close();
}

describe('journal frames', () => {
  it('round-trips sequence numbers and bodies', () => {
    const buf = Buffer.concat([
      encodeFrame(1, body(1)),
      encodeFrame(2, body(2)),
      encodeFrame(7, Buffer.alloc(0)),
    ]);
    const d = decodeFrames(buf);
    expect(d.frames.map((f) => [f.seq, f.body.toString()])).toEqual([
      [1, body(1).toString()],
      [2, body(2).toString()],
      [7, ''],
    ]);
    expect(d.corruptFrames).toBe(0);
    expect(d.tornBytes).toBe(0);
  });
});

describe('journal', () => {
  it('sync mode: appends of one turn share one write and fdatasync, and resolve once written', async () => {
    const dir = tempDir();
    const j = createJournal({ dir, mode: 'sync', flushMs: 20, firstSeq: 1 });
    const acks = Array.from({ length: 100 }, (_, i) => j.append(body(i + 1)));
    expect(j.stats().pending).toBe(100);
    await Promise.all(acks);
    expect(j.stats()).toMatchObject({ appended: 100, batches: 1, pending: 0, errors: 0 });
    // Durable before close: a reader sees every record now.
    expect(readAll(dir).got).toHaveLength(100);
    await j.close();
  });

  it('interval mode: the caller does not wait; records are written within the flush period', async () => {
    const dir = tempDir();
    const j = createJournal({ dir, mode: 'interval', flushMs: 5, firstSeq: 10 });
    expect(j.append(body(1))).toBeUndefined();
    expect(j.append(body(2))).toBeUndefined();
    for (let i = 0; i < 100 && j.stats().batches === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(readAll(dir).got.map(([seq]) => seq)).toEqual([10, 11]);
    await j.close();
  });

  it('a torn tail (the last frame cut mid-way) is skipped and counted, the rest read', async () => {
    const dir = tempDir();
    await writeRecords(dir, 20);
    const [start] = listSegments(dir);
    const file = join(dir, segmentName(start as number));
    truncateSync(file, statSync(file).size - 7);
    const { got, stats } = readAll(dir);
    expect(got.map(([seq]) => seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(stats).toMatchObject({ applied: 19, tornTails: 1, corruptFrames: 0, missing: 0, lastSeq: 19 });
    expect(stats.tornBytes).toBeGreaterThan(0);
  });

  it('a flipped byte fails its frame checksum: that frame is skipped and counted, later ones read', async () => {
    const dir = tempDir();
    await writeRecords(dir, 20);
    const file = join(dir, segmentName(listSegments(dir)[0] as number));
    const bytes = readFileSync(file);
    // Frame 5's body: frames 1-4 first (16-byte header plus body each).
    let at = 0;
    for (let i = 1; i <= 4; i++) at += 16 + body(i).length;
    bytes[at + 16 + 3] = (bytes[at + 16 + 3] as number) ^ 0x20;
    writeFileSync(file, bytes);
    const { got, stats } = readAll(dir);
    expect(got.map(([seq]) => seq)).toEqual([1, 2, 3, 4, ...Array.from({ length: 15 }, (_, i) => i + 6)]);
    expect(stats).toMatchObject({ corruptFrames: 1, tornTails: 0, applied: 19, missing: 1 });
  });

  it('garbage where a length should be ends the segment as torn; later segments are still read', async () => {
    const dir = tempDir();
    await writeRecords(dir, 3);
    const first = join(dir, segmentName(1));
    writeFileSync(
      first,
      Buffer.concat([readFileSync(first), Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3])]),
    );
    // A restarted journal continues in a new segment, never after the garbage.
    const j = createJournal({ dir, mode: 'sync', flushMs: 20, firstSeq: 4 });
    await j.append(body(4));
    await j.close();
    expect(listSegments(dir)).toHaveLength(2);
    const { got, stats } = readAll(dir);
    expect(got.map(([seq]) => seq)).toEqual([1, 2, 3, 4]);
    expect(stats.tornTails).toBe(1);
  });

  it('reads only past a position, and drops the segments a snapshot covers but never the open one', async () => {
    const dir = tempDir();
    const j = createJournal({ dir, mode: 'sync', flushMs: 20, firstSeq: 1 });
    for (let i = 1; i <= 3; i++) await j.append(body(i));
    j.rotate();
    for (let i = 4; i <= 6; i++) await j.append(body(i));
    j.rotate();
    await j.append(body(7));
    expect(listSegments(dir)).toEqual([1, 4, 7]);
    expect(readAll(dir, 5).got.map(([seq]) => seq)).toEqual([6, 7]);
    expect(await j.dropThrough(5)).toBe(1); // segment 4 holds 6: kept
    expect(listSegments(dir)).toEqual([4, 7]);
    expect(await j.dropThrough(7)).toBe(1); // segment 7 is open: kept
    expect(listSegments(dir)).toEqual([7]);
    await j.close();
  });
});
