import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDecisionLog,
  featuresOf,
  listDecisionSegments,
  readDecisionLog,
} from '../../src/durability/index.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'risk-dlog-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const read = async (dir: string) => {
  const stats = { skippedLines: 0 };
  const out: Record<string, unknown>[] = [];
  for await (const r of readDecisionLog(dir, stats)) out.push(r);
  return { records: out, stats };
};
const options = { flushMs: 10_000, maxSegmentBytes: 1 << 20, retentionMs: 0, maxQueue: 1000 };

describe('decision log (NDJSON segments)', () => {
  it('writes every record in order, serialised by the writer (toJSON is called then, not on append)', async () => {
    const dir = tempDir();
    const log = createDecisionLog({ dir, ...options });
    let serialised = 0;
    for (let i = 0; i < 50; i++)
      log.append({
        toJSON: () => {
          serialised++;
          return { i };
        },
      });
    expect(serialised).toBe(0);
    await log.flush();
    expect(serialised).toBe(50);
    await log.close();
    const { records, stats } = await read(dir);
    expect(records.map((r) => r.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(stats.skippedLines).toBe(0);
    expect(log.stats()).toMatchObject({ appended: 50, written: 50, dropped: 0, segments: 1 });
  });

  it('rotates segments by size and keeps reading across them', async () => {
    const dir = tempDir();
    const log = createDecisionLog({ dir, ...options, maxSegmentBytes: 2000 });
    let t = 1_000;
    for (let i = 0; i < 300; i++) {
      log.append({ i, pad: 'x'.repeat(40) });
      if (i % 20 === 19) await log.flush();
      t++;
    }
    await log.close();
    expect(listDecisionSegments(dir).length).toBeGreaterThan(3);
    expect((await read(dir)).records.map((r) => r.i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(t).toBe(1300);
  });

  it("declares a record's schema once per segment, so every segment reads on its own", async () => {
    const dir = tempDir();
    const log = createDecisionLog({ dir, ...options, maxSegmentBytes: 300 });
    const logSchema = { kind: 'schema', id: 's1', names: ['a', 'b'] };
    for (let i = 0; i < 40; i++) {
      log.append({ logSchema, toJSON: () => ({ kind: 'decision', i, schema: 's1', f: [i, null] }) });
      if (i % 5 === 4) await log.flush();
    }
    await log.close();
    const segments = listDecisionSegments(dir);
    expect(segments.length).toBeGreaterThan(2);
    for (const name of segments) {
      const lines = readFileSync(join(dir, name), 'utf8').trim().split('\n');
      expect(lines.filter((l) => l.includes('"kind":"schema"'))).toHaveLength(1);
      expect(lines[0]).toContain('"kind":"schema"');
    }
    // Drop the first segment: the rest still resolve their features by name.
    rmSync(join(dir, segments[0] as string));
    const { records } = await read(dir);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(featuresOf(r)).toEqual({ a: r.i });
  });

  it('a full queue drops and counts instead of waiting; a closed log drops too', async () => {
    const dir = tempDir();
    const log = createDecisionLog({ dir, ...options, maxQueue: 10 });
    const accepted = Array.from({ length: 25 }, (_, i) => log.append({ i })).filter(Boolean).length;
    expect(accepted).toBe(10);
    expect(log.stats()).toMatchObject({ appended: 10, dropped: 15, queued: 10 });
    await log.close();
    expect(log.append({ late: true })).toBe(false);
    expect(log.stats()).toMatchObject({ written: 10, dropped: 16, queued: 0 });
  });

  it('tolerates the torn last line a crash leaves, and goes on appending after a restart', async () => {
    const dir = tempDir();
    const a = createDecisionLog({ dir, ...options });
    for (let i = 0; i < 5; i++) a.append({ i });
    await a.close();
    const [segment] = listDecisionSegments(dir);
    appendFileSync(join(dir, segment as string), '{"i":5,"torn');
    let now = Date.now() + 1000;
    const b = createDecisionLog({ dir, ...options, now: () => now });
    b.append({ i: 6 });
    await b.close();
    const { records, stats } = await read(dir);
    expect(records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(stats.skippedLines).toBe(1);
    now += 1;
  });

  it('retention deletes whole segments older than the limit, never the one being written', async () => {
    const dir = tempDir();
    let now = Date.parse('2026-12-01T00:00:00Z');
    const log = createDecisionLog({
      dir,
      ...options,
      maxSegmentBytes: 5,
      retentionMs: 86_400_000,
      now: () => now,
    });
    for (let i = 0; i < 4; i++) {
      log.append({ i });
      await log.flush();
      now += 1000;
    }
    const names = listDecisionSegments(dir);
    expect(names).toHaveLength(4);
    // The first two were last written three days ago.
    for (const n of names.slice(0, 2))
      utimesSync(join(dir, n), new Date(now - 3 * 86_400_000), new Date(now - 3 * 86_400_000));
    now += 120_000;
    log.append({ i: 4 });
    await log.flush();
    await log.close();
    expect(readdirSync(dir).filter((n) => n.endsWith('.ndjson'))).toHaveLength(3);
    expect(log.stats().deletedSegments).toBe(2);
    expect((await read(dir)).records.map((r) => r.i)).toEqual([2, 3, 4]);
  });
});
