import { describe, expect, it } from 'vitest';
import type { DecisionResult, RiskEvent } from '../../src/domain/index.js';
import { createConsoleFeed, type FeedSink, type RecordHandle } from '../../src/server/console-feed.js';

const T = Date.parse('2026-12-02T00:00:00Z');
const event = { eventId: 'e', type: 'PAYMENT' } as unknown as RiskEvent;
let seq = 0;
const result = (decision: DecisionResult['decision'], micros: number, codes: string[] = []): DecisionResult =>
  ({
    decisionId: `d-${++seq}`,
    eventId: `e-${seq}`,
    decision,
    score: 0.5,
    modelScore: 0.25,
    reasons: codes.map((code) => ({ code, message: code, source: 'RULE' })),
    bundleVersion: 'b',
    modelVersion: 'm',
    degraded: [],
    timings: [
      { stage: 'features', micros: micros / 2 },
      { stage: 'model', micros: micros / 2 },
    ],
    replayed: false,
    timeBasis: 'EVENT_TIME',
    windowTime: '',
  }) as DecisionResult;
const handle = (id: string): RecordHandle =>
  ({
    toJSON: () => ({ decisionId: id }),
    logSchema: { kind: 'schema', id: 's', names: [] },
  }) as unknown as RecordHandle;

/** A sink that records what it is sent; `full` makes writes report a full buffer. */
function sink() {
  const chunks: string[] = [];
  let drain: (() => void) | undefined;
  const s = {
    chunks,
    full: false,
    ended: false,
    write(c: string) {
      chunks.push(c);
      return !s.full;
    },
    once(_e: 'drain', l: () => void) {
      drain = l;
    },
    end() {
      s.ended = true;
    },
    drain() {
      s.full = false;
      const l = drain;
      drain = undefined;
      l?.();
    },
  };
  return s satisfies FeedSink & Record<string, unknown>;
}
const events = (chunks: string[], type: string) =>
  chunks
    .filter((c) => c.startsWith(`event: ${type}\n`))
    .map((c) => JSON.parse(c.slice(c.indexOf('data: ') + 6)) as Record<string, unknown>);

