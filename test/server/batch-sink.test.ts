import { describe, expect, it } from 'vitest';
import { createBatchSink } from '../../src/server/batch-sink.js';

// The queue every decision sink shares, with a write of the test's own: batches, the bound, retries
// in order and what close does. The servers' behaviour is in the pg and nats sink tests.

const rec = (i: number) => ({ i });
const ids = (batch: readonly object[]) => batch.map((r) => (r as { i: number }).i);

describe('batch sink', () => {
  it('writes in batches of at most batchSize, in append order, as soon as a batch is full', async () => {
    const batches: number[][] = [];
    const sink = createBatchSink({
      name: 't',
      maxQueue: 1000,
      batchSize: 4,
      flushMs: 60_000,
      write: async (b) => {
        batches.push(ids(b));
      },
    });
    for (let i = 0; i < 10; i++) sink.append(rec(i));
    // Nothing is written on the appending call itself.
    expect(batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    await sink.flush();
    expect(batches).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(sink.stats()).toEqual({ appended: 10, written: 10, dropped: 0, errors: 0, queued: 0 });
    await sink.close();
  });

  it('keeps a failed batch first, retries it with backoff, bounds the queue meanwhile and loses no order', async () => {
    let down = true;
    const written: number[] = [];
    const failures: number[] = [];
    const recovered: number[] = [];
    const sink = createBatchSink({
      name: 't',
      maxQueue: 5,
      batchSize: 3,
      flushMs: 5,
      retryMinMs: 5,
      retryMaxMs: 20,
      write: async (b) => {
        if (down) throw new Error('down');
        written.push(...ids(b));
      },
      onError: (_e, n) => failures.push(n),
      onRecover: (n) => recovered.push(n),
    });
    for (let i = 0; i < 3; i++) sink.append(rec(i));
    await sink.flush();
    expect(sink.stats()).toMatchObject({ queued: 3, errors: 1 });
    // 3 wait in the failed batch; 5 more fit; the rest is dropped, counted.
    const taken = Array.from({ length: 10 }, (_, k) => sink.append(rec(3 + k)));
    expect(taken.filter(Boolean)).toHaveLength(5);
    expect(sink.stats()).toMatchObject({ appended: 8, dropped: 5, queued: 8 });
    await new Promise((r) => setTimeout(r, 60));
    expect(failures.length).toBeGreaterThan(1);
    expect(failures.slice(0, 3)).toEqual([1, 2, 3]);
    down = false;
    for (let t = 0; t < 100 && sink.stats().queued > 0; t++) await new Promise((r) => setTimeout(r, 10));
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(recovered).toHaveLength(1);
    expect(sink.stats()).toMatchObject({ appended: 8, written: 8, dropped: 5, queued: 0 });
    await sink.close();
  });

  it('drops a batch refused as permanent, counted, and goes on', async () => {
    const written: number[] = [];
    const sink = createBatchSink({
      name: 't',
      maxQueue: 10,
      batchSize: 2,
      flushMs: 60_000,
      write: async (b) => {
        if (ids(b).includes(1)) throw Object.assign(new Error('bad data'), { permanent: true });
        written.push(...ids(b));
      },
    });
    for (let i = 0; i < 4; i++) sink.append(rec(i));
    await sink.flush();
    expect(written).toEqual([2, 3]);
    expect(sink.stats()).toMatchObject({ written: 2, dropped: 2, errors: 1, queued: 0 });
    await sink.close();
  });

  it('close writes what it can, then drops the rest after closeTimeoutMs, counted; later appends are dropped', async () => {
    let ended = false;
    const sink = createBatchSink({
      name: 't',
      maxQueue: 10,
      batchSize: 2,
      flushMs: 60_000,
      retryMinMs: 5,
      closeTimeoutMs: 50,
      write: async () => {
        throw new Error('down');
      },
      end: async () => {
        ended = true;
      },
    });
    for (let i = 0; i < 5; i++) sink.append(rec(i));
    const t0 = Date.now();
    await sink.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(ended).toBe(true);
    expect(sink.stats()).toMatchObject({ appended: 5, written: 0, dropped: 5, queued: 0 });
    expect(sink.append(rec(9))).toBe(false);
    expect(sink.stats().dropped).toBe(6);
  });
});