describe('console feed', () => {
  it('keeps the decision mix and latency per second, and the top rules', () => {
    let now = T + 100;
    const feed = createConsoleFeed({ historySeconds: 60, recent: 0, now: () => now });
    for (let i = 0; i < 98; i++) feed.observe(event, result('ALLOW', 100), [], undefined);
    feed.observe(event, result('REVIEW', 1000), ['velocity'], undefined);
    feed.observe(event, result('BLOCK', 50_000), ['velocity', 'blocked_ip'], undefined);
    now = T + 2500;
    feed.observe(event, result('CHALLENGE', 200), ['otp'], undefined);
    const s = feed.summary(3);
    expect(s.seconds.map((x) => x.t)).toEqual([T, T + 1000, T + 2000]);
    const [first, empty, third] = s.seconds;
    expect(first?.count).toBe(100);
    expect(first?.mix).toEqual({ ALLOW: 98, CHALLENGE: 0, REVIEW: 1, BLOCK: 1 });
    // Log-scale bins of a quarter octave: within 19 % of the true value.
    expect(first?.p50).toBeGreaterThanOrEqual(84);
    expect(first?.p50).toBeLessThanOrEqual(119);
    expect(first?.p99).toBeGreaterThanOrEqual(840);
    expect(first?.p99).toBeLessThanOrEqual(1190);
    expect(first?.max).toBe(50_000);
    expect(first?.mean).toBe(Math.round((98 * 100 + 1000 + 50_000) / 100));
    expect(empty?.count).toBe(0);
    expect(third?.mix.CHALLENGE).toBe(1);
    expect(s.topRules).toEqual([
      { id: 'velocity', hits: 2 },
      { id: 'blocked_ip', hits: 1 },
      { id: 'otp', hits: 1 },
    ]);
    expect(s.decisions).toBe(101);
    // A second long past is overwritten by the one that reuses its slot.
    now = T + 60_100;
    feed.observe(event, result('BLOCK', 10), [], undefined);
    expect(feed.summary(60).seconds.at(-1)?.mix).toEqual({ ALLOW: 0, CHALLENGE: 0, REVIEW: 0, BLOCK: 1 });
    expect(feed.summary(60).seconds[0]?.t).toBe(T + 1000);
    expect(feed.summary(60).seconds[0]?.count).toBe(0);
    feed.close();
  });

  it('finds recent records by decision id or event id, newest first, in a bounded ring', () => {
    const feed = createConsoleFeed({ historySeconds: 10, recent: 3 });
    const rs = [result('ALLOW', 1), result('ALLOW', 1), result('ALLOW', 1), result('ALLOW', 1)];
    for (const r of rs) feed.observe(event, r, [], handle(r.decisionId));
    expect(feed.recent(rs[0]?.decisionId as string)).toBeUndefined();
    expect(feed.recent(rs[1]?.decisionId as string)?.toJSON().decisionId).toBe(rs[1]?.decisionId);
    expect(feed.recent(rs[3]?.eventId as string)?.toJSON().decisionId).toBe(rs[3]?.decisionId);
    expect(feed.keepsRecords).toBe(true);
    expect(createConsoleFeed({ historySeconds: 10, recent: 0 }).keepsRecords).toBe(false);
  });

  it('streams decisions as Server-Sent Events only while someone listens, capped per second', () => {
    const now = T;
    const feed = createConsoleFeed({ historySeconds: 10, recent: 0, maxPerSecond: 3, now: () => now });
    feed.observe(event, result('ALLOW', 10), [], undefined);
    expect(feed.stats()).toMatchObject({ subscribers: 0, sent: 0, sampledOut: 0 });
    const a = sink();
    const b = sink();
    const subA = feed.subscribe(a);
    feed.subscribe(b);
    expect(a.chunks[0]).toBe(': connected\n\n');
    for (let i = 0; i < 5; i++)
      feed.observe(event, result('REVIEW', 300, ['velocity', 'x', 'y', 'z']), [], undefined);
    const got = events(a.chunks, 'decision');
    expect(got).toHaveLength(3);
    expect(got[0]).toMatchObject({
      type: 'PAYMENT',
      decision: 'REVIEW',
      micros: 300,
      reasons: ['velocity', 'x', 'y'],
    });
    expect(got[0]?.stages).toEqual({ features: 150, model: 150 });
    expect(events(b.chunks, 'decision')).toHaveLength(3);
    expect(feed.stats()).toMatchObject({ subscribers: 2, sent: 3, sampledOut: 2 });
    subA.close();
    expect(a.ended).toBe(true);
    expect(feed.stats().subscribers).toBe(1);
    feed.close();
    expect(b.ended).toBe(true);
  });

  it('buffers for a slow listener, skips past the bound and drops one that stays behind', () => {
    let now = T;
    const feed = createConsoleFeed({
      historySeconds: 10,
      recent: 0,
      maxPerSecond: 1000,
      maxBuffer: 2,
      dropAfter: 3,
      now: () => now,
    });
    const slow = sink();
    slow.full = true;
    feed.subscribe(slow); // the connect comment fills it
    for (let i = 0; i < 4; i++) feed.observe(event, result('ALLOW', 10), [], undefined);
    // Two queued, two skipped.
    expect(feed.stats()).toMatchObject({ skipped: 2, dropped: 0 });
    slow.drain();
    expect(events(slow.chunks, 'decision')).toHaveLength(2);
    slow.full = true;
    now += 1000;
    feed.observe(event, result('ALLOW', 10), [], undefined); // written, fills the buffer
    for (let i = 0; i < 5; i++) feed.observe(event, result('ALLOW', 10), [], undefined);
    expect(feed.stats()).toMatchObject({ skipped: 5, dropped: 1, subscribers: 0 });
    expect(slow.ended).toBe(true);
    feed.close();
  });
});
